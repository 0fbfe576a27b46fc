//! Samtykke's site library: a static-site generator for privacy policies and cookie inventories.
//!
//! Data flows one way: `content` (files) → `model` (checked by `validate`, bodies prepared by
//! `markdown`) → `render` (pages, assets and the widget's configuration from `widget_config`)
//! → `output` (written atomically). `build` puts those together and [`Error`] is what any of it
//! returns; `check` reports what the policy and inventory still lack. Nothing here serves HTTP or drives a browser.

pub mod brand;
pub mod build;
pub mod check;
pub mod colour;
pub mod compress;
pub mod content;
pub mod diagnostics;
mod error;
pub mod i18n;
pub mod init;
pub mod markdown;
pub mod model;
pub mod output;
mod phases;
pub mod render;
pub mod site_fs;
pub mod theme;
pub mod translations;
pub mod validate;
pub mod widget_config;

pub use error::{Error, RenderError};
