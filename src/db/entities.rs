//! Table mappings. Behaviour lives in `services`; these are rows.

macro_rules! entity {
    ($module:ident, $table:literal, { $($body:tt)* }) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model { $($body)* }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(province, "provinces", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: i32,
    pub name: String,
    pub kind: String,
});

entity!(commune, "communes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: i32,
    pub province_code: i32,
    pub name: String,
    pub kind: String,
});

entity!(category, "categories", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: String,
    pub parent_id: Option<i32>,
    pub name_vi: String,
    pub name_en: String,
    pub position: i32,
    /// Words buyers use for the category, comma-separated (searched, not shown).
    pub search_terms: String,
});

entity!(user, "users", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub full_name: String,
    pub role: crate::domain::Role,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
});

entity!(session, "sessions", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Written at most every few minutes; `None` for sessions older than the column.
    pub last_used_at: Option<DateTimeUtc>,
});

entity!(password_reset, "password_resets", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_by: Option<i32>,
});

entity!(enterprise, "enterprises", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: String,
    pub name: String,
    /// The name folded (`crate::domain::text::name_key`), to find it by name in a commune.
    pub name_key: Option<String>,
    pub legal_form: String,
    pub tax_code: Option<String>,
    pub commune_code: i32,
    pub address: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub founded_year: Option<i32>,
    pub workforce: Option<i32>,
    pub certifications: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: Option<i32>,
    /// Incremented by every change; an approval names the version it approves.
    pub version: i32,
    /// A member's edit of a public enterprise, held for the centre (JSON input).
    #[sea_orm(column_type = "Text", nullable)]
    pub pending: Option<String>,
    /// `submitted` or `rejected`, while an edit is held.
    pub pending_status: Option<crate::domain::PendingStatus>,
    pub pending_reason: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
});

entity!(enterprise_member, "enterprise_members", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub enterprise_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    pub created_at: DateTimeUtc,
});

entity!(product, "products", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub enterprise_id: i32,
    pub slug: String,
    pub status: crate::domain::ProductStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    pub name: String,
    pub category_id: i32,
    pub brand: Option<String>,
    pub packaging_status: crate::domain::PackagingStatus,
    pub tm_status: crate::domain::TrademarkStatus,
    pub tm_kind: Option<String>,
    pub tm_number: Option<String>,
    pub tm_filed_on: Option<Date>,
    pub tm_granted_on: Option<Date>,
    pub tm_expires_on: Option<Date>,
    pub ocop_stars: Option<i16>,
    pub ocop_year: Option<i32>,
    /// The OCOP certificate's date, when known.
    pub ocop_certified_on: Option<Date>,
    pub certifications: String,
    pub unit: String,
    pub price_min_vnd: Option<i64>,
    pub price_max_vnd: Option<i64>,
    pub min_order: Option<i64>,
    pub monthly_capacity: Option<i64>,
    pub season_months: String,
    pub shelf_life_days: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// A producer's edit of a published product, waiting for review (JSON of `ProductInput`).
    #[sea_orm(column_type = "Text", nullable)]
    pub pending: Option<String>,
    pub pending_status: Option<crate::domain::PendingStatus>,
    #[sea_orm(column_type = "Text", nullable)]
    pub pending_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    /// Incremented by every change; an approval names the version it approves.
    pub version: i32,
});

entity!(audit, "audit_log", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    pub action: String,
    pub entity: String,
    pub entity_id: i32,
    #[sea_orm(column_type = "Text")]
    pub details: String,
});

entity!(search_log, "search_log", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_id: i32,
    pub created_at: DateTimeUtc,
});

entity!(search_consumer, "search_consumers", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub position: i32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub seen_at: DateTimeUtc,
});

entity!(search_dead_letter, "search_dead_letters", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub consumer: String,
    pub entry_id: i32,
    pub product_id: i32,
    #[sea_orm(column_type = "Text")]
    pub error: String,
    pub created_at: DateTimeUtc,
});

entity!(search_log_trim, "search_log_trim", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub trimmed_through: i32,
});

entity!(search_synonym, "search_synonyms", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub terms: String,
    pub created_at: DateTimeUtc,
});

entity!(photo, "photos", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub enterprise_id: i32,
    pub product_id: Option<i32>,
    pub position: i32,
    pub hash: String,
    pub original_key: String,
    pub original_type: String,
    pub original_bytes: i64,
    pub width: i32,
    pub height: i32,
    #[sea_orm(column_type = "Text")]
    pub variants: String,
    pub alt: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    /// Added to something already public: hidden from buyers until staff approve it.
    pub pending: bool,
});

