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
pub mod cookiedb;
pub mod crawl;
pub mod inventory;
pub mod live;
pub mod model;
pub mod observe;
pub mod report;
pub mod sightings;
pub mod states;
pub mod suggest;
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
    /// A site at an http(s) URL: one served on this machine (`http://127.0.0.1:8000`), or a
    /// live one (`https://www.hesbynett.no/`), which the audit crawls politely.
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
    /// `--resolve HOST:ADDR`: host names the browser reaches at the given address.
    pub resolve: Vec<live::Resolve>,
    /// The least time between two page loads on a live site [default: [`live::DELAY`]].
    pub delay: Option<Duration>,
    /// No page state starts once the tabs have received this many bytes in all.
    pub max_bytes: u64,
    /// The inventory to hold the site to (`--root`'s); without it, each page's own.
    pub inventory: Option<inventory::Inventory>,
    /// Called with what will be visited, before the crawl starts.
    pub announce: Option<fn(&str)>,
}

/// Default of [`Options::time_limit`]: far beyond a real site's audit (Hesbynett's takes about a
/// minute), short enough that a stuck CI job ends.
pub const TIME_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Default of [`Options::max_bytes`]: 200 MB, far more than a site's pages and their scripts.
pub const MAX_BYTES: u64 = 200 * 1000 * 1000;

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
            resolve: Vec::new(),
            delay: None,
            max_bytes: MAX_BYTES,
            inventory: None,
            announce: None,
        }
    }
}

#[derive(Debug)]
pub enum AuditError {
    /// The target is not something the audit may or can visit: not a URL, unreachable, a TLS
    /// error, a redirect to another host.
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

/// `DIR` or `URL` from the command line; no argument means `<root>/dist`. A URL is any
/// `http://` or `https://` address; a site on this machine is audited confined to it, any other
/// as a live site ([`live`]).
pub fn parse_target(arg: Option<&str>, root: &Path) -> Result<Target, AuditError> {
    let Some(arg) = arg else {
        return Ok(Target::Dir(root.join("dist")));
    };
    if !arg.contains("://") {
        return Ok(Target::Dir(PathBuf::from(arg)));
    }
    let parsed =
        url::Url::parse(arg).map_err(|e| AuditError::Target(format!("{arg}: not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(AuditError::Target(format!(
            "{arg}: expected a directory or an http:// or https:// URL"
        )));
    }
    Ok(Target::Url(arg.to_owned()))
}

/// Whether `origin` is audited as a live site: anything not on this machine.
pub fn is_live(origin: &str) -> bool {
    !observe::is_loopback_origin(origin)
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
            parse_target(Some(url), Path::new("."))?;
            let origin = observe::origin_of(url)
                .ok_or_else(|| AuditError::Target(format!("{url} is not a URL")))?;
            if is_live(&origin) {
                return live::run(options, url, &origin, started);
            }
            let path = crawl::same_origin_page(url, &origin).unwrap_or_else(|| "/".to_owned());
            (None, origin, path, None)
        }
    };

    let axe = find_axe(options.axe_js.as_deref())?;
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
    let crawl = Crawl {
        origin,
        start,
        directory,
        incomplete,
        live: false,
    };
    let report = crawl_and_report(options, &chromium, crawl, &axe, started);
    drop(chromium);
    drop(server);
    report
}

/// Where a crawl starts and what is already known about it.
pub(crate) struct Crawl {
    /// The site's origin, no trailing slash.
    pub origin: String,
    /// The first pages: the URL's, then the sitemap's.
    pub start: Vec<String>,
    /// The directory served, when the audit served one.
    pub directory: Option<PathBuf>,
    /// What the audit could not look at so far.
    pub incomplete: Vec<String>,
    pub live: bool,
}

