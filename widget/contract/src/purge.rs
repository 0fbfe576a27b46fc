//! Which cookies must go, every place they may live (C-17), and which writes the cookie guard
//! lets through.
//!
//! A cookie is named by (name, domain, path): deleting it means writing the same triple with
//! `max-age=0`. From a page, neither the domain nor the path of a cookie can be read, so the purge
//! writes the deletion for every triple the page could have set or can see.

use crate::config::WidgetConfig;
use crate::grant::Grant;
use crate::text::{split, split_once};

/// More paths than this are not tried: the URL is the visitor's to craft, the cookie jar is not.
const MAX_PATHS: usize = 24;

/// The distinct cookie names in a `document.cookie` string, in order.
pub fn cookie_names(header: &str) -> Vec<&str> {
    names_where(header, |_| true)
}

/// The names in `header` whose first matching rule belongs to a category `grant` lacks. Cookies
/// that no rule matches are left alone: `samtykke audit` reports them.
pub fn names_to_purge<'a>(header: &'a str, config: &WidgetConfig, grant: Grant) -> Vec<&'a str> {
    names_where(header, |name| is_refused(name, config, grant))
}

fn names_where(header: &str, mut keep: impl FnMut(&str) -> bool) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for pair in split(header, b';') {
        // A pair without `=` is a nameless cookie (its text is the value); it cannot be matched.
        let Some((name, _)) = split_once(pair, b'=') else {
            continue;
        };
        let name = name.trim_ascii();
        // `any`, not `contains`: `<[&str]>::contains` costs the widget 50 bytes more (brotli).
        #[allow(clippy::manual_contains)]
        let known = names.iter().any(|known| *known == name);
        if !name.is_empty() && !known && keep(name) {
            names.push(name);
        }
    }
    names
}

/// Whether `name` matches a rule of a category that `grant` lacks.
pub fn is_refused(name: &str, config: &WidgetConfig, grant: Grant) -> bool {
    config
        .category_of(name)
        .is_some_and(|category| !grant.allows(config, category))
}

/// The `domain` attributes a cookie visible on `host` may carry; `""` stands for a host-only
/// cookie (no attribute). Parent domains stop above the top-level domain: browsers refuse a
/// cookie for `.no`, so there is none to delete. IP addresses and single-label hosts such as
/// `localhost` have no parents and accept only host-only cookies.
pub fn domains(host: &str) -> Vec<String> {
    // A fully qualified `example.no.` sets cookies for `example.no`.
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut out = vec![String::new()];
    // One pass over the bytes: only host bytes, no empty label, at least one dot, and a last
    // label that is not all digits (an IPv4 address). IPv6 addresses hold `:`, not a host byte.
    let (mut previous, mut dots, mut numeric) = (b'.', 0, true);
    for b in host.bytes() {
        if !is_host_byte(b) || (b == b'.' && previous == b'.') {
            return out;
        }
        if b == b'.' {
            dots += 1;
            numeric = true;
        } else {
            numeric &= b.is_ascii_digit();
        }
        previous = b;
    }
    if previous == b'.' || dots == 0 || numeric {
        return out;
    }
    let mut rest = host;
    while let Some((_, parent)) = split_once(rest, b'.') {
        out.push(rest.to_owned());
        let mut dotted = String::from(".");
        dotted.push_str(rest);
        out.push(dotted);
        rest = parent;
    }
    out
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'
}

/// The `path` attributes under which a cookie visible at `path` may have been set: `/`, every
/// ancestor directory with and without its trailing slash, and the path itself.
pub fn paths(path: &str) -> Vec<String> {
    let mut out = vec!["/".to_owned()];
    // `;` would end the attribute and start another; such a path cannot hold cookies anyway.
    if !path.starts_with('/') || path.bytes().any(|b| b == b';' || b < 0x20) {
        return out;
    }
    let mut push = |p: Option<&str>| {
        let p = p.unwrap_or("/");
        if out.len() < MAX_PATHS && !out.iter().any(|known| known == p) {
            out.push(p.to_owned());
        }
    };
    // Bytes: `str::match_indices` brings a searcher and its panics into the widget.
    for (i, b) in path.bytes().enumerate().skip(1) {
        if b == b'/' {
            push(path.get(..i));
            push(path.get(..=i));
        }
    }
    push(Some(path));
    out
}

/// The writes that delete each of `names` at every (domain, path) a page on `host` at `path` may
/// hold it under ([`domains`] × [`paths`]), one per line: see [`deletion`].
pub fn deletions(names: &[&str], host: &str, path: &str, secure: bool) -> String {
    let mut out = String::new();
    if names.is_empty() {
        return out;
    }
    let (domains, paths) = (domains(host), paths(path));
    for name in names {
        for domain in &domains {
            for path in &paths {
                push_deletion(&mut out, name, domain, path, secure);
                out.push('\n');
            }
        }
    }
    out
}

/// The `document.cookie` write that deletes `name` at `domain` (`""`: host-only) and `path`.
/// `secure` pages add `secure`, which `__Secure-` and `__Host-` names require.
pub fn deletion(name: &str, domain: &str, path: &str, secure: bool) -> String {
    let mut out = String::new();
    push_deletion(&mut out, name, domain, path, secure);
    out
}

