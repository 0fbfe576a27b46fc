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
    /// A script that sets cookies and runs only after consent for `category`. The short form of
    /// one entry in `scripts` without attributes.
    #[serde(default)]
    pub script: Option<Spanned<String>>,
    /// What the service is used for on this site, shown on the placeholder of its embeds.
    #[serde(default)]
    pub purpose: Option<Localized>,
    /// Scripts started after consent for `category`, in this order, with their attributes.
    #[serde(default)]
    pub scripts: Vec<ScriptDecl>,
    /// Inline scripts started after consent, each from a file below `content/`
    /// (`snippets/matomo.js`); the CSP allows each by the hash of its exact text.
    #[serde(default)]
    pub snippets: Vec<Spanned<String>>,
    /// Origins the service's embeds are framed from (`https://www.youtube-nocookie.com`):
    /// `frame-src`, and the only origins an `embed` of this service may point at.
    #[serde(default)]
    pub frames: Vec<Spanned<String>>,
    /// Origins its scripts send requests to (`connect-src`), beyond the scripts' own.
    #[serde(default)]
    pub connect: Vec<Spanned<String>>,
    /// Origins its scripts load images from (`img-src`), beyond the scripts' own.
    #[serde(default)]
    pub images: Vec<Spanned<String>>,
    /// The editor has confirmed that the service sets no cookies or storage (Plausible), so
    /// `check` does not ask about a script without cookies. It still waits for consent.
    #[serde(default)]
    pub cookieless: bool,
    /// Link to the provider's own privacy information.
    #[serde(default)]
    pub privacy_url: Option<Spanned<String>>,
    /// Transfer outside the EEA and its safeguard (C-28), if any.
    #[serde(default)]
    pub transfer: Option<Localized>,
}

/// One entry of a service's `scripts`: `{ src = "…", async = true, data = { domain = "…" } }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptDecl {
    pub src: Spanned<String>,
    /// Runs as soon as it has loaded, out of order; by default scripts run in declared order.
    #[serde(default, rename = "async")]
    pub is_async: bool,
    /// Accepted for scripts copied from a provider's snippet: a script the widget starts runs
    /// after the page has been parsed anyway, in order, which is what `defer` asks for.
    #[serde(default)]
    pub defer: bool,
    /// `type="module"`.
    #[serde(default)]
    pub module: bool,
    /// `data-*` attributes, without the `data-` (`domain = "example.no"` → `data-domain`).
    #[serde(default)]
    pub data: BTreeMap<String, Spanned<String>>,
}

impl Service {
    /// Whether the service loads anything into the page: scripts, snippets or embeds.
    pub fn loads_anything(&self) -> bool {
        self.script.is_some()
            || !self.scripts.is_empty()
            || !self.snippets.is_empty()
            || !self.frames.is_empty()
            || !self.connect.is_empty()
            || !self.images.is_empty()
    }

    /// Every script URL as written: `script`, then `scripts`.
    pub fn script_srcs(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.script
            .iter()
            .chain(self.scripts.iter().map(|s| &s.src))
    }
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
