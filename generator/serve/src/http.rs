//! A small static file server on 127.0.0.1, for `serve`, `audit` and the end-to-end tests.
//!
//! It serves a map of paths to bytes, so a build in memory and a directory on disk are served
//! the same way, and the map can be swapped while it runs (live reload).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use tiny_http::{Header, Request, Response, ResponseBox, StatusCode};

/// Output path (`kontakt/index.html`) → bytes.
pub type Files = Arc<RwLock<BTreeMap<String, Vec<u8>>>>;

/// Answers a request before the files are looked at (for endpoints such as live reload).
pub type Hook = Arc<dyn Fn(&Request) -> Option<ResponseBox> + Send + Sync>;

pub struct Server {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `files` on 127.0.0.1:`port` (0 picks a free port).
    pub fn start(files: Files, port: u16, hook: Option<Hook>) -> std::io::Result<Server> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        // tiny_http writes in small pieces; with Nagle on, each meets a delayed ACK and a page
        // load stalls ~40 ms per file. Accepted sockets inherit the flag on Linux.
        socket2::SockRef::from(&listener).set_tcp_nodelay(true)?;
        let server =
            tiny_http::Server::from_listener(listener, None).map_err(std::io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("not an IP listener"))?;
        let server = Arc::new(server);
        let accept = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in accept.incoming_requests() {
                let files = Arc::clone(&files);
                let hook = hook.clone();
                // One thread per request: a live-reload stream stays open for minutes.
                std::thread::spawn(move || {
                    let response = hook
                        .as_ref()
                        .and_then(|h| h(&request))
                        .unwrap_or_else(|| respond(&files, request.url()));
                    let _ = request.respond(response);
                });
            }
        });
        Ok(Server {
            addr,
            server,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" | "" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "gif" => "image/gif",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// The request path of `url`, decoded, without `?query` or `#fragment`.
pub fn request_path(url: &str) -> String {
    percent_decode(url.split(['?', '#']).next().unwrap_or("/"))
}

/// For a request path: the key below the root (`kontakt/`), and the file a static host serves
/// for it (`kontakt/index.html`).
pub fn file_for(path: &str) -> (&str, String) {
    let key = path.trim_start_matches('/');
    let lookup = if key.is_empty() || key.ends_with('/') {
        format!("{key}index.html")
    } else {
        key.to_owned()
    };
    (key, lookup)
}

/// What a static host would answer for `url`.
pub fn respond(files: &Files, url: &str) -> ResponseBox {
    let path = request_path(url);
    let Ok(files) = files.read() else {
        return Response::from_string("server error")
            .with_status_code(500)
            .boxed();
    };
    let (key, lookup) = file_for(&path);
    if key.split('/').any(|part| part == "..") {
        return Response::from_string("bad request")
            .with_status_code(400)
            .boxed();
    }
    if let Some(bytes) = files.get(&lookup) {
        return with_type(Response::from_data(bytes.clone()), &lookup).boxed();
    }
    // `/kontakt` → `/kontakt/`, as static hosts do.
    if files.contains_key(&format!("{key}/index.html")) {
        let mut redirect = Response::empty(StatusCode(301));
        if let Some(h) = header("Location", &format!("/{key}/")) {
            redirect.add_header(h);
        }
        return redirect.boxed();
    }
    match files.get("404.html") {
        Some(bytes) => with_type(Response::from_data(bytes.clone()), "404.html")
            .with_status_code(404)
            .boxed(),
        None => Response::from_string("not found")
            .with_status_code(404)
            .boxed(),
    }
}

fn with_type<R: Read>(mut response: Response<R>, path: &str) -> Response<R> {
    if let Some(h) = header("Content-Type", content_type(path)) {
        response.add_header(h);
    }
    if let Some(h) = header("Cache-Control", "no-store") {
        response.add_header(h);
    }
    response
}

/// Decodes `%XX` escapes; a malformed escape stays as written.
pub fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        let mut map = BTreeMap::new();
        map.insert("index.html".to_owned(), b"home".to_vec());
        map.insert("kontakt/index.html".to_owned(), b"kontakt".to_vec());
        map.insert("404.html".to_owned(), b"borte".to_vec());
        map.insert("style.abc.css".to_owned(), b"a{}".to_vec());
        map.insert(
            "informasjonskapsler/index.html".to_owned(),
            b"kaker".to_vec(),
        );
        Arc::new(RwLock::new(map))
    }

    fn get(server: &Server, path: &str) -> (u16, String, String) {
        use std::io::{BufRead, BufReader, Write};
        let mut stream = std::net::TcpStream::connect(server.addr()).expect("connect");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").expect("send");
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).expect("status");
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

    #[test]
    fn serves_pages_assets_redirects_and_404() {
        let server = Server::start(files(), 0, None).expect("start");
        assert!(server.addr().ip().is_loopback());
        let (code, headers, body) = get(&server, "/");
        assert_eq!((code, body.as_str()), (200, "home"));
        assert!(headers.contains("text/html"), "{headers}");
        assert_eq!(get(&server, "/kontakt/?x=1").2, "kontakt");
        let (code, headers, _) = get(&server, "/kontakt");
        assert_eq!(code, 301);
        assert!(headers.contains("Location: /kontakt/"), "{headers}");
        let (code, headers, _) = get(&server, "/style.abc.css");
        assert_eq!(code, 200);
        assert!(headers.contains("text/css"), "{headers}");
        assert_eq!(
            get(&server, "/finnes-ikke/"),
            (404, get(&server, "/finnes-ikke/").1, "borte".to_owned())
        );
        assert_eq!(get(&server, "/../etc/passwd").0, 400);
        assert_eq!(get(&server, "/informasjonskapsler%2F").2, "kaker");
    }

    #[test]
    fn the_hook_answers_first() {
        let hook: Hook = Arc::new(|request: &Request| {
            (request.url() == "/hook").then(|| Response::from_string("hooked").boxed())
        });
        let server = Server::start(files(), 0, Some(hook)).expect("start");
        assert_eq!(get(&server, "/hook").2, "hooked");
        assert_eq!(get(&server, "/").2, "home");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b/"), "/a b/");
        assert_eq!(percent_decode("/%C3%B8"), "/ø");
        assert_eq!(percent_decode("/bad%zz"), "/bad%zz");
        assert_eq!(percent_decode("/end%2"), "/end%2");
    }
}
