//! The consent widget as `tools/build-widget.sh --commit` built it: wasm-bindgen's ES module and
//! the WASM module, committed beside this file so that `samtykke` builds any site with no wasm
//! toolchain. `BUILD.toml` records the toolchain and a hash of the widget's sources; this crate's
//! test fails when the sources change without a new build, and `tools/check-widget.sh` rebuilds
//! and compares the bytes.

/// `samtykke.js`: the glue; its default export loads [`WASM`].
pub const JS: &[u8] = include_bytes!("../samtykke.js");

/// `samtykke_bg.wasm`.
pub const WASM: &[u8] = include_bytes!("../samtykke_bg.wasm");

/// `BUILD.toml`: the versions of rustc, wasm-bindgen and wasm-opt, whether std was built from
/// source, and `inputs_sha256`.
pub const BUILD: &str = include_str!("../BUILD.toml");

/// [`JS`] and [`WASM`] compressed as a build would compress them (brotli 11, gzip 9), made by
/// `build.rs` when this crate was compiled, so that a build does not spend its time on them.
pub mod packed {
    pub const JS_BR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/samtykke.js.br"));
    pub const JS_GZ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/samtykke.js.gz"));
    pub const WASM_BR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/samtykke_bg.wasm.br"));
    pub const WASM_GZ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/samtykke_bg.wasm.gz"));
}