entity!(document, "documents", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub enterprise_id: i32,
    pub product_id: Option<i32>,
    pub kind: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub hash: String,
    pub object_key: String,
    pub verified_at: Option<DateTimeUtc>,
    pub verified_by: Option<i32>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    /// The last day a certificate is valid, when it says.
    pub valid_until: Option<Date>,
});

entity!(request, "requests", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: crate::domain::RequestKind,
    pub status: crate::domain::RequestStatus,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub requester_id: Option<i32>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub organisation: Option<String>,
    pub phone_verified_at: Option<DateTimeUtc>,
    pub client_ip: Option<String>,
    pub product_id: Option<i32>,
    pub enterprise_id: Option<i32>,
    pub category_id: Option<i32>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub target_price_vnd: Option<i64>,
    pub needed_by: Option<Date>,
    pub supply: Option<String>,
    pub frequency: Option<String>,
    pub duration_months: Option<i32>,
    pub direction: Option<String>,
    pub budget_min_vnd: Option<i64>,
    pub budget_max_vnd: Option<i64>,
    pub province_code: Option<i32>,
    pub commune_code: Option<i32>,
    pub source: String,
    pub idempotency_key: Option<String>,
    pub assigned_to: Option<i32>,
    pub rejection_reason: Option<String>,
    pub deal_value_vnd: Option<i64>,
    pub deal_quantity: Option<i64>,
    pub deal_supply: Option<String>,
    pub deal_enterprise_id: Option<i32>,
    pub no_deal_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome_note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    pub first_response_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// The trade fair the request came from (a booth lead or a QR scan).
    pub fair_id: Option<i32>,
});

entity!(request_match, "request_matches", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub request_id: i32,
    pub enterprise_id: i32,
    pub product_id: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub shortlisted_by: Option<i32>,
    pub shortlisted_at: DateTimeUtc,
    pub forwarded_at: Option<DateTimeUtc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<i32>,
    pub offer_price_vnd: Option<i64>,
    pub offer_quantity: Option<i64>,
    pub lead_time_days: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub answer_message: Option<String>,
    pub decline_reason: Option<String>,
    pub connected_at: Option<DateTimeUtc>,
});

entity!(request_event, "request_events", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub request_id: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    pub kind: String,
    pub audience: String,
    pub enterprise_id: Option<i32>,
    pub from_status: Option<crate::domain::RequestStatus>,
    pub to_status: Option<crate::domain::RequestStatus>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
});

entity!(notification, "notifications", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub at: DateTimeUtc,
    pub kind: String,
    pub request_id: Option<i32>,
    pub subject: String,
    pub read_at: Option<DateTimeUtc>,
    /// Where the notice opens, when it is not about a request.
    pub link: Option<String>,
});

entity!(email_outbox, "email_outbox", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub to_address: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
});

entity!(fair, "fairs", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub venue: String,
    pub province_code: i32,
    pub organiser: String,
    pub status: crate::domain::FairStatus,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(fair_exhibitor, "fair_exhibitors", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fair_id: i32,
    pub enterprise_id: i32,
    pub booth: String,
    pub created_at: DateTimeUtc,
});

entity!(fair_product, "fair_products", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub exhibitor_id: i32,
    pub product_id: i32,
});

entity!(fair_hit, "fair_hits", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fair_id: i32,
    pub exhibitor_id: Option<i32>,
    pub product_id: Option<i32>,
    pub kind: String,
    pub at: DateTimeUtc,
    /// The visitor token that made the hit; each counts a page once per kind.
    pub visitor_id: Option<i32>,
    /// What was seen: `product:12`, `booth:3` (an exhibitor), `enterprise:5`.
    pub page: Option<String>,
});

entity!(fair_visitor, "fair_visitors", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fair_id: i32,
    /// SHA-256 of the token in the browser's cookie, hex; the token itself is never kept.
    pub token_hash: String,
    pub created_at: DateTimeUtc,
});

entity!(programme_year, "programme_years", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    pub national_vnd: i64,
    pub provincial_vnd: i64,
    pub other_vnd: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(programme_limit, "programme_limits", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    pub kind: crate::domain::ProgrammeKind,
    pub max_budget_vnd: Option<i64>,
    pub counterpart_percent: i32,
});

entity!(programme, "programmes", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub code: String,
    pub title: String,
    pub kind: crate::domain::ProgrammeKind,
    pub funding_source: crate::domain::FundingSource,
    pub year: i32,
    pub status: crate::domain::ProgrammeStatus,
    pub staff_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub proposed_vnd: i64,
    pub approved_vnd: Option<i64>,
    pub decision_number: Option<String>,
    pub decided_on: Option<Date>,
    pub accepted_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub acceptance_minutes: Option<String>,
    pub final_vnd: Option<i64>,
    pub cancel_reason: Option<crate::domain::CancelReason>,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_words: Option<String>,
    pub deferred_to: Option<i32>,
    /// The product group it supports.
    pub category_id: Option<i32>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(programme_commune, "programme_communes", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub commune_code: i32,
});

