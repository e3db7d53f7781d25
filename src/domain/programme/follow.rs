//! Following a programme to the end: the milestones its beneficiaries owe by a date, the
//! visits staff make, the counterpart money received, and the at-risk flag computed from
//! those facts (never typed), each with the reason shown.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ProgrammeStatus, positive_amount, required_date};
use crate::domain::{Code, Invalid, Num, long_text, optional_text, string_enum};

/// Days without any change, visit or payment after which an open programme is at risk.
pub const IDLE_DAYS: i64 = 30;

string_enum! {
    /// A step a programme is followed by.
    MilestoneKind {
        /// The quotations for what will be bought (*báo giá*).
        Quotation => "quotation",
        /// The purchase or the contract (*mua sắm, hợp đồng*).
        Purchase => "purchase",
        /// The machine installed and running (*lắp đặt, chạy thử*).
        Installation => "installation",
        /// The people trained to use it (*đào tạo, chuyển giao*).
        Training => "training",
        /// The beneficiary's own share paid in (*vốn đối ứng*); met once a contribution is
        /// recorded.
        Contribution => "contribution",
        /// Acceptance (*nghiệm thu*).
        Acceptance => "acceptance",
        Other => "other",
    }
}

/// A milestone as staff set it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct MilestoneInput {
    /// `quotation`, `purchase`, `installation`, `training`, `contribution`, `acceptance`,
    /// `other`.
    pub kind: Option<String>,
    /// In words; the kind's name when empty.
    pub title: Option<String>,
    /// `dd/mm/yyyy` or `yyyy-mm-dd`.
    pub due_on: Option<String>,
    /// The beneficiary who owes it; none: the programme as a whole.
    pub beneficiary_id: Option<i32>,
    /// The programme's version it was entered against (see `DisbursementInput::version`).
    pub version: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub beneficiary_id: Option<i32>,
}

impl MilestoneInput {
    pub fn parse(&self) -> Result<Milestone, Invalid> {
        let mut errors = Invalid::default();
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("kind", Code::ProgrammeMilestoneKindUnknown);
                None
            }
            Some(k) => MilestoneKind::parse(k).or_else(|| {
                errors.push("kind", Code::ProgrammeMilestoneKindUnknown);
                None
            }),
        };
        let title = errors
            .take(optional_text(self.title.as_deref(), "title", 200))
            .flatten()
            .unwrap_or_default();
        let due_on = required_date(&mut errors, self.due_on.as_deref(), "due_on");
        match (kind, due_on) {
            (Some(kind), Some(due_on)) if errors.0.is_empty() => Ok(Milestone {
                kind,
                title,
                due_on,
                beneficiary_id: self.beneficiary_id,
            }),
            _ => Err(errors),
        }
    }
}

/// A visit to a beneficiary, as staff write it down.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct VisitInput {
    pub visited_on: Option<String>,
    /// What was seen and agreed.
    pub notes: Option<String>,
    /// The beneficiary visited; none: the programme as a whole (a training session).
    pub beneficiary_id: Option<i32>,
    /// The programme's version it was entered against (see `DisbursementInput::version`).
    pub version: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub visited_on: NaiveDate,
    pub notes: String,
    pub beneficiary_id: Option<i32>,
}

impl VisitInput {
    pub fn parse(&self, today: NaiveDate) -> Result<Visit, Invalid> {
        let mut errors = Invalid::default();
        let visited_on = required_date(&mut errors, self.visited_on.as_deref(), "visited_on");
        if visited_on.is_some_and(|d| d > today) {
            errors.push("visited_on", Code::DateInFuture);
        }
        let notes = errors.take(long_text(self.notes.as_deref(), "notes", 5000));
        if notes.as_ref().is_some_and(|n| n.chars().count() < 5) {
            errors.push("notes", Code::TextTooShort);
        }
        match (visited_on, notes) {
            (Some(visited_on), Some(notes)) if errors.0.is_empty() => Ok(Visit {
                visited_on,
                notes,
                beneficiary_id: self.beneficiary_id,
            }),
            _ => Err(errors),
        }
    }
}

