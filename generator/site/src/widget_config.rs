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
        revision: revision(site, inventory),
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
                    let mut sources: Vec<String> = services_of(inventory, id)
                        .flat_map(|s| s.script_srcs())
                        .filter_map(|s| crate::validate::urls::service_script(s.get_ref()).ok())
                        .map(|u| u.to_string())
                        .collect();
                    sources.sort();
                    sources.dedup();
                    sources
                },
                // The origins its embeds may frame, as the CSP's frame-src names them.
                frames: if *c.necessary.get_ref() {
                    Vec::new()
                } else {
                    let mut frames: Vec<String> = services_of(inventory, id)
                        .flat_map(|s| s.frames.iter())
                        .filter_map(|f| crate::validate::urls::service_origin(f.get_ref()).ok())
                        .map(|o| o.as_str().to_owned())
                        .collect();
                    frames.sort();
                    frames.dedup();
                    frames
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
        // As the `url` crate writes it, like every URL the generator puts into a page; validation
        // has refused anything else already.
        receipts_url: site
            .consent
            .receipts_url
            .as_ref()
            .and_then(|u| crate::validate::urls::receipts_url(u.get_ref()).ok())
            .map(|u| u.to_string()),
    }
}

/// The services whose category is `id`.
fn services_of<'a>(
    inventory: &'a InventoryFile,
    id: &'a str,
) -> impl Iterator<Item = &'a crate::content::inventory::Service> {
    inventory
        .services
        .values()
        .filter(move |s| s.category.as_ref().is_some_and(|k| k.get_ref() == id))
}

/// `samtykke/revisions.json`, which the receipts service reads to refuse receipts for anything
/// the site never published (the contract is `samtykke-receipts`'s `revisions` module): the
/// current revision, its policy version, the categories a receipt's `choices` name (the optional
/// ones) and the expiry, all as the widget's configuration has them.
pub fn revisions_json(config: &WidgetConfig) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        version: u32,
        current: Current<'a>,
    }
    #[derive(Serialize)]
    struct Current<'a> {
        revision: &'a str,
        policy_version: &'a str,
        categories: Vec<&'a str>,
        expiry_days: u32,
    }
    let file = File {
        version: 1,
        current: Current {
            revision: &config.revision,
            policy_version: &config.policy_version,
            categories: config.optional_categories().collect(),
            expiry_days: config.expiry_days,
        },
    };
    // Plain strings and numbers: serialising cannot fail.
    let mut json = serde_json::to_string_pretty(&file).unwrap_or_default();
    json.push('\n');
    json
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
    /// `None` for a necessary category: it has no toggle, so its texts are not asked about.
    /// Per language of the site, as shown (the site's text or the built-in one).
    title: Option<BTreeMap<&'a str, &'a str>>,
    description: Option<BTreeMap<&'a str, &'a str>>,
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
    /// Whose consent starts the script: moving it to another optional category changes what a
    /// visitor's earlier "yes" covers.
    category: Option<&'a str>,
    /// A name given per language is hashed in every language, like the other texts.
    name: &'a crate::content::localized::Name,
    provider: &'a str,
    host: &'a str,
    script: Option<&'a str>,
    transfer: Option<&'a BTreeMap<String, String>>,
    /// What else it loads. Left out when empty, so a site that declares none of it keeps the
    /// revision it had before these could be declared.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scripts: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    snippets: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    frames: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purpose: Option<&'a BTreeMap<String, String>>,
}

