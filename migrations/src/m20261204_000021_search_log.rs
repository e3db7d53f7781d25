//! The search outbox becomes a log every index follows: changes are appended in commit
//! order and never claimed; each index (a consumer) keeps its own position in it, with a
//! lease so one worker at a time feeds it. Entries every consumer is past are trimmed, and
//! `search_log_trim` remembers how far, so an index that fell behind the trim knows it must
//! be rebuilt. Entries an index refuses after several tries wait as dead letters for staff.

use sea_orm_migration::{
    prelude::*,
    schema::{
        integer, pk_auto, string, string_null, text, text_null, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("search_log")
                    .col(pk_auto("id"))
                    // No foreign key: a deleted product still has to leave the index.
                    .col(integer("product_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("search_consumers")
                    .col(string("name").primary_key())
                    .col(integer("position"))
                    .col(string_null("lease_owner"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("seen_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("search_dead_letters")
                    .col(pk_auto("id"))
                    .col(string("consumer"))
                    .col(integer("entry_id"))
                    .col(integer("product_id"))
                    .col(text("error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("search_log_trim")
                    .col(integer("id").primary_key())
                    .col(integer("trimmed_through"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("INSERT INTO search_log_trim (id, trimmed_through) VALUES (1, 0)")
            .await?;
        // Changes still waiting are kept, in their order.
        db.execute_unprepared(
            "INSERT INTO search_log (product_id, created_at) \
             SELECT product_id, created_at FROM search_outbox ORDER BY id",
        )
        .await?;
        manager
            .drop_table(Table::drop().table("search_outbox").to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "search_log_trim",
            "search_dead_letters",
            "search_consumers",
            "search_log",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
