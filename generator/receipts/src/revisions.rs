//! The revisions file the generator publishes, and which published revisions the service accepts.
//!
//! The generator knows only the site's current revision, yet a visitor whose record was made
//! under an older one may still withdraw or change it until that record expires. So the service
//! remembers every (revision, policy version) it has ever seen published, in the `revisions`
//! table, and accepts each until `last_seen + expiry_days`: a record made while the pair was
//! current cannot be valid in the browser any longer than that.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The newest [`RevisionsFile::version`] this service reads.
pub const FILE_VERSION: u32 = 1;

/// `dist/samtykke/revisions.json`, written by the generator on every build:
///
/// ```json
/// {"version":1,"current":{"revision":"3f9a…","policy_version":"4",
///  "categories":["analytics","marketing"],"expiry_days":180}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionsFile {
    /// Always [`FILE_VERSION`] for now.
    pub version: u32,
    /// What the site asks visitors about today.
    pub current: Published,
}

/// One revision as the site published it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    /// The widget config's `revision`.
    pub revision: String,
    /// The widget config's `policy_version`.
    pub policy_version: String,
    /// The optional categories, exactly the keys of a record's `choices`.
    pub categories: Vec<String>,
    /// The widget config's `expiry_days`.
    pub expiry_days: u32,
}

/// A [`Published`] revision with the times the service saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub published: Published,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

impl RevisionsFile {
    /// Parses and checks a revisions file; the error says what is wrong, for the log.
    pub fn parse(text: &str) -> Result<RevisionsFile, String> {
        let file: RevisionsFile =
            serde_json::from_str(text).map_err(|e| format!("not a revisions file: {e}"))?;
        if file.version != FILE_VERSION {
            return Err(format!(
                "revisions file version {} is not {FILE_VERSION}; upgrade the receipts service",
                file.version
            ));
        }
        let c = &file.current;
        if !crate::token::is_token(&c.revision, crate::token::MAX_REVISION) {
            return Err("current.revision must be 1–128 letters, digits, '-', '_' or '.'".into());
        }
        if !crate::token::is_token(&c.policy_version, crate::token::MAX_POLICY_VERSION) {
            return Err(
                "current.policy_version must be 1–64 letters, digits, '-', '_' or '.'".into(),
            );
        }
        if c.expiry_days == 0 {
            return Err("current.expiry_days must be at least 1".into());
        }
        let distinct: BTreeSet<&str> = c.categories.iter().map(String::as_str).collect();
        if distinct.len() != c.categories.len()
            || c.categories.len() > crate::token::MAX_CATEGORIES
            || !c
                .categories
                .iter()
                .all(|id| crate::token::is_token(id, crate::token::MAX_CATEGORY))
        {
            return Err(format!(
                "current.categories must be at most {} distinct ids of 1–{} letters, digits, '-', '_' or '.'",
                crate::token::MAX_CATEGORIES,
                crate::token::MAX_CATEGORY
            ));
        }
        Ok(file)
    }
}

const MS_PER_DAY: i64 = 86_400_000;

impl Known {
    /// Whether a receipt for this revision is still accepted at `now_ms`.
    pub fn accepts_at(&self, now_ms: i64, current: Option<&Published>) -> bool {
        if current.is_some_and(|c| {
            c.revision == self.published.revision
                && c.policy_version == self.published.policy_version
        }) {
            return true;
        }
        let expiry = i64::from(self.published.expiry_days) * MS_PER_DAY;
        now_ms < self.last_seen_ms.saturating_add(expiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(rev: &str) -> Published {
        Published {
            revision: rev.into(),
            policy_version: "1".into(),
            categories: vec!["analytics".into()],
            expiry_days: 10,
        }
    }

    #[test]
    fn an_old_revision_is_accepted_until_its_records_expire() {
        let old = Known {
            published: published("old"),
            first_seen_ms: 0,
            last_seen_ms: 1_000,
        };
        let current = published("new");
        assert!(old.accepts_at(1_000 + 10 * MS_PER_DAY - 1, Some(&current)));
        assert!(!old.accepts_at(1_000 + 10 * MS_PER_DAY, Some(&current)));
        // The current one never expires, however long ago the service first saw it.
        assert!(old.accepts_at(i64::MAX, Some(&published("old"))));
    }

    #[test]
    fn parse_refuses_malformed_files() {
        let good = r#"{"version":1,"current":{"revision":"r1","policy_version":"2","categories":["analytics"],"expiry_days":180}}"#;
        assert_eq!(
            RevisionsFile::parse(good).map(|f| f.current.revision),
            Ok("r1".into())
        );
        for bad in [
            r#"{"version":2,"current":{"revision":"r1","policy_version":"2","categories":[],"expiry_days":1}}"#,
            r#"{"version":1,"current":{"revision":"","policy_version":"2","categories":[],"expiry_days":1}}"#,
            r#"{"version":1,"current":{"revision":"r","policy_version":"2","categories":["a","a"],"expiry_days":1}}"#,
            r#"{"version":1,"current":{"revision":"r","policy_version":"2","categories":[],"expiry_days":0}}"#,
            r#"{"version":1,"current":{"revision":"r","policy_version":"2","categories":[],"expiry_days":1,"x":1}}"#,
            "not json",
        ] {
            assert!(RevisionsFile::parse(bad).is_err(), "{bad}");
        }
    }
}
