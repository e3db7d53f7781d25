//! Support programmes (*đề án khuyến công*): the kinds of support the centre gives, a
//! programme's life from proposal to settlement, the money rules that hold at every step,
//! what a complete proposal needs, and the year's plan against its results.
//!
//! Money is in whole đồng (`i64`); a programme's approved budget is the ceiling for
//! everything paid out under it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::product::parse_date;
use super::{Code, Invalid, Num, long_text, optional_text, required_text, string_enum};

pub mod follow;
pub mod outcomes;
pub mod plan;
pub mod survey;

/// The largest sum a programme may carry (100 billion ₫): far above any đề án, low enough
/// that a slip of the keyboard is caught.
pub const MAX_PROGRAMME_VND: i64 = 100_000_000_000;

string_enum! {
    /// What a programme supports.
    ProgrammeKind {
        /// Machinery and technology application (*ứng dụng máy móc thiết bị*).
        Machinery => "machinery",
        /// A demonstration model (*mô hình trình diễn*).
        DemonstrationModel => "demonstration_model",
        /// Packaging and label design (*thiết kế mẫu mã, bao bì*).
        Packaging => "packaging",
        /// Brand and trademark registration (*xây dựng, đăng ký nhãn hiệu*).
        Trademark => "trademark",
        /// Trade-fair participation (*hội chợ triển lãm*).
        TradeFair => "trade_fair",
        /// Training (*đào tạo, tập huấn*).
        Training => "training",
        /// Advisory (*tư vấn*).
        Advisory => "advisory",
        Other => "other",
    }
}

string_enum! {
    /// Where a programme's money comes from.
    FundingSource {
        /// The national khuyến công fund (*khuyến công quốc gia*).
        National => "national",
        /// The province's fund (*khuyến công địa phương*).
        Provincial => "provincial",
        Other => "other",
    }
}

string_enum! {
    /// Where a programme stands. `settled`, `cancelled` and `deferred` are final.
    ProgrammeStatus {
        /// Being drafted (*đề xuất*).
        Proposed => "proposed",
        /// Appraised (*thẩm định*): the proposal is complete and holds up.
        Appraised => "appraised",
        /// Approved (*phê duyệt*) by a decision with its number and date.
        Approved => "approved",
        /// Being carried out (*thực hiện*).
        InProgress => "in_progress",
        /// Accepted (*nghiệm thu*), with the minutes.
        Accepted => "accepted",
        /// Settled (*thanh quyết toán*): the final amount is fixed; read-only from here.
        Settled => "settled",
        Cancelled => "cancelled",
        /// Moved to next year's plan.
        Deferred => "deferred",
    }
}

impl ProgrammeStatus {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ProgrammeStatus::Settled | ProgrammeStatus::Cancelled | ProgrammeStatus::Deferred
        )
    }

    /// The states this one may move to: one step forward, or out (cancelled, deferred) from
    /// any state before settlement.
    pub fn next(self) -> &'static [ProgrammeStatus] {
        use ProgrammeStatus::{
            Accepted, Appraised, Approved, Cancelled, Deferred, InProgress, Proposed, Settled,
        };
        match self {
            Proposed => &[Appraised, Cancelled, Deferred],
            Appraised => &[Approved, Cancelled, Deferred],
            Approved => &[InProgress, Cancelled, Deferred],
            InProgress => &[Accepted, Cancelled, Deferred],
            Accepted => &[Settled, Cancelled, Deferred],
            Settled | Cancelled | Deferred => &[],
        }
    }

    pub fn can_become(self, to: ProgrammeStatus) -> bool {
        self.next().contains(&to)
    }

    /// Whether money may be paid out: from approval until settlement.
    pub fn takes_disbursements(self) -> bool {
        matches!(
            self,
            ProgrammeStatus::Approved | ProgrammeStatus::InProgress | ProgrammeStatus::Accepted
        )
    }

    /// Whether the approved budget is fixed (a decision was taken and not undone).
    pub fn is_approved(self) -> bool {
        matches!(
            self,
            ProgrammeStatus::Approved
                | ProgrammeStatus::InProgress
                | ProgrammeStatus::Accepted
                | ProgrammeStatus::Settled
        )
    }

    /// Whether the work is done (accepted or settled).
    pub fn is_completed(self) -> bool {
        matches!(self, ProgrammeStatus::Accepted | ProgrammeStatus::Settled)
    }
}

string_enum! {
    /// Where a beneficiary stands in its programme.
    BeneficiaryStatus {
        /// It takes part and has committed its own share.
        Committed => "committed",
        /// It pulled out (the reason is kept).
        Withdrew => "withdrew",
        /// Another enterprise took its place.
        Replaced => "replaced",
    }
}

string_enum! {
    /// Why a programme was cancelled; the centre's reports count them by reason.
    CancelReason {
        /// The beneficiary changed its investment plans (the most common).
        InvestmentPlansChanged => "investment_plans_changed",
        /// The beneficiary cannot put in its own share.
        NoCounterpartFunds => "no_counterpart_funds",
        BeneficiaryWithdrew => "beneficiary_withdrew",
        /// The survey showed it cannot be done.
        NotFeasible => "not_feasible",
        /// Something else, said in words.
        Other => "other",
    }
}

