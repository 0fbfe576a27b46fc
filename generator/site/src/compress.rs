//! Precompression: a `.br` and a `.gz` beside every text file and the WASM, made once at build
//! time at the highest settings, so servers send them as they are (nginx `gzip_static` and the
//! rewrite in `render::headers`, Apache's `.htaccess`) instead of compressing on every request
//! or not at all.

use crate::render::headers::COMPRESSIBLE;
use std::collections::BTreeMap;
use std::io::Write;

/// Whether a file gets compressed siblings, by its extension.
pub fn compressible(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| COMPRESSIBLE.iter().any(|(e, _)| *e == ext))
}

/// Brotli at its best quality for the fingerprinted assets (few, large, cached for a year) and
/// at 9 for pages: quality 11 costs about 5× the time for a few percent on small HTML, which on
/// a 1,000-page site is most of the build. The window fits the file: a 4 MiB window for a 10 KB
/// page only costs memory and time.
pub fn brotli(bytes: &[u8], best: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    let lgwin = (usize::BITS - bytes.len().leading_zeros()).clamp(10, 24) as i32;
    let params = brotli::enc::BrotliEncoderParams {
        quality: if best { 11 } else { 9 },
        lgwin,
        size_hint: bytes.len(),
        ..Default::default()
    };
    // Writing into a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Adds `<path>.br` and `<path>.gz` for every compressible file, on all cores. A sibling that
/// would not be smaller than the file is left out: the servers then send the file itself.
pub fn precompress(files: &mut BTreeMap<String, Vec<u8>>) {
    let work: Vec<(&String, &Vec<u8>)> = files.iter().filter(|(p, _)| compressible(p)).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(work.len().max(1));
    let chunk = work.len().div_ceil(threads).max(1);
    let made: Vec<(String, Vec<u8>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for (path, bytes) in part {
                        let best = crate::render::headers::is_fingerprinted(path);
                        for (suffix, packed) in [("br", brotli(bytes, best)), ("gz", gzip(bytes))] {
                            if packed.len() < bytes.len() {
                                out.push((format!("{path}.{suffix}"), packed));
                            }
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    files.extend(made);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn siblings_decompress_to_the_original() {
        let page = "<p>Personvern</p>\n".repeat(200).into_bytes();
        let mut files = BTreeMap::from([
            ("index.html".to_owned(), page.clone()),
            ("favicon.ico".to_owned(), page.clone()),
            ("a.wasm".to_owned(), vec![0; 4096]),
            ("tiny.txt".to_owned(), b"x".to_vec()),
        ]);
        precompress(&mut files);

        let br = &files["index.html.br"];
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut back)
            .expect("brotli");
        assert_eq!(back, page);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&files["index.html.gz"][..])
            .read_to_end(&mut back)
            .expect("gzip");
        assert_eq!(back, page);
        assert!(br.len() < page.len() / 10);

        assert!(files.contains_key("a.wasm.br") && files.contains_key("a.wasm.gz"));
        // Not a compressible type, and too small to gain.
        for absent in [
            "favicon.ico.br",
            "favicon.ico.gz",
            "tiny.txt.br",
            "tiny.txt.gz",
        ] {
            assert!(!files.contains_key(absent), "{absent}");
        }
    }
}
