//! Every URL an editor writes that ends up in a policy, a header or an attribute, parsed as what it
//! must be. The rest of the generator uses what these return (the parsed [`Url`] and its
//! [`Origin`]), never the editor's text, so nothing but a URL's own parts can reach a CSP.

use url::{Host, Url};

/// Why a value is not the URL it must be: the label under the value and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub label: String,
    pub help: String,
}

fn problem(label: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        label: label.into(),
        help: help.into(),
    }
}

/// The scheme, host and port of a URL, serialised by the `url` crate and checked against the
/// CSP grammar of a host-source (`scheme://host[:port]`, host a DNS name or an IP address).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin(String);

impl Origin {
    pub fn of(url: &Url) -> Option<Origin> {
        let serialised = url.origin().ascii_serialization();
        is_host_source(&serialised).then_some(Origin(serialised))
    }

    /// For origins the generator itself makes (such as `serve`'s live-reload endpoint): only a
    /// bare origin is accepted.
    pub fn parse(text: &str) -> Option<Origin> {
        let url = Url::parse(text).ok()?;
        let origin = Origin::of(&url)?;
        (origin.0 == text.trim_end_matches('/')).then_some(origin)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `scheme://host[:port]` with a lower-case scheme of letters, a host of DNS labels (letters,
/// digits, `-`), a dotted IPv4 or a bracketed IPv6 address, and a decimal port.
pub fn is_host_source(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let scheme_ok = !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_lowercase());
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let Some((inside, after)) = v6.split_once(']') else {
            return false;
        };
        if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        // Nothing after `]` but a port: `[::1]x` is no host.
        let port = after.strip_prefix(':');
        if port.is_none() && !after.is_empty() {
            return false;
        }
        (None, port)
    } else {
        let (host, port) = match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        (Some(host), port)
    };
    let host_ok = host.is_none_or(|h| {
        !h.is_empty()
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
    });
    // CSP's port-part: `:` and digits; a bare `:` is not one.
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    scheme_ok && host_ok && port_ok
}

/// Hosts that only this machine (or a test's resolver) can reach, where plain `http` is fine:
/// loopback addresses, `localhost` and the names RFC 6761 reserves for it and for testing
/// (`*.localhost`, `*.test`). The end-to-end tests serve their ga.js stand-in from such a host.
pub fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name == "localhost" || name.ends_with(".localhost") || name.ends_with(".test")
        }
        None => false,
    }
}

/// Characters a script or site URL may be written with: RFC 3986's, less those that mean
/// something in a CSP or an HTML attribute (`'`, `;`, `,`, `*`) and less whitespace, quotes and
/// brackets other than an IPv6 host's.
fn strict_chars(text: &str) -> Result<(), Problem> {
    match text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&()+=%".contains(c)))
    {
        None => Ok(()),
        Some((_, c)) => Err(problem(
            format!("{} cannot be part of this URL", describe(c)),
            "write the URL exactly, without spaces, quotes or CSP keywords; percent-encode other characters",
        )),
    }
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_whitespace() || c.is_control() => format!("the character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// A parsed absolute URL with a host and without credentials; `what` names it in the label.
fn absolute(text: &str, what: &str, example: &str) -> Result<Url, Problem> {
    let url = Url::parse(text).map_err(|e| {
        problem(
            format!("expected {what}, such as \"{example}\" ({e})"),
            "write the full address, starting with https://",
        )
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(problem(
            format!(
                "expected an https URL, found the scheme `{}:`",
                url.scheme()
            ),
            "use https://",
        ));
    }
    // No check for a host: the URL Standard gives every http(s) URL one ("https://" and
    // "https:///" do not parse), so such a check could never fail.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(problem(
            "a URL here cannot carry a user name or password",
            "remove the part before `@`",
        ));
    }
    Ok(url)
}

/// `https`, or `http` on a host only this machine can reach.
fn secure_scheme(url: &Url, what: &str) -> Result<(), Problem> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_local(url) => Ok(()),
        "http" => Err(problem(
            format!("{what} must be served over https"),
            "use https://; plain http is allowed only for localhost, loopback addresses and *.test",
        )),
        other => Err(problem(
            format!("expected an https URL, found the scheme `{other}:`"),
            "use https://",
        )),
    }
}

