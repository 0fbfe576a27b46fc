//! The README's recipes in headless Chromium, at the network level. Each recipe's fixture site
//! (`generator/tests/fixtures/recipes/<name>`) is built with the compiled widget and served on
//! loopback as `www.testnett.test`; every third-party origin it declares (`https://host`) is
//! rewritten to `http://host.test:PORT`, which Chromium maps to 127.0.0.1, where one stand-in
//! server answers for all of them and records every request it gets, from the page and from
//! its frames alike. Any other name fails to resolve, so nothing reaches the real network.
//!
//! For every recipe: no request to its origins before consent and none after "reject all"; after
//! consent (the banner, or an embed's own button reached and pressed by keyboard alone) the
//! content loads with no CSP violation and no console error; after withdrawal an embed's iframe
//! is gone and a script's first-party cookies are deleted; at 320 px nothing scrolls sideways.

use samtykke_audit::browser::Chromium;
use samtykke_audit::tab::Tab;
use samtykke_serve::http::{Config, Files, Hook, Server};
use samtykke_site::render::{Options, WidgetBundle};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tiny_http::{Header, Response};

const SITE_HOST: &str = "www.testnett.test";

/// Every third-party host the recipes declare, as the stand-in answers them (`<host>.test`).
const THIRD_PARTY: &[&str] = &[
    "www.googletagmanager.com",
    "www.google-analytics.com",
    "region1.google-analytics.com",
    "cdn.matomo.cloud",
    "testnett.matomo.cloud",
    "plausible.io",
    "www.youtube-nocookie.com",
    "player.vimeo.com",
    "www.google.com",
];

/// What the stand-in serves, by path: each script does what the real one does that matters
/// here (cookies on the site, requests back to its own hosts, reading its configuration), and
/// each player is a page of its own.
fn standin(path: &str, port: u16) -> Option<(&'static str, String)> {
    let host = |h: &str| format!("http://{h}.test:{port}");
    let js = "text/javascript";
    let body = if path.starts_with("/gtag/js") {
        (
            js,
            format!(
                r#"(function(){{
  if (!window.dataLayer || typeof gtag !== "function") throw new Error("no gtag");
  document.cookie = "_ga=GA1.1.1.1; path=/; max-age=63072000";
  document.cookie = "_ga_TEST123=GS1.1.1; path=/; max-age=63072000";
  fetch("{}/g/collect?v=2", {{ method: "POST", mode: "no-cors" }});
  new Image().src = "{}/collect?v=1";
  window.__standin = "ga4:" + window.dataLayer.length;
}})();"#,
                host("region1.google-analytics.com"),
                host("www.google-analytics.com")
            ),
        )
    } else if path.ends_with("/matomo.js") {
        (
            js,
            r#"(function(){
  var q = window._paq || [], url = null;
  q.forEach(function (c) { if (c[0] === "setTrackerUrl") url = c[1]; });
  if (!url) throw new Error("no tracker URL");
  document.cookie = "_pk_id.1.abcd=x; path=/; max-age=33696000";
  document.cookie = "_pk_ses.1.abcd=1; path=/; max-age=1800";
  new Image().src = url + "?idsite=1&rec=1";
  fetch(url, { method: "POST", mode: "no-cors" });
  window.__standin = "matomo";
})();"#
                .to_owned(),
        )
    } else if path == "/js/script.js" {
        (
            js,
            format!(
                r#"(function(){{
  var s = document.currentScript, d = s && s.getAttribute("data-domain");
  if (d !== "test.example.no") throw new Error("data-domain not copied: " + d);
  fetch("{}/api/event", {{ method: "POST", mode: "no-cors", body: d }});
  window.__standin = "plausible:" + d;
}})();"#,
                host("plausible.io")
            ),
        )
    } else if path.starts_with("/embed/")
        || path.starts_with("/video/")
        || path.starts_with("/maps/embed")
    {
        (
            "text/html; charset=utf-8",
            "<!DOCTYPE html><title>player</title><p>player</p>".to_owned(),
        )
    } else {
        ("text/plain", String::new())
    };
    Some(body)
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("header")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let (path, target) = (entry.path(), to.join(entry.file_name()));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Every `https://<third party>` in the files below `dir`, rewritten to the stand-in.
fn rewrite_origins(dir: &Path, port: u16) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rewrite_origins(&path, port);
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("text");
        let mut out = text.clone();
        for host in THIRD_PARTY {
            out = out.replace(
                &format!("https://{host}"),
                &format!("http://{host}.test:{port}"),
            );
        }
        if out != text {
            std::fs::write(&path, out).expect("write");
        }
    }
}

