//! The audit's data, shared by every module and by nothing else: what a state is, what a tab
//! observed, the rules and the violations, and the report they make. No I/O and no browser here,
//! so the modules that drive the browser, judge and render depend on this one and not on each
//! other.

use samtykke_contract::config::WidgetConfig;
use serde::{Deserialize, Serialize, Serializer};
use std::path::PathBuf;
use std::time::Duration;

// ---- States: what a page is audited in and what a state run collected.

/// Where the visitor's choice stands when something happens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// No choice made yet: only strictly necessary storage and requests are allowed.
    #[default]
    NoChoice,
    Rejected,
    Accepted,
    /// Consent given, then taken back.
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateKind {
    Fresh,
    Reject,
    Accept,
    Withdraw,
}

impl StateKind {
    pub const ALL: [StateKind; 4] = [
        StateKind::Fresh,
        StateKind::Reject,
        StateKind::Accept,
        StateKind::Withdraw,
    ];

    pub fn label(self) -> &'static str {
        match self {
            StateKind::Fresh => "fresh visit",
            StateKind::Reject => "reject all",
            StateKind::Accept => "accept all",
            StateKind::Withdraw => "withdrawal",
        }
    }
}

/// What the browser held at one point of a state.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub label: &'static str,
    pub phase: Phase,
    pub cookies: Vec<Cookie>,
    pub local_storage: Vec<String>,
    pub session_storage: Vec<String>,
    /// `<html>` had `sk-ask`: the banner asked.
    pub banner_shown: bool,
}

/// A placeholder the widget starts after consent: `<script type="text/plain" data-category>`
/// or an embed box `[data-category][data-sk-frame]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gated {
    pub category: String,
    pub src: String,
}

/// What a page declares about itself, read from its DOM on arrival.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageInfo {
    #[serde(skip)]
    pub config: Option<WidgetConfig>,
    /// Why the embedded configuration could not be used, if it could not.
    pub config_problem: Option<String>,
    pub gated: Vec<Gated>,
    #[serde(skip)]
    pub links: Vec<String>,
    pub status: Option<u16>,
}

/// The widget has started: it defines `window.samtykke`.
pub const WIDGET_READY: &str = "typeof window.samtykke === 'object' && window.samtykke !== null";

pub const BANNER_ACCEPT: &str = "#sk-banner [data-sk=\"accept-all\"]";

pub const BANNER_REJECT: &str = "#sk-banner [data-sk=\"reject-all\"]";

pub const FOOTER_SETTINGS: &str = "footer button[data-sk=\"preferences\"]";

/// The outcome of one state of one page.
#[derive(Debug, Clone)]
pub struct StateRun {
    pub kind: StateKind,
    pub path: String,
    pub snapshots: Vec<Snapshot>,
    pub observed: Observed,
    /// Violations found while driving the page (banner, keyboard, widget).
    pub findings: Vec<Violation>,
    /// Checks that passed, with what they measured, for the report.
    pub notes: Vec<String>,
    pub info: Option<PageInfo>,
    /// The state could not be completed.
    pub error: Option<String>,
}

/// How long the audit lets a page take. Generous by default: a limit that is too short reports
/// a working banner as broken on a loaded machine, and a quiet period that is too short misses
/// a script that starts analytics late. `samtykke audit --page-timeout/--settle-ms` set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The longest a page may take to load, start its widget, or answer a click or a key.
    pub page_timeout: Duration,
    /// A page has settled once this long has passed with no new request, counted from when
    /// the audit starts waiting: a script that fires within it is seen.
    pub settle: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            page_timeout: Duration::from_secs(15),
            settle: Duration::from_millis(1000),
        }
    }
}

// ---- Observations: what a tab did.

/// Longest text kept from anything the page controls (console messages, cookie names, URLs).
pub const MAX_TEXT: usize = 300;

/// `text`, cut to [`MAX_TEXT`] characters.
pub fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_TEXT {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MAX_TEXT).collect();
        cut.push('…');
        cut
    }
}