fn push_deletion(out: &mut String, name: &str, domain: &str, path: &str, secure: bool) {
    out.push_str(name);
    out.push_str("=;max-age=0;path=");
    out.push_str(path);
    if !domain.is_empty() {
        out.push_str(";domain=");
        out.push_str(domain);
    }
    if secure {
        out.push_str(";secure");
    }
}

/// Whether the guard lets a `document.cookie = cookie` write through: always for cookies of a
/// granted or unknown category, and for deletions, which never need consent. Every other write of
/// a refused category is dropped.
///
/// A deletion is a write whose last `max-age` is zero or less, as the browser reads it: the last
/// one wins. A value browsers may read differently (`+0`, `0x0`, a number too long for 64 bits)
/// does not count, and neither does a past `expires`: such writes are dropped, which at worst
/// keeps a refused cookie until the widget's own purge deletes it.
pub fn write_allowed(cookie: &str, config: &WidgetConfig, grant: Grant) -> bool {
    let mut parts = split(cookie, b';');
    let first = parts.next().unwrap_or("");
    let name = split_once(first, b'=')
        .map_or("", |(name, _)| name)
        .trim_ascii();
    if !is_refused(name, config, grant) {
        return true;
    }
    let mut deletion = false;
    for attribute in parts {
        let (key, value) = split_once(attribute, b'=').unwrap_or((attribute, ""));
        if key.trim_ascii().eq_ignore_ascii_case("max-age") {
            deletion = expires_now(value.trim_ascii());
        }
    }
    deletion
}

