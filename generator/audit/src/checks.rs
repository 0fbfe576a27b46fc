//! What a state's observations mean against the inventory (compliance.md C-1, C-4, C-12,
//! C-17): every cookie and storage key must be declared, and nothing that needs consent may
//! exist or be requested while consent is not given.
//!
//! The inventory is the configuration the site embeds for its widget: every cookie and storage
//! key pattern with its category, and which categories are strictly necessary. That is what the
//! visitor's browser enforces, so it is what the audit holds the site to. Third-party hosts are
//! declared by the placeholders the widget starts after consent (`data-src`), with their category.

use crate::model::{
    phase_text, PageInfo, Phase, Request, Rule, Snapshot, StateKind, StateRun, Violation,
};
use crate::observe::host_of;
use samtykke_contract::config::WidgetConfig;
use std::collections::BTreeMap;

/// Judges one state's snapshots, requests, console and CSP log.
pub fn classify(
    run: &StateRun,
    config: &WidgetConfig,
    declared_hosts: &BTreeMap<String, String>,
) -> Vec<Violation> {
    let mut judge = Judge {
        run,
        config,
        declared_hosts,
        out: Vec::new(),
    };
    for snapshot in &run.snapshots {
        judge.cookies(snapshot);
        judge.storage(snapshot);
    }
    judge.cookie_writes();
    judge.requests();
    judge.csp();
    judge.console();
    judge.incomplete();
    judge.out
}

/// One state's run against the inventory, and the violations found so far.
struct Judge<'a> {
    run: &'a StateRun,
    config: &'a WidgetConfig,
    declared_hosts: &'a BTreeMap<String, String>,
    out: Vec<Violation>,
}

