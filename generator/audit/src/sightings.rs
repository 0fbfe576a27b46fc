//! Every cookie, storage key and third-party host the runs saw, each attributed to the page
//! and the consent state it first appeared in, and to how it got there: a `Set-Cookie` header
//! (HttpOnly ones included), a script's `document.cookie`, or a request. Pure.

use crate::checks::storage_category;
use crate::model::{Lifetime, Phase, Sighting, SightingKind, Snapshot, StateRun};
use crate::observe::host_of;
use samtykke_contract::config::WidgetConfig;
use std::collections::BTreeMap;

fn phase_rank(phase: Phase) -> u8 {
    match phase {
        Phase::NoChoice => 0,
        Phase::Rejected => 1,
        Phase::Accepted => 2,
        Phase::Withdrawn => 3,
    }
}

/// How specific an account of the origin is: a header or a script beats "it was there".
fn how_rank(how: &str) -> u8 {
    if how.starts_with("Set-Cookie") {
        0
    } else if how.starts_with("document.cookie") {
        1
    } else {
        2
    }
}

/// The sightings of `runs`, one per (kind, name, page), each at its earliest phase. `config`
/// says what is declared; `declared_hosts` holds the third-party origins that are.
pub fn collect(
    runs: &[&StateRun],
    site_origin: &str,
    config: &WidgetConfig,
    declared_hosts: &BTreeMap<String, String>,
) -> Vec<Sighting> {
    let mut found = Found::default();
    for run in runs {
        let source = Source {
            run,
            site_origin,
            config,
            declared_hosts,
        };
        // The order matters: of equally early accounts, the first one added stays.
        for snapshot in &run.snapshots {
            source.snapshot_cookies(snapshot, &mut found);
            source.snapshot_storage(snapshot, &mut found);
        }
        // Cookies set and gone again before any snapshot still count.
        source.header_cookies(&mut found);
        source.script_cookies(&mut found);
        source.requests(&mut found);
    }
    with_snapshot_lifetimes(found.0, runs)
}

/// The sightings so far, by (kind, name, page).
#[derive(Default)]
struct Found(BTreeMap<(SightingKind, String, String), Sighting>);

impl Found {
    /// Keeps `s` unless an account at least as early and as specific is already known.
    fn add(&mut self, s: Sighting) {
        let key = (s.kind, s.name.clone(), s.page.clone());
        match self.0.get(&key) {
            Some(old)
                if (phase_rank(old.phase), how_rank(&old.how))
                    <= (phase_rank(s.phase), how_rank(&s.how)) => {}
            _ => {
                self.0.insert(key, s);
            }
        }
    }
}

/// One run, and what is declared, to turn what it observed into sightings.
struct Source<'a> {
    run: &'a StateRun,
    site_origin: &'a str,
    config: &'a WidgetConfig,
    declared_hosts: &'a BTreeMap<String, String>,
}