/// A service's script (`[services.*] script`): an absolute `https` URL the widget loads after
/// consent. Its origin goes into the CSP.
pub fn service_script(text: &str) -> Result<Url, Problem> {
    strict_chars(text)?;
    let url = absolute(
        text,
        "an absolute https URL",
        "https://www.example.com/script.js",
    )?;
    secure_scheme(&url, "a script")?;
    if url.fragment().is_some() {
        return Err(problem(
            "a script URL cannot have a `#` part",
            "remove everything from `#`",
        ));
    }
    if Origin::of(&url).is_none() {
        return Err(problem(
            "the host must be a DNS name or an IP address",
            "use letters, digits, `-` and `.` in the host",
        ));
    }
    Ok(url)
}

/// An origin a service frames, connects to or loads images from (`frames`, `connect`,
/// `images`): `https://host[:port]` and nothing after it, since a CSP source with a path would
/// mean something else in each directive.
pub fn service_origin(text: &str) -> Result<Origin, Problem> {
    strict_chars(text)?;
    let url = absolute(text, "an origin", "https://www.example.com")?;
    secure_scheme(&url, "an origin")?;
    let origin = Origin::of(&url).ok_or_else(|| {
        problem(
            "the host must be a DNS name or an IP address",
            "use letters, digits, `-` and `.` in the host",
        )
    })?;
    // The `url` crate's serialisation equals the text only when nothing follows the host
    // (and port), and the host is written as the CSP will carry it.
    if text.strip_suffix('/').unwrap_or(text) != origin.as_str() {
        return Err(problem(
            format!("expected only an origin, such as \"{}\"", origin.as_str()),
            "write the scheme and host (and port) only: the CSP allows the whole origin",
        ));
    }
    Ok(origin)
}

/// An embed's `src`: an absolute https URL (query and `#` part allowed, as video players use
/// them) whose origin its service declares in `frames`.
pub fn embed_src(text: &str) -> Result<Url, Problem> {
    strict_chars(text)?;
    let url = absolute(
        text,
        "an absolute https URL",
        "https://www.youtube-nocookie.com/embed/VIDEO",
    )?;
    secure_scheme(&url, "an embed")?;
    if Origin::of(&url).is_none() {
        return Err(problem(
            "the host must be a DNS name or an IP address",
            "use letters, digits, `-` and `.` in the host",
        ));
    }
    Ok(url)
}

/// `base_url` of site.toml: where the site is published. Canonical links, `og:url`, the sitemap
/// and robots.txt are built on it.
pub fn base_url(text: &str) -> Result<Url, Problem> {
    strict_chars(text)?;
    let url = absolute(text, "an absolute URL", "https://www.example.no")?;
    secure_scheme(&url, "the site")?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(problem(
            "the base URL cannot have a `?` or `#` part",
            "write only the scheme, host and (optionally) a path, such as \"https://www.example.no\"",
        ));
    }
    if Origin::of(&url).is_none() {
        return Err(problem(
            "the host must be a DNS name or an IP address",
            "use letters, digits, `-` and `.` in the host",
        ));
    }
    Ok(url)
}

/// `[consent] receipts_url`: the receipts service's endpoint, which the widget posts to and
/// the CSP's `connect-src` allows. `https`, or `http` on loopback and the other names only this
/// machine reaches (for tests and a service on the same host); no `?`, `#` or credentials.
pub fn receipts_url(text: &str) -> Result<Url, Problem> {
    strict_chars(text)?;
    let url = absolute(
        text,
        "an absolute https URL",
        "https://samtykke.example.no/v1/receipts",
    )?;
    secure_scheme(&url, "the receipts service")?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(problem(
            "the receipts URL cannot have a `?` or `#` part",
            "write the endpoint alone, such as \"https://samtykke.example.no/v1/receipts\"",
        ));
    }
    if Origin::of(&url).is_none() {
        return Err(problem(
            "the host must be a DNS name or an IP address",
            "use letters, digits, `-` and `.` in the host",
        ));
    }
    Ok(url)
}

