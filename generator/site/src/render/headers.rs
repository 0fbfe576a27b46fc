//! The HTTP headers the published site wants, as one model, written for three kinds of host:
//! `_headers` (Netlify, Cloudflare Pages), `.htaccess` (Apache 2.4, also where only
//! `.htaccess` is allowed) and an nginx snippet to `include` inside a `server {}` whose `root`
//! is the output folder. One model, so the three cannot drift apart.
//!
//! Path classes: HTML pages (and the 404 page) must be revalidated on every visit, so an edit is
//! seen at once; fingerprinted assets never change under their name, so they are cached for a
//! year; anything else (sitemap, robots.txt, favicon) is cached briefly.

use super::csp;

/// The three files, at these paths in the output.
pub const HEADERS_FILE: &str = "_headers";
pub const HTACCESS_FILE: &str = ".htaccess";
/// A dotfile: Apache's default configuration and the snippet itself refuse to serve it, and
/// static hosts that publish dotfiles gain nothing from it but the headers they already send.
pub const NGINX_FILE: &str = ".nginx.conf";

/// The error page every server is told to use.
pub const NOT_FOUND_PAGE: &str = "/404.html";

/// Extensions that get `.br` and `.gz` siblings (see `compress`); the servers map those back.
pub const COMPRESSIBLE: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    ("js", "text/javascript; charset=utf-8"),
    ("wasm", "application/wasm"),
    ("svg", "image/svg+xml"),
    ("xml", "application/xml; charset=utf-8"),
    ("txt", "text/plain; charset=utf-8"),
];

/// Fingerprinted names are `stem.<10 hex>.ext` (see `assets::fingerprinted`); the servers match
/// this pattern, the `_headers` file lists the exact paths.
pub const FINGERPRINT_PATTERN: &str = r"\.[0-9a-f]{10}\.(css|js|wasm)";

pub const CACHE_HTML: &str = "no-cache";
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const CACHE_OTHER: &str = "public, max-age=3600";

/// Features the site never uses, switched off for it and anything it embeds. Only features
/// browsers know: an unknown name is logged as an error in the console.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()";

/// `[headers]` in site.toml, as far as the headers depend on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `Strict-Transport-Security`; `None` leaves it out.
    pub hsts: Option<String>,
    /// The path the site is published below (`/samtykke`, or `""` at the root of its host):
    /// the error page and the exact asset paths are URLs, so they carry it.
    pub prefix: String,
}

impl Settings {
    /// HSTS is on by default when the site is published over https; `hsts = false` turns it off
    /// (for a site that must stay reachable over http), `hsts = true` forces it.
    pub fn from_config(config: &crate::content::site::HeadersConfig, base_url: &str) -> Settings {
        let on = config
            .hsts
            .unwrap_or_else(|| base_url.to_ascii_lowercase().starts_with("https://"));
        let hsts = on.then(|| {
            let mut value = format!("max-age={}", config.hsts_max_age);
            if config.hsts_include_subdomains {
                value.push_str("; includeSubDomains");
            }
            value
        });
        Settings {
            hsts,
            prefix: super::prefix::of_text(base_url),
        }
    }
}

/// Headers per path class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// On every response, errors included.
    pub security: Vec<(&'static str, String)>,
    /// Exact paths of the fingerprinted assets (`/style.3f2a9c1b0d.css`), for `_headers`.
    pub fingerprinted: Vec<String>,
    /// The error page's URL path: [`NOT_FOUND_PAGE`] below the site's prefix.
    pub not_found: String,
    /// See [`Settings::prefix`].
    pub prefix: String,
}

