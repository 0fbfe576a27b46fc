//! A small static file server on 127.0.0.1, for `serve`, `audit` and the end-to-end tests.
//!
//! It serves a map of paths to bytes, so a build in memory and a directory on disk are served
//! the same way, and the map can be swapped while it runs (live reload).
//!
//! It is a local server that a web page in the same browser can reach, so it trusts little:
//! - only requests whose `Host` names a loopback address (`127.0.0.1`, `localhost`, `[::1]`)
//!   with this server's port, or a name the caller allows, are answered (421 otherwise): a page
//!   that rebinds its own domain to 127.0.0.1 (DNS rebinding) sends its own name, and is refused;
//! - at most [`Limits::connections`] connections are served at once (each on its own thread,
//!   since a live-reload request is held open); more get 503 and are closed;
//! - the request line and the header section are size-checked while they are read, so an
//!   oversized URL (414) or header section (431) is refused without being kept in memory; a
//!   client that sends its head slower than [`Limits::head_time`] is dropped.
//!
//! Requests are parsed here; responses are tiny_http's `Response`, written with its
//! `raw_print`, so handlers keep building them as before.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tiny_http::{HTTPVersion, Header, Response, ResponseBox, StatusCode};

/// Output path (`kontakt/index.html`) → bytes.
pub type Files = Arc<RwLock<BTreeMap<String, Vec<u8>>>>;

/// A built site on disk, as [`Files`] to serve (`samtykke audit DIR`): read with the same
/// limits as the build's static files (no link leaves `dir`, sizes capped).
pub fn load_dir(dir: &std::path::Path) -> std::io::Result<Files> {
    samtykke_site::output::read_tree(dir).map(|files| Arc::new(RwLock::new(files)))
}

/// Answers a request before the files are looked at (for endpoints such as live reload).
pub type Hook = Arc<dyn Fn(&Request) -> Option<ResponseBox> + Send + Sync>;

/// A request's head, as the hook sees it.
#[derive(Debug)]
pub struct Request {
    method: String,
    url: String,
    version: HTTPVersion,
    headers: Vec<Header>,
}

impl Request {
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target as sent (`/kontakt/?x=1`).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// What one client may take of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once; long-poll (live reload) requests count.
    pub connections: usize,
    /// Bytes in the request line (method, target, version).
    pub request_line: usize,
    /// Bytes in the header section, all lines together.
    pub header_bytes: usize,
    /// Header lines.
    pub headers: usize,
    /// Time to send a whole request head, once its first byte has arrived.
    pub head_time: Duration,
    /// Time a kept-alive connection may wait for its next request.
    pub idle_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 64,
            request_line: 8 * 1024,
            header_bytes: 32 * 1024,
            headers: 100,
            head_time: Duration::from_secs(10),
            idle_time: Duration::from_secs(5),
        }
    }
}

/// Who the server answers, and how much it takes.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Host names answered besides the loopback ones, e.g. a test's `www.hesbynett.test` that
    /// the browser maps to 127.0.0.1. Always with this server's port.
    pub hosts: Vec<String>,
    pub limits: Limits,
}

pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Rejections (503) answered at once; beyond this many, an extra connection is just closed.
const MAX_REJECTING: usize = 8;

/// Bytes of a request body read and thrown away (the server answers GET and HEAD only).
const MAX_BODY: u64 = 64 * 1024;

impl Server {
    /// Serves `files` on 127.0.0.1:`port` (0 picks a free port), answering loopback host names.
    pub fn start(files: Files, port: u16, hook: Option<Hook>) -> std::io::Result<Server> {
        Server::start_with(files, port, hook, Config::default())
    }