string_enum! {
    /// A document in a programme's file.
    DocumentKind {
        /// The facility's application for support.
        Application => "application",
        /// The approval decision (*quyết định phê duyệt*).
        Decision => "decision",
        /// A quotation for what will be bought.
        Quotation => "quotation",
        /// The contract (*hợp đồng*).
        Contract => "contract",
        /// The acceptance minutes (*biên bản nghiệm thu*).
        AcceptanceMinutes => "acceptance_minutes",
        /// The settlement (*quyết toán*).
        Settlement => "settlement",
        /// A photo taken on a visit.
        Photo => "photo",
        Other => "other",
    }
}

string_enum! {
    /// A piece of a complete proposal (*hồ sơ đề án*).
    ChecklistItem {
        /// The facility's application for support (*đơn đề nghị hỗ trợ*).
        Application => "application",
        /// The business registration (or household business certificate).
        BusinessRegistration => "business_registration",
        /// A survey of the facility (*khảo sát cơ sở*).
        Survey => "survey",
        /// The beneficiary's written commitment to its own share (*cam kết vốn đối ứng*).
        CounterpartCommitment => "counterpart_commitment",
        /// Three quotations for the machinery (*ba báo giá*).
        Quotations => "quotations",
        /// The machine's specification and where it will stand.
        MachineSpecification => "machine_specification",
        /// The plan of the demonstration: where, who watches, what it shows.
        DemonstrationPlan => "demonstration_plan",
        /// What the design must do, for which products.
        DesignBrief => "design_brief",
        /// Samples or photos of the products as they are sold today.
        ProductSamples => "product_samples",
        /// The mark as it will be filed, and the goods it covers.
        TrademarkSample => "trademark_sample",
        /// The fair's invitation or registration.
        FairInvitation => "fair_invitation",
        /// The course: subject, trainers, trainees, days.
        TrainingPlan => "training_plan",
        /// The advice to be given and by whom.
        AdvisoryPlan => "advisory_plan",
        /// The estimate of every cost (*dự toán*).
        CostEstimate => "cost_estimate",
    }
}

impl ProgrammeKind {
    /// What a complete proposal of this kind holds, in the order staff gather it.
    pub fn checklist(self) -> &'static [ChecklistItem] {
        use ChecklistItem::{
            AdvisoryPlan, Application, BusinessRegistration, CostEstimate, CounterpartCommitment,
            DemonstrationPlan, DesignBrief, FairInvitation, MachineSpecification, ProductSamples,
            Quotations, Survey, TrademarkSample, TrainingPlan,
        };
        match self {
            ProgrammeKind::Machinery => &[
                Application,
                BusinessRegistration,
                Survey,
                MachineSpecification,
                Quotations,
                CounterpartCommitment,
                CostEstimate,
            ],
            ProgrammeKind::DemonstrationModel => &[
                Application,
                BusinessRegistration,
                Survey,
                DemonstrationPlan,
                Quotations,
                CounterpartCommitment,
                CostEstimate,
            ],
            ProgrammeKind::Packaging => &[
                Application,
                BusinessRegistration,
                DesignBrief,
                ProductSamples,
                CounterpartCommitment,
                CostEstimate,
            ],
            ProgrammeKind::Trademark => &[
                Application,
                BusinessRegistration,
                TrademarkSample,
                ProductSamples,
                CostEstimate,
            ],
            ProgrammeKind::TradeFair => &[
                Application,
                BusinessRegistration,
                FairInvitation,
                ProductSamples,
                CostEstimate,
            ],
            ProgrammeKind::Training => &[TrainingPlan, CostEstimate],
            ProgrammeKind::Advisory => &[Application, AdvisoryPlan, CostEstimate],
            ProgrammeKind::Other => &[Application, CostEstimate],
        }
    }

    /// Whether the support goes to named producers (a training or an advisory programme may
    /// serve a whole commune without one).
    pub fn needs_beneficiary(self) -> bool {
        !matches!(self, ProgrammeKind::Training | ProgrammeKind::Advisory)
    }
}

/// A programme as staff propose it (or change it before approval).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ProgrammeInput {
    /// The centre's own reference (`KC-2026-03`); unique.
    pub code: Option<String>,
    pub title: Option<String>,
    /// `machinery`, `demonstration_model`, `packaging`, `trademark`, `trade_fair`,
    /// `training`, `advisory`, `other`.
    pub kind: Option<String>,
    /// `national`, `provincial`, `other`.
    pub funding_source: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub year: Option<Num>,
    /// Statistical codes of the communes where it happens.
    pub commune_codes: Option<Vec<i32>>,
    /// The staff member responsible.
    pub staff_id: Option<i32>,
    pub description: Option<String>,
    /// The budget asked for, in đồng.
    #[schema(value_type = Option<i64>)]
    pub proposed_vnd: Option<Num>,
    /// The product group it supports (a category slug from `GET /api/v1/categories`):
    /// beneficiaries must make products of it.
    pub category: Option<String>,
    /// The facility survey the proposal starts from.
    pub survey_id: Option<i32>,
}

/// A checked proposal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgrammeFields {
    pub code: String,
    pub title: String,
    pub kind: ProgrammeKind,
    pub funding_source: FundingSource,
    pub year: i32,
    pub commune_codes: Vec<i32>,
    pub staff_id: Option<i32>,
    pub description: String,
    pub proposed_vnd: i64,
    pub category: Option<String>,
    pub survey_id: Option<i32>,
}

