//! What lapses with time: a certificate document's valid-until date, the reminders sent
//! before a trademark, an OCOP rating or a certificate lapses (one per threshold, never
//! twice), and a notification's link to what it is about when that is not a request.

use sea_orm_migration::{
    prelude::*,
    schema::{date, date_null, integer, pk_auto, string, string_null, timestamp_with_time_zone},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one change per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table("documents")
                    .add_column(date_null("valid_until"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(string_null("link"))
                    .to_owned(),
            )
            .await?;
        // One row per (what, its date, threshold): the unique index is what makes a reminder
        // go once, whatever instances run the job at the same time.
        manager
            .create_table(
                Table::create()
                    .table("expiry_reminders")
                    .col(pk_auto("id"))
                    // trademark | ocop | certificate
                    .col(string("kind"))
                    // The product (trademark, ocop) or the document (certificate).
                    .col(integer("subject_id"))
                    .col(date("expires_on"))
                    // 6m | 3m | 1m
                    .col(string("threshold"))
                    .col(timestamp_with_time_zone("sent_at"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            "expiry_reminders",
            &["kind", "subject_id", "expires_on", "threshold"],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("expiry_reminders"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column("link")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("documents")
                    .drop_column("valid_until")
                    .to_owned(),
            )
            .await
    }
}