/// Audits every page of `crawl` in `chromium`, judges the runs and writes the report.
pub(crate) fn crawl_and_report(
    options: &Options,
    chromium: &Chromium,
    crawl: Crawl,
    axe: &str,
    started: Instant,
) -> Result<Report, AuditError> {
    let Crawl {
        origin,
        start,
        directory,
        mut incomplete,
        live,
    } = crawl;
    let deadline = started + options.time_limit;
    let delay = options
        .delay
        .unwrap_or(if live { live::DELAY } else { Duration::ZERO });
    let cx = states::Context {
        wire: chromium.wire(),
        origin: &origin,
        axe,
        timing: options.timing,
        shared: cdp::Shared {
            network: observe::Network {
                allow_all: live,
                bytes: std::sync::Arc::default(),
            },
            pacer: std::sync::Arc::new(crawl::Pacer::new(delay)),
        },
        live,
    };
    let limits = Limits {
        jobs: options.jobs.max(1),
        max_pages: options.max_pages.max(1),
        deadline,
        time_limit: options.time_limit,
        max_bytes: options.max_bytes,
    };
    let (runs, skipped, why) = drive(&cx, start, &limits);
    if !skipped.is_empty() {
        let list: Vec<String> = skipped
            .iter()
            .map(|(path, kind)| format!("{path} ({})", kind.label()))
            .collect();
        let why = why.unwrap_or_else(|| "a limit was reached".to_owned());
        incomplete.push(format!(
            "{why}; {} page state{} not audited: {}",
            skipped.len(),
            if skipped.len() == 1 { " was" } else { "s were" },
            list.join(", ")
        ));
    }
    let pages_found = runs.iter().filter(|r| r.kind == StateKind::Fresh).count();
    let mut report = assemble(runs, &origin, directory, options.inventory.as_ref());
    if live && pages_found >= limits.max_pages {
        report.notes.push(format!(
            "the crawl stopped at --max-pages {}: pages beyond it were not audited",
            limits.max_pages
        ));
    }
    report.passed &= incomplete.is_empty();
    report.incomplete = incomplete;
    report.browser = chromium.version().to_owned();
    report.axe_core = axe_version(axe);
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
    /// Jobs left when a limit was reached, and which.
    skipped: Vec<(String, StateKind)>,
    stopped: Option<String>,
}

/// How far one audit may go.
struct Limits {
    jobs: usize,
    max_pages: usize,
    /// No job starts after this: the start plus `time_limit`.
    deadline: Instant,
    time_limit: Duration,
    /// No job starts once the tabs have received this many bytes.
    max_bytes: u64,
}

impl Limits {
    fn reached(&self, cx: &states::Context<'_>) -> Option<String> {
        let bytes = cx
            .shared
            .network
            .bytes
            .load(std::sync::atomic::Ordering::Relaxed);
        if Instant::now() >= self.deadline {
            Some(format!(
                "the time limit of {} s ran out",
                self.time_limit.as_secs()
            ))
        } else if bytes >= self.max_bytes {
            Some(format!(
                "the byte limit of {} MB was reached ({} MB received)",
                self.max_bytes / 1_000_000,
                bytes / 1_000_000
            ))
        } else {
            None
        }
    }
}

/// Runs every (page, state) on `limits.jobs` threads. A first visit may find new pages, whose
/// states join the queue; on a live site a page's choice states join only once its first visit
/// found the widget. No job starts after a limit is reached; those left are returned beside the
/// runs, with the limit that stopped them.
fn drive(
    cx: &states::Context<'_>,
    start: Vec<String>,
    limits: &Limits,
) -> (Vec<StateRun>, Vec<(String, StateKind)>, Option<String>) {
    let mut queue = Queue {
        jobs: VecDeque::new(),
        pages: BTreeSet::new(),
        busy: 0,
        done: Vec::new(),
        skipped: Vec::new(),
        stopped: None,
    };
    for path in start {
        enqueue(&mut queue, path, limits.max_pages, cx.live);
    }
    let shared = (Mutex::new(queue), Condvar::new());
    std::thread::scope(|scope| {
        for _ in 0..limits.jobs {
            scope.spawn(|| worker(cx, &shared, limits));
        }
    });
    let (queue, _) = shared;
    let queue = queue
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    (queue.done, queue.skipped, queue.stopped)
}

/// Adds a page's states: all four, or on a live site its first visit only.
fn enqueue(queue: &mut Queue, path: String, max_pages: usize, live: bool) {
    if queue.pages.len() < max_pages && queue.pages.insert(path.clone()) {
        let kinds: &[StateKind] = if live {
            &[StateKind::Fresh]
        } else {
            &StateKind::ALL
        };
        for kind in kinds {
            queue.jobs.push_back((path.clone(), *kind));
        }
    }
}

