//! Proof of consent: the receipt the widget sends to the site's receipts service for every
//! decision, and the receipts it keeps for one more try when a send fails.
//!
//! The wire format is `POST /v1/receipts` of `samtykke-receipts` (see that crate's
//! documentation); the limits and the character rule below are the ones the service enforces,
//! defined here once so that the generator, the widget and the service cannot disagree.

use crate::record::{ConsentRecord, Method};

/// Largest body the service accepts; a real receipt is about 250 bytes.
pub const MAX_BODY: usize = 4096;
pub const MIN_ID: usize = 8;
pub const MAX_ID: usize = 64;
pub const MAX_REVISION: usize = 128;
pub const MAX_POLICY_VERSION: usize = 64;
pub const MAX_CATEGORY: usize = 64;
/// At most this many optional categories in a receipt.
pub const MAX_CATEGORIES: usize = 32;
pub const MAX_LANGUAGE: usize = 35;
/// Undelivered receipts kept for the next page view; older ones beyond it are dropped.
pub const MAX_PENDING: usize = 8;

/// Letters, digits, `-`, `_`, `.`; 1 to `max` bytes. Every identifier in a receipt is one, so
/// nothing a visitor sends can carry markup, quotes or spaces into an export.
pub fn is_token(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A language tag as a receipt carries it: 1–35 letters, digits and `-`.
pub fn is_language(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_LANGUAGE
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The receipt's method: the record's, except that refusing everything after having granted
/// something is a `withdrawal` (GDPR Art. 7(3)), whichever button did it. GPC stays `gpc`: the
/// browser answered, not the visitor.
pub fn method(record: &ConsentRecord, granted_before: bool) -> &'static str {
    if granted_before && record.method != Method::Gpc && !record.choices.values().any(|g| g) {
        "withdrawal"
    } else {
        record.method.as_str()
    }
}

/// The `POST /v1/receipts` body for `record`: its fields, the receipt's `method`, the policy
/// version the visitor was shown and the page's language (`und` when the page's is not a tag).
pub fn body(record: &ConsentRecord, method: &str, policy_version: &str, lang: &str) -> String {
    let mut out = String::new();
    record.write_fields(&mut out, method);
    out.push_str(",\"policy_version\":");
    crate::json::write_str(&mut out, policy_version);
    out.push_str(",\"lang\":");
    crate::json::write_str(&mut out, if is_language(lang) { lang } else { "und" });
    out.push('}');
    out
}

/// The localStorage key of the receipts waiting for the next page view: the record's key with
/// `.receipts` after it, so an inventory that declares the one can declare the other beside it.
pub fn pending_key(storage_key: &str) -> String {
    let mut key = String::from(storage_key);
    key.push_str(".receipts");
    key
}

/// Whether a storage key is the widget's own (the record or its pending receipts); the purge of
/// refused storage never touches these.
pub fn is_own_key(key: &str, storage_key: &str) -> bool {
    key.as_bytes()
        .strip_prefix(storage_key.as_bytes())
        .is_some_and(|rest| rest.is_empty() || rest == b".receipts")
}

/// What the page reports after a send, `"<status> <body>"` with status 0 when no answer came:
/// the body to keep for the retry, or `None` when it was stored (2xx) or refused for good (any
/// other 4xx: sending the same bytes again cannot change the answer).
pub fn to_keep(report: &str) -> Option<&str> {
    let (status, body) = crate::text::split_once(report, b' ')?;
    let retry = matches!(status.as_bytes(), b"0" | b"408" | b"429" | [b'5', _, _]);
    retry.then_some(body)
}

/// `pending` with `body` added last, keeping the newest [`MAX_PENDING`]; one receipt a line
/// (the JSON writer escapes every control character, so a body holds no line break).
pub fn queue(pending: Option<&str>, body: &str) -> String {
    let pending = pending.unwrap_or("");
    let drop = (bodies(pending).count() + 1).saturating_sub(MAX_PENDING);
    let mut out = String::new();
    for line in bodies(pending).skip(drop) {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(body);
    out
}

/// The receipts in a pending value, oldest first: at most [`MAX_PENDING`] lines that look like
/// a receipt (a JSON object within [`MAX_BODY`]). Storage can hold anything; nothing else is
/// sent.
pub fn bodies(pending: &str) -> impl Iterator<Item = &str> {
    crate::text::split(pending, b'\n')
        .filter(|b| {
            let b = b.as_bytes();
            b.len() <= MAX_BODY && b.first() == Some(&b'{') && b.last() == Some(&b'}')
        })
        .take(MAX_PENDING)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::config::tests::hesbynett;
    use crate::record::tests::any_record;
    use proptest::prelude::*;

    fn record(method: Method, analytics: bool) -> ConsentRecord {
        let mut config = hesbynett();
        config.categories.push(crate::config::CategoryRule {
            id: "marketing".into(),
            required: false,
            sources: vec![],
            frames: vec![],
        });
        ConsentRecord::new(
            &config,
            method,
            "0123456789abcdef0123456789abcdef".into(),
            1_764_583_200_000,
            |c| analytics && c == "analytics",
        )
    }

    #[test]
    fn the_body_is_the_documented_contract() {
        let r = record(Method::Custom, true);
        assert_eq!(
            body(&r, method(&r, false), "1.0", "nb"),
            r#"{"v":1,"rev":"rev-2025-01","id":"0123456789abcdef0123456789abcdef","ts":1764583200000,"choices":{"analytics":true,"marketing":false},"method":"custom","policy_version":"1.0","lang":"nb"}"#
        );
        // A page without a usable language tag still sends a receipt the service accepts.
        assert!(body(&r, "custom", "1.0", "").ends_with(r#""lang":"und"}"#));
        assert!(body(&r, "custom", "1.0", "nb\"><x").ends_with(r#""lang":"und"}"#));
        assert!(body(&r, "custom", "1.0", "en-GB").ends_with(r#""lang":"en-GB"}"#));
    }

    #[test]
    fn refusing_everything_after_a_grant_is_a_withdrawal() {
        let cases = [
            (Method::AcceptAll, true, false, "accept-all"),
            (Method::AcceptAll, true, true, "accept-all"),
            (Method::RejectAll, false, false, "reject-all"),
            (Method::RejectAll, false, true, "withdrawal"),
            (Method::Custom, false, true, "withdrawal"),
            (Method::Custom, false, false, "custom"),
            (Method::Custom, true, true, "custom"),
            (Method::Gpc, false, true, "gpc"),
            (Method::Gpc, false, false, "gpc"),
        ];
        for (m, analytics, before, expected) in cases {
            let r = record(m, analytics);
            assert_eq!(method(&r, before), expected, "{m:?} {analytics} {before}");
        }
    }

    #[test]
    fn only_missing_busy_or_failing_answers_are_retried() {
        for status in ["0", "408", "429", "500", "502", "503"] {
            assert_eq!(to_keep(&format!("{status} {{}}")), Some("{}"), "{status}");
        }
        for status in [
            "200", "201", "400", "403", "409", "413", "415", "422", "5000", "x",
        ] {
            assert_eq!(to_keep(&format!("{status} {{}}")), None, "{status}");
        }
        assert_eq!(to_keep("503"), None, "no body, nothing to keep");
    }

    #[test]
    fn the_pending_key_is_the_widgets_own() {
        assert_eq!(pending_key("samtykke"), "samtykke.receipts");
        assert!(is_own_key("samtykke", "samtykke"));
        assert!(is_own_key("samtykke.receipts", "samtykke"));
        assert!(!is_own_key("samtykke.other", "samtykke"));
        assert!(!is_own_key("samtykk", "samtykke"));
        assert!(!is_own_key("_ga", "samtykke"));
    }

    #[test]
    fn the_queue_keeps_the_newest_in_order() {
        assert_eq!(queue(None, "{1}"), "{1}");
        assert_eq!(queue(Some("{1}"), "{2}"), "{1}\n{2}");
        let mut pending = String::new();
        for i in 0..20 {
            pending = queue(Some(&pending), &format!("{{{i}}}"));
        }
        let kept: Vec<&str> = bodies(&pending).collect();
        assert_eq!(kept.len(), MAX_PENDING);
        assert_eq!(kept.first(), Some(&"{12}"));
        assert_eq!(kept.last(), Some(&"{19}"));
        // Whatever else storage holds is not sent.
        let junk = format!("hello\n{}\n{{ok}}\n", "{".repeat(MAX_BODY + 1));
        assert_eq!(bodies(&junk).collect::<Vec<_>>(), ["{ok}"]);
    }

    proptest! {
        /// Every body the widget can build is one the service's schema accepts: the record's
        /// fields plus the two of the receipt, as JSON, on one line.
        #[test]
        fn bodies_are_json_objects_on_one_line(
            record in any_record(),
            before in any::<bool>(),
            lang in "\\PC{0,12}",
        ) {
            let text = body(&record, method(&record, before), "1.0", &lang);
            prop_assert!(!text.contains('\n'));
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let fields: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
            prop_assert_eq!(fields, ["choices", "id", "lang", "method", "policy_version", "rev", "ts", "v"]);
            prop_assert_eq!(value["id"].as_str(), Some(record.id.as_str()));
            prop_assert!(is_language(value["lang"].as_str().unwrap()));
            // Queued and read back, it is the same bytes.
            let pending = queue(Some(&queue(None, &text)), &text);
            prop_assert!(bodies(&pending).all(|b| b == text));
        }
    }
}
