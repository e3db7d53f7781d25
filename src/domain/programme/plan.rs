//! The year's plan (*kế hoạch khuyến công năm*): what each fund gives the year, the limits
//! set for each kind of programme, and the money planned, approved and paid out against
//! each fund.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FundingSource, MAX_PROGRAMME_VND, PlanEntry};
use crate::domain::{Code, Invalid, Num};

/// A year's funds as an administrator sets them, in whole đồng.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct BudgetInput {
    /// The national khuyến công fund.
    #[schema(value_type = Option<i64>)]
    pub national_vnd: Option<Num>,
    /// The province's fund.
    #[schema(value_type = Option<i64>)]
    pub provincial_vnd: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub other_vnd: Option<Num>,
}

/// A year's funds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Budget {
    pub national_vnd: i64,
    pub provincial_vnd: i64,
    pub other_vnd: i64,
}

impl Budget {
    pub fn of(self, source: FundingSource) -> i64 {
        match source {
            FundingSource::National => self.national_vnd,
            FundingSource::Provincial => self.provincial_vnd,
            FundingSource::Other => self.other_vnd,
        }
    }

    pub fn total(self) -> i64 {
        self.national_vnd + self.provincial_vnd + self.other_vnd
    }
}

impl BudgetInput {
    pub fn parse(&self) -> Result<Budget, Invalid> {
        let mut errors = Invalid::default();
        let mut amount = |v: Option<&Num>, field: &'static str| {
            errors
                .take(Num::parse(v, field, 0, MAX_PROGRAMME_VND))
                .flatten()
                .unwrap_or_default()
        };
        let national_vnd = amount(self.national_vnd.as_ref(), "national_vnd");
        let provincial_vnd = amount(self.provincial_vnd.as_ref(), "provincial_vnd");
        let other_vnd = amount(self.other_vnd.as_ref(), "other_vnd");
        errors.into_result(|| Budget {
            national_vnd,
            provincial_vnd,
            other_vnd,
        })
    }
}

/// The limits an administrator sets for one kind of programme in one year.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct LimitInput {
    /// The largest budget one programme of the kind may ask for; empty: no limit.
    #[schema(value_type = Option<i64>)]
    pub max_budget_vnd: Option<Num>,
    /// The share of the whole cost the beneficiaries put in themselves, in percent.
    #[schema(value_type = Option<i64>)]
    pub counterpart_percent: Option<Num>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Limit {
    pub max_budget_vnd: Option<i64>,
    pub counterpart_percent: u8,
}

impl LimitInput {
    pub fn parse(&self) -> Result<Limit, Invalid> {
        let mut errors = Invalid::default();
        let max_budget_vnd = errors
            .take(Num::parse(
                self.max_budget_vnd.as_ref(),
                "max_budget_vnd",
                1,
                MAX_PROGRAMME_VND,
            ))
            .flatten();
        let percent = match Num::parse(
            self.counterpart_percent.as_ref(),
            "counterpart_percent",
            0,
            100,
        ) {
            Ok(Some(p)) => u8::try_from(p).ok(),
            Ok(None) => {
                errors.push("counterpart_percent", Code::ProgrammePercentRequired);
                None
            }
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        match percent {
            Some(counterpart_percent) if errors.0.is_empty() => Ok(Limit {
                max_budget_vnd,
                counterpart_percent,
            }),
            _ => Err(errors),
        }
    }
}

/// One fund against what the year's programmes take from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SourceFigures {
    pub source: FundingSource,
    /// What the fund gives the year.
    pub budget_vnd: i64,
    /// What the programmes still in the plan (not cancelled or deferred) stand for.
    pub planned_vnd: i64,
    /// Approved so far (settled amounts where settled).
    pub approved_vnd: i64,
    pub disbursed_vnd: i64,
    /// The budget not yet taken by a programme still in the plan; negative when the plan
    /// asks for more than the fund gives.
    pub unallocated_vnd: i64,
}

/// Each fund against the programmes that draw on it.
pub fn by_source(entries: &[PlanEntry], budget: Budget) -> Vec<SourceFigures> {
    FundingSource::ALL
        .iter()
        .map(|&source| {
            let mine = entries.iter().filter(|e| e.funding_source == source);
            let live: Vec<&PlanEntry> = mine
                .clone()
                .filter(|e| {
                    !matches!(
                        e.status,
                        super::ProgrammeStatus::Cancelled | super::ProgrammeStatus::Deferred
                    )
                })
                .collect();
            let planned_vnd: i64 = live.iter().map(|e| e.value_vnd()).sum();
            SourceFigures {
                source,
                budget_vnd: budget.of(source),
                planned_vnd,
                approved_vnd: live
                    .iter()
                    .filter(|e| e.status.is_approved())
                    .map(|e| e.value_vnd())
                    .sum(),
                disbursed_vnd: mine.map(|e| e.disbursed_vnd).sum(),
                unallocated_vnd: budget.of(source) - planned_vnd,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::ProgrammeStatus;
    use super::*;

    #[test]
    fn each_fund_counts_only_its_own_programmes_and_a_cancelled_one_frees_its_money() {
        let entry = |source, status, proposed, approved: Option<i64>, disbursed| PlanEntry {
            status,
            funding_source: source,
            proposed_vnd: proposed,
            approved_vnd: approved,
            final_vnd: None,
            disbursed_vnd: disbursed,
            at_risk: false,
        };
        let entries = [
            entry(
                FundingSource::Provincial,
                ProgrammeStatus::InProgress,
                200,
                Some(180),
                100,
            ),
            entry(
                FundingSource::Provincial,
                ProgrammeStatus::Cancelled,
                300,
                None,
                0,
            ),
            entry(
                FundingSource::National,
                ProgrammeStatus::Proposed,
                400,
                None,
                0,
            ),
        ];
        let budget = Budget {
            national_vnd: 350,
            provincial_vnd: 1000,
            other_vnd: 0,
        };
        let figures = by_source(&entries, budget);
        let provincial = figures
            .iter()
            .find(|f| f.source == FundingSource::Provincial)
            .unwrap();
        assert_eq!(
            (
                provincial.planned_vnd,
                provincial.approved_vnd,
                provincial.disbursed_vnd,
                provincial.unallocated_vnd
            ),
            (180, 180, 100, 820)
        );
        let national = figures
            .iter()
            .find(|f| f.source == FundingSource::National)
            .unwrap();
        assert_eq!(national.unallocated_vnd, -50, "over the fund shows as such");
    }

    #[test]
    fn a_limit_needs_its_percent_within_a_hundred() {
        assert_eq!(
            LimitInput::default().parse().unwrap_err().0[0].code,
            Code::ProgrammePercentRequired
        );
        let over = LimitInput {
            counterpart_percent: Some(Num::Int(101)),
            ..Default::default()
        };
        assert!(over.parse().is_err());
        let ok = LimitInput {
            max_budget_vnd: Some(Num::Text("300.000.000".into())),
            counterpart_percent: Some(Num::Int(40)),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.max_budget_vnd, Some(300_000_000));
    }
}
