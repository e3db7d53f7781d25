//! Every error code ketnoi answers with: one list, so a code is a name the compiler checks.
//!
//! A code is stable (clients match on it), names what is wrong (`tax_code.check_digit`), and
//! carries its [`Kind`], which decides the HTTP status. Its messages are `error.<code>` in
//! `frontend/locales/vi.txt` and `en.txt`; a test holds that every code has both.

use serde::{Serialize, Serializer};

/// What sort of problem a code names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Input that does not parse or breaks a rule; names a field (422).
    Invalid,
    /// A request the API cannot read at all: malformed body, wrong content type (400).
    BadRequest,
    /// No session, or a sign-in that failed (401).
    Unauthenticated,
    /// Signed in, but not allowed (403).
    Forbidden,
    /// Nothing there, or nothing this user may know is there (404).
    NotFound,
    /// A value that must be unique is already used by another record (409).
    Taken,
    /// The record's state does not allow this move now (409).
    State,
    /// Too many attempts, or too busy: try again later (429).
    RateLimited,
    /// A body or a file over its size limit (413).
    TooLarge,
    /// An outside part (search, object store, printer) does not answer (503).
    Unavailable,
    /// A fault of ketnoi's own, logged for the operator (500).
    Internal,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Invalid,
        Kind::BadRequest,
        Kind::Unauthenticated,
        Kind::Forbidden,
        Kind::NotFound,
        Kind::Taken,
        Kind::State,
        Kind::RateLimited,
        Kind::TooLarge,
        Kind::Unavailable,
        Kind::Internal,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Invalid => "invalid",
            Kind::BadRequest => "bad_request",
            Kind::Unauthenticated => "unauthenticated",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not_found",
            Kind::Taken => "taken",
            Kind::State => "state",
            Kind::RateLimited => "rate_limited",
            Kind::TooLarge => "too_large",
            Kind::Unavailable => "unavailable",
            Kind::Internal => "internal",
        }
    }

    /// The HTTP status every code of this kind answers with.
    pub const fn http_status(self) -> u16 {
        match self {
            Kind::Invalid => 422,
            Kind::BadRequest => 400,
            Kind::Unauthenticated => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::Taken | Kind::State => 409,
            Kind::RateLimited => 429,
            Kind::TooLarge => 413,
            Kind::Unavailable => 503,
            Kind::Internal => 500,
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $kind:ident; )*) => {
        /// An error code; see the module documentation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $( $variant, )*
        }

        impl Code {
            /// Every code, in the order of the list.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable dotted name clients match on.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            pub const fn kind(self) -> Kind {
                match self { $( Code::$variant => Kind::$kind, )* }
            }
        }
    };
}