impl ProgrammeInput {
    pub fn parse(&self, today: NaiveDate) -> Result<ProgrammeFields, Invalid> {
        let mut errors = Invalid::default();
        let code = errors.take(required_text(self.code.as_deref(), "code", 2, 40));
        let title = errors.take(required_text(self.title.as_deref(), "title", 5, 200));
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("kind", Code::ProgrammeKindRequired);
                None
            }
            Some(k) => ProgrammeKind::parse(k).or_else(|| {
                errors.push("kind", Code::ProgrammeKindUnknown);
                None
            }),
        };
        let funding_source = match self.funding_source.as_deref().map(str::trim) {
            None | Some("") => Some(FundingSource::Provincial),
            Some(f) => FundingSource::parse(f).or_else(|| {
                errors.push("funding_source", Code::ProgrammeFundingUnknown);
                None
            }),
        };
        let year = errors.take(parse_year(self.year.as_ref(), "year", today));
        let mut commune_codes = self.commune_codes.clone().unwrap_or_default();
        commune_codes.sort_unstable();
        commune_codes.dedup();
        if commune_codes.is_empty() {
            errors.push("commune_codes", Code::ProgrammeCommuneRequired);
        }
        let description = errors
            .take(long_text(self.description.as_deref(), "description", 5000))
            .unwrap_or_default();
        let proposed = required_money(&mut errors, self.proposed_vnd.as_ref(), "proposed_vnd");
        match (code, title, kind, funding_source, year, proposed) {
            (Some(code), Some(title), Some(kind), Some(funding_source), Some(year), Some(p))
                if errors.0.is_empty() =>
            {
                Ok(ProgrammeFields {
                    code,
                    title,
                    kind,
                    funding_source,
                    year,
                    commune_codes,
                    staff_id: self.staff_id,
                    description,
                    proposed_vnd: p,
                    category: self
                        .category
                        .as_deref()
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string),
                    survey_id: self.survey_id,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A beneficiary as staff add it: the enterprise and the support it gets.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct BeneficiaryInput {
    /// An enterprise of the catalogue; or `new_enterprise`.
    pub enterprise_id: Option<i32>,
    /// A producer not in the catalogue yet, registered on the spot (staff's own entry).
    pub new_enterprise: Option<super::EnterpriseInput>,
    /// What it gets, in words (`Máy sấy miến 200 kg/mẻ`, `Thiết kế bao bì cho 2 sản phẩm`).
    pub support: Option<String>,
    /// What the programme spends on it, in đồng.
    #[schema(value_type = Option<i64>)]
    pub support_vnd: Option<Num>,
    /// What it puts in itself (*vốn đối ứng*), in đồng.
    #[schema(value_type = Option<i64>)]
    pub contribution_vnd: Option<Num>,
    /// The product the support is for (packaging, trademark), if one.
    pub product_id: Option<i32>,
    /// The fair it exhibits at (trade-fair programmes).
    pub fair_id: Option<i32>,
}

/// A checked beneficiary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeneficiaryFields {
    /// The enterprise, or `None` when it is registered on the spot from the input's
    /// `new_enterprise`.
    pub enterprise_id: Option<i32>,
    pub support: String,
    pub support_vnd: i64,
    pub contribution_vnd: i64,
    pub product_id: Option<i32>,
    pub fair_id: Option<i32>,
}

impl BeneficiaryInput {
    pub fn parse(&self) -> Result<BeneficiaryFields, Invalid> {
        let mut errors = Invalid::default();
        if self.enterprise_id.is_none() && self.new_enterprise.is_none() {
            errors.push("enterprise_id", Code::ProgrammeBeneficiaryRequired);
        }
        let support = errors.take(required_text(self.support.as_deref(), "support", 3, 500));
        let support_vnd = errors
            .take(Num::parse(
                self.support_vnd.as_ref(),
                "support_vnd",
                0,
                MAX_PROGRAMME_VND,
            ))
            .map(Option::unwrap_or_default);
        let contribution_vnd = errors
            .take(Num::parse(
                self.contribution_vnd.as_ref(),
                "contribution_vnd",
                0,
                MAX_PROGRAMME_VND,
            ))
            .map(Option::unwrap_or_default);
        match (support, support_vnd, contribution_vnd) {
            (Some(support), Some(support_vnd), Some(contribution_vnd)) if errors.0.is_empty() => {
                Ok(BeneficiaryFields {
                    enterprise_id: self.enterprise_id,
                    support,
                    support_vnd,
                    contribution_vnd,
                    product_id: self.product_id,
                    fair_id: self.fair_id,
                })
            }
            _ => Err(errors),
        }
    }
}

/// What stops a proposal from moving to `appraised`, each said to the staff member drafting
/// it (messages `programme.gap.<code>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "gap", rename_all = "snake_case")]
pub enum Gap {
    /// A piece of the kind's checklist is not in the file yet.
    Checklist { item: ChecklistItem },
    /// The kind supports named producers, and none is committed.
    NoBeneficiary,
    /// A beneficiary's enterprise has no tax code the centre could check.
    TaxCodeMissing { enterprise_id: i32 },
    /// A beneficiary makes nothing of the product group the programme supports.
    NotOfKind { enterprise_id: i32 },
    /// The beneficiaries put in less than the kind's share of the whole cost.
    CounterpartShort { percent: u8 },
    /// The budget asked for is over what the year allows one programme of this kind.
    OverKindLimit { limit_vnd: i64 },
    /// The support promised to beneficiaries adds up to more than the budget.
    SupportOverBudget,
}

impl Gap {
    /// The message key for this gap.
    pub fn key(self) -> &'static str {
        match self {
            Gap::Checklist { .. } => "programme.gap.checklist",
            Gap::NoBeneficiary => "programme.gap.no_beneficiary",
            Gap::TaxCodeMissing { .. } => "programme.gap.tax_code_missing",
            Gap::NotOfKind { .. } => "programme.gap.not_of_kind",
            Gap::CounterpartShort { .. } => "programme.gap.counterpart_short",
            Gap::OverKindLimit { .. } => "programme.gap.over_kind_limit",
            Gap::SupportOverBudget => "programme.gap.support_over_budget",
        }
    }
}

/// A committed beneficiary as the readiness check sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposedBeneficiary {
    pub enterprise_id: i32,
    /// It has a tax code whose check digit holds.
    pub tax_code_checked: bool,
    /// It makes products of the group the programme supports (always, when the programme
    /// names no group).
    pub makes_supported_products: bool,
    pub support_vnd: i64,
    pub contribution_vnd: i64,
}

