//! Centre staff: the review queue, reviewing one listing or profile, acting for a producer,
//! the audit trail, search upkeep, and helping someone back into their account. One module
//! per template in `staff/` (the desk's are in `requests`).

pub mod accounts;
pub mod audit;
pub mod enterprise_review;
pub mod expiring;
pub mod imports;
pub mod producers;
pub mod queue;
pub mod reports;
pub mod review;
pub mod search;

use serde::Deserialize;

use crate::domain::Code;
use crate::error::AppError;
use crate::http::pages::forms::FormValues;
use crate::http::pages::{PageCtx, PageError, see_other};
use crate::services::catalogue::Decision;

/// One line of the comparison between what buyers see and what the producer proposes.
struct Change {
    key: &'static str,
    label: &'static str,
    before: String,
    after: String,
}

/// The fields (of `keys`) whose values differ between what buyers see and the proposal.
fn compare(
    ctx: &PageCtx,
    live: &impl serde::Serialize,
    proposed: &impl serde::Serialize,
    keys: &[&'static str],
) -> Vec<Change> {
    let before = FormValues::from_input(live);
    let after = FormValues::from_input(proposed);
    keys.iter()
        .filter_map(|k| {
            let b = before.all(k).join(", ");
            let a = after.all(k).join(", ");
            (a != b).then(|| Change {
                key: k,
                label: ctx.t(&format!("field.{k}")),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// A refused decision, as its review page shows it again: a notice when the listing changed
/// since staff read it (they see the new version), else the form's errors. Other refusals
/// are an error page.
fn refusal_shown(
    ctx: &PageCtx,
    err: AppError,
) -> Result<(Option<&'static str>, crate::http::pages::Errors), PageError> {
    if let AppError::Conflict {
        code: code @ (Code::ProductChanged | Code::EnterpriseChanged),
        ..
    } = err
    {
        return Ok((
            Some(ctx.message(code)),
            crate::http::pages::Errors::default(),
        ));
    }
    match crate::http::pages::Errors::from_app(ctx.lang, &err) {
        Some(errors) => Ok((None, errors)),
        None => Err(err.into()),
    }
}

/// What staff send with a decision: the version they saw and, to reject, why.
#[derive(Deserialize)]
pub struct ReviewForm {
    version: Option<i32>,
    reason: Option<String>,
}

/// The review pages' earlier form, one target for both buttons (`decision`).
#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    version: Option<i32>,
    reason: Option<String>,
}

impl DecisionForm {
    fn split(self) -> Result<(Decision, ReviewForm), PageError> {
        let decision = match self.decision.as_str() {
            "approve" => Decision::Approve,
            "reject" => Decision::Reject,
            _ => return Err(AppError::BadRequest(Code::RequestMalformed).into()),
        };
        let form = ReviewForm {
            version: self.version,
            reason: self.reason,
        };
        Ok((decision, form))
    }
}

/// Back to the queue, saying what was decided.
fn decided(decision: Decision) -> axum::response::Response {
    see_other(match decision {
        Decision::Approve => "/staff/review?done=approved",
        Decision::Reject => "/staff/review?done=rejected",
    })
}