codes! {
    // import
    OcopCertifiedOn = "ocop.certified_on", Invalid;
    ImportUnreadable = "import.unreadable", Invalid;
    ImportNoHeaders = "import.no_headers", Invalid;
    ImportTooManyRows = "import.too_many_rows", TooLarge;
    ImportTooLarge = "import.too_large", TooLarge;
    ImportNameRequired = "import.name_required", Invalid;
    ImportCommuneUnknown = "import.commune_unknown", Invalid;
    ImportCommuneAmbiguous = "import.commune_ambiguous", Invalid;
    ImportFormerSplit = "import.former_split", Invalid;
    ImportDuplicateRow = "import.duplicate_row", Invalid;
    ImportColumnUnknown = "import.column_unknown", Invalid;
    ImportNotChecked = "import.not_checked", State;
    ImportProgrammeUnknown = "import.programme_unknown", Invalid;
    ImportProgrammeRequired = "import.programme_required", Invalid;
    ImportBeneficiaryRepeat = "import.beneficiary_repeat", Invalid;
    ImportBeneficiaryWithdrawn = "import.beneficiary_withdrawn", Invalid;
    // password
    PasswordCurrentRequired = "password.current_required", Invalid;
    PasswordCurrentWrong = "password.current_wrong", Invalid;
    PasswordTooShort = "password.too_short", Invalid;
    PasswordTooLong = "password.too_long", Invalid;
    // password_reset
    PasswordResetInvalid = "password_reset.invalid", BadRequest;
    PasswordResetRateLimited = "password_reset.rate_limited", RateLimited;
    // general
    Invalid = "invalid", Invalid;
    NotFound = "not_found", NotFound;
    Internal = "internal", Internal;
    // auth
    AuthRequired = "auth.required", Unauthenticated;
    AuthForbidden = "auth.forbidden", Forbidden;
    AuthWrongCredentials = "auth.wrong_credentials", Unauthenticated;
    AuthRateLimited = "auth.rate_limited", RateLimited;
    AuthBusy = "auth.busy", RateLimited;
    AuthCsrfToken = "auth.csrf_token", Forbidden;
    // page
    PageOutOfRange = "page.out_of_range", Invalid;
    // per_page
    PerPageOutOfRange = "per_page.out_of_range", Invalid;
    // request
    RequestMalformed = "request.malformed", BadRequest;
    RequestContentType = "request.content_type", BadRequest;
    RequestTooLarge = "request.too_large", TooLarge;
    RequestKindRequired = "request.kind_required", Invalid;
    RequestDescriptionShort = "request.description_short", Invalid;
    RequestProvinceRequired = "request.province_required", Invalid;
    RequestProvinceUnknown = "request.province_unknown", Invalid;
    RequestUnitRequired = "request.unit_required", Invalid;
    RequestNeededByPast = "request.needed_by_past", Invalid;
    RequestFrequencyRequired = "request.frequency_required", Invalid;
    RequestBudgetOrder = "request.budget_order", Invalid;
    RequestPhoneRequired = "request.phone_required", Invalid;
    RequestLinks = "request.links", Invalid;
    RequestProductUnknown = "request.product_unknown", Invalid;
    RequestEnterpriseUnknown = "request.enterprise_unknown", Invalid;
    RequestIdempotencyKey = "request.idempotency_key", BadRequest;
    RequestTransition = "request.transition", State;
    RequestUseForward = "request.use_forward", State;
    RequestUseClose = "request.use_close", State;
    RequestClosed = "request.closed", State;
    RequestStatusUnknown = "request.status_unknown", Invalid;
    RequestAssigneeNotStaff = "request.assignee_not_staff", Invalid;
    RequestProductNotOfEnterprise = "request.product_not_of_enterprise", Invalid;
    RequestAlreadyShortlisted = "request.already_shortlisted", Taken;
    RequestAlreadyForwarded = "request.already_forwarded", State;
    RequestNothingToForward = "request.nothing_to_forward", State;
    RequestPhoneUnverified = "request.phone_unverified", State;
    RequestPhoneAlreadyVerified = "request.phone_already_verified", State;
    RequestEnterpriseRequired = "request.enterprise_required", Invalid;
    RequestNotForwarded = "request.not_forwarded", State;
    RequestAlreadyConnected = "request.already_connected", State;
    RequestDealValueRequired = "request.deal_value_required", Invalid;
    RequestReasonRequired = "request.reason_required", Invalid;
    RequestNoteRequired = "request.note_required", Invalid;
    RequestResultRequired = "request.result_required", Invalid;
    RequestAnswerRequired = "request.answer_required", Invalid;
    RequestRateLimited = "request.rate_limited", RateLimited;
    // tax_code
    TaxCodeDigits = "tax_code.digits", Invalid;
    TaxCodeLength = "tax_code.length", Invalid;
    TaxCodeCheckDigit = "tax_code.check_digit", Invalid;
    TaxCodeBranch = "tax_code.branch", Invalid;
    TaxCodeTaken = "tax_code.taken", Taken;
    // phone
    PhoneInvalid = "phone.invalid", Invalid;
    PhoneRequired = "phone.required", Invalid;
    // email
    EmailInvalid = "email.invalid", Invalid;
    // login
    LoginRequired = "login.required", Invalid;
    LoginInvalid = "login.invalid", Invalid;
    LoginTaken = "login.taken", Taken;
    // role
    RoleSelfService = "role.self_service", Invalid;
    RoleUnknown = "role.unknown", Invalid;
    // text
    TextRequired = "text.required", Invalid;
    TextTooShort = "text.too_short", Invalid;
    TextTooLong = "text.too_long", Invalid;
    // number
    NumberInvalid = "number.invalid", Invalid;
    NumberOutOfRange = "number.out_of_range", Invalid;
    // legal_form
    LegalFormRequired = "legal_form.required", Invalid;
    LegalFormUnknown = "legal_form.unknown", Invalid;
    // certification
    CertificationUnknown = "certification.unknown", Invalid;
    // commune
    CommuneRequired = "commune.required", Invalid;
    CommuneNotInProvince = "commune.not_in_province", Invalid;
    CommuneUnknown = "commune.unknown", Invalid;
    // category
    CategoryRequired = "category.required", Invalid;
    CategoryUnknown = "category.unknown", Invalid;
    // packaging
    PackagingUnknown = "packaging.unknown", Invalid;
    // trademark
    TrademarkStatusUnknown = "trademark.status_unknown", Invalid;
    TrademarkKindRequired = "trademark.kind_required", Invalid;
    TrademarkKindUnknown = "trademark.kind_unknown", Invalid;
    TrademarkApplicationNumberRequired = "trademark.application_number_required", Invalid;
    TrademarkFiledOnRequired = "trademark.filed_on_required", Invalid;
    TrademarkCertificateNumberRequired = "trademark.certificate_number_required", Invalid;
    TrademarkGrantedOnRequired = "trademark.granted_on_required", Invalid;
    TrademarkGrantedBeforeFiled = "trademark.granted_before_filed", Invalid;
    TrademarkExpiresBeforeGranted = "trademark.expires_before_granted", Invalid;
    // date
    DateInvalid = "date.invalid", Invalid;
    DateInFuture = "date.in_future", Invalid;
    DateRequired = "date.required", Invalid;
    // programme
    ProgrammeYear = "programme.year", Invalid;
    ProgrammeKindRequired = "programme.kind_required", Invalid;
    ProgrammeKindUnknown = "programme.kind_unknown", Invalid;
    ProgrammeFundingUnknown = "programme.funding_unknown", Invalid;
    ProgrammeCommuneRequired = "programme.commune_required", Invalid;
    ProgrammeCommuneUnknown = "programme.commune_unknown", Invalid;
    ProgrammeCodeTaken = "programme.code_taken", Taken;
    ProgrammeStaffUnknown = "programme.staff_unknown", Invalid;
    ProgrammeBeneficiaryRequired = "programme.beneficiary_required", Invalid;
    ProgrammeBeneficiaryUnknown = "programme.beneficiary_unknown", Invalid;
    ProgrammeBeneficiaryTaken = "programme.beneficiary_taken", Taken;
    ProgrammeProductNotOfBeneficiary = "programme.product_not_of_beneficiary", Invalid;
    ProgrammeChecklistItemUnknown = "programme.checklist_item_unknown", Invalid;
    ProgrammeIncomplete = "programme.incomplete", State;
    ProgrammeClosed = "programme.closed", State;
    ProgrammeWithdrawReasonRequired = "programme.withdraw_reason_required", Invalid;
    ProgrammeMoveRequired = "programme.move_required", Invalid;
    ProgrammeStatusUnknown = "programme.status_unknown", Invalid;
    ProgrammeTransition = "programme.transition", State;
    ProgrammeBudgetRequired = "programme.budget_required", Invalid;
    ProgrammeFinalRequired = "programme.final_required", Invalid;
    ProgrammeCancelReasonRequired = "programme.cancel_reason_required", Invalid;
    ProgrammeCancelReasonUnknown = "programme.cancel_reason_unknown", Invalid;
    ProgrammeCancelWordsRequired = "programme.cancel_words_required", Invalid;
    ProgrammeDeferYear = "programme.defer_year", Invalid;
    ProgrammeNotApproved = "programme.not_approved", State;
    ProgrammeAmountPositive = "programme.amount_positive", Invalid;
    ProgrammeOverBudget = "programme.over_budget", Invalid;
    ProgrammeFinalBelowDisbursed = "programme.final_below_disbursed", Invalid;
    ProgrammeLocked = "programme.locked", State;
    ProgrammeCategoryUnknown = "programme.category_unknown", Invalid;
    ProgrammeSurveyUnknown = "programme.survey_unknown", Invalid;
    ProgrammeFairUnknown = "programme.fair_unknown", Invalid;
    ProgrammeNotWithdrawn = "programme.not_withdrawn", State;
    ProgrammeBeneficiaryNotCommitted = "programme.beneficiary_not_committed", State;
    ProgrammeMilestoneKindUnknown = "programme.milestone_kind_unknown", Invalid;
    ProgrammeCapacityUnitRequired = "programme.capacity_unit_required", Invalid;
    ProgrammePercentRequired = "programme.percent_required", Invalid;
    ProgrammeDocumentKind = "programme.document_kind", Invalid;
    ProgrammeIndicatorsTooEarly = "programme.indicators_too_early", State;
    ProgrammeChanged = "programme.changed", State;
    ProgrammeDeferPaid = "programme.defer_paid", State;
    // survey
    SurveyFacilityRequired = "survey.facility_required", Invalid;
    SurveyNeedUnknown = "survey.need_unknown", Invalid;
    SurveyPhotoLimit = "survey.photo_limit", State;
    // ocop
    OcopStars = "ocop.stars", Invalid;
    OcopYear = "ocop.year", Invalid;
    OcopYearRequired = "ocop.year_required", Invalid;
    OcopStarsRequired = "ocop.stars_required", Invalid;
    // price
    PriceMaxBelowMin = "price.max_below_min", Invalid;
    // season
    SeasonMonth = "season.month", Invalid;
    // member
    MemberNotProducer = "member.not_producer", Invalid;
    // enterprise
    EnterpriseUnknown = "enterprise.unknown", Invalid;
    EnterpriseRequired = "enterprise.required", Invalid;
    EnterpriseChanged = "enterprise.changed", State;
    EnterpriseNothingToReview = "enterprise.nothing_to_review", State;
    // review
    ReviewReasonRequired = "review.reason_required", Invalid;
    ReviewVersionRequired = "review.version_required", Invalid;
    // status
    StatusUnknown = "status.unknown", Invalid;
    // product
    ProductAlreadySubmitted = "product.already_submitted", State;
    ProductNothingToSubmit = "product.nothing_to_submit", State;
    ProductNothingToReview = "product.nothing_to_review", State;
    ProductNotPublished = "product.not_published", State;
    ProductChanged = "product.changed", State;
    // search
    SearchUnavailable = "search.unavailable", Unavailable;
    SearchRebuildRunning = "search.rebuild_running", State;
    SearchSort = "search.sort", Invalid;
    // synonym
    SynonymTooLong = "synonym.too_long", Invalid;
    SynonymTooFew = "synonym.too_few", Invalid;
    // a category's search terms
    SearchTermsTooMany = "search_terms.too_many", Invalid;
    SearchTermTooLong = "search_terms.too_long", Invalid;
    // file
    FileTooLarge = "file.too_large", TooLarge;
    FileEmpty = "file.empty", Invalid;
    FileMissing = "file.missing", Invalid;
    // photo
    PhotoFormat = "photo.format", Invalid;
    PhotoHeif = "photo.heif", Invalid;
    PhotoTooManyPixels = "photo.too_many_pixels", Invalid;
    PhotoDamaged = "photo.damaged", Invalid;
    PhotoHiddenData = "photo.hidden_data", Invalid;
    PhotoLimit = "photo.limit", State;
    PhotoOrderMismatch = "photo.order_mismatch", Invalid;
    // document
    DocumentFormat = "document.format", Invalid;
    DocumentKind = "document.kind", Invalid;
    DocumentTitleRequired = "document.title_required", Invalid;
    DocumentProduct = "document.product", Invalid;
    DocumentLimit = "document.limit", State;
    // storage
    StorageUnavailable = "storage.unavailable", Unavailable;
    DatabaseUnavailable = "database.unavailable", Unavailable;
    // choice
    ChoiceInvalid = "choice.invalid", Invalid;
    // stats
    StatsRange = "stats.range", Invalid;
    // fair
    FairTooManyVisitors = "fair.too_many_visitors", Invalid;
    FairEndsBeforeStart = "fair.ends_before_start", Invalid;
    FairBoothInvalid = "fair.booth_invalid", Invalid;
    FairBoothTaken = "fair.booth_taken", Taken;
    FairAlreadyExhibiting = "fair.already_exhibiting", Taken;
    FairProductNotShown = "fair.product_not_shown", Invalid;
    FairBoothUnknown = "fair.booth_unknown", Invalid;
    // print
    PrintUnavailable = "print.unavailable", Unavailable;
    // register
    RegisterRateLimited = "register.rate_limited", RateLimited;
}

impl Code {
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The key of its message in the locale files.
    pub fn message_key(self) -> String {
        format!("error.{}", self.as_str())
    }

    /// Where the code is explained: its row on the API reference page.
    pub fn link(self) -> String {
        format!("/api/docs#error-{}", self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} listed twice");
            assert_eq!(Code::parse(code.as_str()), Some(*code));
        }
        assert_eq!(Code::parse("no.such_code"), None);
    }
}