/// The stand-in for every third party, the site, and one browser.
struct World {
    hits: Arc<Mutex<Vec<(String, String)>>>,
    standin: Server,
    site: Server,
    files: Files,
    chromium: Chromium,
}

impl World {
    fn start() -> World {
        let hits: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let log = Arc::clone(&hits);
        let port_cell: Arc<Mutex<u16>> = Arc::default();
        let port_of_hook = Arc::clone(&port_cell);
        let hook: Hook = Arc::new(move |request| {
            let host = request.header("Host").unwrap_or_default().to_owned();
            log.lock()
                .expect("hits")
                .push((host, request.url().to_owned()));
            let port = *port_of_hook.lock().expect("port");
            let (kind, body) = standin(request.url(), port)?;
            let mut response = Response::from_string(body);
            response.add_header(header("Content-Type", kind));
            Some(response.boxed())
        });
        let standin = Server::start_with(
            Arc::new(RwLock::new(Default::default())),
            0,
            Some(hook),
            Config {
                hosts: THIRD_PARTY.iter().map(|h| format!("{h}.test")).collect(),
                ..Config::default()
            },
        )
        .expect("start the stand-in");
        *port_cell.lock().expect("port") = standin.addr().port();
        let files: Files = Arc::new(RwLock::new(Default::default()));
        let site = Server::start_with(
            Arc::clone(&files),
            0,
            None,
            Config {
                hosts: vec![SITE_HOST.to_owned()],
                ..Config::default()
            },
        )
        .expect("start the site");
        let rules = "--host-resolver-rules=MAP *.test 127.0.0.1, MAP * ~NOTFOUND".to_owned();
        let chromium = Chromium::launch_with(&[rules]).expect("launch Chromium");
        World {
            hits,
            standin,
            site,
            files,
            chromium,
        }
    }

    /// Builds the recipe's site (the minimal fixture with the recipe over it) and serves it.
    fn serve(&self, recipe: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("tempdir");
        let fixtures = repo_root().join("generator/tests/fixtures");
        copy_dir(
            &fixtures.join("minimal/content"),
            &root.path().join("content"),
        );
        copy_dir(
            &fixtures.join("recipes").join(recipe).join("content"),
            &root.path().join("content"),
        );
        rewrite_origins(&root.path().join("content"), self.standin.addr().port());
        let options = Options {
            base_url: Some(self.base_url()),
            widget: Some(WidgetBundle::embedded()),
            ..Options::default()
        };
        let site =
            samtykke_site::model::load(root.path()).unwrap_or_else(|e| panic!("{recipe}: {e}"));
        let rendered =
            samtykke_site::render::render(&site, &options).unwrap_or_else(|e| panic!("{e}"));
        *self.files.write().expect("files") = rendered.files;
        self.hits.lock().expect("hits").clear();
        root
    }

    fn base_url(&self) -> String {
        format!("http://{SITE_HOST}:{}", self.site.addr().port())
    }

    /// Requests the stand-in got for `hosts` (names without `.test`).
    fn hits(&self, hosts: &[&str]) -> Vec<String> {
        self.hits
            .lock()
            .expect("hits")
            .iter()
            .filter(|(h, _)| {
                hosts
                    .iter()
                    .any(|host| h.split(':').next() == Some(&format!("{host}.test")))
            })
            .map(|(h, u)| format!("{h}{u}"))
            .collect()
    }

