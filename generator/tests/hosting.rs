//! The Hesbynett site on real nginx and Apache, each configured only by the files `build` writes
//! (`.nginx.conf` included in a bare `server {}`, `.htaccess` under `AllowOverride All`), started
//! and stopped by PID with tools/servers.sh.
//!
//! Per server: the security and cache headers on a page and on a fingerprinted asset, the WASM
//! type, the precompressed siblings sent on request with their type kept, the site's 404 page
//! with status 404, the configuration files refused, and `samtykke audit` passing against it.
//!
//! They need nginx, apache2, Chromium, axe-core and target/widget, so a plain `cargo test` skips
//! them; tools/test.sh installs the servers (`tools/servers.sh install`) and runs them with
//! `--include-ignored`. A server that is missing or does not start fails the test, never skips.

mod common;

use samtykke_audit::{Options, Target};
use samtykke_site::build;
use samtykke_site::render::Options as RenderOptions;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

/// One audit at a time: each starts a Chromium, and the machine has few cores.
static BROWSER: Mutex<()> = Mutex::new(());

/// A server started by tools/servers.sh, stopped by its PID file when dropped (also when an
/// assertion fails).
struct Running {
    name: &'static str,
    port: u16,
    state: PathBuf,
    dist: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = servers_sh(&["stop", self.name, &self.state.to_string_lossy()]);
    }
}

