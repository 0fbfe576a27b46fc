//! A live site (`samtykke audit https://www.hesbynett.no/`): production, staging, or pages
//! Samtykke did not build. The audit first checks that the URL answers on its own host (one
//! line and exit 2 if not: unreachable, a TLS error, a redirect elsewhere), reads the sitemap,
//! says what it will visit, then crawls the host politely: at most one page load every
//! `--delay-ms`, at most `--max-pages` pages, within the time and byte limits. Requests to other
//! hosts go out as a visitor's would, and are recorded. `--resolve HOST:ADDR` makes the browser
//! reach a host at another address, as curl's option does, so staging can be audited under the
//! production name, and the tests can pose as production on 127.0.0.1.

use crate::browser::Chromium;
use crate::cdp::{Page, Shared};
use crate::model::Report;
use crate::observe::{host_of, origin_of, Network};
use crate::{crawl, find_axe, AuditError, Crawl, Options};
use serde::Deserialize;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Default least time between two page loads on a live site.
pub const DELAY: Duration = Duration::from_millis(500);

/// `--resolve HOST:ADDR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    pub host: String,
    pub addr: IpAddr,
}

impl std::str::FromStr for Resolve {
    type Err = String;

    /// `HOST:ADDR`, or curl's `HOST:PORT:ADDR` (the port is ignored: the browser maps a host
    /// name whatever the port). ADDR is an IPv4 or IPv6 address, the latter bracketed or not.
    fn from_str(text: &str) -> Result<Resolve, String> {
        let expected =
            || format!("`{text}`: expected HOST:ADDR, such as www.hesbynett.no:127.0.0.1");
        let (host, rest) = text.split_once(':').ok_or_else(expected)?;
        let host = host.trim().to_ascii_lowercase();
        let valid_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !host.starts_with(['.', '-']);
        if !valid_host {
            return Err(format!("{}: `{host}` is not a host name", expected()));
        }
        let address = |a: &str| {
            a.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()
        };
        let addr = address(rest)
            .or_else(|| {
                let (port, addr) = rest.split_once(':')?;
                port.parse::<u16>().ok()?;
                address(addr)
            })
            .ok_or_else(|| format!("{}: `{rest}` is not an IP address", expected()))?;
        Ok(Resolve { host, addr })
    }
}

impl std::fmt::Display for Resolve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} → {}", self.host, self.addr)
    }
}

/// The browser's flags for `resolve`: `--host-resolver-rules=MAP host addr, …`.
pub fn browser_flags(resolve: &[Resolve]) -> Vec<String> {
    if resolve.is_empty() {
        return Vec::new();
    }
    let rules: Vec<String> = resolve
        .iter()
        .map(|r| match r.addr {
            IpAddr::V4(a) => format!("MAP {} {a}", r.host),
            IpAddr::V6(a) => format!("MAP {} [{a}]", r.host),
        })
        .collect();
    vec![format!("--host-resolver-rules={}", rules.join(", "))]
}

/// One line for a failed first load: what went wrong, in words, with Chromium's code.
fn load_error(url: &str, host: &str, message: &str) -> Option<String> {
    let code = message
        .split_whitespace()
        .find(|w| w.starts_with("net::ERR_"))?
        .trim_end_matches([',', '.', ';']);
    let what = if code.contains("CERT") || code.contains("SSL") || code.contains("TLS") {
        format!("TLS error on {host}: the certificate or the connection could not be trusted")
    } else if code == "net::ERR_NAME_NOT_RESOLVED" {
        format!("cannot resolve {host} (--resolve {host}:ADDR maps it to an address)")
    } else if code.contains("CONNECTION")
        || code.contains("UNREACHABLE")
        || code.contains("TIMED_OUT")
    {
        format!("{host} cannot be reached")
    } else {
        format!("{url} could not be loaded")
    };
    Some(format!("{what} ({code})"))
}

#[derive(Debug, Deserialize)]
struct Fetched {
    status: u16,
    #[serde(default)]
    text: String,
    #[serde(default)]
    error: Option<String>,
}

