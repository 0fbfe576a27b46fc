//! Checks that span files: categories, services and languages that must exist, duplicates, and
//! the rules of the law that a schema cannot express. Runs once, at load; past it the model is
//! trusted.

use crate::content::inventory::{Category, Cookie, InventoryFile, LegalBasis, Service};
use crate::content::localized::Localized;
use crate::content::site::SiteFile;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::i18n::{self, Table};
use std::collections::HashMap;

pub mod brand;
pub mod embed;
pub mod gated;
pub mod loads;
pub mod urls;

/// "expected one of `a`, `b`" with a "did you mean" when one is close.
pub fn expected_one_of<'a>(
    found: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> (String, Option<String>) {
    let known: Vec<&str> = known.into_iter().collect();
    let list = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let closest = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(found, k), *k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| format!("did you mean `{k}`?"));
    (format!("expected one of {list}"), closest)
}

/// An error for `found`, which is not one of `known`: the list as the label, and as the hint a
/// close match if there is one, else `fallback`.
pub fn not_one_of<'a>(
    source: &Source,
    span: Option<std::ops::Range<usize>>,
    message: String,
    found: &str,
    known: impl IntoIterator<Item = &'a str>,
    fallback: Option<String>,
) -> Diagnostic {
    let (expected, help) = expected_one_of(found, known);
    with_help(
        Diagnostic::new(source, span, message).label(expected),
        help.or(fallback),
    )
}