    /// As [`Server::start`], with more host names or other limits.
    pub fn start_with(
        files: Files,
        port: u16,
        hook: Option<Hook>,
        config: Config,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let site = Arc::new(Site {
            files,
            hook,
            hosts: allowed_hosts(&config.hosts, addr.port()),
            limits: config.limits,
        });
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("samtykke-http-accept".into())
            .spawn(move || accept(&listener, &site, &stopping))?;
        Ok(Server {
            addr,
            stop,
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
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees `stop`.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Site {
    files: Files,
    hook: Option<Hook>,
    /// Lower-case `host:port` values answered.
    hosts: Vec<String>,
    limits: Limits,
}

fn allowed_hosts(extra: &[String], port: u16) -> Vec<String> {
    ["127.0.0.1", "localhost", "[::1]"]
        .into_iter()
        .map(str::to_owned)
        .chain(extra.iter().map(|h| h.to_ascii_lowercase()))
        .flat_map(|host| {
            // A browser leaves out the default port.
            let bare = (port == 80).then(|| host.clone());
            std::iter::once(format!("{host}:{port}")).chain(bare)
        })
        .collect()
}

/// A connection slot, given back when the connection's thread ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn take_slot(counter: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < max).then_some(n + 1)
        })
        .ok()
        .map(|_| Slot(Arc::clone(counter)))
}

fn accept(listener: &TcpListener, site: &Arc<Site>, stop: &AtomicBool) {
    let active = Arc::new(AtomicUsize::new(0));
    let rejecting = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        // With Nagle on, each small write meets a delayed ACK: ~40 ms per file.
        let _ = stream.set_nodelay(true);
        if let Some(slot) = take_slot(&active, site.limits.connections) {
            let site = Arc::clone(site);
            let _ = std::thread::Builder::new()
                .name("samtykke-http".into())
                .spawn(move || {
                    let _slot = slot;
                    serve_connection(stream, &site);
                });
        } else if let Some(slot) = take_slot(&rejecting, MAX_REJECTING) {
            let _ = std::thread::Builder::new()
                .name("samtykke-http-busy".into())
                .spawn(move || {
                    let _slot = slot;
                    reject_busy(stream);
                });
        }
        // Otherwise the stream is dropped: closed without an answer.
    }
}

/// Answers 503 to a connection over the limit. Reads what the client sent first, so closing
/// does not reset the connection before the client has read the answer.
fn reject_busy(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 4096];
    let _ = stream.read(&mut buf);
    plain(
        &mut stream,
        503,
        "Service Unavailable",
        "too many connections to this server; try again\n",
    );
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.read(&mut buf);
}

