//! A plain tab for tests: one page in a fresh browser context, navigated, evaluated in and
//! clicked, without the audit's recording and refusal of requests (`cdp::Page` adds those).

use crate::cdp::{centre_script, mouse_click, press_key, CdpError, Result};
use crate::observe::text_at;
use crate::wire::Wire;
use serde_json::{json, Value};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Load events seen, for waiting on the next one.
#[derive(Default)]
struct Loads {
    count: Mutex<u64>,
    changed: Condvar,
}

impl Loads {
    fn get(&self) -> u64 {
        *self
            .count
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn wait_past(&self, before: u64, timeout: Duration) -> bool {
        let count = self
            .count
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, _) = self
            .changed
            .wait_timeout_while(count, timeout, |n| *n <= before)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *count > before
    }
}

pub struct Tab {
    wire: Arc<Wire>,
    session: String,
    target: String,
    context: String,
    loads: Arc<Loads>,
    /// How long a navigation or a wait for an element may take.
    pub timeout: Duration,
}

impl Tab {
    pub fn open(wire: &Arc<Wire>) -> Result<Tab> {
        let created = wire.call(None, "Target.createBrowserContext", json!({}))?;
        let context = text_at(&created, "/browserContextId")
            .ok_or_else(|| CdpError("no browser context".into()))?
            .to_owned();
        let created = wire.call(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank", "browserContextId": context }),
        )?;
        let target = text_at(&created, "/targetId")
            .ok_or_else(|| CdpError("no target".into()))?
            .to_owned();
        let attached = wire.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )?;
        let session = text_at(&attached, "/sessionId")
            .ok_or_else(|| CdpError("no session".into()))?
            .to_owned();
        let loads = Arc::new(Loads::default());
        let seen = Arc::clone(&loads);
        wire.listen(
            &session,
            Arc::new(move |_: &Wire, _: &str, method: &str, _: &Value| {
                if method == "Page.loadEventFired" {
                    *seen
                        .count
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
                    seen.changed.notify_all();
                }
            }),
        );
        let tab = Tab {
            wire: Arc::clone(wire),
            session,
            target,
            context,
            loads,
            timeout: Duration::from_secs(20),
        };
        tab.call("Page.enable", json!({}))?;
        tab.call("Runtime.enable", json!({}))?;
        Ok(tab)
    }

    /// Calls a DevTools method on this tab's session.
    pub fn call(&self, method: &str, params: Value) -> Result<Value> {
        Ok(self.wire.call(Some(&self.session), method, params)?)
    }

    /// Runs `source` in every document this tab loads from now on, before the page's scripts.
    pub fn add_script_on_new_document(&self, source: &str) -> Result<()> {
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )?;
        Ok(())
    }

    /// Loads `url` and waits for its load event.
    pub fn navigate(&self, url: &str) -> Result<()> {
        let before = self.loads.get();
        let answer = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(error) = text_at(&answer, "/errorText") {
            return Err(CdpError(format!("{url}: {error}")));
        }
        if self.loads.wait_past(before, self.timeout) {
            Ok(())
        } else {
            Err(CdpError(format!(
                "{url}: no load event in {} s",
                self.timeout.as_secs()
            )))
        }
    }

    /// Evaluates `js` and returns its value as JSON (`null` for `undefined`). With
    /// `await_promise`, a promise's result. A thrown exception is an error.
    pub fn evaluate(&self, js: &str, await_promise: bool) -> Result<Value> {
        let answer = self.call(
            "Runtime.evaluate",
            json!({ "expression": js, "returnByValue": true, "awaitPromise": await_promise }),
        )?;
        if let Some(details) = answer.get("exceptionDetails") {
            let text = text_at(details, "/exception/description")
                .or_else(|| text_at(details, "/text"))
                .unwrap_or("exception");
            return Err(CdpError(format!("script failed: {text}")));
        }
        Ok(answer
            .pointer("/result/value")
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// Waits (up to [`Tab::timeout`]) for a visible element matching `selector`, scrolls it into
    /// view and clicks its centre with the mouse.
    pub fn click(&self, selector: &str) -> Result<()> {
        let centre_js = centre_script(selector)?;
        let deadline = Instant::now() + self.timeout;
        let (x, y) = loop {
            let centre = self.evaluate(&centre_js, false).unwrap_or(Value::Null);
            if let (Some(x), Some(y)) = (
                centre.get(0).and_then(Value::as_f64),
                centre.get(1).and_then(Value::as_f64),
            ) {
                break (x, y);
            }
            if Instant::now() >= deadline {
                return Err(CdpError(format!(
                    "no visible {selector} in {} s",
                    self.timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        mouse_click(&self.wire, &self.session, x, y)
    }

    /// Presses and releases `Tab`, `Escape` or `Enter`.
    pub fn press_key(&self, key: &str) -> Result<()> {
        press_key(&self.wire, &self.session, key)
    }

    /// Sets the viewport to `width` × `height` CSS pixels.
    pub fn set_viewport(&self, width: u32, height: u32) -> Result<()> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        Ok(())
    }

    /// Every cookie in this tab's browser context, HttpOnly ones included, as DevTools reports
    /// them (`name`, `value`, `domain`, …).
    pub fn cookies(&self) -> Result<Vec<Value>> {
        let answer = self.wire.call(
            None,
            "Storage.getCookies",
            json!({ "browserContextId": self.context }),
        )?;
        Ok(answer
            .get("cookies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        self.wire.forget(&self.session);
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
    }
}
