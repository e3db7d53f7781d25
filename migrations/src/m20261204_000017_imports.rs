//! Survey spreadsheets imported in batches: each import is a job whose progress is written
//! in the same transaction as each batch (so a killed import resumes where it stopped), and
//! the column choices staff made are remembered by header.

use sea_orm_migration::{
    prelude::*,
    schema::{
        boolean, integer, pk_auto, string, string_null, text, text_null, timestamp_with_time_zone,
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
                    .table("import_jobs")
                    .col(pk_auto("id"))
                    .col(integer("created_by"))
                    .col(string("file_name"))
                    // Hex SHA-256 of the file: the same file given again resumes its job.
                    .col(string("file_sha256"))
                    // The file in the private store, for jobs started from the page.
                    .col(string_null("file_key"))
                    // JSON: header key → column code (or null for "not imported").
                    .col(text("mapping"))
                    // Products are created published rather than as drafts.
                    .col(boolean("publish"))
                    // checked | queued | running | done | failed
                    .col(string("status"))
                    .col(integer("total_rows"))
                    // Rows done; written with each batch, in its transaction.
                    .col(integer("done_rows"))
                    .col(integer("created_rows"))
                    .col(integer("updated_rows"))
                    .col(integer("unchanged_rows"))
                    .col(integer("invalid_rows"))
                    // JSON: the dry run's row-by-row report.
                    .col(text_null("report"))
                    .col(text_null("error"))
                    .col(timestamp_with_time_zone("created_at"))
                    // Touched by the runner with each batch: a running job untouched for long
                    // was left by a process that died, and another may take it over.
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("started_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "import_jobs", &["file_sha256"], false).await?;
        crate::create_index(manager, "import_jobs", &["status"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table("import_columns")
                    .col(string("header_key").primary_key())
                    // A column code, or null: staff said this header is not imported.
                    .col(string_null("column"))
                    .col(integer("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["import_columns", "import_jobs"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
