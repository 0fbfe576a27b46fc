//! The consent widget.
//!
//! The pure part (`config`, `record`, `pattern`) is the contract between the generator and the
//! browser: the generator writes a [`config::WidgetConfig`], the browser code reads it and keeps a
//! [`record::ConsentRecord`]. It compiles natively so that both sides and their tests share one
//! definition. Everything that touches the DOM lives in `browser`, built for wasm32 only.

pub mod config;
pub mod pattern;
pub mod record;
