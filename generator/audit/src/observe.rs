//! What a tab records while the audit drives it: every request to another origin (and the
//! refusal of any that would leave the machine), the cookies scripts store, CSP violations and
//! console errors. The protocol's events arrive on the connection's reader thread.

use crate::model::{
    clip, ConsoleError, Cookie, CookieWrite, CspViolation, HeaderCookie, Lifetime, Observed, Phase,
    Request,
};
use crate::wire::{Handler, HandlerFn, Wire};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Log {
    phase: Phase,
    observed: Observed,
    blocked_urls: Vec<String>,
    last_request: Option<Instant>,
    loads: u64,
    children: Vec<String>,
    /// The URL of each request, by its id, for the `Set-Cookie` headers that arrive apart
    /// from it.
    urls: std::collections::HashMap<String, String>,
}

/// The page calls this binding with each `securitypolicyviolation`.
pub const CSP_BINDING: &str = "__samtykkeAuditCsp";
/// The page calls this binding with the name of each cookie a script stores.
pub const COOKIE_BINDING: &str = "__samtykkeAuditCookie";

/// Runs before the page's own scripts in every document, and is not subject to its CSP. It
/// reports CSP violations, and every cookie a script stores through `document.cookie` (not
/// deletions), so a cookie that exists only for a moment before something deletes it again is
/// still seen. The accessor it wraps behaves exactly as before.
pub const OBSERVER: &str = "(() => { \
  document.addEventListener('securitypolicyviolation', (e) => { \
    try { __samtykkeAuditCsp(JSON.stringify({ directive: String(e.effectiveDirective || e.violatedDirective || ''), \
      blocked: String(e.blockedURI || ''), source: String(e.sourceFile || ''), sample: String(e.sample || '') })); } catch {} }, true); \
  const real = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie'); \
  if (!real || !real.get || !real.set) return; \
  Object.defineProperty(Document.prototype, 'cookie', { configurable: true, enumerable: real.enumerable, get: real.get, \
    set(value) { real.set.call(this, value); \
      try { const text = String(value), name = text.split(';')[0].split('=')[0].trim(); \
        const deletion = /;\\s*max-age\\s*=\\s*(0|-)/i.test(text) || /;\\s*expires\\s*=[^;]*1970/i.test(text); \
        const stored = real.get.call(this).split('; ').some((c) => c.split('=')[0] === name); \
        const semi = text.indexOf(';'); \
        if (name && !deletion && stored) __samtykkeAuditCookie(name + '=' + (semi < 0 ? '' : text.slice(semi))); } catch {} } }); })()";

/// Which requests a tab lets through, and the audit-wide count of bytes received.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// A live site (`audit https://…`): every request goes on as it would for a visitor, and
    /// is recorded. Otherwise only loopback requests go on and any other is refused.
    pub allow_all: bool,
    /// Bytes every tab of the audit has received so far (`--max-mb` bounds it).
    pub bytes: Arc<AtomicU64>,
}

/// The log of one tab, shared with its event handler.
pub struct Recorder {
    /// `http://127.0.0.1:PORT`: requests elsewhere are the ones the audit reports.
    own_origin: String,
    network: Network,
    log: Mutex<Log>,
    loaded: Condvar,
    /// The handler of the tab's sessions, for the frames and workers that attach later.
    handler: OnceLock<Weak<HandlerFn>>,
}

/// Every request pauses until the audit lets it go on or refuses it.
pub fn fetch_patterns() -> Value {
    json!({ "patterns": [{ "urlPattern": "*", "requestStage": "Request" }] })
}

/// Response headers (for `Set-Cookie`, HttpOnly included) and byte counts.
pub fn network_params() -> Value {
    json!({ "maxTotalBufferSize": 0, "maxResourceBufferSize": 0 })
}

/// Out-of-process frames and workers attach paused, so their requests are seen from the start.
pub fn auto_attach() -> Value {
    json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true })
}

pub fn text_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