/// A positioned error for a URL that is not what it must be.
fn url_error(
    source: &Source,
    span: std::ops::Range<usize>,
    message: impl Into<String>,
    problem: urls::Problem,
) -> Diagnostic {
    Diagnostic::new(source, Some(span), message)
        .label(problem.label)
        .help(problem.help)
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn with_help(diagnostic: Diagnostic, help: Option<String>) -> Diagnostic {
    match help {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// Every text exists in the default language, and in no language the site does not have.
pub fn localized(
    text: &Localized,
    what: &str,
    source: &Source,
    site: &SiteFile,
    errors: &mut Diagnostics,
) {
    over_builtin(text, what, false, source, site, errors);
}

/// Like [`localized`], for a text that overrides a built-in one: where the default language has
/// the built-in text (`builtin_default`), the site's may leave that language out.
fn over_builtin(
    text: &Localized,
    what: &str,
    builtin_default: bool,
    source: &Source,
    site: &SiteFile,
    errors: &mut Diagnostics,
) {
    let default = site.default_language.get_ref();
    if !builtin_default && !text.0.get_ref().contains_key(default.as_str()) {
        errors.push(
            Diagnostic::new(
                source,
                Some(text.span()),
                format!("{what} has no text in the default language `{default}`"),
            )
            .label(format!("expected `{default} = \"…\"` here"))
            .help(format!(
                "every text needs the default language; add {default} = \"…\" to this table"
            )),
        );
    }
    for lang in text.languages() {
        if !site.languages.contains_key(lang) {
            errors.push(not_one_of(
                source,
                Some(text.span()),
                format!("{what} has a text in unknown language `{lang}`"),
                lang,
                site.languages.keys().map(String::as_str),
                Some(format!("declare it in site.toml as [languages.{lang}]")),
            ));
        }
    }
}

/// site.toml on its own: languages, texts, consent settings.
pub fn site(site: &SiteFile, source: &Source, errors: &mut Diagnostics) {
    let default = site.default_language.get_ref();
    if !site.languages.contains_key(default) {
        errors.push(not_one_of(
            source,
            Some(site.default_language.span()),
            format!("the default language `{default}` is not declared"),
            default,
            site.languages.keys().map(String::as_str),
            Some(format!("add [languages.{default}] with its name")),
        ));
        // Every other text check would repeat this error.
        return;
    }
    if let Err(problem) = urls::base_url(site.base_url.get_ref()) {
        errors.push(url_error(
            source,
            site.base_url.span(),
            "the base URL is not a URL the site can be published at",
            problem,
        ));
    }
    if site.consent.storage_key.trim().is_empty() {
        errors.push(
            Diagnostic::new(source, None, "[consent] storage_key is empty")
                .label("the widget keeps the visitor's choice under this localStorage key")
                .help("leave it out to use \"samtykke\""),
        );
    }
    if *site.consent.expiry_days.get_ref() == 0 {
        errors.push(
            Diagnostic::new(
                source,
                Some(site.consent.expiry_days.span()),
                "consent cannot expire after 0 days",
            )
            .label("expected a number of days, such as 180")
            .help("the usual period is 180 days (6 months)"),
        );
    }
    let controller = &site.controller;
    if let Err(problem) = urls::email(controller.email.get_ref()) {
        errors.push(url_error(
            source,
            controller.email.span(),
            "the controller's e-mail address cannot be linked to",
            problem,
        ));
    }
    for phone in &controller.phones {
        if let Err(problem) = urls::phone(phone.number.get_ref()) {
            errors.push(url_error(
                source,
                phone.number.span(),
                "a phone number cannot be linked to",
                problem,
            ));
        }
    }
    localized(
        &controller.address,
        "the controller's address",
        source,
        site,
        errors,
    );
    if let Some(note) = &controller.visiting_note {
        localized(note, "the visiting note", source, site, errors);
    }
    for phone in &controller.phones {
        localized(&phone.label, "a phone label", source, site, errors);
        if let Some(hours) = &phone.hours {
            localized(hours, "a phone's opening hours", source, site, errors);
        }
    }
    brand::check(&site.brand, source, errors);
    let tables = TableSpans::of(source);
    receipts(site, source, errors);
    required_texts(
        &site.consent.texts,
        Table::Consent,
        "[consent.texts]",
        tables.consent.and_then(|c| c.texts).map(|t| t.span()),
        source,
        site,
        errors,
    );
    required_texts(
        &site.labels,
        Table::Labels,
        "[labels]",
        tables.labels.map(|t| t.span()),
        source,
        site,
        errors,
    );
}

/// Where site.toml's text tables are, for errors about keys missing from them: `SiteFile` holds
/// their contents, not their place. Read again from the same text, so it cannot disagree.
#[derive(serde::Deserialize, Default)]
struct TableSpans {
    #[serde(default)]
    labels: Option<toml::Spanned<toml::Table>>,
    #[serde(default)]
    consent: Option<ConsentSpans>,
}

#[derive(serde::Deserialize)]
struct ConsentSpans {
    #[serde(default)]
    texts: Option<toml::Spanned<toml::Table>>,
}

impl TableSpans {
    fn of(source: &Source) -> TableSpans {
        // The file parsed once already; a failure here only costs the position.
        toml::from_str(&source.text).unwrap_or_default()
    }
}

/// `[consent] receipts_url`: an endpoint the widget may send to, and what the receipts it sends
/// need from the rest of site.toml (the service's rules, `samtykke_contract::receipt`).
fn receipts(site: &SiteFile, source: &Source, errors: &mut Diagnostics) {
    use samtykke_contract::receipt::{is_token, MAX_POLICY_VERSION};
    let Some(url) = &site.consent.receipts_url else {
        return;
    };
    if let Err(problem) = urls::receipts_url(url.get_ref()) {
        errors.push(url_error(
            source,
            url.span(),
            "the receipts URL is not an endpoint the widget can send receipts to",
            problem,
        ));
    }
    if !is_token(&site.policy.version, MAX_POLICY_VERSION) {
        errors.push(
            Diagnostic::new(
                source,
                None,
                format!(
                    "[policy] version {:?} cannot go into a receipt",
                    site.policy.version
                ),
            )
            .label(format!(
                "with receipts_url set, the version must be 1–{MAX_POLICY_VERSION} letters, digits, `-`, `_` or `.`"
            ))
            .help("write it like \"1.0\" or \"2026-11-30\""),
        );
    }
}

/// Every key the theme shows has a text in the default language, the site's own or built in;
/// the site writes no key the theme does not know.
fn required_texts(
    texts: &std::collections::BTreeMap<String, Localized>,
    table: Table,
    table_name: &str,
    table_span: Option<std::ops::Range<usize>>,
    source: &Source,
    site: &SiteFile,
    errors: &mut Diagnostics,
) {
    let lang = site.default_language.get_ref();
    let known = match table {
        Table::Consent => i18n::consent_keys(),
        _ => i18n::label_keys(),
    };
    let builtin_default =
        |key: &str| i18n::interface(None, table, key, lang, lang).is_some_and(|c| c.lang == lang);
    let missing: Vec<&str> = known
        .iter()
        .copied()
        .filter(|key| {
            !builtin_default(key)
                && !texts
                    .get(*key)
                    .is_some_and(|t| t.0.get_ref().contains_key(lang.as_str()))
        })
        .collect();
    let why = if i18n::builtin(lang).is_some() {
        "only the site can write it".to_owned()
    } else {
        format!("Samtykke has no built-in texts in `{lang}`")
    };
    match &table_span {
        // One error for a missing table, not one per key.
        None if !missing.is_empty() => errors.push(
            Diagnostic::new(source, None, format!("site.toml has no {table_name} table"))
                .label(format!(
                    "the theme needs these texts, and {why}: {}",
                    list(&missing)
                ))
                .help(format!(
                    "add {table_name} with `{} = {{ {lang} = \"…\" }}` and the other keys",
                    missing.first().copied().unwrap_or("key")
                )),
        ),
        None => {}
        Some(span) => {
            for key in &missing {
                errors.push(
                    Diagnostic::new(
                        source,
                        Some(span.clone()),
                        format!("{table_name} has no `{key}` in `{lang}`"),
                    )
                    .label(format!("`{key}` is missing from this table, and {why}"))
                    .help(format!(
                        "the theme shows this text; add `{key} = {{ {lang} = \"…\" }}` to {table_name}"
                    )),
                );
            }
        }
    }
    for (key, text) in texts {
        if !known.contains(&key.as_str()) {
            let (expected, help) = expected_one_of(key, known.iter().copied());
            errors.push(with_help(
                Diagnostic::new(
                    source,
                    Some(text.span()),
                    format!("unknown key `{key}` in {table_name}"),
                )
                .label(expected),
                help,
            ));
            continue;
        }
        // A missing default is reported above, once.
        over_builtin(text, &format!("`{key}`"), true, source, site, errors);
    }
}

/// cookies.toml: categories, services and cookies, and how they refer to each other.
pub fn inventory(inv: &InventoryFile, source: &Source, site: &SiteFile, errors: &mut Diagnostics) {
    let cx = Entry { inv, source, site };
    if !inv.categories.values().any(|c| *c.necessary.get_ref()) {
        errors.push(
            Diagnostic::new(source, None, "no category is marked `necessary = true`")
                .label("the consent record itself is strictly necessary and needs one"),
        );
    }
    if inv.categories.len() > samtykke_contract::config::MAX_CATEGORIES {
        errors.push(
            Diagnostic::new(
                source,
                None,
                format!("{} categories are too many", inv.categories.len()),
            )
            .label(format!(
                "the widget handles at most {}",
                samtykke_contract::config::MAX_CATEGORIES
            )),
        );
    }
    let optional = inv.categories.values().filter(|c| !*c.necessary.get_ref());
    let receipt_limit = samtykke_contract::receipt::MAX_CATEGORIES;
    if site.consent.receipts_url.is_some() && optional.count() > receipt_limit {
        errors.push(
            Diagnostic::new(source, None, "too many optional categories for receipts").label(
                format!("with receipts_url set, a receipt holds at most {receipt_limit}"),
            ),
        );
    }
    for (id, category) in &inv.categories {
        check_category(&cx, id, category, errors);
    }
    for (id, service) in &inv.services {
        check_service(&cx, id, service, errors);
    }
    let mut seen = HashMap::new();
    for cookie in &inv.cookies {
        check_cookie(&cx, cookie, &mut seen, errors);
    }
}

/// What every entry of cookies.toml is checked against.
struct Entry<'a> {
    inv: &'a InventoryFile,
    source: &'a Source,
    site: &'a SiteFile,
}

/// One `[categories.<id>]`: a usable id, its texts, and C-2.
fn check_category(cx: &Entry, id: &str, category: &Category, errors: &mut Diagnostics) {
    let (source, site) = (cx.source, cx.site);
    let span = category
        .title
        .as_ref()
        .or(category.description.as_ref())
        .map(Localized::span);
    if !samtykke_contract::config::is_category_id(id) {
        errors.push(
            Diagnostic::new(
                source,
                span.clone(),
                format!("category id `{id}` cannot be used"),
            )
            .label("in this category")
            .help("use only letters a–z, digits, `-` and `_` in [categories.<id>]"),
        );
    }
    let default = site.default_language.get_ref();
    for (field, text, table) in [
        ("title", &category.title, Table::CategoryTitle),
        (
            "description",
            &category.description,
            Table::CategoryDescription,
        ),
    ] {
        let builtin =
            i18n::interface(None, table, id, default, default).is_some_and(|c| c.lang == *default);
        let what = format!("category `{id}`'s {field}");
        match text {
            Some(text) => over_builtin(text, &what, builtin, source, site, errors),
            None if builtin => {}
            None => errors.push(
                Diagnostic::new(source, span.clone(), format!("{what} is missing"))
                    .label(format!(
                        "expected `{field} = {{ {default} = \"…\" }}` in [categories.{id}]"
                    ))
                    .help(format!(
                        "only the standard categories ({}) have built-in texts",
                        list(&i18n::standard_categories())
                    )),
            ),
        }
    }
    // C-2: analytics and marketing are never strictly necessary.
    if *category.necessary.get_ref() && matches!(id, "analytics" | "marketing" | "statistics") {
        errors.push(
            Diagnostic::new(
                source,
                Some(category.necessary.span()),
                format!("category `{id}` cannot be strictly necessary"),
            )
            .label("analytics and marketing always need consent (ekomloven § 3-15)"),
        );
    }
}

/// One `[services.<id>]`: its category, script and privacy page.
fn check_service(cx: &Entry, id: &str, service: &Service, errors: &mut Diagnostics) {
    let (inv, source, site) = (cx.inv, cx.source, cx.site);
    if let Some(category) = &service.category {
        category_ref(
            category,
            &inv.categories,
            source,
            errors,
            inv.categories.keys().map(String::as_str),
        );
    }
    if let (Some(script), None) = (&service.script, &service.category) {
        errors.push(
            Diagnostic::new(
                source,
                Some(script.span()),
                format!("service `{id}` has a script but no category"),
            )
            .label("a script runs only after consent to its category")
            .help("add category = \"analytics\" (or the category it belongs to)"),
        );
    }
    if let Some(script) = &service.script {
        if let Err(problem) = urls::service_script(script.get_ref()) {
            errors.push(url_error(
                source,
                script.span(),
                format!("service `{id}`'s script is not an absolute https URL"),
                problem,
            ));
        }
    }
    loads::check(inv, source, site, id, service, errors);
    if let Some(url) = &service.privacy_url {
        if let Err(problem) = urls::link(url.get_ref()) {
            errors.push(url_error(
                source,
                url.span(),
                format!("service `{id}`'s privacy_url is not a web address"),
                problem,
            ));
        }
    }
    if let crate::content::localized::Name::PerLanguage(names) = &service.name {
        let span = crate::content::localized::service_name_span(&source.text, id);
        let spanned = Localized(toml::Spanned::new(span.unwrap_or(0..0), names.clone()));
        localized(
            &spanned,
            &format!("service `{id}`'s name"),
            source,
            site,
            errors,
        );
    }
    if let Some(transfer) = &service.transfer {
        localized(
            transfer,
            &format!("service `{id}`'s transfer"),
            source,
            site,
            errors,
        );
    }
}

/// Cookies already declared, by name, host and storage: where the first one's name is.
type Seen<'a> = HashMap<(&'a str, &'a str, &'a str), std::ops::Range<usize>>;

/// One `[[cookies]]` entry: its name, category, service, texts and legal basis, and that it is
/// not declared twice for one host.
fn check_cookie<'a>(
    cx: &Entry<'a>,
    cookie: &'a Cookie,
    seen: &mut Seen<'a>,
    errors: &mut Diagnostics,
) {
    let (inv, source) = (cx.inv, cx.source);
    let name = cookie.name.get_ref();
    if let Err(why) = samtykke_contract::pattern::check(name) {
        errors.push(
            Diagnostic::new(
                source,
                Some(cookie.name.span()),
                format!("invalid cookie name `{name}`"),
            )
            .label(why),
        );
    }
    let category = category_ref(
        &cookie.category,
        &inv.categories,
        source,
        errors,
        inv.categories.keys().map(String::as_str),
    );
    let service = inv.services.get(cookie.service.get_ref().as_str());
    if service.is_none() {
        let found = cookie.service.get_ref();
        errors.push(not_one_of(
            source,
            Some(cookie.service.span()),
            format!("unknown service `{found}`"),
            found,
            inv.services.keys().map(String::as_str),
            Some(format!("declare it as [services.{found}]")),
        ));
    }
    cookie_texts(cx, cookie, errors);
    if let Some(category) = category {
        cookie_basis(source, cookie, category, errors);
    }
    if let Some(service) = service {
        let key = (
            name.as_str(),
            service.host.get_ref().as_str(),
            cookie.storage.as_str(),
        );
        if let Some(first) = seen.get(&key) {
            errors.push(
                Diagnostic::new(
                    source,
                    Some(cookie.name.span()),
                    format!("cookie `{name}` is declared twice for host `{}`", key.1),
                )
                .label("declared again here")
                .related(first.clone(), "first declared here")
                .help("remove one entry, or give them different services on different hosts"),
            );
        } else {
            seen.insert(key, cookie.name.span());
        }
    }
}

