//! `content/cookies.toml`: the one inventory that drives the policy's cookie tables, the widget's
//! blocking and deletion rules, and the consent revision.

use super::localized::{Localized, Name};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryFile {
    /// Keyed by id (`necessary`, `analytics`, …); shown in the order of `order`, then id.
    pub categories: BTreeMap<String, Category>,
    /// Where cookies come from: the main site, webmail, a third-party script.
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub cookies: Vec<Cookie>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Strictly necessary (ekomloven § 3-15 second paragraph): always on, no toggle.
    #[serde(default = "not_necessary")]
    pub necessary: Spanned<bool>,
    #[serde(default)]
    pub order: i64,
    /// Built in for the standard categories (`i18n`); the site's text overrides it per language.
    #[serde(default)]
    pub title: Option<Localized>,
    #[serde(default)]
    pub description: Option<Localized>,
}

fn not_necessary() -> Spanned<bool> {
    Spanned::new(0..0, false)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The same in every language, or per language (see [`Name`]).
    pub name: Name,
    /// Who processes the data (a processor or a third party), shown in the tables (C-27).
    pub provider: String,
    /// Cookie domain the service's cookies live on, without a leading dot.
    pub host: Spanned<String>,
    /// The category whose consent starts the service's script.
    #[serde(default)]
    pub category: Option<Spanned<String>>,
    /// A script that sets cookies and runs only after consent for `category`.
    #[serde(default)]
    pub script: Option<Spanned<String>>,
    /// Link to the provider's own privacy information.
    #[serde(default)]
    pub privacy_url: Option<Spanned<String>>,
    /// Transfer outside the EEA and its safeguard (C-28), if any.
    #[serde(default)]
    pub transfer: Option<Localized>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    /// The cookie's name, or a glob with `*` (`__utm*`).
    pub name: Spanned<String>,
    pub category: Spanned<String>,
    pub service: Spanned<String>,
    pub party: Party,
    pub legal_basis: Spanned<LegalBasis>,
    pub purpose: Option<Localized>,
    pub lifetime: Option<Localized>,
    /// localStorage key rather than a cookie.
    #[serde(default)]
    pub storage: Storage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    First,
    Third,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Storage {
    #[default]
    Cookie,
    LocalStorage,
    SessionStorage,
}

/// The legal basis for the processing the cookie serves (GDPR Art. 6(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    LegitimateInterest,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::First => "first",
            Party::Third => "third",
        }
    }
}

impl Storage {
    pub fn as_str(self) -> &'static str {
        match self {
            Storage::Cookie => "cookie",
            Storage::LocalStorage => "local-storage",
            Storage::SessionStorage => "session-storage",
        }
    }
}

impl LegalBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            LegalBasis::Consent => "consent",
            LegalBasis::Contract => "contract",
            LegalBasis::LegalObligation => "legal-obligation",
            LegalBasis::LegitimateInterest => "legitimate-interest",
        }
    }
}
