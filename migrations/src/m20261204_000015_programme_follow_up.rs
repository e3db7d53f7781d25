//! Support programmes followed to the end: the product group a programme supports, each
//! beneficiary's catalogue as it stood when its support began and the indicators measured
//! at acceptance, counterpart money received, visits, the programme's documents, and the
//! facility surveys a proposal starts from, with their photos.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer, big_integer_null, date, integer, integer_null, pk_auto, string, string_null,
        text, timestamp_with_time_zone,
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

use crate::create_index as index;

fn cascade(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    crate::foreign_key(from_table, from_col, to_table, ForeignKeyAction::Cascade)
}

fn set_null(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    crate::foreign_key(from_table, from_col, to_table, ForeignKeyAction::SetNull)
}

const TABLES: &[&str] = &[
    "facility_survey_photos",
    "facility_surveys",
    "programme_documents",
    "programme_visits",
    "programme_contributions",
    "programme_indicators",
    "programme_baselines",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(clippy::too_many_lines)] // one table after another
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The product group a programme supports (its beneficiaries must make products of it).
        manager
            .alter_table(
                Table::alter()
                    .table("programmes")
                    .add_column(integer_null("category_id"))
                    .to_owned(),
            )
            .await?;
        // A beneficiary's products as they stood when its support began (JSON), to measure
        // what changed since.
        manager
            .create_table(
                Table::create()
                    .table("programme_baselines")
                    .col(pk_auto("id"))
                    .col(integer("beneficiary_id").unique_key())
                    .col(timestamp_with_time_zone("taken_at"))
                    .col(text("facts"))
                    .foreign_key(&mut cascade(
                        "programme_baselines",
                        "beneficiary_id",
                        "programme_beneficiaries",
                    ))
                    .to_owned(),
            )
            .await?;
        // What staff measure at acceptance for a beneficiary.
        manager
            .create_table(
                Table::create()
                    .table("programme_indicators")
                    .col(pk_auto("id"))
                    .col(integer("beneficiary_id").unique_key())
                    .col(big_integer_null("new_jobs"))
                    .col(big_integer_null("revenue_before_vnd"))
                    .col(big_integer_null("revenue_after_vnd"))
                    .col(big_integer_null("capacity_before"))
                    .col(big_integer_null("capacity_after"))
                    .col(string_null("capacity_unit"))
                    .col(integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(&mut cascade(
                        "programme_indicators",
                        "beneficiary_id",
                        "programme_beneficiaries",
                    ))
                    .foreign_key(&mut set_null(
                        "programme_indicators",
                        "recorded_by",
                        "users",
                    ))
                    .to_owned(),
            )
            .await?;
        // Counterpart money a beneficiary paid in.
        manager
            .create_table(
                Table::create()
                    .table("programme_contributions")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(integer("beneficiary_id"))
                    .col(date("received_on"))
                    .col(big_integer("amount_vnd"))
                    .col(string("note"))
                    .col(integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "programme_contributions",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut cascade(
                        "programme_contributions",
                        "beneficiary_id",
                        "programme_beneficiaries",
                    ))
                    .foreign_key(&mut set_null(
                        "programme_contributions",
                        "recorded_by",
                        "users",
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "programme_contributions", &["programme_id"], false).await?;
        // Staff visits to a programme's beneficiaries.
        manager
            .create_table(
                Table::create()
                    .table("programme_visits")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(integer_null("beneficiary_id"))
                    .col(date("visited_on"))
                    .col(text("notes"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "programme_visits",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut set_null(
                        "programme_visits",
                        "beneficiary_id",
                        "programme_beneficiaries",
                    ))
                    .foreign_key(&mut set_null("programme_visits", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "programme_visits",
            &["programme_id", "visited_on"],
            false,
        )
        .await?;
        // The programme's file: decision, contract, acceptance minutes, settlement, and
        // photos of visits; objects in the private part of the store.
        manager
            .create_table(
                Table::create()
                    .table("programme_documents")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(integer_null("visit_id"))
                    .col(string("kind"))
                    .col(string("title"))
                    .col(string("file_name"))
                    .col(string("content_type"))
                    .col(big_integer("bytes"))
                    .col(string("hash"))
                    .col(string("object_key"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "programme_documents",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut cascade(
                        "programme_documents",
                        "visit_id",
                        "programme_visits",
                    ))
                    .foreign_key(&mut set_null("programme_documents", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        index(manager, "programme_documents", &["programme_id"], false).await?;
        index(manager, "programme_documents", &["object_key"], false).await?;
        // A visit to a facility before any proposal (khảo sát cơ sở CNNT), sent once from a
        // phone (its idempotency key).
        manager
            .create_table(
                Table::create()
                    .table("facility_surveys")
                    .col(pk_auto("id"))
                    .col(integer_null("enterprise_id"))
                    .col(string_null("facility_name"))
                    .col(integer("commune_code"))
                    .col(date("visited_on"))
                    .col(string("met"))
                    .col(text("makes"))
                    .col(string("output"))
                    .col(text("equipment"))
                    // machinery,packaging,trademark,market,training
                    .col(string("needs"))
                    .col(text("notes"))
                    .col(integer_null("programme_id"))
                    .col(string_null("idempotency_key"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut set_null(
                        "facility_surveys",
                        "enterprise_id",
                        "enterprises",
                    ))
                    .foreign_key(&mut set_null(
                        "facility_surveys",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut set_null("facility_surveys", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        index(manager, "facility_surveys", &["idempotency_key"], true).await?;
        index(manager, "facility_surveys", &["enterprise_id"], false).await?;
        index(manager, "facility_surveys", &["commune_code"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table("facility_survey_photos")
                    .col(pk_auto("id"))
                    .col(integer("survey_id"))
                    .col(string("hash"))
                    .col(string("object_key"))
                    .col(string("content_type"))
                    .col(big_integer("bytes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "facility_survey_photos",
                        "survey_id",
                        "facility_surveys",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "facility_survey_photos",
            &["survey_id", "hash"],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(Alias::new(*table)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("programmes")
                    .drop_column("category_id")
                    .to_owned(),
            )
            .await
    }
}
