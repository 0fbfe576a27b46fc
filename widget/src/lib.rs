//! The consent widget, compiled to wasm32: the browser side of [`samtykke_contract`].
//!
//! Everything that touches the DOM lives in `browser`; every decision it acts on is made by the
//! contract crate, which compiles natively and is tested there. The contract's modules are
//! re-exported so the widget and its tests name them as before.

pub use samtykke_contract::{
    config, grant, json, pattern, purge, receipt, record, text, validity, GATE_JS, GTAG_JS,
};

#[cfg(target_arch = "wasm32")]
pub mod browser;