/// What the readiness check is given about a proposal.
#[derive(Clone, Debug, Default)]
pub struct Proposal<'a> {
    pub kind: Option<ProgrammeKind>,
    pub budget_vnd: i64,
    pub checklist_done: &'a [ChecklistItem],
    /// Committed beneficiaries.
    pub beneficiaries: &'a [ProposedBeneficiary],
    /// The year's limits for the kind: the largest budget (if any) and the counterpart share.
    pub max_budget_vnd: Option<i64>,
    pub counterpart_percent: u8,
}

impl Proposal<'_> {
    /// Everything still missing, in the order staff would see to it; empty when the proposal
    /// holds up.
    pub fn gaps(&self) -> Vec<Gap> {
        let Some(kind) = self.kind else {
            return Vec::new();
        };
        let mut gaps: Vec<Gap> = kind
            .checklist()
            .iter()
            .filter(|item| !self.checklist_done.contains(item))
            .map(|item| Gap::Checklist { item: *item })
            .collect();
        if kind.needs_beneficiary() && self.beneficiaries.is_empty() {
            gaps.push(Gap::NoBeneficiary);
        }
        for b in self.beneficiaries {
            if !b.tax_code_checked {
                gaps.push(Gap::TaxCodeMissing {
                    enterprise_id: b.enterprise_id,
                });
            }
            if !b.makes_supported_products {
                gaps.push(Gap::NotOfKind {
                    enterprise_id: b.enterprise_id,
                });
            }
        }
        let contribution: i64 = self.beneficiaries.iter().map(|b| b.contribution_vnd).sum();
        let support: i64 = self.beneficiaries.iter().map(|b| b.support_vnd).sum();
        if kind.needs_beneficiary()
            && !counterpart_suffices(self.budget_vnd, contribution, self.counterpart_percent)
        {
            gaps.push(Gap::CounterpartShort {
                percent: self.counterpart_percent,
            });
        }
        if let Some(limit_vnd) = self.max_budget_vnd.filter(|l| self.budget_vnd > *l) {
            gaps.push(Gap::OverKindLimit { limit_vnd });
        }
        if support > self.budget_vnd {
            gaps.push(Gap::SupportOverBudget);
        }
        gaps
    }
}

/// A move of a programme, with what the move records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Move {
    Appraise,
    /// The approval decision (*quyết định phê duyệt*) fixes the budget.
    Approve {
        decision_number: String,
        decided_on: NaiveDate,
        budget_vnd: i64,
    },
    Start,
    /// Acceptance (*nghiệm thu*) on a date, with its minutes.
    Accept {
        accepted_on: NaiveDate,
        minutes: String,
    },
    /// Settlement (*quyết toán*) fixes what the programme cost in the end.
    Settle {
        final_vnd: i64,
    },
    Cancel {
        reason: CancelReason,
        /// Required when the reason is `other`; optional otherwise.
        words: Option<String>,
    },
    /// To next year's plan (or a later one).
    Defer {
        to_year: i32,
    },
}

impl Move {
    pub fn target(&self) -> ProgrammeStatus {
        match self {
            Move::Appraise => ProgrammeStatus::Appraised,
            Move::Approve { .. } => ProgrammeStatus::Approved,
            Move::Start => ProgrammeStatus::InProgress,
            Move::Accept { .. } => ProgrammeStatus::Accepted,
            Move::Settle { .. } => ProgrammeStatus::Settled,
            Move::Cancel { .. } => ProgrammeStatus::Cancelled,
            Move::Defer { .. } => ProgrammeStatus::Deferred,
        }
    }
}

