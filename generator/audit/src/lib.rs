//! `samtykke audit`: proves in a real browser what a built site does with cookies, storage and
//! third-party requests before and after each choice, and checks the banner.
//!
//! Every page (from `sitemap.xml`, and every same-origin link found) is visited in four states,
//! each in a fresh browser context (`states`). The banner's checks run on the first visit
//! (`banner`). The observations are judged against the inventory the page embeds (`checks`) and
//! rendered as a table, HTML and JSON (`report`). Chromium only ever talks to loopback
//! addresses: each tab's requests to other hosts are recorded and refused (`observe`), and the
//! browser as a whole can neither resolve nor connect to another machine (`confinement`).
//!
//! The audit starts Chromium itself (`browser`) and talks to it over a DevTools connection of its
//! own (`wire`). The page it drives learns of the audit in one way only:
//! two bindings (`__samtykkeAuditCsp`, `__samtykkeAuditCookie`) and a wrapper around the
//! `document.cookie` accessor that reports each cookie a script stores (`observe::OBSERVER`).

mod banner;
pub mod browser;
pub mod cdp;
pub mod checks;
pub mod crawl;
pub mod model;
pub mod observe;
pub mod report;
pub mod states;
pub mod tab;
pub mod wire;

use crate::browser::Chromium;
use model::{PageReport, Report, RuleSummary, StateKind, StateReport, StateRun, Violation};
use samtykke_contract::config::WidgetConfig;
use samtykke_serve::http::Server;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// What to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A built site on disk, served by the audit on 127.0.0.1.
    Dir(PathBuf),
    /// A site already served on this machine: `http://127.0.0.1:8000`.
    Url(String),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    /// Where `audit.json` and `audit.html` go.
    pub report_dir: Option<PathBuf>,
    /// Pages audited side by side.
    pub jobs: usize,
    /// axe-core's `axe.min.js` [default: `$AXE_CORE_JS`, else the embedded copy].
    pub axe_js: Option<PathBuf>,
    /// Stop adding pages after this many.
    pub max_pages: usize,
    /// How long one fetch outside the browser (`sitemap.xml`) may take, all bytes together.
    pub fetch_timeout: Duration,
    /// No page state starts after this long; what was not audited by then is listed in the
    /// report, which is still written.
    pub time_limit: Duration,
    /// How long a page may take, and how long it must stay quiet to count as settled.
    pub timing: model::Timing,
}

/// Default of [`Options::time_limit`]: far beyond a real site's audit (Hesbynett's takes about a
/// minute), short enough that a stuck CI job ends.
pub const TIME_LIMIT: Duration = Duration::from_secs(30 * 60);

impl Options {
    pub fn new(target: Target) -> Options {
        Options {
            target,
            report_dir: None,
            jobs: 3,
            axe_js: None,
            max_pages: 200,
            fetch_timeout: crawl::FETCH_TIMEOUT,
            time_limit: TIME_LIMIT,
            timing: model::Timing::default(),
        }
    }
}

#[derive(Debug)]
pub enum AuditError {
    /// The target is not something the audit may or can visit.
    Target(String),
    Io(String, std::io::Error),
    Browser(String),
}

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditError::Target(m) | AuditError::Browser(m) => f.write_str(m),
            AuditError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for AuditError {}

/// `DIR` or `URL` from the command line; no argument means `<root>/dist`. A URL must be
/// `http://` on a loopback host: the audit never drives a browser at someone else's site.
pub fn parse_target(arg: Option<&str>, root: &Path) -> Result<Target, AuditError> {
    let Some(arg) = arg else {
        return Ok(Target::Dir(root.join("dist")));
    };
    if !arg.contains("://") {
        return Ok(Target::Dir(PathBuf::from(arg)));
    }
    let Some(origin) = observe::origin_of(arg) else {
        return Err(AuditError::Target(format!(
            "{arg}: expected a directory or an http:// URL on this machine"
        )));
    };
    if !observe::is_loopback_origin(&origin) {
        return Err(AuditError::Target(format!(
            "refusing to audit {origin}: only sites on this machine (localhost, 127.0.0.1, [::1]) are audited; \
             build the site and audit its directory, or serve it locally"
        )));
    }
    if !origin.starts_with("http://") {
        return Err(AuditError::Target(format!(
            "{arg}: a local site is audited over http://"
        )));
    }
    Ok(Target::Url(arg.to_owned()))
}

/// axe-core 4.14.1, embedded: `vendor/axe-core/` holds it with its licence (MPL-2.0) and where
/// it came from. No file is read at run time unless an override asks for it.
pub const AXE_JS: &str = include_str!("../vendor/axe-core/axe.min.js");

