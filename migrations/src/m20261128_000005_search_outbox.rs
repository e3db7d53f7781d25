//! The search outbox: one row per change to a searchable record, written in the same
//! transaction as the change and drained into the search engine by a background worker.

use sea_orm_migration::{
    prelude::*,
    schema::{integer, pk_auto, text_null, timestamp_with_time_zone},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("search_outbox")
                    .col(pk_auto("id"))
                    // No foreign key: a deleted product still has to leave the index.
                    .col(integer("product_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(text_null("last_error"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_search_outbox_next_attempt_at")
                    .table("search_outbox")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("search_outbox").to_owned())
            .await
    }
}