entity!(programme_checklist, "programme_checklist", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub item: String,
    pub done: bool,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub updated_by: Option<i32>,
    pub updated_at: DateTimeUtc,
});

entity!(programme_disbursement, "programme_disbursements", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub paid_on: Date,
    pub amount_vnd: i64,
    pub purpose: String,
    pub recorded_by: Option<i32>,
    pub created_at: DateTimeUtc,
});

entity!(programme_event, "programme_events", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    pub kind: String,
    pub from_status: Option<crate::domain::ProgrammeStatus>,
    pub to_status: Option<crate::domain::ProgrammeStatus>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
});

entity!(programme_beneficiary, "programme_beneficiaries", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub enterprise_id: i32,
    #[sea_orm(column_type = "Text")]
    pub support: String,
    pub support_vnd: i64,
    pub contribution_vnd: i64,
    pub product_id: Option<i32>,
    pub fair_id: Option<i32>,
    pub status: crate::domain::BeneficiaryStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub withdraw_reason: Option<String>,
    pub replaced_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(programme_milestone, "programme_milestones", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub beneficiary_id: Option<i32>,
    pub kind: crate::domain::programme::follow::MilestoneKind,
    pub title: String,
    pub due_on: Date,
    pub done_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
});

entity!(programme_baseline, "programme_baselines", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub beneficiary_id: i32,
    pub taken_at: DateTimeUtc,
    /// The beneficiary's products then (JSON list of `ProductFacts`).
    #[sea_orm(column_type = "Text")]
    pub facts: String,
});

entity!(programme_indicator, "programme_indicators", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub beneficiary_id: i32,
    pub new_jobs: Option<i64>,
    pub revenue_before_vnd: Option<i64>,
    pub revenue_after_vnd: Option<i64>,
    pub capacity_before: Option<i64>,
    pub capacity_after: Option<i64>,
    pub capacity_unit: Option<String>,
    pub recorded_by: Option<i32>,
    pub recorded_at: DateTimeUtc,
});

entity!(programme_contribution, "programme_contributions", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub beneficiary_id: i32,
    pub received_on: Date,
    pub amount_vnd: i64,
    pub note: String,
    pub recorded_by: Option<i32>,
    pub created_at: DateTimeUtc,
});

entity!(programme_visit, "programme_visits", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub beneficiary_id: Option<i32>,
    pub visited_on: Date,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
});

entity!(programme_document, "programme_documents", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub programme_id: i32,
    pub visit_id: Option<i32>,
    pub kind: crate::domain::programme::DocumentKind,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub hash: String,
    pub object_key: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
});

entity!(facility_survey, "facility_surveys", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub enterprise_id: Option<i32>,
    pub facility_name: Option<String>,
    pub commune_code: i32,
    pub visited_on: Date,
    pub met: String,
    #[sea_orm(column_type = "Text")]
    pub makes: String,
    pub output: String,
    #[sea_orm(column_type = "Text")]
    pub equipment: String,
    /// Comma-separated `Need` codes.
    pub needs: String,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub programme_id: Option<i32>,
    pub idempotency_key: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
});

entity!(facility_survey_photo, "facility_survey_photos", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub survey_id: i32,
    pub hash: String,
    pub object_key: String,
    pub content_type: String,
    pub bytes: i64,
    pub created_at: DateTimeUtc,
});

entity!(expiry_reminder, "expiry_reminders", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: crate::domain::expiry::ExpiryKind,
    pub subject_id: i32,
    pub expires_on: Date,
    pub threshold: crate::domain::expiry::Threshold,
    pub sent_at: DateTimeUtc,
});

entity!(import_job, "import_jobs", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub created_by: i32,
    pub file_name: String,
    pub file_sha256: String,
    pub file_key: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub mapping: String,
    pub publish: bool,
    pub status: String,
    pub total_rows: i32,
    pub done_rows: i32,
    pub created_rows: i32,
    pub updated_rows: i32,
    pub unchanged_rows: i32,
    pub invalid_rows: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
});

entity!(import_column, "import_columns", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub header_key: String,
    pub column: Option<String>,
    pub updated_by: i32,
    pub updated_at: DateTimeUtc,
});

entity!(catalogue_snapshot, "catalogue_snapshots", {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub day: Date,
    pub province_code: i32,
    pub category_id: i32,
    pub legal_form: String,
    pub tm_status: String,
    pub packaging_status: String,
    pub ocop_stars: i16,
    pub products: i32,
});
