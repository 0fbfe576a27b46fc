//! The consent widget on the built Hesbynett site, in a real Chromium (../shared/compliance.md
//! rules in brackets).

use samtykke_e2e::{Harness, PARENT_DOMAIN, SITE_HOST};
use std::sync::atomic::Ordering;

const ACCEPT: &str = "#sk-banner [data-sk=\"accept-all\"]";
const REJECT: &str = "#sk-banner [data-sk=\"reject-all\"]";
const SETTINGS: &str = "footer [data-sk=\"preferences\"]";
const ANALYTICS_TOGGLE: &str = "#sk-preferences input[data-sk-category=\"analytics\"]";

#[test]
fn nothing_runs_before_a_choice_on_any_page() {
    // [C-4, C-6]
    let h = Harness::start();
    let pages = h.page_paths();
    assert_eq!(pages.len(), 4, "{pages:?}");
    for path in &pages {
        let v = h.fresh_tab("");
        v.visit(&h.url(path));
        v.settle();
        assert!(v.banner_visible(), "{path}: banner on a first visit");
        assert!(
            v.eval_bool("window.__bannerAtFirstPaint === true"),
            "{path}: banner at first paint"
        );
        assert!(
            v.eval_bool("document.querySelector('main h1') !== null"),
            "{path}: content readable"
        );
        assert_eq!(
            v.analytics_cookies(),
            Vec::<(String, String)>::new(),
            "{path}"
        );
        assert!(
            v.eval_bool("window.__gaStandinRan === undefined"),
            "{path}: stand-in ran"
        );
        assert!(
            v.eval_bool("document.querySelectorAll('script[data-category][type=\"text/plain\"]').length === 1"),
            "{path}: the analytics script stays inert"
        );
        assert_eq!(
            v.eval("window.__consoleErrors"),
            serde_json::json!(0),
            "{path}: console errors"
        );
    }
    assert_eq!(
        h.analytics_hits.load(Ordering::SeqCst),
        0,
        "no request to the analytics host"
    );
}

#[test]
fn accept_all_starts_analytics_and_its_cookies_appear() {
    let h = Harness::start();
    let v = h.fresh_tab("");
    v.open(&h.url("/"));
    v.accept_all();
    let mut names: Vec<String> = v.analytics_cookies().into_iter().map(|(n, _)| n).collect();
    names.sort();
    assert_eq!(names, ["__utma", "__utmb", "__utmc", "__utmz"]);
    assert_eq!(
        h.analytics_hits.load(Ordering::SeqCst),
        1,
        "ga.js loaded once"
    );
    assert!(!v.banner_visible(), "the banner closes");
    // [C-13]
    let record = v.record();
    assert_eq!(record["method"], "accept-all");
    assert_eq!(record["choices"]["analytics"], true);
    assert!(
        record["id"].as_str().is_some_and(|id| id.len() >= 16),
        "{record}"
    );
    let revision =
        v.eval("JSON.parse(document.getElementById('samtykke-config').textContent).revision");
    assert_eq!(record["rev"], revision);
    assert!(v.eval_bool("window.samtykke.granted('analytics') === true"));

    // Consent holds on the next page: the script starts again, with no banner.
    v.visit(&h.url("/kontakt/"));
    v.wait_for("window.__gaStandinRan === 1", "ga.js on the next page");
    assert!(
        v.eval_bool("window.__bannerAtFirstPaint === false"),
        "no flash on a return visit"
    );
}

#[test]
fn reject_all_keeps_analytics_off_and_is_remembered() {
    // [C-7, C-15, C-12]
    let h = Harness::start();
    let v = h.fresh_tab("");
    v.open(&h.url("/"));
    v.click(REJECT);
    v.wait_for(
        "localStorage.getItem('samtykke') !== null",
        "a stored refusal",
    );
    assert_eq!(v.record()["method"], "reject-all");
    assert_eq!(v.record()["choices"]["analytics"], false);
    assert!(!v.banner_visible());
    v.open(&h.url("/personvern/"));
    v.settle();
    assert!(
        v.eval_bool("window.__bannerAtFirstPaint === false"),
        "the refusal is remembered"
    );
    assert!(v.analytics_cookies().is_empty());
    assert_eq!(h.analytics_hits.load(Ordering::SeqCst), 0);
    assert!(v.eval_bool("window.samtykke.granted('analytics') === false"));
}