    fn tab(&self) -> Tab {
        let tab = self.chromium.new_tab().expect("tab");
        tab.add_script_on_new_document(PROBE).expect("probe");
        tab
    }
}

/// Counts CSP violations and console errors in the page, before any of its own scripts run.
const PROBE: &str = r#"
window.__csp = []; window.__errors = 0;
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.effectiveDirective + " " + e.blockedURI);
});
(function () {
  var original = console.error;
  console.error = function () { window.__errors++; return original.apply(console, arguments); };
  window.addEventListener("error", function () { window.__errors++; });
})();
"#;

fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    tab.evaluate(js, true)
        .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
}

fn is_true(tab: &Tab, js: &str) -> bool {
    eval(tab, js).as_bool().unwrap_or(false)
}

/// Waits until `js` is true; a minute is a hang, not a slow machine.
fn wait_for(tab: &Tab, js: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if is_true(tab, js) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what} ({js})");
}

/// Waits until the stand-in has been asked for something of `hosts`.
fn wait_for_hits(world: &World, hosts: &[&str], what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if !world.hits(hosts).is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for a request to {hosts:?} ({what})");
}

/// Loaded, the widget started, and no new resource for a second: a request the page would make
/// late has had its chance.
fn settle(tab: &Tab) {
    wait_for(tab, "typeof window.samtykke === 'object'", "the widget");
    let settled = eval(
        tab,
        r#"new Promise(function (done) {
  var seen = -1, since = performance.now();
  (function tick() {
    var now = performance.getEntriesByType("resource").length;
    if (now !== seen) { seen = now; since = performance.now(); }
    if (document.readyState === "complete" && performance.now() - since >= 1000) done(true);
    else setTimeout(tick, 50);
  })();
})"#,
    );
    assert_eq!(settled, serde_json::Value::Bool(true));
}

fn open(world: &World, tab: &Tab, path: &str) {
    tab.navigate(&format!("{}{path}", world.base_url()))
        .expect("navigate");
    settle(tab);
}

fn no_csp_violations_or_errors(tab: &Tab, recipe: &str) {
    assert_eq!(eval(tab, "window.__csp"), serde_json::json!([]), "{recipe}");
    assert_eq!(
        eval(tab, "window.__errors"),
        serde_json::json!(0),
        "{recipe}"
    );
}

fn no_sideways_scroll_at_320(tab: &Tab, recipe: &str, when: &str) {
    tab.set_viewport(320, 640).expect("viewport");
    wait_for(tab, "window.innerWidth === 320", "the 320 px viewport");
    // The width inside a vertical scroll bar, if the page has one.
    let widths = eval(
        tab,
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]",
    );
    assert_eq!(widths[0], widths[1], "{recipe} at 320 px {when}: {widths}");
}

