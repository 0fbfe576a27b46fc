//! The consent record: what the visitor chose, kept in localStorage.
//!
//! Wire format (JSON, one object, nothing else; C-13):
//! `{"v":1,"rev":"<revision>","id":"<random id>","ts":<ms since 1970 UTC>,"choices":{"analytics":true},"method":"accept-all"}`
//!
//! The gate script that runs before first paint reads `v`, `rev` and `ts` of the same object, so
//! these names are part of the contract with the generator's gate.

use crate::config::{WidgetConfig, SCHEMA_VERSION};
use crate::json::{self, Json};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// The largest integer a JavaScript number holds exactly; the gate compares `ts` as a number.
pub const MAX_TIMESTAMP_MS: u64 = (1 << 53) - 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRecord {
    /// [`crate::config::SCHEMA_VERSION`].
    pub v: u32,
    /// The revision of the inventory and texts the visitor was shown.
    pub rev: String,
    /// A random id, so a record can be referred to as proof without naming the visitor.
    pub id: String,
    /// When the choice was made, in milliseconds since the Unix epoch (UTC).
    pub ts: u64,
    /// The choice per optional category; required categories are not stored.
    pub choices: Choices,
    pub method: Method,
}

/// The choice per category, sorted by category id: on the wire, a JSON object in that order.
///
/// A sorted `Vec` rather than a `BTreeMap`: the map and the sorting it brings cost the widget
/// several kilobytes, for the two or three entries a record holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choices(Vec<(String, bool)>);

impl Choices {
    pub fn get(&self, category: &str) -> Option<bool> {
        self.iter().find(|(c, _)| *c == category).map(|(_, g)| g)
    }

    /// Sets `category`; returns its previous choice, if it had one.
    pub fn insert(&mut self, category: String, granted: bool) -> Option<bool> {
        if let Some((_, old)) = self.0.iter_mut().find(|(c, _)| *c == category) {
            return Some(std::mem::replace(old, granted));
        }
        // At the end, then back past every larger id: a record holds two or three, and this is
        // smaller in the widget than `Vec::insert` or a sort.
        self.0.push((category, granted));
        let mut i = self.0.len();
        while let Some([before, last]) = self.0.get_mut(i.wrapping_sub(2)..i) {
            if before.0 <= last.0 {
                break;
            }
            std::mem::swap(before, last);
            i -= 1;
        }
        None
    }

    pub fn contains_key(&self, category: &str) -> bool {
        self.get(category).is_some()
    }

    /// In category order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, bool)> {
        self.0.iter().map(|(c, g)| (c.as_str(), *g))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(c, _)| c)
    }

    pub fn values(&self) -> impl Iterator<Item = bool> + '_ {
        self.iter().map(|(_, g)| g)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

impl FromIterator<(String, bool)> for Choices {
    fn from_iter<I: IntoIterator<Item = (String, bool)>>(iter: I) -> Choices {
        let mut choices = Choices::default();
        for (category, granted) in iter {
            choices.insert(category, granted);
        }
        choices
    }
}

impl<const N: usize> From<[(String, bool); N]> for Choices {
    fn from(pairs: [(String, bool); N]) -> Choices {
        pairs.into_iter().collect()
    }
}

impl Serialize for Choices {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Choices {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Choices, D::Error> {
        BTreeMap::<String, bool>::deserialize(deserializer).map(|map| map.into_iter().collect())
    }
}

/// How the choice was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    AcceptAll,
    RejectAll,
    Custom,
    /// Global Privacy Control: only ever a refusal.
    Gpc,
}