fn worker(cx: &states::Context<'_>, shared: &(Mutex<Queue>, Condvar), limits: &Limits) {
    let (lock, ready) = shared;
    let relock = || {
        lock.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    loop {
        let job = {
            let mut queue = relock();
            loop {
                if !queue.jobs.is_empty() {
                    if let Some(why) = limits.reached(cx) {
                        let left: Vec<_> = queue.jobs.drain(..).collect();
                        queue.skipped.extend(left);
                        queue.stopped.get_or_insert(why);
                    }
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
                    enqueue(&mut queue, found, limits.max_pages, cx.live);
                }
            }
            // A live page with the widget: its choices can be made, so they are audited too.
            if cx.live && info.config.is_some() && queue.stopped.is_none() {
                for kind in [StateKind::Reject, StateKind::Accept, StateKind::Withdraw] {
                    queue.jobs.push_back((path.clone(), kind));
                }
            }
        }
        queue.done.push(run);
        queue.busy -= 1;
        ready.notify_all();
    }
}

/// Judges every run and puts the report together, against `inventory` when given, else
/// against the configuration each page embeds.
fn assemble(
    runs: Vec<StateRun>,
    origin: &str,
    directory: Option<PathBuf>,
    inventory: Option<&inventory::Inventory>,
) -> Report {
    let by_page = group_by_page(runs);
    // One inventory for the site: the one given, else each page's own, else the first page's
    // that has one.
    let fallback: Option<WidgetConfig> = inventory.map(|i| i.config.clone()).or_else(|| {
        by_page
            .values()
            .flatten()
            .find_map(|r| r.info.as_ref().and_then(|i| i.config.clone()))
    });
    let empty = inventory::empty_config();
    let declared_hosts = declared_hosts(&by_page, inventory);
    let all_runs: Vec<&StateRun> = by_page.values().flatten().collect();
    let sightings = sightings::collect(
        &all_runs,
        origin,
        fallback.as_ref().unwrap_or(&empty),
        &declared_hosts,
    );
    let (never_seen, warnings) = inventory.map_or_else(Default::default, |i| {
        (i.never_seen(&sightings), i.lifetime_warnings(&sightings))
    });
    let notes = without_widget_note(&by_page).into_iter().collect();

    let mut violations: BTreeSet<Violation> = BTreeSet::new();
    let judge = PageJudge {
        inventory,
        fallback: fallback.as_ref().unwrap_or(&empty),
        declared_hosts: &declared_hosts,
    };
    let pages = by_page
        .into_iter()
        .map(|(path, runs)| judge.page(path, runs, &mut violations))
        .collect();
    let violations: Vec<Violation> = violations.into_iter().collect();
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
        rules: rule_summaries(&violations),
        violations,
        pages,
        sightings,
        never_seen,
        warnings,
        notes,
    }
}

/// The runs of each page, pages in path order.
fn group_by_page(runs: Vec<StateRun>) -> BTreeMap<String, Vec<StateRun>> {
    let mut by_page: BTreeMap<String, Vec<StateRun>> = BTreeMap::new();
    for run in runs {
        by_page.entry(run.path.clone()).or_default().push(run);
    }
    by_page
}

/// Third-party origins the pages declare through their placeholders, and those the given
/// inventory's services load, each with its category. The first declaration of an origin
/// wins, placeholders before the inventory.
fn declared_hosts(
    by_page: &BTreeMap<String, Vec<StateRun>>,
    inventory: Option<&inventory::Inventory>,
) -> BTreeMap<String, String> {
    let mut declared = BTreeMap::new();
    for info in by_page.values().flatten().filter_map(|r| r.info.as_ref()) {
        for g in &info.gated {
            if let Some(o) = observe::origin_of(&g.src) {
                declared.entry(o).or_insert_with(|| g.category.clone());
            }
        }
    }
    for category in inventory.iter().flat_map(|i| &i.config.categories) {
        for src in &category.sources {
            if let Some(o) = observe::origin_of(src) {
                declared.entry(o).or_insert_with(|| category.id.clone());
            }
        }
    }
    declared
}

/// The report's note naming the pages without a consent mechanism, if any: their choice
/// states were never audited, and the reader must know the report covers less there.
fn without_widget_note(by_page: &BTreeMap<String, Vec<StateRun>>) -> Option<String> {
    let without_widget: Vec<&str> = by_page
        .iter()
        .filter(|(_, runs)| {
            runs.iter()
                .any(|r| r.notes.iter().any(|n| n == states::NO_CONSENT_MECHANISM))
        })
        .map(|(path, _)| path.as_str())
        .collect();
    (!without_widget.is_empty()).then(|| {
        format!(
            "no consent mechanism found on {} of {} page{} ({}): they were audited before any choice only",
            without_widget.len(),
            by_page.len(),
            if by_page.len() == 1 { "" } else { "s" },
            without_widget.join(", ")
        )
    })
}