/// Fetches `/sitemap.xml` from the page's own origin, within `limit` and 16 MB.
fn sitemap_js(limit: Duration) -> String {
    format!(
        "(async () => {{ const c = new AbortController(); const t = setTimeout(() => c.abort(), {ms}); \
           try {{ const r = await fetch('/sitemap.xml', {{ signal: c.signal, credentials: 'omit', cache: 'no-store' }}); \
             if (!r.ok || !r.body) return {{ status: r.status }}; \
             const reader = r.body.getReader(); const parts = []; let n = 0; \
             for (;;) {{ const {{ done, value }} = await reader.read(); if (done) break; n += value.length; \
               if (n > 16 * 1024 * 1024) {{ c.abort(); return {{ status: r.status, error: 'the answer is larger than 16 MB' }}; }} parts.push(value); }} \
             return {{ status: r.status, text: new TextDecoder().decode(await new Blob(parts).arrayBuffer()) }}; \
           }} catch (e) {{ return {{ status: 0, error: c.signal.aborted ? 'no complete answer within {secs:.1} s' : String(e) }}; }} \
           finally {{ clearTimeout(t); }} }})()",
        ms = limit.as_millis(),
        secs = limit.as_secs_f64()
    )
}

/// Audits the live site at `url` (origin `origin`).
pub(crate) fn run(
    options: &Options,
    url: &str,
    origin: &str,
    started: Instant,
) -> Result<Report, AuditError> {
    let axe = find_axe(options.axe_js.as_deref())?;
    let chromium = Chromium::launch_with(&browser_flags(&options.resolve))
        .map_err(|e| AuditError::Browser(e.to_string()))?;
    let shared = Shared {
        network: Network {
            allow_all: true,
            bytes: Arc::default(),
        },
        pacer: Arc::new(crawl::Pacer::new(Duration::ZERO)),
    };
    let page = Page::open(chromium.wire(), origin, options.timing, &shared)
        .map_err(|e| AuditError::Browser(format!("cannot open a tab: {e}")))?;
    let host = host_of(origin);
    if let Err(e) = page.goto(url) {
        if let Some(line) = load_error(url, &host, &e.0) {
            return Err(AuditError::Target(line));
        }
        // Slow, not broken: the crawl reports the page's timeout and goes on.
    }
    let here = page.location().unwrap_or_else(|_| url.to_owned());
    let site = origin_of(&here).filter(|o| host_of(o) == host);
    let Some(site) = site else {
        return Err(AuditError::Target(format!(
            "{url} redirected off the host to {here}: audit that address instead, if it is the site"
        )));
    };
    let mut start = vec![crawl::same_origin_page(&here, &site).unwrap_or_else(|| "/".to_owned())];
    let mut incomplete = Vec::new();
    let mut listed = 0;
    match page.eval::<Fetched>(&sitemap_js(options.fetch_timeout)) {
        Ok(Fetched {
            status: 200,
            text,
            error: None,
        }) => match crawl::sitemap_paths(&text) {
            Ok(paths) => {
                listed = paths.len();
                for path in paths {
                    if !start.contains(&path) {
                        start.push(path);
                    }
                }
            }
            Err(e) => incomplete.push(format!(
                "sitemap.xml could not be read ({e}); only pages reachable by links were audited"
            )),
        },
        Ok(Fetched { error: Some(e), .. }) => incomplete.push(format!(
            "sitemap.xml could not be read ({e}); only pages reachable by links were audited"
        )),
        // No sitemap (404 and the like): the pages are found through links.
        Ok(_) => {}
        Err(e) => incomplete.push(format!(
            "sitemap.xml could not be read ({e}); only pages reachable by links were audited"
        )),
    }
    drop(page.finish());
    if let Some(announce) = options.announce {
        announce(&plan(options, &site, &start, listed));
    }
    let crawl = Crawl {
        origin: site,
        start,
        directory: None,
        incomplete,
        live: true,
    };
    crate::crawl_and_report(options, &chromium, crawl, &axe, started)
}