/// Before consent and after "reject all": nothing from the recipe's hosts, no iframe.
fn nothing_before_consent_or_after_reject(world: &World, recipe: &str, hosts: &[&str]) {
    let tab = world.tab();
    open(world, &tab, "/");
    assert!(
        world.hits(hosts).is_empty(),
        "{recipe} before consent: {:?}",
        world.hits(hosts)
    );
    assert!(
        is_true(&tab, "!document.querySelector('iframe')"),
        "{recipe}"
    );
    tab.click(r#"#sk-banner [data-sk="reject-all"]"#)
        .expect("reject");
    wait_for(&tab, "!!localStorage.getItem('samtykke')", "the refusal");
    open(world, &tab, "/");
    assert!(
        world.hits(hosts).is_empty(),
        "{recipe} after reject: {:?}",
        world.hits(hosts)
    );
    assert!(
        is_true(&tab, "!document.querySelector('iframe')"),
        "{recipe}"
    );
    no_csp_violations_or_errors(&tab, recipe);
}

/// Withdraws `category` in the preferences (untick, save).
fn withdraw(tab: &Tab, category: &str) {
    tab.click(r#".site-footer [data-sk="preferences"]"#)
        .expect("preferences");
    wait_for(
        tab,
        "document.getElementById('sk-preferences').open",
        "the preferences",
    );
    let toggle = format!(r#"[data-sk-category="{category}"]"#);
    wait_for(
        tab,
        &format!("document.querySelector('{toggle}').checked"),
        "the granted toggle",
    );
    // The dialog may still be moving into place when the toggle is first found, so a click
    // can land beside it: click until the box is unticked (a condition, not a pause).
    let unticked = format!("!document.querySelector('{toggle}').checked");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !is_true(tab, &unticked) {
        assert!(
            Instant::now() < deadline,
            "the toggle of {category} never unticked"
        );
        tab.click(&toggle).expect("untick");
        std::thread::sleep(Duration::from_millis(100));
    }
    tab.click(r#"#sk-preferences [data-sk="save"]"#)
        .expect("save");
    wait_for(
        tab,
        &format!("!window.samtykke.granted('{category}') && !document.getElementById('sk-preferences').open"),
        "the saved choice",
    );
}

/// Enter as a keyboard sends it: a key down that types `\r`, which is what activates a
/// focused button (`Tab::press_key` sends a raw key down, which does not).
fn press_enter(tab: &Tab) {
    for (kind, text) in [("keyDown", "\r"), ("keyUp", "")] {
        tab.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": kind, "key": "Enter", "code": "Enter",
                "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13, "text": text }),
        )
        .expect("Enter");
    }
}

#[test]
fn script_recipes_load_only_after_consent_and_their_cookies_go_on_withdrawal() {
    let world = World::start();
    for (recipe, hosts, cookies) in [
        (
            "ga4",
            &[
                "www.googletagmanager.com",
                "region1.google-analytics.com",
                "www.google-analytics.com",
            ][..],
            &["_ga", "_ga_TEST123"][..],
        ),
        (
            "matomo",
            &["cdn.matomo.cloud", "testnett.matomo.cloud"][..],
            &["_pk_id.1.abcd", "_pk_ses.1.abcd"][..],
        ),
        ("plausible", &["plausible.io"][..], &[][..]),
    ] {
        let _root = world.serve(recipe);
        nothing_before_consent_or_after_reject(&world, recipe, hosts);

        let tab = world.tab();
        open(&world, &tab, "/");
        no_sideways_scroll_at_320(&tab, recipe, "before consent");
        tab.click(r#"#sk-banner [data-sk="accept-all"]"#)
            .expect("accept");
        wait_for(
            &tab,
            "typeof window.__standin === 'string'",
            "the service's script",
        );
        settle(&tab);
        // Every declared host was reached: the script, and what it reports to.
        for host in hosts {
            assert!(
                !world.hits(&[host]).is_empty(),
                "{recipe}: nothing reached {host}"
            );
        }
        no_csp_violations_or_errors(&tab, recipe);
        for cookie in cookies {
            assert!(
                is_true(&tab, &format!("document.cookie.indexOf('{cookie}=') >= 0")),
                "{recipe}: {cookie} after consent"
            );
        }
        if recipe == "ga4" {
            // Consent Mode v2: the default (denied) and the update (granted) went to gtag.
            let modes = eval(&tab, "JSON.stringify(dataLayer.filter(function(a){return a[0]==='consent'}).map(function(a){return [a[1], a[2].analytics_storage]}))");
            assert_eq!(
                modes,
                serde_json::json!(r#"[["default","denied"],["update","granted"]]"#)
            );
        }

        withdraw(&tab, "analytics");
        for cookie in cookies {
            wait_for(
                &tab,
                &format!("document.cookie.indexOf('{cookie}=') < 0"),
                "the cookie purged",
            );
        }
        let before = world.hits(hosts).len();
        open(&world, &tab, "/");
        assert_eq!(
            world.hits(hosts).len(),
            before,
            "{recipe}: requests after withdrawal"
        );
        no_csp_violations_or_errors(&tab, recipe);
    }
}

/// axe-core on every embed placeholder as it stands (before consent): each violation's id and
/// first nodes.
fn axe_on_placeholders(tab: &Tab) -> Vec<String> {
    if !is_true(tab, "typeof window.axe === 'object'") {
        tab.evaluate(samtykke_audit::AXE_JS, false)
            .expect("inject axe-core");
    }
    assert!(
        is_true(tab, "document.querySelectorAll('.sk-embed').length > 0"),
        "the page has a placeholder"
    );
    let found = eval(
        tab,
        "axe.run({ include: [['.sk-embed']] }, { resultTypes: ['violations'] }).then(function(r){ return r.violations.map(function(v){ return v.id + ': ' + v.nodes.slice(0, 3).map(function(n){ return n.target.join(' '); }).join(', '); }); })",
    );
    serde_json::from_value(found).expect("a list")
}

#[test]
fn embed_recipes_frame_only_after_their_button_and_go_on_withdrawal() {
    let world = World::start();
    for (recipe, host) in [
        ("youtube", "www.youtube-nocookie.com"),
        ("vimeo", "player.vimeo.com"),
        ("google-maps", "www.google.com"),
    ] {
        let _root = world.serve(recipe);
        nothing_before_consent_or_after_reject(&world, recipe, &[host]);

        let tab = world.tab();
        open(&world, &tab, "/");
        no_sideways_scroll_at_320(&tab, recipe, "with the placeholder");
        let violations = axe_on_placeholders(&tab);
        assert!(
            violations.is_empty(),
            "{recipe}: axe on the placeholder: {violations:?}"
        );
        // Keyboard alone: Tab until the placeholder's button has focus, then Enter.
        let mut reached = false;
        for _ in 0..60 {
            tab.press_key("Tab").expect("Tab");
            if is_true(&tab, "!!document.activeElement && (document.activeElement.dataset.sk || '').indexOf('grant:') === 0") {
                reached = true;
                break;
            }
        }
        assert!(
            reached,
            "{recipe}: Tab never reached the placeholder's button"
        );
        press_enter(&tab);
        wait_for(
            &tab,
            "!!document.querySelector('.sk-embed__box iframe')",
            "the iframe",
        );
        wait_for_hits(&world, &[host], "the framed player");
        settle(&tab);
        assert!(
            is_true(&tab, "window.samtykke.granted('media')"),
            "{recipe}: the button grants its category"
        );
        let frame = eval(&tab, "(function(){var f=document.querySelector('.sk-embed__box iframe');return [f.title, f.src.indexOf('http://') === 0, getComputedStyle(f.parentNode.querySelector('.sk-embed__placeholder')).display]})()");
        assert_eq!(frame[1], serde_json::json!(true), "{recipe}: {frame}");
        assert_eq!(
            frame[2],
            serde_json::json!("none"),
            "{recipe}: the placeholder stays: {frame}"
        );
        assert!(
            frame[0].as_str().is_some_and(|t| !t.is_empty()),
            "{recipe}: the iframe has no title"
        );
        no_csp_violations_or_errors(&tab, recipe);
        no_sideways_scroll_at_320(&tab, recipe, "with the iframe");
        // The box keeps the recipe's ratio once the iframe is in.
        let ratio = eval(&tab, "(function(){var r=document.querySelector('.sk-embed__box').getBoundingClientRect();return Math.round(100*r.width/r.height)/100})()");
        let expected = if recipe == "google-maps" { 1.33 } else { 1.78 };
        assert!(
            ratio.as_f64().is_some_and(|r| (r - expected).abs() < 0.02),
            "{recipe}: ratio {ratio}"
        );

        withdraw(&tab, "media");
        wait_for(
            &tab,
            "!document.querySelector('iframe')",
            "the iframe removed on withdrawal",
        );
        let before = world.hits(&[host]).len();
        open(&world, &tab, "/");
        assert_eq!(
            world.hits(&[host]).len(),
            before,
            "{recipe}: requests after withdrawal"
        );
        assert!(
            is_true(&tab, "!document.querySelector('iframe')"),
            "{recipe}"
        );
    }
}
