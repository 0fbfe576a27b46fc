//! The bindings to `page.js`, the DOM plumbing. See that file for why it is JavaScript.
//!
//! Lists cross as one string (category ids joined by spaces, cookie writes by newlines): a
//! `Vec<String>` costs both sides a kilobyte of conversion code.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/page.js")]
extern "C" {
    pub fn setup(act: &JsValue, allow: &JsValue);
    pub fn replay();
    pub fn config() -> Option<String>;
    pub fn warn(message: &str);
    /// 16 bytes from `crypto.getRandomValues`, as 32 lowercase hex digits.
    #[wasm_bindgen(js_name = randomHex)]
    pub fn random_hex() -> String;
    pub fn gpc() -> bool;
    pub fn cookies() -> String;
    #[wasm_bindgen(js_name = setCookies)]
    pub fn set_cookies(lines: &str);
    /// The page's protocol, host name and path, one per line.
    pub fn place() -> String;
    pub fn ask(show: bool);
    pub fn show(granted: &str, gpc_honoured: bool);
    pub fn toggles() -> String;
    pub fn open(control: &JsValue);
    pub fn close() -> bool;
    pub fn saved();
    pub fn announce();
    pub fn activate();
    pub fn consent(command: &str, analytics: bool, ads: bool);
}
