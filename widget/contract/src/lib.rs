//! The contract between Samtykke's generator and its consent widget, and the widget's decisions.
//!
//! The generator writes a [`config::WidgetConfig`], the browser keeps a [`record::ConsentRecord`],
//! and [`validity`], [`grant`] and [`purge`] decide what that means. Nothing here touches a
//! browser or depends on wasm, so the generator, the widget and their native tests share one
//! definition. The gate script is here too: the generator inlines its exact bytes and hashes
//! them into the CSP, so it is part of the contract rather than of the compiled module.

pub mod config;
pub mod grant;
pub mod json;
pub mod pattern;
pub mod purge;
pub mod receipt;
pub mod record;
pub mod text;
pub mod validity;

/// The gate: a classic script for `<head>`, right after the configuration element. It shows the
/// banner before first paint unless a valid record exists or Global Privacy Control is on, and
/// queues clicks on `[data-sk]` until the WASM takes over. The generator puts its sha256 into the CSP, so these are its exact bytes.
pub const GATE_JS: &str = include_str!("gate.js").trim_ascii_end();

/// The standard Google tag stub, for pages whose configuration turns on `google_consent_mode`:
/// an inline classic script before the gate (its sha256 in the CSP too). The widget sends its
/// Consent Mode commands through `gtag`, because gtag.js reads only `arguments` objects from the
/// dataLayer, which WASM cannot make without `eval`.
pub const GTAG_JS: &str =
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}";

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn the_gate_is_small_and_its_bytes_are_stable() {
        assert!(GATE_JS.len() <= 400, "{} bytes", GATE_JS.len());
        assert_eq!(GATE_JS, GATE_JS.trim());
        assert!(!GATE_JS.contains('\n'));
    }

    #[test]
    fn the_gate_uses_the_contract_names_and_numbers() {
        use crate::validity::{CLOCK_SKEW_MS, DAY_MS};
        assert!(GATE_JS.contains(&format!("self[\"{}\"]", config::CONFIG_ELEMENT_ID)));
        for field in ["storage_key", "version", "revision", "expiry_days"] {
            assert!(
                GATE_JS.contains(&format!("c.{field}")),
                "config field {field}"
            );
        }
        for field in ["v", "rev", "ts"] {
            assert!(
                GATE_JS.contains(&format!("r.{field}")),
                "record field {field}"
            );
        }
        assert_eq!(CLOCK_SKEW_MS, 300_000);
        assert!(GATE_JS.contains("r.ts<n+3e5"));
        assert_eq!(DAY_MS, 86_400_000);
        assert!(GATE_JS.contains("*864e5"));
        assert!(GATE_JS.contains("\"sk-ask\""));
    }
}
