//! `content/site.toml`: who runs the site, in which languages, and how consent is asked.

use super::localized::Localized;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    pub name: String,
    /// Absolute URL of the published site, used for canonical links and the sitemap.
    pub base_url: Spanned<String>,
    pub default_language: Spanned<String>,
    /// Every language the site is written in, keyed by BCP 47 tag (`nb`, `nn`, `en`).
    pub languages: BTreeMap<String, Language>,
    #[serde(default = "default_theme")]
    pub theme: Spanned<String>,
    pub controller: Controller,
    pub policy: Policy,
    #[serde(default)]
    pub consent: Consent,
    /// Labels of the theme (navigation, footer, tables), per language; each overrides the
    /// built-in one (`i18n`) in the languages it is written in.
    #[serde(default)]
    pub labels: BTreeMap<String, Localized>,
    /// HTTP headers the server configurations set (see `render::headers`).
    #[serde(default)]
    pub headers: HeadersConfig,
    #[serde(default)]
    pub build: BuildConfig,
    /// Logo, colours, favicon and share picture (see `brand`).
    #[serde(default)]
    pub brand: Brand,
}

/// `[brand]`: the company's look. Files are named by their path in the theme's `static/`
/// (the site's `themes/<name>/static/` or the built-in theme's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// An SVG shown in the header before the site's name.
    #[serde(default)]
    pub logo: Option<Spanned<String>>,
    /// `favicon.svg` (the built-in one) unless named.
    #[serde(default)]
    pub favicon: Option<Spanned<String>>,
    /// The picture a shared link shows (Open Graph, Twitter card): PNG or JPEG, 1200×630.
    #[serde(default)]
    pub image: Option<Spanned<String>>,
    /// `#rrggbb`: links, buttons and the header. Must reach 4.5:1 on white.
    #[serde(default)]
    pub primary: Option<Spanned<String>>,
    /// `#rrggbb`: decoration only (stripes and borders).
    #[serde(default)]
    pub accent: Option<Spanned<String>>,
}

/// `[headers]`: what the written `_headers`, `.htaccess` and nginx snippet send.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadersConfig {
    /// `Strict-Transport-Security`: by default on exactly when `base_url` is https.
    #[serde(default)]
    pub hsts: Option<bool>,
    #[serde(default = "default_hsts_max_age")]
    pub hsts_max_age: u32,
    /// Only for a domain whose every subdomain is served over https.
    #[serde(default)]
    pub hsts_include_subdomains: bool,
}

impl Default for HeadersConfig {
    fn default() -> Self {
        HeadersConfig {
            hsts: None,
            hsts_max_age: default_hsts_max_age(),
            hsts_include_subdomains: false,
        }
    }
}

fn default_hsts_max_age() -> u32 {
    31_536_000
}

/// `[build]`: how `build` writes the output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    /// Write `.br` and `.gz` beside every text file and the WASM (see `compress`).
    #[serde(default = "yes")]
    pub precompress: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig { precompress: true }
    }
}

fn yes() -> bool {
    true
}

fn default_theme() -> Spanned<String> {
    Spanned::new(0..0, crate::theme::BUILTIN.to_owned())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// The language's name in itself, for the language switcher.
    pub name: String,
}

/// The data controller (GDPR Art. 13(1)(a)); rendered wherever contact details are shown.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    pub name: String,
    #[serde(default)]
    pub organisation_number: Option<String>,
    /// Goes into a `mailto:` link: a plain address (see `validate::urls::email`).
    pub email: Spanned<String>,
    pub address: Localized,
    #[serde(default)]
    pub visiting_note: Option<Localized>,
    #[serde(default)]
    pub phones: Vec<Phone>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    pub label: Localized,
    /// Goes into a `tel:` link: digits, spaces, `+`, `-` and brackets.
    pub number: Spanned<String>,
    #[serde(default)]
    pub hours: Option<Localized>,
}

/// The privacy policy's version and date (C-33); the consent record refers to the version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub version: String,
    pub date: toml::value::Datetime,
    /// Slug of the page that holds the policy.
    pub page: Spanned<String>,
    /// Slug of the page that lists the cookies.
    pub cookie_page: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Days until a choice, consent or refusal, is asked again (C-14).
    #[serde(default = "default_expiry")]
    pub expiry_days: Spanned<u32>,
    #[serde(default = "default_storage_key")]
    pub storage_key: String,
    /// Send Google Consent Mode v2 signals.
    #[serde(default)]
    pub google_consent_mode: bool,
    /// The endpoint of the site's receipts service (`samtykke receipts serve`), such as
    /// `https://samtykke.example.no/v1/receipts`: the widget posts a receipt of every decision
    /// there. Without it the widget sends nothing (see `validate::urls::receipts_url`).
    #[serde(default)]
    pub receipts_url: Option<Spanned<String>>,
    /// The banner's and the preferences' texts; each overrides the built-in one (`i18n`) in the
    /// languages it is written in, except `banner_body`, which only the site can write.
    #[serde(default)]
    pub texts: BTreeMap<String, Localized>,
}

impl Default for Consent {
    fn default() -> Self {
        Consent {
            expiry_days: default_expiry(),
            storage_key: default_storage_key(),
            google_consent_mode: false,
            receipts_url: None,
            texts: BTreeMap::new(),
        }
    }
}

fn default_expiry() -> Spanned<u32> {
    Spanned::new(0..0, 180)
}

fn default_storage_key() -> String {
    "samtykke".to_owned()
}
