//! Facility surveys (*khảo sát cơ sở CNNT*): what staff write down at a producer's workshop
//! before a proposal — who they met, what it makes and how much, its equipment, and what it
//! needs — so a proposal starts from facts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ProgrammeKind, required_date};
use crate::domain::{Code, Invalid, long_text, optional_text, required_text, string_enum};

string_enum! {
    /// What a facility needs, as a survey records it.
    Need {
        /// Machinery or technology (*máy móc, công nghệ*).
        Machinery => "machinery",
        /// Packaging and labels (*bao bì, nhãn mác*).
        Packaging => "packaging",
        /// A registered trademark (*nhãn hiệu*).
        Trademark => "trademark",
        /// Buyers and markets (*thị trường*).
        Market => "market",
        /// Training (*đào tạo*).
        Training => "training",
    }
}

impl Need {
    /// The kind of programme that answers this need.
    pub fn programme_kind(self) -> ProgrammeKind {
        match self {
            Need::Machinery => ProgrammeKind::Machinery,
            Need::Packaging => ProgrammeKind::Packaging,
            Need::Trademark => ProgrammeKind::Trademark,
            Need::Market => ProgrammeKind::TradeFair,
            Need::Training => ProgrammeKind::Training,
        }
    }

    /// The need a kind of programme answers, if one.
    pub fn of_kind(kind: ProgrammeKind) -> Option<Need> {
        match kind {
            ProgrammeKind::Machinery | ProgrammeKind::DemonstrationModel => Some(Need::Machinery),
            ProgrammeKind::Packaging => Some(Need::Packaging),
            ProgrammeKind::Trademark => Some(Need::Trademark),
            ProgrammeKind::TradeFair => Some(Need::Market),
            ProgrammeKind::Training => Some(Need::Training),
            ProgrammeKind::Advisory | ProgrammeKind::Other => None,
        }
    }

    /// Needs as stored: comma-separated codes.
    pub fn join(needs: &[Need]) -> String {
        needs
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads stored needs, skipping what it does not know.
    pub fn split(stored: &str) -> Vec<Need> {
        stored.split(',').filter_map(Need::parse).collect()
    }
}

/// A survey as typed on the phone.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct SurveyInput {
    /// The enterprise visited, when it is in the catalogue.
    pub enterprise_id: Option<i32>,
    /// The facility's name, when it is not in the catalogue yet.
    pub facility_name: Option<String>,
    /// Where it is (statistical code), when it is not in the catalogue yet.
    pub commune_code: Option<i32>,
    pub visited_on: Option<String>,
    /// Who was met (`Ông Hoàng Văn Minh, chủ nhiệm HTX`).
    pub met: Option<String>,
    /// What it makes (`Miến dong sợi nhỏ, miến dong sợi to`).
    pub makes: Option<String>,
    /// How much (`3 tấn/tháng mùa vụ`).
    pub output: Option<String>,
    /// Its equipment (`Máy tráng bánh thủ công, phơi nắng`).
    pub equipment: Option<String>,
    /// `machinery`, `packaging`, `trademark`, `market`, `training`.
    pub needs: Option<Vec<String>>,
    /// Anything else seen or said.
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyFields {
    pub enterprise_id: Option<i32>,
    pub facility_name: Option<String>,
    pub commune_code: Option<i32>,
    pub visited_on: NaiveDate,
    pub met: String,
    pub makes: String,
    pub output: String,
    pub equipment: String,
    pub needs: Vec<Need>,
    pub notes: String,
}

impl SurveyInput {
    pub fn parse(&self, today: NaiveDate) -> Result<SurveyFields, Invalid> {
        let mut errors = Invalid::default();
        let facility_name = errors
            .take(optional_text(
                self.facility_name.as_deref(),
                "facility_name",
                200,
            ))
            .flatten();
        if self.enterprise_id.is_none() {
            if facility_name.is_none() {
                errors.push("facility_name", Code::SurveyFacilityRequired);
            }
            if self.commune_code.is_none() {
                errors.push("commune_code", Code::ProgrammeCommuneRequired);
            }
        }
        let visited_on = required_date(&mut errors, self.visited_on.as_deref(), "visited_on");
        if visited_on.is_some_and(|d| d > today) {
            errors.push("visited_on", Code::DateInFuture);
        }
        let met = errors.take(required_text(self.met.as_deref(), "met", 2, 200));
        let makes = errors.take(required_text(self.makes.as_deref(), "makes", 2, 500));
        let output = errors
            .take(optional_text(self.output.as_deref(), "output", 200))
            .flatten()
            .unwrap_or_default();
        let equipment = errors
            .take(long_text(self.equipment.as_deref(), "equipment", 2000))
            .unwrap_or_default();
        let mut needs = Vec::new();
        for n in self.needs.iter().flatten() {
            if n.trim().is_empty() {
                continue;
            }
            match Need::parse(n) {
                Some(need) if !needs.contains(&need) => needs.push(need),
                Some(_) => {}
                None => errors.push("needs", Code::SurveyNeedUnknown),
            }
        }
        needs.sort();
        let notes = errors
            .take(long_text(self.notes.as_deref(), "notes", 5000))
            .unwrap_or_default();
        match (visited_on, met, makes) {
            (Some(visited_on), Some(met), Some(makes)) if errors.0.is_empty() => Ok(SurveyFields {
                enterprise_id: self.enterprise_id,
                facility_name,
                commune_code: self.commune_code,
                visited_on,
                met,
                makes,
                output,
                equipment,
                needs,
                notes,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).expect("a date")
    }

    #[test]
    fn a_survey_names_its_facility_date_who_was_met_and_what_it_makes() {
        let err = SurveyInput::default().parse(today()).unwrap_err();
        for field in [
            "facility_name",
            "commune_code",
            "visited_on",
            "met",
            "makes",
        ] {
            assert!(err.has(field), "{field}: {err:?}");
        }
        let ok = SurveyInput {
            enterprise_id: Some(4),
            visited_on: Some("02/12/2026".into()),
            met: Some("Ông Hoàng Văn Minh".into()),
            makes: Some("Miến dong".into()),
            needs: Some(vec![
                "packaging".into(),
                "machinery".into(),
                "packaging".into(),
            ]),
            ..Default::default()
        }
        .parse(today())
        .unwrap();
        assert_eq!(ok.needs, [Need::Machinery, Need::Packaging]);
        assert_eq!(Need::split(&Need::join(&ok.needs)), ok.needs);
    }

    #[test]
    fn an_unknown_need_is_refused() {
        let err = SurveyInput {
            enterprise_id: Some(4),
            visited_on: Some("02/12/2026".into()),
            met: Some("Bà Lan".into()),
            makes: Some("Chè".into()),
            needs: Some(vec!["money".into()]),
            ..Default::default()
        }
        .parse(today())
        .unwrap_err();
        assert_eq!(err.0[0].code, Code::SurveyNeedUnknown);
    }

    #[test]
    fn every_need_has_a_kind_that_answers_it() {
        for need in Need::ALL {
            assert_eq!(Need::of_kind(need.programme_kind()), Some(*need));
        }
    }
}
