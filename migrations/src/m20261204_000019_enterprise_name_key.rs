//! An enterprise's name folded (no marks, lower case, single spaces), so an import finds an
//! enterprise without a tax code by its name within its commune through an index. Existing
//! rows are filled in by the application after migrating (the folding is the domain's).

use sea_orm_migration::{prelude::*, schema::string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("enterprises")
                    .add_column(string_null("name_key"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "enterprises", &["commune_code", "name_key"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("enterprises")
                    .drop_column("name_key")
                    .to_owned(),
            )
            .await
    }
}
