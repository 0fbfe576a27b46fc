//! What the design tests and the screenshot script share: colour scheme and viewport
//! emulation, screenshots, and measurements of the banner as a visitor sees it.

use samtykke_audit::tab::Tab;
use serde_json::{json, Value};

/// Phone and desktop sizes the design is held to (CSS pixels).
pub const PHONE: (u32, u32) = (390, 844);
pub const SMALL_PHONE: (u32, u32) = (360, 640);
pub const DESKTOP: (u32, u32) = (1280, 800);

/// Emulates a device of `width` × `height` (a touch phone below 600 px) in `dark` or light.
pub fn emulate(tab: &Tab, (width, height): (u32, u32), dark: bool) {
    let mobile = width < 600;
    tab.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
    )
    .expect("set the viewport");
    let scheme = if dark { "dark" } else { "light" };
    tab.call(
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
    )
    .expect("emulate the colour scheme");
}

/// A PNG of the viewport.
pub fn screenshot(tab: &Tab) -> Vec<u8> {
    use base64::Engine;
    let answer = tab
        .call("Page.captureScreenshot", json!({ "format": "png" }))
        .expect("Page.captureScreenshot");
    let data = answer
        .get("data")
        .and_then(Value::as_str)
        .unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("base64 PNG")
}

/// The banner as laid out: its box, the viewport, and every element inside it whose content is
/// taller or wider than its box (an inner scroll area, or text cut off).
pub const BANNER_METRICS: &str = r#"(function () {
  var b = document.getElementById("sk-banner");
  if (!b || getComputedStyle(b).display === "none") return null;
  var r = b.getBoundingClientRect();
  var clipped = [];
  [b].concat(Array.prototype.slice.call(b.querySelectorAll("*"))).forEach(function (e) {
    var s = getComputedStyle(e);
    var scrolls = e.scrollHeight > e.clientHeight + 1 && /(auto|scroll|hidden|clip)/.test(s.overflowY);
    var wide = e.scrollWidth > e.clientWidth + 1 && /(auto|scroll|hidden|clip)/.test(s.overflowX);
    if (scrolls || wide) clipped.push((e.id || e.className || e.tagName) + " " + e.scrollHeight + ">" + e.clientHeight);
  });
  var out = Array.prototype.slice.call(b.querySelectorAll("h2, p, a, button")).filter(function (e) {
    var q = e.getBoundingClientRect();
    return q.height > 0 && (q.top < r.top - 0.5 || q.bottom > r.bottom + 0.5 || q.bottom > innerHeight + 0.5);
  }).map(function (e) { return e.textContent.trim().slice(0, 40); });
  return { top: r.top, height: r.height, viewport: innerHeight, width: innerWidth,
           share: r.height / innerHeight, clipped: clipped, outside: out };
})()"#;

/// The banner's computed look of a button: box size, colours, font.
pub fn button_look(selector: &str) -> String {
    let selector = serde_json::to_string(selector).unwrap_or_default();
    format!(
        r#"(function () {{
  var e = document.querySelector({selector});
  if (!e) return null;
  var r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return {{ width: r.width, height: r.height, background: s.backgroundColor, color: s.color,
           border: s.borderTopColor + " " + s.borderTopWidth, font: s.fontSize + " " + s.fontWeight + " " + s.fontFamily }};
}})()"#
    )
}