/// A move as it arrives from a form or the API: the state to move to and what that move
/// records (the other fields are ignored).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct MoveInput {
    /// `appraised`, `approved`, `in_progress`, `accepted`, `settled`, `cancelled`,
    /// `deferred`.
    pub to: Option<String>,
    /// Approval: the decision's number (`125/QĐ-SCT`).
    pub decision_number: Option<String>,
    /// Approval: the decision's date (`dd/mm/yyyy` or `yyyy-mm-dd`).
    pub decided_on: Option<String>,
    /// Approval: the approved budget in đồng.
    #[schema(value_type = Option<i64>)]
    pub budget_vnd: Option<Num>,
    /// Acceptance: its date.
    pub accepted_on: Option<String>,
    /// Acceptance: what the minutes say.
    pub minutes: Option<String>,
    /// Settlement: the final amount in đồng.
    #[schema(value_type = Option<i64>)]
    pub final_vnd: Option<Num>,
    /// Cancellation: one of the reasons.
    pub reason: Option<String>,
    /// Cancellation: in words (required for `other`).
    pub reason_words: Option<String>,
    /// Deferral: the year it moves to (next year when empty).
    #[schema(value_type = Option<i64>)]
    pub to_year: Option<Num>,
}

impl MoveInput {
    /// Parses the move for a programme of `year`; `today` bounds the dates (none may lie
    /// ahead of it).
    pub fn parse(&self, year: i32, today: NaiveDate) -> Result<Move, Invalid> {
        let to = match self.to.as_deref().map(str::trim) {
            None | Some("") => return Err(Invalid::one("to", Code::ProgrammeMoveRequired)),
            Some(s) => {
                ProgrammeStatus::parse(s).ok_or(Invalid::one("to", Code::ProgrammeStatusUnknown))?
            }
        };
        let mut errors = Invalid::default();
        let not_ahead = |errors: &mut Invalid, d: Option<NaiveDate>, field: &'static str| {
            if d.is_some_and(|d| d > today) {
                errors.push(field, Code::DateInFuture);
            }
            d
        };
        let mv = match to {
            ProgrammeStatus::Proposed => return Err(Invalid::one("to", Code::ProgrammeTransition)),
            ProgrammeStatus::Appraised => Some(Move::Appraise),
            ProgrammeStatus::InProgress => Some(Move::Start),
            ProgrammeStatus::Approved => {
                let number = errors.take(required_text(
                    self.decision_number.as_deref(),
                    "decision_number",
                    1,
                    60,
                ));
                let decided_on =
                    required_date(&mut errors, self.decided_on.as_deref(), "decided_on");
                let decided_on = not_ahead(&mut errors, decided_on, "decided_on");
                let budget = required_money(&mut errors, self.budget_vnd.as_ref(), "budget_vnd");
                match (number, decided_on, budget) {
                    (Some(decision_number), Some(decided_on), Some(budget_vnd)) => {
                        Some(Move::Approve {
                            decision_number,
                            decided_on,
                            budget_vnd,
                        })
                    }
                    _ => None,
                }
            }
            ProgrammeStatus::Accepted => {
                let accepted_on =
                    required_date(&mut errors, self.accepted_on.as_deref(), "accepted_on");
                let accepted_on = not_ahead(&mut errors, accepted_on, "accepted_on");
                let minutes =
                    errors.take(required_text(self.minutes.as_deref(), "minutes", 10, 5000));
                match (accepted_on, minutes) {
                    (Some(accepted_on), Some(minutes)) => Some(Move::Accept {
                        accepted_on,
                        minutes,
                    }),
                    _ => None,
                }
            }
            ProgrammeStatus::Settled => {
                let final_vnd =
                    match Num::parse(self.final_vnd.as_ref(), "final_vnd", 0, MAX_PROGRAMME_VND) {
                        Ok(Some(v)) => Some(v),
                        Ok(None) => {
                            errors.push("final_vnd", Code::ProgrammeFinalRequired);
                            None
                        }
                        Err(e) => {
                            errors.0.extend(e.0);
                            None
                        }
                    };
                final_vnd.map(|final_vnd| Move::Settle { final_vnd })
            }
            ProgrammeStatus::Cancelled => {
                let reason = match self.reason.as_deref().map(str::trim) {
                    None | Some("") => {
                        errors.push("reason", Code::ProgrammeCancelReasonRequired);
                        None
                    }
                    Some(r) => CancelReason::parse(r).or_else(|| {
                        errors.push("reason", Code::ProgrammeCancelReasonUnknown);
                        None
                    }),
                };
                let words = errors
                    .take(optional_text(
                        self.reason_words.as_deref(),
                        "reason_words",
                        500,
                    ))
                    .flatten();
                if reason == Some(CancelReason::Other) && words.is_none() {
                    errors.push("reason_words", Code::ProgrammeCancelWordsRequired);
                }
                reason.map(|reason| Move::Cancel { reason, words })
            }
            ProgrammeStatus::Deferred => {
                let next = i64::from(year) + 1;
                if let Ok(v) = Num::parse(self.to_year.as_ref(), "to_year", next, next + 5) {
                    Some(Move::Defer {
                        to_year: i32::try_from(v.unwrap_or(next)).unwrap_or(year + 1),
                    })
                } else {
                    errors.push("to_year", Code::ProgrammeDeferYear);
                    None
                }
            }
        };
        match mv {
            Some(mv) if errors.0.is_empty() => Ok(mv),
            _ => Err(errors),
        }
    }
}

