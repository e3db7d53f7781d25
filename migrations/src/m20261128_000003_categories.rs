//! The product category tree the centre works with (see the domain guide).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (slug, Vietnamese name, English name, children)
type Node = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);

const TREE: &[Node] = &[
    (
        "che-bien-nong-lam-san",
        "Chế biến nông – lâm sản",
        "Agro-forestry processing",
        &[
            ("mien-dong", "Miến dong", "Arrowroot vermicelli"),
            ("gao-dac-san", "Gạo đặc sản", "Speciality rice"),
            ("che", "Chè", "Tea"),
            ("trai-cay-che-bien", "Trái cây chế biến", "Processed fruit"),
            ("mat-ong", "Mật ong", "Honey"),
            (
                "mang-nam",
                "Măng, nấm khô",
                "Dried bamboo shoots and mushrooms",
            ),
            (
                "tinh-dau-gia-vi",
                "Tinh dầu, gia vị",
                "Essential oils and spices",
            ),
            (
                "ruou-truyen-thong",
                "Rượu truyền thống",
                "Traditional rice wine",
            ),
            (
                "lam-san",
                "Lâm sản, đũa tre, ván ghép",
                "Forest products and timber",
            ),
            ("do-go", "Đồ gỗ", "Furniture"),
        ],
    ),
    (
        "vat-lieu-xay-dung",
        "Vật liệu xây dựng",
        "Building materials",
        &[
            ("gach-khong-nung", "Gạch không nung", "Unfired bricks"),
            ("gach-nung", "Gạch nung", "Fired bricks"),
            ("da-xay-dung", "Đá xây dựng", "Building stone"),
            ("cat-soi", "Cát, sỏi", "Sand and gravel"),
            ("ngoi", "Ngói", "Roof tiles"),
            ("voi", "Vôi", "Lime"),
            ("be-tong-duc-san", "Bê tông đúc sẵn", "Precast concrete"),
        ],
    ),
    (
        "thu-cong-my-nghe",
        "Thủ công mỹ nghệ",
        "Handicrafts",
        &[
            ("tho-cam", "Thổ cẩm", "Brocade"),
            ("may-tre-dan", "Mây tre đan", "Rattan and bamboo weaving"),
        ],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Ids are given explicitly so that parents are known without reading back.
        let mut id = 0;
        for (position, (slug, vi, en, children)) in TREE.iter().enumerate() {
            id += 1;
            let parent_id = id;
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table("categories")
                        .columns(["id", "slug", "parent_id", "name_vi", "name_en", "position"])
                        .values_panic([
                            parent_id.into(),
                            (*slug).into(),
                            Option::<i32>::None.into(),
                            (*vi).into(),
                            (*en).into(),
                            (position as i32).into(),
                        ])
                        .to_owned(),
                )
                .await?;
            let mut insert = Query::insert();
            insert.into_table("categories").columns([
                "id",
                "slug",
                "parent_id",
                "name_vi",
                "name_en",
                "position",
            ]);
            for (child_position, (slug, vi, en)) in children.iter().enumerate() {
                id += 1;
                insert.values_panic([
                    id.into(),
                    (*slug).into(),
                    Some(parent_id).into(),
                    (*vi).into(),
                    (*en).into(),
                    (child_position as i32).into(),
                ]);
            }
            manager.exec_stmt(insert).await?;
        }
        // PostgreSQL's sequence does not see explicit ids; move it past them.
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "SELECT setval(pg_get_serial_sequence('categories', 'id'), (SELECT MAX(id) FROM categories))",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(Query::delete().from_table("categories").to_owned())
            .await?;
        Ok(())
    }
}
