//! Photos (product photos and enterprise logos) and documents (certificate scans).
//!
//! Rows point at objects in the blob store; an object is written before its row, so a row
//! never points at an object that was not stored.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer, integer, integer_null, pk_auto, string, text, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn cascade(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    crate::foreign_key(from_table, from_col, to_table, ForeignKeyAction::Cascade)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("photos")
                    .col(pk_auto("id"))
                    .col(integer("enterprise_id"))
                    // NULL: the enterprise's logo.
                    .col(integer_null("product_id"))
                    .col(integer("position"))
                    // SHA-256 of the original.
                    .col(string("hash"))
                    .col(string("original_key"))
                    .col(string("original_type"))
                    .col(big_integer("original_bytes"))
                    .col(integer("width"))
                    .col(integer("height"))
                    // JSON: [{"width", "height", "format", "key", "bytes"}]
                    .col(text("variants"))
                    .col(string("alt"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade("photos", "enterprise_id", "enterprises"))
                    .foreign_key(&mut cascade("photos", "product_id", "products"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photos_product_id_position")
                    .table("photos")
                    .col("product_id")
                    .col("position")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photos_enterprise_id")
                    .table("photos")
                    .col("enterprise_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_photos_hash")
                    .table("photos")
                    .col("hash")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("documents")
                    .col(pk_auto("id"))
                    .col(integer("enterprise_id"))
                    // NULL: a document of the enterprise as a whole.
                    .col(integer_null("product_id"))
                    .col(string("kind"))
                    .col(string("title"))
                    .col(string("file_name"))
                    .col(string("content_type"))
                    .col(big_integer("bytes"))
                    .col(string("hash"))
                    .col(string("object_key"))
                    .col(timestamp_with_time_zone_null("verified_at"))
                    .col(integer_null("verified_by"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade("documents", "enterprise_id", "enterprises"))
                    .foreign_key(&mut cascade("documents", "product_id", "products"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_documents_enterprise_id_product_id")
                    .table("documents")
                    .col("enterprise_id")
                    .col("product_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("documents").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("photos").to_owned())
            .await
    }
}