fn servers_sh(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(common::repo_root().join("tools/servers.sh"))
        .args(args)
        .output()
        .expect("run bash tools/servers.sh")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The Hesbynett site with the real widget, built into `dir`/`below` (a folder the servers'
/// user can read), for `base_url` when given.
fn build_site(dir: &Path, below: &str, base_url: Option<String>) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let widget_dir = std::env::var_os("SAMTYKKE_WIDGET_OUT")
        .map_or_else(|| common::repo_root().join("target/widget"), PathBuf::from);
    let widget = build::read_widget(&widget_dir).unwrap_or_else(|e| panic!("{e}"));
    let dist = dir.join(below);
    let options = RenderOptions {
        widget: Some(widget),
        base_url,
        ..RenderOptions::default()
    };
    build::build(&common::repo_root(), &dist, &options)
        .unwrap_or_else(|e| panic!("content/ builds: {e}"));
    dist
}

fn start(name: &'static str) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let dist = build_site(dir.path(), "dist", None);
    launch(name, dir, dist, free_port(), "")
}

/// The site built for a GitHub Pages project site's URL, served by `name` on loopback from a web
/// root that holds it in `samtykke/`: the pages' own URLs are root-relative, so any host works.
fn start_below_a_path(name: &'static str) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let base_url = "https://hesbynett.github.io/samtykke/".to_owned();
    let dist = build_site(dir.path(), "samtykke", Some(base_url));
    launch(name, dir, dist, free_port(), "/samtykke")
}

fn launch(
    name: &'static str,
    dir: tempfile::TempDir,
    dist: PathBuf,
    port: u16,
    prefix: &str,
) -> Running {
    let state = dir.path().join(format!("{name}-state"));
    let out = servers_sh(&[
        "start",
        name,
        &dist.to_string_lossy(),
        &port.to_string(),
        &state.to_string_lossy(),
        prefix,
    ]);
    // Owns the state from here, so even a half-started server is stopped.
    let running = Running {
        name,
        port,
        state,
        dist,
        _dir: dir,
    };
    assert!(
        out.status.success(),
        "{name} did not start (tools/servers.sh install puts it in place):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    running
}

struct Response {
    status: u16,
    /// Lower-cased names, in order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A plain HTTP/1.1 GET with `Connection: close`: the servers send static files and error pages
/// with a Content-Length, so the body is everything after the headers.
fn get(port: u16, path: &str, accept_encoding: Option<&str>) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(encoding) = accept_encoding {
        request.push_str(&format!("Accept-Encoding: {encoding}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn assert_security_headers(what: &str, r: &Response) {
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.starts_with("default-src 'none';") && csp.ends_with("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    // content/site.toml publishes over https, so HSTS is on by default.
    assert_eq!(
        r.header("strict-transport-security"),
        Some("max-age=31536000"),
        "{what}"
    );
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        r.header("referrer-policy"),
        Some("strict-origin-when-cross-origin"),
        "{what}"
    );
    assert_eq!(
        r.header("cross-origin-opener-policy"),
        Some("same-origin"),
        "{what}"
    );
    let permissions = r.header("permissions-policy").unwrap_or_default();
    assert!(
        permissions.contains("camera=()") && !permissions.contains("interest-cohort"),
        "{what}: {permissions:?}"
    );
}

/// The one file in `dist` whose name matches, e.g. the fingerprinted WASM.
fn find(dist: &Path, prefix: &str, ext: &str) -> String {
    std::fs::read_dir(dist)
        .expect("read dist")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(prefix) && n.ends_with(ext))
        .unwrap_or_else(|| panic!("no {prefix}*{ext} in dist"))
}

fn check_server(server: &Running) {
    let (port, dist, name) = (server.port, &server.dist, server.name);

    let page = get(port, "/kontakt/", None);
    assert_eq!(page.status, 200, "{name}");
    assert_security_headers(&format!("{name} page"), &page);
    assert_eq!(page.header("cache-control"), Some("no-cache"), "{name}");
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{name}"
    );
    assert_eq!(
        page.body,
        std::fs::read(dist.join("kontakt/index.html")).expect("page"),
        "{name}: no Accept-Encoding gets the file itself"
    );
    assert_eq!(page.header("content-encoding"), None, "{name}");

    let css = find(dist, "style.", ".css");
    let wasm = find(dist, "samtykke.", ".wasm");
    for (asset, mime) in [(&css, "text/css"), (&wasm, "application/wasm")] {
        let r = get(port, &format!("/{asset}"), None);
        assert_eq!(r.status, 200, "{name} {asset}");
        assert_security_headers(&format!("{name} {asset}"), &r);
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{name} {asset}"
        );
        let ty = r.header("content-type").unwrap_or_default();
        assert!(ty.starts_with(mime), "{name} {asset}: {ty}");
    }

    // Compressed on request: the sibling's exact bytes, the original's type, and Vary.
    for (path, file, mime) in [
        ("/kontakt/", "kontakt/index.html", "text/html"),
        ("/", "index.html", "text/html"),
        (&format!("/{css}")[..], &css[..], "text/css"),
        (&format!("/{wasm}")[..], &wasm[..], "application/wasm"),
    ] {
        for (accept, encoding, suffix) in
            [("gzip, deflate, br", "br", "br"), ("gzip", "gzip", "gz")]
        {
            let r = get(port, path, Some(accept));
            let what = format!("{name} {path} with Accept-Encoding: {accept}");
            assert_eq!(r.status, 200, "{what}");
            assert_eq!(r.header("content-encoding"), Some(encoding), "{what}");
            let ty = r.header("content-type").unwrap_or_default();
            assert!(ty.starts_with(mime), "{what}: {ty}");
            assert!(
                r.all("vary")
                    .iter()
                    .any(|v| v.to_ascii_lowercase().contains("accept-encoding")),
                "{what}: {:?}",
                r.all("vary")
            );
            let sibling = std::fs::read(dist.join(format!("{file}.{suffix}"))).expect("sibling");
            assert_eq!(r.body, sibling, "{what}");
            assert_security_headers(&what, &r);
        }
    }

    let missing = get(port, "/finnes-ikke/", None);
    assert_eq!(missing.status, 404, "{name}");
    assert_eq!(
        missing.body,
        std::fs::read(dist.join("404.html")).expect("404.html"),
        "{name}: the site's own 404 page"
    );
    assert_security_headers(&format!("{name} 404"), &missing);

    for config in ["/.htaccess", "/_headers", "/.nginx.conf"] {
        assert!(dist.join(&config[1..]).is_file(), "{config} is built");
        let r = get(port, config, None);
        assert_eq!(r.status, 404, "{name} serves {config}");
        assert_eq!(
            r.body,
            std::fs::read(dist.join("404.html")).expect("404.html"),
            "{name} {config}: the body must be the 404 page, not the configuration"
        );
    }
}

fn audit(server: &Running) {
    audit_at(server, "/");
}

/// `samtykke audit` from `path` on the server passes and visits the site's four pages.
fn audit_at(server: &Running, path: &str) {
    let _one = BROWSER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let reports = tempfile::tempdir().expect("tempdir");
    let options = Options {
        report_dir: Some(reports.path().to_path_buf()),
        jobs: 2,
        ..Options::new(Target::Url(format!(
            "http://127.0.0.1:{}{path}",
            server.port
        )))
    };
    let report = samtykke_audit::run(&options).unwrap_or_else(|e| panic!("the audit runs: {e}"));
    println!("{}", report.table());
    assert!(
        report.passed,
        "samtykke audit fails against {}:\n{}",
        server.name,
        report.table()
    );
    assert_eq!(report.pages.len(), 4, "{}", report.table());
}

/// Below a path, the generated files name the error page and the assets under it: a missing
/// page gets the site's 404 page (not the server's), and links and assets resolve.
fn check_server_below_a_path(server: &Running) {
    let (port, dist, name) = (server.port, &server.dist, server.name);
    let page = get(port, "/samtykke/kontakt/", Some("br"));
    assert_eq!(page.status, 200, "{name}");
    assert_eq!(page.header("content-encoding"), Some("br"), "{name}");
    assert_security_headers(&format!("{name} page below a path"), &page);

    let html =
        String::from_utf8_lossy(&std::fs::read(dist.join("kontakt/index.html")).expect("page"))
            .into_owned();
    let css = find(dist, "style.", ".css");
    assert!(
        html.contains(&format!("href=\"/samtykke/{css}\"")),
        "{name}: the page links its stylesheet below the path"
    );
    let r = get(port, &format!("/samtykke/{css}"), None);
    assert_eq!(r.status, 200, "{name} {css}");
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable"),
        "{name} {css}"
    );

    let missing = get(port, "/samtykke/finnes-ikke/", None);
    assert_eq!(missing.status, 404, "{name}");
    assert_eq!(
        missing.body,
        std::fs::read(dist.join("404.html")).expect("404.html"),
        "{name}: the site's own 404 page below a path"
    );
    assert_security_headers(&format!("{name} 404 below a path"), &missing);
    for config in [
        "/samtykke/.htaccess",
        "/samtykke/_headers",
        "/samtykke/.nginx.conf",
    ] {
        assert_eq!(
            get(port, config, None).status,
            404,
            "{name} serves {config}"
        );
    }
}

#[test]
#[ignore = "needs nginx, apache2, Chromium and target/widget; bash tools/test.sh runs it"]
fn nginx_and_apache_serve_a_site_built_for_a_path_below_the_host() {
    for name in ["nginx", "apache"] {
        let server = start_below_a_path(name);
        check_server_below_a_path(&server);
        if name == "nginx" {
            // The site works where it is published: the audit, started at the prefix.
            audit_at(&server, "/samtykke/");
        }
    }
}

#[test]
#[ignore = "needs nginx, Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn nginx_serves_the_site_with_the_generated_snippet() {
    let server = start("nginx");
    check_server(&server);
    audit(&server);
}

#[test]
#[ignore = "needs apache2, Chromium, axe-core and target/widget; bash tools/test.sh runs it"]
fn apache_serves_the_site_with_the_generated_htaccess() {
    let server = start("apache");
    check_server(&server);
    audit(&server);
}
