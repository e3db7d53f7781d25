//! Accounts: when a session was last used (for the idle timeout) and one-time password
//! reset links, by e-mail or made by staff.

use sea_orm_migration::{
    prelude::*,
    schema::{
        integer, integer_null, pk_auto, string, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // NULL for sessions opened before this column: they count from `created_at`.
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .add_column(timestamp_with_time_zone_null("last_used_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("password_resets")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    // SHA-256 of the token in the link; the token itself is never stored.
                    .col(string("token_hash").unique_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    // The staff member who made the link; NULL when the person asked by e-mail.
                    .col(integer_null("created_by"))
                    .foreign_key(&mut crate::foreign_key(
                        "password_resets",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut crate::foreign_key(
                        "password_resets",
                        "created_by",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "password_resets", &["user_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("password_resets").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .drop_column("last_used_at")
                    .to_owned(),
            )
            .await
    }
}
