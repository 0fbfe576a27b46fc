//! The receipt a widget sends, as it arrives on the wire, and its validation.
//!
//! Checking happens in two steps: [`Receipt::parse`] checks the shape alone (400 when it fails),
//! and [`Receipt::check_against`] checks it against the revision the site published (422).

use crate::revisions::Published;
use serde::{Deserialize, Serialize};

pub use crate::token::*;

/// How the decision was made. The first four are the consent record's methods; `withdrawal`
/// is the visitor taking back an earlier consent from the preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    AcceptAll,
    RejectAll,
    Custom,
    Withdrawal,
    Gpc,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::AcceptAll,
        Method::RejectAll,
        Method::Custom,
        Method::Withdrawal,
        Method::Gpc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::AcceptAll => "accept-all",
            Method::RejectAll => "reject-all",
            Method::Custom => "custom",
            Method::Withdrawal => "withdrawal",
            Method::Gpc => "gpc",
        }
    }

    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// `POST /v1/receipts` body. Field names follow the consent record's where they share meaning.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Schema version, 1.
    pub v: u32,
    /// The record's random id.
    pub id: String,
    /// The record's revision.
    pub rev: String,
    /// The policy version the visitor was shown.
    pub policy_version: String,
    /// The record's time on the visitor's clock, ms since 1970 UTC.
    pub ts: i64,
    /// Every optional category of the revision, granted or not. A JSON object; a repeated key is
    /// refused.
    pub choices: Choices,
    pub method: Method,
    /// The page's language, `<html lang>`.
    pub lang: String,
}

/// Category → granted, in the order sent; [`Choices::canonical`] is what is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choices(pub Vec<(String, bool)>);

