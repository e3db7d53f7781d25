//! Fair visitors: the random token a QR scan or fair link gives a browser (kept only as its
//! hash), and each scan or visit tied to the token that made it, so a token counts a page
//! once however often it is reloaded.

use sea_orm_migration::{
    prelude::*,
    schema::{integer, integer_null, pk_auto, string, string_null, timestamp_with_time_zone},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("fair_visitors")
                    .col(pk_auto("id"))
                    .col(integer("fair_id"))
                    // SHA-256 of the cookie's token, hex.
                    .col(string("token_hash").unique_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut crate::foreign_key(
                        "fair_visitors",
                        "fair_id",
                        "fairs",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Hits counted before tokens keep both columns empty (and never clash below).
        manager
            .alter_table(
                Table::alter()
                    .table("fair_hits")
                    .add_column(integer_null("visitor_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("fair_hits")
                    .add_column(string_null("page"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "fair_hits", &["visitor_id", "kind", "page"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_fair_hits_visitor_id_kind_page")
                    .table("fair_hits")
                    .to_owned(),
            )
            .await?;
        for column in ["page", "visitor_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("fair_hits")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table("fair_visitors").to_owned())
            .await
    }
}
