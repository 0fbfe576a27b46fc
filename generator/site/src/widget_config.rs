//! The widget's configuration, derived from the inventory, and the revision that asks visitors
//! again when what they were asked about changes.

use crate::content::inventory::InventoryFile;
use crate::content::localized::Localized;
use crate::content::site::SiteFile;
use samtykke_contract::config::{CategoryRule, CookieRule, WidgetConfig, SCHEMA_VERSION};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub fn derive(site: &SiteFile, inventory: &InventoryFile) -> WidgetConfig {
    let mut categories: Vec<(&String, &crate::content::inventory::Category)> =
        inventory.categories.iter().collect();
    categories.sort_by_key(|(id, c)| (c.order, (*id).clone()));
    WidgetConfig {
        version: SCHEMA_VERSION,
        revision: revision(inventory),
        storage_key: site.consent.storage_key.clone(),
        expiry_days: *site.consent.expiry_days.get_ref(),
        policy_version: site.policy.version.clone(),
        categories: categories
            .iter()
            .map(|(id, c)| CategoryRule {
                id: (*id).clone(),
                required: *c.necessary.get_ref(),
                // Only optional categories start anything (a necessary one is granted before any
                // choice); each source as the `url` crate wrote it, like the theme's placeholders.
                sources: if *c.necessary.get_ref() {
                    Vec::new()
                } else {
                    let mut sources: Vec<String> = inventory
                        .services
                        .values()
                        .filter(|s| s.category.as_ref().is_some_and(|k| k.get_ref() == *id))
                        .filter_map(|s| s.script.as_ref())
                        .filter_map(|s| crate::validate::urls::service_script(s.get_ref()).ok())
                        .map(|u| u.to_string())
                        .collect();
                    sources.sort();
                    sources.dedup();
                    sources
                },
            })
            .collect(),
        cookies: inventory
            .cookies
            .iter()
            .map(|c| CookieRule {
                pattern: c.name.get_ref().clone(),
                category: c.category.get_ref().clone(),
            })
            .collect(),
        google_consent_mode: site.consent.google_consent_mode,
    }
}

/// What the visitor is asked about, in a canonical form: a change here voids earlier consent.
/// Necessary cookies are left out (they are not asked about); their texts may change freely.
#[derive(Serialize)]
struct Asked<'a> {
    categories: BTreeMap<&'a str, AskedCategory<'a>>,
    cookies: Vec<AskedCookie<'a>>,
    services: BTreeMap<&'a str, AskedService<'a>>,
}

#[derive(Serialize)]
struct AskedCategory<'a> {
    necessary: bool,
    title: &'a BTreeMap<String, String>,
    description: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct AskedCookie<'a> {
    name: &'a str,
    category: &'a str,
    service: &'a str,
    party: &'static str,
    legal_basis: &'static str,
    storage: &'static str,
    purpose: Option<&'a BTreeMap<String, String>>,
    lifetime: Option<&'a BTreeMap<String, String>>,
}

#[derive(Serialize)]
struct AskedService<'a> {
    name: &'a str,
    provider: &'a str,
    host: &'a str,
    script: Option<&'a str>,
    transfer: Option<&'a BTreeMap<String, String>>,
}