/// Why a stored string is not a usable record. Every form of damage maps to one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecError {
    /// Not JSON at all.
    Syntax,
    /// JSON, but not a record: another type, a missing, unknown or repeated field, or a field of
    /// the wrong type.
    Shape,
    /// A record of another schema version.
    Version,
    /// A timestamp that is not a non-negative integer a JavaScript number holds exactly.
    Timestamp,
    /// A method this version does not know.
    Method,
    /// An empty revision or id.
    Empty,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AcceptAll => "accept-all",
            Method::RejectAll => "reject-all",
            Method::Custom => "custom",
            Method::Gpc => "gpc",
        }
    }

    pub fn parse(text: &str) -> Option<Method> {
        [
            Method::AcceptAll,
            Method::RejectAll,
            Method::Custom,
            Method::Gpc,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

impl ConsentRecord {
    /// A record for `config`'s revision in which each optional category is granted as `grant`
    /// says. Required categories are left out: they are not a choice.
    pub fn new(
        config: &WidgetConfig,
        method: Method,
        id: String,
        ts: u64,
        mut grant: impl FnMut(&str) -> bool,
    ) -> ConsentRecord {
        let choices = config
            .optional_categories()
            // GPC is a refusal whatever the caller passes (C-18).
            .map(|c| (c.to_owned(), method != Method::Gpc && grant(c)))
            .collect();
        ConsentRecord {
            v: SCHEMA_VERSION,
            rev: config.revision.clone(),
            id,
            ts,
            choices,
            method,
        }
    }

    /// The wire format: the same bytes `serde_json::to_string` writes for this struct.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write_fields(&mut out, self.method.as_str());
        out.push('}');
        out
    }

    /// The wire format without its closing brace and with `method` as the method: the start of
    /// a receipt too ([`crate::receipt::body`]), so the widget carries one writer for both.
    pub(crate) fn write_fields(&self, out: &mut String, method: &str) {
        out.push_str("{\"v\":");
        json::write_u64(out, u64::from(self.v));
        out.push_str(",\"rev\":");
        json::write_str(out, &self.rev);
        out.push_str(",\"id\":");
        json::write_str(out, &self.id);
        out.push_str(",\"ts\":");
        json::write_u64(out, self.ts);
        out.push_str(",\"choices\":{");
        for (i, (category, granted)) in self.choices.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::write_str(out, category);
            out.push_str(if granted { ":true" } else { ":false" });
        }
        out.push_str("},\"method\":");
        json::write_str(out, method);
    }

    /// Reads the wire format. It checks the form only; whether the record fits the current
    /// configuration is [`crate::validity::status`]'s question, because a record of an older
    /// revision may rightly name a category that no longer exists.
    pub fn decode(text: &str) -> Result<ConsentRecord, CodecError> {
        let value = json::parse(text).map_err(|_| CodecError::Syntax)?;
        let [v, rev, id, ts, choices, method] = value
            .fields(["v", "rev", "id", "ts", "choices", "method"])
            .ok_or(CodecError::Shape)?;
        // The version first: a later schema may change any other field.
        match v {
            Json::Int(n) if *n == u64::from(SCHEMA_VERSION) => {}
            Json::Int(_) | Json::OtherNumber => return Err(CodecError::Version),
            _ => return Err(CodecError::Shape),
        }
        let ts = match ts {
            Json::Int(n) if *n <= MAX_TIMESTAMP_MS => *n,
            Json::Int(_) | Json::OtherNumber => return Err(CodecError::Timestamp),
            _ => return Err(CodecError::Shape),
        };
        let (Some(rev), Some(id)) = (rev.as_str(), id.as_str()) else {
            return Err(CodecError::Shape);
        };
        if rev.is_empty() || id.is_empty() {
            return Err(CodecError::Empty);
        }
        let method = method.as_str().ok_or(CodecError::Shape)?;
        let method = Method::parse(method).ok_or(CodecError::Method)?;
        let mut map = Choices::default();
        for (category, granted) in choices.as_object().ok_or(CodecError::Shape)? {
            let granted = granted.as_bool().ok_or(CodecError::Shape)?;
            if map.insert(category.clone(), granted).is_some() {
                return Err(CodecError::Shape);
            }
        }
        Ok(ConsentRecord {
            v: SCHEMA_VERSION,
            rev: rev.to_owned(),
            id: id.to_owned(),
            ts,
            choices: map,
            method,
        })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    use crate::config::tests::hesbynett;
    use proptest::prelude::*;

    fn sample() -> ConsentRecord {
        ConsentRecord {
            v: 1,
            rev: "r1".into(),
            id: "0123456789abcdef0123456789abcdef".into(),
            ts: 1_735_689_600_000,
            choices: [
                ("analytics".to_owned(), true),
                ("marketing".to_owned(), false),
            ]
            .into(),
            method: Method::Custom,
        }
    }

    #[test]
    fn encodes_the_documented_wire_format() {
        assert_eq!(
            sample().encode(),
            r#"{"v":1,"rev":"r1","id":"0123456789abcdef0123456789abcdef","ts":1735689600000,"choices":{"analytics":true,"marketing":false},"method":"custom"}"#
        );
    }

    #[test]
    fn new_records_leave_out_required_categories_and_gpc_never_grants() {
        let config = hesbynett();
        let r = ConsentRecord::new(&config, Method::AcceptAll, "x".into(), 5, |_| true);
        assert_eq!(r.choices, [("analytics".to_owned(), true)].into());
        assert_eq!(r.rev, config.revision);
        let r = ConsentRecord::new(&config, Method::Gpc, "x".into(), 5, |_| true);
        assert_eq!(r.choices, [("analytics".to_owned(), false)].into());
    }

    #[test]
    fn every_corrupt_form_is_an_error() {
        let cases: &[(&str, CodecError)] = &[
            ("", CodecError::Syntax),
            ("{", CodecError::Syntax),
            ("not json", CodecError::Syntax),
            ("null", CodecError::Shape),
            ("[]", CodecError::Shape),
            ("\"a record\"", CodecError::Shape),
            (r#"{"_ga":"GA1.2.3"}"#, CodecError::Shape),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1,"choices":{},"method":"custom","ip":"1.2.3.4"}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1,"choices":{}}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"v":1,"rev":"r","id":"i","ts":1,"choices":{},"method":"custom"}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":2,"rev":"r","id":"i","ts":1,"choices":{},"method":"custom"}"#,
                CodecError::Version,
            ),
            (
                r#"{"v":1.0,"rev":"r","id":"i","ts":1,"choices":{},"method":"custom"}"#,
                CodecError::Version,
            ),
            (
                r#"{"v":"1","rev":"r","id":"i","ts":1,"choices":{},"method":"custom"}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":-1,"choices":{},"method":"custom"}"#,
                CodecError::Timestamp,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1e300,"choices":{},"method":"custom"}"#,
                CodecError::Timestamp,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":9007199254740992,"choices":{},"method":"custom"}"#,
                CodecError::Timestamp,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":99999999999999999999999,"choices":{},"method":"custom"}"#,
                CodecError::Timestamp,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":"1","choices":{},"method":"custom"}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1,"choices":[],"method":"custom"}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1,"choices":{"a":1},"method":"custom"}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1,"choices":{"a":true,"a":false},"method":"custom"}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1,"choices":{},"method":"implied"}"#,
                CodecError::Method,
            ),
            (
                r#"{"v":1,"rev":"r","id":"i","ts":1,"choices":{},"method":null}"#,
                CodecError::Shape,
            ),
            (
                r#"{"v":1,"rev":"","id":"i","ts":1,"choices":{},"method":"custom"}"#,
                CodecError::Empty,
            ),
            (
                r#"{"v":1,"rev":"r","id":"","ts":1,"choices":{},"method":"custom"}"#,
                CodecError::Empty,
            ),
        ];
        for (text, error) in cases {
            assert_eq!(ConsentRecord::decode(text), Err(*error), "{text}");
        }
    }

    #[test]
    fn the_largest_exact_timestamp_is_accepted() {
        let text =
            r#"{"v":1,"rev":"r","id":"i","ts":9007199254740991,"choices":{},"method":"gpc"}"#;
        assert_eq!(
            ConsentRecord::decode(text).map(|r| r.ts),
            Ok(MAX_TIMESTAMP_MS)
        );
    }

    pub(crate) fn any_method() -> impl Strategy<Value = Method> {
        prop_oneof![
            Just(Method::AcceptAll),
            Just(Method::RejectAll),
            Just(Method::Custom),
            Just(Method::Gpc)
        ]
    }

    prop_compose! {
        pub(crate) fn any_record()(
            rev in "\\PC{1,20}",
            id in "[0-9a-f]{32}|\\PC{1,10}",
            ts in 0..=MAX_TIMESTAMP_MS,
            choices in prop::collection::btree_map("\\PC{1,12}", any::<bool>(), 0..5)
                .prop_map(|m| m.into_iter().collect::<Choices>()),
            method in any_method(),
        ) -> ConsentRecord {
            ConsentRecord { v: SCHEMA_VERSION, rev, id, ts, choices, method }
        }
    }

    proptest! {
        #[test]
        fn choices_keep_the_order_and_the_last_value_a_map_would(
            pairs in prop::collection::vec(("[a-d]{1,2}", any::<bool>()), 0..12),
        ) {
            let choices: Choices = pairs.iter().cloned().collect();
            let map: BTreeMap<String, bool> = pairs.into_iter().collect();
            prop_assert_eq!(choices.iter().collect::<Vec<_>>(), map.iter().map(|(c, g)| (c.as_str(), *g)).collect::<Vec<_>>());
            for (c, g) in &map {
                prop_assert_eq!(choices.get(c), Some(*g));
            }
            prop_assert_eq!(choices.get("zz"), None);
            prop_assert_eq!(choices.len(), map.len());
            prop_assert_eq!(choices.is_empty(), map.is_empty());
            let mut cleared = choices.clone();
            cleared.clear();
            prop_assert!(cleared.is_empty() && cleared.iter().next().is_none());
        }

        #[test]
        fn round_trips(record in any_record()) {
            let text = record.encode();
            prop_assert_eq!(ConsentRecord::decode(&text), Ok(record.clone()));
            // The serde derive is the other side of the contract: the bytes and the reading agree.
            prop_assert_eq!(&text, &serde_json::to_string(&record).unwrap());
            prop_assert_eq!(serde_json::from_str::<ConsentRecord>(&text).unwrap(), record);
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = ConsentRecord::decode(&text);
        }

        #[test]
        fn damaged_records_never_panic_and_truncated_ones_never_read(
            record in any_record(),
            cut in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let text = record.encode();
            let at = cut.index(text.len());
            // Truncation: never a different valid record.
            if let Some(prefix) = text.get(..at) {
                prop_assert!(ConsentRecord::decode(prefix).is_err());
            }
            // One byte replaced by an ASCII one: whatever comes out, no panic.
            let mut bytes = text.into_bytes();
            bytes[at] = byte & 0x7f;
            if let Ok(damaged) = String::from_utf8(bytes) {
                let _ = ConsentRecord::decode(&damaged);
            }
        }
    }
}
