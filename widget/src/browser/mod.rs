//! The widget in the page. It reads the configuration and the stored record, decides what is
//! granted, and has the page (`page.js`) show and enforce it. Every failure ends in the closed
//! state: only required categories granted, nothing optional started.

mod page;
mod store;

use crate::config::WidgetConfig;
use crate::grant::{on_load, Grant};
use crate::purge;
use crate::receipt;
use crate::record::{ConsentRecord, Method};
use crate::validity::{assess, Status};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use wasm_bindgen::prelude::*;

// SAFETY: wasm32-unknown-unknown without the `atomics` target feature runs a single thread,
// which is the one condition `AssumeSingleThreaded` asks for.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// One page's widget. It lives as long as the page, so it is leaked rather than owned: the page's
/// listeners and the cookie guard reach it through [`current`] at any time, including while the
/// widget itself is inside a call into the page (an activated inline script runs synchronously
/// and may set a cookie). Hence only `Cell`s, and no borrow held across a call into JavaScript.
struct Widget {
    config: WidgetConfig,
    storage: Option<web_sys::Storage>,
    grant: Cell<Grant>,
    /// The current grant comes from the browser signal, not from the visitor (`#sk-gpc`).
    gpc_honoured: Cell<bool>,
    /// The id of the record in force, empty without one: a change or a withdrawal keeps it, so
    /// the receipts service holds one history per id, and the preferences show it (`#sk-id`).
    id: Cell<String>,
}

/// The widget of this page, if it started: one per module, as the page is one per module.
struct Current(Cell<Option<&'static Widget>>);

// SAFETY: as for the allocator, a single thread; the widget is only ever reached from it.
unsafe impl Sync for Current {}

static CURRENT: Current = Current(Cell::new(None));
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn current() -> Option<&'static Widget> {
    CURRENT.0.get()
}

/// Starts the widget on the current page. It runs by itself when the module is instantiated;
/// calling it again re-reads the configuration, the record and the markup, as a test does after
/// building its page.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(config) = page::config().and_then(|text| WidgetConfig::from_json(&text).ok()) else {
        // Nothing optional can start without knowing what is optional; the gate has shown the
        // banner if it could not read the configuration either. A widget started earlier on this
        // page stands down too.
        CURRENT.0.set(None);
        page::warn("samtykke: no valid configuration; nothing optional runs");
        return;
    };
    let gpc = page::gpc();
    let storage = store::open();
    let stored = storage
        .as_ref()
        .and_then(|s| store::read(s, &config.storage_key));
    let assessment = assess(stored.as_deref(), &config, now_ms());
    let load = on_load(&config, &assessment, gpc);
    let id = match assessment.record {
        Some(r) if assessment.status == Status::Valid => r.id,
        _ => String::new(),
    };
    let widget: &'static Widget = Box::leak(Box::new(Widget {
        config,
        storage,
        grant: Cell::new(load.grant),
        gpc_honoured: Cell::new(load.gpc_honoured),
        id: Cell::new(id),
    }));
    CURRENT.0.set(Some(widget));
    if !INSTALLED.swap(true, Relaxed) {
        install();
    }
    widget.retry_receipts();
    if load.store_gpc_refusal {
        widget.record(Method::Gpc, "");
    }
    // Google's tags wait for a default before they run; the grant follows as an update.
    widget.consent("default");
    if load.grant.any_optional(&widget.config) {
        widget.consent("update");
    }
    widget.apply(load.ask);
    page::replay();
}

/// What the page asks Rust through the one closure [`install`] hands it (`page.js`'s `setup`):
/// a `data-sk` action (`accept-all`, `reject-all`, `save`, `preferences` or `close`) ...
const ACT: u32 = 0;
/// ... whether a `document.cookie` write may pass the guard ...
const COOKIE: u32 = 1;
/// ... whether a key in localStorage or sessionStorage must go ...
const STORAGE_KEY: u32 = 2;
/// ... and how the receipts service answered a receipt (`"<status> <body>"`, see `page::send`).
const RECEIPT: u32 = 3;

/// The page's hook into the widget, once per page: the `data-sk` actions, the cookie guard's
/// question and the storage purge's. It finds the widget through [`current`], so a restart swaps
/// what it acts on.
fn install() {
    let on = Closure::<dyn Fn(u32, String) -> bool>::new(|kind: u32, text: String| {
        match current() {
            // Without a widget (only after a restart with a broken configuration) the guard
            // knows no categories and stands aside, as if it had never been installed.
            None => kind == COOKIE,
            Some(w) => w.on(kind, &text),
        }
    });
    page::setup(on.as_ref());
    on.forget();
}

impl Widget {
    fn on(&self, kind: u32, text: &str) -> bool {
        let grant = self.grant.get();
        match kind {
            ACT => self.act(text),
            COOKIE => return purge::write_allowed(text, &self.config, grant),
            // The record's own key, and its pending receipts, are never touched.
            STORAGE_KEY => {
                return !receipt::is_own_key(text, &self.config.storage_key)
                    && purge::is_refused(text, &self.config, grant)
            }
            RECEIPT => {
                if let Some(body) = receipt::to_keep(text) {
                    self.keep_receipt(body);
                }
            }
            _ => {}
        }
        false
    }