/// A request the page made to an origin other than the site's.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub url: String,
    pub origin: String,
    pub resource: String,
    pub phase: Phase,
    /// Refused by the audit because its host is not a loopback address.
    pub blocked: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConsoleError {
    pub text: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct CspViolation {
    #[serde(default)]
    pub directive: String,
    #[serde(default)]
    pub blocked: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub sample: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cookie {
    pub name: String,
    pub domain: String,
    pub path: String,
    pub http_only: bool,
    pub session: bool,
    /// Seconds the cookie had left to live when the snapshot was taken; `None` for a session
    /// cookie (from `Expires`/`Max-Age`, as the browser computed them).
    pub lifetime: Option<i64>,
}

/// A cookie a script in the page stored, and when.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CookieWrite {
    pub name: String,
    pub phase: Phase,
    /// As the script stated it (`max-age`, `expires`), if it could be read.
    pub lifetime: Option<Lifetime>,
}

/// A cookie a `Set-Cookie` response header set (HttpOnly ones too), and on what.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeaderCookie {
    pub name: String,
    /// The document or subresource whose response carried the header.
    pub url: String,
    pub http_only: bool,
    pub phase: Phase,
    /// As the header stated it, before any cap the browser applies.
    pub lifetime: Lifetime,
}

/// Everything a tab saw besides its snapshots.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Observed {
    pub requests: Vec<Request>,
    pub cookie_writes: Vec<CookieWrite>,
    /// Cookies set by `Set-Cookie` headers, documents and subresources alike.
    pub header_cookies: Vec<HeaderCookie>,
    pub console: Vec<ConsoleError>,
    pub csp: Vec<CspViolation>,
}

// ---- Sightings: what was found, where, and how it got there.

/// A lifetime, declared or seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lifetime {
    /// Until the browser closes.
    Session,
    Seconds(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SightingKind {
    Cookie,
    LocalStorage,
    SessionStorage,
    /// A request to another host.
    Host,
}

impl SightingKind {
    pub fn label(self) -> &'static str {
        match self {
            SightingKind::Cookie => "cookie",
            SightingKind::LocalStorage => "localStorage",
            SightingKind::SessionStorage => "sessionStorage",
            SightingKind::Host => "third-party host",
        }
    }
}

/// One cookie, storage key or third-party host, where it was first seen: the page, the
/// consent state, and how it got there.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Sighting {
    pub kind: SightingKind,
    /// The cookie's name, the key, or the host.
    pub name: String,
    pub page: String,
    pub phase: Phase,
    /// `Set-Cookie header on …`, `document.cookie`, `request to …`.
    pub how: String,
    /// The cookie's domain, or the origin whose storage holds the key.
    pub domain: String,
    pub http_only: bool,
    /// Cookies only: as the browser computed it from `Expires`/`Max-Age`.
    pub lifetime: Option<Lifetime>,
    /// The inventory audited against declares it.
    pub declared: bool,
}

// ---- Rules, violations and the report.

/// Every check the audit makes. The id is what the report, the JSON and the tests name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    UndeclaredCookie,
    UndeclaredStorage,
    UndeclaredHost,
    CookieWithoutConsent,
    StorageWithoutConsent,
    RequestWithoutConsent,
    CookieAfterWithdrawal,
    BannerMissing,
    BannerButtonMissing,
    BannerButtonsUnequal,
    InitialFocusOnChoice,
    RejectNotReachableByTab,
    PreferencesDidNotOpen,
    PreferencesFocus,
    EscapeDoesNotClose,
    EscapeConsents,
    Banner320px,
    SettingsControlMissing,
    WidgetInactive,
    ChoiceNotRemembered,
    CspViolation,
    ConsoleError,
    Axe,
    ConfigMissing,
    PageError,
    AuditIncomplete,
}

