//! Rate limits as counters: one row per key (a sign-in name at an address, an address, a
//! phone number), counted and checked in one statement so parallel attempts cannot slip
//! past the limit. Replaces the per-attempt rows of `login_attempts`.

use sea_orm_migration::{
    prelude::*,
    schema::{big_integer, integer, pk_auto, string, timestamp_with_time_zone},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("throttles")
                    .col(string("key").primary_key())
                    // Milliseconds since 1970: compared as numbers on both databases.
                    .col(big_integer("window_start"))
                    .col(integer("hits"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("login_attempts").to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("login_attempts")
                    .col(pk_auto("id"))
                    .col(string("login"))
                    .col(string("ip"))
                    .col(timestamp_with_time_zone("attempted_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("throttles").to_owned())
            .await
    }
}
