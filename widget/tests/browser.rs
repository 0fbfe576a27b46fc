//! The widget in a real page (headless Chromium): activation, purge, the cookie guard, the
//! preferences, GPC, and failing closed when storage or the record is broken.
//!
//! All tests share one page and one module instance, as the widget's listeners and cookie guard
//! are installed once per page; each test lays out a fresh page and starts the widget again.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::{Array, Object, Reflect};
use samtykke_widget::record::{ConsentRecord, Method};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::{HtmlDialogElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn record(method: Method, analytics: bool, ts: u64) -> String {
    ConsentRecord::new(
        &config(),
        method,
        "0123456789abcdef0123456789abcdef".into(),
        ts,
        |_| analytics,
    )
    .encode()
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn script_with_src_exists() -> bool {
    document()
        .query_selector("script[src^='data:text/javascript']")
        .unwrap()
        .is_some()
}

#[wasm_bindgen_test]
fn gated_elements_start_only_after_consent_and_only_once() {
    page(&config(), None);
    start();
    assert!(asks(), "no record: the banner shows");
    assert!(
        global("__skRuns").is_undefined(),
        "inline script ran without consent"
    );
    assert!(
        !script_with_src_exists(),
        "external script started without consent"
    );
    assert!(
        frame_in("frame").is_none(),
        "iframe created without consent"
    );
    assert!(!granted("analytics"));
    assert!(granted("necessary"));

    click("accept");
    assert!(!asks(), "a choice hides the banner");
    assert_eq!(global("__skRuns").as_f64(), Some(1.0));
    let external = document()
        .query_selector("script[src^='data:text/javascript']")
        .unwrap()
        .expect("the external script was started");
    assert_eq!(
        external.get_attribute("data-domain").as_deref(),
        Some("hesbynett.no")
    );
    assert!(
        external.get_attribute("type").is_none(),
        "the started script must not be text/plain"
    );
    let frame = frame_in("frame").expect("the embed's iframe after consent");
    assert_eq!(
        frame.get_attribute("src").as_deref(),
        Some(format!("{}/embed-test", origin()).as_str())
    );
    assert_eq!(frame.get_attribute("title").as_deref(), Some("Video"));
    assert!(granted("analytics"));

    // A second grant, and a later refusal, start no script again; the refusal removes the
    // embed's iframe, and a new grant frames it again, once.
    click("accept");
    click("reject");
    assert!(
        frame_in("frame").is_none(),
        "the iframe stays after refusal"
    );
    click("accept");
    assert_eq!(
        by_id("frame")
            .query_selector_all("iframe")
            .unwrap()
            .length(),
        1
    );
    assert_eq!(global("__skRuns").as_f64(), Some(1.0));
    assert_eq!(
        document()
            .query_selector_all("script[src^='data:text/javascript']")
            .unwrap()
            .length(),
        1
    );
}

/// Defence in depth behind the generator's check: markup that claims the necessary category, or
/// a source no service of its category declared, is never started, even after consent.
#[wasm_bindgen_test]
fn undeclared_or_necessary_placeholders_never_start() {
    page(&config(), None);
    let fixture = by_id("fixture");
    fixture
        .insert_adjacent_html(
            "beforeend",
            r#"<script type="text/plain" data-category="necessary" data-src="data:text/javascript,window.__skNecessary=1" id="necessary-src"></script>
<script type="text/plain" data-category="analytics" data-src="data:text/javascript,window.__skUndeclared=1" id="undeclared-src"></script>
<div data-category="analytics" data-sk-frame="https://undeclared.example/embed" id="undeclared-frame"></div>
<div data-category="necessary" data-sk-frame="ORIGIN/necessary" id="necessary-frame"></div>"#
                .replace("ORIGIN", &origin())
                .as_str(),
        )
        .unwrap();
    start();
    click("accept");
    assert!(granted("analytics"));
    assert!(script_with_src_exists(), "the declared script started");
    for id in ["necessary-src", "undeclared-src"] {
        assert_eq!(
            by_id(id).get_attribute("type").as_deref(),
            Some("text/plain"),
            "{id} was started"
        );
    }
    assert!(global("__skNecessary").is_undefined());
    assert!(global("__skUndeclared").is_undefined());
    assert!(frame_in("undeclared-frame").is_none());
    assert!(frame_in("necessary-frame").is_none());
}

/// An embed's own button grants its one category on top of the current grant, as a custom
/// choice; a button naming the necessary or an unknown category grants nothing.
#[wasm_bindgen_test]
fn an_embed_button_grants_its_category_and_nothing_else() {
    page(&config(), None);
    let fixture = by_id("fixture");
    fixture
        .insert_adjacent_html(
            "beforeend",
            r#"<button type="button" id="grant-necessary" data-sk="grant:necessary">x</button>
<button type="button" id="grant-unknown" data-sk="grant:marketing">y</button>"#,
        )
        .unwrap();
    start();
    click("grant-necessary");
    click("grant-unknown");
    assert!(stored().is_none(), "nothing was chosen");
    assert!(frame_in("frame").is_none());
    assert!(asks());

    click("grant");
    assert!(granted("analytics"));
    assert!(!asks(), "the choice is made");
    assert!(frame_in("frame").is_some(), "the embed loads");
    let record = stored().expect("a stored record");
    assert!(record.contains("\"method\":\"custom\""), "{record}");
}

#[wasm_bindgen_test]
fn a_valid_record_grants_at_load_without_a_banner() {
    page(&config(), Some(&record(Method::AcceptAll, true, now())));
    start();
    assert!(!asks());
    assert_eq!(global("__skRuns").as_f64(), Some(1.0));
    assert!(granted("analytics"));

    // The same record after the revision changed asks again and grants nothing.
    let mut changed = config();
    changed.revision = "rev-2".into();
    page(&changed, Some(&record(Method::AcceptAll, true, now())));
    start();
    assert!(asks());
    assert!(global("__skRuns").is_undefined());
    assert!(!granted("analytics"));
}

#[wasm_bindgen_test]
fn a_refusal_is_remembered() {
    page(&config(), Some(&record(Method::RejectAll, false, now())));
    start();
    assert!(!asks(), "C-15: a refusal does not bring the banner back");
    assert!(!granted("analytics"));
    assert!(global("__skRuns").is_undefined());
}

#[wasm_bindgen_test]
async fn refused_cookies_are_purged_on_every_path_at_load_and_on_withdrawal() {
    let home = document().location().unwrap().pathname().unwrap();
    let deep = "/purge/a/b/";
    go(deep);
    // Set before the widget ran (past any guard), on every path a page at `deep` can see. The
    // one on `/` makes the name visible to the test page too (see `cookies_at`).
    for cookie in [
        "_ga=root; path=/",
        "_ga=dir; path=/purge/a",
        "_ga=dir-slash; path=/purge/a/",
        "_ga=exact; path=/purge/a/b",
        "_ga=here; path=/purge/a/b/",
        "__utma=deep; path=/purge/a/b",
        "__utma=root; path=/",
        "PHPSESSID=keep; path=/",
        "theme=unknown; path=/",
    ] {
        raw_cookie(cookie);
    }
    let before = cookies_at(deep).await;
    assert_eq!(before.matches("_ga=").count(), 5, "{before}");
    assert_eq!(before.matches("__utma=").count(), 2, "{before}");

    page(&config(), None);
    start();
    let after = cookies_at(deep).await;
    assert!(!has_cookie(&after, "_ga"), "left: {after}");
    assert!(!has_cookie(&after, "__utma"), "left: {after}");
    assert!(
        has_cookie(&after, "PHPSESSID"),
        "a necessary cookie went: {after}"
    );
    assert!(
        has_cookie(&after, "theme"),
        "a cookie of no category went: {after}"
    );

    // Withdrawal: consent, new analytics cookies, then a refusal in the preferences purges them.
    click("accept");
    write_cookie("_ga=consented; path=/");
    write_cookie("_ga=consented-deep; path=/purge/a");
    assert_eq!(cookies_at(deep).await.matches("_ga=").count(), 2);
    click("settings");
    by_id("toggle-analytics")
        .dyn_into::<HtmlInputElement>()
        .unwrap()
        .set_checked(false);
    click("save");
    let withdrawn = cookies_at(deep).await;
    assert!(
        !has_cookie(&withdrawn, "_ga"),
        "withdrawal left {withdrawn}"
    );

    for cookie in ["PHPSESSID=; max-age=0; path=/", "theme=; max-age=0; path=/"] {
        raw_cookie(cookie);
    }
    go(&home);
}

#[wasm_bindgen_test]
fn refused_storage_keys_are_purged_from_both_storages() {
    page(&config(), Some(&record(Method::RejectAll, false, now())));
    let local = window().local_storage().unwrap().unwrap();
    let session = window().session_storage().unwrap().unwrap();
    local.set_item("_ga_client", "1").unwrap();
    local.set_item("PHPSESSID", "keep").unwrap();
    local.set_item("theme", "no category").unwrap();
    session.set_item("__utmb", "1").unwrap();
    session.set_item("draft", "no category").unwrap();
    start();
    let local_left = (
        local.get_item("_ga_client").unwrap(),
        local.get_item("PHPSESSID").unwrap(),
    );
    let session_left = (
        session.get_item("__utmb").unwrap(),
        session.get_item("draft").unwrap(),
    );
    session.clear().unwrap();
    assert_eq!(local_left, (None, Some("keep".into())));
    assert_eq!(
        local.get_item("theme").unwrap().as_deref(),
        Some("no category")
    );
    assert_eq!(session_left, (None, Some("no category".into())));
    assert!(stored().is_some(), "the record itself stays");
}

#[wasm_bindgen_test]
fn the_guard_drops_refused_writes_and_passes_the_rest() {
    page(&config(), None);
    start();
    write_cookie("_ga=GA1.1.1; path=/; max-age=63072000");
    write_cookie("__utmz=1; path=/");
    write_cookie("PHPSESSID=abc; path=/");
    let header = cookies();
    assert!(
        !has_cookie(&header, "_ga") && !has_cookie(&header, "__utmz"),
        "{header}"
    );
    assert!(has_cookie(&header, "PHPSESSID"), "{header}");

    click("accept");
    write_cookie("_ga=GA1.1.2; path=/");
    assert!(has_cookie(&cookies(), "_ga"), "granted writes pass");

    for cookie in ["_ga=; max-age=0; path=/", "PHPSESSID=; max-age=0; path=/"] {
        raw_cookie(cookie);
    }
}

#[wasm_bindgen_test]
fn a_corrupt_or_foreign_record_fails_closed() {
    let future = record(Method::AcceptAll, true, now() + 3_600_000);
    let expired = record(Method::AcceptAll, true, now() - 181 * 86_400_000);
    let unknown = r#"{"v":1,"rev":"rev-1","id":"x","ts":1,"choices":{"analytics":true,"ads":true},"method":"custom"}"#;
    for stored in [
        "{not json",
        "null",
        r#"{"_ga":"GA1.2"}"#,
        unknown,
        &future,
        &expired,
    ] {
        page(&config(), Some(stored));
        start();
        assert!(asks(), "banner for {stored}");
        assert!(!granted("analytics"), "granted for {stored}");
        assert!(global("__skRuns").is_undefined(), "ran for {stored}");
    }
}

#[wasm_bindgen_test]
fn a_missing_or_broken_configuration_starts_nothing() {
    page(&config(), None);
    by_id("samtykke-config").set_text_content(Some("{\"version\":1}"));
    start();
    // The widget stands down: it stored nothing, started nothing, wired nothing new.
    click("accept");
    assert!(stored().is_none());
    assert!(global("__skRuns").is_undefined());
}

/// Runs `test` with `window.localStorage` throwing, as it does when the visitor blocks storage.
fn with_blocked_storage(test: impl FnOnce()) {
    let window = window();
    let original = Object::get_own_property_descriptor(&window, &"localStorage".into());
    let throwing = Closure::<dyn Fn() -> Result<JsValue, JsValue>>::new(|| {
        Err(js_sys::Error::new("SecurityError: storage is disabled").into())
    });
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"get".into(), throwing.as_ref()).unwrap();
    Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
    Reflect::define_property(&window, &"localStorage".into(), &descriptor).unwrap();
    test();
    Reflect::define_property(&window, &"localStorage".into(), &original.unchecked_into()).unwrap();
}

#[wasm_bindgen_test]
fn blocked_storage_fails_closed_without_a_panic() {
    page(&config(), None);
    with_blocked_storage(|| {
        start();
        assert!(asks());
        // A choice that cannot be recorded grants nothing.
        click("accept");
        assert!(asks(), "banner stays: nothing was stored");
        assert!(!granted("analytics"));
        assert!(global("__skRuns").is_undefined());
        write_cookie("_ga=1; path=/");
        assert!(!has_cookie(&cookies(), "_ga"));
    });
    // The module survived: it still works once storage does.
    page(&config(), None);
    start();
    click("accept");
    assert!(granted("analytics"));
}

#[wasm_bindgen_test]
fn full_storage_fails_closed() {
    page(&config(), None);
    let proto: Object = Reflect::get(
        &Reflect::get(&window(), &"Storage".into()).unwrap(),
        &"prototype".into(),
    )
    .unwrap()
    .unchecked_into();
    let original = Reflect::get(&proto, &"setItem".into()).unwrap();
    let full = Closure::<dyn Fn() -> Result<JsValue, JsValue>>::new(|| {
        Err(js_sys::Error::new("QuotaExceededError").into())
    });
    Reflect::set(&proto, &"setItem".into(), full.as_ref()).unwrap();
    start();
    click("accept");
    Reflect::set(&proto, &"setItem".into(), &original).unwrap();
    assert!(!granted("analytics"));
    assert!(global("__skRuns").is_undefined());
    assert!(stored().is_none());
}

#[wasm_bindgen_test]
fn choices_are_stored_as_records() {
    page(&config(), None);
    start();
    click("reject");
    let r = ConsentRecord::decode(&stored().unwrap()).unwrap();
    assert_eq!(
        (r.method, r.choices.get("analytics")),
        (Method::RejectAll, Some(false))
    );
    assert_eq!(r.rev, "rev-1");
    assert_eq!(r.id.len(), 32);
    assert!(r.ts.abs_diff(now()) < 60_000);
    click("accept");
    let second = ConsentRecord::decode(&stored().unwrap()).unwrap();
    assert_eq!(
        (second.method, second.choices.get("analytics")),
        (Method::AcceptAll, Some(true))
    );
    // A change of the record in force keeps its id, so its receipts form one history.
    assert_eq!(second.id, r.id, "a change keeps the record's id");
    page(&config(), None);
    start();
    click("accept");
    let other = ConsentRecord::decode(&stored().unwrap()).unwrap();
    assert_ne!(other.id, r.id, "a first answer gets a new random id");
    assert_eq!(other.id.len(), 32);
}

#[wasm_bindgen_test]
fn preferences_show_the_grant_and_closing_never_consents() {
    page(&config(), None);
    start();
    let dialog: HtmlDialogElement = by_id("sk-preferences").dyn_into().unwrap();
    let toggle: HtmlInputElement = by_id("toggle-analytics").dyn_into().unwrap();
    toggle.set_checked(true); // whatever the markup said: no consent, so off (C-11)
    click("settings");
    assert!(dialog.open());
    assert!(!toggle.checked());

    // Ticking and then closing is no choice (C-5).
    toggle.set_checked(true);
    click("close");
    assert!(!dialog.open());
    assert!(stored().is_none());
    assert!(!granted("analytics"));
    assert!(asks(), "the banner is still there");
    click("settings");
    assert!(
        !toggle.checked(),
        "reopened with the saved choice, not the abandoned tick"
    );

    // Closing the banner itself hides it for this page only, and stores nothing.
    click("close");
    click("dismiss");
    assert!(!asks());
    assert!(stored().is_none());

    // Saving is a choice: stored, applied, announced.
    let seen: Rc<RefCell<Option<JsValue>>> = Rc::default();
    let sink = seen.clone();
    let listener = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
        *sink.borrow_mut() = Some(e.detail());
    });
    document()
        .add_event_listener_with_callback("samtykke:change", listener.as_ref().unchecked_ref())
        .unwrap();
    click("settings");
    toggle.set_checked(true);
    click("save");
    document()
        .remove_event_listener_with_callback("samtykke:change", listener.as_ref().unchecked_ref())
        .unwrap();
    assert!(!dialog.open());
    assert!(granted("analytics"));
    assert_eq!(global("__skRuns").as_f64(), Some(1.0));
    let r = ConsentRecord::decode(&stored().unwrap()).unwrap();
    assert_eq!(
        (r.method, r.choices.get("analytics")),
        (Method::Custom, Some(true))
    );
    assert_eq!(
        by_id("sk-status").text_content().as_deref(),
        Some("Valgene dine er lagret.")
    );
    let detail = seen
        .borrow()
        .clone()
        .expect("samtykke:change was dispatched");
    let ids: Vec<String> = Array::from(&Reflect::get(&detail, &"granted".into()).unwrap())
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    assert_eq!(ids, ["necessary", "analytics"]);
}