/// Counterpart money a beneficiary paid in, as staff record it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ContributionInput {
    pub beneficiary_id: Option<i32>,
    pub received_on: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub amount_vnd: Option<Num>,
    /// What it was (`Đối ứng mua máy, chuyển khoản`).
    pub note: Option<String>,
    /// The programme's version it was entered against (see `DisbursementInput::version`).
    pub version: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    pub beneficiary_id: i32,
    pub received_on: NaiveDate,
    pub amount_vnd: i64,
    pub note: String,
}

impl ContributionInput {
    pub fn parse(&self, today: NaiveDate) -> Result<Contribution, Invalid> {
        let mut errors = Invalid::default();
        if self.beneficiary_id.is_none() {
            errors.push("beneficiary_id", Code::ProgrammeBeneficiaryRequired);
        }
        let received_on = required_date(&mut errors, self.received_on.as_deref(), "received_on");
        if received_on.is_some_and(|d| d > today) {
            errors.push("received_on", Code::DateInFuture);
        }
        let amount = positive_amount(&mut errors, self.amount_vnd.as_ref(), "amount_vnd");
        let note = errors
            .take(optional_text(self.note.as_deref(), "note", 300))
            .flatten()
            .unwrap_or_default();
        match (self.beneficiary_id, received_on, amount) {
            (Some(beneficiary_id), Some(received_on), Some(amount_vnd)) if errors.0.is_empty() => {
                Ok(Contribution {
                    beneficiary_id,
                    received_on,
                    amount_vnd,
                    note,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A milestone as the risk check sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MilestoneFacts {
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub beneficiary_id: Option<i32>,
    pub done: bool,
}

/// Why a programme is at risk, each said with its fact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "risk", rename_all = "snake_case")]
pub enum Risk {
    /// A milestone is past its date and not done.
    MilestoneOverdue {
        title: String,
        due_on: NaiveDate,
        days: i64,
    },
    /// The counterpart money was due by a date and none is recorded.
    NoContribution { due_on: NaiveDate, days: i64 },
    /// Nothing has happened for a while.
    Idle { days: i64 },
    /// A beneficiary pulled out and no one has taken its place.
    BeneficiaryWithdrew { enterprise: String },
}

impl Risk {
    /// The message key for this reason.
    pub fn key(&self) -> &'static str {
        match self {
            Risk::MilestoneOverdue { .. } => "programme.risk.milestone_overdue",
            Risk::NoContribution { .. } => "programme.risk.no_contribution",
            Risk::Idle { .. } => "programme.risk.idle",
            Risk::BeneficiaryWithdrew { .. } => "programme.risk.beneficiary_withdrew",
        }
    }
}

/// What the at-risk check is given about a programme.
#[derive(Clone, Debug)]
pub struct RiskFacts<'a> {
    pub status: ProgrammeStatus,
    pub today: NaiveDate,
    /// The day of the last change, visit or payment.
    pub last_activity: NaiveDate,
    pub milestones: &'a [MilestoneFacts],
    /// Beneficiaries some counterpart money was recorded for.
    pub contributed: &'a [i32],
    /// Beneficiaries still taking part (a withdrawn or replaced one owes nothing more).
    pub committed: &'a [i32],
    /// Enterprises that withdrew and were not replaced.
    pub withdrawn: &'a [String],
}

impl RiskFacts<'_> {
    /// Every reason the programme is at risk; empty when it is on track or closed.
    pub fn risks(&self) -> Vec<Risk> {
        if self.status.is_final() {
            return Vec::new();
        }
        let mut risks = Vec::new();
        for m in self.milestones {
            let days = (self.today - m.due_on).num_days();
            let owed = m.beneficiary_id.is_none_or(|b| self.committed.contains(&b));
            if days <= 0 || m.done || !owed {
                continue;
            }
            if m.kind == MilestoneKind::Contribution {
                let paid = match m.beneficiary_id {
                    Some(b) => self.contributed.contains(&b),
                    None => !self.contributed.is_empty(),
                };
                if !paid {
                    risks.push(Risk::NoContribution {
                        due_on: m.due_on,
                        days,
                    });
                }
            } else {
                risks.push(Risk::MilestoneOverdue {
                    title: m.title.clone(),
                    due_on: m.due_on,
                    days,
                });
            }
        }
        // Silence counts once money is committed: a proposal waits on others' decisions.
        let idle = (self.today - self.last_activity).num_days();
        if idle >= IDLE_DAYS && self.status.is_approved() {
            risks.push(Risk::Idle { days: idle });
        }
        for enterprise in self.withdrawn {
            risks.push(Risk::BeneficiaryWithdrew {
                enterprise: enterprise.clone(),
            });
        }
        risks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32, month: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).expect("a date")
    }

    fn milestone(kind: MilestoneKind, due_on: NaiveDate, done: bool) -> MilestoneFacts {
        MilestoneFacts {
            kind,
            title: "Lắp đặt máy sấy".into(),
            due_on,
            beneficiary_id: Some(7),
            done,
        }
    }

    fn facts<'a>(
        milestones: &'a [MilestoneFacts],
        contributed: &'a [i32],
        withdrawn: &'a [String],
    ) -> RiskFacts<'a> {
        RiskFacts {
            status: ProgrammeStatus::InProgress,
            today: d(1, 10),
            last_activity: d(25, 9),
            milestones,
            contributed,
            committed: &[7, 8],
            withdrawn,
        }
    }

