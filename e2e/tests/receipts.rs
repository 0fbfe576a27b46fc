//! Proof of consent end to end: the real Hesbynett content built with `[consent] receipts_url`
//! pointing at the real receipts service (`samtykke receipts serve`, SQLite in a temporary
//! directory, on loopback), and a visitor in headless Chromium. Accepting and then withdrawing
//! leaves two receipts under the visitor's consent id, which `samtykke receipts show` lists; a
//! receipt the service could not take is sent again on the next page view; and a site without
//! the setting sends nothing anywhere.

use samtykke_e2e::{Harness, Visitor, RECEIPTS_HOST};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PENDING: &str = "localStorage.getItem('samtykke.receipts')";

/// Counts, before any page script runs, every request that is not a GET made with `fetch` or
/// `sendBeacon`: a receipt is the only such request the widget makes.
const POST_PROBE: &str = r#"
window.__posts = [];
(function () {
  var f = window.fetch;
  window.fetch = function (url, init) {
    if (init && init.method && String(init.method).toUpperCase() !== "GET") window.__posts.push(String(url));
    return f.apply(this, arguments);
  };
  var b = navigator.sendBeacon && navigator.sendBeacon.bind(navigator);
  if (b) navigator.sendBeacon = function (url) { window.__posts.push(String(url)); return b.apply(null, arguments); };
})();
"#;

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// `samtykke receipts serve` as a child process, stopped when dropped.
struct Service {
    child: Child,
    log: PathBuf,
}

