//! `--suggest FILE`: ready-to-edit `[[cookies]]` entries for every cookie and storage key the
//! audit saw that the inventory does not declare, filled from what was observed and from the
//! Open Cookie Database. Each entry is marked `# kontroller:`: it is a suggestion for the editor
//! to review, never a declaration. Pasted at the end of `content/cookies.toml`, the file is
//! valid as it is (new services and categories it needs come with it), so `samtykke check`
//! accepts it and lists what is still to be written (`MANGLER:`).

use crate::cookiedb::{self, Known};
use crate::inventory::{lifetime_text, Inventory};
use crate::model::{Lifetime, Phase, Sighting, SightingKind};
use std::fmt::Write as _;

/// The suggestions for `sightings` (undeclared cookies and keys; the rest are skipped), for a
/// site on `site_host`, against `inventory`.
pub fn suggest(sightings: &[Sighting], inventory: &Inventory, site_host: &str) -> String {
    let mut plan = Plan {
        inventory,
        site_host,
        services: Vec::new(),
        categories: Vec::new(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Forslag fra `samtykke audit` for {site_host}: informasjonskapsler og lagringsnøkler som ble sett,\n\
         # men som ikke står i {}. Alt her er et forslag, ikke en erklæring: les hver `# kontroller:`,\n\
         # rett kategori, tjeneste, formål og levetid, og lim så inn det du vil ha med nederst i\n\
         # content/cookies.toml. Opplysninger merket «Open Cookie Database» er hentet fra den\n\
         # (Apache-2.0, https://github.com/jkwakman/Open-Cookie-Database).\n",
        inventory.source
    );
    let mut done: Vec<(SightingKind, &str)> = Vec::new();
    let mut hosts: Vec<&Sighting> = Vec::new();
    for s in sightings.iter().filter(|s| !s.declared) {
        if s.kind == SightingKind::Host {
            hosts.push(s);
            continue;
        }
        if done.contains(&(s.kind, s.name.as_str())) {
            continue;
        }
        done.push((s.kind, &s.name));
        plan.entry(&mut out, s);
    }
    if done.is_empty() {
        out.push_str("# Ingen uerklærte informasjonskapsler eller lagringsnøkler ble sett.\n");
    }
    for (key, service) in &plan.services {
        let _ = writeln!(
            out,
            "# kontroller: en ny tjeneste for forslagene over; sjekk navn, leverandør og vert.\n[services.{key}]"
        );
        let _ = writeln!(out, "name = {}", toml_string(&service.name));
        let _ = writeln!(out, "provider = {}", toml_string(&service.provider));
        let _ = writeln!(out, "host = {}", toml_string(&service.host));
        if let Some(url) = &service.privacy_url {
            let _ = writeln!(out, "privacy_url = {}", toml_string(url));
        }
        out.push('\n');
    }
    let lang = &inventory.language;
    for id in &plan.categories {
        let (title, description, necessary) = match id.as_str() {
            "analytics" => (
                "Statistikk",
                "Hjelper oss å forstå hvordan sidene brukes.",
                false,
            ),
            "marketing" => (
                "Markedsføring",
                "Brukes til annonser og til å måle dem.",
                false,
            ),
            "preferences" => (
                "Innstillinger",
                "Husker valg du har gjort på sidene.",
                false,
            ),
            _ => (
                "Nødvendige",
                "Trengs for at sidene og tjenestene virker.",
                true,
            ),
        };
        let _ = writeln!(
            out,
            "# kontroller: en ny kategori for forslagene over; sjekk tittel, beskrivelse og rekkefølge.\n[categories.{id}]"
        );
        if necessary {
            out.push_str("necessary = true\n");
        }
        let _ = writeln!(out, "order = {}", 10 + plan.categories.len());
        let _ = writeln!(out, "title = {{ {lang} = {} }}", toml_string(title));
        let _ = writeln!(
            out,
            "description = {{ {lang} = {} }}\n",
            toml_string(description)
        );
    }
    hosts.sort_by(|a, b| a.name.cmp(&b.name));
    hosts.dedup_by(|a, b| a.name == b.name);
    for h in hosts {
        let _ = writeln!(
            out,
            "# kontroller: forespørsler til {} er ikke erklært (først sett på {}, {}: {}); erklær\n\
             # tjenesten som laster dem, med `script` og `category`, eller fjern dem fra siden.",
            h.name,
            h.page,
            phase_nb(h.phase),
            h.how
        );
    }
    out
}

/// A service the suggestions need and the inventory lacks.
struct NewService {
    name: String,
    provider: String,
    host: String,
    privacy_url: Option<String>,
}

struct Plan<'a> {
    inventory: &'a Inventory,
    site_host: &'a str,
    services: Vec<(String, NewService)>,
    categories: Vec<String>,
}