/// A short text answer that closes the connection.
fn plain(stream: &mut TcpStream, code: u16, reason: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

/// [`plain`], then a lingering close: closing a socket with unread input resets the connection,
/// and the reset can reach the client before it has read the answer. So the rest of what it
/// sends is read and thrown away (never kept), for a bounded time and amount.
fn refuse(stream: &mut TcpStream, code: u16, reason: &str, body: &str) {
    plain(stream, code, reason, body);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(2);
    let mut drained = 0usize;
    let mut buf = [0u8; 8192];
    while drained < 32 * 1024 * 1024 {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Why a request head was not accepted.
#[derive(Debug, PartialEq)]
enum HeadError {
    /// The connection closed, or stayed idle, before a request began: not an error to answer.
    Gone,
    UriTooLong,
    HeadersTooLarge,
    Bad(&'static str),
}

fn serve_connection(stream: TcpStream, site: &Site) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(8 * 1024, read_half);
    let mut stream = stream;
    loop {
        let request = match read_head(&mut reader, &stream, &site.limits) {
            Ok(request) => request,
            Err(HeadError::Gone) => return,
            Err(HeadError::UriTooLong) => {
                return refuse(&mut stream, 414, "URI Too Long", "the URL is too long\n")
            }
            Err(HeadError::HeadersTooLarge) => {
                return refuse(
                    &mut stream,
                    431,
                    "Request Header Fields Too Large",
                    "the request headers are too large or too many\n",
                )
            }
            Err(HeadError::Bad(why)) => {
                return refuse(&mut stream, 400, "Bad Request", &format!("{why}\n"))
            }
        };
        let host = request.header("host").map(str::to_ascii_lowercase);
        let hosts = request
            .headers
            .iter()
            .filter(|h| h.field.equiv("host"))
            .count();
        if hosts != 1 || !host.is_some_and(|h| site.hosts.contains(&h)) {
            return refuse(
                &mut stream,
                421,
                "Misdirected Request",
                "this server answers only to its loopback address (http://127.0.0.1:PORT)\n",
            );
        }
        if request.header("transfer-encoding").is_some() {
            return refuse(&mut stream, 501, "Not Implemented", "no request bodies\n");
        }
        let body = match request.header("content-length").map(str::parse::<u64>) {
            None => 0,
            Some(Ok(n)) if n <= MAX_BODY => n,
            Some(_) => return refuse(&mut stream, 413, "Content Too Large", "no request bodies\n"),
        };
        if body > 0
            && std::io::copy(&mut (&mut reader).take(body), &mut std::io::sink()).ok() != Some(body)
        {
            return;
        }
        let keep_alive = request.version == HTTPVersion(1, 1)
            && !request
                .header("connection")
                .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let response = site
            .hook
            .as_ref()
            .and_then(|hook| hook(&request))
            .unwrap_or_else(|| respond(&site.files, request.url()));
        let head_only = request.method.eq_ignore_ascii_case("HEAD");
        let sent = response
            .raw_print(
                &mut stream,
                request.version.clone(),
                &request.headers,
                head_only,
                None,
            )
            .and_then(|()| stream.flush());
        if sent.is_err() || !keep_alive {
            return;
        }
    }
}

/// Reads one request head from `reader`, checking each limit as bytes arrive.
fn read_head(
    reader: &mut BufReader<TcpStream>,
    stream: &TcpStream,
    limits: &Limits,
) -> Result<Request, HeadError> {
    // Waiting for a request to begin is idle time; once it has begun, the head has a deadline.
    let _ = stream.set_read_timeout(Some(limits.idle_time));
    match reader.fill_buf() {
        Ok([]) | Err(_) => return Err(HeadError::Gone),
        Ok(_) => {}
    }
    let deadline = Instant::now() + limits.head_time;

    let line = read_line(reader, stream, deadline, limits.request_line).map_err(|e| match e {
        LineError::TooLong => HeadError::UriTooLong,
        LineError::Gone => HeadError::Gone,
    })?;
    let line =
        String::from_utf8(line).map_err(|_| HeadError::Bad("the request line is not UTF-8"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(url), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Bad("malformed request line"));
    };
    let version = match version {
        "HTTP/1.1" => HTTPVersion(1, 1),
        "HTTP/1.0" => HTTPVersion(1, 0),
        _ => return Err(HeadError::Bad("only HTTP/1.0 and HTTP/1.1")),
    };

    let mut headers = Vec::new();
    let mut budget = limits.header_bytes;
    loop {
        let line = read_line(reader, stream, deadline, budget).map_err(|e| match e {
            LineError::TooLong => HeadError::HeadersTooLarge,
            LineError::Gone => HeadError::Gone,
        })?;
        // The line's bytes and its line break count against the budget.
        budget = budget.saturating_sub(line.len() + 2);
        if line.is_empty() {
            break;
        }
        if headers.len() == limits.headers {
            return Err(HeadError::HeadersTooLarge);
        }
        let header = Header::from_bytes(
            line.split(|&b| b == b':').next().unwrap_or_default(),
            line.splitn(2, |&b| b == b':')
                .nth(1)
                .ok_or(HeadError::Bad("a header line without a colon"))?
                .trim_ascii(),
        )
        .map_err(|()| HeadError::Bad("a malformed header"))?;
        headers.push(header);
    }
    Ok(Request {
        method: method.to_owned(),
        url: url.to_owned(),
        version,
        headers,
    })
}

enum LineError {
    TooLong,
    Gone,
}

/// One line without its `\r\n` (or `\n`), refused as soon as it passes `limit` bytes: at most
/// one buffer's worth beyond the limit is ever read.
fn read_line(
    reader: &mut BufReader<TcpStream>,
    stream: &TcpStream,
    deadline: Instant,
    limit: usize,
) -> Result<Vec<u8>, LineError> {
    let mut line = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(LineError::Gone);
        }
        let _ = stream.set_read_timeout(Some(left));
        let buf = match reader.fill_buf() {
            Ok([]) | Err(_) => return Err(LineError::Gone),
            Ok(buf) => buf,
        };
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if line.len() + chunk.len() > limit + 1 {
            return Err(LineError::TooLong);
        }
        line.extend_from_slice(chunk);
        let used = done.unwrap_or(buf.len());
        reader.consume(used);
        if done.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.len() > limit {
                return Err(LineError::TooLong);
            }
            return Ok(line);
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

/// Decodes `%XX` escapes; a malformed escape stays as written, and bytes that are not UTF-8
/// become U+FFFD.
pub fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
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
        let host = server.addr();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("send");
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