impl Rule {
    pub const ALL: [Rule; 26] = [
        Rule::UndeclaredCookie,
        Rule::UndeclaredStorage,
        Rule::UndeclaredHost,
        Rule::CookieWithoutConsent,
        Rule::StorageWithoutConsent,
        Rule::RequestWithoutConsent,
        Rule::CookieAfterWithdrawal,
        Rule::BannerMissing,
        Rule::BannerButtonMissing,
        Rule::BannerButtonsUnequal,
        Rule::InitialFocusOnChoice,
        Rule::RejectNotReachableByTab,
        Rule::PreferencesDidNotOpen,
        Rule::PreferencesFocus,
        Rule::EscapeDoesNotClose,
        Rule::EscapeConsents,
        Rule::Banner320px,
        Rule::SettingsControlMissing,
        Rule::WidgetInactive,
        Rule::ChoiceNotRemembered,
        Rule::CspViolation,
        Rule::ConsoleError,
        Rule::Axe,
        Rule::ConfigMissing,
        Rule::PageError,
        Rule::AuditIncomplete,
    ];

    pub fn id(self) -> &'static str {
        self.describe().0
    }

    /// The rule in compliance.md (or DESIGN.md) that this check decides.
    pub fn source(self) -> &'static str {
        self.describe().1
    }

    pub fn title(self) -> &'static str {
        self.describe().2
    }

    fn describe(self) -> (&'static str, &'static str, &'static str) {
        let (rule, id, source, title) = RULES[self as usize];
        debug_assert!(rule == self);
        (id, source, title)
    }
}