#[test]
fn leftover_analytics_cookies_are_purged_on_the_parent_domain_too() {
    // [C-17]: cookies from before the banner existed go at the first page load.
    let h = Harness::start();
    let v = h.fresh_tab("");
    v.visit(&h.url("/__seed"));
    let seeded = v.cookies();
    assert!(
        seeded.contains(&("__utma".into(), format!(".{PARENT_DOMAIN}"))),
        "{seeded:?}"
    );
    assert!(
        seeded.contains(&("__utmz".into(), SITE_HOST.into())),
        "{seeded:?}"
    );
    v.open(&h.url("/"));
    v.wait_for("document.cookie.indexOf('__utm') < 0", "the purge");
    assert_eq!(v.analytics_cookies(), Vec::<(String, String)>::new());
    assert!(
        v.cookies().iter().any(|(n, _)| n == "PHPSESSID"),
        "necessary cookies stay"
    );
}

#[test]
fn withdrawal_through_the_footer_deletes_the_analytics_cookies() {
    // [C-16, C-17, C-11]
    let h = Harness::start();
    let v = h.fresh_tab("");
    v.open(&h.url("/"));
    v.accept_all();

    v.open(&h.url("/informasjonskapsler/"));
    v.wait_for("window.__gaStandinRan === 1", "ga.js while consent holds");
    let hits_while_granted = h.analytics_hits.load(Ordering::SeqCst);
    v.click(SETTINGS);
    v.wait_for(
        "document.getElementById('sk-preferences').open === true",
        "the preferences to open",
    );
    assert!(v.eval_bool(&format!(
        "document.querySelector('{}').checked === true",
        ANALYTICS_TOGGLE.replace('\'', "\\'")
    )));
    v.click(ANALYTICS_TOGGLE);
    v.click("#sk-preferences [data-sk=\"save\"]");
    v.wait_for(
        "document.cookie.indexOf('__utm') < 0",
        "the analytics cookies to go",
    );
    assert_eq!(v.analytics_cookies(), Vec::<(String, String)>::new());
    let record = v.record();
    assert_eq!(record["method"], "custom");
    assert_eq!(record["choices"]["analytics"], false);
    assert!(v.eval_bool("document.getElementById('sk-preferences').open === false"));

    // The script is not started again, and writes by the page are refused.
    v.open(&h.url("/"));
    v.eval("document.cookie = '__utma=sneaky; path=/'");
    assert!(
        v.analytics_cookies().is_empty(),
        "the guard drops the write"
    );
    assert_eq!(
        h.analytics_hits.load(Ordering::SeqCst),
        hits_while_granted,
        "ga.js is not started after withdrawal"
    );
}

#[test]
fn a_new_revision_asks_again_and_purges() {
    // [C-14]
    let h = Harness::start();
    let v = h.fresh_tab("");
    v.open(&h.url("/"));
    v.accept_all();

    let path = h.root.path().join("content/cookies.toml");
    let inventory = std::fs::read_to_string(&path).expect("inventory");
    let changed = inventory.replacen("[[cookies]]", "[[cookies]]\nname = \"__utmt\"\ncategory = \"analytics\"\nservice = \"google-analytics\"\nparty = \"first\"\nlegal_basis = \"consent\"\npurpose = { nb = \"Begrenser antall forespørsler.\" }\nlifetime = { nb = \"10 minutter\" }\n\n[[cookies]]", 1);
    std::fs::write(&path, changed).expect("write");
    h.rebuild();

    v.visit(&h.url("/"));
    assert!(
        v.eval_bool("window.__bannerAtFirstPaint === true"),
        "a new cookie asks again"
    );
    v.wait_for_widget();
    v.wait_for(
        "document.cookie.indexOf('__utm') < 0",
        "old consent no longer counts",
    );
    assert_eq!(h.analytics_hits.load(Ordering::SeqCst), 1);
}

#[test]
fn a_click_before_the_wasm_has_loaded_is_not_lost() {
    let h = Harness::start();
    // The module waits at the server until the click has been made.
    h.wasm_gate.hold();
    let v = h.fresh_tab("");
    v.visit(&h.url("/"));
    assert!(
        v.eval_bool("typeof window.samtykke === 'undefined'"),
        "the widget is still loading"
    );
    v.click(REJECT);
    assert!(
        v.eval_bool("typeof window.samtykke === 'undefined'"),
        "the click was made before the widget started"
    );
    h.wasm_gate.release();
    v.wait_for_widget();
    v.wait_for(
        "localStorage.getItem('samtykke') !== null",
        "the queued click to be replayed",
    );
    assert_eq!(v.record()["method"], "reject-all");
    assert!(!v.banner_visible());
}