/// axe-core's source: `explicit`, else `$AXE_CORE_JS` when set, else the embedded copy.
pub fn find_axe(explicit: Option<&Path>) -> Result<String, AuditError> {
    let path = explicit.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("AXE_CORE_JS")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let Some(path) = path else {
        return Ok(AXE_JS.to_owned());
    };
    std::fs::read_to_string(&path).map_err(|e| {
        AuditError::Io(
            format!(
                "cannot read axe-core at {} (AXE_CORE_JS overrides the embedded copy; unset it to use that)",
                path.display()
            ),
            e,
        )
    })
}

/// `4.14.1` from axe-core's banner comment.
fn axe_version(source: &str) -> String {
    source
        .find("axe v")
        .map(|i| &source[i + 5..])
        .and_then(|s| s.split(|c: char| !(c.is_ascii_digit() || c == '.')).next())
        .filter(|v| !v.is_empty())
        .unwrap_or("unknown")
        .to_owned()
}

/// Audits the target and writes the report files if asked to. Violations are in the report;
/// an error means the audit itself could not run.
pub fn run(options: &Options) -> Result<Report, AuditError> {
    let started = Instant::now();

    let (server, origin, first_path, directory) = match &options.target {
        Target::Dir(dir) => {
            if !dir.join("index.html").is_file() {
                return Err(AuditError::Target(format!(
                    "{} has no index.html: build the site first (samtykke build)",
                    dir.display()
                )));
            }
            let files = samtykke_serve::http::load_dir(dir)
                .map_err(|e| AuditError::Io(format!("cannot read {}", dir.display()), e))?;
            let server = Server::start(files, 0, None)
                .map_err(|e| AuditError::Io("cannot serve on 127.0.0.1".into(), e))?;
            let origin = server.url();
            (Some(server), origin, "/".to_owned(), Some(dir.clone()))
        }
        Target::Url(url) => {
            // The same refusal as on the command line, for callers of this function.
            parse_target(Some(url), Path::new("."))?;
            let origin = observe::origin_of(url)
                .ok_or_else(|| AuditError::Target(format!("{url} is not a URL")))?;
            let path = crawl::same_origin_page(url, &origin).unwrap_or_else(|| "/".to_owned());
            (None, origin, path, None)
        }
    };

    let axe = find_axe(options.axe_js.as_deref())?;
    let deadline = started + options.time_limit;
    let mut start = vec![first_path];
    // What the audit could not look at; a report with any is not a pass.
    let mut incomplete = Vec::new();
    match crawl::http_get_within(&format!("{origin}/sitemap.xml"), options.fetch_timeout) {
        Ok((200, body)) => match crawl::sitemap_paths(&String::from_utf8_lossy(&body)) {
            Ok(paths) => {
                for path in paths {
                    if !start.contains(&path) {
                        start.push(path);
                    }
                }
            }
            Err(e) => incomplete.push(format!(
                "sitemap.xml could not be read ({e}); only pages reachable by links were audited"
            )),
        },
        // No sitemap: the pages are found through links.
        Ok(_) => {}
        Err(e) => incomplete.push(format!(
            "sitemap.xml could not be read ({e}); only pages reachable by links were audited"
        )),
    }

    let chromium = Chromium::launch_with(&confinement(&origin))
        .map_err(|e| AuditError::Browser(e.to_string()))?;
    let browser_version = chromium.version().to_owned();
    let cx = states::Context {
        wire: chromium.wire(),
        origin: &origin,
        axe: &axe,
        timing: options.timing,
    };
    let (runs, skipped) = drive(
        &cx,
        start,
        options.jobs.max(1),
        options.max_pages.max(1),
        deadline,
    );
    if !skipped.is_empty() {
        let list: Vec<String> = skipped
            .iter()
            .map(|(path, kind)| format!("{path} ({})", kind.label()))
            .collect();
        incomplete.push(format!(
            "the time limit of {} s ran out; {} page state{} not audited: {}",
            options.time_limit.as_secs(),
            skipped.len(),
            if skipped.len() == 1 { " was" } else { "s were" },
            list.join(", ")
        ));
    }
    drop(chromium);
    drop(server);

    let mut report = assemble(runs, &origin, directory);
    report.passed &= incomplete.is_empty();
    report.incomplete = incomplete;
    report.browser = browser_version;
    report.axe_core = axe_version(&axe);
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if let Some(dir) = &options.report_dir {
        report.write(dir).map_err(|e| {
            AuditError::Io(format!("cannot write the report into {}", dir.display()), e)
        })?;
    }
    Ok(report)
}

