//! The time as use cases see it. In service it is the system's clock; a test (or a demo
//! that wants a fair to be under way) may move it forward, and every use case, job and
//! check that asks the context's clock sees the same moment.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, SubsecRound, Utc};

/// The system's clock plus an offset that only ever grows. Clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Microseconds added to the system time.
    ahead_us: Arc<AtomicI64>,
}

impl Clock {
    /// The system's clock.
    #[must_use]
    pub fn system() -> Self {
        Clock::default()
    }

    /// Now, to the microsecond (what the databases keep, so a value read back compares
    /// equal to the one written).
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        let ahead = chrono::Duration::microseconds(self.ahead_us.load(Ordering::Relaxed));
        (Utc::now() + ahead).trunc_subsecs(6)
    }

    /// Today's date in Vietnam (UTC+7), where the centre works.
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&vietnam()).date_naive()
    }

    /// Moves the clock forward by `by` (a negative duration is ignored: time does not go
    /// back for records already written).
    pub fn advance(&self, by: chrono::Duration) {
        if let Some(us) = by.num_microseconds().filter(|us| *us > 0) {
            self.ahead_us.fetch_add(us, Ordering::Relaxed);
        }
    }
}

/// Vietnam's offset from UTC.
#[must_use]
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_clock_is_ahead_for_every_clone_and_never_goes_back() {
        let clock = Clock::system();
        let shared = clock.clone();
        let before = clock.now();
        clock.advance(chrono::Duration::days(2));
        assert!(shared.now() - before >= chrono::Duration::days(2));
        let ahead = shared.now();
        clock.advance(chrono::Duration::days(-5));
        assert!(clock.now() >= ahead);
    }

    #[test]
    fn today_is_vietnams_date() {
        let clock = Clock::system();
        assert_eq!(
            clock.today(),
            clock.now().with_timezone(&vietnam()).date_naive()
        );
    }
}
