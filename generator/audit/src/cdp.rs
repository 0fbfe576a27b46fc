//! One tab in a fresh browser context, driven as a visitor would drive it (mouse, keyboard,
//! viewport) while `observe` records what it does.

use crate::crawl::Pacer;
use crate::model::{clip, Cookie, Observed, Phase, Timing};
use crate::observe::{self, text_at, Network, Recorder};
use crate::wire::Wire;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The desktop viewport every state starts in.
pub const DESKTOP: (u32, u32) = (1280, 900);

#[derive(Debug)]
pub struct CdpError(pub String);

impl std::fmt::Display for CdpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CdpError {}

impl From<String> for CdpError {
    fn from(e: String) -> Self {
        CdpError(e)
    }
}

pub type Result<T> = std::result::Result<T, CdpError>;

/// A script that scrolls the first element matching `selector` into view and gives the
/// centre of its box in viewport pixels as `[x, y]`, or null when there is no such element or
/// it has no size (hidden). Shared with the test tab, so tests click as the audit does.
pub fn centre_script(selector: &str) -> Result<String> {
    let selector_js = serde_json::to_string(selector).map_err(|e| CdpError(e.to_string()))?;
    Ok(format!(
        "(() => {{ const e = document.querySelector({selector_js}); if (!e) return null; \
         e.scrollIntoView({{ block: 'center', inline: 'center', behavior: 'instant' }}); const r = e.getBoundingClientRect(); \
         return r.width > 0 && r.height > 0 ? [r.left + r.width / 2, r.top + r.height / 2] : null; }})()"
    ))
}

/// Clicks at (`x`, `y`) with the left button in the tab of `session`: the move, press and
/// release a real mouse sends, so hover and pointer handlers run as for a visitor.
pub fn mouse_click(wire: &Wire, session: &str, x: f64, y: f64) -> Result<()> {
    for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
        wire.call(
            Some(session),
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": x, "y": y, "button": "left", "buttons": u8::from(kind == "mousePressed"), "clickCount": 1 }),
        )?;
    }
    Ok(())
}

