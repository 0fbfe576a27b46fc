//! A harness for end-to-end tests: the real `content/`, built with the compiled widget, served
//! on loopback under the name `www.hesbynett.test`, with a stand-in for Google Analytics on a
//! host of its own, and Chromium told that both names are 127.0.0.1.
//!
//! Using host names rather than bare 127.0.0.1 lets cookies live on a parent domain
//! (`.hesbynett.test`), as they do on the real site, so the purge is tested where it matters.

pub mod look;

use samtykke_audit::browser::Chromium;
use samtykke_audit::tab::Tab;
use samtykke_serve::http::{Config, Files, Hook, Server};
use samtykke_site::render::{Options, WidgetBundle};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};
use tiny_http::{Header, Response};

pub const SITE_HOST: &str = "www.hesbynett.test";
pub const PARENT_DOMAIN: &str = "hesbynett.test";
pub const ANALYTICS_HOST: &str = "www.google-analytics.test";
/// The receipts service's name (e2e/tests/receipts.rs runs it on a loopback port). A name, not
/// 127.0.0.1: the resolver rules below send every other host, IP literals included, nowhere.
pub const RECEIPTS_HOST: &str = "samtykke.hesbynett.test";

/// Sets the four Universal Analytics cookies the way ga.js does: first-party, on the parent
/// domain, with ga.js's lifetimes.
pub const GA_STANDIN: &str = r#"(function(){
  var d = "; domain=.hesbynett.test; path=/";
  var now = Math.floor(Date.now() / 1000);
  document.cookie = "__utma=1." + now + "." + now + "." + now + ".1" + d + "; max-age=63072000";
  document.cookie = "__utmb=1.1.10." + now + d + "; max-age=1800";
  document.cookie = "__utmc=1" + d;
  document.cookie = "__utmz=1." + now + ".1.1.utmcsr=(direct)" + d + "; max-age=15768000";
  window.__gaStandinRan = (window.__gaStandinRan || 0) + 1;
})();"#;

pub struct Harness {
    pub root: tempfile::TempDir,
    pub site: Server,
    pub files: Files,
    /// Requests that reached the analytics stand-in.
    pub analytics_hits: Arc<AtomicUsize>,
    pub analytics: Server,
    /// While held, the site answers requests for `.wasm` files only once released.
    pub wasm_gate: Arc<Gate>,
    pub chromium: Chromium,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Holds requests back until the test releases them, so "while the module is still loading" is
/// a state the test controls rather than a time window. Open unless held.
#[derive(Default)]
pub struct Gate {
    held: Mutex<bool>,
    released: Condvar,
}

impl Gate {
    pub fn hold(&self) {
        *self.held.lock().expect("gate") = true;
    }

    pub fn release(&self) {
        *self.held.lock().expect("gate") = false;
        self.released.notify_all();
    }