/// The first 16 hex digits of the SHA-256 of [`Asked`] as JSON.
pub fn revision(inventory: &InventoryFile) -> String {
    let optional = |category: &str| {
        inventory
            .categories
            .get(category)
            .is_some_and(|c| !*c.necessary.get_ref())
    };
    let mut cookies: Vec<AskedCookie> = inventory
        .cookies
        .iter()
        .filter(|c| optional(c.category.get_ref()))
        .map(|c| AskedCookie {
            name: c.name.get_ref(),
            category: c.category.get_ref(),
            service: c.service.get_ref(),
            party: c.party.as_str(),
            legal_basis: c.legal_basis.get_ref().as_str(),
            storage: c.storage.as_str(),
            purpose: c.purpose.as_ref().map(text),
            lifetime: c.lifetime.as_ref().map(text),
        })
        .collect();
    // Reordering entries in the file is not a change to what is asked.
    cookies.sort_by(|a, b| (a.name, a.service).cmp(&(b.name, b.service)));
    let asked = Asked {
        categories: inventory
            .categories
            .iter()
            .map(|(id, c)| {
                (
                    id.as_str(),
                    AskedCategory {
                        necessary: *c.necessary.get_ref(),
                        title: text(&c.title),
                        description: text(&c.description),
                    },
                )
            })
            .collect(),
        cookies,
        services: inventory
            .services
            .iter()
            .filter(|(_, s)| s.category.as_ref().is_some_and(|c| optional(c.get_ref())))
            .map(|(id, s)| {
                (
                    id.as_str(),
                    AskedService {
                        name: &s.name,
                        provider: &s.provider,
                        host: s.host.get_ref(),
                        script: s.script.as_ref().map(|s| s.get_ref().as_str()),
                        transfer: s.transfer.as_ref().map(text),
                    },
                )
            })
            .collect(),
    };
    // Serialising plain maps and strings cannot fail.
    let json = serde_json::to_vec(&asked).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn text(l: &Localized) -> &BTreeMap<String, String> {
    l.0.get_ref()
}

/// The configuration as it goes into a page: JSON that cannot close the `<script>` it sits in.
pub fn to_embedded_json(config: &WidgetConfig) -> String {
    serde_json::to_string(config)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[categories.necessary]
necessary = true
title = { nb = "Nødvendige" }
description = { nb = "Trengs." }

[categories.analytics]
order = 1
title = { nb = "Statistikk" }
description = { nb = "Telling." }

[services.site]
name = "Nettsted"
provider = "Eier AS"
host = "example.no"

[services.ga]
name = "Google Analytics"
provider = "Google LLC"
host = "example.no"
category = "analytics"
script = "https://www.google-analytics.com/ga.js"

[[cookies]]
name = "PHPSESSID"
category = "necessary"
service = "site"
party = "first"
legal_basis = "contract"
purpose = { nb = "Skjema." }
lifetime = { nb = "Økt" }

[[cookies]]
name = "__utma"
category = "analytics"
service = "ga"
party = "first"
legal_basis = "consent"
purpose = { nb = "Statistikk." }
lifetime = { nb = "2 år" }

[[cookies]]
name = "__utmz"
category = "analytics"
service = "ga"
party = "first"
legal_basis = "consent"
purpose = { nb = "Kilde." }
lifetime = { nb = "6 måneder" }
"#;

    fn rev(text: &str) -> String {
        let inventory: InventoryFile = toml::from_str(text).expect("valid inventory");
        revision(&inventory)
    }

    #[test]
    fn revision_is_stable_and_short() {
        let r = rev(BASE);
        assert_eq!(r, rev(BASE));
        assert_eq!(r.len(), 16);
        assert!(r.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn reformatting_and_reordering_keep_the_revision() {
        let reformatted = BASE
            .replace(" = ", "=")
            .replace("\n\n", "\n\n\n# kommentar\n");
        assert_eq!(rev(BASE), rev(&reformatted));
        // Swap the two analytics cookies.
        let (head, tail) =
            BASE.split_at(BASE.find("[[cookies]]\nname = \"__utma\"").expect("utma"));
        let (utma, utmz) =
            tail.split_at(tail.find("[[cookies]]\nname = \"__utmz\"").expect("utmz"));
        let swapped = format!("{head}{utmz}\n{utma}");
        assert_eq!(rev(BASE), rev(&swapped));
    }

    #[test]
    fn what_the_visitor_is_asked_about_changes_the_revision() {
        let base = rev(BASE);
        assert_ne!(
            base,
            rev(&BASE.replace("Statistikk.", "Statistikk og markedsføring.")),
            "purpose"
        );
        assert_ne!(
            base,
            rev(&BASE.replace(
                "description = { nb = \"Telling.\" }",
                "description = { nb = \"Telling av besøk.\" }"
            )),
            "category text"
        );
        assert_ne!(base, rev(&BASE.replace("ga.js", "analytics.js")), "script");
        let added = format!("{BASE}\n[[cookies]]\nname = \"__utmb\"\ncategory = \"analytics\"\nservice = \"ga\"\nparty = \"first\"\nlegal_basis = \"consent\"\npurpose = {{ nb = \"Økt.\" }}\nlifetime = {{ nb = \"30 minutter\" }}\n");
        assert_ne!(base, rev(&added), "a new cookie");
    }

    #[test]
    fn necessary_cookies_do_not_ask_again() {
        assert_eq!(
            rev(BASE),
            rev(&BASE.replace("Skjema.", "Husker hva du fylte inn i skjema."))
        );
    }

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let inventory: InventoryFile =
            toml::from_str(&BASE.replace("PHPSESSID", "a</script>b")).expect("valid");
        let site: SiteFile = toml::from_str(SITE).expect("valid site");
        let json = to_embedded_json(&derive(&site, &inventory));
        assert!(!json.contains("</script>"), "{json}");
        let back: WidgetConfig = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(back.cookies[0].pattern, "a</script>b");
        assert_eq!(back.expiry_days, 180);
        assert!(back.is_required("necessary") && !back.is_required("analytics"));
        assert_eq!(
            back.categories
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["necessary", "analytics"]
        );
    }

    const SITE: &str = r#"
name = "X"
base_url = "https://example.no"
default_language = "nb"
[languages.nb]
name = "Norsk bokmål"
[controller]
name = "X AS"
email = "post@example.no"
address = { nb = "Gate 1" }
[policy]
version = "1.0"
date = 2026-11-30
page = "personvern"
cookie_page = "informasjonskapsler"
"#;
}
