//! A proposal printed for the centre's file: staff only, through the context's printer.

use crate::context::AppState;
use crate::error::{AppError, AppResult};
use crate::services::Actor;

/// Leave to print a programme's proposal as a PDF, given to staff when there is a printer.
pub struct ProposalPrint<'a> {
    state: &'a AppState,
}

/// Checks that `actor` may print proposals (staff) and that there is a printer.
pub fn start_proposal_print<'a>(
    state: &'a AppState,
    actor: &Actor,
) -> AppResult<ProposalPrint<'a>> {
    actor.require_staff()?;
    if state.printer.is_none() {
        return Err(AppError::PrintUnavailable);
    }
    Ok(ProposalPrint { state })
}

impl ProposalPrint<'_> {
    /// Prints the page (self-contained: its fonts beside it) to PDF bytes.
    pub async fn pdf(self, html: &str, files: &[(String, Vec<u8>)]) -> AppResult<Vec<u8>> {
        crate::services::printing::pdf(self.state, html, files).await
    }
}
