//! Compresses the committed widget once, when this crate is compiled, at the settings a build
//! would use for a fingerprinted asset (brotli 11, gzip 9). Brotli 11 on the WASM is most of a
//! small site's clean build otherwise: `samtykke build` takes these siblings instead, after
//! checking that they decompress to the exact bytes it writes (`compress::siblings`).

use std::io::Write;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in ["samtykke.js", "samtykke_bg.wasm"] {
        println!("cargo:rerun-if-changed={name}");
        let bytes = std::fs::read(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        write(&out, &format!("{name}.br"), &brotli(&bytes));
        write(&out, &format!("{name}.gz"), &gzip(&bytes));
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli into memory");
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}
