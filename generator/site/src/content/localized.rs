//! Text given per language: `title = { nb = "Nødvendige", en = "Necessary" }`.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A text in one or more languages, with the position of the table for error messages.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct Localized(pub Spanned<BTreeMap<String, String>>);

impl Localized {
    /// The text in `lang`, falling back to `default` (validation guarantees the default exists).
    pub fn get<'a>(&'a self, lang: &str, default: &str) -> &'a str {
        let map = self.0.get_ref();
        map.get(lang)
            .or_else(|| map.get(default))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.0.get_ref().keys().map(String::as_str)
    }

    pub fn span(&self) -> std::ops::Range<usize> {
        self.0.span()
    }
}