/// What every page is judged against.
struct PageJudge<'a> {
    /// The inventory given on the command line; when present, it overrides each page's own.
    inventory: Option<&'a inventory::Inventory>,
    /// The site's configuration for pages without one of their own.
    fallback: &'a WidgetConfig,
    declared_hosts: &'a BTreeMap<String, String>,
}

impl PageJudge<'_> {
    /// Judges one page's runs, adding what they violate to `violations` (the site's, so a
    /// finding already reported elsewhere is not counted twice), and returns the page's report.
    fn page(
        &self,
        path: String,
        mut runs: Vec<StateRun>,
        violations: &mut BTreeSet<Violation>,
    ) -> PageReport {
        runs.sort_by_key(|r| r.kind);
        let info = runs
            .iter()
            .find(|r| r.kind == StateKind::Fresh)
            .and_then(|r| r.info.clone())
            .or_else(|| runs.iter().find_map(|r| r.info.clone()));
        let own = info
            .as_ref()
            .and_then(|i| i.config.as_ref())
            .filter(|_| self.inventory.is_none());
        let config = own.unwrap_or(self.fallback);
        let unexercisable = info.as_ref().and_then(unexercisable);
        violations.extend(checks::page_checks(&path, info.as_ref()));
        let states = runs
            .into_iter()
            .map(|run| self.state(run, config, unexercisable.as_deref(), violations))
            .collect();
        PageReport { path, info, states }
    }

    /// Judges one state's run against `config` and returns its report.
    fn state(
        &self,
        run: StateRun,
        config: &WidgetConfig,
        unexercisable: Option<&str>,
        violations: &mut BTreeSet<Violation>,
    ) -> StateReport {
        let mut found = checks::classify(&run, config, self.declared_hosts);
        found.extend(run.findings.iter().cloned());
        // In the order seen: the first of equal findings (same cookie, state and rule) stays.
        let before = violations.len();
        for v in found {
            if !seen(violations, &v) {
                violations.insert(v);
            }
        }
        let fresh = violations.len() - before;
        StateReport {
            state: run.kind,
            snapshots: run.snapshots,
            requests: run.observed.requests,
            console_errors: run.observed.console,
            csp_violations: run.observed.csp,
            notes: run.notes,
            error: run.error,
            violations: fresh,
            not_checked: unexercisable
                .filter(|_| run.kind != StateKind::Fresh)
                .map(|why| format!("{why}, so the choice could not be made")),
        }
    }
}

/// Why a page's choice states cannot be exercised, if they cannot. Without a widget
/// configuration of its own, the page has no banner to answer, and saying "0 violations" for
/// its choice states would be a lie.
fn unexercisable(info: &model::PageInfo) -> Option<String> {
    info.config.is_none().then(|| {
        info.config_problem
            .clone()
            .unwrap_or_else(|| "the page has no widget configuration".to_owned())
    })
}

/// How many violations each rule has, every rule listed.
fn rule_summaries(violations: &[Violation]) -> Vec<RuleSummary> {
    model::Rule::ALL
        .iter()
        .map(|&rule| RuleSummary {
            rule,
            source: rule.source(),
            title: rule.title(),
            violations: violations.iter().filter(|v| v.rule == rule).count(),
        })
        .collect()
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
            "https://www.hesbynett.no/",
            "http://www.hesbynett.no/",
            "https://127.0.0.1/",
        ] {
            assert_eq!(
                parse_target(Some(ok), root).ok(),
                Some(Target::Url(ok.to_owned())),
                "{ok}"
            );
        }
        for refused in [
            "ftp://127.0.0.1/",
            "http://",
            "mailto://x",
            "https://exa mple.no/",
        ] {
            assert!(
                matches!(
                    parse_target(Some(refused), root),
                    Err(AuditError::Target(_))
                ),
                "{refused}"
            );
        }
        // Only what is not on this machine is audited as a live site.
        assert!(is_live("https://www.hesbynett.no"));
        assert!(is_live("http://127.0.0.1.nip.io"));
        assert!(!is_live("http://127.0.0.1:8000"));
        assert!(!is_live("http://[::1]:80"));
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