#[test]
fn corrupt_storage_fails_closed() {
    for corrupt in [
        "{not json",
        "{\"v\":1,\"rev\":\"x\",\"choices\":{\"analytics\":true}}",
        "[]",
        "\"accept\"",
    ] {
        let h = Harness::start();
        let seed = format!(
            "try {{ localStorage.setItem('samtykke', {}); }} catch (e) {{}}",
            serde_json::json!(corrupt)
        );
        let v = h.fresh_tab(&seed);
        v.open(&h.url("/"));
        v.settle();
        assert!(v.banner_visible(), "{corrupt}: the banner asks");
        assert!(
            v.eval_bool("window.samtykke.granted('analytics') === false"),
            "{corrupt}"
        );
        assert!(v.analytics_cookies().is_empty(), "{corrupt}");
        assert_eq!(h.analytics_hits.load(Ordering::SeqCst), 0, "{corrupt}");
    }
}

#[test]
fn storage_that_throws_fails_closed_and_the_site_still_reads() {
    let h = Harness::start();
    let v = h.fresh_tab("Object.defineProperty(window, 'localStorage', { get: function () { throw new DOMException('denied', 'SecurityError'); } });");
    v.open(&h.url("/"));
    assert!(v.banner_visible());
    v.click(ACCEPT);
    // The widget took the click and announced its (empty) grant.
    v.wait_for("window.__skChanges === 1", "the choice to be handled");
    v.settle();
    // A choice that cannot be stored is no consent: nothing starts, nothing is set.
    assert!(
        v.eval_bool("typeof window.samtykke === 'object' && window.samtykke !== null"),
        "no panic took the widget down"
    );
    assert!(
        v.eval_bool("window.samtykke.granted('analytics') === false"),
        "no grant without storage"
    );
    assert!(
        v.eval_bool("window.__gaStandinRan === undefined"),
        "ga.js did not run"
    );
    assert_eq!(
        h.analytics_hits.load(Ordering::SeqCst),
        0,
        "no analytics request"
    );
    assert_eq!(v.analytics_cookies(), Vec::<(String, String)>::new());
    assert_eq!(
        v.eval("window.__consoleErrors"),
        serde_json::json!(0),
        "no console error"
    );
    assert!(
        v.eval_bool("document.querySelector('main h1') !== null"),
        "the site still reads"
    );
}

#[test]
fn global_privacy_control_is_a_refusal_and_the_preferences_say_so() {
    // [C-18]
    let h = Harness::start();
    let v = h.fresh_tab("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: function () { return true; } });");
    v.open(&h.url("/"));
    v.settle();
    assert!(v.eval_bool("window.samtykke.granted('analytics') === false"));
    v.click(SETTINGS);
    v.wait_for(
        "document.getElementById('sk-preferences').open === true",
        "the preferences to open",
    );
    assert!(
        v.eval_bool("document.getElementById('sk-gpc').hidden === false"),
        "the notice shows"
    );
    assert!(v.eval_bool(&format!(
        "document.querySelector('{}').checked === false",
        ANALYTICS_TOGGLE.replace('\'', "\\'")
    )));
    assert!(v.analytics_cookies().is_empty());
    assert_eq!(h.analytics_hits.load(Ordering::SeqCst), 0);
}

#[test]
fn escape_closes_the_preferences_without_consenting() {
    // [C-5, C-19]
    let h = Harness::start();
    let v = h.fresh_tab("");
    v.open(&h.url("/"));
    v.click(SETTINGS);
    v.wait_for(
        "document.getElementById('sk-preferences').open === true",
        "the preferences to open",
    );
    assert!(
        v.eval_bool("document.getElementById('sk-preferences').contains(document.activeElement)"),
        "focus moves in"
    );
    v.tab.press_key("Escape").expect("Escape");
    v.wait_for(
        "document.getElementById('sk-preferences').open === false",
        "Escape to close",
    );
    assert!(v.eval_bool("document.activeElement && document.activeElement.matches('footer [data-sk=\"preferences\"]')"), "focus returns to the opener");
    assert!(v.banner_visible(), "still asking");
    v.settle();
    assert_eq!(v.record(), serde_json::Value::Null, "no record");
    assert_eq!(h.analytics_hits.load(Ordering::SeqCst), 0);
}