/// Browser-wide, beneath each tab's refusal of requests to other hosts: host names other than
/// `localhost` resolve to nothing, and every connection that is not to a loopback address (which
/// Chromium never proxies) goes to a proxy that is not there. So not even a request the audit
/// cannot see, from a service worker say, reaches another machine. `origin` is the site's.
fn confinement(origin: &str) -> Vec<String> {
    let host = observe::host_of(origin);
    let site = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    vec![
        format!(
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, \
             EXCLUDE 127.0.0.1, EXCLUDE [::1], EXCLUDE {site}"
        ),
        "--proxy-server=http://127.0.0.1:9".to_owned(),
    ]
}

struct Queue {
    jobs: VecDeque<(String, StateKind)>,
    pages: BTreeSet<String>,
    busy: usize,
    done: Vec<StateRun>,
    /// Jobs left when the time limit ran out.
    skipped: Vec<(String, StateKind)>,
}

/// Runs every (page, state) on `jobs` threads. A first visit may find new pages, whose four
/// states join the queue. No job starts after `deadline`; those left are returned beside the
/// runs.
fn drive(
    cx: &states::Context<'_>,
    start: Vec<String>,
    jobs: usize,
    max_pages: usize,
    deadline: Instant,
) -> (Vec<StateRun>, Vec<(String, StateKind)>) {
    let mut queue = Queue {
        jobs: VecDeque::new(),
        pages: BTreeSet::new(),
        busy: 0,
        done: Vec::new(),
        skipped: Vec::new(),
    };
    for path in start {
        enqueue(&mut queue, path, max_pages);
    }
    let shared = (Mutex::new(queue), Condvar::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| worker(cx, &shared, max_pages, deadline));
        }
    });
    let (queue, _) = shared;
    let queue = queue
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    (queue.done, queue.skipped)
}

fn enqueue(queue: &mut Queue, path: String, max_pages: usize) {
    if queue.pages.len() < max_pages && queue.pages.insert(path.clone()) {
        for kind in StateKind::ALL {
            queue.jobs.push_back((path.clone(), kind));
        }
    }
}

