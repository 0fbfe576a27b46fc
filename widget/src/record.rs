//! The consent record: what the visitor chose, kept in localStorage.
//!
//! Wire format (JSON, one object, nothing else; C-13):
//! `{"v":1,"rev":"<revision>","id":"<random id>","ts":<ms since 1970 UTC>,"choices":{"analytics":true},"method":"accept-all"}`
//!
//! The gate script that runs before first paint reads `v`, `rev` and `ts` of the same object, so
//! these names are part of the contract with the generator's gate.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub choices: BTreeMap<String, bool>,
    pub method: Method,
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
