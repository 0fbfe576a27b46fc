//! What `build` writes, for the minimal fixture and for the real Hesbynett content.

mod common;

use samtykke_site::build;
use samtykke_site::render::{csp, Options};
use scraper::{Html, Selector};
use std::path::Path;

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

fn build_into(root: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    build::build(root, &out.path().join("dist"), &Options::default()).expect("builds");
    out
}

fn html_files(dist: &Path) -> Vec<(String, String)> {
    common::snapshot(dist)
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
        .map(|(p, b)| {
            (
                p.display().to_string(),
                String::from_utf8(b).expect("utf-8"),
            )
        })
        .collect()
}

/// Parses `html` strictly: any HTML parse error fails the test.
fn parse(path: &str, html: &str) -> Html {
    let doc = Html::parse_document(html);
    assert!(
        doc.errors.is_empty(),
        "{path} has HTML errors: {:?}",
        doc.errors
    );
    doc
}

/// The checks every page must pass, whatever the site.
fn check_page(path: &str, html: &str) {
    let doc = parse(path, html);
    let root = doc.select(&sel("html")).next().expect("html element");
    assert_eq!(root.value().attr("lang"), Some("nb"), "{path}");
    assert_eq!(doc.select(&sel("#sk-banner")).count(), 1, "{path}: banner");
    let banner = doc.select(&sel("#sk-banner")).next().expect("banner");
    for action in ["accept-all", "reject-all"] {
        let button = banner
            .select(&sel(&format!("button[data-sk=\"{action}\"]")))
            .next()
            .unwrap_or_else(|| panic!("{path}: banner lacks {action}"));
        assert_eq!(button.value().attr("type"), Some("button"));
    }
    assert_eq!(
        doc.select(&sel("dialog#sk-preferences")).count(),
        1,
        "{path}: preferences"
    );
    // C-11: optional toggles are never pre-ticked in the markup.
    for toggle in doc.select(&sel("#sk-preferences input[data-sk-category]")) {
        assert!(
            toggle.value().attr("checked").is_none(),
            "{path}: pre-ticked toggle"
        );
    }
    assert!(
        doc.select(&sel("footer button[data-sk=\"preferences\"]"))
            .next()
            .is_some(),
        "{path}: settings control in the footer"
    );

    // The gate runs, and its hash is what the CSP allows.
    let gate = samtykke_contract::GATE_JS;
    let scripts: Vec<String> = doc
        .select(&sel("script:not([type])"))
        .map(|s| s.text().collect())
        .collect();
    assert!(scripts.iter().any(|s| s == gate), "{path}: gate script");
    let meta = doc
        .select(&sel("meta[http-equiv=\"Content-Security-Policy\"]"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .expect("CSP meta");
    // Every inline script that runs, its exact text as the browser sees it, is allowed by hash.
    for script in doc.select(&sel("script:not([src])")) {
        if !matches!(script.value().attr("type"), None | Some("module")) {
            continue;
        }
        let text: String = script.text().collect();
        assert!(
            meta.contains(&common::independent_script_hash(&text)),
            "{path}: CSP lacks the hash of {text:?}"
        );
    }
    assert!(!meta.contains("unsafe-inline"), "{path}");
    assert!(!html.contains(" style=\""), "{path}: inline style");
    assert!(!html.contains(" onclick="), "{path}: inline handler");

    // Analytics is inert markup until the widget grants it.
    for script in doc.select(&sel("script[data-category]")) {
        assert_eq!(
            script.value().attr("type"),
            Some("text/plain"),
            "{path}: gated script must not run"
        );
        assert!(script.value().attr("src").is_none(), "{path}");
    }
    let config = doc
        .select(&sel("script#samtykke-config"))
        .next()
        .expect("config");
    let config: samtykke_contract::config::WidgetConfig =
        serde_json::from_str(&config.text().collect::<String>())
            .expect("config is the widget's schema");
    assert_eq!(config.version, samtykke_contract::config::SCHEMA_VERSION);
}

#[test]
fn the_minimal_site_has_every_file_and_every_page_passes() {
    let site = common::site_with(&[]);
    let out = build_into(site.path());
    let dist = out.path().join("dist");
    for file in [
        "index.html",
        "personvern/index.html",
        "informasjonskapsler/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "_headers",
    ] {
        assert!(dist.join(file).is_file(), "missing {file}");
    }
    for (path, html) in html_files(&dist) {
        check_page(&path, &html);
    }

    let index = std::fs::read_to_string(dist.join("index.html")).expect("index");
    let doc = parse("index.html", &index);
    let canonical = doc
        .select(&sel("link[rel=canonical]"))
        .next()
        .and_then(|l| l.value().attr("href"));
    assert_eq!(canonical, Some("https://test.example.no/"));
    let css = doc
        .select(&sel("link[rel=stylesheet]"))
        .next()
        .and_then(|l| l.value().attr("href"))
        .expect("css");
    assert!(
        css.starts_with("/style.") && css.ends_with(".css") && css.len() > "/style..css".len(),
        "{css}"
    );
    assert!(
        dist.join(css.trim_start_matches('/')).is_file(),
        "the fingerprinted stylesheet exists"
    );
    let personvern = std::fs::read_to_string(dist.join("personvern/index.html")).expect("page");
    let personvern = parse("personvern", &personvern);
    let current: Vec<&str> = personvern
        .select(&sel("nav a[aria-current=page]"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(
        current,
        ["/personvern/"],
        "exactly the page's own menu item is current"
    );
    // The internal link was resolved.
    assert!(doc
        .select(&sel("a[href=\"/personvern/\"]"))
        .next()
        .is_some());

    let sitemap = std::fs::read_to_string(dist.join("sitemap.xml")).expect("sitemap");
    assert!(
        sitemap.contains("<loc>https://test.example.no/personvern/</loc>"),
        "{sitemap}"
    );
    let robots = std::fs::read_to_string(dist.join("robots.txt")).expect("robots");
    assert!(robots.contains("Sitemap: https://test.example.no/sitemap.xml"));
    let headers = std::fs::read_to_string(dist.join("_headers")).expect("_headers");
    assert!(headers.contains("frame-ancestors 'none'"));
}

#[test]
fn base_url_can_be_overridden() {
    let site = common::site_with(&[]);
    let out = tempfile::tempdir().expect("tempdir");
    let options = Options {
        base_url: Some("http://127.0.0.1:8080/".into()),
        ..Options::default()
    };
    build::build(site.path(), &out.path().join("dist"), &options).expect("builds");
    let index = std::fs::read_to_string(out.path().join("dist/index.html")).expect("index");
    assert!(
        index.contains(r#"<link rel="canonical" href="http://127.0.0.1:8080/">"#),
        "{index}"
    );
}

#[test]
fn cookie_tables_come_from_the_inventory() {
    let site = common::site_with(&[]);
    let out = build_into(site.path());
    let html = std::fs::read_to_string(out.path().join("dist/informasjonskapsler/index.html"))
        .expect("page");
    let doc = parse("informasjonskapsler", &html);
    let main = doc.select(&sel("main")).next().expect("main");
    let names: Vec<String> = main
        .select(&sel("table code"))
        .map(|c| c.text().collect())
        .collect();
    // cookie_tables() lists both, cookie_table(category="analytics") lists __utma again.
    assert_eq!(names, ["PHPSESSID", "__utma", "__utma"]);
}

#[test]
fn the_widget_is_fingerprinted_loaded_and_allowed_by_the_csp() {
    let site = common::site_with(&[]);
    let out = tempfile::tempdir().expect("tempdir");
    let widget = samtykke_site::render::WidgetBundle {
        js: b"export default function(){}".to_vec(),
        wasm: b"\0asm".to_vec(),
    };
    let options = Options {
        widget: Some(widget),
        ..Options::default()
    };
    build::build(site.path(), &out.path().join("dist"), &options).expect("builds");
    let dist = out.path().join("dist");
    let index = std::fs::read_to_string(dist.join("index.html")).expect("index");
    let doc = parse("index.html", &index);
    let loader: String = doc
        .select(&sel("script[type=module]"))
        .next()
        .expect("loader")
        .text()
        .collect();
    let js = loader.split('"').nth(1).expect("js url");
    let wasm = loader.split('"').nth(3).expect("wasm url");
    assert!(
        js.starts_with("/samtykke.") && js.ends_with(".js"),
        "{loader}"
    );
    assert!(
        wasm.starts_with("/samtykke.") && wasm.ends_with(".wasm"),
        "{loader}"
    );
    assert_eq!(
        std::fs::read(dist.join(&wasm[1..])).expect("wasm written"),
        b"\0asm"
    );
    assert!(
        index.contains(&common::independent_script_hash(&loader)),
        "the CSP allows the loader"
    );
}

#[test]
fn the_hesbynett_site_builds_and_lists_all_17_cookies_in_their_categories() {
    let out = build_into(&common::repo_root());
    let dist = out.path().join("dist");
    let pages = html_files(&dist);
    assert_eq!(
        pages.len(),
        5,
        "four pages and 404: {:?}",
        pages.iter().map(|p| &p.0).collect::<Vec<_>>()
    );
    for (path, html) in &pages {
        check_page(path, html);
    }
    let html =
        std::fs::read_to_string(dist.join("informasjonskapsler/index.html")).expect("cookie page");
    let doc = parse("informasjonskapsler", &html);
    let main = doc.select(&sel("main")).next().expect("main");
    let in_table = |category_title: &str| -> Vec<String> {
        let section = main
            .select(&sel("section"))
            .find(|s| {
                s.select(&sel("h2, h3"))
                    .next()
                    .is_some_and(|h| h.text().collect::<String>().trim() == category_title)
            })
            .unwrap_or_else(|| panic!("no section titled {category_title}"));
        section
            .select(&sel("table code"))
            .map(|c| c.text().collect())
            .collect()
    };
    let necessary = in_table("Nødvendige");
    let analytics = in_table("Statistikk");
    for name in [
        "PHPSESSID",
        "roundcube_sessid",
        "roundcube_sessauth",
        "mailviewsplitter",
        "mailviewsplitterv",
        "MstrPgLd1",
        "MstrPgLd2",
        "OutlookSession",
        "PBack",
        "UserContext",
        "tzid",
        "sessionid",
        "cadata",
    ] {
        assert!(
            necessary.iter().any(|n| n == name),
            "{name} is necessary: {necessary:?}"
        );
    }
    assert_eq!(analytics, ["__utma", "__utmb", "__utmc", "__utmz"]);
    assert_eq!(
        necessary.len() + analytics.len(),
        18,
        "17 cookies of the seed and the consent record"
    );
}

/// Known answers, computed outside the code with
/// `printf %s "$text" | openssl dgst -sha256 -binary | base64`: the generator's hash and the
/// tests' own helper must both give them.
#[test]
fn script_hashes_match_known_answers_from_openssl() {
    let known = [
        (
            "import init from \"/samtykke.js\";",
            "'sha256-lCg6FIuLPGZ68bs3TKCdF++y/WWY0tOg2PJdMRmwe+A='",
        ),
        ("", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"),
        (
            "æøå",
            "'sha256-bCKM26iVSKGvGY8zgZU2Qi+wG2blH3Yc8uw40ftBeKY='",
        ),
    ];
    for (text, hash) in known {
        assert_eq!(csp::script_hash(text), hash, "{text:?}");
        assert_eq!(common::independent_script_hash(text), hash, "{text:?}");
    }
}

/// `[consent] receipts_url`: the endpoint reaches the widget's configuration and the CSP's
/// `connect-src` (nothing else of the policy widens), the preferences get a place for the
/// consent id, and `samtykke/revisions.json` is what the receipts service reads. A site without
/// it names no endpoint anywhere.
#[test]
fn a_receipts_url_reaches_the_widget_the_csp_and_the_revisions_file() {
    let plain = common::site_with(&[]);
    let out = build_into(plain.path());
    let dist = out.path().join("dist");
    let index = std::fs::read_to_string(dist.join("index.html")).expect("index");
    assert!(!index.contains("receipts_url") && !index.contains("sk-id"));
    let plain_csp = csp_of(&index);
    // The file is written on every build, so a service can be set up before the widget points at it.
    assert!(dist.join("samtykke/revisions.json").is_file());

    let toml = std::fs::read_to_string(common::fixture("minimal/content/site.toml")).expect("toml");
    let toml = toml
        .replace(
            "[consent]\n",
            "[consent]\nreceipts_url = \"https://samtykke.example.no/v1/receipts\"\n",
        )
        .replace(
            "[consent.texts]\n",
            "[consent.texts]\nconsent_id = { nb = \"Samtykke-ID\" }\n",
        );
    let site = common::site_with(&[("content/site.toml", &toml)]);
    let out = build_into(site.path());
    let dist = out.path().join("dist");
    let index = std::fs::read_to_string(dist.join("index.html")).expect("index");
    let doc = parse("index.html", &index);
    let config = doc
        .select(&sel("script#samtykke-config"))
        .next()
        .map(|s| s.text().collect::<String>())
        .expect("config");
    let config = samtykke_contract::config::WidgetConfig::from_json(&config).expect("valid");
    assert_eq!(
        config.receipts_url.as_deref(),
        Some("https://samtykke.example.no/v1/receipts")
    );
    let csp = csp_of(&index);
    assert_eq!(
        csp,
        plain_csp.replace(
            "connect-src 'self' https://www.google-analytics.com;",
            "connect-src 'self' https://www.google-analytics.com https://samtykke.example.no;"
        ),
        "only connect-src gains the service's origin"
    );
    let line = doc
        .select(&sel("#sk-preferences p.sk-id[hidden]"))
        .next()
        .expect("the consent id line, hidden until the widget fills it");
    assert!(line.text().collect::<String>().starts_with("Samtykke-ID:"));
    assert!(line.select(&sel("code#sk-id")).next().is_some());

    let revisions = std::fs::read_to_string(dist.join("samtykke/revisions.json")).expect("file");
    let revisions: serde_json::Value = serde_json::from_str(&revisions).expect("JSON");
    assert_eq!(revisions["version"], 1);
    assert_eq!(revisions["current"]["revision"], config.revision.as_str());
    assert_eq!(
        revisions["current"]["policy_version"],
        config.policy_version.as_str()
    );
    let optional: Vec<&str> = config.optional_categories().collect();
    assert_eq!(
        revisions["current"]["categories"],
        serde_json::json!(optional)
    );
    #[cfg(feature = "receipts")]
    {
        let text = std::fs::read_to_string(dist.join("samtykke/revisions.json")).expect("file");
        let parsed = samtykke_receipts::revisions::RevisionsFile::parse(&text)
            .expect("the receipts service reads what the generator writes");
        assert_eq!(parsed.current.expiry_days, config.expiry_days);
    }
}

/// The `<meta>` Content-Security-Policy of a page.
fn csp_of(html: &str) -> String {
    parse("page", html)
        .select(&sel("meta[http-equiv=\"Content-Security-Policy\"]"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .expect("a CSP")
        .to_owned()
}