fn required_date(
    errors: &mut Invalid,
    value: Option<&str>,
    field: &'static str,
) -> Option<NaiveDate> {
    let date = errors.take(parse_date(value, field)).flatten();
    if date.is_none() && !errors.has(field) {
        errors.push(field, Code::DateRequired);
    }
    date
}

/// A sum of money paid or received: a whole number of đồng above zero.
fn positive_amount(errors: &mut Invalid, value: Option<&Num>, field: &'static str) -> Option<i64> {
    match Num::parse(value, field, 1, MAX_PROGRAMME_VND) {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            errors.push(field, Code::ProgrammeAmountPositive);
            None
        }
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    }
}

fn required_money(errors: &mut Invalid, value: Option<&Num>, field: &'static str) -> Option<i64> {
    match Num::parse(value, field, 1, MAX_PROGRAMME_VND) {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            errors.push(field, Code::ProgrammeBudgetRequired);
            None
        }
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    }
}

/// What has been paid out under a programme, and its ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    /// The approved budget, once a decision fixed it.
    pub approved_vnd: Option<i64>,
    /// Every disbursement so far.
    pub disbursed_vnd: i64,
}

impl Money {
    /// Whether `amount` may be paid out now: only under an approved budget, never past it.
    pub fn check_disbursement(self, amount: i64) -> Result<(), Code> {
        let Some(approved) = self.approved_vnd else {
            return Err(Code::ProgrammeNotApproved);
        };
        if amount <= 0 {
            return Err(Code::ProgrammeAmountPositive);
        }
        if self.disbursed_vnd.saturating_add(amount) > approved {
            return Err(Code::ProgrammeOverBudget);
        }
        Ok(())
    }

    /// Whether the programme may be settled for `final_vnd`: no more than approved, no less
    /// than what was already paid out.
    pub fn check_settlement(self, final_vnd: i64) -> Result<(), Code> {
        if self.approved_vnd.is_some_and(|a| final_vnd > a) {
            return Err(Code::ProgrammeOverBudget);
        }
        if final_vnd < self.disbursed_vnd {
            return Err(Code::ProgrammeFinalBelowDisbursed);
        }
        Ok(())
    }

    /// What may still be paid out.
    pub fn remaining_vnd(self) -> i64 {
        self.approved_vnd
            .map_or(0, |a| (a - self.disbursed_vnd).max(0))
    }
}

/// A disbursement as typed: date, amount, what for.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct DisbursementInput {
    pub paid_on: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub amount_vnd: Option<Num>,
    /// What it paid for (`Tạm ứng 50% hợp đồng mua máy sấy`).
    pub purpose: Option<String>,
    /// The programme's version the payment was entered against: a form sent twice, or
    /// after someone else changed the programme, is refused.
    pub version: Option<i32>,
}

/// A checked disbursement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disbursement {
    pub paid_on: NaiveDate,
    pub amount_vnd: i64,
    pub purpose: String,
}