/// A link shown to visitors (`privacy_url`): an absolute `http` or `https` URL, never
/// `javascript:` or `data:`.
pub fn link(text: &str) -> Result<Url, Problem> {
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c))
    {
        return Err(problem(
            format!("{} cannot be part of a link", describe(c)),
            "write the URL exactly; percent-encode other characters",
        ));
    }
    let url = absolute(
        text,
        "an absolute https URL",
        "https://www.example.com/privacy",
    )?;
    match url.scheme() {
        "https" | "http" => Ok(url),
        other => Err(problem(
            format!("expected an https link, found the scheme `{other}:`"),
            "use https://",
        )),
    }
}

/// The controller's e-mail address, which goes into a `mailto:` link: `local@domain` with
/// nothing that would add headers (`?`, `&`) or another address (`,`) to the link.
pub fn email(text: &str) -> Result<(), Problem> {
    let fail = || {
        problem(
            "expected a plain e-mail address, such as \"personvern@example.no\"",
            "use letters, digits and `.`, `_`, `%`, `+`, `-` before the `@`, and a domain after it",
        )
    };
    let (local, domain) = text.split_once('@').ok_or_else(fail)?;
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    (local_ok && domain_ok).then_some(()).ok_or_else(fail)
}

/// A phone number, which goes into a `tel:` link.
pub fn phone(text: &str) -> Result<(), Problem> {
    let ok = text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b" +-()".contains(&b));
    ok.then_some(()).ok_or_else(|| {
        problem(
            "expected a phone number, such as \"+47 71 00 00 00\"",
            "use digits, spaces, `+`, `-` and brackets only",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_absolute_https_urls() {
        let url = service_script("https://www.google-analytics.com/ga.js").expect("valid");
        assert_eq!(
            Origin::of(&url).map(|o| o.0).as_deref(),
            Some("https://www.google-analytics.com")
        );
        let url = service_script("https://WWW.Example.com:8443/a.js?id=1").expect("valid");
        assert_eq!(
            Origin::of(&url).expect("origin").as_str(),
            "https://www.example.com:8443"
        );
        for local in [
            "http://localhost:9/ga.js",
            "http://127.0.0.1:8081/ga.js",
            "http://[::1]:80/ga.js",
            "http://www.google-analytics.test:41234/ga.js",
        ] {
            assert!(service_script(local).is_ok(), "{local}");
        }
    }

    #[test]
    fn the_injection_class_is_refused() {
        for bad in [
            "https://www.google-analytics.com * data: 'unsafe-eval'/ga.js",
            "https://www.google-analytics.com/ga.js 'unsafe-inline'",
            " https://www.google-analytics.com/ga.js",
            "https://www.google-analytics.com/ga.js\t",
            "https://www.google-analytics.com/ga.js;script-src *",
            "https://www.google-analytics.com/g'a.js",
            "https://www.google-analytics.com/g\"a.js",
            "https://*.google-analytics.com/ga.js",
            "https://www.google-analytics.com,evil.example/ga.js",
            "data:text/javascript,alert(1)",
            "javascript:alert(1)",
            "http://www.google-analytics.com/ga.js",
            "https://user:pass@www.google-analytics.com/ga.js",
            "https://user@www.google-analytics.com/ga.js",
            "//www.google-analytics.com/ga.js",
            "/ga.js",
            "ga.js",
            "",
            "https://",
            "https://www.google-analytics.com/ga.js#x",
            "ftp://www.google-analytics.com/ga.js",
            "blob:https://www.google-analytics.com/x",
            "https://www.google-analytics.com\n/ga.js",
            "https://www.google-analytics.com/<ga>.js",
        ] {
            assert!(service_script(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_character_a_url_cannot_have_is_named_so_it_can_be_found() {
        let label = |text: &str| service_script(text).map(|_| ()).unwrap_err().label;
        let base = "https://www.google-analytics.com/ga";
        for (c, named) in [
            (' ', "a space"),
            ('\t', "the character U+0009"),
            ('\u{a0}', "the character U+00A0"),
            ('\u{7}', "the character U+0007"),
            ('\'', "`'`"),
            ('ø', "`ø`"),
        ] {
            assert_eq!(
                label(&format!("{base}{c}.js")),
                format!("{named} cannot be part of this URL"),
                "{c:?}"
            );
        }
    }

    #[test]
    fn host_sources_follow_a_strict_grammar() {
        for good in [
            "https://www.example.com",
            "http://127.0.0.1:8081",
            "ws://127.0.0.1:1",
            "http://[::1]:80",
        ] {
            assert!(is_host_source(good), "{good}");
        }
        for bad in [
            "https://*.example.com",
            "https://a b",
            "https://example.com/",
            "https://ex'ample.com",
            "https://example.com:80a",
            "data:",
            "'self'",
            "https://",
            "HTTPS://example.com",
            "https://[]",
            "https://[::1",
            "https://[::g]",
            "https://[::1]x",
            "https://[::1]:",
            "https://example.com:",
            "https://example.com:123456",
        ] {
            assert!(!is_host_source(bad), "{bad}");
        }
        assert_eq!(
            Origin::parse("ws://127.0.0.1:5555").map(|o| o.0).as_deref(),
            Some("ws://127.0.0.1:5555")
        );
        assert_eq!(Origin::parse("ws://127.0.0.1:5555/x"), None);
    }

    #[test]
    fn emails_and_phone_numbers_for_links() {
        assert!(email("personvern@hesbynett.no").is_ok());
        for bad in [
            "a@b",
            "personvern@hesbynett.no?bcc=x@evil.example",
            "a,b@example.no",
            "javascript:alert(1)//@example.no",
            "a b@example.no",
            "@example.no",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(phone("+47 71 00 00 00").is_ok());
        assert!(phone("71 00 00 00\" onclick=\"x").is_err());
        assert!(phone("call us").is_err());
    }

    #[test]
    fn receipts_urls_are_https_or_local_http_endpoints() {
        assert_eq!(
            receipts_url("https://Samtykke.Example.no/v1/receipts").map(|u| u.to_string()),
            Ok("https://samtykke.example.no/v1/receipts".to_owned())
        );
        assert!(receipts_url("http://127.0.0.1:8787/v1/receipts").is_ok());
        assert!(receipts_url("http://localhost:8787/v1/receipts").is_ok());
        for bad in [
            "http://samtykke.example.no/v1/receipts",
            "https://samtykke.example.no/v1/receipts?x=1",
            "https://samtykke.example.no/v1/receipts#x",
            "https://user:pw@samtykke.example.no/v1/receipts",
            "/v1/receipts",
            "javascript:alert(1)",
            "https://samtykke.example.no/v1/receipts 'unsafe-inline'",
            "https://*.example.no/v1/receipts",
            "",
        ] {
            assert!(receipts_url(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn base_urls_and_links() {
        assert!(base_url("https://www.hesbynett.no").is_ok());
        assert!(base_url("https://www.hesbynett.no/sub/").is_ok());
        assert!(base_url("http://127.0.0.1:8000").is_ok());
        for bad in [
            "www.hesbynett.no",
            "http://www.hesbynett.no",
            "https://www.hesbynett.no?x=1",
            "https://a@www.hesbynett.no",
            "https://www.hesbynett.no\"><script>",
            "javascript:alert(1)",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
        assert!(link("https://policies.google.com/privacy?hl=no-NO").is_ok());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "/privacy",
            "https://a b",
        ] {
            assert!(link(bad).is_err(), "{bad}");
        }
        // Whitespace, control characters and what would end an attribute are refused by name,
        // before the URL parser could percent-encode them into something else.
        let label = |text: &str| link(text).map(|_| ()).unwrap_err().label;
        for (c, named) in [
            (' ', "a space"),
            ('\u{7}', "the character U+0007"),
            ('\u{a0}', "the character U+00A0"),
            ('"', "`\"`"),
            ('<', "`<`"),
        ] {
            assert_eq!(
                label(&format!("https://policies.google.com/pri{c}vacy")),
                format!("{named} cannot be part of a link"),
                "{c:?}"
            );
        }
    }
}
