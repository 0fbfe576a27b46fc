//! The bindings to `page.js`, the DOM plumbing. See that file for why it is JavaScript.
//!
//! Lists cross as one string (category ids joined by spaces, cookie writes by newlines): a
//! `Vec<String>` costs both sides a kilobyte of conversion code. For the same reason the page
//! reaches Rust through one closure, and Rust reaches the page through few, coarse calls.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/page.js")]
extern "C" {
    /// Installs the listeners, the cookie guard and `window.samtykke`, all of which call `on`
    /// (see `ACT` in the parent module).
    pub fn setup(on: &JsValue);
    pub fn replay();
    pub fn config() -> Option<String>;
    pub fn warn(message: &str);
    /// 16 bytes from `crypto.getRandomValues`, as 32 lowercase hex digits.
    #[wasm_bindgen(js_name = randomHex)]
    pub fn random_hex() -> String;
    pub fn gpc() -> bool;
    /// The page's protocol, host name, path and cookie header, one per line.
    pub fn place() -> String;
    pub fn ask(show: bool);
    /// Shows the banner or not, the granted ids (joined by spaces) and whether GPC decided them;
    /// runs the cookie deletions (one per line); removes the storage keys `on` refuses; starts
    /// the placeholders of granted categories whose `category src` line is in `startable`
    /// ([`crate::config::startable`]).
    ///
    /// Writes `id`, the record's, into `#sk-id` and hides its parent when it is empty.
    pub fn apply(
        ask: bool,
        granted: &str,
        id: &str,
        gpc_honoured: bool,
        deletions: &str,
        startable: &str,
    );
    pub fn toggles() -> String;
    pub fn open();
    pub fn close() -> bool;
    /// Closes the preferences, shows the saved message if `stored`, and announces the grant.
    pub fn chosen(stored: bool);
    pub fn consent(command: &str, analytics: bool, ads: bool);
    /// `<html lang>`.
    pub fn lang() -> String;
    /// Posts a receipt to the receipts service, after every receipt sent before it has been
    /// answered, and (unless `retry`) reports the answer through `on` (see `RECEIPT`).
    pub fn send(url: &str, body: &str, retry: bool);
}