impl<'de> Deserialize<'de> for Choices {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Choices;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of category → true/false")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Choices, A::Error> {
                let mut out: Vec<(String, bool)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, bool>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!(
                            "category {key:?} given twice"
                        )));
                    }
                    if out.len() == MAX_CATEGORIES {
                        return Err(serde::de::Error::custom("too many categories"));
                    }
                    out.push((key, value));
                }
                Ok(Choices(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

impl Choices {
    /// Sorted by category, as compact JSON: the same choices always give the same text.
    pub fn canonical(&self) -> String {
        let mut sorted = self.0.clone();
        sorted.sort();
        let map: serde_json::Map<String, serde_json::Value> = sorted
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::Bool(v)))
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

/// Why a receipt was refused; the text goes back to the client as `{"error": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: not the schema.
    Malformed(String),
    /// 422: well-formed, but not for anything the site published.
    Unpublished(String),
}

impl Receipt {
    /// Parses a body and checks everything that does not depend on the site.
    pub fn parse(body: &[u8], now_ms: i64) -> Result<Receipt, Refusal> {
        let r: Receipt =
            serde_json::from_slice(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let bad = |what: &str| Err(Refusal::Malformed(what.to_owned()));
        if r.v != 1 {
            return bad("v must be 1");
        }
        if r.id.len() < MIN_ID || !is_token(&r.id, MAX_ID) {
            return bad("id must be 8–64 letters, digits, '-', '_' or '.'");
        }
        if !is_token(&r.rev, MAX_REVISION) {
            return bad("rev must be 1–128 letters, digits, '-', '_' or '.'");
        }
        if !is_token(&r.policy_version, MAX_POLICY_VERSION) {
            return bad("policy_version must be 1–64 letters, digits, '-', '_' or '.'");
        }
        if !(0..=MAX_TS).contains(&r.ts) || r.ts > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
            return bad("ts must be ms since 1970, not more than a day ahead of the server");
        }
        if !r.choices.0.iter().all(|(k, _)| is_token(k, MAX_CATEGORY)) {
            return bad("choices: each category must be 1–64 letters, digits, '-', '_' or '.'");
        }
        let lang_ok = !r.lang.is_empty()
            && r.lang.len() <= MAX_LANGUAGE
            && r.lang
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !lang_ok {
            return bad("lang must be a language tag such as \"nb\" or \"en-GB\"");
        }
        let any = r.choices.0.iter().any(|(_, g)| *g);
        let all = r.choices.0.iter().all(|(_, g)| *g);
        match r.method {
            Method::AcceptAll if !all => return bad("accept-all must grant every category"),
            Method::RejectAll | Method::Withdrawal | Method::Gpc if any => {
                return bad("reject-all, withdrawal and gpc must refuse every category")
            }
            _ => {}
        }
        Ok(r)
    }

    /// Checks the receipt against the revision it names: the same policy version, and choices
    /// for exactly that revision's optional categories.
    pub fn check_against(&self, published: &Published) -> Result<(), Refusal> {
        if published.policy_version != self.policy_version {
            return Err(Refusal::Unpublished(format!(
                "revision {} was not published with policy version {}",
                self.rev, self.policy_version
            )));
        }
        let mut sent: Vec<&str> = self.choices.0.iter().map(|(k, _)| k.as_str()).collect();
        let mut expected: Vec<&str> = published.categories.iter().map(String::as_str).collect();
        sent.sort_unstable();
        expected.sort_unstable();
        if sent != expected {
            return Err(Refusal::Unpublished(format!(
                "choices must name exactly the categories of revision {}: {}",
                self.rev,
                expected.join(", ")
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_583_200_000;

    fn body(extra: &str) -> String {
        format!(
            r#"{{"v":1,"id":"0123456789abcdef","rev":"r1","policy_version":"2","ts":{NOW},"choices":{{"analytics":true,"marketing":false}},"method":"custom","lang":"nb"{extra}}}"#
        )
    }

    #[test]
    fn a_good_receipt_parses_and_canonicalises() {
        let r = Receipt::parse(body("").as_bytes(), NOW).map_err(|e| format!("{e:?}"));
        let r = r.as_ref().map(|r| (r.method, r.choices.canonical()));
        assert_eq!(
            r,
            Ok((
                Method::Custom,
                r#"{"analytics":true,"marketing":false}"#.into()
            ))
        );
    }

    #[test]
    fn malformed_receipts_are_refused() {
        let cases = [
            body(r#","ip":"1.2.3.4""#),
            body("").replace(r#""v":1"#, r#""v":"1""#),
            body("").replace(r#""v":1"#, r#""v":2"#),
            body("").replace("0123456789abcdef", "short"),
            body("").replace(
                "0123456789abcdef",
                "0123456789abcdef'; DROP TABLE receipts; --",
            ),
            body("").replace(r#""lang":"nb""#, r#""lang":"nb\"><script>""#),
            body("").replace(r#""method":"custom""#, r#""method":"implied""#),
            body("").replace(r#""method":"custom""#, r#""method":"accept-all""#),
            body("").replace(r#""method":"custom""#, r#""method":"withdrawal""#),
            body("").replace(r#""analytics":true"#, r#""analytics":1"#),
            body("").replace(r#""marketing":false"#, r#""analytics":false"#),
            body("").replace(
                &NOW.to_string(),
                &(NOW + MAX_CLOCK_AHEAD_MS + 1).to_string(),
            ),
            body("").replace(&NOW.to_string(), "-1"),
            body("").replace(&NOW.to_string(), "1.5"),
            body("").replace(r#","lang":"nb""#, ""),
            "[]".into(),
            "{".into(),
        ];
        for case in cases {
            assert!(
                matches!(
                    Receipt::parse(case.as_bytes(), NOW),
                    Err(Refusal::Malformed(_))
                ),
                "{case}"
            );
        }
    }

    #[test]
    fn choices_must_match_the_published_categories() {
        let published = Published {
            revision: "r1".into(),
            policy_version: "2".into(),
            categories: vec!["marketing".into(), "analytics".into()],
            expiry_days: 180,
        };
        let Ok(r) = Receipt::parse(body("").as_bytes(), NOW) else {
            panic!("the base receipt parses");
        };
        assert_eq!(r.check_against(&published), Ok(()));
        let fewer = Published {
            categories: vec!["analytics".into()],
            ..published.clone()
        };
        assert!(matches!(
            r.check_against(&fewer),
            Err(Refusal::Unpublished(_))
        ));
        let other_policy = Published {
            policy_version: "3".into(),
            ..published
        };
        assert!(matches!(
            r.check_against(&other_policy),
            Err(Refusal::Unpublished(_))
        ));
    }
}