impl Recorder {
    pub fn new(own_origin: &str, network: Network) -> Arc<Recorder> {
        Arc::new(Recorder {
            own_origin: own_origin.to_owned(),
            network,
            log: Mutex::new(Log::default()),
            loaded: Condvar::new(),
            handler: OnceLock::new(),
        })
    }

    /// The event handler for the tab's session and every session attached below it.
    pub fn handler(self: &Arc<Self>) -> Handler {
        let recorder = Arc::clone(self);
        let handler: Handler = Arc::new(
            move |wire: &Wire, session: &str, method: &str, params: &Value| {
                recorder.on_event(wire, session, method, params);
            },
        );
        let _ = self.handler.set(Arc::downgrade(&handler));
        handler
    }

    /// The sessions of frames and workers attached so far.
    pub fn children(&self) -> Vec<String> {
        self.lock().children.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Where the visitor's choice stands from now on; requests and cookie writes carry it.
    pub fn set_phase(&self, phase: Phase) {
        self.lock().phase = phase;
    }

    /// How many documents have fired their load event.
    pub fn loads(&self) -> u64 {
        self.lock().loads
    }

    /// Waits until more than `before` documents have loaded; false on timeout.
    pub fn wait_load(&self, before: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut log = self.lock();
        while log.loads <= before {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            log = self
                .loaded
                .wait_timeout(log, left)
                .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
        }
        true
    }

    pub fn last_request(&self) -> Option<Instant> {
        self.lock().last_request
    }

    /// Handles one event of the tab's session. Paused requests are answered here: loopback
    /// ones go on, any other is refused, so the audit never reaches beyond this machine.
    pub fn on_event(&self, wire: &Wire, session: &str, method: &str, params: &Value) {
        match method {
            "Target.attachedToTarget" => self.on_attached(wire, params),
            "Fetch.requestPaused" => self.on_request_paused(wire, session, params),
            "Network.responseReceivedExtraInfo" => self.on_response_headers(params),
            "Network.requestWillBeSent" => self.on_request_sent(params),
            "Network.loadingFinished" => self.on_loading_finished(params),
            "Page.loadEventFired" => {
                self.lock().loads += 1;
                self.loaded.notify_all();
            }
            "Runtime.bindingCalled" if text_at(params, "/name") == Some(CSP_BINDING) => {
                self.on_csp_report(params);
            }
            "Runtime.bindingCalled" if text_at(params, "/name") == Some(COOKIE_BINDING) => {
                self.on_cookie_write(params);
            }
            // Anything else may be a console message or an uncaught exception.
            _ => self.on_console(method, params),
        }
    }

    /// A frame in another process, or a worker: watch its requests too, then let it run.
    fn on_attached(&self, wire: &Wire, params: &Value) {
        let Some(child) = text_at(params, "/sessionId") else {
            return;
        };
        if let Some(handler) = self.handler.get().and_then(Weak::upgrade) {
            wire.listen(child, handler);
        }
        self.lock().children.push(child.to_owned());
        wire.send(Some(child), "Fetch.enable", fetch_patterns());
        wire.send(Some(child), "Network.enable", network_params());
        wire.send(Some(child), "Target.setAutoAttach", auto_attach());
        wire.send(Some(child), "Runtime.runIfWaitingForDebugger", json!({}));
    }

    /// A request held before it leaves: let it go on only to loopback (unless everything is
    /// allowed), and log it when it is for another origin than the page's.
    fn on_request_paused(&self, wire: &Wire, session: &str, params: &Value) {
        let id = params.get("requestId").cloned().unwrap_or(Value::Null);
        let url = text_at(params, "/request/url").unwrap_or("");
        let origin = origin_of(url);
        let allowed = self.network.allow_all || origin.as_deref().is_none_or(is_loopback_origin);
        if allowed {
            wire.send(
                Some(session),
                "Fetch.continueRequest",
                json!({ "requestId": id }),
            );
        } else {
            wire.send(
                Some(session),
                "Fetch.failRequest",
                json!({ "requestId": id, "errorReason": "BlockedByClient" }),
            );
        }
        let mut log = self.lock();
        log.last_request = Some(Instant::now());
        if let Some(origin) = origin.filter(|o| *o != self.own_origin) {
            if !allowed {
                log.blocked_urls.push(clip(url));
            }
            let request = Request {
                url: clip(url),
                origin,
                resource: clip(text_at(params, "/resourceType").unwrap_or("")),
                phase: log.phase,
                blocked: !allowed,
            };
            if log.observed.requests.len() < 500 {
                log.observed.requests.push(request);
            }
        }
    }

    /// Remembers each request's URL, so its response headers can be tied to it later.
    fn on_request_sent(&self, params: &Value) {
        if let (Some(id), Some(url)) = (
            text_at(params, "/requestId"),
            text_at(params, "/request/url"),
        ) {
            let mut log = self.lock();
            if log.urls.len() < 10_000 {
                log.urls.insert(id.to_owned(), clip(url));
            }
        }
    }

    /// Counts the bytes a finished response took, against the audit's byte budget.
    fn on_loading_finished(&self, params: &Value) {
        let bytes = params
            .get("encodedDataLength")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        // Whole bytes; a negative or absurd figure from the browser counts as none.
        let bytes = if bytes.is_finite() && bytes > 0.0 {
            bytes as u64
        } else {
            0
        };
        self.network.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A CSP violation the page's listener reported through the binding.
    fn on_csp_report(&self, params: &Value) {
        let payload = text_at(params, "/payload").unwrap_or("");
        if let Ok(mut v) = serde_json::from_str::<CspViolation>(payload) {
            v.directive = clip(&v.directive);
            v.blocked = clip(&v.blocked);
            v.source = clip(&v.source);
            v.sample = clip(&v.sample);
            let mut log = self.lock();
            if !log.observed.csp.contains(&v) && log.observed.csp.len() < 100 {
                log.observed.csp.push(v);
            }
        }
    }

    /// A script's `document.cookie` write, reported through the binding as
    /// `name=; attributes`: what the script stored, without the value.
    fn on_cookie_write(&self, params: &Value) {
        let payload = text_at(params, "/payload").unwrap_or("");
        let set = parse_set_cookie(payload, unix_now());
        let name = set.as_ref().map_or_else(
            || {
                payload
                    .split(['=', ';'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            },
            |s| s.name.clone(),
        );
        let mut log = self.lock();
        let write = CookieWrite {
            name: clip(&name),
            phase: log.phase,
            lifetime: set.map(|s| s.lifetime),
        };
        if !log.observed.cookie_writes.contains(&write) && log.observed.cookie_writes.len() < 200 {
            log.observed.cookie_writes.push(write);
        }
    }

    /// Logs the event if it is a console error or an uncaught exception.
    fn on_console(&self, method: &str, params: &Value) {
        if let Some(entry) = console_error(method, params) {
            let mut log = self.lock();
            if log.observed.console.len() < 200 {
                log.observed.console.push(entry);
            }
        }
    }

    /// `Set-Cookie` headers of a response, as the browser received them (HttpOnly included);
    /// cookies the browser refused to store are left out.
    fn on_response_headers(&self, params: &Value) {
        let Some(headers) = params.get("headers").and_then(Value::as_object) else {
            return;
        };
        let blocked: Vec<&str> = params
            .get("blockedCookies")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|b| text_at(b, "/cookieLine"))
                    .collect()
            })
            .unwrap_or_default();
        let lines = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.as_str())
            .flat_map(|v| v.split('\n'));
        let mut log = self.lock();
        let url = text_at(params, "/requestId")
            .and_then(|id| log.urls.get(id))
            .cloned()
            .unwrap_or_default();
        for line in lines {
            if blocked.contains(&line) {
                continue;
            }
            let Some(set) = parse_set_cookie(line, unix_now()) else {
                continue;
            };
            let cookie = HeaderCookie {
                name: clip(&set.name),
                url: url.clone(),
                http_only: set.http_only,
                phase: log.phase,
                lifetime: set.lifetime,
            };
            if !log.observed.header_cookies.contains(&cookie)
                && log.observed.header_cookies.len() < 200
            {
                log.observed.header_cookies.push(cookie);
            }
        }
    }

