//! Which page of a list: checked bounds, so an offset always fits the database's integers.

use super::{Code, Invalid};

/// A page of a list, 1-based, with a page size inside the list's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
}

impl Paging {
    /// No list is read this deep; beyond it a query string is a mistake or a probe.
    pub const MAX_PAGE: u64 = 10_000;

    /// `page` defaults to 1 and `per_page` to `default`; either out of bounds is an error
    /// (`page.out_of_range`, `per_page.out_of_range`), never silently changed.
    pub fn parse(
        page: Option<u64>,
        per_page: Option<u64>,
        default: u64,
        max_per_page: u64,
    ) -> Result<Self, Invalid> {
        Self::parse_within(page, per_page, default, max_per_page, Self::MAX_PAGE)
    }

    /// [`Paging::parse`] for a list that cannot be read past page `max_page` (a search
    /// engine counts only so many hits).
    pub fn parse_within(
        page: Option<u64>,
        per_page: Option<u64>,
        default: u64,
        max_per_page: u64,
        max_page: u64,
    ) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let page = page.unwrap_or(1);
        if !(1..=max_page.min(Self::MAX_PAGE)).contains(&page) {
            errors.push("page", Code::PageOutOfRange);
        }
        let per_page = per_page.unwrap_or(default);
        if !(1..=max_per_page).contains(&per_page) {
            errors.push("per_page", Code::PerPageOutOfRange);
        }
        errors.into_result(|| Paging { page, per_page })
    }

    /// Rows to skip: at most `MAX_PAGE × max_per_page`, far inside `i64`.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }

    /// Pages needed for `total` rows.
    pub fn pages(&self, total: u64) -> u64 {
        total.div_ceil(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::{Code, Paging};

    #[test]
    fn pages_are_bounded_and_explained() {
        let p = Paging::parse(None, None, 24, 100).expect("defaults");
        assert_eq!((p.page, p.per_page, p.offset()), (1, 24, 0));
        assert_eq!(
            Paging::parse(Some(3), Some(10), 24, 100).map(|p| p.offset()),
            Ok(20)
        );
        let codes = |r: Result<Paging, super::Invalid>| {
            r.err()
                .map(|e| e.0.iter().map(|f| f.code).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(
            codes(Paging::parse(
                Some(9_223_372_036_854_775_807),
                None,
                24,
                100
            )),
            [Code::PageOutOfRange]
        );
        assert_eq!(
            codes(Paging::parse(Some(0), Some(0), 24, 100)),
            [Code::PageOutOfRange, Code::PerPageOutOfRange]
        );
        assert_eq!(
            codes(Paging::parse(None, Some(101), 24, 100)),
            [Code::PerPageOutOfRange]
        );
    }
}
