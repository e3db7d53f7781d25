//! The brokering desk: requests, the producers matched to them, their timeline, the in-app
//! inbox and the e-mail outbox.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer_null, date_null, integer, integer_null, pk_auto, string, string_null, text,
        text_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

use crate::{create_index as index, foreign_key as fk};

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        manager
            .create_table(
                Table::create()
                    .table("requests")
                    .col(pk_auto("id"))
                    .col(string("kind"))
                    .col(string("status"))
                    .col(string("title"))
                    .col(text("description"))
                    // NULL: a guest, known by name and phone until staff verify the number.
                    .col(integer_null("requester_id"))
                    .col(string_null("contact_name"))
                    .col(string_null("contact_phone"))
                    .col(string_null("organisation"))
                    .col(timestamp_with_time_zone_null("phone_verified_at"))
                    .col(string_null("client_ip"))
                    .col(integer_null("product_id"))
                    .col(integer_null("enterprise_id"))
                    .col(integer_null("category_id"))
                    .col(big_integer_null("quantity"))
                    .col(string_null("unit"))
                    .col(big_integer_null("target_price_vnd"))
                    .col(date_null("needed_by"))
                    .col(string_null("supply"))
                    .col(string_null("frequency"))
                    .col(integer_null("duration_months"))
                    .col(string_null("direction"))
                    .col(big_integer_null("budget_min_vnd"))
                    .col(big_integer_null("budget_max_vnd"))
                    .col(integer_null("province_code"))
                    .col(integer_null("commune_code"))
                    // Where it started: form, api, product, enterprise, search, fair.
                    .col(string("source"))
                    // Scoped by who sent it (`u42:…`, `guest:…`): a retry returns the same request.
                    .col(string_null("idempotency_key"))
                    .col(integer_null("assigned_to"))
                    .col(string_null("rejection_reason"))
                    .col(big_integer_null("deal_value_vnd"))
                    .col(big_integer_null("deal_quantity"))
                    .col(string_null("deal_supply"))
                    .col(integer_null("deal_enterprise_id"))
                    .col(string_null("no_deal_reason"))
                    .col(text_null("outcome_note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    // Any event on the timeline; idle requests are overdue.
                    .col(timestamp_with_time_zone("last_activity_at"))
                    // The centre's first action on it.
                    .col(timestamp_with_time_zone_null("first_response_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .foreign_key(&mut fk("requests", "requester_id", "users", SetNull))
                    .foreign_key(&mut fk("requests", "assigned_to", "users", SetNull))
                    .foreign_key(&mut fk("requests", "product_id", "products", SetNull))
                    .foreign_key(&mut fk("requests", "enterprise_id", "enterprises", SetNull))
                    .to_owned(),
            )
            .await?;
        index(manager, "requests", &["idempotency_key"], true).await?;
        index(manager, "requests", &["status", "last_activity_at"], false).await?;
        index(manager, "requests", &["requester_id"], false).await?;
        index(manager, "requests", &["assigned_to"], false).await?;
        index(manager, "requests", &["client_ip", "created_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("request_matches")
                    .col(pk_auto("id"))
                    .col(integer("request_id"))
                    .col(integer("enterprise_id"))
                    .col(integer_null("product_id"))
                    .col(text_null("note"))
                    .col(integer_null("shortlisted_by"))
                    .col(timestamp_with_time_zone("shortlisted_at"))
                    .col(timestamp_with_time_zone_null("forwarded_at"))
                    // interested | declined
                    .col(string_null("answer"))
                    .col(timestamp_with_time_zone_null("answered_at"))
                    .col(integer_null("answered_by"))
                    .col(big_integer_null("offer_price_vnd"))
                    .col(big_integer_null("offer_quantity"))
                    .col(integer_null("lead_time_days"))
                    .col(text_null("answer_message"))
                    .col(string_null("decline_reason"))
                    // Staff put the two sides in touch: contacts are shown to both.
                    .col(timestamp_with_time_zone_null("connected_at"))
                    .foreign_key(&mut fk(
                        "request_matches",
                        "request_id",
                        "requests",
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "request_matches",
                        "enterprise_id",
                        "enterprises",
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "request_matches",
                        "product_id",
                        "products",
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "request_matches",
            &["request_id", "enterprise_id"],
            true,
        )
        .await?;
        index(manager, "request_matches", &["enterprise_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("request_events")
                    .col(pk_auto("id"))
                    .col(integer("request_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(integer_null("actor_id"))
                    .col(string("kind"))
                    // staff | requester | enterprise | thread | everyone: who may read it.
                    .col(string("audience"))
                    .col(integer_null("enterprise_id"))
                    .col(string_null("from_status"))
                    .col(string_null("to_status"))
                    .col(text("body"))
                    .foreign_key(&mut fk("request_events", "request_id", "requests", Cascade))
                    .foreign_key(&mut fk("request_events", "actor_id", "users", SetNull))
                    .to_owned(),
            )
            .await?;
        index(manager, "request_events", &["request_id", "at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string("kind"))
                    .col(integer_null("request_id"))
                    .col(string("subject"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .foreign_key(&mut fk("notifications", "user_id", "users", Cascade))
                    .foreign_key(&mut fk("notifications", "request_id", "requests", Cascade))
                    .to_owned(),
            )
            .await?;
        index(manager, "notifications", &["user_id", "read_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("email_outbox")
                    .col(pk_auto("id"))
                    .col(string("to_address"))
                    .col(string("subject"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(text_null("last_error"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "email_outbox",
            &["sent_at", "next_attempt_at"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "email_outbox",
            "notifications",
            "request_events",
            "request_matches",
            "requests",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