impl DisbursementInput {
    pub fn parse(&self, today: NaiveDate) -> Result<Disbursement, Invalid> {
        let mut errors = Invalid::default();
        let paid_on = required_date(&mut errors, self.paid_on.as_deref(), "paid_on");
        if paid_on.is_some_and(|d| d > today) {
            errors.push("paid_on", Code::DateInFuture);
        }
        let amount = positive_amount(&mut errors, self.amount_vnd.as_ref(), "amount_vnd");
        let purpose = errors.take(required_text(self.purpose.as_deref(), "purpose", 3, 300));
        match (paid_on, amount, purpose) {
            (Some(paid_on), Some(amount_vnd), Some(purpose)) if errors.0.is_empty() => {
                Ok(Disbursement {
                    paid_on,
                    amount_vnd,
                    purpose,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The share of a programme's cost its beneficiaries must put in themselves, by kind, in
/// percent: what the centre sets for a year unless it says otherwise (machinery and
/// demonstration models are co-financed; training and advisory are paid in full).
pub fn default_counterpart_percent(kind: ProgrammeKind) -> u8 {
    match kind {
        ProgrammeKind::Machinery | ProgrammeKind::DemonstrationModel => 50,
        ProgrammeKind::Packaging | ProgrammeKind::Trademark => 30,
        ProgrammeKind::TradeFair => 20,
        ProgrammeKind::Training | ProgrammeKind::Advisory | ProgrammeKind::Other => 0,
    }
}

/// Whether the beneficiaries' own contribution covers at least `percent` of the whole cost
/// (the programme's budget plus the contribution).
pub fn counterpart_suffices(budget_vnd: i64, contribution_vnd: i64, percent: u8) -> bool {
    let whole = i128::from(budget_vnd) + i128::from(contribution_vnd);
    i128::from(contribution_vnd) * 100 >= whole * i128::from(percent)
}

/// One programme as the year's plan counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    pub status: ProgrammeStatus,
    pub funding_source: FundingSource,
    /// The budget asked for in the proposal.
    pub proposed_vnd: i64,
    pub approved_vnd: Option<i64>,
    pub final_vnd: Option<i64>,
    pub disbursed_vnd: i64,
    pub at_risk: bool,
}

impl PlanEntry {
    /// What the programme stands for in money now: settled, else approved, else proposed.
    pub fn value_vnd(self) -> i64 {
        self.final_vnd
            .or(self.approved_vnd)
            .unwrap_or(self.proposed_vnd)
    }
}

/// A count of programmes and the money they carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    pub count: u32,
    pub vnd: i64,
}

impl Tally {
    fn add(&mut self, vnd: i64) {
        self.count += 1;
        self.vnd += vnd;
    }
}

/// The year's plan against its results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanFigures {
    /// Every programme in the year's plan, cancelled and deferred ones included.
    pub planned: Tally,
    /// Approved (and not cancelled or deferred since).
    pub approved: Tally,
    /// Accepted or settled.
    pub completed: Tally,
    pub cancelled: Tally,
    pub deferred: Tally,
    /// Paid out so far, under every programme of the year.
    pub disbursed_vnd: i64,
    /// Open programmes flagged at risk.
    pub at_risk: Tally,
}

impl PlanFigures {
    pub fn of(entries: &[PlanEntry]) -> Self {
        let mut f = PlanFigures::default();
        for e in entries {
            let value = e.value_vnd();
            f.planned.add(value);
            if e.status.is_approved() {
                f.approved.add(value);
            }
            if e.status.is_completed() {
                f.completed.add(value);
            }
            match e.status {
                ProgrammeStatus::Cancelled => f.cancelled.add(value),
                ProgrammeStatus::Deferred => f.deferred.add(value),
                _ => {}
            }
            if e.at_risk && !e.status.is_final() {
                f.at_risk.add(value);
            }
            f.disbursed_vnd += e.disbursed_vnd;
        }
        f
    }
}

/// A programme's year must be a plausible plan year.
pub fn parse_year(
    value: Option<&Num>,
    field: &'static str,
    today: NaiveDate,
) -> Result<i32, Invalid> {
    let this = i64::from(today.year());
    match Num::parse(value, field, 2000, this + 5) {
        Ok(Some(y)) => i32::try_from(y).map_err(|_| Invalid::one(field, Code::ProgrammeYear)),
        Ok(None) | Err(_) => Err(Invalid::one(field, Code::ProgrammeYear)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
    }

    fn to(status: &str) -> MoveInput {
        MoveInput {
            to: Some(status.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_programme_moves_one_step_at_a_time_and_may_leave_before_settlement() {
        use ProgrammeStatus::{
            Accepted, Appraised, Approved, Cancelled, Deferred, InProgress, Proposed, Settled,
        };
        let forward = [
            (Proposed, Appraised),
            (Appraised, Approved),
            (Approved, InProgress),
            (InProgress, Accepted),
            (Accepted, Settled),
        ];
        for from in ProgrammeStatus::ALL {
            for to in ProgrammeStatus::ALL {
                let expected = forward.contains(&(*from, *to))
                    || (!from.is_final() && matches!(to, Cancelled | Deferred));
                assert_eq!(from.can_become(*to), expected, "{from} → {to}");
            }
        }
        assert!(
            Settled.next().is_empty(),
            "a settled programme is read-only"
        );
    }

    #[test]
    fn approval_needs_its_decision_date_and_budget() {
        let err = to("approved").parse(2026, day()).unwrap_err();
        assert!(
            err.has("decision_number") && err.has("decided_on") && err.has("budget_vnd"),
            "{err:?}"
        );
        let mv = MoveInput {
            decision_number: Some("125/QĐ-SCT".into()),
            decided_on: Some("15/03/2026".into()),
            budget_vnd: Some(Num::Text("180.000.000".into())),
            ..to("approved")
        }
        .parse(2026, day())
        .unwrap();
        assert_eq!(
            mv,
            Move::Approve {
                decision_number: "125/QĐ-SCT".into(),
                decided_on: NaiveDate::from_ymd_opt(2026, 3, 15).unwrap(),
                budget_vnd: 180_000_000,
            }
        );
        let ahead = MoveInput {
            decision_number: Some("1/QĐ".into()),
            decided_on: Some("02/12/2026".into()),
            budget_vnd: Some(Num::Int(1_000_000)),
            ..to("approved")
        }
        .parse(2026, day())
        .unwrap_err();
        assert_eq!(ahead.0[0].code, Code::DateInFuture);
    }

    #[test]
    fn a_cancellation_names_its_reason_and_other_needs_words() {
        let err = to("cancelled").parse(2026, day()).unwrap_err();
        assert_eq!(err.0[0].code, Code::ProgrammeCancelReasonRequired);
        let other = MoveInput {
            reason: Some("other".into()),
            ..to("cancelled")
        };
        assert_eq!(
            other.parse(2026, day()).unwrap_err().0[0].code,
            Code::ProgrammeCancelWordsRequired
        );
        let mv = MoveInput {
            reason: Some("investment_plans_changed".into()),
            ..to("cancelled")
        }
        .parse(2026, day())
        .unwrap();
        assert_eq!(
            mv,
            Move::Cancel {
                reason: CancelReason::InvestmentPlansChanged,
                words: None
            }
        );
    }

    #[test]
    fn deferral_goes_to_a_later_year_next_year_by_default() {
        assert_eq!(
            to("deferred").parse(2026, day()).unwrap(),
            Move::Defer { to_year: 2027 }
        );
        let same_year = MoveInput {
            to_year: Some(Num::Int(2026)),
            ..to("deferred")
        };
        assert_eq!(
            same_year.parse(2026, day()).unwrap_err().0[0].code,
            Code::ProgrammeDeferYear
        );
    }

    #[test]
    fn money_never_goes_past_the_approved_budget() {
        let draft = Money {
            approved_vnd: None,
            disbursed_vnd: 0,
        };
        assert_eq!(draft.check_disbursement(1), Err(Code::ProgrammeNotApproved));
        let m = Money {
            approved_vnd: Some(100_000_000),
            disbursed_vnd: 60_000_000,
        };
        assert_eq!(m.check_disbursement(40_000_000), Ok(()));
        assert_eq!(
            m.check_disbursement(40_000_001),
            Err(Code::ProgrammeOverBudget)
        );
        assert_eq!(m.check_disbursement(0), Err(Code::ProgrammeAmountPositive));
        assert_eq!(m.remaining_vnd(), 40_000_000);
        assert_eq!(
            m.check_settlement(100_000_001),
            Err(Code::ProgrammeOverBudget)
        );
        assert_eq!(
            m.check_settlement(59_999_999),
            Err(Code::ProgrammeFinalBelowDisbursed)
        );
        assert_eq!(m.check_settlement(95_000_000), Ok(()));
    }

    #[test]
    fn the_counterpart_share_counts_against_the_whole_cost() {
        // 100 from the programme and 100 of its own: half the whole.
        assert!(counterpart_suffices(100, 100, 50));
        assert!(!counterpart_suffices(100, 99, 50));
        assert!(counterpart_suffices(100, 0, 0));
        assert!(counterpart_suffices(
            MAX_PROGRAMME_VND,
            MAX_PROGRAMME_VND,
            50
        ));
    }

    #[test]
    fn every_kind_has_a_checklist_and_machinery_asks_for_three_quotations() {
        for kind in ProgrammeKind::ALL {
            assert!(
                kind.checklist().contains(&ChecklistItem::CostEstimate),
                "{kind}"
            );
        }
        assert!(
            ProgrammeKind::Machinery
                .checklist()
                .contains(&ChecklistItem::Quotations)
        );
    }

    #[test]
    fn a_proposal_holds_up_once_its_file_is_complete_and_its_money_adds_up() {
        let all = ProgrammeKind::Machinery.checklist();
        let one = ProposedBeneficiary {
            enterprise_id: 1,
            tax_code_checked: true,
            makes_supported_products: true,
            support_vnd: 150,
            contribution_vnd: 150,
        };
        let ready = [one];
        let p = Proposal {
            kind: Some(ProgrammeKind::Machinery),
            budget_vnd: 150,
            checklist_done: all,
            beneficiaries: &ready,
            max_budget_vnd: Some(200),
            counterpart_percent: 50,
        };
        assert!(p.gaps().is_empty(), "{:?}", p.gaps());
        let short = [ProposedBeneficiary {
            tax_code_checked: false,
            makes_supported_products: false,
            contribution_vnd: 100,
            ..one
        }];
        let gaps = Proposal {
            checklist_done: &all[1..],
            beneficiaries: &short,
            max_budget_vnd: Some(120),
            ..p.clone()
        }
        .gaps();
        assert_eq!(
            gaps,
            [
                Gap::Checklist {
                    item: ChecklistItem::Application
                },
                Gap::TaxCodeMissing { enterprise_id: 1 },
                Gap::NotOfKind { enterprise_id: 1 },
                Gap::CounterpartShort { percent: 50 },
                Gap::OverKindLimit { limit_vnd: 120 },
            ]
        );
        let none = Proposal {
            beneficiaries: &[],
            ..p.clone()
        };
        assert!(none.gaps().contains(&Gap::NoBeneficiary));
        // A training programme serves a commune, not named producers.
        let training = Proposal {
            kind: Some(ProgrammeKind::Training),
            checklist_done: ProgrammeKind::Training.checklist(),
            beneficiaries: &[],
            ..p
        };
        assert!(training.gaps().is_empty(), "{:?}", training.gaps());
    }

    #[test]
    fn the_plan_counts_cancelled_programmes_apart_and_keeps_their_money_out_of_the_results() {
        let entry = |status, approved: Option<i64>, disbursed, at_risk| PlanEntry {
            status,
            funding_source: FundingSource::Provincial,
            proposed_vnd: 100,
            approved_vnd: approved,
            final_vnd: None,
            disbursed_vnd: disbursed,
            at_risk,
        };
        let settled = PlanEntry {
            final_vnd: Some(90),
            ..entry(ProgrammeStatus::Settled, Some(95), 90, false)
        };
        let f = PlanFigures::of(&[
            settled,
            entry(ProgrammeStatus::InProgress, Some(120), 50, true),
            entry(ProgrammeStatus::Cancelled, Some(80), 0, true),
            entry(ProgrammeStatus::Proposed, None, 0, false),
        ]);
        assert_eq!(f.planned, Tally { count: 4, vnd: 390 });
        assert_eq!(f.approved, Tally { count: 2, vnd: 210 });
        assert_eq!(f.completed, Tally { count: 1, vnd: 90 });
        assert_eq!(f.cancelled, Tally { count: 1, vnd: 80 });
        assert_eq!(f.at_risk, Tally { count: 1, vnd: 120 });
        assert_eq!(f.disbursed_vnd, 140);
    }
}
