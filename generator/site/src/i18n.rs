//! The interface's own texts, built into the binary in Bokmål, Nynorsk and English
//! (`i18n/<lang>.toml`), and how a text is chosen for a page in one language.
//!
//! Two kinds of text, two rules:
//! - **Interface texts** (buttons, headings, table headers, labels, the standard categories'
//!   names and descriptions) exist built in. Each is chosen per language: the site's own text
//!   in that language (site.toml `[consent.texts]`/`[labels]`, cookies.toml `[categories.<id>]`),
//!   else the built-in one in that language. So an editor who adds `nn` or `en` gets a complete
//!   interface without writing a label, and overriding the Bokmål button text leaves the English
//!   one alone.
//! - **Editor texts** (the banner's body, cookie purposes and lifetimes, pages) have no built-in
//!   version: the site's text in that language, else the default language's.
//!
//! Either way, a text that is not in the page's language *falls back*: it is shown in the
//! default language, and the page marks it with that language (`lang` on its element) so that a
//! screen reader pronounces it right. `translations` lists every fallback for `check` and `build`.

use crate::content::localized::Localized;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The languages with built-in texts, each with its data file.
const FILES: &[(&str, &str)] = &[
    ("nb", include_str!("../i18n/nb.toml")),
    ("nn", include_str!("../i18n/nn.toml")),
    ("en", include_str!("../i18n/en.toml")),
];

/// The consent text with no built-in version: only the site can say what it asks and why.
pub const EDITOR_CONSENT_TEXTS: &[&str] = &["banner_body"];

/// One language's built-in texts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Builtin {
    /// Keys of site.toml's `[consent.texts]`.
    pub consent: BTreeMap<String, String>,
    /// Keys of site.toml's `[labels]`.
    pub labels: BTreeMap<String, String>,
    /// The standard categories, by id.
    pub categories: BTreeMap<String, CategoryText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryText {
    pub title: String,
    pub description: String,
}

fn all() -> &'static BTreeMap<&'static str, Builtin> {
    static ALL: OnceLock<BTreeMap<&'static str, Builtin>> = OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|(lang, text)| {
                // The files are part of the program and a test parses each; a broken one would
                // only take that language's built-in texts away.
                toml::from_str::<Builtin>(text).ok().map(|b| (*lang, b))
            })
            .collect()
    })
}

/// The built-in texts of `lang`, if Samtykke has them.
pub fn builtin(lang: &str) -> Option<&'static Builtin> {
    all().get(lang)
}

/// The languages with built-in texts.
pub fn languages() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(lang, _)| *lang)
}

/// Every key of `[consent.texts]` a site may write: the built-in ones and the editor's own.
pub fn consent_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = builtin("nb")
        .map(|b| b.consent.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.extend(EDITOR_CONSENT_TEXTS);
    keys.sort_unstable();
    keys
}

/// Every key of `[labels]`.
pub fn label_keys() -> Vec<&'static str> {
    builtin("nb")
        .map(|b| b.labels.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The ids of the standard categories, whose texts are built in.
pub fn standard_categories() -> Vec<&'static str> {
    builtin("nb")
        .map(|b| b.categories.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// A text chosen for a page: the words, and the language they are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen<'a> {
    pub text: &'a str,
    pub lang: &'a str,
    /// Where it came from: the site's own files, or the built-in texts.
    pub builtin: bool,
}

impl Chosen<'_> {
    /// Whether the page in `lang` shows this text in another language.
    pub fn falls_back(&self, lang: &str) -> bool {
        self.lang != lang
    }
}

/// Which built-in table a key is in.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Consent,
    Labels,
    CategoryTitle,
    CategoryDescription,
}

fn builtin_text(lang: &str, table: Table, key: &str) -> Option<&'static str> {
    let b = builtin(lang)?;
    match table {
        Table::Consent => b.consent.get(key).map(String::as_str),
        Table::Labels => b.labels.get(key).map(String::as_str),
        Table::CategoryTitle => b.categories.get(key).map(|c| c.title.as_str()),
        Table::CategoryDescription => b.categories.get(key).map(|c| c.description.as_str()),
    }
}

/// An interface text in `lang`: the site's in `lang`, the built-in one in `lang`, then the same
/// two in the default language. `None` only when neither has it (validation refuses that for
/// the default language).
pub fn interface<'a>(
    site: Option<&'a Localized>,
    table: Table,
    key: &str,
    lang: &'a str,
    default: &'a str,
) -> Option<Chosen<'a>> {
    let own = |l: &'a str| {
        site.and_then(|t| t.0.get_ref().get(l))
            .map(|text| Chosen {
                text: text.as_str(),
                lang: l,
                builtin: false,
            })
            .or_else(|| {
                builtin_text(l, table, key).map(|text| Chosen {
                    text,
                    lang: l,
                    builtin: true,
                })
            })
    };
    own(lang).or_else(|| own(default))
}