    /// Returns once the gate is open. A test that never releases it fails by its own deadline;
    /// the minute here only keeps a server thread from outliving it forever.
    fn pass(&self) {
        let held = self.held.lock().expect("gate");
        let _ = self
            .released
            .wait_timeout_while(held, Duration::from_secs(60), |held| *held);
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

impl Harness {
    /// Builds the real content with the compiled widget and starts both servers and Chromium.
    pub fn start() -> Harness {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        let standin: Hook = Arc::new(move |request| {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut response = Response::from_string(GA_STANDIN);
            response.add_header(header("Content-Type", "text/javascript"));
            let _ = request;
            Some(response.boxed())
        });
        // The browser maps these names to 127.0.0.1; the server answers them by name.
        let named = |host: &str| Config {
            hosts: vec![host.to_owned()],
            ..Config::default()
        };
        let analytics = Server::start_with(
            Arc::new(RwLock::new(Default::default())),
            0,
            Some(standin),
            named(ANALYTICS_HOST),
        )
        .expect("start the analytics stand-in");

        let wasm_gate = Arc::new(Gate::default());
        let gate = Arc::clone(&wasm_gate);
        let site_hook: Hook = Arc::new(move |request| {
            let url = request.url();
            if url.ends_with(".wasm") {
                gate.pass();
            }
            // Cookies from before the banner existed: one on the parent domain, one host-only.
            (url == "/__seed").then(|| {
                let mut response = Response::from_string("seeded");
                response.add_header(header(
                    "Set-Cookie",
                    "__utma=old; Domain=hesbynett.test; Path=/; Max-Age=3600",
                ));
                response.add_header(header("Set-Cookie", "__utmz=old; Path=/; Max-Age=3600"));
                response.add_header(header("Set-Cookie", "PHPSESSID=keep; Path=/"));
                response.boxed()
            })
        });
        let files: Files = Arc::new(RwLock::new(Default::default()));
        let site = Server::start_with(Arc::clone(&files), 0, Some(site_hook), named(SITE_HOST))
            .expect("start the site");

        let root = tempfile::tempdir().expect("tempdir");
        copy_dir(&repo_root().join("content"), &root.path().join("content"));
        copy_dir(&repo_root().join("themes"), &root.path().join("themes"));
        let inventory_path = root.path().join("content/cookies.toml");
        let inventory = std::fs::read_to_string(&inventory_path).expect("inventory");
        let standin_url = format!("http://{ANALYTICS_HOST}:{}/ga.js", analytics.addr().port());
        let inventory = inventory.replace("https://www.google-analytics.com/ga.js", &standin_url);
        assert!(
            inventory.contains(&standin_url),
            "content/cookies.toml no longer loads ga.js"
        );
        std::fs::write(&inventory_path, inventory).expect("write inventory");

        let rules = format!(
            "--host-resolver-rules=MAP {SITE_HOST} 127.0.0.1, MAP {ANALYTICS_HOST} 127.0.0.1, MAP {RECEIPTS_HOST} 127.0.0.1, MAP * ~NOTFOUND"
        );
        let chromium = Chromium::launch_with(&[rules]).expect("launch Chromium");
        let harness = Harness {
            root,
            site,
            files,
            analytics_hits: hits,
            analytics,
            wasm_gate,
            chromium,
        };
        harness.rebuild();
        harness
    }

    /// Builds `self.root` again (after a content change) and serves the result.
    pub fn rebuild(&self) {
        // The widget the binary ships (tools/check-widget.sh proves it is widget/'s build).
        let options = Options {
            base_url: Some(self.base_url()),
            widget: Some(WidgetBundle::embedded()),
            ..Options::default()
        };
        let site =
            samtykke_site::model::load(self.root.path()).unwrap_or_else(|e| panic!("content: {e}"));
        let rendered = samtykke_site::render::render(&site, &options)
            .unwrap_or_else(|e| panic!("render: {e}"));
        *self.files.write().expect("files lock") = rendered.files;
    }

    pub fn base_url(&self) -> String {
        format!("http://{SITE_HOST}:{}", self.site.addr().port())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The site's page paths, from its sitemap: the path of every `<url><loc>`.
    pub fn page_paths(&self) -> Vec<String> {
        let files = self.files.read().expect("files lock");
        let sitemap = std::str::from_utf8(files.get("sitemap.xml").expect("sitemap"))
            .expect("sitemap.xml is UTF-8");
        let doc = roxmltree::Document::parse(sitemap).expect("sitemap.xml is XML");
        doc.descendants()
            .filter(|n| n.has_tag_name("loc") && n.parent().is_some_and(|p| p.has_tag_name("url")))
            .map(|loc| {
                let text = loc.text().unwrap_or_default().trim();
                url::Url::parse(text)
                    .unwrap_or_else(|e| panic!("sitemap <loc> {text:?}: {e}"))
                    .path()
                    .to_owned()
            })
            .collect()
    }

    /// A tab in a fresh browser context: no cookies, no storage. `before` runs in every
    /// document before the page's own scripts.
    pub fn fresh_tab(&self, before: &str) -> Visitor<'_> {
        let tab = self.chromium.new_tab().expect("new tab");
        let script = format!("{FIRST_PAINT_PROBE}\n{before}");
        tab.add_script_on_new_document(&script).expect("add probe");
        Visitor {
            tab,
            _browser: PhantomData,
        }
    }
}

/// Records, before any page script can change it, whether the banner is shown when the body
/// is parsed, which is when the first paint can happen.
const FIRST_PAINT_PROBE: &str = r#"
document.addEventListener("DOMContentLoaded", function () {
  var b = document.getElementById("sk-banner");
  window.__bannerAtFirstPaint = !!b && getComputedStyle(b).display !== "none";
}, { capture: true, once: true });
window.__consoleErrors = 0;
window.__skChanges = 0;
document.addEventListener("samtykke:change", function () { window.__skChanges++; });
(function () {
  var original = console.error;
  console.error = function () { window.__consoleErrors++; return original.apply(console, arguments); };
  window.addEventListener("error", function () { window.__consoleErrors++; });
})();
"#;

/// Resolves once the document is complete and no resource has started loading for a second
/// (the network quiet the audit also waits for), then after an idle callback.
const SETTLE: &str = r#"new Promise(function (done) {
  var seen = -1, since = performance.now();
  (function tick() {
    var now = performance.getEntriesByType("resource").length;
    if (now !== seen) { seen = now; since = performance.now(); }
    if (document.readyState === "complete" && performance.now() - since >= 1000) {
      requestIdleCallback(function () { done(true); }, { timeout: 5000 });
    } else {
      setTimeout(tick, 50);
    }
  })();
})"#;

/// One visitor: a tab with its own cookie jar and storage.
pub struct Visitor<'a> {
    pub tab: Tab,
    /// The tab's browser outlives it.
    _browser: PhantomData<&'a Chromium>,
}

