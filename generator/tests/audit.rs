//! `samtykke audit` in headless Chromium: the Hesbynett site passes, the fixture site passes,
//! and each deliberately broken copy of the fixture fails with its violation named.
//!
//! The browser tests need Chromium, axe-core and the widget that tools/build-widget.sh leaves in
//! target/widget/, so a plain `cargo test` skips them; tools/test.sh runs them after building
//! the widget (`cargo test -p samtykke --test audit -- --include-ignored`).
//!
//! The fixture site is the minimal fixture with an inventory (fixtures/audit/cookies.toml) whose
//! analytics script is a stand-in for ga.js (fixtures/audit/ga.js), served by a second loopback
//! server on `localhost` while the site is on `127.0.0.1`: another host, like Google's.

mod common;

use samtykke_audit::model::{Report, Rule, StateKind};
use samtykke_audit::{Options, Target};
use samtykke_serve::http::{self, Hook, Server};
use samtykke_site::build;
use samtykke_site::render::{Options as RenderOptions, WidgetBundle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// One audit at a time: each starts a Chromium, and the machine has few cores.
static BROWSER: Mutex<()> = Mutex::new(());

const PLACEHOLDER_ORIGIN: &str = "http://localhost:9";

fn widget() -> WidgetBundle {
    let dir = std::env::var_os("SAMTYKKE_WIDGET_OUT")
        .map_or_else(|| common::repo_root().join("target/widget"), PathBuf::from);
    build::read_widget(&dir).unwrap_or_else(|e| panic!("{e}"))
}

fn fixture_file(name: &str) -> String {
    std::fs::read_to_string(common::fixture("audit").join(name)).expect("fixture file")
}

/// A 1×1 GIF: the stand-in's beacon.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

struct Site {
    _dir: tempfile::TempDir,
    server: Server,
    _analytics: Server,
}

/// How to break the fixture site.
#[derive(Default)]
struct Breakage<'a> {
    /// Applied to every built page.
    html: Option<&'a dyn Fn(&str) -> String>,
    /// Extra files at the site's root.
    files: &'a [(&'a str, String)],
    /// `Set-Cookie` header sent with every page.
    set_cookie: Option<&'a str>,
    /// `--page-timeout` for a breakage that keeps the widget from ever starting: each state
    /// then waits this long, several times, for what cannot happen (default: the audit's).
    page_timeout: Option<std::time::Duration>,
}

/// The fixture site, built with the real widget, broken as `breakage` says, and served.
fn fixture_site(breakage: &Breakage<'_>) -> Site {
    let mut analytics_files = BTreeMap::new();
    analytics_files.insert("ga.js".to_owned(), fixture_file("ga.js").into_bytes());
    analytics_files.insert("__utm.gif".to_owned(), GIF.to_vec());
    let analytics =
        Server::start(Arc::new(RwLock::new(analytics_files)), 0, None).expect("analytics server");
    let analytics_origin = format!("http://localhost:{}", analytics.addr().port());

    let cookies = fixture_file("cookies.toml");
    let dir = common::site_with(&[("content/cookies.toml", &cookies)]);
    let dist = dir.path().join("dist");
    let options = RenderOptions {
        widget: Some(widget()),
        ..RenderOptions::default()
    };
    build::build(dir.path(), &dist, &options).unwrap_or_else(|e| panic!("fixture builds: {e}"));

    let mut files = samtykke_site::output::read_tree(&dist).expect("read dist");
    for (path, bytes) in files.iter_mut() {
        if path.ends_with(".html") {
            let html = String::from_utf8(std::mem::take(bytes)).expect("utf-8");
            let html = html.replace(PLACEHOLDER_ORIGIN, &analytics_origin);
            assert!(
                html.contains(&analytics_origin),
                "{path}: the stand-in's origin is in the page"
            );
            *bytes = breakage
                .html
                .map_or(html.clone(), |edit| edit(&html))
                .into_bytes();
        }
    }
    for (name, text) in breakage.files {
        files.insert((*name).to_owned(), text.clone().into_bytes());
    }
    let files: http::Files = Arc::new(RwLock::new(files));
    let hook: Option<Hook> = breakage.set_cookie.map(|cookie| {
        let files = Arc::clone(&files);
        let cookie = cookie.to_owned();
        let hook: Hook = Arc::new(move |request: &http::Request| {
            let url = request.url().to_owned();
            url.split('?')
                .next()
                .is_some_and(|p| p.ends_with('/'))
                .then(|| {
                    let mut response = http::respond(&files, &url);
                    if let Ok(header) =
                        tiny_http::Header::from_bytes(&b"Set-Cookie"[..], cookie.as_bytes())
                    {
                        response.add_header(header);
                    }
                    response
                })
        });
        hook
    });
    let server = Server::start(files, 0, hook).expect("site server");
    Site {
        _dir: dir,
        server,
        _analytics: analytics,
    }
}