/// An editor text in `lang`, else in the default language.
pub fn editor<'a>(text: &'a Localized, lang: &'a str, default: &'a str) -> Option<Chosen<'a>> {
    let map = text.0.get_ref();
    [lang, default].into_iter().find_map(|l| {
        map.get(l).map(|t| Chosen {
            text: t.as_str(),
            lang: l,
            builtin: false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_language_file_parses_and_has_the_same_keys() {
        let nb = builtin("nb").expect("nb parses");
        for lang in languages() {
            let b = builtin(lang).unwrap_or_else(|| panic!("{lang}.toml does not parse"));
            let keys = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<BTreeSet<_>>();
            assert_eq!(keys(&b.consent), keys(&nb.consent), "{lang}: [consent]");
            assert_eq!(keys(&b.labels), keys(&nb.labels), "{lang}: [labels]");
            assert_eq!(
                b.categories.keys().collect::<Vec<_>>(),
                nb.categories.keys().collect::<Vec<_>>(),
                "{lang}: [categories]"
            );
            let texts = b.consent.values().chain(b.labels.values()).chain(
                b.categories
                    .values()
                    .flat_map(|c| [&c.title, &c.description]),
            );
            for text in texts {
                assert!(!text.trim().is_empty(), "{lang}: an empty text");
            }
        }
    }

    #[test]
    fn the_standard_categories_and_the_texts_the_theme_uses_are_built_in() {
        assert_eq!(
            standard_categories(),
            [
                "analytics",
                "marketing",
                "media",
                "necessary",
                "preferences"
            ]
        );
        for key in [
            "accept_all",
            "reject_all",
            "customize",
            "gpc_notice",
            "saved",
        ] {
            assert!(consent_keys().contains(&key), "{key}");
        }
        assert!(consent_keys().contains(&"banner_body"));
        for key in [
            "skip_link",
            "not_found_title",
            "party_third",
            "basis_consent",
        ] {
            assert!(label_keys().contains(&key), "{key}");
        }
    }

    /// The words the issue asks for, as a native writer says them.
    #[test]
    fn the_choice_buttons_read_as_written() {
        let text = |lang: &str, key: &str| builtin(lang).map(|b| b.consent[key].clone());
        assert_eq!(text("nn", "accept_all").as_deref(), Some("Godta alle"));
        assert_eq!(text("nn", "reject_all").as_deref(), Some("Avvis alle"));
        assert_eq!(text("nn", "customize").as_deref(), Some("Tilpass"));
        assert_eq!(text("en", "accept_all").as_deref(), Some("Accept all"));
        assert_eq!(text("en", "reject_all").as_deref(), Some("Reject all"));
        assert_eq!(text("en", "customize").as_deref(), Some("Customise"));
    }

    fn localized(pairs: &[(&str, &str)]) -> Localized {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Localized(toml::Spanned::new(0..0, map))
    }

    #[test]
    fn an_interface_text_is_overridden_per_language() {
        let site = localized(&[("nb", "Ja takk")]);
        let nb = interface(Some(&site), Table::Consent, "accept_all", "nb", "nb");
        assert_eq!(nb.map(|c| (c.text, c.builtin)), Some(("Ja takk", false)));
        // The Bokmål override leaves the English built-in text in place.
        let en = interface(Some(&site), Table::Consent, "accept_all", "en", "nb");
        assert_eq!(
            en.map(|c| (c.text, c.lang, c.builtin)),
            Some(("Accept all", "en", true))
        );
        // A language without built-in texts falls back to the default language's.
        let de = interface(Some(&site), Table::Consent, "accept_all", "de", "nb").expect("nb");
        assert_eq!((de.text, de.lang), ("Ja takk", "nb"));
        assert!(de.falls_back("de"));
        let de = interface(None, Table::Labels, "skip_link", "de", "nn").expect("nn");
        assert_eq!((de.text, de.lang), ("Hopp til hovudinnhaldet", "nn"));
    }

    #[test]
    fn an_editor_text_falls_back_to_the_default_language() {
        let body = localized(&[("nb", "Vi teller besøk."), ("en", "We count visits.")]);
        assert_eq!(
            editor(&body, "en", "nb").map(|c| c.text),
            Some("We count visits.")
        );
        let nn = editor(&body, "nn", "nb").expect("nb");
        assert_eq!((nn.text, nn.lang), ("Vi teller besøk.", "nb"));
        assert!(nn.falls_back("nn"));
    }
}