impl Service {
    /// Starts the service and waits until `/healthz` answers 200.
    fn start(port: u16, origin: &str, revisions: &Path, database: &Path) -> Service {
        let log = database.with_extension("log");
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new(samtykke_e2e::samtykke_binary())
            .args(["receipts", "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--origin")
            .arg(origin)
            .arg("--revisions")
            .arg(revisions)
            .arg("--database")
            .arg(database)
            .stdout(Stdio::from(out.try_clone().expect("log")))
            .stderr(Stdio::from(out))
            .spawn()
            .expect("start samtykke receipts serve");
        let mut service = Service { child, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if health(port) == Some(200) {
                return service;
            }
            if let Ok(Some(status)) = service.child.try_wait() {
                panic!("the receipts service exited ({status}): {}", service.log());
            }
            assert!(
                Instant::now() < deadline,
                "the receipts service never became healthy: {}",
                service.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status of `GET /healthz`, if anything answers.
fn health(port: u16) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split(' ').nth(1)?.parse().ok()
}

/// `samtykke receipts show ID`: the history of one consent id, as printed.
fn show(database: &Path, id: &str) -> String {
    let out = Command::new(samtykke_e2e::samtykke_binary())
        .args(["receipts", "show", id, "--database"])
        .arg(database)
        .output()
        .expect("run samtykke receipts show");
    assert!(
        out.status.success(),
        "receipts show: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until `show` lists `count` receipts for `id`; returns what it printed.
fn wait_for_receipts(database: &Path, id: &str, count: usize, service: &Service) -> String {
    let expected = format!("consent id {id}: {count} receipt");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let printed = show(database, id);
        if printed.starts_with(&expected) {
            return printed;
        }
        assert!(
            Instant::now() < deadline,
            "expected {count} receipts for {id}, `receipts show` printed:\n{printed}\nservice log:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Points the harness's site at a receipts service on `port`, rebuilds it, and writes its
/// revisions file where the service will read it.
fn with_receipts(h: &Harness, port: u16, dir: &Path) -> PathBuf {
    let path = h.root.path().join("content/site.toml");
    let toml = std::fs::read_to_string(&path).expect("site.toml");
    let toml = toml
        .replacen(
            "[consent]\n",
            &format!("[consent]\nreceipts_url = \"http://{RECEIPTS_HOST}:{port}/v1/receipts\"\n"),
            1,
        )
        .replacen(
            "[consent.texts]\n",
            "[consent.texts]\nconsent_id = { nb = \"Samtykke-ID\" }\n",
            1,
        );
    assert!(
        toml.contains("receipts_url"),
        "content/site.toml has no [consent]"
    );
    std::fs::write(&path, toml).expect("write site.toml");
    h.rebuild();
    let revisions = dir.join("revisions.json");
    let files = h.files.read().expect("files lock");
    std::fs::write(
        &revisions,
        files
            .get("samtykke/revisions.json")
            .expect("the build publishes samtykke/revisions.json"),
    )
    .expect("write revisions.json");
    revisions
}

fn record_id(visitor: &Visitor) -> String {
    visitor.record()["id"]
        .as_str()
        .expect("a stored record with an id")
        .to_owned()
}

#[test]
fn accepting_and_withdrawing_leave_two_receipts_under_one_consent_id() {
    let h = Harness::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let revisions = with_receipts(&h, port, dir.path());
    let database = dir.path().join("receipts.db");
    let service = Service::start(port, &h.base_url(), &revisions, &database);

    let visitor = h.fresh_tab(POST_PROBE);
    visitor.open(&h.url("/"));
    visitor.accept_all();
    let id = record_id(&visitor);
    let printed = wait_for_receipts(&database, &id, 1, &service);
    assert!(printed.contains("accept-all"), "{printed}");
    assert!(
        visitor.eval_bool(&format!(
            "window.__posts.length === 1 && window.__posts[0] === 'http://{RECEIPTS_HOST}:{port}/v1/receipts'"
        )),
        "one receipt went to the configured endpoint: {}",
        visitor.eval("JSON.stringify(window.__posts)")
    );

    // The preferences show the id the service filed it under, so the visitor can quote it.
    visitor.click("footer [data-sk=\"preferences\"]");
    visitor.wait_for(
        "document.getElementById('sk-preferences').open",
        "the preferences to open",
    );
    assert_eq!(
        visitor.eval("document.getElementById('sk-id').textContent"),
        serde_json::json!(id)
    );
    assert!(visitor.eval_bool(
        "!document.getElementById('sk-id').parentNode.hidden && document.getElementById('sk-id').getBoundingClientRect().width > 0"
    ));

    // Withdrawal: "reject all" in the preferences after having accepted.
    visitor.click("#sk-preferences [data-sk=\"reject-all\"]");
    visitor.wait_for(
        "JSON.parse(localStorage.getItem('samtykke')).method === 'reject-all'",
        "the withdrawal to be recorded",
    );
    assert_eq!(
        record_id(&visitor),
        id,
        "a withdrawal keeps the record's id"
    );
    let printed = wait_for_receipts(&database, &id, 2, &service);
    let lines: Vec<&str> = printed.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(
        lines[0].contains("accept-all") && lines[0].contains("\"analytics\":true"),
        "{printed}"
    );
    assert!(
        lines[1].contains("withdrawal") && lines[1].contains("\"analytics\":false"),
        "{printed}"
    );
    assert!(visitor.eval(PENDING).is_null(), "nothing left for a retry");
}

#[test]
fn a_receipt_the_service_missed_is_sent_on_the_next_page_view() {
    let h = Harness::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let revisions = with_receipts(&h, port, dir.path());
    let database = dir.path().join("receipts.db");

    // Nothing listens on the port yet: the send fails, and the visitor does not notice.
    let visitor = h.fresh_tab(POST_PROBE);
    visitor.open(&h.url("/"));
    visitor.accept_all();
    assert!(!visitor.banner_visible(), "the choice took effect at once");
    visitor.wait_for(
        &format!("{PENDING} !== null"),
        "the failed receipt to be kept for the next page view",
    );
    let id = record_id(&visitor);
    let pending = visitor.eval(PENDING);
    assert!(
        pending
            .as_str()
            .is_some_and(|p| p.contains(&id) && p.contains("accept-all")),
        "{pending}"
    );

    let service = Service::start(port, &h.base_url(), &revisions, &database);
    assert!(show(&database, &id).starts_with("no receipts"));
    visitor.open(&h.url("/kontakt/"));
    let printed = wait_for_receipts(&database, &id, 1, &service);
    assert!(printed.contains("accept-all"), "{printed}");
    visitor.wait_for(&format!("{PENDING} === null"), "the retry to clear the key");
}

#[test]
fn without_a_receipts_url_the_widget_sends_nothing() {
    let h = Harness::start();
    let dir = tempfile::tempdir().expect("tempdir");
    // A service for this very origin, running, but not named by the site.
    let port = free_port();
    let revisions = dir.path().join("revisions.json");
    {
        let files = h.files.read().expect("files lock");
        let index = String::from_utf8_lossy(files.get("index.html").expect("index")).into_owned();
        assert!(!index.contains("receipts_url") && !index.contains("id=\"sk-id\""));
        std::fs::write(
            &revisions,
            files.get("samtykke/revisions.json").expect("revisions"),
        )
        .expect("write revisions.json");
    }
    let database = dir.path().join("receipts.db");
    let service = Service::start(port, &h.base_url(), &revisions, &database);

    let visitor = h.fresh_tab(POST_PROBE);
    visitor.open(&h.url("/"));
    visitor.accept_all();
    let id = record_id(&visitor);
    visitor.click("footer [data-sk=\"preferences\"]");
    visitor.wait_for(
        "document.getElementById('sk-preferences').open",
        "the preferences to open",
    );
    visitor.click("#sk-preferences [data-sk=\"reject-all\"]");
    visitor.wait_for(
        "JSON.parse(localStorage.getItem('samtykke')).method === 'reject-all'",
        "the withdrawal to be recorded",
    );
    visitor.open(&h.url("/kontakt/"));
    visitor.settle();
    assert_eq!(
        visitor.eval("JSON.stringify(window.__posts)"),
        serde_json::json!("[]"),
        "no request but GETs"
    );
    assert!(visitor.eval(PENDING).is_null(), "nothing kept either");
    assert!(
        visitor.eval_bool(
            "performance.getEntriesByType('resource').every(function (e) { return e.initiatorType !== 'fetch' || /\\.wasm$/.test(e.name); })"
        ),
        "the only fetch is the widget's own module"
    );
    assert!(
        show(&database, &id).starts_with("no receipts"),
        "{}",
        service.log()
    );
}
