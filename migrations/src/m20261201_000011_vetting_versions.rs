//! Vetting names what it approves: every product and enterprise carries a version that each
//! change increments, an enterprise keeps a producer's edits aside until staff approve them,
//! and a photo added to something already public waits for approval too.

use sea_orm_migration::{
    prelude::*,
    schema::{boolean, integer, string_null, text_null, timestamp_with_time_zone_null},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one change per ALTER TABLE.
        let add = |table: &'static str, col: ColumnDef| {
            Table::alter().table(table).add_column(col).to_owned()
        };
        for stmt in [
            add("products", integer("version").default(1).to_owned()),
            add("enterprises", integer("version").default(1).to_owned()),
            // The held edit, as JSON input; `submitted` or `rejected`.
            add("enterprises", text_null("pending").clone()),
            add("enterprises", string_null("pending_status").clone()),
            add("enterprises", string_null("pending_reason").clone()),
            add(
                "enterprises",
                timestamp_with_time_zone_null("submitted_at").clone(),
            ),
            // Not shown to buyers until staff approve it.
            add("photos", boolean("pending").default(false).to_owned()),
        ] {
            manager.alter_table(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop = |table: &'static str, col: &'static str| {
            Table::alter().table(table).drop_column(col).to_owned()
        };
        for stmt in [
            drop("photos", "pending"),
            drop("enterprises", "submitted_at"),
            drop("enterprises", "pending_reason"),
            drop("enterprises", "pending_status"),
            drop("enterprises", "pending"),
            drop("enterprises", "version"),
            drop("products", "version"),
        ] {
            manager.alter_table(stmt).await?;
        }
        Ok(())
    }
}