/// Whether a `max-age` value is certainly zero or less: `-` and digits, or zeros.
fn expires_now(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() < value.len() || digits.bytes().all(|b| b == b'0'))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::config::tests::hesbynett;
    use proptest::prelude::*;

    #[test]
    fn the_parent_domains_of_a_host_stop_above_the_tld() {
        assert_eq!(
            domains("www.hesbynett.no"),
            [
                "",
                "www.hesbynett.no",
                ".www.hesbynett.no",
                "hesbynett.no",
                ".hesbynett.no"
            ]
        );
        assert_eq!(
            domains("hesbynett.no"),
            ["", "hesbynett.no", ".hesbynett.no"]
        );
        assert_eq!(
            domains("hesbynett.no."),
            ["", "hesbynett.no", ".hesbynett.no"]
        );
        assert_eq!(domains("hesbynett.no.."), [""]);
        assert_eq!(domains("a.b.c.hesbynett.no").len(), 1 + 2 * 4);
    }

    #[test]
    fn ips_and_single_labels_are_host_only() {
        for host in [
            "127.0.0.1",
            "10.0.0.254",
            "[::1]",
            "::1",
            "localhost",
            "intranet",
            "",
            "a;b.no",
            ".a",
            "a..no",
        ] {
            assert_eq!(domains(host), [""], "{host}");
        }
    }

    #[test]
    fn paths_cover_each_ancestor_with_and_without_slash() {
        assert_eq!(paths("/a/b/"), ["/", "/a", "/a/", "/a/b", "/a/b/"]);
        assert_eq!(
            paths("/a/b/side.html"),
            ["/", "/a", "/a/", "/a/b", "/a/b/", "/a/b/side.html"]
        );
        assert_eq!(paths("/"), ["/"]);
        assert_eq!(paths(""), ["/"]);
        assert_eq!(paths("/a;domain=evil.example"), ["/"]);
        assert_eq!(paths(&"/x".repeat(1000)).len(), MAX_PATHS);
    }

    #[test]
    fn a_path_with_a_control_character_adds_no_path_and_no_line() {
        // Deletions are written one per line: a newline in the page's path must not start
        // another write, nor any control character reach a `path` attribute.
        for path in ["/a\nb/", "/a\rb", "/a/\u{0}", "/\u{1f}x/", "/a\tb/"] {
            assert_eq!(paths(path), ["/"], "{path:?}");
            let lines = deletions(&["_ga"], "hesbynett.no", path, false);
            assert_eq!(lines.lines().count(), 3, "{path:?}");
            assert!(lines
                .lines()
                .all(|l| l.starts_with("_ga=;max-age=0;path=/;") || l == "_ga=;max-age=0;path=/"));
        }
        // RFC 6265 lets a path hold any other character but `;`, a space included.
        assert_eq!(paths("/a b/"), ["/", "/a b", "/a b/"]);
        assert_eq!(paths("/~x!/"), ["/", "/~x!", "/~x!/"]);
    }

    #[test]
    fn deletions_cover_every_domain_with_every_path() {
        let lines = deletions(&["_ga", "__utma"], "www.hesbynett.no", "/a/b/", true);
        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines.len(), 2 * 5 * 5);
        assert_eq!(lines[0], "_ga=;max-age=0;path=/;secure");
        assert!(lines.contains(&"_ga=;max-age=0;path=/a;domain=.hesbynett.no;secure"));
        assert!(lines.contains(&"__utma=;max-age=0;path=/a/b/;secure"));
        assert!(!lines.iter().any(|l| l.ends_with("domain=.no;secure")));
        assert_eq!(deletions(&[], "www.hesbynett.no", "/", false), "");
    }

    #[test]
    fn deletions_name_domain_path_and_secure() {
        assert_eq!(
            deletion("__utma", "", "/", false),
            "__utma=;max-age=0;path=/"
        );
        assert_eq!(
            deletion("_ga", ".hesbynett.no", "/a/", true),
            "_ga=;max-age=0;path=/a/;domain=.hesbynett.no;secure"
        );
    }

    #[test]
    fn purges_refused_categories_only() {
        let config = hesbynett();
        let header = "PHPSESSID=abc; __utma=1.2.3; _ga=GA1; __utma=dup; theme=dark; nameless";
        let none = Grant::required(&config);
        assert_eq!(names_to_purge(header, &config, none), ["__utma", "_ga"]);
        let all = Grant::from_fn(&config, |_| true);
        assert!(names_to_purge(header, &config, all).is_empty());
        assert_eq!(
            cookie_names(header),
            ["PHPSESSID", "__utma", "_ga", "theme"]
        );
    }

    #[test]
    fn the_guard_drops_refused_writes_but_not_deletions() {
        let config = hesbynett();
        let none = Grant::required(&config);
        assert!(!write_allowed(
            "__utma=1; path=/; max-age=63072000",
            &config,
            none
        ));
        assert!(!write_allowed(" _ga = x", &config, none));
        assert!(write_allowed("_ga=; Max-Age=0; path=/", &config, none));
        assert!(write_allowed("_ga=; max-age=-1", &config, none));
        assert!(write_allowed("_ga=; max-age=00", &config, none));
        assert!(write_allowed(
            "_ga=x; max-age=5; Max-Age = -0 ",
            &config,
            none
        ));
        // The browser obeys the last max-age, and reads some values other than Rust would.
        assert!(!write_allowed(
            "_ga=x; max-age=0; max-age=600",
            &config,
            none
        ));
        assert!(!write_allowed("_ga=x; max-age=+0", &config, none));
        assert!(!write_allowed("_ga=x; max-age=0x0", &config, none));
        assert!(!write_allowed("_ga=x; max-age=-", &config, none));
        assert!(!write_allowed("_ga=x; max-age=", &config, none));
        assert!(!write_allowed(
            "_ga=x; max-age=-99999999999999999999",
            &config,
            none
        ));
        assert!(!write_allowed(
            "_ga=x; expires=Thu, 01 Jan 1970 00:00:00 GMT",
            &config,
            none
        ));
        assert!(write_allowed("PHPSESSID=1; path=/", &config, none));
        assert!(write_allowed("theme=dark", &config, none));
        let all = Grant::from_fn(&config, |_| true);
        assert!(write_allowed("__utma=1; path=/", &config, all));
    }

    /// The first implementation of [`domains`], kept as the model the single-pass one must match.
    fn domains_model(host: &str) -> Vec<String> {
        let host = host.strip_suffix('.').unwrap_or(host);
        let mut out = vec![String::new()];
        let bytes = host.as_bytes();
        let last_label = bytes.rsplit(|&b| b == b'.').next().unwrap_or(&[]);
        let is_ip = bytes.contains(&b':') || last_label.iter().all(u8::is_ascii_digit);
        let well_formed = bytes.iter().copied().all(is_host_byte)
            && bytes.split(|&b| b == b'.').all(|l| !l.is_empty());
        if is_ip || !well_formed || !bytes.contains(&b'.') {
            return out;
        }
        let mut rest = host;
        while let Some((_, parent)) = rest.split_once('.') {
            out.push(rest.to_owned());
            out.push(format!(".{rest}"));
            rest = parent;
        }
        out
    }

    proptest! {
        #[test]
        fn domains_match_the_model(host in "[a-c0-9.:_;\\[\\]-]{0,12}") {
            prop_assert_eq!(domains(&host), domains_model(&host));
        }

        #[test]
        fn domains_of_dotted_hosts_match_the_model(
            labels in prop::collection::vec("[ab0-9_-]{0,3}", 1..5),
            dot in any::<bool>(),
        ) {
            let host = labels.join(".") + if dot { "." } else { "" };
            prop_assert_eq!(domains(&host), domains_model(&host));
        }

        #[test]
        fn never_a_bare_tld_and_never_panics(host in "[a-z0-9.:\\[\\]-]{0,30}") {
            let d = domains(&host);
            prop_assert_eq!(d[0].as_str(), "");
            for domain in &d[1..] {
                prop_assert!(domain.trim_start_matches('.').contains('.'), "{}", domain);
            }
        }

        #[test]
        fn paths_are_prefixes_of_the_page_path(path in "/[a-z/]{0,30}") {
            for p in paths(&path) {
                prop_assert!(path.starts_with(&p), "{} {}", p, path);
            }
        }

        #[test]
        fn arbitrary_cookie_strings_never_panic(s in any::<String>()) {
            let config = hesbynett();
            let _ = names_to_purge(&s, &config, Grant::required(&config));
            let _ = write_allowed(&s, &config, Grant::required(&config));
        }
    }
}
