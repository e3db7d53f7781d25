//! Indexes that match how products are listed: newest first (ties broken by id) in the whole
//! catalogue and per enterprise, so neither listing sorts the table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_products_status_published_at")
                    .table("products")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_products_status_published_at_id")
                    .table("products")
                    .col("status")
                    .col("published_at")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_products_enterprise_status_published_at")
                    .table("products")
                    .col("enterprise_id")
                    .col("status")
                    .col("published_at")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "ix_products_enterprise_status_published_at",
            "ix_products_status_published_at_id",
        ] {
            manager
                .drop_index(Index::drop().name(name).table("products").to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_products_status_published_at")
                    .table("products")
                    .col("status")
                    .col("published_at")
                    .to_owned(),
            )
            .await
    }
}