impl Judge<'_> {
    /// What happens before any choice is the same in every state, whose runs all start with a
    /// first visit: it is reported once, under the fresh visit.
    fn at(&self, phase: Phase) -> StateKind {
        if phase == Phase::NoChoice {
            StateKind::Fresh
        } else {
            self.run.kind
        }
    }

    fn add(&mut self, state: StateKind, rule: Rule, subject: String, detail: String) {
        self.out.push(Violation {
            rule,
            page: self.run.path.clone(),
            state: Some(state),
            subject,
            detail,
        });
    }

    fn granted(&self, category: &str, phase: Phase) -> bool {
        self.config.is_required(category) || phase == Phase::Accepted
    }

    /// `undeclared-cookie`, `cookie-without-consent`, `cookie-after-withdrawal`: the cookies a
    /// snapshot holds.
    fn cookies(&mut self, snapshot: &Snapshot) {
        let when = format!("{} ({})", snapshot.label, phase_text(snapshot.phase));
        for cookie in &snapshot.cookies {
            let what = format!(
                "cookie `{}` on {}{}{}",
                cookie.name,
                cookie.domain,
                cookie.path,
                if cookie.http_only { ", HttpOnly" } else { "" }
            );
            let state = self.at(snapshot.phase);
            match self.config.category_of(&cookie.name) {
                None => self.add(
                    state,
                    Rule::UndeclaredCookie,
                    cookie.name.clone(),
                    format!("{what} is not in the inventory; seen {when} (C-1)"),
                ),
                Some(category) if !self.granted(category, snapshot.phase) => {
                    let rule = if snapshot.phase == Phase::Withdrawn {
                        Rule::CookieAfterWithdrawal
                    } else {
                        Rule::CookieWithoutConsent
                    };
                    let detail = format!("{what}, category `{category}`, exists {when}");
                    self.add(state, rule, cookie.name.clone(), detail);
                }
                Some(_) => {}
            }
        }
    }

    fn storage_category(&self, area: &str, key: &str) -> Option<&str> {
        storage_category(self.config, area, key)
    }

    /// `undeclared-storage`, `storage-without-consent`: the storage keys a snapshot holds.
    fn storage(&mut self, snapshot: &Snapshot) {
        let when = format!("{} ({})", snapshot.label, phase_text(snapshot.phase));
        let state = self.at(snapshot.phase);
        let storage = [
            ("localStorage", &snapshot.local_storage),
            ("sessionStorage", &snapshot.session_storage),
        ];
        for (area, keys) in storage {
            for key in keys {
                let found = match self.storage_category(area, key) {
                    None => Some((
                        Rule::UndeclaredStorage,
                        format!("{area} key `{key}` is not in the inventory; seen {when} (C-1)"),
                    )),
                    Some(category) if !self.granted(category, snapshot.phase) => Some((
                        Rule::StorageWithoutConsent,
                        format!("{area} key `{key}`, category `{category}`, exists {when}"),
                    )),
                    Some(_) => None,
                };
                if let Some((rule, detail)) = found {
                    self.add(state, rule, key.clone(), detail);
                }
            }
        }
    }

    /// `undeclared-cookie`, `cookie-without-consent`: cookies scripts stored, even those
    /// something deleted again before a snapshot.
    fn cookie_writes(&mut self) {
        for write in &self.run.observed.cookie_writes {
            let when = phase_text(write.phase);
            let state = self.at(write.phase);
            match self.config.category_of(&write.name) {
                None => self.add(
                    state,
                    Rule::UndeclaredCookie,
                    write.name.clone(),
                    format!(
                        "a script stored cookie `{}`, which is not in the inventory, {when} (C-1)",
                        write.name
                    ),
                ),
                Some(category) if !self.granted(category, write.phase) => self.add(
                    state,
                    Rule::CookieWithoutConsent,
                    write.name.clone(),
                    format!(
                        "a script stored cookie `{}`, category `{category}`, {when}",
                        write.name
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    /// `undeclared-host`, `request-without-consent`: one violation per host and phase, naming
    /// the first request and how many there were.
    fn requests(&mut self) {
        let mut requests: BTreeMap<(&str, u8), (usize, &Request)> = BTreeMap::new();
        for request in &self.run.observed.requests {
            requests
                .entry((request.origin.as_str(), request.phase as u8))
                .or_insert((0, request))
                .0 += 1;
        }
        for (count, request) in requests.into_values() {
            self.request(count, request);
        }
    }

    fn request(&mut self, count: usize, request: &Request) {
        let category = self.declared_hosts.get(&request.origin);
        let host = host_of(&request.origin);
        let refused = if request.blocked {
            ", refused by the audit (not a loopback host)"
        } else {
            ""
        };
        let url = request.url.split('?').next().unwrap_or("");
        let more = if count > 1 {
            format!(" and {} more", count - 1)
        } else {
            String::new()
        };
        let state = self.at(request.phase);
        match category {
            Some(c) if self.config.is_required(c) => {}
            Some(_) if request.phase == Phase::Accepted => {}
            None if request.phase == Phase::Accepted => self.add(
                state,
                Rule::UndeclaredHost,
                host,
                format!(
                    "request to {url}{more}{refused}: no consent placeholder declares this host"
                ),
            ),
            _ => self.add(
                state,
                Rule::RequestWithoutConsent,
                host,
                format!(
                    "request to {url}{more} {}{}{refused}",
                    phase_text(request.phase),
                    category
                        .map(|c| format!(", category `{c}`"))
                        .unwrap_or_default()
                ),
            ),
        }
    }

    /// `csp-violation`: what the Content-Security-Policy refused.
    fn csp(&mut self) {
        for v in &self.run.observed.csp {
            let detail = format!(
                "the Content-Security-Policy refused `{}` under {}{}",
                v.blocked,
                v.directive,
                if v.source.is_empty() {
                    String::new()
                } else {
                    format!(" (from {})", v.source)
                }
            );
            let subject = format!("{} {}", v.directive, v.blocked);
            self.add(self.run.kind, Rule::CspViolation, subject, detail);
        }
    }

    /// `console-error`: errors the page logged or threw.
    fn console(&mut self) {
        for e in &self.run.observed.console {
            let detail = match &e.url {
                Some(url) if !url.is_empty() => format!("{} ({url})", e.text),
                _ => e.text.clone(),
            };
            self.add(self.run.kind, Rule::ConsoleError, e.text.clone(), detail);
        }
    }

    /// `audit-incomplete`: the state could not be driven to its end.
    fn incomplete(&mut self) {
        if let Some(error) = &self.run.error {
            let detail = format!("the audit could not finish this state: {error}");
            let subject = self.run.kind.label().to_owned();
            self.add(self.run.kind, Rule::AuditIncomplete, subject, detail);
        }
    }
}

/// The category of a storage key: its pattern's, or for the widget's own record, that of
/// the required category (the configuration that names the key declares it).
pub fn storage_category<'c>(config: &'c WidgetConfig, area: &str, key: &str) -> Option<&'c str> {
    config.category_of(key).or_else(|| {
        (area == "localStorage" && key == config.storage_key)
            .then(|| {
                config
                    .categories
                    .iter()
                    .find(|c| c.required)
                    .map(|c| c.id.as_str())
            })
            .flatten()
    })
}

/// Checks that need the page's declarations rather than a state's observations.
pub fn page_checks(path: &str, info: Option<&PageInfo>) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut add = |rule: Rule, subject: &str, detail: String| {
        out.push(Violation {
            rule,
            page: path.to_owned(),
            state: Some(StateKind::Fresh),
            subject: subject.to_owned(),
            detail,
        });
    };
    let Some(info) = info else {
        return out;
    };
    if let Some(problem) = &info.config_problem {
        add(Rule::ConfigMissing, "#samtykke-config", problem.clone());
    }
    if let Some(status) = info.status.filter(|s| *s >= 400) {
        add(
            Rule::PageError,
            "HTTP status",
            format!("the page answered HTTP {status}"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cookie, Observed, Snapshot};
    use samtykke_contract::config::{CategoryRule, CookieRule, SCHEMA_VERSION};

    fn config() -> WidgetConfig {
        WidgetConfig {
            version: SCHEMA_VERSION,
            revision: "r".into(),
            storage_key: "samtykke".into(),
            expiry_days: 180,
            policy_version: "1".into(),
            categories: vec![
                CategoryRule {
                    id: "necessary".into(),
                    required: true,
                    sources: vec![],
                    frames: vec![],
                },
                CategoryRule {
                    id: "analytics".into(),
                    required: false,
                    sources: vec![],
                    frames: vec![],
                },
            ],
            cookies: vec![
                CookieRule {
                    pattern: "PHPSESSID".into(),
                    category: "necessary".into(),
                },
                CookieRule {
                    pattern: "__utm*".into(),
                    category: "analytics".into(),
                },
            ],
            google_consent_mode: false,
            receipts_url: None,
        }
    }

    fn cookie(name: &str) -> Cookie {
        Cookie {
            name: name.into(),
            domain: "127.0.0.1".into(),
            path: "/".into(),
            http_only: false,
            session: true,
            lifetime: None,
        }
    }

    fn run(
        kind: StateKind,
        phase: Phase,
        cookies: &[&str],
        local: &[&str],
        requests: Vec<Request>,
    ) -> StateRun {
        StateRun {
            kind,
            path: "/".into(),
            snapshots: vec![Snapshot {
                label: "test",
                phase,
                cookies: cookies.iter().map(|c| cookie(c)).collect(),
                local_storage: local.iter().map(|s| s.to_string()).collect(),
                session_storage: Vec::new(),
                banner_shown: false,
            }],
            observed: Observed {
                requests,
                ..Observed::default()
            },
            findings: Vec::new(),
            notes: Vec::new(),
            info: None,
            error: None,
        }
    }

    fn rules(v: &[Violation]) -> Vec<(Rule, &str)> {
        v.iter().map(|v| (v.rule, v.subject.as_str())).collect()
    }

    fn request(origin: &str, phase: Phase) -> Request {
        Request {
            url: format!("{origin}/ga.js"),
            origin: origin.into(),
            resource: "Script".into(),
            phase,
            blocked: false,
        }
    }

    #[test]
    fn cookies_and_keys_against_the_inventory() {
        let hosts = BTreeMap::new();
        let fresh = run(
            StateKind::Fresh,
            Phase::NoChoice,
            &["PHPSESSID", "__utma", "_fbp"],
            &["samtykke", "x"],
            vec![],
        );
        assert_eq!(
            rules(&classify(&fresh, &config(), &hosts)),
            [
                (Rule::CookieWithoutConsent, "__utma"),
                (Rule::UndeclaredCookie, "_fbp"),
                (Rule::UndeclaredStorage, "x"),
            ]
        );
        let accepted = run(
            StateKind::Accept,
            Phase::Accepted,
            &["__utma", "__utmz"],
            &[],
            vec![],
        );
        assert!(classify(&accepted, &config(), &hosts).is_empty());
        let withdrawn = run(
            StateKind::Withdraw,
            Phase::Withdrawn,
            &["__utmz"],
            &[],
            vec![],
        );
        assert_eq!(
            rules(&classify(&withdrawn, &config(), &hosts)),
            [(Rule::CookieAfterWithdrawal, "__utmz")]
        );
    }

    #[test]
    fn cookies_that_scripts_stored_count_even_if_deleted_again() {
        use crate::model::CookieWrite;
        let mut fresh = run(StateKind::Reject, Phase::NoChoice, &[], &[], vec![]);
        fresh.observed.cookie_writes = vec![
            CookieWrite {
                name: "__utma".into(),
                phase: Phase::NoChoice,
                lifetime: None,
            },
            CookieWrite {
                name: "__utmb".into(),
                phase: Phase::Accepted,
                lifetime: None,
            },
            CookieWrite {
                name: "visitor_id".into(),
                phase: Phase::Accepted,
                lifetime: None,
            },
        ];
        let found = classify(&fresh, &config(), &BTreeMap::new());
        assert_eq!(
            rules(&found),
            [
                (Rule::CookieWithoutConsent, "__utma"),
                (Rule::UndeclaredCookie, "visitor_id")
            ]
        );
        // Before any choice is the fresh visit, whichever state's run saw it.
        assert_eq!(found[0].state, Some(StateKind::Fresh));
        assert_eq!(found[1].state, Some(StateKind::Reject));
    }

    #[test]
    fn requests_need_consent_and_a_declaration() {
        let mut hosts = BTreeMap::new();
        hosts.insert("http://localhost:9".to_owned(), "analytics".to_owned());
        let ga = "http://localhost:9";
        let other = "https://tracker.example";
        let before = run(
            StateKind::Fresh,
            Phase::NoChoice,
            &[],
            &[],
            vec![request(ga, Phase::NoChoice)],
        );
        assert_eq!(
            rules(&classify(&before, &config(), &hosts)),
            [(Rule::RequestWithoutConsent, "localhost")]
        );
        let after = run(
            StateKind::Accept,
            Phase::Accepted,
            &[],
            &[],
            vec![
                request(ga, Phase::Accepted),
                request(other, Phase::Accepted),
            ],
        );
        assert_eq!(
            rules(&classify(&after, &config(), &hosts)),
            [(Rule::UndeclaredHost, "tracker.example")]
        );
    }
}