    /// Everything recorded, without the console noise the audit caused itself.
    pub fn take(&self) -> Observed {
        let mut log = self.lock();
        let blocked = std::mem::take(&mut log.blocked_urls);
        let mut observed = std::mem::take(&mut log.observed);
        observed.console.retain(|c| !is_audit_noise(c, &blocked));
        observed
    }
}

impl Cookie {
    /// A cookie of `Storage.getCookies`, its lifetime counted from `now` (Unix seconds).
    pub fn from_cdp(value: &Value, now: f64) -> Option<Cookie> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(clip);
        let flag = |key: &str| value.get(key).and_then(Value::as_bool).unwrap_or(false);
        let session = flag("session");
        let expires = value.get("expires").and_then(Value::as_f64);
        let lifetime = expires
            .filter(|e| !session && e.is_finite() && *e > 0.0)
            .map(|e| (e - now).round().clamp(0.0, 1e12) as i64);
        Some(Cookie {
            name: text("name")?,
            domain: text("domain").unwrap_or_default(),
            path: text("path").unwrap_or_default(),
            http_only: flag("httpOnly"),
            session,
            lifetime,
        })
    }
}

/// What one `Set-Cookie` line (or a script's `document.cookie = …`) sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    pub name: String,
    pub http_only: bool,
    /// As stated by `Max-Age` (which wins) or `Expires`, before any cap the browser applies
    /// (Chromium keeps a cookie 400 days at most).
    pub lifetime: Lifetime,
}

