//! C-1 to C-3: the inventory is complete, analytics is never necessary, and the necessary
//! category holds only what is strictly needed. `validate` already refuses what is certainly
//! wrong (a missing purpose, legitimate interest outside the necessary category, a category
//! named `analytics` marked necessary); these are the findings that need a person's judgement.

use super::finding::Finding;
use super::text::any;
use super::Cx;
use crate::content::inventory::{LegalBasis, Storage};
use samtykke_contract::pattern;

/// Names set by analytics and advertising scripts, as the widget's patterns (`*`: any run).
pub const TRACKERS: &[&str] = &[
    "__utm*", "_ga*", "_gid", "_gat*", "_gcl*", "_fbp", "_fbc", "_hj*", "_pk_*", "_clck", "_clsk",
    "_uetsid", "_uetvid",
];
/// Words in a purpose that mean it is not strictly necessary.
pub const NOT_NECESSARY: &[&str] = &[
    "statistikk",
    "analyse",
    "markedsføring",
    "reklame",
    "annonse",
    "sporing",
    "målretting",
];
/// Words in a category's title or id that mean it needs consent.
pub const CONSENT_CATEGORY: &[&str] = &[
    "statistikk",
    "analyse",
    "analytics",
    "markedsføring",
    "marketing",
    "reklame",
    "annonse",
];
/// Texts that mean a purpose is not given.
pub const PURPOSE_UNKNOWN: &[&str] = &["mangler", "ikke oppgitt", "ukjent"];

/// The widget's own glob matching, so `check` and the browser agree on what a pattern means.
fn is_tracker(name: &str) -> bool {
    TRACKERS.iter().any(|t| pattern::matches(t, name))
}

pub fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let inventory = &cx.site.inventory;
    let source = &cx.site.inventory_source;
    let default = cx.site.default_language();
    let necessary = |id: &str| {
        inventory
            .categories
            .get(id)
            .is_some_and(|c| *c.necessary.get_ref())
    };

    // C-1: the consent record's own key is declared, as strictly necessary local storage.
    let key = &cx.site.config.consent.storage_key;
    let declared = inventory.cookies.iter().any(|c| {
        c.name.get_ref() == key
            && c.storage == Storage::LocalStorage
            && necessary(c.category.get_ref())
    });
    if !declared {
        out.push(
            Finding::new("C-1", source, None, format!("the consent record's own storage key `{key}` is not in the inventory"))
                .label("expected an entry with storage = \"local-storage\" in the necessary category")
                .why("C-1 and C-3: every cookie and storage key the site sets is in the inventory, the widget's own record included (ekomloven § 3-15)")
                .help(format!("add [[cookies]] name = \"{key}\", storage = \"local-storage\", category = \"necessary\", legal_basis = \"legal-obligation\", with its purpose and lifetime")),
        );
    }
    for cookie in &inventory.cookies {
        let name = cookie.name.get_ref();
        let category = cookie.category.get_ref();
        if let Some(purpose) = &cookie.purpose {
            let text = purpose.get(default, default).to_lowercase();
            if text.trim().is_empty() || any(&text, PURPOSE_UNKNOWN) {
                out.push(
                    Finding::new(
                        "C-1",
                        source,
                        Some(purpose.span()),
                        format!("the purpose of `{name}` is not stated"),
                    )
                    .label("no purpose given here")
                    .why(
                        "C-1 and GDPR Art. 13(1)(c): the visitor is told what every cookie is for",
                    ),
                );
            }
        }
        // C-2: analytics and advertising cookies never sit in the necessary category.
        if necessary(category) && is_tracker(name) {
            out.push(
                Finding::new("C-2", source, Some(cookie.category.span()), format!("`{name}` is an analytics or advertising cookie in a necessary category"))
                    .label(format!("category `{category}` is strictly necessary"))
                    .why("C-2, ekomloven § 3-15: analytics is never exempt from consent, first-party analytics included")
                    .help("move it to a category that needs consent, such as analytics"),
            );
        }
        // C-3: the necessary category holds only what is strictly needed.
        if necessary(category) {
            let basis = *cookie.legal_basis.get_ref();
            if basis == LegalBasis::Consent {
                out.push(
                    Finding::new("C-3", source, Some(cookie.legal_basis.span()), format!("`{name}` is strictly necessary but rests on consent"))
                        .label("consent here, in a category that is always on")
                        .why("C-3: what is strictly necessary is set without consent; what rests on consent must be refusable")
                        .help("give it the basis it has (contract, legal-obligation), or move it to a category the visitor can refuse"),
                );
            }
            if let Some(purpose) = &cookie.purpose {
                let text = purpose.get(default, default).to_lowercase();
                if let Some(word) = NOT_NECESSARY.iter().find(|w| text.contains(**w)) {
                    out.push(
                        Finding::new("C-3", source, Some(purpose.span()), format!("`{name}` is in a necessary category, but its purpose speaks of {word}"))
                            .label(format!("«{word}» is not strictly necessary"))
                            .why("C-3, ekomloven § 3-15(2): only storage strictly necessary for a service the visitor asked for is exempt from consent"),
                    );
                }
            }
        }
    }
    for (id, category) in &inventory.categories {
        let title = crate::i18n::interface(
            category.title.as_ref(),
            crate::i18n::Table::CategoryTitle,
            id,
            default,
            default,
        )
        .map_or_else(String::new, |c| c.text.to_lowercase());
        if *category.necessary.get_ref()
            && (any(&title, CONSENT_CATEGORY) || any(id, CONSENT_CATEGORY))
        {
            out.push(
                Finding::new("C-2", source, Some(category.necessary.span()), format!("category `{id}` («{title}») is marked strictly necessary"))
                    .label("necessary = true")
                    .why("C-2: analytics and marketing categories are never necessary (ekomloven § 3-15)"),
            );
        }
    }
    for (id, service) in &inventory.services {
        let (Some(script), Some(category)) = (&service.script, &service.category) else {
            continue;
        };
        if necessary(category.get_ref()) {
            out.push(
                Finding::new("C-2", source, Some(script.span()), format!("the script of `{id}` runs without consent"))
                    .label(format!("its category `{}` is strictly necessary", category.get_ref()))
                    .why("C-2 and C-4: a third-party script is not strictly necessary; it runs only after consent")
                    .help("give the service a category that needs consent"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_tracker, TRACKERS};

    #[test]
    fn trackers_by_name_and_prefix() {
        assert!(
            is_tracker("__utma")
                && is_tracker("_ga_ABC123")
                && is_tracker("_gid")
                && is_tracker("_fbp")
        );
        assert!(!is_tracker("PHPSESSID") && !is_tracker("samtykke") && !is_tracker("_gidx"));
    }

    #[test]
    fn tracker_patterns_are_names_or_prefixes() {
        // `check` used to read a trailing `*` as a prefix; the widget's glob agrees on those.
        for t in TRACKERS {
            assert!(!t.trim_end_matches('*').contains('*'), "{t}");
        }
    }
}
