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

/// A service's name: one for every language (`name = "Google Analytics"`), or one per language
/// (`name = { nb = "Nettstedet", en = "The website" }`) when it is words rather than a brand.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Name {
    Same(String),
    PerLanguage(BTreeMap<String, String>),
}

impl Name {
    /// The name in `lang`, else in `default`, with the language it is in (`None`: the same in
    /// every language).
    pub fn get<'a>(&'a self, lang: &'a str, default: &'a str) -> (&'a str, Option<&'a str>) {
        match self {
            Name::Same(name) => (name, None),
            Name::PerLanguage(map) => [lang, default]
                .into_iter()
                .find_map(|l| map.get(l).map(|t| (t.as_str(), Some(l))))
                .unwrap_or(("", None)),
        }
    }

    /// The languages it is written in, when it is given per language.
    pub fn languages(&self) -> Vec<&str> {
        match self {
            Name::Same(_) => Vec::new(),
            Name::PerLanguage(map) => map.keys().map(String::as_str).collect(),
        }
    }
}

/// Where `[services.<id>] name` is in cookies.toml: [`Name`] cannot carry its span (an untagged
/// enum reads its value through a buffer that loses it), so it is read again from the text.
pub fn service_name_span(text: &str, id: &str) -> Option<std::ops::Range<usize>> {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        services: BTreeMap<String, Service>,
    }
    #[derive(Deserialize)]
    struct Service {
        name: Option<Spanned<toml::Value>>,
    }
    let file: File = toml::from_str(text).ok()?;
    Some(file.services.get(id)?.name.as_ref()?.span())
}