/// Each rule's id, the rule of compliance.md (or DESIGN.md) it decides, and what it checks
/// for; in the order of [`Rule`]'s variants, which `describe` indexes by.
const RULES: [(Rule, &str, &str, &str); 26] = [
    (
        Rule::UndeclaredCookie,
        "undeclared-cookie",
        "C-1",
        "a cookie that is not in the inventory",
    ),
    (
        Rule::UndeclaredStorage,
        "undeclared-storage",
        "C-1",
        "a storage key that is not in the inventory",
    ),
    (
        Rule::UndeclaredHost,
        "undeclared-host",
        "C-1",
        "a request to a third-party host that no placeholder declares",
    ),
    (
        Rule::CookieWithoutConsent,
        "cookie-without-consent",
        "C-4, C-12",
        "a consent-requiring cookie before consent or after reject",
    ),
    (
        Rule::StorageWithoutConsent,
        "storage-without-consent",
        "C-4, C-17",
        "a consent-requiring storage key without consent",
    ),
    (
        Rule::RequestWithoutConsent,
        "request-without-consent",
        "C-4, C-17",
        "a third-party request before consent, after reject or after withdrawal",
    ),
    (
        Rule::CookieAfterWithdrawal,
        "cookie-after-withdrawal",
        "C-17",
        "a cookie still present after withdrawal",
    ),
    (
        Rule::BannerMissing,
        "banner-missing",
        "C-7",
        "no banner on a first visit",
    ),
    (
        Rule::BannerButtonMissing,
        "banner-button-missing",
        "C-7",
        "the banner lacks an accept-all or reject-all button",
    ),
    (
        Rule::BannerButtonsUnequal,
        "banner-buttons-unequal",
        "C-8",
        "accept and reject differ in computed size or font",
    ),
    (
        Rule::InitialFocusOnChoice,
        "initial-focus-on-choice",
        "C-8",
        "the initial focus lands on accept or reject",
    ),
    (
        Rule::RejectNotReachableByTab,
        "reject-not-reachable-by-tab",
        "C-19",
        "Tab does not reach reject all",
    ),
    (
        Rule::PreferencesDidNotOpen,
        "preferences-did-not-open",
        "C-16",
        "the preferences did not open",
    ),
    (
        Rule::PreferencesFocus,
        "preferences-focus",
        "C-19",
        "focus does not move into the preferences or back",
    ),
    (
        Rule::EscapeDoesNotClose,
        "escape-does-not-close",
        "C-19",
        "Escape does not close the preferences",
    ),
    (
        Rule::EscapeConsents,
        "escape-consents",
        "C-5",
        "closing the preferences with Escape stored consent",
    ),
    (
        Rule::Banner320px,
        "banner-320px",
        "C-23",
        "at 320 px a choice button is hidden or the page scrolls sideways",
    ),
    (
        Rule::SettingsControlMissing,
        "settings-control-missing",
        "C-16",
        "no cookie settings control in the footer",
    ),
    (
        Rule::WidgetInactive,
        "widget-inactive",
        "C-13",
        "a choice was not stored: the widget did not act",
    ),
    (
        Rule::ChoiceNotRemembered,
        "choice-not-remembered",
        "C-15",
        "the banner asks again after a choice",
    ),
    (
        Rule::CspViolation,
        "csp-violation",
        "DESIGN: CSP",
        "the page's Content-Security-Policy refused something",
    ),
    (
        Rule::ConsoleError,
        "console-error",
        "DESIGN",
        "an error in the browser console",
    ),
    (
        Rule::Axe,
        "axe",
        "C-20, C-21, C-23",
        "axe-core violation in the banner or the preferences",
    ),
    (
        Rule::ConfigMissing,
        "config-missing",
        "C-1",
        "no valid embedded widget configuration",
    ),
    (
        Rule::PageError,
        "page-error",
        "C-6",
        "the page answered with an HTTP error",
    ),
    (
        Rule::AuditIncomplete,
        "audit-incomplete",
        "-",
        "the audit could not finish a state",
    ),
];

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub page: String,
    pub state: Option<StateKind>,
    pub rule: Rule,
    /// The cookie, key, host, button or axe rule concerned.
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateReport {
    pub state: StateKind,
    pub snapshots: Vec<Snapshot>,
    /// Requests to origins other than the site's.
    pub requests: Vec<Request>,
    pub console_errors: Vec<ConsoleError>,
    pub csp_violations: Vec<CspViolation>,
    /// Checks that passed, with what they measured.
    pub notes: Vec<String>,
    pub error: Option<String>,
    pub violations: usize,
    /// Why this state could not be exercised (e.g. the page has no widget configuration):
    /// its violation count then proves nothing.
    pub not_checked: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    pub path: String,
    pub info: Option<PageInfo>,
    pub states: Vec<StateReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleSummary {
    pub rule: Rule,
    pub source: &'static str,
    pub title: &'static str,
    pub violations: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tool: &'static str,
    pub version: &'static str,
    /// The origin audited.
    pub target: String,
    /// The directory served, when the audit served one.
    pub directory: Option<PathBuf>,
    pub browser: String,
    pub axe_core: String,
    pub duration_ms: u64,
    pub passed: bool,
    /// What the audit did not get to (a fetch or the whole audit ran out of time); any entry
    /// means the report is partial and not a pass.
    pub incomplete: Vec<String>,
    pub rules: Vec<RuleSummary>,
    pub violations: Vec<Violation>,
    pub pages: Vec<PageReport>,
    /// Every cookie, storage key and third-party host seen, each where it first appeared.
    pub sightings: Vec<Sighting>,
    /// Information: inventory entries never seen.
    pub never_seen: Vec<String>,
    /// Warnings (not violations): lifetimes that contradict the inventory.
    pub warnings: Vec<String>,
    /// What the reader should know about the audit as a whole (no consent mechanism found).
    pub notes: Vec<String>,
}

pub fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::NoChoice => "before any choice",
        Phase::Rejected => "after “reject all”",
        Phase::Accepted => "after “accept all”",
        Phase::Withdrawn => "after withdrawal",
    }
}

impl StateRun {
    pub fn finding(&mut self, rule: Rule, subject: impl Into<String>, detail: impl Into<String>) {
        self.findings.push(Violation {
            rule,
            page: self.path.clone(),
            state: Some(self.kind),
            subject: subject.into(),
            detail: detail.into(),
        });
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_table_follows_the_variants() {
        for (i, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(*rule as usize, i, "{rule:?}");
            assert_eq!(RULES[i].0, *rule, "{rule:?}");
        }
        assert_eq!(Rule::Axe.id(), "axe");
        assert_eq!(Rule::EscapeConsents.source(), RULES[15].2);
    }
}
