//! Places, categories, accounts, sessions, enterprises, products and the audit trail.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer_null, date_null, integer, integer_null, pk_auto, small_integer_null, string,
        string_null, string_uniq, text, text_null, timestamp_with_time_zone,
        timestamp_with_time_zone_null,
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from_table: &str, from_col: &str, to_table: &str, to_col: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(Alias::new(from_table), Alias::new(from_col))
        .to(Alias::new(to_table), Alias::new(to_col))
        .to_owned()
}

fn index(table: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(Alias::new(table));
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.clone()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("provinces")
                    .col(integer("code").primary_key())
                    .col(string("name"))
                    .col(string("kind"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("communes")
                    .col(integer("code").primary_key())
                    .col(integer("province_code"))
                    .col(string("name"))
                    .col(string("kind"))
                    .foreign_key(&mut fk("communes", "province_code", "provinces", "code"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("communes", &["province_code"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("categories")
                    .col(pk_auto("id"))
                    .col(string_uniq("slug"))
                    .col(integer_null("parent_id"))
                    .col(string("name_vi"))
                    .col(string("name_en"))
                    .col(integer("position"))
                    .foreign_key(&mut fk("categories", "parent_id", "categories", "id"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_auto("id"))
                    .col(string_null("email").unique_key())
                    .col(string_null("phone").unique_key())
                    .col(string("password_hash"))
                    .col(string("full_name"))
                    .col(string("role"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_login_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(string("id").primary_key())
                    .col(integer("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        fk("sessions", "user_id", "users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("sessions", &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("login_attempts")
                    .col(pk_auto("id"))
                    .col(string("login"))
                    .col(string("ip"))
                    .col(timestamp_with_time_zone("attempted_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("login_attempts", &["login", "attempted_at"]))
            .await?;
        manager
            .create_index(index("login_attempts", &["ip", "attempted_at"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("enterprises")
                    .col(pk_auto("id"))
                    .col(string_uniq("slug"))
                    .col(string("name"))
                    .col(string("legal_form"))
                    .col(string_null("tax_code").unique_key())
                    .col(integer("commune_code"))
                    .col(string("address"))
                    .col(string_null("phone"))
                    .col(string_null("email"))
                    .col(text("description"))
                    .col(integer_null("founded_year"))
                    .col(integer_null("workforce"))
                    .col(string("certifications"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(integer_null("created_by"))
                    .foreign_key(&mut fk("enterprises", "commune_code", "communes", "code"))
                    .foreign_key(
                        fk("enterprises", "created_by", "users", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("enterprises", &["commune_code"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("enterprise_members")
                    .col(integer("enterprise_id"))
                    .col(integer("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("enterprise_id"))
                            .col(Alias::new("user_id")),
                    )
                    .foreign_key(
                        fk("enterprise_members", "enterprise_id", "enterprises", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        fk("enterprise_members", "user_id", "users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("enterprise_members", &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("products")
                    .col(pk_auto("id"))
                    .col(integer("enterprise_id"))
                    .col(string_uniq("slug"))
                    .col(string("status"))
                    .col(text_null("rejection_reason"))
                    .col(string("name"))
                    .col(integer("category_id"))
                    .col(string_null("brand"))
                    .col(string("packaging_status"))
                    .col(string("tm_status"))
                    .col(string_null("tm_kind"))
                    .col(string_null("tm_number"))
                    .col(date_null("tm_filed_on"))
                    .col(date_null("tm_granted_on"))
                    .col(date_null("tm_expires_on"))
                    .col(small_integer_null("ocop_stars"))
                    .col(integer_null("ocop_year"))
                    .col(string("certifications"))
                    .col(string("unit"))
                    .col(big_integer_null("price_min_vnd"))
                    .col(big_integer_null("price_max_vnd"))
                    .col(big_integer_null("min_order"))
                    .col(big_integer_null("monthly_capacity"))
                    .col(string("season_months"))
                    .col(integer_null("shelf_life_days"))
                    .col(text("description"))
                    .col(text_null("pending"))
                    .col(string_null("pending_status"))
                    .col(text_null("pending_reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .foreign_key(
                        fk("products", "enterprise_id", "enterprises", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk("products", "category_id", "categories", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("products", &["status", "published_at"]))
            .await?;
        manager
            .create_index(index("products", &["enterprise_id"]))
            .await?;
        manager
            .create_index(index("products", &["category_id"]))
            .await?;
        manager
            .create_index(index("products", &["pending_status"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(integer_null("actor_id"))
                    .col(string("action"))
                    .col(string("entity"))
                    .col(integer("entity_id"))
                    .col(text("details"))
                    .foreign_key(
                        fk("audit_log", "actor_id", "users", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("audit_log", &["entity", "entity_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_log",
            "products",
            "enterprise_members",
            "enterprises",
            "login_attempts",
            "sessions",
            "users",
            "categories",
            "communes",
            "provinces",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
