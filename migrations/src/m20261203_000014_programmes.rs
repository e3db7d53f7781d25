//! Support programmes (đề án khuyến công): the year's plan and its funds, the limits staff set
//! per kind each year, programmes with their communes, checklist, disbursements and
//! timeline, the beneficiaries each supports, and the milestones they are followed by.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer, big_integer_null, boolean, date, date_null, integer, integer_null, pk_auto,
        string, string_null, text, text_null, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
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
    "programme_milestones",
    "programme_beneficiaries",
    "programme_events",
    "programme_disbursements",
    "programme_checklist",
    "programme_communes",
    "programmes",
    "programme_limits",
    "programme_years",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A year's plan: what each fund gives it, in whole đồng.
        manager
            .create_table(
                Table::create()
                    .table("programme_years")
                    .col(pk_auto("id"))
                    .col(integer("year").unique_key())
                    .col(big_integer("national_vnd"))
                    .col(big_integer("provincial_vnd"))
                    .col(big_integer("other_vnd"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        // Per year and kind: the largest budget one programme may ask for, and the share of
        // the whole cost its beneficiaries put in.
        manager
            .create_table(
                Table::create()
                    .table("programme_limits")
                    .col(pk_auto("id"))
                    .col(integer("year"))
                    .col(string("kind"))
                    .col(big_integer_null("max_budget_vnd"))
                    .col(integer("counterpart_percent"))
                    .to_owned(),
            )
            .await?;
        index(manager, "programme_limits", &["year", "kind"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table("programmes")
                    .col(pk_auto("id"))
                    .col(string("code").unique_key())
                    .col(string("title"))
                    .col(string("kind"))
                    .col(string("funding_source"))
                    .col(integer("year"))
                    // proposed | appraised | approved | in_progress | accepted | settled |
                    // cancelled | deferred
                    .col(string("status"))
                    .col(integer_null("staff_id"))
                    .col(text("description"))
                    .col(big_integer("proposed_vnd"))
                    .col(big_integer_null("approved_vnd"))
                    .col(string_null("decision_number"))
                    .col(date_null("decided_on"))
                    .col(date_null("accepted_on"))
                    .col(text_null("acceptance_minutes"))
                    .col(big_integer_null("final_vnd"))
                    .col(string_null("cancel_reason"))
                    .col(text_null("cancel_words"))
                    .col(integer_null("deferred_to"))
                    .col(integer("version"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut set_null("programmes", "staff_id", "users"))
                    .foreign_key(&mut set_null("programmes", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        index(manager, "programmes", &["year", "status"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table("programme_communes")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(integer("commune_code"))
                    .foreign_key(&mut cascade(
                        "programme_communes",
                        "programme_id",
                        "programmes",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "programme_communes",
            &["programme_id", "commune_code"],
            true,
        )
        .await?;
        // What of the kind's checklist the proposal holds.
        manager
            .create_table(
                Table::create()
                    .table("programme_checklist")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(string("item"))
                    .col(boolean("done"))
                    .col(text("note"))
                    .col(integer_null("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut cascade(
                        "programme_checklist",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut set_null("programme_checklist", "updated_by", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "programme_checklist",
            &["programme_id", "item"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("programme_disbursements")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(date("paid_on"))
                    .col(big_integer("amount_vnd"))
                    .col(string("purpose"))
                    .col(integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "programme_disbursements",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut set_null(
                        "programme_disbursements",
                        "recorded_by",
                        "users",
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "programme_disbursements", &["programme_id"], false).await?;
        // The timeline: every move, note and change, with who did it.
        manager
            .create_table(
                Table::create()
                    .table("programme_events")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(integer_null("actor_id"))
                    .col(string("kind"))
                    .col(string_null("from_status"))
                    .col(string_null("to_status"))
                    .col(text("body"))
                    .foreign_key(&mut cascade(
                        "programme_events",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut set_null("programme_events", "actor_id", "users"))
                    .to_owned(),
            )
            .await?;
        index(manager, "programme_events", &["programme_id", "at"], false).await?;
        // An enterprise a programme supports: what it gets, what it puts in, where it stands
        // (committed | withdrew | replaced).
        manager
            .create_table(
                Table::create()
                    .table("programme_beneficiaries")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(integer("enterprise_id"))
                    .col(text("support"))
                    .col(big_integer("support_vnd"))
                    .col(big_integer("contribution_vnd"))
                    .col(integer_null("product_id"))
                    .col(integer_null("fair_id"))
                    .col(string("status"))
                    .col(text_null("withdraw_reason"))
                    .col(integer_null("replaced_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut cascade(
                        "programme_beneficiaries",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut cascade(
                        "programme_beneficiaries",
                        "enterprise_id",
                        "enterprises",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "programme_beneficiaries",
            &["programme_id", "enterprise_id"],
            true,
        )
        .await?;
        index(
            manager,
            "programme_beneficiaries",
            &["enterprise_id"],
            false,
        )
        .await?;
        // Milestones a programme is followed by (quotation, purchase, installation, training,
        // acceptance), each due by a date.
        manager
            .create_table(
                Table::create()
                    .table("programme_milestones")
                    .col(pk_auto("id"))
                    .col(integer("programme_id"))
                    .col(integer_null("beneficiary_id"))
                    .col(string("kind"))
                    .col(string("title"))
                    .col(date("due_on"))
                    .col(timestamp_with_time_zone_null("done_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "programme_milestones",
                        "programme_id",
                        "programmes",
                    ))
                    .foreign_key(&mut set_null(
                        "programme_milestones",
                        "beneficiary_id",
                        "programme_beneficiaries",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "programme_milestones",
            &["programme_id", "due_on"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(Alias::new(*table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