/// Presses and releases `Tab`, `Enter` or `Escape` in the tab of `session`. The virtual key
/// code is what makes the browser move focus or activate; the key name alone does not.
pub fn press_key(wire: &Wire, session: &str, key: &str) -> Result<()> {
    let code = match key {
        "Tab" => 9,
        "Enter" => 13,
        "Escape" => 27,
        _ => return Err(CdpError(format!("no key code for {key}"))),
    };
    for kind in ["rawKeyDown", "keyUp"] {
        wire.call(
            Some(session),
            "Input.dispatchKeyEvent",
            json!({ "type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code }),
        )?;
    }
    Ok(())
}

/// One tab in a fresh browser context, observed.
pub struct Page {
    wire: Arc<Wire>,
    session: String,
    target: String,
    context: String,
    /// `http://127.0.0.1:PORT`: requests elsewhere are the ones the audit reports.
    site_origin: String,
    recorder: Arc<Recorder>,
    timing: Timing,
    /// Spaces out the audit's page loads on a live site.
    pacer: Arc<Pacer>,
}

/// What every tab of one audit shares besides the browser.
#[derive(Clone)]
pub struct Shared {
    pub network: Network,
    pub pacer: Arc<Pacer>,
}

impl Page {
    pub fn open(
        wire: &Arc<Wire>,
        site_origin: &str,
        timing: Timing,
        shared: &Shared,
    ) -> Result<Page> {
        let context = wire.call(
            None,
            "Target.createBrowserContext",
            json!({ "disposeOnDetach": true }),
        )?;
        let context = text_at(&context, "/browserContextId")
            .ok_or_else(|| CdpError("no browser context".into()))?
            .to_owned();
        let target = wire.call(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank", "browserContextId": context }),
        )?;
        let target = text_at(&target, "/targetId")
            .ok_or_else(|| CdpError("no target".into()))?
            .to_owned();
        let session = wire.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )?;
        let session = text_at(&session, "/sessionId")
            .ok_or_else(|| CdpError("no session".into()))?
            .to_owned();
        let page = Page {
            wire: Arc::clone(wire),
            session,
            target,
            context,
            site_origin: site_origin.to_owned(),
            recorder: Recorder::new(site_origin, shared.network.clone()),
            timing,
            pacer: Arc::clone(&shared.pacer),
        };
        wire.listen(&page.session, page.recorder.handler());
        let (width, height) = DESKTOP;
        for (method, params) in [
            ("Page.enable", json!({})),
            ("Runtime.enable", json!({})),
            ("Log.enable", json!({})),
            ("DOMStorage.enable", json!({})),
            ("Network.enable", observe::network_params()),
            ("Fetch.enable", observe::fetch_patterns()),
            ("Target.setAutoAttach", observe::auto_attach()),
            (
                "Runtime.addBinding",
                json!({ "name": observe::CSP_BINDING }),
            ),
            (
                "Runtime.addBinding",
                json!({ "name": observe::COOKIE_BINDING }),
            ),
            (
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": observe::OBSERVER }),
            ),
            // Tabs audited side by side each behave as if focused, so Tab and Escape work in all.
            (
                "Emulation.setFocusEmulationEnabled",
                json!({ "enabled": true }),
            ),
            (
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
            ),
        ] {
            page.call(method, params)?;
        }
        Ok(page)
    }

    fn call(&self, method: &str, params: Value) -> Result<Value> {
        Ok(self.wire.call(Some(&self.session), method, params)?)
    }

    pub fn set_phase(&self, phase: Phase) {
        self.recorder.set_phase(phase);
    }

    /// The limits this page is audited with.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// Waits for the load event after `before` loads. Not for a quiet network: every state
    /// first waits for the widget to start and then settles (`settle`), which covers what the
    /// page requests after its load event; settling here too only doubled the wait.
    fn wait_loaded(&self, before: u64, what: &str) -> Result<()> {
        if !self.recorder.wait_load(before, self.timing.page_timeout) {
            return Err(CdpError(format!(
                "{what}: the page did not finish loading in {} s (--page-timeout)",
                self.timing.page_timeout.as_secs_f64()
            )));
        }
        Ok(())
    }

    /// Loads `url` and waits for its load event; the caller settles.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.pacer.wait();
        let before = self.recorder.loads();
        let answer = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(error) = text_at(&answer, "/errorText") {
            return Err(CdpError(format!("{url}: {error}")));
        }
        self.wait_loaded(before, url)
    }

    pub fn reload(&self) -> Result<()> {
        self.pacer.wait();
        let before = self.recorder.loads();
        self.call("Page.reload", json!({ "ignoreCache": true }))?;
        self.wait_loaded(before, "reload")
    }

    /// Waits until no request has started for `timing.settle`, counted from now or from the
    /// latest request, whichever is later (a script that loads a script, or one on a timer, is
    /// seen), at most `timing.page_timeout`.
    pub fn settle(&self) {
        let start = Instant::now();
        let Timing {
            settle,
            page_timeout,
        } = self.timing;
        loop {
            let since = self.recorder.last_request().map_or(start, |t| t.max(start));
            let quiet = since.elapsed();
            if quiet >= settle || start.elapsed() >= page_timeout {
                return;
            }
            std::thread::sleep((settle - quiet).min(Duration::from_millis(50)));
        }
    }

    /// Evaluates `expression` in the page and reads its value, serialised by `JSON.stringify`
    /// in the page, into `T`. A thrown exception is an error.
    pub fn eval<T: DeserializeOwned>(&self, expression: &str) -> Result<T> {
        let answer = self.call(
            "Runtime.evaluate",
            json!({
                "expression": format!("(async () => JSON.stringify(await ({expression})))()"),
                "returnByValue": true,
                "awaitPromise": true,
            }),
        )?;
        if let Some(details) = answer.get("exceptionDetails") {
            let text = text_at(details, "/exception/description")
                .or_else(|| text_at(details, "/text"))
                .unwrap_or("exception");
            return Err(CdpError(format!("script failed: {}", clip(text))));
        }
        let text = text_at(&answer, "/result/value").unwrap_or("null");
        serde_json::from_str(text)
            .map_err(|e| CdpError(format!("unexpected answer from the page: {e}")))
    }

    /// Runs a classic script's source in the page (axe-core).
    pub fn inject(&self, source: &str) -> Result<()> {
        let answer = self.call(
            "Runtime.evaluate",
            json!({ "expression": source, "returnByValue": true }),
        )?;
        match answer.get("exceptionDetails") {
            Some(details) => Err(CdpError(format!(
                "injected script failed: {}",
                clip(&details.to_string())
            ))),
            None => Ok(()),
        }
    }

    /// Waits until `condition` (a JS expression) is true, polling in the page; false on timeout.
    pub fn wait_for(&self, condition: &str, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .as_millis();
            let poll = format!(
                "new Promise((resolve) => {{ const end = performance.now() + {left}; const poll = () => {{ \
                   let ok = false; try {{ ok = !!({condition}); }} catch {{}} \
                   if (ok) resolve(true); else if (performance.now() >= end) resolve(false); else setTimeout(poll, 20); }}; poll(); }})"
            );
            match self.eval::<bool>(&poll) {
                Ok(done) => return Ok(done),
                // A navigation destroyed the context mid-wait: the next document answers.
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Scrolls the first element matching `selector` into view and clicks its centre with the
    /// mouse, as a visitor would. False if there is no such visible element.
    pub fn click(&self, selector: &str) -> Result<bool> {
        let centre: Option<[f64; 2]> = self.eval(&centre_script(selector)?)?;
        let Some([x, y]) = centre else {
            return Ok(false);
        };
        mouse_click(&self.wire, &self.session, x, y)?;
        Ok(true)
    }

    /// The address the page is at now (after any redirect).
    pub fn location(&self) -> Result<String> {
        self.eval("location.href")
    }

    /// Presses and releases `Tab` or `Escape` (or `Enter`).
    pub fn press(&self, key: &str) -> Result<()> {
        press_key(&self.wire, &self.session, key)
    }

    /// Sets the viewport to `width` × `height` CSS pixels.
    pub fn viewport(&self, width: u32, height: u32) -> Result<()> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        Ok(())
    }

    /// Every cookie in this browser context, HttpOnly ones and those of other hosts included.
    pub fn cookies(&self) -> Result<Vec<Cookie>> {
        let answer = self.wire.call(
            None,
            "Storage.getCookies",
            json!({ "browserContextId": self.context }),
        )?;
        let list = answer
            .get("cookies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let mut cookies: Vec<Cookie> = list
            .iter()
            .filter_map(|c| Cookie::from_cdp(c, now))
            .collect();
        cookies.sort();
        Ok(cookies)
    }

    /// The entries of the site origin's localStorage (`local`) or this tab's sessionStorage.
    fn storage(&self, local: bool) -> Result<Vec<(String, String)>> {
        let answer = self.call(
            "DOMStorage.getDOMStorageItems",
            json!({ "storageId": { "securityOrigin": self.site_origin, "isLocalStorage": local } }),
        )?;
        Ok(answer
            .get("entries")
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| {
                        Some((
                            e.get(0)?.as_str()?.to_owned(),
                            e.get(1)?.as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The keys of the site's localStorage (`local`) or of this tab's sessionStorage.
    pub fn storage_keys(&self, local: bool) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self
            .storage(local)?
            .into_iter()
            .map(|(k, _)| clip(&k))
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// The value stored under `key` in the site's localStorage, if any.
    pub fn local_value(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .storage(true)?
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v))
    }

    /// What the tab did: external requests, console errors and CSP violations. Closes the tab
    /// and its browser context.
    pub fn finish(self) -> Observed {
        let _ = self.wire.call(
            None,
            "Target.closeTarget",
            json!({ "targetId": self.target }),
        );
        let _ = self.wire.call(
            None,
            "Target.disposeBrowserContext",
            json!({ "browserContextId": self.context }),
        );
        self.wire.forget(&self.session);
        for child in self.recorder.children() {
            self.wire.forget(&child);
        }
        self.recorder.take()
    }
}
