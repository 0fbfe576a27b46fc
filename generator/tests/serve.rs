//! `samtykke serve`: rebuild on change, the reload event, the error overlay and its recovery,
//! the live-reload script under the page's CSP, and a listener on 127.0.0.1 only.

mod common;

use samtykke_serve::{Outcome, Reporter, Serve, EVENTS_PATH};
use samtykke_site::render::WidgetBundle;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const POLICY: &str = "+++\ntitle = \"Personvern\"\ndescription = \"Hvordan vi behandler personopplysninger.\"\nmenu = 2\n+++\n## Informasjonskapsler\n\nSe [listen](@/informasjonskapsler.md).\n\n{{ consent_settings() }}\n\nVersjon A.\n";

/// `GET path` over HTTP/1.0: status, headers, body.
fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    get_as(addr, path, &addr.to_string())
}

/// `GET path` with `Host: host`.
fn get_as(addr: SocketAddr, path: &str, host: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("send");
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).expect("status line");
    let code = status
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut headers = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        headers.push_str(&line);
    }
    let mut body = String::new();
    reader.read_to_string(&mut body).expect("body");
    (code, headers, body)
}

/// Polls `path` until `done` holds for its body; panics with `what` after 10 s.
fn wait_for_page(addr: SocketAddr, path: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, body) = get(addr, path);
        if done(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; last body:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn recorder() -> (Reporter, Arc<Mutex<Vec<Outcome>>>) {
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let report: Reporter = Arc::new(move |outcome: &Outcome, _: &[std::path::PathBuf]| {
        sink.lock().expect("outcomes").push(outcome.clone());
    });
    (report, outcomes)
}

fn write(site: &Path, relative: &str, text: &str) {
    std::fs::write(site.join(relative), text).expect("write content");
}

/// Undoes `escape_html` for the overlay's text.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The text of the overlay's `<pre>`.
fn overlay_text(page: &str) -> Option<String> {
    let start = page.find("<div id=\"samtykke-overlay\"")?;
    let pre = page[start..].find("<pre>")? + start + "<pre>".len();
    let end = page[pre..].find("</pre>")? + pre;
    Some(unescape(&page[pre..end]))
}

#[test]
fn reloads_on_change_shows_the_overlay_on_error_and_recovers() {
    let site = common::site_with(&[("content/personvern.md", POLICY)]);
    let (report, outcomes) = recorder();
    let serve = Serve::start(site.path(), 0, None, report).expect("serve");
    let addr = serve.addr();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    let (code, headers, page) = get(addr, "/personvern/");
    assert_eq!(code, 200);
    assert!(headers.contains("no-store"), "{headers}");
    assert!(page.contains("Versjon A."));
    assert!(
        page.contains(&format!("new EventSource(\"{EVENTS_PATH}?since=")),
        "the live-reload script is in the page"
    );
    assert!(!site.path().join("dist").exists(), "serve writes nothing");

    // A change: the waiting browser is told to reload, and gets the new page.
    let since = serve.generation();
    write(
        site.path(),
        "content/personvern.md",
        &POLICY.replace("Versjon A.", "Versjon B."),
    );
    let (code, headers, event) = get(addr, &format!("{EVENTS_PATH}?since={since}"));
    assert_eq!(code, 200);
    assert!(headers.contains("text/event-stream"), "{headers}");
    assert!(event.contains("\ndata: reload\n\n"), "{event}");
    assert!(event.starts_with("retry: "), "{event}");
    wait_for_page(addr, "/personvern/", "the new text", |p| {
        p.contains("Versjon B.")
    });

    // A mistake: every page keeps its last good content, with the error laid over it.
    let since = serve.generation();
    let broken = POLICY.replace("@/informasjonskapsler.md", "@/informasjonskapslar.md");
    write(site.path(), "content/personvern.md", &broken);
    let (_, _, event) = get(addr, &format!("{EVENTS_PATH}?since={since}"));
    assert!(event.contains("data: reload"), "{event}");
    let page = wait_for_page(addr, "/personvern/", "the overlay", |p| {
        p.contains("id=\"samtykke-overlay\"")
    });
    let shown = overlay_text(&page).expect("overlay text");
    assert!(
        shown.contains("content/personvern.md:8:4"),
        "file:line:col in the overlay:\n{shown}"
    );
    assert!(
        shown.contains("link to a page that does not exist: `@/informasjonskapslar.md`"),
        "{shown}"
    );
    assert!(
        shown.contains("did you mean `informasjonskapsler.md`?"),
        "{shown}"
    );
    assert!(
        page.contains("Versjon B."),
        "the last good page stays under the overlay"
    );
    let terminal = outcomes
        .lock()
        .expect("outcomes")
        .iter()
        .rev()
        .find_map(|o| match o {
            Outcome::Failed { message, .. } => Some(message.clone()),
            Outcome::Built { .. } => None,
        })
        .expect("a failed build was reported");
    assert_eq!(
        shown, terminal,
        "the overlay shows what the terminal printed"
    );
    let other = get(addr, "/").2;
    assert!(
        other.contains("id=\"samtykke-overlay\""),
        "every page shows it"
    );
    let css = get(addr, "/__samtykke/overlay.css");
    assert!(css.0 == 200 && css.1.contains("text/css"), "{css:?}");

    // Fixed: the overlay goes, with the new text.
    write(
        site.path(),
        "content/personvern.md",
        &POLICY.replace("Versjon A.", "Versjon C."),
    );
    let page = wait_for_page(addr, "/personvern/", "recovery", |p| {
        p.contains("Versjon C.")
    });
    assert!(!page.contains("id=\"samtykke-overlay\""), "{page}");
    let outcomes = outcomes.lock().expect("outcomes");
    assert!(
        matches!(outcomes.last(), Some(Outcome::Built { .. })),
        "{outcomes:?}"
    );
}

#[test]
fn starts_on_broken_content_and_serves_an_error_page_until_fixed() {
    let broken = std::fs::read_to_string(common::fixture("errors/unknown_category.cookies.toml"))
        .expect("fixture");
    let site = common::site_with(&[("content/cookies.toml", &broken)]);
    let (report, _) = recorder();
    let serve = Serve::start(site.path(), 0, None, report).expect("serve starts on bad content");
    let (code, _, page) = get(serve.addr(), "/");
    assert_eq!(code, 200);
    let shown = overlay_text(&page).expect("overlay");
    assert!(shown.contains("content/cookies.toml:35:12"), "{shown}");
    assert!(shown.contains("unknown category `analytic`"), "{shown}");
    // The page of its own allows its live-reload script and nothing else.
    let script = page
        .split("<script type=\"module\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("script");
    assert!(page.contains(&common::independent_script_hash(script)));

    let good =
        std::fs::read_to_string(common::fixture("minimal/content/cookies.toml")).expect("fixture");
    write(site.path(), "content/cookies.toml", &good);
    let page = wait_for_page(serve.addr(), "/", "recovery", |p| p.contains("Velkommen"));
    assert!(!page.contains("id=\"samtykke-overlay\""));
}

#[test]
fn the_page_csp_allows_the_live_reload_script_next_to_the_widget() {
    let site = common::site_with(&[]);
    let widget = WidgetBundle {
        js: b"export default function init() {}".to_vec(),
        wasm: b"\0asm\x01\0\0\0".to_vec(),
    };
    let (report, _) = recorder();
    let serve = Serve::start(site.path(), 0, Some(widget), report).expect("serve");
    let page = get(serve.addr(), "/").2;
    let module = page
        .split("<script type=\"module\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("the module script");
    assert!(module.starts_with("import init from"), "{module}");
    assert!(module.contains("EventSource"), "{module}");
    let csp = page
        .split("Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csp");
    assert!(
        csp.contains(&common::independent_script_hash(module)),
        "the hash of the whole module is allowed:\n{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

#[test]
fn a_site_published_below_a_path_is_served_below_it() {
    let site = common::site_with(&[]);
    let config = site.path().join("content/site.toml");
    let toml = std::fs::read_to_string(&config).expect("site.toml");
    let toml = toml.replace(
        "base_url = \"https://test.example.no\"",
        "base_url = \"https://test.example.no/samtykke/\"",
    );
    assert!(
        toml.contains("/samtykke/"),
        "the fixture's base_url was replaced"
    );
    std::fs::write(&config, toml).expect("write site.toml");
    let (report, outcomes) = recorder();
    let serve = Serve::start(site.path(), 0, None, report).expect("serve");
    assert!(
        matches!(
            outcomes.lock().expect("outcomes")[..],
            [Outcome::Built { .. }]
        ),
        "the first build succeeds"
    );

    assert_eq!(serve.site_url(), format!("{}/samtykke/", serve.url()));
    let (status, headers, _) = get(serve.addr(), "/");
    assert_eq!(status, 302, "{headers}");
    assert!(headers.contains("Location: /samtykke/\r\n"), "{headers}");

    let (status, _, home) = get(serve.addr(), "/samtykke/");
    assert_eq!(status, 200);
    let css = home
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the stylesheet link");
    assert!(css.starts_with("/samtykke/style."), "{css}");
    assert_eq!(
        get(serve.addr(), css).0,
        200,
        "{css} is served where the page says"
    );
    assert!(
        home.contains("href=\"/samtykke/personvern/\""),
        "nav links stay below the path"
    );
    assert_eq!(get(serve.addr(), "/samtykke/personvern/").0, 200);
    // A page asked for without the prefix is not the site's page: the 404 page answers.
    assert_eq!(get(serve.addr(), "/personvern/").0, 404);
    let (status, _, missing) = get(serve.addr(), "/samtykke/finnes-ikke/");
    assert_eq!(status, 404);
    assert!(
        missing.contains("/samtykke/style."),
        "the site's own 404 page"
    );
}

/// Every listening TCP socket on `port`, as (hex address, hex port) from /proc/net/tcp{,6}.
fn listeners(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let Some((ip, p)) = local.rsplit_once(':') else {
                continue;
            };
            // 0A is LISTEN.
            if *state == "0A" && u16::from_str_radix(p, 16).ok() == Some(port) {
                found.push(ip.to_owned());
            }
        }
    }
    found
}

#[test]
fn the_binary_listens_on_127_0_0_1_only_and_survives_bad_content() {
    let broken = std::fs::read_to_string(common::fixture("errors/broken_toml.cookies.toml"))
        .expect("fixture");
    let site = common::site_with(&[("content/cookies.toml", &broken)]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .arg("--root")
        .arg(site.path())
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start samtykke serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = lines.by_ref().map_while(Result::ok).find_map(|l| {
        l.strip_prefix("serving ")
            .and_then(|r| r.split('/').nth(2))
            .map(str::to_owned)
    });
    let result = std::panic::catch_unwind(|| {
        let host_port = url.expect("serve printed its URL");
        let addr: SocketAddr = host_port.parse().expect("an address");
        assert_eq!(addr.ip().to_string(), "127.0.0.1");
        // 0100007F is 127.0.0.1 in /proc's byte order; nothing listens on 0.0.0.0 or ::.
        assert_eq!(
            listeners(addr.port()),
            ["0100007F"],
            "only 127.0.0.1 listens on port {}",
            addr.port()
        );
        let page = get(addr, "/kontakt/").2;
        assert!(
            page.contains("samtykke-overlay") && page.contains("content/cookies.toml:"),
            "{page}"
        );
        // The overlay (which quotes the content) is not given to a page that rebound its own
        // name to 127.0.0.1, nor to a name that is not this server's.
        let port = addr.port();
        for host in [
            format!("evil.example:{port}"),
            format!("127.0.0.1.nip.io:{port}"),
            format!("127.0.0.1:{}", port.wrapping_add(1)),
        ] {
            let (code, _, body) = get_as(addr, "/kontakt/", &host);
            assert_eq!(code, 421, "Host: {host}");
            assert!(!body.contains("cookies.toml"), "{body}");
        }
        for host in [format!("localhost:{port}"), format!("LOCALHOST:{port}")] {
            assert_eq!(get_as(addr, "/kontakt/", &host).0, 200, "Host: {host}");
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    let still_running = child.try_wait().expect("status").is_none();
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert!(still_running, "serve never exits on bad content");
}