/// A cookie's purpose and lifetime are owed to the visitor (GDPR Art. 13(1)(c) and 13(2)(a)).
fn cookie_texts(cx: &Entry, cookie: &Cookie, errors: &mut Diagnostics) {
    let (source, site) = (cx.source, cx.site);
    let name = cookie.name.get_ref();
    for (field, text, owed) in [
        (
            "purpose",
            &cookie.purpose,
            "what every cookie is for (GDPR Art. 13(1)(c))",
        ),
        (
            "lifetime",
            &cookie.lifetime,
            "how long every cookie lives (GDPR Art. 13(2)(a))",
        ),
    ] {
        match text {
            Some(text) => localized(
                text,
                &format!("cookie `{name}`'s {field}"),
                source,
                site,
                errors,
            ),
            None => errors.push(
                Diagnostic::new(
                    source,
                    Some(cookie.name.span()),
                    format!("cookie `{name}` has no {field}"),
                )
                .label(format!(
                    "expected `{field} = {{ {} = \"…\" }}` in this entry",
                    site.default_language.get_ref()
                ))
                .help(format!("visitors must be told {owed}")),
            ),
        }
    }
}

/// Outside a strictly necessary category, only consent can allow a cookie (C-2, ekomloven § 3-15).
fn cookie_basis(source: &Source, cookie: &Cookie, category: &Category, errors: &mut Diagnostics) {
    let name = cookie.name.get_ref();
    let basis = *cookie.legal_basis.get_ref();
    if !*category.necessary.get_ref() && basis != LegalBasis::Consent {
        let message = if basis == LegalBasis::LegitimateInterest {
            format!("cookie `{name}` needs consent, not legitimate interest")
        } else {
            format!("cookie `{name}` needs consent, not `{}`", basis.as_str())
        };
        errors.push(
            Diagnostic::new(source, Some(cookie.legal_basis.span()), message)
                .label("expected legal_basis = \"consent\"")
                .help(format!(
                    "category `{}` is not strictly necessary, so only consent can allow it (ekomloven § 3-15)",
                    cookie.category.get_ref()
                )),
        );
    }
}

/// A reference to a category: the category, or an error naming the ones declared.
fn category_ref<'a, 'b>(
    category: &toml::Spanned<String>,
    categories: &'a std::collections::BTreeMap<String, crate::content::inventory::Category>,
    source: &Source,
    errors: &mut Diagnostics,
    known: impl IntoIterator<Item = &'b str>,
) -> Option<&'a crate::content::inventory::Category> {
    let found = category.get_ref();
    let hit = categories.get(found.as_str());
    if hit.is_none() {
        errors.push(not_one_of(
            source,
            Some(category.span()),
            format!("unknown category `{found}`"),
            found,
            known,
            Some(format!("declare it as [categories.{found}]")),
        ));
    }
    hit
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