/// Whether an output path is a fingerprinted asset.
pub fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts = name.rsplitn(3, '.');
    let ext = parts.next().unwrap_or_default();
    let hash = parts.next().unwrap_or_default();
    parts.next().is_some_and(|stem| !stem.is_empty())
        && matches!(ext, "css" | "js" | "wasm")
        && hash.len() == 10
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Model {
    pub fn new<'a>(
        policy: &csp::Policy,
        settings: &Settings,
        paths: impl Iterator<Item = &'a String>,
    ) -> Model {
        let mut security = vec![("Content-Security-Policy", policy.header())];
        if let Some(hsts) = &settings.hsts {
            security.push(("Strict-Transport-Security", hsts.clone()));
        }
        security.extend([
            ("X-Content-Type-Options", "nosniff".to_owned()),
            (
                "Referrer-Policy",
                "strict-origin-when-cross-origin".to_owned(),
            ),
            ("Cross-Origin-Opener-Policy", "same-origin".to_owned()),
            ("Permissions-Policy", PERMISSIONS_POLICY.to_owned()),
            ("X-Frame-Options", "DENY".to_owned()),
        ]);
        let fingerprinted = paths
            .filter(|p| is_fingerprinted(p))
            .map(|p| format!("{}/{p}", settings.prefix))
            .collect();
        Model {
            security,
            fingerprinted,
            not_found: format!("{}{NOT_FOUND_PAGE}", settings.prefix),
            prefix: settings.prefix.clone(),
        }
    }

    /// `_headers` for Netlify and Cloudflare Pages. Both join the values of a header that several
    /// rules set, so `Cache-Control` is set only by the specific rules, never under `/*`; pages
    /// keep the host's own default (revalidate), which is what `no-cache` asks of the others.
    pub fn netlify(&self) -> String {
        let mut out = String::from("/*\n");
        for (name, value) in &self.security {
            out.push_str(&format!("  {name}: {value}\n"));
        }
        out.push_str(&format!(
            "\n{}\n  Cache-Control: {CACHE_HTML}\n",
            self.not_found
        ));
        for path in &self.fingerprinted {
            out.push_str(&format!("\n{path}\n  Cache-Control: {CACHE_IMMUTABLE}\n"));
            if path.ends_with(".wasm") {
                out.push_str("  Content-Type: application/wasm\n");
            }
        }
        out
    }

    /// `.htaccess` for Apache 2.4. Every module's part sits in `<IfModule>`, so a host without
    /// one serves the site with fewer headers rather than a 500. mod_mime maps `x.css.br` to
    /// type `text/css` with encoding `br` (each extension counts); mod_rewrite picks the
    /// precompressed sibling the browser accepts.
    pub fn apache(&self) -> String {
        let mut out = String::from(
            "# Written by samtykke build: headers, compression and the error page for Apache 2.4.\n\
             # Needs AllowOverride FileInfo Indexes (or All). Regenerated on every build.\n\n",
        );
        out.push_str(&format!("ErrorDocument 404 {}\n", self.not_found));
        out.push_str("DirectoryIndex index.html\n\n");
        out.push_str("<IfModule mod_mime.c>\n  RemoveType .br .gz\n  AddEncoding br .br\n  AddEncoding gzip .gz\n");
        for (ext, mime) in COMPRESSIBLE {
            let (bare, charset) = match mime.split_once("; charset=") {
                Some((bare, charset)) => (bare, Some(charset)),
                None => (*mime, None),
            };
            out.push_str(&format!("  AddType {bare} .{ext}\n"));
            if let Some(charset) = charset {
                out.push_str(&format!("  AddCharset {charset} .{ext}\n"));
            }
        }
        out.push_str("</IfModule>\n\n");

        let compressible = COMPRESSIBLE
            .iter()
            .map(|(ext, _)| *ext)
            .collect::<Vec<_>>()
            .join("|");
        out.push_str("<IfModule mod_rewrite.c>\n  RewriteEngine On\n");
        out.push_str(&format!(
            "  # The configuration files are for the servers, not for visitors.\n  RewriteRule \"(^|/)(\\.htaccess|{}|{})$\" - [R=404,L]\n",
            regex_escape(HEADERS_FILE),
            regex_escape(NGINX_FILE)
        ));
        for (encoding, suffix) in [("br", "br"), ("gzip", "gz")] {
            out.push_str(&format!(
                "  RewriteCond \"%{{HTTP:Accept-Encoding}}\" \"\\b{encoding}\\b\"\n  RewriteCond \"%{{REQUEST_FILENAME}}.{suffix}\" -f\n  RewriteRule \"^(.*\\.({compressible}))$\" \"$1.{suffix}\" [END,E=no-gzip:1]\n"
            ));
            out.push_str(&format!(
                "  RewriteCond \"%{{HTTP:Accept-Encoding}}\" \"\\b{encoding}\\b\"\n  RewriteCond \"%{{REQUEST_FILENAME}}index.html.{suffix}\" -f\n  RewriteRule \"^(.*/)?$\" \"$1index.html.{suffix}\" [END,E=no-gzip:1]\n"
            ));
        }
        out.push_str("</IfModule>\n\n");

        out.push_str("<IfModule mod_headers.c>\n");
        for (name, value) in &self.security {
            out.push_str(&format!("  Header always set {name} \"{value}\"\n"));
        }
        out.push_str(&format!(
            "  Header set Cache-Control \"{CACHE_OTHER}\"\n  <FilesMatch \"\\.html(\\.br|\\.gz)?$\">\n    Header set Cache-Control \"{CACHE_HTML}\"\n  </FilesMatch>\n  <FilesMatch \"{FINGERPRINT_PATTERN}(\\.br|\\.gz)?$\">\n    Header set Cache-Control \"{CACHE_IMMUTABLE}\"\n  </FilesMatch>\n  <FilesMatch \"\\.({compressible})(\\.br|\\.gz)?$\">\n    Header merge Vary Accept-Encoding\n  </FilesMatch>\n"
        ));
        out.push_str("</IfModule>\n");
        out
    }

    /// The nginx snippet, for `include` inside `server { root …/dist; }`.
    ///
    /// Debian's nginx has `gzip_static` but no `brotli_static`, so `.br` is chosen here: in
    /// the server's rewrite phase (which runs again after every internal redirect, so also for
    /// the index file and the error page) a request for `x.css` from a browser that accepts
    /// brotli is rewritten to `x.css.br` when that file exists, and a location per extension
    /// gives it its type and `Content-Encoding`. `add_header` in a location replaces the
    /// server's, so every location repeats the full set.
    pub fn nginx(&self) -> String {
        let mut out = if self.prefix.is_empty() {
            String::from(
                "# Written by samtykke build: include inside `server { root <this folder>; … }`.\n",
            )
        } else {
            // nginx maps a URL to `root` + path, so the folder must sit at the prefix's path.
            format!(
                "# Written by samtykke build: the site is published below {prefix}/, so place this folder at\n\
                 # <root>{prefix} and include this file inside `server {{ root <root>; … }}`.\n",
                prefix = self.prefix
            )
        };
        out.push_str("# Regenerated on every build; reload nginx after publishing.\n\n");
        out.push_str(&format!(
            "index index.html;\nerror_page 404 {};\ncharset utf-8;\ngzip_static on;\ngzip_vary on;\n\n",
            self.not_found
        ));
        out.push_str(&format!(
            "set $samtykke_cache \"{CACHE_OTHER}\";\nif ($uri ~ \"(\\.html|/)$\") {{\n  set $samtykke_cache \"{CACHE_HTML}\";\n}}\nif ($uri ~ \"{FINGERPRINT_PATTERN}$\") {{\n  set $samtykke_cache \"{CACHE_IMMUTABLE}\";\n}}\n"
        ));
        let compressible = COMPRESSIBLE
            .iter()
            .map(|(ext, _)| *ext)
            .collect::<Vec<_>>()
            .join("|");
        out.push_str(&format!(
            "set $samtykke_br \"\";\nif ($http_accept_encoding ~ \"\\bbr\\b\") {{\n  set $samtykke_br \"A\";\n}}\nif (-f $request_filename.br) {{\n  set $samtykke_br \"${{samtykke_br}}B\";\n}}\nif ($uri !~ \"\\.({compressible})$\") {{\n  set $samtykke_br \"\";\n}}\nif ($samtykke_br = \"AB\") {{\n  rewrite ^(.*)$ $1.br last;\n}}\n\n"
        ));

        let mut headers = String::new();
        for (name, value) in &self.security {
            headers.push_str(&format!("  add_header {name} \"{value}\" always;\n"));
        }
        headers.push_str("  add_header Cache-Control $samtykke_cache;\n");

        out.push_str(&format!(
            "# The configuration files are for the servers, not for visitors.\nlocation ~ \"(^|/)(\\.htaccess|{}|{})$\" {{\n  return 404;\n}}\n\n",
            regex_escape(HEADERS_FILE),
            regex_escape(NGINX_FILE)
        ));
        for (ext, mime) in COMPRESSIBLE {
            out.push_str(&format!(
                "location ~ \"\\.{ext}\\.br$\" {{\n  types {{ }}\n  default_type \"{mime}\";\n  gzip off;\n  gzip_static off;\n{headers}  add_header Content-Encoding br;\n  add_header Vary Accept-Encoding;\n}}\n"
            ));
        }
        out.push_str(&format!(
            "\nlocation ~ \"\\.wasm$\" {{\n  types {{ }}\n  default_type application/wasm;\n{headers}}}\n\nlocation / {{\n{headers}}}\n"
        ));
        out
    }
}

