//! A test page for the widget: markup as the theme renders it, a configuration, a stored record,
//! and ways to look at the result without going through the widget.

#![allow(dead_code)] // each test binary uses its own part

use js_sys::{Function, Object, Reflect};
use samtykke_widget::config::{CategoryRule, CookieRule, WidgetConfig, SCHEMA_VERSION};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, Window};

pub const KEY: &str = "samtykke-test";

pub fn config() -> WidgetConfig {
    WidgetConfig {
        version: SCHEMA_VERSION,
        revision: "rev-1".into(),
        storage_key: KEY.into(),
        expiry_days: 180,
        policy_version: "2025-01-01".into(),
        categories: vec![
            CategoryRule {
                id: "necessary".into(),
                required: true,
                sources: vec![],
                frames: vec![],
            },
            CategoryRule {
                id: "analytics".into(),
                required: false,
                sources: vec!["data:text/javascript,window.__skSrc=1".into()],
                // The test runner's own origin: the embed's frame loads from loopback only.
                frames: vec![origin()],
            },
        ],
        cookies: vec![
            CookieRule {
                pattern: "PHPSESSID".into(),
                category: "necessary".into(),
            },
            CookieRule {
                pattern: "__utm*".into(),
                category: "analytics".into(),
            },
            CookieRule {
                pattern: "_ga*".into(),
                category: "analytics".into(),
            },
        ],
        google_consent_mode: false,
        receipts_url: None,
    }
}

/// The banner, the preferences and three placeholders, as the theme renders them.
pub const MARKUP: &str = r#"
<section id="sk-banner">
  <button type="button" id="accept" data-sk="accept-all">Godta alle</button>
  <button type="button" id="reject" data-sk="reject-all">Avvis alle</button>
  <button type="button" id="settings" data-sk="preferences">Innstillinger</button>
  <button type="button" id="dismiss" data-sk="close">Lukk</button>
</section>
<dialog id="sk-preferences" aria-labelledby="sk-title">
  <h2 id="sk-title">Informasjonskapsler</h2>
  <input type="checkbox" checked disabled>
  <input type="checkbox" id="toggle-analytics" data-sk-category="analytics">
  <p id="sk-gpc" hidden>Nettleseren din ba om at vi ikke sporer deg.</p>
  <button type="button" id="save" data-sk="save">Lagre valg</button>
  <button type="button" id="close" data-sk="close">Lukk</button>
</dialog>
<p id="sk-status" role="status" data-sk-saved="Valgene dine er lagret."></p>
<script type="text/plain" data-category="analytics" id="inline-analytics">window.__skRuns = (window.__skRuns || 0) + 1</script>
<script type="text/plain" data-category="analytics" data-src="data:text/javascript,window.__skSrc=1" id="src-analytics" data-domain="hesbynett.no"></script>
<div data-category="analytics" data-sk-frame="ORIGIN/embed-test" data-sk-title="Video" id="frame"><p>Plassholder</p></div>
<button type="button" id="grant" data-sk="grant:analytics">Vis video</button>
"#;

/// The page's origin (the test runner's, on loopback).
pub fn origin() -> String {
    window().location().origin().expect("an origin")
}

/// The iframe the widget put into the embed box `id`, if any.
pub fn frame_in(id: &str) -> Option<Element> {
    by_id(id).query_selector("iframe").unwrap()
}

pub fn window() -> Window {
    web_sys::window().expect("a window")
}

pub fn document() -> Document {
    window().document().expect("a document")
}

pub fn by_id(id: &str) -> Element {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("#{id}"))
}

/// Lays out a fresh page: markup, `config` as JSON, `stored` under the record key, no banner
/// class, no trace of earlier tests. Does not start the widget.
pub fn page(config: &WidgetConfig, stored: Option<&str>) {
    let doc = document();
    let json = serde_json::to_string(config).unwrap();
    // A container of our own: the test runner reports through elements of its own in <body>.
    let fixture = match doc.get_element_by_id("fixture") {
        Some(fixture) => fixture,
        None => {
            let fixture = doc.create_element("div").unwrap();
            fixture.set_id("fixture");
            doc.body().unwrap().append_child(&fixture).unwrap();
            fixture
        }
    };
    fixture.set_inner_html(&format!(
        r#"<script type="application/json" id="samtykke-config">{json}</script>{}"#,
        MARKUP.replace("ORIGIN", &origin())
    ));
    let storage = window().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    if let Some(stored) = stored {
        storage.set_item(KEY, stored).unwrap();
    }
    doc.document_element().unwrap().set_class_name("");
    for global in ["__skRuns", "__skSrc", "__sk"] {
        Reflect::delete_property(&window(), &global.into()).unwrap();
    }
}