/// The cookie a `Set-Cookie` line sets, at `now` (Unix seconds); `None` for a line that
/// deletes it (`Max-Age=0` or less, an `Expires` in the past) or names nothing.
pub fn parse_set_cookie(line: &str, now: f64) -> Option<SetCookie> {
    let mut parts = line.split(';');
    let pair = parts.next()?;
    let name = pair.split('=').next()?.trim();
    if name.is_empty() || !pair.contains('=') {
        return None;
    }
    let mut http_only = false;
    let (mut max_age, mut expires) = (None, None);
    for attribute in parts {
        let (key, value) = attribute
            .split_once('=')
            .map_or((attribute.trim(), ""), |(k, v)| (k.trim(), v.trim()));
        if key.eq_ignore_ascii_case("httponly") {
            http_only = true;
        } else if key.eq_ignore_ascii_case("max-age") {
            max_age = value.parse::<i64>().ok();
        } else if key.eq_ignore_ascii_case("expires") {
            expires = http_date(value);
        }
    }
    let seconds = max_age.or_else(|| expires.map(|e| e - now.round() as i64));
    let lifetime = match seconds {
        Some(s) if s <= 0 => return None,
        Some(s) => Lifetime::Seconds(s),
        None => Lifetime::Session,
    };
    Some(SetCookie {
        name: name.to_owned(),
        http_only,
        lifetime,
    })
}

/// Seconds since 1970, now.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Unix seconds of an HTTP or cookie date: `Wed, 21 Oct 2026 07:28:00 GMT`,
/// `Wed, 21-Oct-2026 07:28:00 GMT`.
pub fn http_date(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let (mut day, mut month, mut year, mut time) = (None, None, None, None);
    for token in text.split([' ', '-', ',']).filter(|t| !t.is_empty()) {
        let lower = token.to_ascii_lowercase();
        if token.contains(':') {
            let hms: Vec<i64> = token.split(':').filter_map(|p| p.parse().ok()).collect();
            if let [h, m, s] = hms[..] {
                time = Some(h * 3600 + m * 60 + s);
            }
        } else if let Some(i) = MONTHS.iter().position(|m| lower.starts_with(m)) {
            month = Some(i as i64 + 1);
        } else if let Ok(n) = token.parse::<i64>() {
            if token.len() == 4 {
                year = Some(n);
            } else if day.is_none() {
                day = Some(n);
            }
        }
    }
    let (d, m, y) = (day?, month?, year?);
    if !(1..=31).contains(&d) {
        return None;
    }
    // Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + time.unwrap_or(0))
}

