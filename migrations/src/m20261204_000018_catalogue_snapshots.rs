//! The catalogue counted once a day by place, category, legal form and the centre's concerns
//! (trademark, packaging, OCOP), so reports can set this quarter against last year.

use sea_orm_migration::{
    prelude::*,
    schema::{date, integer, pk_auto, small_integer, string},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("catalogue_snapshots")
                    .col(pk_auto("id"))
                    .col(date("day"))
                    .col(integer("province_code"))
                    .col(integer("category_id"))
                    .col(string("legal_form"))
                    .col(string("tm_status"))
                    .col(string("packaging_status"))
                    // 0 when the product has no OCOP rating.
                    .col(small_integer("ocop_stars"))
                    .col(integer("products"))
                    .to_owned(),
            )
            .await?;
        // One count per group a day: taking the day's snapshot twice adds nothing.
        crate::create_index(
            manager,
            "catalogue_snapshots",
            &[
                "day",
                "province_code",
                "category_id",
                "legal_form",
                "tm_status",
                "packaging_status",
                "ocop_stars",
            ],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("catalogue_snapshots"))
                    .to_owned(),
            )
            .await
    }
}