impl Visitor<'_> {
    pub fn visit(&self, url: &str) -> &Self {
        self.tab
            .navigate(url)
            .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
        self
    }

    pub fn eval(&self, js: &str) -> serde_json::Value {
        self.tab
            .evaluate(js, true)
            .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
    }

    pub fn eval_bool(&self, js: &str) -> bool {
        self.eval(js).as_bool().unwrap_or(false)
    }

    /// Waits until `js` is true; panics with `what` after a minute (a hang, not a slow machine).
    pub fn wait_for(&self, js: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.eval_bool(js) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what} ({js})");
    }

    /// Opens `url` and waits for the widget to start.
    pub fn open(&self, url: &str) -> &Self {
        self.visit(url);
        self.wait_for_widget();
        self
    }

    /// Clicks "accept all" in the banner and waits for ga.js's first cookie.
    pub fn accept_all(&self) {
        self.click(r#"#sk-banner [data-sk="accept-all"]"#);
        self.wait_for(
            "document.cookie.indexOf('__utma=') >= 0",
            "__utma after accept",
        );
    }

    /// Waits until the WASM widget has started and published its API.
    pub fn wait_for_widget(&self) {
        self.wait_for(
            "typeof window.samtykke === 'object' && window.samtykke !== null",
            "the widget to start",
        );
    }

    /// Waits until the page has gone quiet after the widget started: loaded, no new resource
    /// for a second, and the browser idle. Checks that something did *not* happen run after
    /// this, so a script the widget started late would have had its chance to show.
    pub fn settle(&self) {
        self.wait_for_widget();
        let settled = self
            .tab
            .evaluate(SETTLE, true)
            .ok()
            .and_then(|v| v.as_bool());
        assert_eq!(settled, Some(true), "the page did not settle");
    }

    pub fn click(&self, selector: &str) {
        self.tab
            .click(selector)
            .unwrap_or_else(|e| panic!("click {selector}: {e}"));
    }

    pub fn banner_visible(&self) -> bool {
        self.eval_bool(r#"(function(){var b=document.getElementById("sk-banner");return !!b && getComputedStyle(b).display!=="none" && b.getBoundingClientRect().height>0})()"#)
    }

    /// Every cookie in this visitor's jar, HttpOnly ones included: (name, domain).
    pub fn cookies(&self) -> Vec<(String, String)> {
        let all = self.tab.cookies().expect("Storage.getCookies");
        let field = |c: &serde_json::Value, name: &str| {
            c.get(name)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        all.iter()
            .map(|c| (field(c, "name"), field(c, "domain")))
            .collect()
    }

    pub fn analytics_cookies(&self) -> Vec<(String, String)> {
        self.cookies()
            .into_iter()
            .filter(|(n, _)| n.starts_with("__utm"))
            .collect()
    }

    /// The stored consent record, parsed.
    pub fn record(&self) -> serde_json::Value {
        let raw = self.eval("localStorage.getItem('samtykke')");
        raw.as_str()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(serde_json::Value::Null)
    }
}

/// The `samtykke` binary: `SAMTYKKE_BIN`, which tools/test.sh sets after building it, or this
/// workspace's debug build. (Building it from a test would wait forever on the build directory's
/// lock, which the running `cargo test` holds.)
pub fn samtykke_binary() -> std::path::PathBuf {
    let binary = std::env::var_os("SAMTYKKE_BIN").map_or_else(
        || {
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
                || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
                std::path::PathBuf::from,
            );
            target.join("debug/samtykke")
        },
        std::path::PathBuf::from,
    );
    assert!(
        binary.is_file(),
        "no samtykke binary at {}: run `cargo build -p samtykke` first, or set SAMTYKKE_BIN",
        binary.display()
    );
    binary
}