/// The first 16 hex digits of the SHA-256 of [`Asked`] as JSON.
///
/// One consent holds across the site's languages, and the record does not say which language
/// the visitor read. So the revision covers what is asked in *every* language: a changed text in
/// any one of them (a purpose, a lifetime, a category's title or description, the site's or a
/// built-in one) asks every visitor again, as does a language added with texts of its own.
/// Interface texts that ask nothing (buttons, headings, labels) are left out.
pub fn revision<'a>(site: &'a SiteFile, inventory: &'a InventoryFile) -> String {
    let default = site.default_language.get_ref().as_str();
    let shown = |text: Option<&'a Localized>, table, id: &'a str| -> BTreeMap<&'a str, &'a str> {
        site.languages
            .keys()
            .filter_map(|lang| {
                crate::i18n::interface(text, table, id, lang, default)
                    .map(|c| (lang.as_str(), c.text))
            })
            .collect()
    };
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
                let necessary = *c.necessary.get_ref();
                let asked = |l: &'a Option<Localized>, table| {
                    (!necessary).then(|| shown(l.as_ref(), table, id))
                };
                (
                    id.as_str(),
                    AskedCategory {
                        necessary,
                        title: asked(&c.title, crate::i18n::Table::CategoryTitle),
                        description: asked(&c.description, crate::i18n::Table::CategoryDescription),
                    },
                )
            })
            .collect(),
        cookies,
        services: inventory
            .services
            .iter()
            // A service is asked about when its script waits for consent, and also when it only
            // sets optional cookies: the visitor is shown its name, provider and host either way.
            .filter(|(id, s)| {
                s.category.as_ref().is_some_and(|c| optional(c.get_ref()))
                    || inventory.cookies.iter().any(|c| {
                        c.service.get_ref() == id.as_str() && optional(c.category.get_ref())
                    })
            })
            .map(|(id, s)| {
                (
                    id.as_str(),
                    AskedService {
                        category: s.category.as_ref().map(|c| c.get_ref().as_str()),
                        name: &s.name,
                        provider: &s.provider,
                        host: s.host.get_ref(),
                        script: s.script.as_ref().map(|s| s.get_ref().as_str()),
                        transfer: s.transfer.as_ref().map(text),
                        scripts: s.scripts.iter().map(|d| d.src.get_ref().as_str()).collect(),
                        snippets: s.snippets.iter().map(|p| p.get_ref().as_str()).collect(),
                        frames: s.frames.iter().map(|f| f.get_ref().as_str()).collect(),
                        purpose: s.purpose.as_ref().map(text),
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
    use crate::content::inventory::{Category, Cookie, Service};
    use samtykke_contract::record::{ConsentRecord, Method};
    use samtykke_contract::validity::{self, Status, DAY_MS};

    const BASE: &str = r#"
[categories.necessary]
necessary = true
title = { nb = "Nødvendige" }
description = { nb = "Trengs." }

[categories.analytics]
order = 1
title = { nb = "Statistikk" }
description = { nb = "Telling." }

[categories.marketing]
order = 2
title = { nb = "Markedsføring" }
description = { nb = "Annonser." }

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
privacy_url = "https://policies.google.com/privacy"
transfer = { nb = "USA, EU–US Data Privacy Framework." }

[services.video]
name = "Vimeo"
provider = "Vimeo Inc."
host = "vimeo.com"

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

[[cookies]]
name = "vuid"
category = "marketing"
service = "video"
party = "third"
legal_basis = "consent"
storage = "cookie"
purpose = { nb = "Videovisninger." }
lifetime = { nb = "1 år" }
"#;

    fn rev(text: &str) -> String {
        let inventory: InventoryFile = toml::from_str(text).expect("valid inventory");
        let site: SiteFile = toml::from_str(SITE).expect("valid site");
        revision(&site, &inventory)
    }

    /// The revision of `inventory` on a site in nb, nn and en.
    fn rev_in_three(inventory: &str, site_extra: &str) -> String {
        let inventory: InventoryFile = toml::from_str(inventory).expect("valid inventory");
        let site = SITE.replace(
            "[controller]",
            "[languages.nn]\nname = \"Nynorsk\"\n[languages.en]\nname = \"English\"\n[controller]",
        ) + site_extra;
        let site: SiteFile = toml::from_str(&site).expect("valid site");
        revision(&site, &inventory)
    }

    /// The rule of one consent across languages (see [`revision`]): a change to what is asked
    /// in any one language asks everyone again; a change to a text that asks nothing does not.
    #[test]
    fn a_change_in_one_language_asks_every_language_again() {
        let base = rev_in_three(BASE, "");
        let utma = cookie("__utma");
        let with_en = edit(
            &utma,
            "purpose = { nb = \"Statistikk.\"",
            "purpose = { en = \"Statistics.\", nb = \"Statistikk.\"",
        );
        let en = rev_in_three(&with_en, "");
        assert_ne!(base, en, "a purpose translated into English must ask again");
        let en_changed = rev_in_three(&with_en.replace("Statistics.", "Visitor statistics."), "");
        assert_ne!(
            en, en_changed,
            "a change to the English purpose alone must ask again"
        );
        // The optional category's title in Nynorsk only: the site's text replaces the built-in one.
        let nn_title = edit(
            "[categories.analytics]",
            "title = { nb = \"Statistikk\" }",
            "title = { nb = \"Statistikk\", nn = \"Besøkstal\" }",
        );
        assert_ne!(
            base,
            rev_in_three(&nn_title, ""),
            "a Nynorsk title must ask again"
        );
        // A category without its own texts is asked about in the built-in ones, in each language:
        // the site that adds English is asking in English too.
        let builtin = edit(
            "[categories.marketing]",
            "title = { nb = \"Markedsføring\" }\n",
            "",
        );
        assert_ne!(
            rev(&builtin),
            rev_in_three(&builtin, ""),
            "a language added asks again"
        );
        // Buttons and labels ask nothing.
        assert_eq!(
            base,
            rev_in_three(BASE, "[consent.texts]\naccept_all = { en = \"OK\" }\n[labels]\nhome = { nn = \"Heim\" }\n")
        );
    }

    /// `BASE` with the first `from` after the line `anchor` replaced by `to`; `anchor` scopes an
    /// edit to one table or one cookie. Panics when nothing changes, so a case cannot go stale.
    fn edit(anchor: &str, from: &str, to: &str) -> String {
        let at = BASE.find(anchor).unwrap_or_else(|| panic!("no {anchor}"));
        let (head, tail) = BASE.split_at(at);
        assert!(tail.contains(from), "no {from} after {anchor}");
        format!("{head}{}", tail.replacen(from, to, 1))
    }

    fn cookie(name: &str) -> String {
        format!("name = \"{name}\"")
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
        let (utma, rest) =
            tail.split_at(tail.find("[[cookies]]\nname = \"__utmz\"").expect("utmz"));
        let (utmz, vuid) = rest.split_at(rest.find("[[cookies]]\nname = \"vuid\"").expect("vuid"));
        let swapped = format!("{head}{utmz}\n{utma}\n{vuid}");
        assert_eq!(rev(BASE), rev(&swapped));
        // Services in another order in the file.
        let (services, cookies) = BASE.split_at(BASE.find("[[cookies]]").expect("cookies"));
        let (categories, services) =
            services.split_at(services.find("[services.site]").expect("services"));
        let (site, others) = services.split_at(services.find("[services.ga]").expect("ga"));
        assert_eq!(
            rev(BASE),
            rev(&format!("{categories}{others}\n{site}\n{cookies}"))
        );
    }

    /// Every field of the inventory, one at a time: each one the visitor is shown next to a
    /// toggle changes the revision (so earlier consent no longer counts).
    #[test]
    fn each_field_the_visitor_is_asked_about_changes_the_revision() {
        let base = rev(BASE);
        let utma = cookie("__utma");
        let vuid = cookie("vuid");
        let cases: Vec<(&str, String)> = vec![
            // Optional categories.
            (
                "category title",
                edit("[categories.analytics]", "Statistikk", "Statistikk og analyse"),
            ),
            (
                "category description",
                edit("[categories.analytics]", "Telling.", "Telling av besøk."),
            ),
            (
                "an optional category becomes necessary",
                edit("[categories.analytics]", "order = 1", "order = 1\nnecessary = true"),
            ),
            (
                "a necessary category becomes optional",
                edit("[categories.necessary]", "necessary = true", "necessary = false"),
            ),
            // Optional cookies: every field.
            ("cookie name", edit(&utma, "__utma", "__utmx")),
            (
                "cookie category",
                edit(&vuid, "category = \"marketing\"", "category = \"analytics\""),
            ),
            (
                "cookie service",
                edit(&vuid, "service = \"video\"", "service = \"ga\""),
            ),
            ("cookie party", edit(&utma, "\"first\"", "\"third\"")),
            (
                "cookie legal basis",
                edit(&utma, "\"consent\"", "\"legitimate-interest\""),
            ),
            ("cookie storage", edit(&vuid, "\"cookie\"", "\"local-storage\"")),
            (
                "cookie purpose",
                edit(&utma, "Statistikk.", "Statistikk og markedsføring."),
            ),
            ("cookie lifetime", edit(&utma, "2 år", "13 måneder")),
            ("an optional cookie removed", {
                let from = BASE.find("[[cookies]]\nname = \"__utmz\"").expect("utmz");
                let to = BASE.find("[[cookies]]\nname = \"vuid\"").expect("vuid");
                format!("{}{}", &BASE[..from], &BASE[to..])
            }),
            (
                "an optional cookie added",
                format!("{BASE}\n[[cookies]]\nname = \"__utmb\"\ncategory = \"analytics\"\nservice = \"ga\"\nparty = \"first\"\nlegal_basis = \"consent\"\npurpose = {{ nb = \"Økt.\" }}\nlifetime = {{ nb = \"30 minutter\" }}\n"),
            ),
            (
                "a necessary cookie becomes optional",
                edit(&cookie("PHPSESSID"), "\"necessary\"", "\"analytics\""),
            ),
            // A service with a script that waits for consent.
            (
                "service name",
                edit("[services.ga]", "Google Analytics", "Google Analytics 4"),
            ),
            (
                "service provider",
                edit("[services.ga]", "Google LLC", "Google Ireland Ltd"),
            ),
            (
                "service host",
                edit("[services.ga]", "example.no", "google-analytics.com"),
            ),
            (
                "service category",
                edit("[services.ga]", "\"analytics\"", "\"marketing\""),
            ),
            ("service script", edit("[services.ga]", "ga.js", "analytics.js")),
            (
                "service transfer",
                edit("[services.ga]", "USA, EU–US", "USA, standard contractual clauses"),
            ),
            // A service with no script whose cookies are optional.
            ("cookie-only service name", edit("[services.video]", "Vimeo", "Vimeo Livestream")),
            (
                "cookie-only service provider",
                edit("[services.video]", "Vimeo Inc.", "Vimeo.com, Inc."),
            ),
            (
                "cookie-only service host",
                edit("[services.video]", "vimeo.com", "player.vimeo.com"),
            ),
            (
                "cookie-only service transfer",
                edit("[services.video]", "host = \"vimeo.com\"", "host = \"vimeo.com\"\ntransfer = { nb = \"USA.\" }"),
            ),
        ];
        for (what, changed) in &cases {
            assert_ne!(changed.as_str(), BASE, "{what}: the edit changed nothing");
            assert_ne!(base, rev(changed), "{what} must ask again");
        }
    }

    /// Edits that ask nothing new keep the revision, so visitors are not asked again for nothing.
    #[test]
    fn edits_that_ask_nothing_new_keep_the_revision() {
        let base = rev(BASE);
        let session = cookie("PHPSESSID");
        let cases: Vec<(&str, String)> = vec![
            (
                "necessary cookie purpose",
                edit(&session, "Skjema.", "Husker hva du fylte inn i skjema."),
            ),
            (
                "necessary cookie lifetime",
                edit(&session, "Økt", "Til nettleseren lukkes"),
            ),
            (
                "necessary cookie name",
                edit(&session, "PHPSESSID", "SESSION"),
            ),
            (
                "necessary cookie party",
                edit(&session, "\"first\"", "\"third\""),
            ),
            (
                "necessary cookie legal basis",
                edit(&session, "\"contract\"", "\"legal-obligation\""),
            ),
            (
                "necessary cookie storage",
                edit(
                    &session,
                    "lifetime",
                    "storage = \"session-storage\"\nlifetime",
                ),
            ),
            (
                "necessary category title",
                edit("[categories.necessary]", "Nødvendige", "Strengt nødvendige"),
            ),
            (
                "necessary category description",
                edit(
                    "[categories.necessary]",
                    "Trengs.",
                    "Trengs for at siden virker.",
                ),
            ),
            // The service of necessary cookies only is not asked about.
            (
                "necessary service name",
                edit("[services.site]", "Nettsted", "Hjemmeside"),
            ),
            (
                "necessary service provider",
                edit("[services.site]", "Eier AS", "Eier ASA"),
            ),
            (
                "necessary service host",
                edit("[services.site]", "example.no", "www.example.no"),
            ),
            // Display order and a link to the provider's own notice are not what is consented to.
            (
                "category order",
                edit("[categories.analytics]", "order = 1", "order = 7"),
            ),
            (
                "service privacy link",
                edit(
                    "[services.ga]",
                    "policies.google.com/privacy",
                    "policies.google.com/privacy?hl=no",
                ),
            ),
        ];
        for (what, changed) in &cases {
            assert_ne!(changed.as_str(), BASE, "{what}: the edit changed nothing");
            assert_eq!(base, rev(changed), "{what} must not ask again");
        }
    }

    /// Each field of the inventory is decided: hashed (above) or deliberately not. A new field
    /// stops this from compiling until someone decides whether it asks visitors again.
    #[test]
    fn every_inventory_field_is_decided() {
        let inventory: InventoryFile = toml::from_str(BASE).expect("valid inventory");
        let InventoryFile {
            categories,
            services,
            cookies,
        } = &inventory;
        for Category {
            necessary: _,
            order: _,
            title: _,
            description: _,
        } in categories.values()
        {}
        for Service {
            name: _,
            provider: _,
            host: _,
            category: _,
            script: _,
            privacy_url: _,
            transfer: _,
            // Hashed: what it loads and why, as the placeholder shows it.
            purpose: _,
            scripts: _,
            snippets: _,
            frames: _,
            // Not hashed: where its scripts may send and fetch from is the CSP's business, and
            // is not shown to the visitor.
            connect: _,
            images: _,
            // Not hashed: it only quiets a `check` question; its cookies (none) are hashed.
            cookieless: _,
        } in services.values()
        {}
        for Cookie {
            name: _,
            category: _,
            service: _,
            party: _,
            legal_basis: _,
            purpose: _,
            lifetime: _,
            storage: _,
        } in cookies
        {}
        assert_eq!(cookies.len(), 4);
    }

    #[test]
    fn the_expiry_period_reaches_the_widget_and_ends_consent_on_that_day() {
        let inventory: InventoryFile = toml::from_str(BASE).expect("valid inventory");
        let made = 1_700_000_000_000u64;
        for days in [1u32, 30, 180, 395] {
            let site: SiteFile =
                toml::from_str(&format!("{SITE}[consent]\nexpiry_days = {days}\n"))
                    .expect("valid site");
            let config = derive(&site, &inventory);
            assert_eq!(config.expiry_days, days);
            // Through the wire format the page carries, as the widget reads it.
            let config = WidgetConfig::from_json(&to_embedded_json(&config))
                .expect("the widget accepts the config");
            let record =
                ConsentRecord::new(&config, Method::AcceptAll, "id".into(), made, |_| true);
            let end = made + u64::from(days) * DAY_MS;
            assert_eq!(
                validity::status(Some(&record), &config, end - 1),
                Status::Valid,
                "{days} days: still valid a moment before"
            );
            assert_eq!(
                validity::status(Some(&record), &config, end),
                Status::Expired,
                "{days} days: expired on the day"
            );
        }
    }

    #[test]
    fn each_optional_category_may_start_exactly_its_own_services_scripts_and_frames() {
        // A second service in `marketing`, with a script declared twice and a framed origin;
        // `video` (no category) and `site` (necessary cookies only) start nothing.
        let inventory = format!(
            "{BASE}
[services.tube]
name = \"Tube\"
provider = \"Tube AS\"
host = \"tube.example\"
category = \"marketing\"
scripts = [{{ src = \"https://cdn.tube.example/player.js\" }}, {{ src = \"https://cdn.tube.example/player.js\", async = true }}]
frames = [\"https://www.youtube-nocookie.com\"]
"
        );
        let inventory: InventoryFile = toml::from_str(&inventory).expect("valid inventory");
        let site: SiteFile = toml::from_str(SITE).expect("valid site");
        let config = derive(&site, &inventory);
        let rules: Vec<(&str, Vec<&str>, Vec<&str>)> = config
            .categories
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.sources.iter().map(String::as_str).collect(),
                    c.frames.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            rules,
            [
                ("necessary", vec![], vec![]),
                (
                    "analytics",
                    vec!["https://www.google-analytics.com/ga.js"],
                    vec![]
                ),
                (
                    "marketing",
                    vec!["https://cdn.tube.example/player.js"],
                    vec!["https://www.youtube-nocookie.com"]
                ),
            ]
        );
        // What the widget then lets each grant start.
        assert_eq!(config.check(), Ok(()));
        assert!(config.may_start("analytics", "https://www.google-analytics.com/ga.js"));
        assert!(!config.may_start("marketing", "https://www.google-analytics.com/ga.js"));
        assert!(!config.may_start("analytics", "https://cdn.tube.example/player.js"));
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
            ["necessary", "analytics", "marketing"]
        );
    }

    #[test]
    fn the_receipts_url_reaches_the_widget_and_the_revisions_file_the_service() {
        let inventory: InventoryFile = toml::from_str(BASE).expect("valid inventory");
        let site: SiteFile = toml::from_str(SITE).expect("valid site");
        let config = derive(&site, &inventory);
        assert_eq!(config.receipts_url, None);
        assert!(!to_embedded_json(&config).contains("receipts"));

        let site: SiteFile = toml::from_str(&format!(
            "{SITE}[consent]\nreceipts_url = \"https://Samtykke.Example.no/v1/receipts\"\n"
        ))
        .expect("valid site");
        let config = derive(&site, &inventory);
        let read =
            WidgetConfig::from_json(&to_embedded_json(&config)).expect("the widget reads it");
        assert_eq!(
            read.receipts_url.as_deref(),
            Some("https://samtykke.example.no/v1/receipts")
        );
        let revisions: serde_json::Value =
            serde_json::from_str(&revisions_json(&config)).expect("JSON");
        assert_eq!(
            revisions,
            serde_json::json!({
                "version": 1,
                "current": {
                    "revision": config.revision,
                    "policy_version": "1.0",
                    "categories": ["analytics", "marketing"],
                    "expiry_days": 180,
                }
            })
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
