//! Which pages to audit: those `sitemap.xml` lists, plus every page reachable through links on
//! the same origin, found while auditing.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use url::Url;

/// Spaces out page loads: on a live site no two start closer together than `interval`,
/// whichever tab starts them (the audit's polite rate limit).
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    pub fn new(interval: Duration) -> Pacer {
        Pacer {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Blocks until this load may start, and books the slot after it.
    pub fn wait(&self) {
        if self.interval.is_zero() {
            return;
        }
        let start = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let start = (*next).max(Instant::now());
            *next = start + self.interval;
            start
        };
        let wait = start.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

/// The paths (`/`, `/kontakt/`) of a sitemap's `<loc>` entries, whatever host they name: the
/// sitemap carries the production URL, the audit runs on 127.0.0.1. A sitemap that is not
/// well-formed XML is an error: the pages it would have named are unknown.
pub fn sitemap_paths(xml: &str) -> Result<Vec<String>, String> {
    let document = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    // Only the path is kept; a bare path (not a URL, as the protocol wants) is read as one.
    let base = Url::parse("http://localhost/").map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let locs = document
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "loc");
    for loc in locs {
        let text = loc.text().unwrap_or("").trim();
        let Ok(url) = base.join(text) else { continue };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        if let Some(path) = page_path(url.path()) {
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    Ok(out)
}

/// The path of `href` (absolute, or relative to `origin`) if it is a page on `origin`: same
/// origin, query and fragment dropped, and not a file such as `/sitemap.xml` or `/style.css`.
pub fn same_origin_page(href: &str, origin: &str) -> Option<String> {
    let base = Url::parse(origin).ok()?;
    let url = base.join(href).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    page_path(url.path())
}

fn page_path(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let path = if path.is_empty() { "/" } else { path };
    if !path.starts_with('/') || path.split('/').any(|p| p == "..") {
        return None;
    }
    let last = path.rsplit('/').next().unwrap_or("");
    let is_file = last.contains('.') && !(last.ends_with(".html") || last.ends_with(".htm"));
    (!is_file).then(|| path.to_owned())
}

/// How long one fetch (`sitemap.xml`) may take as a whole, unless the caller says otherwise.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// GET `url` from a loopback server, HTTP/1.0, no redirects: the status and the body, within
/// [`FETCH_TIMEOUT`].
pub fn http_get(url: &str) -> std::io::Result<(u16, Vec<u8>)> {
    http_get_within(url, FETCH_TIMEOUT)
}

/// As [`http_get`], with the whole exchange (connect, send, every byte of the answer) bounded
/// by `limit`: a server that trickles its answer cannot hold the audit, because the time left
/// shrinks with each read instead of starting again with each byte.
pub fn http_get_within(url: &str, limit: Duration) -> std::io::Result<(u16, Vec<u8>)> {
    let deadline = Instant::now() + limit;
    let invalid =
        |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{url}: {m}"));
    let timed_out = || {
        std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "{url}: no complete answer within {:.1} s",
                limit.as_secs_f64()
            ),
        )
    };
    let left = || {
        let left = deadline.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left).ok_or_else(timed_out)
    };
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("only http:// is supported"))?;
    let (authority, path) = rest
        .find('/')
        .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let addr = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addrs: Vec<_> = addr.to_socket_addrs()?.collect();
    let first = addrs.first().ok_or_else(|| invalid("no address"))?;
    let mut stream = TcpStream::connect_timeout(first, left()?)?;
    stream.set_write_timeout(Some(left()?))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    const MAX: usize = 16 * 1024 * 1024;
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        stream.set_read_timeout(Some(left()?))?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                if response.len() > MAX {
                    return Err(invalid("the answer is larger than 16 MB"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(timed_out())
            }
            Err(e) => return Err(e),
        }
    }
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("no HTTP header"))?;
    let head = String::from_utf8_lossy(&response[..head_end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("no HTTP status"))?;
    Ok((status, response[head_end + 4..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemap_locs_become_local_paths() {
        let xml = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
                   xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"><url>\n<loc>https://www.hesbynett.no/</loc></url>\
                   <url><loc>https://www.hesbynett.no/kontakt/</loc><xhtml:link href=\"x\"/></url>\
                   <url><loc> https://x.no/a?b=1&amp;c=2 </loc></url><url><loc>https://x.no/kontakt/</loc></url>\
                   <url><loc>https://x.no/fil.pdf</loc></url><url><loc><![CDATA[/b/#top]]></loc></url>\
                   <url><loc>mailto:x@x.no</loc></url><!-- <loc>https://x.no/commented/</loc> --></urlset>";
        assert_eq!(
            sitemap_paths(xml).as_deref(),
            Ok(["/", "/kontakt/", "/a", "/b/"].map(String::from).as_slice())
        );
    }

    #[test]
    fn a_sitemap_that_is_not_xml_is_an_error() {
        let broken = "<urlset><url><loc>https://x.no/</loc></url><url><loc>broken";
        let error = sitemap_paths(broken).expect_err("not well-formed");
        assert!(error.starts_with("not XML"), "{error}");
    }

    #[test]
    fn the_pacer_spaces_loads_out() {
        let pacer = Pacer::new(Duration::from_millis(40));
        let start = Instant::now();
        for _ in 0..4 {
            pacer.wait();
        }
        // Four loads take three intervals at least; none is skipped however fast they come.
        assert!(start.elapsed() >= Duration::from_millis(120));
        let free = Pacer::new(Duration::ZERO);
        free.wait();
    }

    #[test]
    fn links_on_the_same_origin_only() {
        let o = "http://127.0.0.1:8000";
        assert_eq!(
            same_origin_page("http://127.0.0.1:8000/kontakt/#x", o).as_deref(),
            Some("/kontakt/")
        );
        assert_eq!(
            same_origin_page("http://127.0.0.1:8000", o).as_deref(),
            Some("/")
        );
        assert_eq!(same_origin_page("http://127.0.0.1:80001/", o), None);
        assert_eq!(same_origin_page("https://www.hesbynett.no/", o), None);
        assert_eq!(same_origin_page("http://127.0.0.1:8000/style.css", o), None);
        assert_eq!(
            same_origin_page("http://127.0.0.1:8000/side.html?x", o).as_deref(),
            Some("/side.html")
        );
        // Relative links join the origin; another port or scheme is another origin.
        assert_eq!(
            same_origin_page("/a/../kontakt/?q#f", o).as_deref(),
            Some("/kontakt/")
        );
        assert_eq!(same_origin_page("http://127.0.0.1:8001/", o), None);
        assert_eq!(same_origin_page("https://127.0.0.1:8000/", o), None);
        assert_eq!(
            same_origin_page("http://127.0.0.1:8000.evil.test/", o),
            None
        );
    }

    #[test]
    fn get_from_the_static_server() {
        use std::collections::BTreeMap;
        use std::sync::{Arc, RwLock};
        let mut files = BTreeMap::new();
        files.insert(
            "sitemap.xml".to_owned(),
            b"<loc>https://a.no/</loc>".to_vec(),
        );
        let server = samtykke_serve::http::Server::start(Arc::new(RwLock::new(files)), 0, None)
            .expect("server");
        let (status, body) = http_get(&format!("{}/sitemap.xml", server.url())).expect("get");
        assert_eq!(
            (status, body.as_slice()),
            (200, b"<loc>https://a.no/</loc>".as_slice())
        );
        assert_eq!(
            http_get(&format!("{}/nope", server.url())).expect("get").0,
            404
        );
    }

    /// A server that sends a status line, then one byte of body at a time, forever (until the
    /// client hangs up): each read succeeds, so only an overall deadline ends the fetch.
    fn trickle_server() -> std::net::SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                std::thread::spawn(move || {
                    let mut head = [0u8; 1024];
                    let _ = stream.read(&mut head);
                    if stream
                        .write_all(b"HTTP/1.0 200 OK\r\n\r\n<urlset>")
                        .is_err()
                    {
                        return;
                    }
                    while stream.write_all(b" ").is_ok() {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                });
            }
        });
        addr
    }

    #[test]
    fn a_trickling_answer_ends_at_the_deadline() {
        let addr = trickle_server();
        let url = format!("http://{addr}/sitemap.xml");
        let err = http_get_within(&url, Duration::from_millis(400)).expect_err("never completes");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
        let message = err.to_string();
        assert!(message.contains("/sitemap.xml"), "{message}");
        assert!(
            message.contains("no complete answer within 0.4 s"),
            "{message}"
        );
    }
}
