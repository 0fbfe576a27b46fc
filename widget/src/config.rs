//! The configuration the generator writes into every page and the widget reads.
//!
//! It is embedded as `<script type="application/json" id="samtykke-config">`, so the widget
//! never guesses: every category, every cookie pattern and the revision come from the inventory.

use serde::{Deserialize, Serialize};

/// Schema version shared by this configuration and by the consent record.
pub const SCHEMA_VERSION: u32 = 1;

/// The `id` of the `<script type="application/json">` element that carries the configuration.
pub const CONFIG_ELEMENT_ID: &str = "samtykke-config";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetConfig {
    /// [`SCHEMA_VERSION`] of the generator that wrote this.
    pub version: u32,
    /// Hash over what the visitor is asked about; a record for another revision is void.
    pub revision: String,
    /// localStorage key of the consent record.
    pub storage_key: String,
    /// Days after which a choice, consent or refusal, is asked again.
    pub expiry_days: u32,
    /// Version of the privacy policy the visitor was shown (C-33).
    pub policy_version: String,
    /// In display order; `required` categories are always granted and have no toggle.
    pub categories: Vec<CategoryRule>,
    /// Cookie name patterns and the category each belongs to.
    pub cookies: Vec<CookieRule>,
    /// Send Google Consent Mode v2 default and update commands.
    pub google_consent_mode: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    pub id: String,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieRule {
    /// A cookie name, or a glob where `*` stands for any run of characters (`__utm*`).
    pub pattern: String,
    pub category: String,
}

impl WidgetConfig {
    /// Whether `category` is always granted (strictly necessary).
    pub fn is_required(&self, category: &str) -> bool {
        self.categories
            .iter()
            .any(|c| c.id == category && c.required)
    }

    /// The categories a visitor can grant or refuse.
    pub fn optional_categories(&self) -> impl Iterator<Item = &str> {
        self.categories
            .iter()
            .filter(|c| !c.required)
            .map(|c| c.id.as_str())
    }

    /// The category of the first rule whose pattern matches `cookie_name`.
    pub fn category_of(&self, cookie_name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|rule| crate::pattern::matches(&rule.pattern, cookie_name))
            .map(|rule| rule.category.as_str())
    }
}