fn worker(
    cx: &states::Context<'_>,
    shared: &(Mutex<Queue>, Condvar),
    max_pages: usize,
    deadline: Instant,
) {
    let (lock, ready) = shared;
    let relock = || {
        lock.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    loop {
        let job = {
            let mut queue = relock();
            loop {
                if Instant::now() >= deadline && !queue.jobs.is_empty() {
                    let left: Vec<_> = queue.jobs.drain(..).collect();
                    queue.skipped.extend(left);
                }
                if let Some(job) = queue.jobs.pop_front() {
                    queue.busy += 1;
                    break Some(job);
                }
                if queue.busy == 0 {
                    break None;
                }
                queue = ready
                    .wait(queue)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
        };
        let Some((path, kind)) = job else {
            ready.notify_all();
            return;
        };
        let run = states::run(cx, &path, kind);
        let mut queue = relock();
        if let Some(info) = run.info.as_ref().filter(|_| kind == StateKind::Fresh) {
            for link in &info.links {
                if let Some(found) = crawl::same_origin_page(link, cx.origin) {
                    enqueue(&mut queue, found, max_pages);
                }
            }
        }
        queue.done.push(run);
        queue.busy -= 1;
        ready.notify_all();
    }
}

/// Judges every run and puts the report together.
fn assemble(runs: Vec<StateRun>, origin: &str, directory: Option<PathBuf>) -> Report {
    let mut by_page: BTreeMap<String, Vec<StateRun>> = BTreeMap::new();
    for run in runs {
        by_page.entry(run.path.clone()).or_default().push(run);
    }
    // One inventory for the site: each page's own, else the first page's that has one.
    let fallback: Option<WidgetConfig> = by_page
        .values()
        .flatten()
        .find_map(|r| r.info.as_ref().and_then(|i| i.config.clone()));
    let empty = WidgetConfig {
        version: samtykke_contract::config::SCHEMA_VERSION,
        revision: String::new(),
        storage_key: String::new(),
        expiry_days: 0,
        policy_version: String::new(),
        categories: Vec::new(),
        cookies: Vec::new(),
        google_consent_mode: false,
        receipts_url: None,
    };
    // Third-party origins the pages declare through their placeholders, with their category.
    let mut declared_hosts = BTreeMap::new();
    for info in by_page.values().flatten().filter_map(|r| r.info.as_ref()) {
        for g in &info.gated {
            if let Some(o) = observe::origin_of(&g.src) {
                declared_hosts
                    .entry(o)
                    .or_insert_with(|| g.category.clone());
            }
        }
    }

    let mut violations: BTreeSet<Violation> = BTreeSet::new();
    let mut pages = Vec::new();
    for (path, mut runs) in by_page {
        runs.sort_by_key(|r| r.kind);
        let info = runs
            .iter()
            .find(|r| r.kind == StateKind::Fresh)
            .and_then(|r| r.info.clone())
            .or_else(|| runs.iter().find_map(|r| r.info.clone()));
        let config = info
            .as_ref()
            .and_then(|i| i.config.as_ref())
            .or(fallback.as_ref())
            .unwrap_or(&empty);
        // Without a widget configuration of its own, the page has no banner to answer: its
        // choice states cannot be exercised, and saying "0 violations" for them would be a lie.
        let unexercisable = info.as_ref().and_then(|i| {
            i.config.is_none().then(|| {
                i.config_problem
                    .clone()
                    .unwrap_or_else(|| "the page has no widget configuration".to_owned())
            })
        });
        violations.extend(checks::page_checks(&path, info.as_ref()));
        let mut states = Vec::new();
        for run in runs {
            let mut found = checks::classify(&run, config, &declared_hosts);
            found.extend(run.findings.iter().cloned());
            // In the order seen: the first of equal findings (same cookie, state and rule) stays.
            let before = violations.len();
            for v in found {
                if !seen(&violations, &v) {
                    violations.insert(v);
                }
            }
            let fresh = violations.len() - before;
            states.push(StateReport {
                state: run.kind,
                snapshots: run.snapshots,
                requests: run.observed.requests,
                console_errors: run.observed.console,
                csp_violations: run.observed.csp,
                notes: run.notes,
                error: run.error,
                violations: fresh,
                not_checked: unexercisable
                    .as_ref()
                    .filter(|_| run.kind != StateKind::Fresh)
                    .map(|why| format!("{why}, so the choice could not be made")),
            });
        }
        pages.push(PageReport { path, info, states });
    }
    let violations: Vec<Violation> = violations.into_iter().collect();
    let rules = model::Rule::ALL
        .iter()
        .map(|&rule| RuleSummary {
            rule,
            source: rule.source(),
            title: rule.title(),
            violations: violations.iter().filter(|v| v.rule == rule).count(),
        })
        .collect();
    Report {
        tool: "samtykke audit",
        version: env!("CARGO_PKG_VERSION"),
        target: origin.to_owned(),
        directory,
        browser: String::new(),
        axe_core: String::new(),
        duration_ms: 0,
        passed: violations.is_empty(),
        incomplete: Vec::new(),
        rules,
        violations,
        pages,
    }
}

/// Whether the same rule already named the same subject on the same page: in the same state,
/// or in any state for rules whose meaning does not depend on it.
fn seen(reported: &BTreeSet<Violation>, v: &Violation) -> bool {
    use model::Rule::*;
    let state_free = matches!(
        v.rule,
        WidgetInactive
            | SettingsControlMissing
            | UndeclaredCookie
            | UndeclaredStorage
            | UndeclaredHost
            | CspViolation
            | ConsoleError
    );
    reported.iter().any(|r| {
        r.rule == v.rule
            && r.page == v.page
            && r.subject == v.subject
            && (state_free || r.state == v.state)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let root = Path::new("/site");
        assert_eq!(
            parse_target(None, root).ok(),
            Some(Target::Dir(PathBuf::from("/site/dist")))
        );
        assert_eq!(
            parse_target(Some("out"), root).ok(),
            Some(Target::Dir(PathBuf::from("out")))
        );
        for ok in [
            "http://127.0.0.1:8000/",
            "http://localhost:1111/kontakt/",
            "http://[::1]:80",
        ] {
            assert_eq!(
                parse_target(Some(ok), root).ok(),
                Some(Target::Url(ok.to_owned())),
                "{ok}"
            );
        }
        for refused in [
            "https://www.hesbynett.no/",
            "http://www.hesbynett.no/",
            "http://127.0.0.1.nip.io/",
            "https://127.0.0.1/",
            "ftp://127.0.0.1/",
        ] {
            assert!(
                matches!(
                    parse_target(Some(refused), root),
                    Err(AuditError::Target(_))
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn axe_version_from_the_banner() {
        assert_eq!(axe_version("/*! axe v4.14.1\n * Copyright"), "4.14.1");
        assert_eq!(axe_version("nothing"), "unknown");
        // The embedded copy is the vendored release, whole.
        assert_eq!(axe_version(AXE_JS), "4.14.1");
        assert!(AXE_JS.len() > 500_000 && AXE_JS.contains("axe.run"));
    }
}