/// A fixed file name as a regex that matches only it.
fn regex_escape(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() && c != '_' && c != '-' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The three files, keyed by their output path.
pub fn files(model: &Model) -> [(String, Vec<u8>); 3] {
    [
        (HEADERS_FILE.to_owned(), model.netlify().into_bytes()),
        (HTACCESS_FILE.to_owned(), model.apache().into_bytes()),
        (NGINX_FILE.to_owned(), model.nginx().into_bytes()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::site::HeadersConfig;

    fn model(base_url: &str, config: &HeadersConfig) -> Model {
        let mut policy = csp::Policy::default();
        policy.allow_script("x");
        let paths = [
            "index.html".to_owned(),
            "style.0123456789.css".to_owned(),
            "samtykke.abcdef0123.wasm".to_owned(),
            "favicon.svg".to_owned(),
        ];
        Model::new(
            &policy,
            &Settings::from_config(config, base_url),
            paths.iter(),
        )
    }

    #[test]
    fn fingerprinted_names_are_recognised_exactly() {
        assert!(is_fingerprinted("style.0123456789.css"));
        assert!(is_fingerprinted("a/samtykke.abcdef0123.wasm"));
        for name in [
            "style.css",
            ".0123456789.css",
            "style.012345678.css",
            "style.0123456789A.css",
            "style.ABCDEF0123.css",
            "style.0123456789.html",
        ] {
            assert!(!is_fingerprinted(name), "{name}");
        }
    }

    #[test]
    fn hsts_follows_the_scheme_unless_configured() {
        let default = HeadersConfig::default();
        assert_eq!(
            Settings::from_config(&default, "https://x.no")
                .hsts
                .as_deref(),
            Some("max-age=31536000")
        );
        assert_eq!(Settings::from_config(&default, "http://x.no").hsts, None);
        let off = HeadersConfig {
            hsts: Some(false),
            ..HeadersConfig::default()
        };
        assert_eq!(Settings::from_config(&off, "https://x.no").hsts, None);
        let sub = HeadersConfig {
            hsts: Some(true),
            hsts_max_age: 600,
            hsts_include_subdomains: true,
        };
        assert_eq!(
            Settings::from_config(&sub, "http://x.no").hsts.as_deref(),
            Some("max-age=600; includeSubDomains")
        );
    }

    #[test]
    fn every_writer_carries_every_security_header() {
        let m = model("https://x.no", &HeadersConfig::default());
        let names: Vec<&str> = m.security.iter().map(|(n, _)| *n).collect();
        for wanted in [
            "Content-Security-Policy",
            "Strict-Transport-Security",
            "Referrer-Policy",
            "X-Content-Type-Options",
            "Cross-Origin-Opener-Policy",
            "Permissions-Policy",
        ] {
            assert!(names.contains(&wanted), "{wanted}");
        }
        for (writer, text) in [
            ("_headers", m.netlify()),
            (".htaccess", m.apache()),
            ("nginx", m.nginx()),
        ] {
            for (name, value) in &m.security {
                assert!(
                    text.contains(name) && text.contains(value.as_str()),
                    "{writer} lacks {name}"
                );
            }
            assert!(text.contains("frame-ancestors 'none'"), "{writer}");
            assert!(!text.contains("interest-cohort"), "{writer}");
            assert!(text.contains(CACHE_IMMUTABLE), "{writer}");
            assert!(text.contains("application/wasm"), "{writer}");
            assert!(text.contains(NOT_FOUND_PAGE), "{writer}");
        }
    }

    #[test]
    fn a_site_below_a_path_names_its_error_page_and_assets_below_it() {
        let m = model(
            "https://hesbynett.github.io/samtykke/",
            &HeadersConfig::default(),
        );
        assert_eq!(m.not_found, "/samtykke/404.html");
        let netlify = m.netlify();
        assert!(netlify.contains("\n/samtykke/404.html\n"), "{netlify}");
        assert!(
            netlify.contains("\n/samtykke/style.0123456789.css\n"),
            "{netlify}"
        );
        assert!(!netlify.contains("\n/style."), "{netlify}");
        assert!(m
            .apache()
            .contains("ErrorDocument 404 /samtykke/404.html\n"));
        let nginx = m.nginx();
        assert!(
            nginx.contains("error_page 404 /samtykke/404.html;"),
            "{nginx}"
        );
        assert!(nginx.contains("<root>/samtykke"), "{nginx}");
        // At the root of a host, nothing changes.
        let root = model("https://x.no/", &HeadersConfig::default());
        assert_eq!(root.not_found, NOT_FOUND_PAGE);
        assert!(root.apache().contains("ErrorDocument 404 /404.html\n"));
    }

    #[test]
    fn netlify_sets_cache_control_only_for_specific_paths() {
        let text = model("https://x.no", &HeadersConfig::default()).netlify();
        let (all, rest) = text.split_once("\n\n").expect("sections");
        assert!(!all.contains("Cache-Control"), "{all}");
        assert!(
            rest.contains(
                "/style.0123456789.css\n  Cache-Control: public, max-age=31536000, immutable"
            ),
            "{rest}"
        );
        assert!(
            rest.contains("/samtykke.abcdef0123.wasm\n  Cache-Control: public, max-age=31536000, immutable\n  Content-Type: application/wasm"),
            "{rest}"
        );
        assert!(!rest.contains("favicon"), "{rest}");
        assert_eq!(text.matches("Content-Security-Policy").count(), 1);
    }

    #[test]
    fn apache_degrades_without_modules_and_refuses_config_files() {
        let text = model("https://x.no", &HeadersConfig::default()).apache();
        // Outside any <IfModule> only core directives: everything else must be guarded.
        let mut depth = 0;
        for line in text.lines().map(str::trim) {
            if line.starts_with("<IfModule") {
                depth += 1;
            } else if line.starts_with("</IfModule") {
                depth -= 1;
            } else if depth == 0 && !line.is_empty() && !line.starts_with('#') {
                assert!(
                    line.starts_with("ErrorDocument") || line.starts_with("DirectoryIndex"),
                    "unguarded: {line}"
                );
            }
        }
        assert_eq!(depth, 0);
        assert!(
            text.contains(r#"RewriteRule "(^|/)(\.htaccess|_headers|\.nginx\.conf)$" - [R=404,L]"#)
        );
    }

    #[test]
    fn nginx_repeats_the_headers_in_every_location() {
        let text = model("http://x.no", &HeadersConfig::default()).nginx();
        let locations = text.matches("location ").count();
        // The refusing location sends none: it only answers 404 through the error page.
        assert_eq!(
            text.matches("add_header Content-Security-Policy").count(),
            locations - 1
        );
        assert!(!text.contains("Strict-Transport-Security"));
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }
}