#[wasm_bindgen_test]
async fn focus_returns_to_the_opener_when_the_preferences_close() {
    page(&config(), None);
    start();
    let opener: web_sys::HtmlElement = by_id("settings").dyn_into().unwrap();
    opener.focus().unwrap();
    opener.click();
    let dialog: HtmlDialogElement = by_id("sk-preferences").dyn_into().unwrap();
    assert!(dialog.open());
    let inside = document().active_element().unwrap();
    assert!(
        dialog.contains(Some(&inside)),
        "focus moved into the preferences (C-19)"
    );
    // `close` fires as a task after `dialog.close()`, not at once: wait for the event itself, not
    // a timer that may run first on a loaded machine. The widget's listener sits on the document
    // in the capture phase, so it has run by the time this one on the dialog is called.
    let closed = js_sys::Promise::new(&mut |resolve, _| {
        dialog
            .add_event_listener_with_callback("close", &resolve)
            .unwrap();
    });
    click("close");
    wasm_bindgen_futures::JsFuture::from(closed).await.unwrap();
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("settings")
    );
}

#[wasm_bindgen_test]
fn gpc_is_a_stored_refusal_without_a_banner() {
    gpc_signal(true);
    page(&config(), None);
    start();
    let gpc_note_hidden = by_id("sk-gpc").has_attribute("hidden");
    let r = stored().and_then(|s| ConsentRecord::decode(&s).ok());
    gpc_signal(false);

    assert!(!asks(), "the signal answers; no banner");
    assert!(!granted("analytics"), "the signal never consents");
    assert!(global("__skRuns").is_undefined());
    assert!(
        !gpc_note_hidden,
        "the preferences say the signal was honoured (C-18)"
    );
    let r = r.expect("a record of the refusal (C-13)");
    assert_eq!(
        (r.method, r.choices.get("analytics")),
        (Method::Gpc, Some(false))
    );
}

