//! The consent record in localStorage through gloo-storage.
//!
//! Storage can be missing, blocked (the getter throws), full (`setItem` throws) or hold anything
//! at all; every one of these reads as "no record" or "not stored", never as a crash. The purge of
//! refused keys runs in `page.js`, which asks Rust about each key.

use gloo_storage::{LocalStorage, Storage as _};
use web_sys::Storage;

/// localStorage, if the page may use it.
pub(super) fn open() -> Option<Storage> {
    // gloo's `raw()` throws when storage is blocked; ask first, so that the widget fails closed
    // instead of stopping halfway through its start.
    web_sys::window()?.local_storage().ok()??;
    Some(LocalStorage::raw())
}

pub(super) fn read(storage: &Storage, key: &str) -> Option<String> {
    storage.get_item(key).ok().flatten()
}

/// Whether the value was stored.
pub(super) fn write(storage: &Storage, key: &str, value: &str) -> bool {
    storage.set_item(key, value).is_ok()
}

pub(super) fn remove(storage: &Storage, key: &str) {
    let _ = storage.remove_item(key);
}
