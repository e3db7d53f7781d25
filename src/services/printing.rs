//! Printing through the context's printer, for the use cases that print (a fair's matter, a
//! programme's proposal) once they have checked who asks.

use crate::context::AppState;
use crate::error::{AppError, AppResult};

/// Renders a self-contained page (its files beside it) to PDF bytes.
pub(crate) async fn pdf(
    state: &AppState,
    html: &str,
    files: &[(String, Vec<u8>)],
) -> AppResult<Vec<u8>> {
    let printer = state.printer.as_ref().ok_or(AppError::PrintUnavailable)?;
    printer.pdf(html, files).await.map_err(|e| {
        tracing::error!(error = %e, "printing failed");
        AppError::PrintUnavailable
    })
}
