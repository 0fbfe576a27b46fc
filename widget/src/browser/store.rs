//! The consent record in localStorage through gloo-storage, and the purge of refused keys from
//! both web storages.
//!
//! Storage can be missing, blocked (the getter throws), full (`setItem` throws) or hold anything
//! at all; every one of these reads as "no record" or "not stored", never as a crash.

use super::Widget;
use gloo_storage::{LocalStorage, Storage as _};
use web_sys::Storage;

/// localStorage, if the page may use it.
pub(super) fn open() -> Option<Storage> {
    // gloo's `raw()` throws when storage is blocked; ask first, so that the widget fails closed
    // instead of stopping halfway through its start.
    web_sys::window()?.local_storage().ok()??;
    Some(LocalStorage::raw())
}

/// sessionStorage, only ever purged. Taken straight from web-sys: a second gloo handle would add
/// its own window lookup and messages to the module for nothing.
fn open_session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub(super) fn read(storage: &Storage, key: &str) -> Option<String> {
    storage.get_item(key).ok().flatten()
}

/// Whether the value was stored.
pub(super) fn write(storage: &Storage, key: &str, value: &str) -> bool {
    storage.set_item(key, value).is_ok()
}

/// Removes the keys of both storages that a refused category's patterns match, as for cookies
/// (the inventory lists storage keys among its cookies). The record's own key is never touched.
pub(super) fn purge(widget: &Widget) {
    let grant = widget.grant.get();
    for storage in [widget.storage.clone(), open_session()]
        .into_iter()
        .flatten()
    {
        let count = storage.length().unwrap_or(0);
        // Backwards, so removing a key does not shift the ones still to visit.
        for i in (0..count).rev() {
            if let Ok(Some(key)) = storage.key(i) {
                if key != widget.config.storage_key
                    && crate::purge::is_refused(&key, &widget.config, grant)
                {
                    let _ = storage.remove_item(&key);
                }
            }
        }
    }
}