/// Audits `target`: only its first page unless `all_pages`.
fn run_audit(target: Target, all_pages: bool) -> (Report, tempfile::TempDir) {
    run_audit_within(target, all_pages, None)
}

/// As [`run_audit`], with `page_timeout` instead of the audit's default if given.
fn run_audit_within(
    target: Target,
    all_pages: bool,
    page_timeout: Option<std::time::Duration>,
) -> (Report, tempfile::TempDir) {
    let _one = BROWSER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let reports = tempfile::tempdir().expect("tempdir");
    let mut timing = samtykke_audit::model::Timing::default();
    if let Some(limit) = page_timeout {
        timing.page_timeout = limit;
    }
    let options = Options {
        report_dir: Some(reports.path().to_path_buf()),
        jobs: 2,
        max_pages: if all_pages { 200 } else { 1 },
        timing,
        ..Options::new(target)
    };
    let report = samtykke_audit::run(&options).unwrap_or_else(|e| panic!("the audit runs: {e}"));
    println!("{}", report.table());
    (report, reports)
}

fn audit_fixture(breakage: &Breakage<'_>) -> Report {
    let site = fixture_site(breakage);
    let target = Target::Url(format!("{}/", site.server.url()));
    run_audit_within(target, false, breakage.page_timeout).0
}

/// The report names `rule` for `subject`, and nothing outside `rule` and `also`.
fn assert_fails_with(report: &Report, rule: Rule, subject: &str, also: &[Rule]) {
    assert!(
        !report.passed,
        "the audit passed a broken site:\n{}",
        report.table()
    );
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.rule == rule && v.subject.contains(subject)),
        "expected {rule} for `{subject}`:\n{}",
        report.table()
    );
    let unexpected: Vec<Rule> = report
        .rules_violated()
        .into_iter()
        .filter(|r| *r != rule && !also.contains(r))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected {unexpected:?}:\n{}",
        report.table()
    );
}

