//! Every text of the site that a page in one language shows in another: the list `check`
//! reports (by language, file and key) and `build` counts. Which text is chosen is `i18n`'s
//! rule; this walks the site and asks it for each text.

use crate::content::localized::Localized;
use crate::diagnostics::Source;
use crate::i18n::{self, Chosen, Table};
use crate::model::Site;
use std::ops::Range;

/// One text that a page in `lang` shows in the default language.
#[derive(Debug, Clone)]
pub struct Missing<'a> {
    pub lang: String,
    /// The file that holds the default-language text, and where in it.
    pub source: &'a Source,
    pub span: Option<Range<usize>>,
    /// What it is, as an editor finds it: "[consent.texts] banner_body", "cookie `_ga` purpose".
    pub key: String,
    /// A whole page rather than a text in one.
    pub page: bool,
}

/// Per language other than the default: how many texts and pages fall back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub lang: String,
    pub default: String,
    pub texts: usize,
    pub pages: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (lang, default) = (&self.lang, &self.default);
        let count = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        let verb = if self.texts + self.pages == 1 {
            "falls"
        } else {
            "fall"
        };
        let what = match (self.texts, self.pages) {
            (0, 0) => {
                return write!(
                    f,
                    "{lang}: every text is in {lang}, none falls back to {default}"
                )
            }
            (texts, 0) => count(texts, "text", "texts"),
            (0, pages) => count(pages, "page", "pages"),
            (texts, pages) => format!(
                "{} and {}",
                count(texts, "text", "texts"),
                count(pages, "page", "pages")
            ),
        };
        write!(f, "{lang}: {what} {verb} back to {default}")
    }
}

/// One line per language other than the default, in the site's order.
pub fn summary(site: &Site) -> Vec<Summary> {
    let default = site.default_language();
    site.languages
        .iter()
        .filter(|l| l.as_str() != default)
        .map(|lang| {
            let missing = missing(site, lang);
            let pages = missing.iter().filter(|m| m.page).count();
            Summary {
                lang: lang.clone(),
                default: default.to_owned(),
                texts: missing.len() - pages,
                pages,
            }
        })
        .collect()
}

/// Every fallback of `lang`, in file order: site.toml, cookies.toml, then the pages.
pub fn missing<'a>(site: &'a Site, lang: &str) -> Vec<Missing<'a>> {
    let default = site.default_language();
    let mut out = Vec::new();
    if lang == default {
        return out;
    }
    let config = &site.config;
    let mut push =
        |source: &'a Source, text: Option<&Localized>, key: String, chosen: Option<Chosen>| {
            if chosen.is_some_and(|c| c.falls_back(lang)) {
                out.push(Missing {
                    lang: lang.to_owned(),
                    source,
                    span: text.map(Localized::span),
                    key,
                    page: false,
                });
            }
        };
    let site_source = &site.config_source;
    let controller = &config.controller;
    let mut editor_texts: Vec<(&Localized, String)> =
        vec![(&controller.address, "[controller] address".to_owned())];
    if let Some(note) = &controller.visiting_note {
        editor_texts.push((note, "[controller] visiting_note".to_owned()));
    }
    for (i, phone) in controller.phones.iter().enumerate() {
        editor_texts.push((
            &phone.label,
            format!("[[controller.phones]] #{} label", i + 1),
        ));
        if let Some(hours) = &phone.hours {
            editor_texts.push((hours, format!("[[controller.phones]] #{} hours", i + 1)));
        }
    }
    for (text, key) in editor_texts {
        push(
            site_source,
            Some(text),
            key,
            i18n::editor(text, lang, default),
        );
    }
    for key in i18n::consent_keys() {
        let text = config.consent.texts.get(key);
        let chosen = if i18n::EDITOR_CONSENT_TEXTS.contains(&key) {
            text.and_then(|t| i18n::editor(t, lang, default))
        } else {
            i18n::interface(text, Table::Consent, key, lang, default)
        };
        push(site_source, text, format!("[consent.texts] {key}"), chosen);
    }
    for key in i18n::label_keys() {
        let text = config.labels.get(key);
        let chosen = i18n::interface(text, Table::Labels, key, lang, default);
        push(site_source, text, format!("[labels] {key}"), chosen);
    }

    let inv_source = &site.inventory_source;
    let inventory = &site.inventory;
    for (id, category) in &inventory.categories {
        for (field, text, table) in [
            ("title", &category.title, Table::CategoryTitle),
            (
                "description",
                &category.description,
                Table::CategoryDescription,
            ),
        ] {
            let chosen = i18n::interface(text.as_ref(), table, id, lang, default);
            push(
                inv_source,
                text.as_ref(),
                format!("[categories.{id}] {field}"),
                chosen,
            );
        }
    }
    for (id, service) in &inventory.services {
        if let Some(transfer) = &service.transfer {
            let chosen = i18n::editor(transfer, lang, default);
            push(
                inv_source,
                Some(transfer),
                format!("[services.{id}] transfer"),
                chosen,
            );
        }
    }
    for cookie in &inventory.cookies {
        let name = cookie.name.get_ref();
        for (field, text) in [("purpose", &cookie.purpose), ("lifetime", &cookie.lifetime)] {
            if let Some(text) = text {
                let chosen = i18n::editor(text, lang, default);
                push(
                    inv_source,
                    Some(text),
                    format!("cookie `{name}` {field}"),
                    chosen,
                );
            }
        }
    }

    for page in site.pages.iter().filter(|p| p.lang == default) {
        if site.page(&page.file.slug, lang).is_none() {
            out.push(Missing {
                lang: lang.to_owned(),
                source: &page.file.source,
                span: None,
                key: format!("page `{}`", page.file.slug),
                page: true,
            });
        }
    }
    out
}