/// Errors of the page: `console.error`, uncaught exceptions, and the browser's own error
/// messages (a failed load, a refused script).
fn console_error(method: &str, params: &Value) -> Option<ConsoleError> {
    match method {
        "Log.entryAdded" if text_at(params, "/entry/level") == Some("error") => {
            Some(ConsoleError {
                text: clip(text_at(params, "/entry/text").unwrap_or("")),
                url: text_at(params, "/entry/url").map(clip),
            })
        }
        "Runtime.consoleAPICalled"
            if matches!(text_at(params, "/type"), Some("error" | "assert")) =>
        {
            let args = params
                .get("args")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let text: Vec<String> = args
                .iter()
                .map(|a| match (a.get("value"), text_at(a, "/description")) {
                    (Some(Value::String(s)), _) => s.clone(),
                    (Some(v), _) => v.to_string(),
                    (None, Some(d)) => d.to_owned(),
                    (None, None) => String::new(),
                })
                .collect();
            Some(ConsoleError {
                text: clip(&text.join(" ")),
                url: text_at(params, "/stackTrace/callFrames/0/url").map(clip),
            })
        }
        "Runtime.exceptionThrown" => {
            let text = text_at(params, "/exceptionDetails/exception/description")
                .or_else(|| text_at(params, "/exceptionDetails/text"))
                .unwrap_or("uncaught exception");
            Some(ConsoleError {
                text: clip(text),
                url: text_at(params, "/exceptionDetails/url").map(clip),
            })
        }
        _ => None,
    }
}

/// Messages the audit itself caused (the requests it refused), the browser's favicon probe,
/// and CSP refusals, which are reported as CSP violations instead.
fn is_audit_noise(entry: &ConsoleError, blocked: &[String]) -> bool {
    let url = entry.url.as_deref().unwrap_or("");
    (entry.text.contains("ERR_BLOCKED_BY_CLIENT") && blocked.iter().any(|b| b == url))
        || (url.ends_with("/favicon.ico") && entry.text.contains("404"))
        || entry.text.contains("Content Security Policy")
}

/// `scheme://host[:port]` of an absolute http(s) or ws(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https" | "ws" | "wss") {
        return None;
    }
    url.host()?;
    Some(url.origin().ascii_serialization())
}

/// The host of an origin (or URL), without brackets or port.
pub fn host_of(origin: &str) -> String {
    match url::Url::parse(origin)
        .ok()
        .as_ref()
        .and_then(url::Url::host)
    {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(host) => host.to_string(),
        None => String::new(),
    }
}

