//! The error overlay: when a rebuild fails, every page is served as it was last built, with the
//! build's message laid over it. Before any good build there is a page of its own instead.

use super::reload::{self, State};
use crate::http::Files;
use samtykke_site::render::{csp, escape_html};
use tiny_http::{Header, Response, ResponseBox};

pub const CSS_PATH: &str = "/__samtykke/overlay.css";

/// A stylesheet of its own: the pages' CSP allows `style-src 'self'`, not inline styles.
const CSS: &str = "#samtykke-overlay{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;background:rgba(20,20,24,.94);color:#f4f4f5;font:15px/1.5 system-ui,sans-serif}\
#samtykke-overlay h2{margin:0 0 .5rem;color:#fca5a5;font-size:1.25rem}\
#samtykke-overlay p{margin:0 0 1rem}\
#samtykke-overlay pre{margin:0;padding:1rem;white-space:pre-wrap;background:#000;color:#f4f4f5;border-left:4px solid #f87171;font:14px/1.45 ui-monospace,monospace}";

/// The markup laid over a page: the message exactly as the terminal printed it.
pub fn markup(generation: u64, message: &str) -> String {
    format!(
        "<link rel=\"stylesheet\" href=\"{CSS_PATH}\"><div id=\"samtykke-overlay\" data-build=\"{generation}\" role=\"alert\">\
<h2>The site was not rebuilt</h2><p>Fix the file below and save it; this page reloads by itself. \
Until then the pages are the last good build.</p><pre>{}</pre></div>",
        escape_html(message)
    )
}

/// `html` with the overlay just before `</body>` (or at the end).
pub fn inject(html: &str, generation: u64, message: &str) -> String {
    let overlay = markup(generation, message);
    match html.rfind("</body>") {
        Some(at) => format!("{}{overlay}{}", &html[..at], &html[at..]),
        None => format!("{html}{overlay}"),
    }
}

/// A page for when no build has succeeded yet: the overlay and the live-reload script, under a
/// CSP that allows exactly that script.
pub fn standalone(generation: u64, message: &str) -> String {
    let script = reload::client_script(generation);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; script-src {}; connect-src 'self'; base-uri 'none'; form-action 'none'\">\
<title>Build error – samtykke serve</title><script type=\"module\">{script}</script></head><body>{}</body></html>\n",
        csp::script_hash(&script),
        markup(generation, message)
    )
}

/// While the latest build failed: pages with the overlay. `None` lets the files answer.
pub fn answer(state: &State, files: &Files, url: &str) -> Option<ResponseBox> {
    let path = crate::http::request_path(url);
    if path == CSS_PATH {
        return Some(with_type(
            Response::from_string(CSS),
            "text/css; charset=utf-8",
        ));
    }
    let (generation, message, built) = state.failure()?;
    let (key, lookup) = crate::http::file_for(&path);
    let files = files.read().ok()?;
    if files.contains_key(&lookup) && !lookup.ends_with(".html") {
        return None; // CSS, WASM, sitemap: as they were
    }
    if !files.contains_key(&lookup) && files.contains_key(&format!("{key}/index.html")) {
        return None; // the redirect to `…/`
    }
    let page = files
        .get(&lookup)
        .or_else(|| files.get("404.html"))
        .filter(|_| built)
        .map(|bytes| inject(&String::from_utf8_lossy(bytes), generation, &message))
        .unwrap_or_else(|| standalone(generation, &message));
    Some(with_type(
        Response::from_string(page),
        "text/html; charset=utf-8",
    ))
}

fn with_type(mut response: Response<std::io::Cursor<Vec<u8>>>, content_type: &str) -> ResponseBox {
    for (name, value) in [
        ("Content-Type", content_type),
        ("Cache-Control", "no-store"),
    ] {
        if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    response.boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_goes_before_body_and_escapes_the_message() {
        let html = inject("<html><body><p>x</p></body></html>", 7, "a <b> & \"c\"");
        assert!(html.ends_with("</pre></div></body></html>"), "{html}");
        assert!(html.contains("data-build=\"7\""));
        assert!(html.contains("a &lt;b&gt; &amp; &quot;c&quot;"), "{html}");
    }

    #[test]
    fn the_standalone_page_allows_exactly_its_script() {
        use base64::Engine;
        use sha2::Digest;
        let page = standalone(9, "error: x");
        // The script as the browser reads it from the page, hashed here with sha2 directly
        // rather than with `csp::script_hash`, the code under test.
        let script = page
            .split("<script type=\"module\">")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .expect("one module script");
        assert_eq!(script, reload::client_script(9));
        let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
        let csp = page
            .split("Content-Security-Policy\" content=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the CSP");
        assert!(
            csp.contains(&format!("script-src 'sha256-{digest}';")),
            "{csp}"
        );
        assert_eq!(page.matches("<script").count(), 1, "exactly one script");
        assert!(!page.contains("unsafe-inline"));
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(crate::http::percent_decode("/f%C3%B8lg/"), "/følg/");
        assert_eq!(crate::http::percent_decode("/a%zz%2"), "/a%zz%2");
    }
}
