//! The inventory a live audit holds the site to (`--root`'s `content/cookies.toml`), and what
//! the sightings say about it beyond violations: entries never seen (information) and lifetimes
//! that contradict the declared ones (warnings). Pure: no browser, no files.

pub use crate::model::Lifetime;
use crate::model::{Sighting, SightingKind};
use samtykke_contract::config::WidgetConfig;
use samtykke_contract::pattern;

/// Where an entry lives, as `storage` in cookies.toml says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Cookie,
    LocalStorage,
    SessionStorage,
}

impl Storage {
    /// The value of `storage = "…"` in cookies.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            Storage::Cookie => "cookie",
            Storage::LocalStorage => "local-storage",
            Storage::SessionStorage => "session-storage",
        }
    }

    fn of(kind: SightingKind) -> Option<Storage> {
        match kind {
            SightingKind::Cookie => Some(Storage::Cookie),
            SightingKind::LocalStorage => Some(Storage::LocalStorage),
            SightingKind::SessionStorage => Some(Storage::SessionStorage),
            SightingKind::Host => None,
        }
    }
}

/// One `[[cookies]]` entry.
#[derive(Debug, Clone)]
pub struct Declared {
    /// The name or a pattern with `*`.
    pub name: String,
    pub storage: Storage,
    pub category: String,
    pub service: String,
    /// The declared lifetime in the site's default language (`2 år`, `Økt`).
    pub lifetime: Option<String>,
}

/// One `[services.<key>]`.
#[derive(Debug, Clone)]
pub struct Service {
    pub key: String,
    pub name: String,
    pub provider: String,
    pub host: String,
}

/// A category and whether it is strictly necessary.
#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    pub necessary: bool,
}

/// The inventory of `--root`, read by the command from `content/`.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// Where it was read from, for messages: `content/cookies.toml`.
    pub source: String,
    /// What the widget would be configured with: categories, patterns, script sources.
    pub config: WidgetConfig,
    pub entries: Vec<Declared>,
    pub services: Vec<Service>,
    pub categories: Vec<Category>,
    /// The site's default language, in which suggestions are written.
    pub language: String,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// 30.44 days: a twelfth of a year.
const MONTH: i64 = 2_629_746;
/// 365.25 days.
const YEAR: i64 = 31_557_600;

/// Reads a declared lifetime written for people: `2 år`, `13 måneder`, `Økt`, `30 minutter`,
/// `180 dager`, `1 year`, `ett år etter siste besøk`. `None` when it names no duration the
/// audit understands (`ikke oppgitt`): such an entry is not compared.
pub fn parse_lifetime(text: &str) -> Option<Lifetime> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        if let Some(unit) = unit(word) {
            let count = i.checked_sub(1).and_then(|j| number(words[j])).unwrap_or(1);
            return Some(Lifetime::Seconds(count.saturating_mul(unit)));
        }
    }
    let session = ["økt", "økta", "sesjon", "sesjonen", "session", "sessions"];
    words
        .iter()
        .any(|w| session.contains(w))
        .then_some(Lifetime::Session)
}

fn number(word: &str) -> Option<i64> {
    if let Ok(n) = word.parse::<i64>() {
        return Some(n);
    }
    match word {
        "en" | "ei" | "ett" | "eitt" | "one" | "a" | "an" => Some(1),
        "to" | "two" => Some(2),
        "tre" | "three" => Some(3),
        "seks" | "six" => Some(6),
        "tolv" | "twelve" => Some(12),
        _ => None,
    }
}

fn unit(word: &str) -> Option<i64> {
    Some(match word {
        "sekund" | "sekunder" | "second" | "seconds" => 1,
        "minutt" | "minutter" | "minute" | "minutes" | "min" => MINUTE,
        "time" | "timer" | "timar" | "hour" | "hours" => HOUR,
        "døgn" | "dag" | "dager" | "dagar" | "day" | "days" => DAY,
        "uke" | "uker" | "veke" | "veker" | "week" | "weeks" => 7 * DAY,
        "måned" | "måneder" | "månad" | "månader" | "mnd" | "month" | "months" => MONTH,
        "år" | "year" | "years" => YEAR,
        _ => return None,
    })
}