    fn act(&self, action: &str) {
        match action {
            "accept-all" => self.choose(Method::AcceptAll),
            "reject-all" => self.choose(Method::RejectAll),
            "save" => self.choose(Method::Custom),
            "preferences" => page::open(),
            // Closes the preferences if open, else hides the banner for this page. Neither is a
            // choice (C-5): nothing is stored, and the next page asks again.
            "close" if !page::close() => page::ask(false),
            // An embed's placeholder: this one category on top of what is granted (C-34).
            _ => {
                if let Some(category) = action.strip_prefix("grant:") {
                    self.grant_one(category);
                }
            }
        }
    }

    /// Brings the page in line with the grant: the banner, the toggles, purged cookies and
    /// storage (see [`STORAGE_KEY`]), started scripts.
    fn apply(&self, ask: bool) {
        let grant = self.grant.get();
        let mut ids = String::new();
        for id in grant.ids(&self.config) {
            if !ids.is_empty() {
                ids.push(' ');
            }
            ids.push_str(id);
        }
        // A copy: the page may run a started script that makes a choice before this returns.
        let id = self.id.take();
        self.id.set(id.clone());
        page::apply(
            ask,
            &ids,
            &id,
            self.gpc_honoured.get(),
            &self.deletions(),
            &crate::config::startable(&self.config, grant.ids(&self.config)),
        );
    }

    /// The writes that delete every cookie of a refused category at every (domain, path) it may
    /// have been set on, one per line; they pass the guard, which never blocks a deletion.
    fn deletions(&self) -> String {
        let place = page::place();
        let mut place = crate::text::split(&place, b'\n');
        let secure = place.next() == Some("https:");
        let (host, path) = (place.next().unwrap_or(""), place.next().unwrap_or(""));
        let header = place.next().unwrap_or("");
        let names = purge::names_to_purge(header, &self.config, self.grant.get());
        purge::deletions(&names, host, path, secure)
    }

    /// Grants `category` on top of the current grant, as a custom choice, when the visitor asks
    /// for an embed of it. An unknown or required category changes nothing.
    fn grant_one(&self, category: &str) {
        if self.config.is_optional(category) {
            self.choose_with(Method::Custom, category);
        }
    }

    /// Stores a record of `method` and makes it the grant. A record that cannot be stored grants
    /// nothing: consent that cannot be demonstrated (C-13) is not relied on. `also`, if not
    /// empty, is one category granted on top of the current grant instead of the toggles.
    fn record(&self, method: Method, also: &str) -> bool {
        let ticked = if method == Method::Custom && also.is_empty() {
            page::toggles()
        } else {
            String::new()
        };
        let before = self.grant.get();
        // A change or a withdrawal of the record in force keeps its id; a first answer, or one
        // after the record expired or the revision changed, starts a new one.
        let old_id = self.id.take();
        let id = if old_id.is_empty() {
            page::random_hex()
        } else {
            old_id.clone()
        };
        let record = ConsentRecord::new(&self.config, method, id, now_ms(), |c| {
            method == Method::AcceptAll
                || (!also.is_empty() && (c == also || before.allows(&self.config, c)))
                || crate::text::split(&ticked, b' ').any(|t| t == c)
        });
        let stored = self
            .storage
            .as_ref()
            .is_some_and(|s| store::write(s, &self.config.storage_key, &record.encode()));
        let granted_before = self.grant.get().any_optional(&self.config);
        self.grant.set(if stored {
            Grant::from_choices(&self.config, &record.choices)
        } else {
            Grant::required(&self.config)
        });
        // Only a decision that is in force is receipted: the local record is the truth.
        if stored {
            if let Some(url) = &self.config.receipts_url {
                let body = receipt::body(
                    &record,
                    receipt::method(&record, granted_before),
                    &self.config.policy_version,
                    &page::lang(),
                );
                page::send(url, &body, false);
            }
            self.id.set(record.id);
        } else {
            self.id.set(old_id);
        }
        stored
    }

    /// Sends, once, the receipts an earlier page could not deliver, oldest first; those that
    /// fail again are dropped (the record in the browser stays the truth). Without a receipts
    /// URL this reads nothing.
    fn retry_receipts(&self) {
        if let (Some(url), Some(s)) = (&self.config.receipts_url, &self.storage) {
            let key = receipt::pending_key(&self.config.storage_key);
            if let Some(pending) = store::read(s, &key) {
                store::remove(s, &key);
                for body in receipt::bodies(&pending) {
                    page::send(url, body, true);
                }
            }
        }
    }

    /// Keeps a receipt the service did not take for the retry on the next page view.
    fn keep_receipt(&self, body: &str) {
        if let Some(s) = &self.storage {
            let key = receipt::pending_key(&self.config.storage_key);
            store::write(
                s,
                &key,
                &receipt::queue(store::read(s, &key).as_deref(), body),
            );
        }
    }

    /// A choice the visitor made: store it, apply it, announce it.
    fn choose(&self, method: Method) {
        self.choose_with(method, "");
    }

    fn choose_with(&self, method: Method, also: &str) {
        let stored = self.record(method, also);
        self.gpc_honoured.set(false);
        self.consent("update");
        self.apply(!stored);
        page::chosen(stored);
    }

    /// Google Consent Mode v2, if configured: `analytics` grants `analytics_storage`,
    /// `marketing` the three `ad_*` types. A `"default"` denies everything.
    fn consent(&self, command: &str) {
        if self.config.google_consent_mode {
            let granted = |c| command != "default" && self.grant.get().allows(&self.config, c);
            page::consent(command, granted("analytics"), granted("marketing"));
        }
    }
}

fn now_ms() -> u64 {
    // `as` saturates: a clock before 1970 reads as 0, which only makes records look old.
    js_sys::Date::now() as u64
}