impl Plan<'_> {
    fn entry(&mut self, out: &mut String, s: &Sighting) {
        let known = cookiedb::lookup(&s.name);
        let domain = s.domain.trim_start_matches('.');
        let host = if s.kind == SightingKind::Cookie && !domain.is_empty() {
            domain
        } else {
            self.site_host
        };
        let (category, why) = self.category(s, known);
        let service = self.service(known, host);
        let party = if s.kind != SightingKind::Cookie || same_site(domain, self.site_host) {
            "first"
        } else {
            "third"
        };
        let necessary = self
            .inventory
            .categories
            .iter()
            .find(|c| c.id == category)
            .map_or(category == "necessary", |c| c.necessary);
        let lifetime = match (s.kind, s.lifetime) {
            (SightingKind::Cookie, Some(l)) => lifetime_text(l),
            (SightingKind::SessionStorage, _) => lifetime_text(Lifetime::Session),
            _ => "Til den slettes".to_owned(),
        };
        let how = if s.http_only {
            format!("{}, HttpOnly", s.how)
        } else {
            s.how.clone()
        };
        let _ = writeln!(
            out,
            "# kontroller: {} `{}` sett på {} {} ({how}).",
            s.kind.label(),
            s.name,
            s.page,
            phase_nb(s.phase)
        );
        match known {
            Some(k) => {
                let _ = writeln!(
                    out,
                    "# kontroller: Open Cookie Database: {} ({}), kategori «{}», lagringstid «{}»{}.\n\
                     # kontroller: {why}; formålet under er databasens engelske tekst: skriv det på norsk.",
                    k.platform,
                    k.controller,
                    k.category,
                    k.retention,
                    if k.wildcard {
                        format!(", alle navn som begynner med `{}`", k.name)
                    } else {
                        String::new()
                    }
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "# kontroller: ukjent for Open Cookie Database: {why}; finn ut hva den brukes til."
                );
            }
        }
        out.push_str("[[cookies]]\n");
        let _ = writeln!(out, "name = {}", toml_string(&s.name));
        let _ = writeln!(out, "category = {}", toml_string(&category));
        let _ = writeln!(out, "service = {}", toml_string(&service));
        let _ = writeln!(out, "party = \"{party}\"");
        let basis = if necessary { "contract" } else { "consent" };
        let _ = writeln!(out, "legal_basis = \"{basis}\"");
        if s.kind != SightingKind::Cookie {
            let storage = if s.kind == SightingKind::LocalStorage {
                "local-storage"
            } else {
                "session-storage"
            };
            let _ = writeln!(out, "storage = \"{storage}\"");
        }
        let lang = &self.inventory.language;
        let purpose = known.map_or_else(
            || "MANGLER: hva den brukes til".to_owned(),
            |k| k.description.clone(),
        );
        let _ = writeln!(out, "purpose = {{ {lang} = {} }}", toml_string(&purpose));
        let _ = writeln!(
            out,
            "lifetime = {{ {lang} = {} }}\n",
            toml_string(&lifetime)
        );
    }

    /// The category to suggest, and why, adding it to those to declare if the inventory lacks
    /// it.
    fn category(&mut self, s: &Sighting, known: Option<&Known>) -> (String, String) {
        let (id, why) = match known {
            Some(k) => (
                cookiedb::category(&k.category).to_owned(),
                format!(
                    "kategorien `{}` følger av databasens «{}»{}",
                    cookiedb::category(&k.category),
                    k.category,
                    if k.category == "Functional" {
                        " (nødvendig bare om tjenesten den besøkende ba om trenger den; ellers `preferences`)"
                    } else {
                        ""
                    }
                ),
            ),
            // A server's session cookie out of reach of scripts is most likely a login or form
            // session; anything else is held to consent until someone knows better.
            None if s.kind == SightingKind::Cookie
                && s.http_only
                && s.lifetime == Some(Lifetime::Session) =>
            {
                (
                    "necessary".to_owned(),
                    "en HttpOnly-økt-informasjonskapsel fra tjeneren er trolig nødvendig (innlogging, skjema)".to_owned(),
                )
            }
            None => {
                let optional = self
                    .inventory
                    .categories
                    .iter()
                    .find(|c| !c.necessary)
                    .map_or_else(|| "analytics".to_owned(), |c| c.id.clone());
                let why = format!(
                    "kategorien `{optional}` er satt så den venter på samtykke til noen vet bedre"
                );
                (optional, why)
            }
        };
        if !self.inventory.categories.iter().any(|c| c.id == id) && !self.categories.contains(&id) {
            self.categories.push(id.clone());
        }
        (id, why)
    }

    /// The key of the service to name: one the inventory has for the same platform or host,
    /// else a new one.
    fn service(&mut self, known: Option<&Known>, host: &str) -> String {
        let inventory = self.inventory;
        if let Some(k) = known {
            let existing = inventory
                .services
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(&k.platform))
                .map(|s| s.key.clone());
            if let Some(key) = existing {
                return key;
            }
            return self.new_service(
                &slug(&k.platform),
                NewService {
                    name: k.platform.clone(),
                    provider: k.controller.clone(),
                    host: host.to_owned(),
                    privacy_url: Some(k.privacy_url.clone())
                        .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                },
            );
        }
        if let Some(s) = inventory.services.iter().find(|s| same_site(host, &s.host)) {
            return s.key.clone();
        }
        self.new_service(
            &slug(host),
            NewService {
                name: host.to_owned(),
                provider: format!("MANGLER: hvem som står bak {host}"),
                host: host.to_owned(),
                privacy_url: None,
            },
        )
    }

    fn new_service(&mut self, key: &str, service: NewService) -> String {
        let key = if key.is_empty() { "ukjent" } else { key };
        let taken = |k: &str, plan: &Plan| plan.inventory.services.iter().any(|s| s.key == k);
        // A key the inventory already uses for something else gets a number.
        let mut chosen = key.to_owned();
        let mut n = 2;
        while taken(&chosen, self) {
            chosen = format!("{key}-{n}");
            n += 1;
        }
        if !self.services.iter().any(|(k, _)| *k == chosen) {
            self.services.push((chosen.clone(), service));
        }
        chosen
    }
}