fn snapshot_cookies(report: &Report, state: StateKind, label: &str) -> Vec<String> {
    let page = report.pages.first().expect("a page");
    let state = page
        .states
        .iter()
        .find(|s| s.state == state)
        .expect("the state");
    let snapshot = state
        .snapshots
        .iter()
        .find(|s| s.label == label)
        .unwrap_or_else(|| panic!("snapshot {label}"));
    snapshot.cookies.iter().map(|c| c.name.clone()).collect()
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn the_hesbynett_site_passes() {
    let out = tempfile::tempdir().expect("tempdir");
    let dist = out.path().join("dist");
    let options = RenderOptions {
        widget: Some(widget()),
        ..RenderOptions::default()
    };
    build::build(&common::repo_root(), &dist, &options)
        .unwrap_or_else(|e| panic!("content/ builds: {e}"));
    let (report, reports) = run_audit(Target::Dir(dist), true);
    println!(
        "audit wall time on the Hesbynett site: {:.1} s",
        report.duration_ms as f64 / 1000.0
    );
    assert!(
        report.passed,
        "the Hesbynett site has violations:\n{}",
        report.table()
    );
    let paths: Vec<&str> = report.pages.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/", "/informasjonskapsler/", "/kontakt/", "/personvern/"]
    );
    for page in &report.pages {
        assert_eq!(page.states.len(), 4, "{}", page.path);
        // The loop below checks every request; it must have some to check: accepting starts
        // ga.js on every page, and the audit sees that request.
        let accept = page
            .states
            .iter()
            .find(|s| s.state == StateKind::Accept)
            .expect("an accept state");
        assert!(
            accept
                .requests
                .iter()
                .any(|r| r.origin == "https://www.google-analytics.com"),
            "{}: accepting requested nothing from Google Analytics: {:?}",
            page.path,
            accept.requests
        );
        for state in &page.states {
            assert!(
                state.error.is_none(),
                "{} {:?}: {:?}",
                page.path,
                state.state,
                state.error
            );
            // ga.js is requested only once the visitor accepted, and never leaves the machine.
            for request in &state.requests {
                assert!(request.blocked, "{request:?}");
                assert_eq!(request.origin, "https://www.google-analytics.com");
                assert!(
                    matches!(state.state, StateKind::Accept | StateKind::Withdraw),
                    "{request:?}"
                );
            }
        }
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reports.path().join("audit.json")).expect("audit.json"),
    )
    .expect("JSON");
    assert_eq!(json["passed"], true);
    let html = std::fs::read_to_string(reports.path().join("audit.html")).expect("audit.html");
    assert!(
        html.contains("Passed: no violations") && !html.contains("<script"),
        "self-contained, no script"
    );
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn the_fixture_site_passes_and_its_analytics_runs_only_with_consent() {
    let report = audit_fixture(&Breakage::default());
    assert!(report.passed, "{}", report.table());
    let utm = ["__utma", "__utmb", "__utmc", "__utmz"];
    assert!(snapshot_cookies(&report, StateKind::Fresh, "on arrival").is_empty());
    assert!(snapshot_cookies(&report, StateKind::Reject, "next page load").is_empty());
    let accepted = snapshot_cookies(&report, StateKind::Accept, "next page load");
    assert_eq!(accepted, utm, "the stand-in set its cookies after consent");
    assert_eq!(
        snapshot_cookies(
            &report,
            StateKind::Withdraw,
            "after accept all, next page load"
        ),
        utm
    );
    assert!(snapshot_cookies(&report, StateKind::Withdraw, "right after withdrawal").is_empty());
    assert!(snapshot_cookies(&report, StateKind::Withdraw, "next page load").is_empty());
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn an_analytics_script_that_is_not_gated_fails() {
    let ungate = |html: &str| {
        let broken = html.replace(
            "<script type=\"text/plain\" data-category=\"analytics\" data-src=",
            "<script src=",
        );
        assert_ne!(broken, html, "the placeholder was there to break");
        broken
    };
    let report = audit_fixture(&Breakage {
        html: Some(&ungate),
        ..Breakage::default()
    });
    assert_fails_with(
        &report,
        Rule::CookieWithoutConsent,
        "__utma",
        &[
            Rule::RequestWithoutConsent,
            Rule::CookieAfterWithdrawal,
            Rule::UndeclaredHost,
        ],
    );
    assert!(report
        .violations
        .iter()
        .any(|v| v.rule == Rule::RequestWithoutConsent
            && v.subject == "localhost"
            && v.state == Some(StateKind::Fresh)));
}

/// A script that calls home a while after the page loaded, before any choice: the audit lets
/// each page settle on a quiet network (`--settle-ms`), so a late request is still seen.
#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn a_late_request_before_consent_is_caught() {
    // Once consent is given the widget has replaced the placeholder by a real script, so on
    // a page loaded with consent there is none to read: the script does nothing there.
    let late = "setTimeout(function () {\n  var s = document.querySelector('script[data-category]');\n  if (!s) return;\n  new Image().src = s.dataset.src.replace(/ga\\.js.*$/, '__utm.gif?late=1');\n}, 700);\n".to_owned();
    let add_script = |html: &str| {
        let broken = html.replacen("</head>", "<script src=\"/late.js\"></script></head>", 1);
        assert_ne!(broken, html, "a head to add the script to");
        broken
    };
    let report = audit_fixture(&Breakage {
        html: Some(&add_script),
        files: &[("late.js", late)],
        ..Breakage::default()
    });
    assert_fails_with(
        &report,
        Rule::RequestWithoutConsent,
        "localhost",
        &[Rule::UndeclaredHost],
    );
    let fresh = report
        .pages
        .first()
        .and_then(|p| p.states.iter().find(|s| s.state == StateKind::Fresh))
        .expect("the fresh state");
    assert!(
        fresh.requests.iter().any(|r| r.url.contains("late=1")),
        "{:?}",
        fresh.requests
    );
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn a_cookie_missing_from_the_inventory_fails() {
    let add_script =
        |html: &str| html.replace("</body>", "<script src=\"/visitor.js\"></script>\n</body>");
    let files = [("visitor.js", fixture_file("visitor.js"))];
    let report = audit_fixture(&Breakage {
        html: Some(&add_script),
        files: &files,
        // A server-set HttpOnly cookie, which no script in the page could see.
        set_cookie: Some("srv_track=1; Path=/; HttpOnly; Max-Age=3600"),
        ..Breakage::default()
    });
    assert_fails_with(&report, Rule::UndeclaredCookie, "visitor_id", &[]);
    assert_fails_with(&report, Rule::UndeclaredCookie, "srv_track", &[]);
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn a_banner_without_a_reject_button_fails() {
    let drop_reject = |html: &str| {
        let start = html.find("<section id=\"sk-banner\"").expect("banner");
        let end = start + html[start..].find("</section>").expect("banner end");
        let banner = &html[start..end];
        let button = "<button type=\"button\" class=\"sk-button sk-button--choice\" data-sk=\"reject-all\">Reject all</button>";
        assert!(banner.contains(button), "{banner}");
        format!(
            "{}{}{}",
            &html[..start],
            banner.replace(button, ""),
            &html[end..]
        )
    };
    let report = audit_fixture(&Breakage {
        html: Some(&drop_reject),
        ..Breakage::default()
    });
    assert_fails_with(&report, Rule::BannerButtonMissing, "reject-all", &[]);
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn a_widget_that_does_not_purge_on_withdrawal_fails() {
    let add_script = |html: &str| {
        html.replacen(
            "<meta charset=\"utf-8\">",
            "<meta charset=\"utf-8\">\n  <script src=\"/no-purge.js\"></script>",
            1,
        )
    };
    let files = [("no-purge.js", fixture_file("no-purge.js"))];
    let report = audit_fixture(&Breakage {
        html: Some(&add_script),
        files: &files,
        ..Breakage::default()
    });
    assert_fails_with(&report, Rule::CookieAfterWithdrawal, "__utma", &[]);
    assert!(report
        .violations
        .iter()
        .all(|v| v.state == Some(StateKind::Withdraw)));
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn a_csp_that_blocks_the_widget_fails() {
    let block_wasm = |html: &str| {
        let broken = html.replace(" 'wasm-unsafe-eval'", "");
        assert_ne!(broken, html, "the CSP allowed WebAssembly before");
        broken
    };
    // The widget never starts, so every wait for it runs to the end: 6 s each, not 15 (still
    // ample for a page of the fixture to load on a busy machine).
    let report = audit_fixture(&Breakage {
        html: Some(&block_wasm),
        page_timeout: Some(std::time::Duration::from_secs(6)),
        ..Breakage::default()
    });
    // Without its WASM the widget never acts: the choices are not stored, the preferences do
    // not open, and the failed start is an uncaught error.
    assert_fails_with(
        &report,
        Rule::CspViolation,
        "wasm-eval",
        &[
            Rule::WidgetInactive,
            Rule::ChoiceNotRemembered,
            Rule::PreferencesDidNotOpen,
            Rule::ConsoleError,
        ],
    );
}

/// No browser needed: what is neither a directory nor an http(s) URL, and a directory with no
/// built site, are refused in one line with exit status 2. (Live sites: tests/live_audit.rs.)
#[test]
fn audit_refuses_what_it_cannot_visit() {
    for url in ["ftp://127.0.0.1/", "mailto://x@example.com"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"))
            .args(["audit", url])
            .output()
            .expect("runs samtykke");
        assert_eq!(out.status.code(), Some(2), "{url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("expected a directory or an http:// or https:// URL"),
            "{stderr}"
        );
    }
    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-dist");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .args(["audit".as_ref(), missing.as_os_str()])
        .output()
        .expect("runs samtykke");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no index.html"));
}

/// The browser is found, not assumed: a setting that names no browser stops the audit with one
/// line saying which, and exit status 2, before anything is served or started.
#[test]
fn a_browser_setting_that_names_nothing_is_one_clear_error() {
    let site = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        site.path().join("index.html"),
        "<!DOCTYPE html><title>x</title>",
    )
    .expect("write");
    let nowhere = site.path().join("no-such-chromium");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .args(["audit".as_ref(), site.path().as_os_str()])
        .env("SAMTYKKE_CHROME", &nowhere)
        .env_remove("AXE_CORE_JS")
        .output()
        .expect("runs samtykke");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("cannot start Chromium")
            && lines[0].contains(&format!("SAMTYKKE_CHROME={}", nowhere.display()))
            && lines[0].contains("not an executable"),
        "{stderr}"
    );

    // AXE_CORE_JS overrides the embedded axe-core; one that cannot be read says so.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .args(["audit".as_ref(), site.path().as_os_str()])
        .env("AXE_CORE_JS", site.path().join("no-axe.js"))
        .output()
        .expect("runs samtykke");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read axe-core") && stderr.contains("no-axe.js"),
        "{stderr}"
    );
}

/// One byte every 200 ms, a megabyte long: each read succeeds, so only an overall deadline
/// ends a fetch of it.
struct Trickle;

impl std::io::Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        std::thread::sleep(std::time::Duration::from_millis(200));
        match buf.first_mut() {
            Some(b) => {
                *b = b' ';
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

#[test]
#[ignore = "needs Chromium and axe-core; bash tools/test.sh runs it"]
fn a_trickling_sitemap_or_the_time_limit_leaves_a_partial_report() {
    use std::time::Duration;
    // What the pages hold does not matter here, so the site is built without the widget.
    let site = common::site_with(&[]);
    let dist = site.path().join("dist");
    build::build(site.path(), &dist, &RenderOptions::default())
        .unwrap_or_else(|e| panic!("builds: {e}"));
    let files: http::Files = Arc::new(RwLock::new(
        samtykke_site::output::read_tree(&dist).expect("read dist"),
    ));
    let hook: Hook = Arc::new(|request: &http::Request| {
        (request.url() == "/sitemap.xml").then(|| {
            tiny_http::Response::new(
                tiny_http::StatusCode(200),
                Vec::new(),
                Trickle,
                Some(1 << 20),
                None,
            )
            .boxed()
        })
    });
    let server = Server::start(files, 0, Some(hook)).expect("server");
    let target = Target::Url(format!("{}/", server.url()));

    let _one = BROWSER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let reports = tempfile::tempdir().expect("tempdir");
    // The pages have no widget, so each state waits for it until the page timeout: one page,
    // 3 s a wait, is enough to show the audit went on past the sitemap.
    let report = samtykke_audit::run(&Options {
        report_dir: Some(reports.path().to_path_buf()),
        jobs: 2,
        fetch_timeout: Duration::from_secs(1),
        max_pages: 1,
        timing: samtykke_audit::model::Timing {
            page_timeout: Duration::from_secs(3),
            ..samtykke_audit::model::Timing::default()
        },
        ..Options::new(target.clone())
    })
    .unwrap_or_else(|e| panic!("the audit runs: {e}"));
    println!("{}", report.table());
    assert!(!report.passed, "a partial audit is not a pass");
    assert_eq!(report.incomplete.len(), 1, "{:?}", report.incomplete);
    assert!(
        report.incomplete[0].contains("sitemap.xml")
            && report.incomplete[0].contains("no complete answer within 1.0 s"),
        "{:?}",
        report.incomplete
    );
    // The pages reachable by links were still audited, and the report was written.
    assert!(report
        .pages
        .iter()
        .any(|p| p.path == "/" && p.states.len() == 4));
    let json = std::fs::read_to_string(reports.path().join("audit.json")).expect("audit.json");
    assert!(json.contains("no complete answer within 1.0 s"), "{json}");
    assert!(report.table().contains("INCOMPLETE: sitemap.xml"));

    // A time limit already spent: no state starts, and each is named as not audited.
    let report = samtykke_audit::run(&Options {
        report_dir: Some(reports.path().to_path_buf()),
        fetch_timeout: Duration::from_secs(1),
        time_limit: Duration::ZERO,
        ..Options::new(target)
    })
    .unwrap_or_else(|e| panic!("the audit runs: {e}"));
    assert!(!report.passed);
    assert!(report.pages.is_empty());
    let limit = report
        .incomplete
        .iter()
        .find(|m| m.contains("time limit"))
        .unwrap_or_else(|| panic!("{:?}", report.incomplete));
    assert!(limit.contains("4 page states were not audited"), "{limit}");
    assert!(limit.contains("/ (accept all)"), "{limit}");
    let json = std::fs::read_to_string(reports.path().join("audit.json")).expect("audit.json");
    assert!(json.contains("4 page states were not audited"), "{json}");
}

#[test]
#[ignore = "needs Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn states_a_page_without_widget_config_cannot_exercise_are_not_checked() {
    let no_config = |html: &str| {
        let broken = html.replace("id=\"samtykke-config\"", "id=\"not-the-config\"");
        assert_ne!(broken, html, "the page had a widget configuration");
        broken
    };
    // Without its configuration the widget never starts: 5 s a wait for it, not 15.
    let report = audit_fixture(&Breakage {
        html: Some(&no_config),
        page_timeout: Some(std::time::Duration::from_secs(5)),
        ..Breakage::default()
    });
    let page = report.pages.first().expect("a page");
    for state in &page.states {
        if state.state == StateKind::Fresh {
            assert_eq!(state.not_checked, None, "the fresh visit is checked");
        } else {
            let why = state.not_checked.as_deref().unwrap_or_else(|| {
                panic!(
                    "{:?} is reported as checked:\n{}",
                    state.state,
                    report.table()
                )
            });
            assert!(why.contains("samtykke-config"), "{why}");
        }
    }
    assert!(
        report.table().contains("(not checked)"),
        "{}",
        report.table()
    );
}
