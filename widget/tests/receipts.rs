//! Receipts in a real page (headless Chromium): one per decision with the record's id, a
//! withdrawal under the same id, the id in the preferences, a failed send kept and retried once
//! on the next start, and nothing at all without a receipts URL. `fetch` is replaced by a stub
//! that records each call and answers as the test says, so no server is needed here (e2e's
//! receipts.rs runs the real service).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use samtykke_widget::config::WidgetConfig;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const URL: &str = "https://samtykke.example.no/v1/receipts";
const PENDING: &str = "samtykke-test.receipts";

fn with_receipts() -> WidgetConfig {
    WidgetConfig {
        receipts_url: Some(URL.into()),
        ..config()
    }
}

/// Replaces `fetch`: every call is recorded in `__calls` as `[url, init]`, and answered with
/// `__answer` (a status, or 0 for a network failure).
fn stub_fetch(answer: u32) {
    js_sys::eval(&format!(
        "window.__calls = []; window.__answer = {answer}; window.fetch = function (url, init) {{
           window.__calls.push([url, init]);
           return window.__answer ? Promise.resolve({{ status: window.__answer }}) : Promise.reject(new TypeError('down'));
         }};"
    ))
    .unwrap();
}

fn calls() -> u32 {
    js_sys::eval("window.__calls.length")
        .unwrap()
        .as_f64()
        .unwrap() as u32
}

/// The body of call `i`, parsed.
fn sent(i: u32) -> serde_json::Value {
    let body = js_sys::eval(&format!("window.__calls[{i}][1].body"))
        .unwrap()
        .as_string()
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

fn pending() -> Option<String> {
    window()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item(PENDING)
        .unwrap()
}

fn stored_id() -> String {
    let record: serde_json::Value = serde_json::from_str(&stored().unwrap()).unwrap();
    record["id"].as_str().unwrap().to_owned()
}

async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits for `condition`, for five seconds at most.
async fn until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tick().await;
    }
    panic!("timed out waiting for {what}");
}

/// A page as the theme renders it when receipts are on: with the consent id line.
fn receipts_page(config: &WidgetConfig) {
    page(config, None);
    let line = document().create_element("p").unwrap();
    line.set_attribute("hidden", "").unwrap();
    line.set_inner_html(r#"Samtykke-ID: <code id="sk-id"></code>"#);
    by_id("sk-preferences").append_child(&line).unwrap();
    document()
        .document_element()
        .unwrap()
        .set_attribute("lang", "nb")
        .unwrap();
}

#[wasm_bindgen_test]
async fn each_decision_sends_a_receipt_and_a_withdrawal_keeps_the_id() {
    stub_fetch(201);
    receipts_page(&with_receipts());
    start();
    assert_eq!(calls(), 0, "no decision, no receipt");
    click("accept");
    until("the first receipt", || calls() == 1).await;
    let id = stored_id();
    let first = sent(0);
    assert_eq!(first["id"], serde_json::json!(id));
    assert_eq!(first["method"], "accept-all");
    assert_eq!(first["choices"], serde_json::json!({"analytics": true}));
    assert_eq!(first["policy_version"], "2025-01-01");
    assert_eq!(first["rev"], "rev-1");
    assert_eq!(first["lang"], "nb");
    assert_eq!(
        js_sys::eval(
            "[window.__calls[0][0], window.__calls[0][1].method, window.__calls[0][1].keepalive, window.__calls[0][1].credentials, window.__calls[0][1].referrerPolicy].join(' ')"
        )
        .unwrap(),
        JsValue::from_str(&format!("{URL} POST true omit no-referrer"))
    );
    // The preferences show the id the receipt was filed under.
    assert_eq!(by_id("sk-id").text_content().unwrap(), id);
    assert!(!by_id("sk-id")
        .parent_element()
        .unwrap()
        .has_attribute("hidden"));

    // Refusing everything after a grant is a withdrawal, under the same id.
    click("reject");
    until("the second receipt", || calls() == 2).await;
    let second = sent(1);
    assert_eq!(second["method"], "withdrawal");
    assert_eq!(second["id"], serde_json::json!(id));
    assert_eq!(second["choices"], serde_json::json!({"analytics": false}));
    assert_eq!(stored_id(), id);
    assert!(second["ts"].as_u64() >= first["ts"].as_u64());
    tick().await;
    assert_eq!(pending(), None, "stored receipts are not kept");

    // The next page view with the record in force sends nothing again.
    start();
    tick().await;
    assert_eq!(calls(), 2);
}

#[wasm_bindgen_test]
async fn a_failed_receipt_is_kept_and_sent_once_more_on_the_next_start() {
    stub_fetch(0);
    receipts_page(&with_receipts());
    start();
    click("accept");
    until("the failed receipt to be kept", || pending().is_some()).await;
    assert!(
        granted("analytics"),
        "a failed send never holds the choice back"
    );
    let kept = pending().unwrap();
    assert!(
        kept.contains(&stored_id()) && kept.contains("accept-all"),
        "{kept}"
    );

    // The next page view: sent once more, and the key is gone whatever the answer.
    js_sys::eval("window.__answer = 503").unwrap();
    start();
    assert_eq!(pending(), None, "taken for the retry");
    until("the retry", || calls() == 2).await;
    assert_eq!(sent(1), sent(0));
    tick().await;
    assert_eq!(pending(), None, "a failed retry is not kept again");
    start();
    tick().await;
    assert_eq!(calls(), 2, "retried once only");
}

#[wasm_bindgen_test]
async fn a_refused_receipt_is_not_kept_but_a_busy_service_is_retried() {
    stub_fetch(422);
    receipts_page(&with_receipts());
    start();
    click("accept");
    until("the receipt", || calls() == 1).await;
    tick().await;
    assert_eq!(
        pending(),
        None,
        "a 4xx refusal will not change by sending again"
    );

    js_sys::eval("window.__answer = 429").unwrap();
    click("reject");
    until("the kept receipt", || pending().is_some()).await;
    assert!(pending().unwrap().contains("withdrawal"));
}

#[wasm_bindgen_test]
async fn without_a_receipts_url_nothing_is_sent_or_kept() {
    stub_fetch(0);
    receipts_page(&config());
    start();
    click("accept");
    click("reject");
    click("accept");
    for _ in 0..5 {
        tick().await;
    }
    assert_eq!(calls(), 0);
    assert_eq!(pending(), None);
    // A pending value left by an earlier configuration is not read either.
    window()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item(PENDING, r#"{"v":1}"#)
        .unwrap();
    start();
    tick().await;
    assert_eq!(calls(), 0);
}
