//! Printed matter for a fair as a PDF for the print shop: who may print, the photos that go
//! in it, and the printer that makes it.

use std::collections::HashMap;

use super::{FairView, capturable};
use crate::context::AppState;
use crate::domain::photo::PhotoView;
use crate::error::{AppError, AppResult};
use crate::services::Actor;

/// Leave to print one fair's matter, given to staff and to the fair's exhibitors only; the
/// files and the PDF are made through it, so nothing is fetched or printed for anyone else.
pub struct PrintJob<'a> {
    state: &'a AppState,
}

/// Checks that `actor` may print `fair`'s matter as a PDF (staff, or a member of one of its
/// exhibitors) and that there is a printer.
pub async fn start<'a>(
    state: &'a AppState,
    actor: &Actor,
    fair: &FairView,
) -> AppResult<PrintJob<'a>> {
    if actor.user().is_none() {
        return Err(AppError::Unauthenticated);
    }
    if capturable(&state.db, actor, fair).await?.is_empty() {
        return Err(AppError::Forbidden);
    }
    if state.printer.is_none() {
        return Err(AppError::PrintUnavailable);
    }
    Ok(PrintJob { state })
}

impl PrintJob<'_> {
    /// The cover photos to print (640 px JPEG), read from the object store and named by a
    /// relative path for the page (`img/12.jpg`); a photo the store cannot give is left out.
    pub async fn photo_files(
        &self,
        covers: &[&PhotoView],
    ) -> (HashMap<i32, String>, Vec<(String, Vec<u8>)>) {
        let mut names = HashMap::new();
        let mut files = Vec::new();
        for photo in covers.iter().copied() {
            let url = photo.jpeg(640);
            let key = url.trim_start_matches("/media/");
            match self.state.store.get(key).await {
                Ok(Some(bytes)) => {
                    let name = format!("img/{}.jpg", photo.id);
                    files.push((name.clone(), bytes.to_vec()));
                    names.insert(photo.id, name);
                }
                Ok(None) => tracing::warn!(key, "photo missing; left out of the print"),
                Err(e) => tracing::warn!(error = %e, key, "photo left out of the print"),
            }
        }
        (names, files)
    }

    /// Prints the page, with its files beside it, to PDF bytes.
    pub async fn pdf(self, html: &str, files: &[(String, Vec<u8>)]) -> AppResult<Vec<u8>> {
        crate::services::printing::pdf(self.state, html, files).await
    }
}