impl Source<'_> {
    fn page(&self) -> String {
        self.run.path.clone()
    }

    /// How a cookie of the jar got there: the most specific account the run has.
    fn how_cookie(&self, name: &str) -> String {
        let observed = &self.run.observed;
        if let Some(h) = observed.header_cookies.iter().find(|h| h.name == name) {
            format!("Set-Cookie header on {}", h.url)
        } else if observed.cookie_writes.iter().any(|w| w.name == name) {
            "document.cookie (a script)".to_owned()
        } else {
            "in the cookie jar".to_owned()
        }
    }

    /// What the header or script said, before the browser's cap (400 days in Chromium).
    fn stated(&self, name: &str) -> Option<Lifetime> {
        let observed = &self.run.observed;
        observed
            .header_cookies
            .iter()
            .find(|h| h.name == name)
            .map(|h| h.lifetime)
            .or_else(|| {
                observed
                    .cookie_writes
                    .iter()
                    .find(|w| w.name == name)
                    .and_then(|w| w.lifetime)
            })
    }

    /// The cookies in the jar at `snapshot`.
    fn snapshot_cookies(&self, snapshot: &Snapshot, found: &mut Found) {
        for c in &snapshot.cookies {
            found.add(Sighting {
                kind: SightingKind::Cookie,
                name: c.name.clone(),
                page: self.page(),
                phase: snapshot.phase,
                how: self.how_cookie(&c.name),
                domain: c.domain.clone(),
                http_only: c.http_only,
                lifetime: Some(
                    self.stated(&c.name)
                        .unwrap_or(c.lifetime.map_or(Lifetime::Session, Lifetime::Seconds)),
                ),
                declared: self.config.category_of(&c.name).is_some(),
            });
        }
    }

    /// The localStorage and sessionStorage keys at `snapshot`.
    fn snapshot_storage(&self, snapshot: &Snapshot, found: &mut Found) {
        for (kind, area, keys) in [
            (
                SightingKind::LocalStorage,
                "localStorage",
                &snapshot.local_storage,
            ),
            (
                SightingKind::SessionStorage,
                "sessionStorage",
                &snapshot.session_storage,
            ),
        ] {
            for key in keys {
                found.add(Sighting {
                    kind,
                    name: key.clone(),
                    page: self.page(),
                    phase: snapshot.phase,
                    how: format!("{area}.setItem (a script)"),
                    domain: self.site_origin.to_owned(),
                    http_only: false,
                    lifetime: None,
                    declared: storage_category(self.config, area, key).is_some(),
                });
            }
        }
    }

    /// Cookies set by `Set-Cookie` headers, HttpOnly ones included.
    fn header_cookies(&self, found: &mut Found) {
        for h in &self.run.observed.header_cookies {
            found.add(Sighting {
                kind: SightingKind::Cookie,
                name: h.name.clone(),
                page: self.page(),
                phase: h.phase,
                how: format!("Set-Cookie header on {}", h.url),
                domain: host_of(&h.url),
                http_only: h.http_only,
                lifetime: Some(h.lifetime),
                declared: self.config.category_of(&h.name).is_some(),
            });
        }
    }

    /// Cookies a script wrote through `document.cookie`.
    fn script_cookies(&self, found: &mut Found) {
        for w in &self.run.observed.cookie_writes {
            found.add(Sighting {
                kind: SightingKind::Cookie,
                name: w.name.clone(),
                page: self.page(),
                phase: w.phase,
                how: "document.cookie (a script)".to_owned(),
                domain: host_of(self.site_origin),
                http_only: false,
                lifetime: w.lifetime,
                declared: self.config.category_of(&w.name).is_some(),
            });
        }
    }

    /// Third-party hosts the page requested, refused or not.
    fn requests(&self, found: &mut Found) {
        for r in &self.run.observed.requests {
            found.add(Sighting {
                kind: SightingKind::Host,
                name: host_of(&r.origin),
                page: self.page(),
                phase: r.phase,
                how: format!(
                    "request to {}{}",
                    r.url.split('?').next().unwrap_or(""),
                    if r.blocked {
                        ", refused by the audit"
                    } else {
                        ""
                    }
                ),
                domain: r.origin.clone(),
                http_only: false,
                lifetime: None,
                declared: self.declared_hosts.contains_key(&r.origin),
            });
        }
    }
}