pub fn start() {
    samtykke_widget::browser::start();
}

pub fn click(id: &str) {
    by_id(id).dyn_into::<HtmlElement>().unwrap().click();
}

pub fn asks() -> bool {
    document()
        .document_element()
        .unwrap()
        .class_list()
        .contains("sk-ask")
}

/// What `window.samtykke.granted(category)` answers.
pub fn granted(category: &str) -> bool {
    let api = Reflect::get(&window(), &"samtykke".into()).unwrap();
    let f: Function = Reflect::get(&api, &"granted".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    f.call1(&api, &category.into()).unwrap().as_bool().unwrap()
}

pub fn global(name: &str) -> JsValue {
    Reflect::get(&window(), &name.into()).unwrap()
}

pub fn stored() -> Option<String> {
    window()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item(KEY)
        .unwrap()
}

/// `document.cookie` as the page sees it (the guard passes reads through).
pub fn cookies() -> String {
    Reflect::get(&document(), &"cookie".into())
        .unwrap()
        .as_string()
        .unwrap()
}

/// `document.cookie = cookie`, through the guard if the widget installed one.
pub fn write_cookie(cookie: &str) {
    Reflect::set(&document(), &"cookie".into(), &cookie.into()).unwrap();
}

/// Writes past the guard, straight to `Document.prototype`'s setter: a cookie that was there
/// before the widget ran, or a clean-up.
pub fn raw_cookie(cookie: &str) {
    let proto = Reflect::get(
        &Reflect::get(&window(), &"Document".into()).unwrap(),
        &"prototype".into(),
    )
    .unwrap();
    let descriptor = Object::get_own_property_descriptor(&proto.into(), &"cookie".into());
    let setter: Function = Reflect::get(&descriptor, &"set".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    setter.call1(&document(), &cookie.into()).unwrap();
}

pub fn has_cookie(header: &str, name: &str) -> bool {
    header
        .split("; ")
        .any(|pair| pair.split('=').next() == Some(name))
}

/// `document.cookie` as a page at `path` on this origin sees it, read through a same-origin
/// iframe. Chromium matches `document.cookie` against the URL the document was loaded from, which
/// `history.pushState` does not change, so the test page itself cannot see cookies on deeper paths.
pub async fn cookies_at(path: &str) -> String {
    let frame: web_sys::HtmlIFrameElement = document()
        .create_element("iframe")
        .unwrap()
        .unchecked_into();
    let loaded = js_sys::Promise::new(&mut |resolve, _| {
        frame.set_onload(Some(&resolve));
    });
    frame.set_src(path);
    document().body().unwrap().append_child(&frame).unwrap();
    wasm_bindgen_futures::JsFuture::from(loaded).await.unwrap();
    let inner = frame.content_document().unwrap();
    let header = Reflect::get(&inner, &"cookie".into())
        .unwrap()
        .as_string()
        .unwrap();
    frame.remove();
    header
}

/// Moves the page to `path` without loading it: `location.pathname`, which the widget reads to
/// know which paths a cookie may have been set on, changes (see [`cookies_at`] for what does not).
pub fn go(path: &str) {
    window()
        .history()
        .unwrap()
        .push_state_with_url(&JsValue::NULL, "", Some(path))
        .unwrap();
}

/// Turns the Global Privacy Control signal on (an own property of this page's navigator,
/// shadowing whatever the browser says) or off again.
pub fn gpc_signal(on: bool) {
    let navigator = window().navigator();
    if on {
        let descriptor = Object::new();
        Reflect::set(&descriptor, &"value".into(), &JsValue::TRUE).unwrap();
        Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
        Reflect::define_property(&navigator, &"globalPrivacyControl".into(), &descriptor).unwrap();
    } else {
        Reflect::delete_property(&navigator, &"globalPrivacyControl".into()).unwrap();
    }
}
