//! Precompression: a `.br` and a `.gz` beside every text file and the WASM, made once at build
//! time at the highest settings, so servers send them as they are (nginx `gzip_static` and the
//! rewrite in `render::headers`, Apache's `.htaccess`) instead of compressing on every request
//! or not at all.

use crate::render::headers::COMPRESSIBLE;
use std::io::{Read, Write};

/// Whether a file gets compressed siblings, by its extension.
pub fn compressible(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| COMPRESSIBLE.iter().any(|(e, _)| *e == ext))
}

/// Brotli at its best quality for the fingerprinted assets (few, large, cached for a year) and
/// at 6 for pages. Measured with this crate on Hesbynett's four pages (2026-12-01): quality 11
/// is 7 % smaller than 6 but about 60 times slower, and 9 gains 0.3 % over 6 for 10 times the
/// time; on a 10,000-page site that is minutes against seconds.
///
/// The window is at least 2^18 even for a 10 KB page: with a smaller window this brotli picks a
/// hasher whose tables cost more to set up than the page costs to compress (q5 on a 21 KB page:
/// 40 ms at a 2^15 window, 3 ms at 2^18), for the same output within a few bytes.
pub fn brotli(bytes: &[u8], best: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    let fits = (usize::BITS - bytes.len().leading_zeros()) as i32;
    let params = brotli::enc::BrotliEncoderParams {
        quality: if best { 11 } else { 6 },
        lgwin: if best {
            fits.clamp(10, 24)
        } else {
            fits.clamp(18, 24)
        },
        size_hint: bytes.len(),
        ..Default::default()
    };
    // Writing into a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

/// gzip at its best level for the fingerprinted assets, and at 6 for pages: on a page, 9 saves
/// a few bytes in 4,000 for twice the time.
pub fn gzip(bytes: &[u8], best: bool) -> Vec<u8> {
    let level = if best {
        flate2::Compression::best()
    } else {
        flate2::Compression::default()
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), level);
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Where an already compressed sibling may be found: given the sibling's output path and the
/// file it must decompress to, bytes to try (an earlier build's sibling, or the widget's, made
/// when the program was compiled). `None` when there is nothing to try. What it gives is
/// checked, never trusted.
pub type Earlier<'a> = &'a (dyn Fn(&str, &[u8]) -> Option<Vec<u8>> + Sync);

/// `<path>.br` and `<path>.gz` for one compressible file (nothing for other files). A sibling
/// that would not be smaller than the file is left out: the servers then send the file itself.
///
/// Compressing is most of a build's time, and most files are the same as in the last build: a
/// sibling from `earlier` is kept when it decompresses to exactly `bytes`, which costs a
/// fraction of compressing again. It is checked, never trusted by its name, so a stale or
/// damaged sibling is made anew.
pub fn siblings(path: &str, bytes: &[u8], earlier: Earlier) -> Vec<(String, Vec<u8>)> {
    if !compressible(path) {
        return Vec::new();
    }
    let best = crate::render::headers::is_fingerprinted(path);
    let mut out = Vec::with_capacity(2);
    for suffix in ["br", "gz"] {
        let sibling = format!("{path}.{suffix}");
        let packed = earlier(&sibling, bytes)
            .filter(|old| old.len() < bytes.len() && decodes_to(suffix, old, bytes))
            .unwrap_or_else(|| match suffix {
                "br" => brotli(bytes, best),
                _ => gzip(bytes, best),
            });
        if packed.len() < bytes.len() {
            out.push((sibling, packed));
        }
    }
    out
}

/// The embedded widget's siblings (made when this program was compiled, see
/// `samtykke-widget-compiled`'s build.rs), for a file with exactly the widget's bytes. Compares
/// lengths first, so any other file costs next to nothing.
pub fn prepacked(sibling: &str, original: &[u8]) -> Option<Vec<u8>> {
    use samtykke_widget_compiled::{packed, JS, WASM};
    let (br, gz) = if original == WASM {
        (packed::WASM_BR, packed::WASM_GZ)
    } else if original == JS {
        (packed::JS_BR, packed::JS_GZ)
    } else {
        return None;
    };
    match sibling.rsplit_once('.') {
        Some((_, "br")) => Some(br.to_vec()),
        Some((_, "gz")) => Some(gz.to_vec()),
        _ => None,
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
    use std::collections::BTreeMap;
    use std::io::Read;

    /// Adds the [`siblings`] of every file in `files`, as a build does file by file.
    fn precompress(files: &mut BTreeMap<String, Vec<u8>>, earlier: Earlier) {
        let made: Vec<(String, Vec<u8>)> = files
            .iter()
            .flat_map(|(path, bytes)| siblings(path, bytes, earlier))
            .collect();
        files.extend(made);
    }

    #[test]
    fn siblings_decompress_to_the_original() {
        let page = "<p>Personvern</p>\n".repeat(200).into_bytes();
        let mut files = BTreeMap::from([
            ("index.html".to_owned(), page.clone()),
            ("favicon.ico".to_owned(), page.clone()),
            ("a.wasm".to_owned(), vec![0; 4096]),
            ("tiny.txt".to_owned(), b"x".to_vec()),
        ]);
        precompress(&mut files, &|_, _| None);

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
        precompress(&mut first, &|_, _| None);

        // A sibling no compressor here would write: kept, so it was taken, not made again.
        let foreign = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&page).expect("gzip");
            e.finish().expect("gzip")
        };
        assert_ne!(foreign, first["index.html.gz"]);
        let earlier = {
            let (br, gz) = (first["index.html.br"].clone(), foreign.clone());
            move |path: &str, _: &[u8]| match path {
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

    #[test]
    fn the_embedded_widget_comes_with_siblings_that_decode_to_it() {
        use samtykke_widget_compiled::{JS, WASM};
        for (name, bytes) in [
            ("samtykke.0123456789.js", JS),
            ("samtykke.0123456789.wasm", WASM),
        ] {
            let made = siblings(name, bytes, &|sibling, original| {
                prepacked(sibling, original)
            });
            assert_eq!(made.len(), 2, "{name}");
            for (sibling, packed) in &made {
                let suffix = sibling.rsplit_once('.').map_or("", |(_, s)| s);
                assert!(decodes_to(suffix, packed, bytes), "{sibling}");
                // Taken from the build, not made again: identical to what build.rs wrote.
                assert_eq!(Some(packed.clone()), prepacked(sibling, bytes), "{sibling}");
            }
        }
        assert_eq!(prepacked("a.wasm.br", b"not the widget"), None);
        assert_eq!(prepacked("samtykke.js.zst", JS), None);
    }
}
