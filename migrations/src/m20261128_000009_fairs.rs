//! Trade fairs: exhibitors at their booths with the products they show, the QR scans and
//! page visits a fair brings, and the fair a request came from.

use sea_orm_migration::{
    prelude::*,
    schema::{date, integer, integer_null, pk_auto, string, text, timestamp_with_time_zone},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    crate::foreign_key(from_table, from_col, to_table, ForeignKeyAction::Cascade)
}

use crate::create_index as index;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("fairs")
                    .col(pk_auto("id"))
                    .col(string("slug").unique_key())
                    .col(string("name"))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(string("venue"))
                    .col(integer("province_code"))
                    .col(string("organiser"))
                    // planned | open | closed
                    .col(string("status"))
                    .col(text("description"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("fair_exhibitors")
                    .col(pk_auto("id"))
                    .col(integer("fair_id"))
                    .col(integer("enterprise_id"))
                    .col(string("booth"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("fair_exhibitors", "fair_id", "fairs"))
                    .foreign_key(&mut fk("fair_exhibitors", "enterprise_id", "enterprises"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "fair_exhibitors",
            &["fair_id", "enterprise_id"],
            true,
        )
        .await?;
        index(manager, "fair_exhibitors", &["fair_id", "booth"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table("fair_products")
                    .col(pk_auto("id"))
                    .col(integer("exhibitor_id"))
                    .col(integer("product_id"))
                    .foreign_key(&mut fk("fair_products", "exhibitor_id", "fair_exhibitors"))
                    .foreign_key(&mut fk("fair_products", "product_id", "products"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "fair_products",
            &["exhibitor_id", "product_id"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("fair_hits")
                    .col(pk_auto("id"))
                    .col(integer("fair_id"))
                    .col(integer_null("exhibitor_id"))
                    .col(integer_null("product_id"))
                    // scan (a QR code was followed) | visit (a page seen with the fair attached)
                    .col(string("kind"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk("fair_hits", "fair_id", "fairs"))
                    .to_owned(),
            )
            .await?;
        index(manager, "fair_hits", &["fair_id", "kind"], false).await?;
        // SQLite adds a column without a foreign key; the service keeps it consistent.
        manager
            .alter_table(
                Table::alter()
                    .table("requests")
                    .add_column(integer_null("fair_id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "requests", &["fair_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_requests_fair_id")
                    .table("requests")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("requests")
                    .drop_column("fair_id")
                    .to_owned(),
            )
            .await?;
        for table in ["fair_hits", "fair_products", "fair_exhibitors", "fairs"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
