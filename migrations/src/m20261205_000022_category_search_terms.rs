//! Words buyers use for a category that its names do not say — English mostly, since the
//! catalogue is written in Vietnamese (`cement bricks` for *Gạch không nung*) — kept by
//! staff, indexed with every product of the category. A starter set for the centre's
//! categories comes with it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (category slug, terms separated by commas)
const STARTER: &[(&str, &str)] = &[
    (
        "che-bien-nong-lam-san",
        "agricultural products, farm products, food, forest products",
    ),
    (
        "mien-dong",
        "glass noodles, cellophane noodles, arrowroot noodles, vermicelli, bean thread noodles",
    ),
    (
        "gao-dac-san",
        "rice, sticky rice, glutinous rice, fragrant rice, specialty rice",
    ),
    (
        "che",
        "tea, green tea, tea leaves, shan tuyet tea, black tea",
    ),
    (
        "trai-cay-che-bien",
        "dried fruit, dried persimmon, candied fruit, jam, fruit",
    ),
    (
        "mat-ong",
        "honey, wild honey, forest honey, bee honey, beeswax",
    ),
    (
        "mang-nam",
        "bamboo shoots, dried bamboo shoots, dried mushrooms, shiitake, wood ear mushrooms",
    ),
    (
        "tinh-dau-gia-vi",
        "essential oil, star anise, star anise oil, cinnamon, cinnamon oil, cardamom, spices",
    ),
    (
        "ruou-truyen-thong",
        "rice wine, rice liquor, spirits, liquor",
    ),
    (
        "lam-san",
        "chopsticks, bamboo chopsticks, plywood, timber, wood, bamboo",
    ),
    ("do-go", "furniture, wooden furniture, table, chair, bed"),
    (
        "vat-lieu-xay-dung",
        "building materials, construction materials",
    ),
    (
        "gach-khong-nung",
        "cement bricks, concrete bricks, concrete blocks, hollow blocks, unfired bricks, bricks",
    ),
    ("gach-nung", "clay bricks, fired bricks, red bricks, bricks"),
    (
        "da-xay-dung",
        "stone, crushed stone, aggregate, building stone",
    ),
    ("cat-soi", "sand, gravel, pebbles, construction sand"),
    ("ngoi", "roof tiles, clay tiles, tiles"),
    ("voi", "lime, quicklime, hydrated lime"),
    (
        "be-tong-duc-san",
        "precast concrete, concrete pipes, culverts, concrete",
    ),
    ("thu-cong-my-nghe", "handicrafts, crafts, handmade"),
    ("tho-cam", "brocade, woven fabric, textiles, scarf"),
    (
        "may-tre-dan",
        "rattan, bamboo baskets, wicker, basketry, weaving",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("categories")
                    .add_column(text("search_terms").default(""))
                    .to_owned(),
            )
            .await?;
        for (slug, terms) in STARTER {
            manager
                .exec_stmt(
                    Query::update()
                        .table("categories")
                        .value("search_terms", *terms)
                        .and_where(Expr::col("slug").eq(*slug))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("categories")
                    .drop_column("search_terms")
                    .to_owned(),
            )
            .await
    }
}
