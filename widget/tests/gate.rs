//! The gate (`GATE_JS`) in a real page: the banner before first paint, and clicks queued for the
//! widget. Its own binary, so that no widget has wired the page before the gate runs.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::Array;
use samtykke_widget::record::{ConsentRecord, Method};
use samtykke_widget::GATE_JS;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs the gate as the page's `<head>` would: an inline classic script, synchronously.
fn run_gate() {
    let script = document().create_element("script").unwrap();
    script.set_text_content(Some(GATE_JS));
    document().head().unwrap().append_child(&script).unwrap();
}

fn record(ts: u64) -> String {
    ConsentRecord::new(&config(), Method::RejectAll, "id".into(), ts, |_| false).encode()
}

#[wasm_bindgen_test]
fn the_gate_decides_the_banner_as_the_widget_would() {
    let now = js_sys::Date::now() as u64;
    let day = 86_400_000;
    let mut other_revision = config();
    other_revision.revision = "rev-0".into();
    let cases: [(&str, Option<String>, bool); 7] = [
        ("no record", None, true),
        ("a fresh refusal", Some(record(now)), false),
        (
            "one day short of expiry",
            Some(record(now - 179 * day)),
            false,
        ),
        ("expired", Some(record(now - 180 * day - 1000)), true),
        ("from the future", Some(record(now + 3_600_000)), true),
        ("not JSON", Some("{".into()), true),
        (
            "another revision",
            Some(
                ConsentRecord::new(&other_revision, Method::AcceptAll, "id".into(), now, |_| {
                    true
                })
                .encode(),
            ),
            true,
        ),
    ];
    for (what, stored, ask) in cases {
        page(&config(), stored.as_deref());
        run_gate();
        assert_eq!(asks(), ask, "{what}");
    }
    // A broken configuration: the banner, since nothing can be known.
    page(&config(), None);
    by_id("samtykke-config").set_text_content(Some("{"));
    run_gate();
    assert!(asks(), "broken configuration");
}

/// The gate reads the period from the page's configuration, not a number of its own: a record
/// just inside each period stays, one just past it asks again.
#[wasm_bindgen_test]
fn the_gate_honours_each_expiry_period() {
    let now = js_sys::Date::now() as u64;
    let day = 86_400_000;
    for days in [1u64, 30, 180, 395] {
        let mut config = config();
        config.expiry_days = u32::try_from(days).unwrap();
        let record = |ts| {
            ConsentRecord::new(&config, Method::RejectAll, "id".into(), ts, |_| false).encode()
        };
        // A minute of margin each way for the time between `now` here and in the gate.
        page(&config, Some(&record(now - days * day + 60_000)));
        run_gate();
        assert!(!asks(), "{days} days: a minute before expiry");
        page(&config, Some(&record(now - days * day - 60_000)));
        run_gate();
        assert!(asks(), "{days} days: a minute after expiry");
    }
}

#[wasm_bindgen_test]
fn gpc_needs_no_banner() {
    gpc_signal(true);
    page(&config(), None);
    run_gate();
    let asked = asks();
    gpc_signal(false);
    assert!(!asked);
}

#[wasm_bindgen_test]
fn a_click_before_the_widget_loads_is_not_lost() {
    page(&config(), None);
    run_gate();
    assert!(asks());
    click("reject");
    let queue: Array = global("__sk").unchecked_into();
    assert_eq!(
        queue
            .to_vec()
            .iter()
            .filter_map(|a| a.as_string())
            .collect::<Vec<_>>(),
        ["reject-all"]
    );
    assert!(stored().is_none(), "nothing handled it yet");

    start();
    let r = ConsentRecord::decode(&stored().expect("the queued click was replayed")).unwrap();
    assert_eq!(r.method, Method::RejectAll);
    assert!(!asks());
    assert_eq!(queue.length(), 0);

    // The gate's listener is gone: a later click is the widget's alone.
    click("accept");
    assert_eq!(queue.length(), 0);
    let r = ConsentRecord::decode(&stored().unwrap()).unwrap();
    assert_eq!(r.method, Method::AcceptAll);
}
