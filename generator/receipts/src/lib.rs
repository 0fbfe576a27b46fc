//! Proof of consent: a small HTTP service that stores one receipt per consent decision, so a
//! site can show that a visitor consented (GDPR Art. 7(1)), and the queries over them.
//!
//! # The contract with the widget and the generator
//!
//! ## `POST /v1/receipts`
//!
//! Sent by the widget for every decision (first answer, change, withdrawal), with
//! `navigator.sendBeacon` (a string body, so `Content-Type: text/plain;charset=UTF-8` and no
//! CORS preflight) or `fetch(…, {method: "POST", keepalive: true})` with
//! `Content-Type: application/json`. The body is one JSON object of at most
//! [`receipt::MAX_BODY`] (4096) bytes, with exactly these fields:
//!
//! | field | type | rule |
//! |---|---|---|
//! | `v` | integer | `1` |
//! | `id` | string | the consent record's random id; 8–64 of `A–Z a–z 0–9 - _ .` |
//! | `rev` | string | the record's revision; 1–128 of the same characters |
//! | `policy_version` | string | the policy version the visitor was shown; 1–64 of the same |
//! | `ts` | integer | the record's time, ms since 1970 UTC; 0 ≤ ts ≤ 2⁵³−1, at most 24 h ahead of the server |
//! | `choices` | object | category → boolean, exactly the optional categories of `rev`; no key twice |
//! | `method` | string | `accept-all` (all true), `reject-all`, `withdrawal`, `gpc` (all false), `custom` |
//! | `lang` | string | the page's language, 1–35 of `A–Z a–z 0–9 -` |
//!
//! An unknown field, a missing one, or a wrong type is refused. Example:
//!
//! ```json
//! {"v":1,"id":"4f1c2a9e0b7d4e6f8a1b2c3d4e5f6a7b","rev":"9c1e…","policy_version":"4",
//!  "ts":1764583200000,"choices":{"analytics":true,"marketing":false},"method":"custom","lang":"nb"}
//! ```
//!
//! Answers, each a JSON object (`{"status": …}` or `{"error": "why"}`):
//!
//! | status | when |
//! |---|---|
//! | 201 | stored: `{"status":"stored"}` |
//! | 200 | the same decision was stored before (a retry): `{"status":"duplicate"}`; nothing changed |
//! | 400 | not the schema above |
//! | 403 | `Origin` missing or not the site's |
//! | 409 | contradicts the id's history (see below) |
//! | 413 | body over 4096 bytes |
//! | 415 | `Content-Type` neither `application/json` nor `text/plain` |
//! | 422 | `rev` with `policy_version` never published by the site, expired, or `choices` not its categories |
//! | 429 | too many from one address; `Retry-After` says when |
//! | 503 | the database is unavailable; the widget's local record stays the truth, retry later |
//!
//! **One id, many decisions.** A record's id appears once per decision, so a second receipt with
//! the same id and a later `ts` is a new decision (a change or a withdrawal) and is stored. The
//! same id and `ts` with the same decision is a retry (200, stored once). The same id and `ts`
//! with a different decision, or a `ts` earlier than the id's latest stored one, is refused with
//! 409: a history has one answer per moment and only moves forward.
//!
//! CORS: `Access-Control-Allow-Origin` is sent for the configured origin only; a preflight
//! (`OPTIONS`) from any other origin gets 403.
//!
//! ## `GET /healthz`
//!
//! 200 `{"status":"ok","database":"ok","revisions":N}` when the database answers and its schema
//! is in place; 503 `{"status":"unavailable","database":"why",…}` otherwise.
//!
//! ## `samtykke/revisions.json`, published by the generator
//!
//! Written into `dist/samtykke/revisions.json` on every build, and read by the service from a
//! path or URL (`--revisions`) at start and every five minutes:
//!
//! ```json
//! {"version":1,"current":{"revision":"9c1e…","policy_version":"4",
//!  "categories":["analytics","marketing"],"expiry_days":180}}
//! ```
//!
//! `revision`, `policy_version` and `expiry_days` are the widget config's; `categories` are its
//! optional (not `required`) category ids, the keys a record's `choices` has. Unknown fields are
//! refused. The generator knows only the current revision; the service remembers every
//! (revision, policy version) it has seen published in its `revisions` table and accepts one
//! until `expiry_days` after it was last seen current, so a visitor holding an older record can
//! still withdraw. See [`revisions`].

pub mod cli;
pub mod limit;
pub mod receipt;
pub mod report;
pub mod revisions;
pub mod service;
pub mod store;
pub mod time;
pub mod token;
pub mod ua;

pub use cli::{export, show, stats};
pub use report::Format;
pub use service::{serve, Config, Server};
pub use store::Store;

/// Why a command failed; printed as `error: …`.
#[derive(Debug)]
pub enum Error {
    /// A flag or a file the operator gave is wrong.
    Config(String),
    /// The database cannot be opened, migrated or read.
    Database(String),
    /// Writing an export failed.
    Io(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Config(m) | Error::Database(m) | Error::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
