//! Whether a stored record still answers the question the page asks (C-14).

use crate::config::WidgetConfig;
use crate::record::{ConsentRecord, Method};

pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// A record dated this far in the future, or farther, is void: clocks of one device drift and get
/// corrected, but not by this much, so this clock did not write it. The gate (`gate.js`) uses the
/// same number and the same strict comparison.
pub const CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A choice for this revision, younger than the expiry.
    Valid,
    /// No record.
    Missing,
    /// Older than `expiry_days`; refusals expire too.
    Expired,
    /// Made for another revision of the texts or the inventory: ask again.
    OtherRevision,
    /// Dated [`CLOCK_SKEW_MS`] or more after now.
    FromFuture,
    /// Unreadable, or does not fit this revision's categories.
    Corrupt,
}

/// The status of `record` for `config` at `now_ms` (milliseconds since the epoch, UTC).
pub fn status(record: Option<&ConsentRecord>, config: &WidgetConfig, now_ms: u64) -> Status {
    let Some(record) = record else {
        return Status::Missing;
    };
    if record.rev != config.revision {
        return Status::OtherRevision;
    }
    // Same revision, so the record must name exactly the optional categories of this one.
    let fits = record.choices.keys().all(|c| config.is_optional(c))
        && config
            .optional_categories()
            .all(|c| record.choices.contains_key(c));
    // A browser signal is only ever a refusal (C-18); a "gpc" record granting something was not
    // written by the widget.
    let honest = record.method != Method::Gpc || record.choices.values().all(|granted| !granted);
    if !fits || !honest {
        return Status::Corrupt;
    }
    if record.ts >= now_ms.saturating_add(CLOCK_SKEW_MS) {
        return Status::FromFuture;
    }
    let age = now_ms.saturating_sub(record.ts);
    if age >= u64::from(config.expiry_days) * DAY_MS {
        return Status::Expired;
    }
    Status::Valid
}

/// What the page has in storage, judged: the status, and the record when it is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub status: Status,
    pub record: Option<ConsentRecord>,
}

/// Decodes `stored` (the raw storage value, if any) and judges it. Any decoding error is
/// [`Status::Corrupt`].
pub fn assess(stored: Option<&str>, config: &WidgetConfig, now_ms: u64) -> Assessment {
    let record = match stored.map(ConsentRecord::decode) {
        None => None,
        Some(Ok(record)) => Some(record),
        Some(Err(_)) => {
            return Assessment {
                status: Status::Corrupt,
                record: None,
            }
        }
    };
    let status = status(record.as_ref(), config, now_ms);
    Assessment {
        status,
        record: record.filter(|_| status == Status::Valid),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::config::tests::hesbynett;
    use proptest::prelude::*;

    const NOW: u64 = 1_750_000_000_000;

    fn record(ts: u64, method: Method, analytics: bool) -> ConsentRecord {
        let config = hesbynett();
        ConsentRecord::new(&config, method, "id".into(), ts, |_| analytics)
    }

    #[test]
    fn missing_and_fresh() {
        let config = hesbynett();
        assert_eq!(status(None, &config, NOW), Status::Missing);
        assert_eq!(
            status(Some(&record(NOW, Method::AcceptAll, true)), &config, NOW),
            Status::Valid
        );
    }

    #[test]
    fn expiry_boundary_is_exact_for_consent_and_refusal() {
        let config = hesbynett();
        let limit = 180 * DAY_MS;
        for (method, granted) in [
            (Method::AcceptAll, true),
            (Method::RejectAll, false),
            (Method::Gpc, false),
        ] {
            let r = record(NOW, method, granted);
            assert_eq!(
                status(Some(&r), &config, NOW + limit - 1),
                Status::Valid,
                "{method:?}"
            );
            assert_eq!(
                status(Some(&r), &config, NOW + limit),
                Status::Expired,
                "{method:?}"
            );
            assert_eq!(
                status(Some(&r), &config, u64::MAX),
                Status::Expired,
                "{method:?}"
            );
        }
    }

    #[test]
    fn future_dates_within_the_skew_count_and_beyond_it_are_void() {
        let config = hesbynett();
        let r = record(NOW + CLOCK_SKEW_MS, Method::AcceptAll, true);
        assert_eq!(status(Some(&r), &config, NOW + 1), Status::Valid);
        assert_eq!(status(Some(&r), &config, NOW), Status::FromFuture);
        assert_eq!(status(Some(&r), &config, 0), Status::FromFuture);
    }

    #[test]
    fn a_revision_change_asks_again() {
        let mut config = hesbynett();
        let r = record(NOW, Method::AcceptAll, true);
        config.revision = "rev-2025-02".into();
        assert_eq!(status(Some(&r), &config, NOW), Status::OtherRevision);
    }

    #[test]
    fn records_that_do_not_fit_the_revision_are_corrupt() {
        let config = hesbynett();
        let mut unknown = record(NOW, Method::Custom, true);
        unknown.choices.insert("marketing".into(), false);
        assert_eq!(status(Some(&unknown), &config, NOW), Status::Corrupt);
        let mut required = record(NOW, Method::Custom, true);
        required.choices.insert("necessary".into(), true);
        assert_eq!(status(Some(&required), &config, NOW), Status::Corrupt);
        let mut missing = record(NOW, Method::Custom, true);
        missing.choices.clear();
        assert_eq!(status(Some(&missing), &config, NOW), Status::Corrupt);
        let mut granting_gpc = record(NOW, Method::Gpc, false);
        granting_gpc.choices.insert("analytics".into(), true);
        assert_eq!(status(Some(&granting_gpc), &config, NOW), Status::Corrupt);
    }

    #[test]
    fn assess_keeps_the_record_only_when_valid() {
        let config = hesbynett();
        let text = record(NOW, Method::AcceptAll, true).encode();
        let fresh = assess(Some(&text), &config, NOW);
        assert_eq!(fresh.status, Status::Valid);
        assert!(fresh.record.is_some());
        let old = assess(Some(&text), &config, NOW + 200 * DAY_MS);
        assert_eq!((old.status, old.record), (Status::Expired, None));
        assert_eq!(assess(Some("{oops"), &config, NOW).status, Status::Corrupt);
        assert_eq!(
            assess(Some("{\"_ga\":1}"), &config, NOW).status,
            Status::Corrupt
        );
        assert_eq!(assess(None, &config, NOW).status, Status::Missing);
    }

    proptest! {
        #[test]
        fn valid_exactly_inside_the_window(ts in 0..=crate::record::MAX_TIMESTAMP_MS, now in any::<u64>()) {
            let config = hesbynett();
            let r = record(ts, Method::RejectAll, false);
            let expected = if ts >= now.saturating_add(CLOCK_SKEW_MS) {
                Status::FromFuture
            } else if now.saturating_sub(ts) >= 180 * DAY_MS {
                Status::Expired
            } else {
                Status::Valid
            };
            prop_assert_eq!(status(Some(&r), &config, now), expected);
        }

        #[test]
        fn any_stored_text_is_judged_without_panic(text in any::<String>(), now in any::<u64>()) {
            let a = assess(Some(&text), &hesbynett(), now);
            prop_assert!(a.record.is_none() || a.status == Status::Valid);
        }
    }
}
