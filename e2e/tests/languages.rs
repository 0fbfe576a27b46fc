//! A site in Bokmål, Nynorsk and English (generator/tests/fixtures/languages), built with the
//! compiled widget, served on loopback, in headless Chromium: each language's pages show the
//! interface in that language and no text of another language's built-in list, `<html lang>`
//! is right, axe-core finds nothing (its `valid-lang` and `html-has-lang` included), with the
//! banner and with the preferences open; and one answer on `/` holds on `/en/` and `/nn/`.

use samtykke_audit::browser::Chromium;
use samtykke_audit::tab::Tab;
use samtykke_serve::http::{Files, Server};
use samtykke_site::i18n;
use samtykke_site::render::{Options, WidgetBundle};
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

struct Site {
    _root: tempfile::TempDir,
    server: Server,
}

impl Site {
    /// Builds the fixture with the embedded widget and serves it on 127.0.0.1.
    fn start() -> Site {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/languages");
        let root = tempfile::tempdir().expect("tempdir");
        copy_dir(&fixture.join("content"), &root.path().join("content"));
        let files: Files = Arc::new(RwLock::new(Default::default()));
        let server = Server::start(Arc::clone(&files), 0, None).expect("start the site");
        let options = Options {
            base_url: Some(format!("http://127.0.0.1:{}", server.addr().port())),
            widget: Some(WidgetBundle::embedded()),
            ..Options::default()
        };
        let site = samtykke_site::model::load(root.path()).unwrap_or_else(|e| panic!("{e}"));
        let rendered =
            samtykke_site::render::render(&site, &options).unwrap_or_else(|e| panic!("{e}"));
        *files.write().expect("files") = rendered.files;
        Site {
            _root: root,
            server,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.server.addr().port())
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    tab.evaluate(js, true)
        .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
}

/// Waits until `js` is true; a minute is a hang, not a slow machine.
fn wait_for(tab: &Tab, js: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if eval(tab, js).as_bool() == Some(true) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn open(tab: &Tab, url: &str) {
    tab.navigate(url)
        .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    wait_for(
        tab,
        "typeof window.samtykke === 'object' && window.samtykke !== null",
        "the widget to start",
    );
}

fn click(tab: &Tab, selector: &str) {
    tab.click(selector)
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

const BANNER_SHOWN: &str = r#"(function(){var b=document.getElementById("sk-banner");return !!b && getComputedStyle(b).display!=="none" && b.getBoundingClientRect().height>0})()"#;

/// Every built-in text of `lang`.
fn builtin_texts(lang: &str) -> Vec<String> {
    let b = i18n::builtin(lang).expect("built in");
    b.consent
        .values()
        .chain(b.labels.values())
        .chain(
            b.categories
                .values()
                .flat_map(|c| [&c.title, &c.description]),
        )
        .cloned()
        .collect()
}

/// The built-in texts of the other languages that `lang` does not share: none may be seen.
fn foreign_texts(lang: &str) -> Vec<String> {
    let own = builtin_texts(lang);
    let mut foreign: Vec<String> = i18n::languages()
        .filter(|l| *l != lang)
        .flat_map(builtin_texts)
        .filter(|t| !own.contains(t))
        .collect();
    foreign.sort();
    foreign.dedup();
    foreign
}

/// Which of `texts` the visible text of the page (plus `aria-label`s, which a screen reader
/// reads) holds as whole words: "Part" is not found in "Party".
fn visible_among(tab: &Tab, texts: &[String]) -> Vec<String> {
    let list = serde_json::to_string(texts).expect("JSON");
    let found = eval(
        tab,
        &format!(
            r#"(function(){{
  var seen = document.body.innerText + "\n" + Array.from(document.querySelectorAll("[aria-label]")).map(function(e){{return e.getAttribute("aria-label")}}).join("\n");
  return {list}.filter(function(t){{
    var escaped = t.replace(/[.*+?^${{}}()|[\]\\]/g, "\\$&");
    return new RegExp("(?<![\\p{{L}}\\p{{N}}])" + escaped + "(?![\\p{{L}}\\p{{N}}])", "u").test(seen);
  }});
}})()"#
        ),
    );
    serde_json::from_value(found).expect("a list")
}