/// Whether `origin` names this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback_origin(origin: &str) -> bool {
    let host = host_of(origin);
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MAX_TEXT;

    #[test]
    fn origins_and_loopback() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/a?b").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("https://WWW.Google-Analytics.com/ga.js").as_deref(),
            Some("https://www.google-analytics.com")
        );
        assert_eq!(origin_of("data:text/plain,x"), None);
        assert_eq!(
            origin_of("http://user@[::1]:9/x").as_deref(),
            Some("http://[::1]:9")
        );
        assert!(is_loopback_origin("http://127.0.0.1:8080"));
        assert!(is_loopback_origin("http://127.9.9.9"));
        assert!(is_loopback_origin("http://localhost:1"));
        assert!(is_loopback_origin("http://[::1]:9"));
        assert!(!is_loopback_origin("https://www.google-analytics.com"));
        assert!(!is_loopback_origin("http://127.0.0.1.example.com"));
        assert!(!is_loopback_origin("http://10.0.0.1"));
        assert_eq!(host_of("http://[::1]:9"), "::1");
    }

    #[test]
    fn set_cookie_lines() {
        let now = 1_800_000_000.0;
        let set =
            |line: &str| parse_set_cookie(line, now).map(|s| (s.name, s.http_only, s.lifetime));
        assert_eq!(
            set("sid=abc; Path=/; HttpOnly; SameSite=Lax"),
            Some(("sid".into(), true, Lifetime::Session))
        );
        assert_eq!(
            set(" lang = nb ; Max-Age=63072000"),
            Some(("lang".into(), false, Lifetime::Seconds(63_072_000)))
        );
        // Max-Age wins over Expires; Expires counts from now.
        assert_eq!(
            set("a=1; Expires=Thu, 01 Jan 2037 00:00:00 GMT; Max-Age=60").map(|s| s.2),
            Some(Lifetime::Seconds(60))
        );
        // 1_800_000_000 is 2027-01-15 08:00:00 UTC: a day later.
        assert_eq!(
            set("a=1; expires=Sat, 16-Jan-2027 08:00:00 GMT").map(|s| s.2),
            Some(Lifetime::Seconds(86_400))
        );
        assert_eq!(set("a=1; expires=Fri, 15-Jan-2027 07:00:00 GMT"), None);
        assert_eq!(set("sid=; Max-Age=0"), None);
        assert_eq!(set("sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"), None);
        assert_eq!(set("novalue; Path=/"), None);
        assert_eq!(set("=x"), None);
        // As the page's wrapper reports a script's cookie: the value left out.
        assert_eq!(
            set("_ga=; path=/; max-age=63072000").map(|s| s.2),
            Some(Lifetime::Seconds(63_072_000))
        );
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            http_date("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(1_445_412_480)
        );
        assert_eq!(
            http_date("Wed, 21-Oct-2015 07:28:00 GMT"),
            Some(1_445_412_480)
        );
        assert_eq!(
            http_date("Sat, 29 Feb 2020 12:00:00 GMT"),
            Some(1_582_977_600)
        );
        assert_eq!(http_date("nonsense"), None);
        assert_eq!(http_date("Wed, 99 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn cookie_lifetimes_from_the_browser() {
        let persistent = json!({ "name": "_ga", "domain": ".x.no", "path": "/", "expires": 1000.0 + 86400.0, "session": false });
        assert_eq!(
            Cookie::from_cdp(&persistent, 1000.0).and_then(|c| c.lifetime),
            Some(86400)
        );
        let session = json!({ "name": "sid", "expires": -1, "session": true, "httpOnly": true });
        let c = Cookie::from_cdp(&session, 1000.0).expect("a cookie");
        assert_eq!((c.lifetime, c.http_only, c.session), (None, true, true));
        assert!(Cookie::from_cdp(&json!({ "expires": 5 }), 0.0).is_none());
    }

    #[test]
    fn clip_cuts_long_page_text() {
        assert_eq!(clip("kort"), "kort");
        let long = "ø".repeat(MAX_TEXT + 5);
        assert_eq!(clip(&long).chars().count(), MAX_TEXT + 1);
    }

    #[test]
    fn console_errors_from_protocol_events() {
        let log = json!({ "entry": { "level": "error", "text": "Failed to load resource", "url": "http://x/a.js" } });
        assert_eq!(
            console_error("Log.entryAdded", &log),
            Some(ConsoleError {
                text: "Failed to load resource".into(),
                url: Some("http://x/a.js".into())
            })
        );
        let warning = json!({ "entry": { "level": "warning", "text": "w" } });
        assert_eq!(console_error("Log.entryAdded", &warning), None);
        let api = json!({ "type": "error", "args": [{ "type": "string", "value": "boom" }, { "type": "number", "value": 3 }] });
        assert_eq!(
            console_error("Runtime.consoleAPICalled", &api).map(|c| c.text),
            Some("boom 3".into())
        );
        let thrown = json!({ "exceptionDetails": { "text": "Uncaught", "exception": { "description": "TypeError: x" } } });
        assert_eq!(
            console_error("Runtime.exceptionThrown", &thrown).map(|c| c.text),
            Some("TypeError: x".into())
        );
        // Page-controlled junk does not panic.
        assert_eq!(
            console_error("Runtime.consoleAPICalled", &json!({ "type": 5 })),
            None
        );
        assert!(console_error("Runtime.exceptionThrown", &json!(null)).is_some());
    }
}
