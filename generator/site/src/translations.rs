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
    /// Not a fallback: the page shows the built-in text in its own language, where the site
    /// rewrote that text in the default language (so the two may no longer say the same).
    pub builtin: bool,
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
            let missing: Vec<Missing> = missing(site, lang)
                .into_iter()
                .filter(|m| !m.builtin)
                .collect();
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

/// Every fallback of `lang`: site.toml's, cookies.toml's, then the pages', and the built-in
/// texts shown where the site reworded them (see [`reworded`]).
pub fn missing<'a>(site: &'a Site, lang: &str) -> Vec<Missing<'a>> {
    let mut out = Vec::new();
    if lang == site.default_language() {
        return out;
    }
    site_texts(site, lang, &mut out);
    inventory_texts(site, lang, &mut out);
    reworded(site, lang, &mut out);
    pages(site, lang, &mut out);
    out
}

/// Notes `chosen` if the page in `lang` shows it in another language.
fn note<'a>(
    out: &mut Vec<Missing<'a>>,
    lang: &str,
    source: &'a Source,
    span: Option<Range<usize>>,
    key: String,
    chosen: Option<Chosen>,
) {
    if chosen.is_some_and(|c| c.falls_back(lang)) {
        out.push(Missing {
            lang: lang.to_owned(),
            source,
            span,
            key,
            page: false,
            builtin: false,
        });
    }
}

/// site.toml: the contact details, the consent texts and the labels.
fn site_texts<'a>(site: &'a Site, lang: &str, out: &mut Vec<Missing<'a>>) {
    let default = site.default_language();
    let config = &site.config;
    let source = &site.config_source;
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
        let chosen = i18n::editor(text, lang, default);
        note(out, lang, source, Some(text.span()), key, chosen);
    }
    for key in i18n::consent_keys() {
        let text = config.consent.texts.get(key);
        let chosen = if i18n::EDITOR_CONSENT_TEXTS.contains(&key) {
            text.and_then(|t| i18n::editor(t, lang, default))
        } else {
            i18n::interface(text, Table::Consent, key, lang, default)
        };
        let span = text.map(Localized::span);
        note(
            out,
            lang,
            source,
            span,
            format!("[consent.texts] {key}"),
            chosen,
        );
    }
    for key in i18n::label_keys() {
        let text = config.labels.get(key);
        let chosen = i18n::interface(text, Table::Labels, key, lang, default);
        let span = text.map(Localized::span);
        note(out, lang, source, span, format!("[labels] {key}"), chosen);
    }
}

/// cookies.toml: categories, services' names and transfers, cookies' purposes and lifetimes.
fn inventory_texts<'a>(site: &'a Site, lang: &str, out: &mut Vec<Missing<'a>>) {
    let default = site.default_language();
    let source = &site.inventory_source;
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
            let span = text.as_ref().map(Localized::span);
            note(
                out,
                lang,
                source,
                span,
                format!("[categories.{id}] {field}"),
                chosen,
            );
        }
    }
    for (id, service) in &inventory.services {
        let (_, shown_in) = service.name.get(lang, default);
        if shown_in.is_some_and(|l| l != lang) {
            out.push(Missing {
                lang: lang.to_owned(),
                source,
                span: crate::content::localized::service_name_span(&source.text, id),
                key: format!("[services.{id}] name"),
                page: false,
                builtin: false,
            });
        }
        if let Some(transfer) = &service.transfer {
            let chosen = i18n::editor(transfer, lang, default);
            let span = Some(transfer.span());
            note(
                out,
                lang,
                source,
                span,
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
                let span = Some(text.span());
                note(
                    out,
                    lang,
                    source,
                    span,
                    format!("cookie `{name}` {field}"),
                    chosen,
                );
            }
        }
    }
}

/// The default language's pages that have no translation in `lang`.
fn pages<'a>(site: &'a Site, lang: &str, out: &mut Vec<Missing<'a>>) {
    let default = site.default_language();
    for page in site.pages.iter().filter(|p| p.lang == default) {
        if site.page(&page.file.slug, lang).is_none() {
            out.push(Missing {
                lang: lang.to_owned(),
                source: &page.file.source,
                span: None,
                key: format!("page `{}`", page.file.slug),
                page: true,
                builtin: false,
            });
        }
    }
}

/// The interface texts the site rewrote in the default language but not in `lang`, where the
/// page shows the built-in text instead: the two may no longer say the same (a category
/// description that names the site's analytics provider, say). A site text that is the
/// built-in one word for word changes nothing and is not listed.
fn reworded<'a>(site: &'a Site, lang: &str, out: &mut Vec<Missing<'a>>) {
    let default = site.default_language();
    let config = &site.config;
    let mut texts: Vec<(&'a Source, &'a Localized, Table, &'a str, String)> = Vec::new();
    for (key, text) in &config.consent.texts {
        if !i18n::EDITOR_CONSENT_TEXTS.contains(&key.as_str()) {
            texts.push((
                &site.config_source,
                text,
                Table::Consent,
                key,
                format!("[consent.texts] {key}"),
            ));
        }
    }
    for (key, text) in &config.labels {
        texts.push((
            &site.config_source,
            text,
            Table::Labels,
            key,
            format!("[labels] {key}"),
        ));
    }
    for (id, category) in &site.inventory.categories {
        for (field, text, table) in [
            ("title", &category.title, Table::CategoryTitle),
            (
                "description",
                &category.description,
                Table::CategoryDescription,
            ),
        ] {
            if let Some(text) = text {
                texts.push((
                    &site.inventory_source,
                    text,
                    table,
                    id,
                    format!("[categories.{id}] {field}"),
                ));
            }
        }
    }
    for (source, text, table, key, shown) in texts {
        let map = text.0.get_ref();
        let Some(own) = map.get(default) else {
            continue;
        };
        let standard = i18n::interface(None, table, key, default, default).map(|c| c.text);
        let chosen = i18n::interface(Some(text), table, key, lang, default);
        if standard != Some(own.as_str()) && chosen.is_some_and(|c| c.builtin && c.lang == lang) {
            out.push(Missing {
                lang: lang.to_owned(),
                source,
                span: Some(text.span()),
                key: shown,
                page: false,
                builtin: true,
            });
        }
    }
}
