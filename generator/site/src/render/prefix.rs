//! A site published below a path (`https://example.github.io/samtykke/`) needs every URL it
//! writes for its own files under that path. Templates and Markdown write root-relative URLs
//! (`/kontakt/`, `/style.….css`); [`under`] moves those in a rendered HTML document below the
//! prefix, so no theme, shortcode or page has to know where the site is published.

/// Attributes that hold a URL the browser fetches or follows.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "poster", "data-src"];

/// The path of `base_url` without its trailing `/`: `""` for a site at the root of its host,
/// `/samtykke` for `https://example.github.io/samtykke/`.
pub fn of(base_url: &url::Url) -> String {
    base_url.path().trim_end_matches('/').to_owned()
}

/// [`of`] for a base URL as written. `site.toml`'s is validated with the content and
/// `--base-url` by the command line (`validate::urls::base_url`); text that is not a URL has
/// no prefix, so callers that pass something else still get output whose escaping holds.
pub fn of_text(base_url: &str) -> String {
    url::Url::parse(base_url)
        .map(|url| of(&url))
        .unwrap_or_default()
}

/// `html` with every root-relative URL (`/x`, but not `//host/x`) in a URL attribute moved
/// below `prefix`. Script and style elements are left as they are: their text is not markup,
/// and the CSP hashes the inline scripts' exact text.
pub fn under(html: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(at) = rest.find(['=', '<']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        if from.starts_with('<') {
            // Copy a script or style element whole.
            let raw = ["<script", "<style"]
                .iter()
                .find(|tag| starts_with_ignore_case(from, tag));
            let end = raw.and_then(|tag| {
                let close = format!("</{}", &tag[1..]);
                find_ignore_case(from, &close).map(|i| i + close.len())
            });
            let take = end.unwrap_or(1);
            out.push_str(&from[..take]);
            rest = &from[take..];
            continue;
        }
        out.push('=');
        let value = &from[1..];
        let quoted = value.starts_with(['"', '\'']);
        let path = if quoted { &value[1..] } else { value };
        if is_url_attribute(before) && path.starts_with('/') && !path.starts_with("//") {
            if quoted {
                out.push_str(&value[..1]);
            }
            out.push_str(prefix);
            rest = path;
        } else {
            rest = value;
        }
    }
    out.push_str(rest);
    out
}

/// Whether the text before an `=` ends with one of [`URL_ATTRIBUTES`], as a whole name.
fn is_url_attribute(before: &str) -> bool {
    let trimmed = before.trim_end();
    URL_ATTRIBUTES.iter().any(|name| {
        trimmed.len() > name.len()
            && trimmed[trimmed.len() - name.len()..].eq_ignore_ascii_case(name)
            && trimmed[..trimmed.len() - name.len()].ends_with(|c: char| c.is_ascii_whitespace())
    })
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    text.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_relative_urls_move_below_the_prefix() {
        let html = r##"<a href="/">h</a><a class="x" href='/kontakt/#a'>k</a><img src="/logo.svg" alt="a=/b">"##;
        assert_eq!(
            under(html, "/samtykke"),
            r##"<a href="/samtykke/">h</a><a class="x" href='/samtykke/kontakt/#a'>k</a><img src="/samtykke/logo.svg" alt="a=/b">"##
        );
    }

    #[test]
    fn other_urls_text_and_scripts_stay() {
        let html = concat!(
            r##"<a href="https://x.no/">x</a><a href="//cdn/x">c</a><a href="#top">t</a>"##,
            r#"<a data-href="/no">d</a><p>href="/text"</p>"#,
            r#"<script>a.src="/x";</script><SCRIPT type="module">import x from "/y";</SCRIPT>"#,
            r#"<style>b{background:url(/z)}</style>"#
        );
        assert_eq!(under(html, "/p"), html);
        assert_eq!(under(html, ""), html);
    }
}