/// A lifetime in the words an editor would write: `Økt`, `2 år`, `13 måneder`, `30 minutter`.
pub fn lifetime_text(lifetime: Lifetime) -> String {
    let seconds = match lifetime {
        Lifetime::Session => return "Økt".to_owned(),
        Lifetime::Seconds(s) => s.max(0),
    };
    let round = |unit: i64| (seconds + unit / 2) / unit;
    let (n, one, many) =
        if seconds >= YEAR * 95 / 100 && (round(YEAR) * YEAR - seconds).abs() < MONTH / 2 {
            (round(YEAR), "år", "år")
        } else if seconds >= 28 * DAY {
            (round(MONTH), "måned", "måneder")
        } else if seconds >= DAY * 95 / 100 {
            (round(DAY), "dag", "dager")
        } else if seconds >= HOUR * 95 / 100 {
            (round(HOUR), "time", "timer")
        } else {
            (round(MINUTE).max(1), "minutt", "minutter")
        };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether a lifetime seen contradicts the one declared: a persistent cookie declared as a
/// session cookie (or the reverse), or one that lives much longer or much shorter than said.
/// A cookie seen with a few minutes gone since it was set still matches.
pub fn contradicts(declared: Lifetime, seen: Lifetime) -> bool {
    match (declared, seen) {
        (Lifetime::Session, Lifetime::Session) => false,
        // A cookie that outlives the browser by up to a day is still, in effect, a session's.
        (Lifetime::Session, Lifetime::Seconds(s)) => s > DAY,
        (Lifetime::Seconds(d), Lifetime::Session) => d >= DAY,
        (Lifetime::Seconds(d), Lifetime::Seconds(s)) => s > d + d / 10 + HOUR || s < d / 2 - HOUR,
    }
}

/// A configuration that declares nothing.
pub fn empty_config() -> WidgetConfig {
    WidgetConfig {
        version: samtykke_contract::config::SCHEMA_VERSION,
        revision: String::new(),
        storage_key: String::new(),
        expiry_days: 0,
        policy_version: String::new(),
        categories: Vec::new(),
        cookies: Vec::new(),
        google_consent_mode: false,
        receipts_url: None,
    }
}

impl Inventory {
    /// An inventory that declares nothing, for `--suggest` on a site without one; suggestions
    /// are written in `language`.
    pub fn empty(language: &str) -> Inventory {
        Inventory {
            source: "content/cookies.toml".to_owned(),
            config: empty_config(),
            entries: Vec::new(),
            services: Vec::new(),
            categories: Vec::new(),
            language: language.to_owned(),
        }
    }

    /// The entry a sighting matches, if any.
    pub fn entry_for(&self, kind: SightingKind, name: &str) -> Option<&Declared> {
        let storage = Storage::of(kind)?;
        self.entries
            .iter()
            .find(|e| e.storage == storage && pattern::matches(&e.name, name))
    }

    /// Entries no sighting matched: information, not a violation (a cookie set only after a
    /// login, or only on a page the crawl did not reach, is never seen).
    pub fn never_seen(&self, sightings: &[Sighting]) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| {
                !sightings.iter().any(|s| {
                    Storage::of(s.kind) == Some(e.storage) && pattern::matches(&e.name, &s.name)
                })
            })
            .map(|e| {
                format!(
                    "{} `{}` (category `{}`, service `{}`) is declared in {} but was not seen on any page audited",
                    e.storage.as_str(),
                    e.name,
                    e.category,
                    e.service,
                    self.source
                )
            })
            .collect()
    }

    /// Cookies whose lifetime, as seen, contradicts the declared one: one warning per cookie.
    pub fn lifetime_warnings(&self, sightings: &[Sighting]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut named: Vec<&str> = Vec::new();
        for s in sightings.iter().filter(|s| s.kind == SightingKind::Cookie) {
            let Some(entry) = self.entry_for(s.kind, &s.name) else {
                continue;
            };
            let Some(text) = entry.lifetime.as_deref() else {
                continue;
            };
            let (Some(declared), Some(seen)) = (parse_lifetime(text), s.lifetime) else {
                continue;
            };
            if contradicts(declared, seen) && !named.contains(&s.name.as_str()) {
                named.push(&s.name);
                out.push(format!(
                    "cookie `{}` is declared to live «{text}» in {}, but on {} it was set to live {} (from Expires/Max-Age)",
                    s.name,
                    self.source,
                    s.page,
                    match seen {
                        Lifetime::Session => "until the browser closes (a session cookie)".to_owned(),
                        Lifetime::Seconds(_) => lifetime_text(seen),
                    }
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Phase;

    #[test]
    fn declared_lifetimes_are_read_in_norwegian_and_english() {
        use Lifetime::*;
        for (text, expected) in [
            ("2 år", Some(Seconds(2 * YEAR))),
            ("13 måneder", Some(Seconds(13 * MONTH))),
            ("Økt", Some(Session)),
            ("Sesjon", Some(Session)),
            ("30 minutter", Some(Seconds(30 * MINUTE))),
            ("180 dager", Some(Seconds(180 * DAY))),
            ("ett år etter siste besøk", Some(Seconds(YEAR))),
            ("1 year", Some(Seconds(YEAR))),
            ("24 hours", Some(Seconds(DAY))),
            ("år", Some(Seconds(YEAR))),
            ("ikke oppgitt", None),
            ("", None),
        ] {
            assert_eq!(parse_lifetime(text), expected, "{text}");
        }
    }

    #[test]
    fn lifetimes_are_written_as_an_editor_would() {
        use Lifetime::*;
        assert_eq!(lifetime_text(Session), "Økt");
        assert_eq!(lifetime_text(Seconds(2 * YEAR - 30)), "2 år");
        assert_eq!(lifetime_text(Seconds(63_072_000)), "2 år");
        assert_eq!(lifetime_text(Seconds(YEAR)), "1 år");
        assert_eq!(lifetime_text(Seconds(13 * MONTH)), "13 måneder");
        assert_eq!(lifetime_text(Seconds(180 * DAY)), "6 måneder");
        assert_eq!(lifetime_text(Seconds(DAY)), "1 dag");
        assert_eq!(lifetime_text(Seconds(2 * HOUR)), "2 timer");
        assert_eq!(lifetime_text(Seconds(1800)), "30 minutter");
        assert_eq!(lifetime_text(Seconds(5)), "1 minutt");
        // What is written reads back as what was seen, near enough not to contradict it.
        for s in [90, 1800, 7200, DAY, 20 * DAY, 200 * DAY, YEAR, 2 * YEAR] {
            let back = parse_lifetime(&lifetime_text(Seconds(s))).expect("reads back");
            assert!(!contradicts(back, Seconds(s)), "{s}: {back:?}");
        }
    }

    #[test]
    fn contradictions() {
        use Lifetime::*;
        assert!(!contradicts(Session, Session));
        assert!(!contradicts(Session, Seconds(HOUR)));
        assert!(contradicts(Session, Seconds(YEAR)));
        assert!(contradicts(Seconds(YEAR), Session));
        assert!(!contradicts(Seconds(30 * MINUTE), Session));
        assert!(!contradicts(Seconds(2 * YEAR), Seconds(2 * YEAR - 60)));
        assert!(contradicts(Seconds(DAY), Seconds(2 * YEAR)));
        assert!(contradicts(Seconds(2 * YEAR), Seconds(DAY)));
    }

    fn sighting(kind: SightingKind, name: &str, lifetime: Option<Lifetime>) -> Sighting {
        Sighting {
            kind,
            name: name.into(),
            page: "/".into(),
            phase: Phase::NoChoice,
            how: "test".into(),
            domain: "x.no".into(),
            http_only: false,
            lifetime,
            declared: true,
        }
    }

    fn inventory() -> Inventory {
        let entry = |name: &str, storage, lifetime: &str| Declared {
            name: name.into(),
            storage,
            category: "necessary".into(),
            service: "nettsted".into(),
            lifetime: Some(lifetime.into()),
        };
        Inventory {
            source: "content/cookies.toml".into(),
            config: empty_config(),
            entries: vec![
                entry("lang", Storage::Cookie, "1 dag"),
                entry("__utm*", Storage::Cookie, "2 år"),
                entry("PHPSESSID", Storage::Cookie, "Økt"),
                entry("lang", Storage::LocalStorage, "Til du sletter den"),
            ],
            services: Vec::new(),
            categories: Vec::new(),
            language: "nb".into(),
        }
    }

    #[test]
    fn never_seen_and_lifetime_warnings() {
        let seen = [
            sighting(
                SightingKind::Cookie,
                "lang",
                Some(Lifetime::Seconds(2 * YEAR)),
            ),
            sighting(
                SightingKind::Cookie,
                "__utmz",
                Some(Lifetime::Seconds(2 * YEAR)),
            ),
        ];
        let inv = inventory();
        let never = inv.never_seen(&seen);
        assert_eq!(never.len(), 2, "{never:?}");
        assert!(never[0].starts_with("cookie `PHPSESSID`"), "{never:?}");
        assert!(never[1].starts_with("local-storage `lang`"), "{never:?}");
        let warnings = inv.lifetime_warnings(&seen);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("`lang`")
                && warnings[0].contains("«1 dag»")
                && warnings[0].contains("2 år"),
            "{warnings:?}"
        );
    }
}