/// When it was seen, in the editor's words.
fn phase_nb(phase: Phase) -> &'static str {
    match phase {
        Phase::NoChoice => "før noe valg",
        Phase::Rejected => "etter «Avvis alle»",
        Phase::Accepted => "etter «Godta alle»",
        Phase::Withdrawn => "etter at samtykket ble trukket tilbake",
    }
}

/// Whether two host names are the same site: equal, or one a subdomain of the other.
fn same_site(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('.'), b.trim_start_matches('.'));
    !a.is_empty()
        && !b.is_empty()
        && (a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}")))
}

/// `Google Analytics` → `google-analytics`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(40).collect()
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Category, Service};
    use crate::model::Phase;

    fn seen(
        kind: SightingKind,
        name: &str,
        http_only: bool,
        lifetime: Option<Lifetime>,
    ) -> Sighting {
        Sighting {
            kind,
            name: name.into(),
            page: "/".into(),
            phase: Phase::NoChoice,
            how: "test".into(),
            domain: "www.hesbynett.test".into(),
            http_only,
            lifetime,
            declared: false,
        }
    }

    fn inventory() -> Inventory {
        Inventory {
            source: "content/cookies.toml".into(),
            config: crate::inventory::empty_config(),
            entries: Vec::new(),
            services: vec![Service {
                key: "nettsted".into(),
                name: "Nettstedet".into(),
                provider: "Hesbynett AS".into(),
                host: "hesbynett.test".into(),
            }],
            categories: vec![Category {
                id: "necessary".into(),
                necessary: true,
            }],
            language: "nb".into(),
        }
    }

    #[test]
    fn known_and_unknown_cookies_become_reviewable_entries() {
        let sightings = [
            seen(
                SightingKind::Cookie,
                "_ga",
                false,
                Some(Lifetime::Seconds(63_072_000)),
            ),
            seen(
                SightingKind::Cookie,
                "sessid",
                true,
                Some(Lifetime::Session),
            ),
            seen(SightingKind::LocalStorage, "tema", false, None),
            seen(
                SightingKind::Cookie,
                "_ga",
                false,
                Some(Lifetime::Seconds(63_072_000)),
            ),
        ];
        let text = suggest(&sightings, &inventory(), "www.hesbynett.test");
        let parsed: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(
            parsed
                .get("cookies")
                .and_then(|c| c.as_array())
                .map(Vec::len),
            Some(3),
            "{text}"
        );
        // _ga from the database: a new service and the analytics category it needs.
        assert!(text.contains("name = \"_ga\"\ncategory = \"analytics\"\nservice = \"google-analytics\"\nparty = \"first\"\nlegal_basis = \"consent\"\npurpose = { nb = \"ID used to identify users\" }\nlifetime = { nb = \"2 år\" }"), "{text}");
        assert!(
            text.contains(
                "[services.google-analytics]\nname = \"Google Analytics\"\nprovider = \"Google\""
            ),
            "{text}"
        );
        assert!(text.contains("[categories.analytics]"), "{text}");
        // The unknown HttpOnly session cookie: necessary, on the site's own service.
        assert!(
            text.contains("name = \"sessid\"\ncategory = \"necessary\"\nservice = \"nettsted\""),
            "{text}"
        );
        assert!(text.contains("storage = \"local-storage\""), "{text}");
        assert!(text.contains("MANGLER:"), "{text}");
        // Every entry is marked for review.
        for entry in text.split("[[cookies]]").skip(1) {
            let before = &text[..text.find(entry).unwrap_or(0)];
            assert!(before.trim_end().ends_with("[[cookies]]"));
        }
        assert!(text.matches("# kontroller:").count() >= 5, "{text}");
    }

    #[test]
    fn text_is_escaped_and_keys_are_slugs() {
        assert_eq!(toml_string("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c\\nd\"");
        assert_eq!(toml_string("\u{1}"), "\"\\u0001\"");
        assert_eq!(slug("Google Analytics"), "google-analytics");
        assert_eq!(slug("  PHP.net!! "), "php-net");
        assert_eq!(slug("cdn.tredjepart.test"), "cdn-tredjepart-test");
        assert!(same_site("hesbynett.test", "www.hesbynett.test"));
        assert!(!same_site("tredjepart.test", "hesbynett.test"));
        assert!(!same_site("", "x"));
    }
}