#[wasm_bindgen_test]
fn consent_mode_defaults_to_denied_and_updates_on_choice() {
    let mut config = config();
    config.google_consent_mode = true;
    page(&config, None);
    let calls = Array::new();
    let sink = calls.clone();
    let gtag = Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(
        move |a: JsValue, b: JsValue, c: JsValue| {
            sink.push(&Array::of3(&a, &b, &c));
        },
    );
    Reflect::set(&window(), &"gtag".into(), gtag.as_ref()).unwrap();
    start();
    click("accept");
    Reflect::delete_property(&window(), &"gtag".into()).unwrap();

    let state = |i: u32, key: &str| {
        let call: Array = calls.get(i).unchecked_into();
        let command = call.get(1).as_string().unwrap();
        (
            command,
            Reflect::get(&call.get(2), &key.into())
                .unwrap()
                .as_string()
                .unwrap(),
        )
    };
    assert_eq!(calls.length(), 2, "a default, then one update");
    assert_eq!(
        state(0, "analytics_storage"),
        ("default".into(), "denied".into())
    );
    assert_eq!(state(0, "ad_storage"), ("default".into(), "denied".into()));
    assert_eq!(
        state(1, "analytics_storage"),
        ("update".into(), "granted".into())
    );
    assert_eq!(
        state(1, "ad_user_data"),
        ("update".into(), "denied".into()),
        "no marketing category"
    );
}
