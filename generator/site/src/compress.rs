//! Precompression: a `.br` and a `.gz` beside every text file and the WASM, made once at build
//! time at the highest settings, so servers send them as they are (nginx `gzip_static` and the
//! rewrite in `render::headers`, Apache's `.htaccess`) instead of compressing on every request
//! or not at all.

use crate::render::headers::COMPRESSIBLE;
use std::collections::BTreeMap;
use std::io::{Read, Write};

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

/// The files of an earlier build, by output path, for [`precompress`] to take siblings from.
/// `None` when there was no such file (or it could not be read).
pub type Earlier<'a> = &'a (dyn Fn(&str) -> Option<Vec<u8>> + Sync);

/// Adds `<path>.br` and `<path>.gz` for every compressible file, on all cores. A sibling that
/// would not be smaller than the file is left out: the servers then send the file itself.
///
/// Compressing is most of a build's time (brotli at its best quality on the WASM alone takes
/// longer than rendering a small site), and most files are the same as in the last build: a
/// sibling in `earlier` is kept when it decompresses to exactly the new file, which costs a
/// fraction of compressing it again. It is checked, never trusted by its name, so a stale or
/// damaged sibling is made anew.
pub fn precompress(files: &mut BTreeMap<String, Vec<u8>>, earlier: Earlier) {
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
                        for suffix in ["br", "gz"] {
                            let sibling = format!("{path}.{suffix}");
                            let packed = earlier(&sibling)
                                .filter(|old| {
                                    old.len() < bytes.len() && decodes_to(suffix, old, bytes)
                                })
                                .unwrap_or_else(|| compress(suffix, path, bytes));
                            if packed.len() < bytes.len() {
                                out.push((sibling, packed));
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

fn compress(suffix: &str, path: &str, bytes: &[u8]) -> Vec<u8> {
    match suffix {
        "br" => brotli(bytes, crate::render::headers::is_fingerprinted(path)),
        _ => gzip(bytes),
    }
}

/// Whether `packed` (brotli for `br`, gzip for `gz`) decompresses to exactly `expected`. Stops
/// at the first byte that differs, so a changed page costs little more than reading its start.
fn decodes_to(suffix: &str, packed: &[u8], expected: &[u8]) -> bool {
    let mut reader: Box<dyn Read + '_> = match suffix {
        "br" => Box::new(brotli::Decompressor::new(packed, 4096)),
        _ => Box::new(flate2::read::GzDecoder::new(packed)),
    };
    let mut buf = [0u8; 8192];
    let mut seen = 0;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return seen == expected.len(),
            Ok(n) => {
                if expected.get(seen..seen + n) != Some(&buf[..n]) {
                    return false;
                }
                seen += n;
            }
            Err(_) => return false,
        }
    }
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
        precompress(&mut files, &|_| None);

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

    #[test]
    fn an_earlier_sibling_is_kept_only_when_it_decompresses_to_the_new_file() {
        let page = "<p>Personvern og informasjonskapsler</p>\n"
            .repeat(100)
            .into_bytes();
        let mut first = BTreeMap::from([("index.html".to_owned(), page.clone())]);
        precompress(&mut first, &|_| None);

        // A sibling no compressor here would write: kept, so it was taken, not made again.
        let foreign = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&page).expect("gzip");
            e.finish().expect("gzip")
        };
        assert_ne!(foreign, first["index.html.gz"]);
        let earlier = {
            let (br, gz) = (first["index.html.br"].clone(), foreign.clone());
            move |path: &str| match path {
                "index.html.br" => Some(br.clone()),
                "index.html.gz" => Some(gz.clone()),
                _ => None,
            }
        };
        let mut again = BTreeMap::from([("index.html".to_owned(), page.clone())]);
        precompress(&mut again, &earlier);
        assert_eq!(again["index.html.gz"], foreign);
        assert_eq!(again["index.html.br"], first["index.html.br"]);

        // The page changed by one byte at its end: both siblings are made anew and fit it.
        let mut changed = page.clone();
        *changed.last_mut().expect("bytes") = b' ';
        let mut next = BTreeMap::from([("index.html".to_owned(), changed.clone())]);
        precompress(&mut next, &earlier);
        assert_ne!(next["index.html.gz"], foreign);
        assert!(decodes_to("gz", &next["index.html.gz"], &changed));
        assert!(decodes_to("br", &next["index.html.br"], &changed));

        // Damaged, truncated, longer or not compressed at all: never kept.
        let truncated = foreign[..foreign.len() / 2].to_vec();
        let mut longer = page.clone();
        longer.push(b'x');
        assert!(!decodes_to("gz", &truncated, &page));
        assert!(!decodes_to("gz", &foreign, &longer));
        assert!(!decodes_to("gz", &foreign, &page[..page.len() - 1]));
        assert!(!decodes_to("br", &page, &page));
        assert!(decodes_to("gz", &foreign, &page));
    }
}