/// axe-core on the whole page, as it is now: each violation's id and first nodes.
fn axe_violations(tab: &Tab) -> Vec<String> {
    if eval(tab, "typeof window.axe === 'object'").as_bool() != Some(true) {
        tab.evaluate(samtykke_audit::AXE_JS, false)
            .expect("inject axe-core");
    }
    let found = eval(
        tab,
        "axe.run(document, { resultTypes: ['violations'] }).then(function(r){ return r.violations.map(function(v){ return v.id + ': ' + v.nodes.slice(0, 3).map(function(n){ return n.target.join(' '); }).join(', '); }); })",
    );
    serde_json::from_value(found).expect("a list")
}

#[test]
fn each_language_shows_its_own_interface_only_and_axe_finds_nothing() {
    let site = Site::start();
    let chromium = Chromium::launch().expect("launch Chromium");
    for (path, lang) in [
        ("/", "nb"),
        ("/nn/", "nn"),
        ("/en/", "en"),
        ("/personvern/", "nb"),
        ("/nn/informasjonskapslar/", "nn"),
        ("/en/cookies/", "en"),
        ("/en/privacy/", "en"),
    ] {
        // A fresh context each time: a first visit, with the banner up.
        let tab = chromium.new_tab().expect("new tab");
        open(&tab, &site.url(path));
        assert_eq!(
            eval(&tab, "document.documentElement.lang").as_str(),
            Some(lang),
            "{path}: <html lang>"
        );
        assert_eq!(eval(&tab, BANNER_SHOWN).as_bool(), Some(true), "{path}");
        let b = i18n::builtin(lang).expect("built in");
        // The banner and the footer, in the page's language.
        let own: Vec<String> = [
            &b.consent["banner_title"],
            &b.consent["accept_all"],
            &b.consent["reject_all"],
            &b.consent["customize"],
            &b.consent["settings_button"],
            &b.labels["nav_label"],
            &b.labels["footer_label"],
        ]
        .into_iter()
        .cloned()
        .collect();
        assert_eq!(visible_among(&tab, &own), own, "{path}: banner and footer");
        let foreign = foreign_texts(lang);
        assert_eq!(
            visible_among(&tab, &foreign),
            Vec::<String>::new(),
            "{path}: another language's texts on a `{lang}` page"
        );
        assert_eq!(
            axe_violations(&tab),
            Vec::<String>::new(),
            "{path}: axe, banner up"
        );

        // The preferences, in the page's language too.
        click(&tab, r#"#sk-banner [data-sk="preferences"]"#);
        wait_for(
            &tab,
            "document.getElementById('sk-preferences').open === true",
            "the preferences to open",
        );
        let own: Vec<String> = [
            &b.consent["preferences_title"],
            &b.consent["preferences_intro"],
            &b.consent["save"],
            &b.consent["close"],
            &b.consent["always_on"],
            &b.categories["necessary"].title,
            &b.categories["analytics"].description,
        ]
        .into_iter()
        .cloned()
        .collect();
        assert_eq!(visible_among(&tab, &own), own, "{path}: preferences");
        assert_eq!(
            visible_among(&tab, &foreign),
            Vec::<String>::new(),
            "{path}: another language's texts in the preferences"
        );
        assert_eq!(
            axe_violations(&tab),
            Vec::<String>::new(),
            "{path}: axe, preferences open"
        );
    }
}

#[test]
fn consent_given_in_bokmal_holds_in_nynorsk_and_english() {
    let site = Site::start();
    let chromium = Chromium::launch().expect("launch Chromium");
    let tab = chromium.new_tab().expect("new tab");
    open(&tab, &site.url("/"));
    assert_eq!(eval(&tab, BANNER_SHOWN).as_bool(), Some(true));
    click(&tab, r#"#sk-banner [data-sk="accept-all"]"#);
    wait_for(
        &tab,
        "localStorage.getItem('samtykke') !== null",
        "the consent record",
    );
    let record = eval(&tab, "localStorage.getItem('samtykke')");
    assert!(
        record.as_str().is_some_and(|r| r.contains("analytics")),
        "{record}"
    );
    for path in ["/en/", "/nn/", "/en/privacy/", "/nn/informasjonskapslar/"] {
        open(&tab, &site.url(path));
        assert_eq!(
            eval(&tab, BANNER_SHOWN).as_bool(),
            Some(false),
            "{path}: asked again after answering on /"
        );
        // The consent given on / counts here: the widget grants what it granted there.
        wait_for(
            &tab,
            "window.samtykke.granted('analytics')",
            "analytics granted",
        );
        assert_eq!(
            eval(&tab, "localStorage.getItem('samtykke')"),
            record,
            "{path}: the same record"
        );
    }
}
