//! Staff-edited search synonyms: each row is a group of words that mean the same product
//! (a local name and a common name).

use sea_orm_migration::{
    prelude::*,
    schema::{pk_auto, string, timestamp_with_time_zone},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("search_synonyms")
                    .col(pk_auto("id"))
                    .col(string("terms"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("search_synonyms").to_owned())
            .await
    }
}