/// The sightings in order, a cookie first known from a header or a script without a stated
/// lifetime given the lifetime a snapshot saw for it on the same page.
fn with_snapshot_lifetimes(
    found: BTreeMap<(SightingKind, String, String), Sighting>,
    runs: &[&StateRun],
) -> Vec<Sighting> {
    let lifetimes: BTreeMap<(String, String), Lifetime> = runs
        .iter()
        .flat_map(|r| {
            r.snapshots.iter().flat_map(move |s| {
                s.cookies.iter().map(move |c| {
                    (
                        (c.name.clone(), r.path.clone()),
                        c.lifetime.map_or(Lifetime::Session, Lifetime::Seconds),
                    )
                })
            })
        })
        .collect();
    found
        .into_values()
        .map(|mut s| {
            if s.kind == SightingKind::Cookie && s.lifetime.is_none() {
                s.lifetime = lifetimes.get(&(s.name.clone(), s.page.clone())).copied();
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cookie, CookieWrite, HeaderCookie, Observed, Request, Snapshot, StateKind};

    #[test]
    fn each_thing_once_per_page_at_its_first_phase_with_how_it_came() {
        let config = crate::inventory::empty_config();
        let cookie = |name: &str, http_only, lifetime: Option<i64>| Cookie {
            name: name.into(),
            domain: "www.x.test".into(),
            path: "/".into(),
            http_only,
            session: lifetime.is_none(),
            lifetime,
        };
        let snapshot = |phase, cookies| Snapshot {
            label: "s",
            phase,
            cookies,
            local_storage: vec!["tema".into()],
            session_storage: Vec::new(),
            banner_shown: false,
        };
        let run = StateRun {
            kind: StateKind::Fresh,
            path: "/".into(),
            snapshots: vec![
                snapshot(
                    Phase::Accepted,
                    vec![
                        cookie("sid", true, None),
                        cookie("_ga", false, Some(63_072_000)),
                    ],
                ),
                snapshot(Phase::NoChoice, vec![cookie("sid", true, None)]),
            ],
            observed: Observed {
                header_cookies: vec![HeaderCookie {
                    name: "sid".into(),
                    url: "http://www.x.test/".into(),
                    http_only: true,
                    phase: Phase::NoChoice,
                    lifetime: Lifetime::Session,
                }],
                cookie_writes: vec![
                    CookieWrite {
                        name: "_ga".into(),
                        phase: Phase::Accepted,
                        lifetime: None,
                    },
                    CookieWrite {
                        name: "flash".into(),
                        phase: Phase::NoChoice,
                        lifetime: None,
                    },
                ],
                requests: vec![Request {
                    url: "http://cdn.y.test/a.js?x=1".into(),
                    origin: "http://cdn.y.test".into(),
                    resource: "Script".into(),
                    phase: Phase::NoChoice,
                    blocked: false,
                }],
                ..Observed::default()
            },
            findings: Vec::new(),
            notes: Vec::new(),
            info: None,
            error: None,
        };
        let seen = collect(&[&run], "http://www.x.test", &config, &BTreeMap::new());
        let brief: Vec<(SightingKind, &str, Phase, &str)> = seen
            .iter()
            .map(|s| (s.kind, s.name.as_str(), s.phase, s.how.as_str()))
            .collect();
        assert_eq!(
            brief,
            [
                (
                    SightingKind::Cookie,
                    "_ga",
                    Phase::Accepted,
                    "document.cookie (a script)"
                ),
                (
                    SightingKind::Cookie,
                    "flash",
                    Phase::NoChoice,
                    "document.cookie (a script)"
                ),
                (
                    SightingKind::Cookie,
                    "sid",
                    Phase::NoChoice,
                    "Set-Cookie header on http://www.x.test/"
                ),
                (
                    SightingKind::LocalStorage,
                    "tema",
                    Phase::NoChoice,
                    "localStorage.setItem (a script)"
                ),
                (
                    SightingKind::Host,
                    "cdn.y.test",
                    Phase::NoChoice,
                    "request to http://cdn.y.test/a.js"
                ),
            ]
        );
        let sid = &seen[2];
        assert!(sid.http_only && !sid.declared);
        assert_eq!(sid.lifetime, Some(Lifetime::Session));
        assert_eq!(seen[0].lifetime, Some(Lifetime::Seconds(63_072_000)));
        // The widget's own record is declared by the configuration that names it.
        assert!(seen.iter().all(|s| !s.declared));
    }
}