/// What the audit will visit, said before it starts.
fn plan(options: &Options, site: &str, start: &[String], listed: usize) -> String {
    let mut out = String::new();
    let host = host_of(site);
    let _ = writeln!(out, "samtykke audit of the live site {site}");
    for r in &options.resolve {
        let _ = writeln!(out, "  --resolve {r}");
    }
    let max = options.max_pages.max(1);
    let first: Vec<&str> = start.iter().take(max.min(10)).map(String::as_str).collect();
    let more = start.len().min(max).saturating_sub(first.len());
    let _ = writeln!(
        out,
        "will visit up to {max} page{} on {host} only: {}{}{}, then links on the same host",
        if max == 1 { "" } else { "s" },
        first.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
        if listed > 0 {
            format!(" (sitemap.xml lists {listed})")
        } else {
            " (no sitemap.xml)".to_owned()
        },
    );
    let _ = writeln!(
        out,
        "each page before any choice, and where the Samtykke widget is found also after reject, accept and withdrawal;\n\
         requests to other hosts are made as a visitor's would be, and recorded"
    );
    let delay = options.delay.unwrap_or(DELAY);
    let _ = writeln!(
        out,
        "at most one page load every {:.1} s, {} tab{} at a time; limits: {} s a page, {} s and {} MB in all\n",
        delay.as_secs_f64(),
        options.jobs.max(1),
        if options.jobs.max(1) == 1 { "" } else { "s" },
        options.timing.page_timeout.as_secs(),
        options.time_limit.as_secs(),
        options.max_bytes / 1_000_000
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_like_curl() {
        let r: Resolve = "www.Hesbynett.no:127.0.0.1".parse().expect("HOST:ADDR");
        assert_eq!(r.host, "www.hesbynett.no");
        assert_eq!(r.addr, IpAddr::from([127, 0, 0, 1]));
        let curl: Resolve = "www.hesbynett.no:443:10.0.0.7"
            .parse()
            .expect("HOST:PORT:ADDR");
        assert_eq!(curl.addr, IpAddr::from([10, 0, 0, 7]));
        let v6: Resolve = "staging.x.no:[::1]".parse().expect("IPv6");
        assert_eq!(v6.addr.to_string(), "::1");
        let bare6: Resolve = "staging.x.no:::1".parse().expect("bare IPv6");
        assert_eq!(bare6.addr.to_string(), "::1");
        for bad in [
            "www.x.no",
            "www.x.no:localhost",
            ":127.0.0.1",
            "a b:127.0.0.1",
            "x:443:",
        ] {
            let e = bad.parse::<Resolve>().expect_err(bad);
            assert!(e.contains("expected HOST:ADDR"), "{e}");
        }
        assert_eq!(
            browser_flags(&[r, v6]),
            ["--host-resolver-rules=MAP www.hesbynett.no 127.0.0.1, MAP staging.x.no [::1]"]
        );
        assert!(browser_flags(&[]).is_empty());
    }

    #[test]
    fn first_load_errors_in_one_line() {
        let e = |m: &str| load_error("https://x.no/", "x.no", m);
        assert_eq!(
            e("https://x.no/: net::ERR_CERT_AUTHORITY_INVALID").as_deref(),
            Some("TLS error on x.no: the certificate or the connection could not be trusted (net::ERR_CERT_AUTHORITY_INVALID)")
        );
        assert!(e("net::ERR_NAME_NOT_RESOLVED").is_some_and(|m| m.contains("--resolve x.no:ADDR")));
        assert!(e("net::ERR_CONNECTION_REFUSED")
            .is_some_and(|m| m.starts_with("x.no cannot be reached")));
        assert!(e("net::ERR_ABORTED").is_some_and(|m| m.contains("could not be loaded")));
        assert_eq!(e("reload: the page did not finish loading in 15 s"), None);
    }
}