    #[test]
    fn a_programme_on_track_is_not_at_risk() {
        let ms = [
            milestone(MilestoneKind::Installation, d(15, 9), true),
            milestone(MilestoneKind::Training, d(20, 10), false),
            milestone(MilestoneKind::Contribution, d(1, 9), false),
        ];
        assert_eq!(facts(&ms, &[7], &[]).risks(), []);
    }

    #[test]
    fn an_overdue_milestone_missing_money_silence_and_a_withdrawal_each_say_why() {
        let ms = [
            milestone(MilestoneKind::Installation, d(15, 9), false),
            milestone(MilestoneKind::Contribution, d(1, 9), false),
        ];
        let withdrawn = ["HTX Nấm hương Bằng Vân".to_string()];
        let mut f = facts(&ms, &[], &withdrawn);
        f.last_activity = d(1, 8);
        assert_eq!(
            f.risks(),
            [
                Risk::MilestoneOverdue {
                    title: "Lắp đặt máy sấy".into(),
                    due_on: d(15, 9),
                    days: 16
                },
                Risk::NoContribution {
                    due_on: d(1, 9),
                    days: 30
                },
                Risk::Idle { days: 61 },
                Risk::BeneficiaryWithdrew {
                    enterprise: "HTX Nấm hương Bằng Vân".into()
                },
            ]
        );
        // Money from another beneficiary does not pay this one's share.
        assert!(
            facts(&ms, &[8], &[])
                .risks()
                .iter()
                .any(|r| matches!(r, Risk::NoContribution { .. }))
        );
    }

    #[test]
    fn a_withdrawn_beneficiarys_milestones_are_owed_no_more_and_a_proposal_is_not_idle() {
        let ms = [milestone(MilestoneKind::Installation, d(15, 9), false)];
        let f = RiskFacts {
            committed: &[8],
            ..facts(&ms, &[], &[])
        };
        assert_eq!(f.risks(), []);
        let waiting = RiskFacts {
            status: ProgrammeStatus::Proposed,
            last_activity: d(1, 6),
            ..facts(&[], &[], &[])
        };
        assert_eq!(waiting.risks(), []);
    }

    #[test]
    fn a_closed_programme_is_never_at_risk() {
        let ms = [milestone(MilestoneKind::Installation, d(15, 9), false)];
        for status in [
            ProgrammeStatus::Settled,
            ProgrammeStatus::Cancelled,
            ProgrammeStatus::Deferred,
        ] {
            let f = RiskFacts {
                status,
                ..facts(&ms, &[], &[])
            };
            assert_eq!(f.risks(), []);
        }
    }

    #[test]
    fn a_visit_needs_its_date_not_ahead_and_some_words() {
        let today = d(1, 10);
        let err = VisitInput::default().parse(today).unwrap_err();
        assert!(err.has("visited_on"), "{err:?}");
        let ahead = VisitInput {
            visited_on: Some("02/10/2026".into()),
            notes: Some("Máy chạy ổn định".into()),
            ..Default::default()
        };
        assert_eq!(
            ahead.parse(today).unwrap_err().0[0].code,
            Code::DateInFuture
        );
        let ok = VisitInput {
            visited_on: Some("30/09/2026".into()),
            ..ahead
        };
        assert_eq!(ok.parse(today).unwrap().visited_on, d(30, 9));
    }
}
