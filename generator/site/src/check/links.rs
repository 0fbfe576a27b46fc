//! Internal links: every `#anchor` in `[text](@/page.md#anchor)`, `[text](/page/#anchor)` or
//! `[text](#anchor)` names an id on the rendered target page (a heading's id, or one of the
//! theme's). Links to missing pages are already errors at load.

use super::finding::Finding;
use super::Cx;
use crate::model::Page;
use std::collections::{BTreeSet, HashMap};

/// Every `id="…"` in `html`.
pub fn ids(html: &str) -> BTreeSet<&str> {
    html.match_indices(" id=\"")
        .filter_map(|(at, m)| {
            let start = at + m.len();
            let len = html[start..].find('"')?;
            Some(&html[start..start + len])
        })
        .collect()
}

/// The page a link points to, and its anchor.
fn target<'a>(cx: &Cx<'a>, from: &'a Page, dest: &str) -> Option<(&'a Page, String)> {
    let site = cx.site;
    let (path, anchor) = dest.split_once('#')?;
    if anchor.is_empty() {
        return None;
    }
    let page = if path.is_empty() {
        Some(from)
    } else if let Some(file) = path.strip_prefix("@/") {
        let stem = file.strip_suffix(".md").unwrap_or(file);
        let (slug, lang) = match stem.rsplit_once('.') {
            Some((slug, lang)) if !lang.contains('/') => (slug, lang.to_owned()),
            // `@/kontakt.md` from a translated page means the translation, as `markdown` resolves it.
            _ => (stem, from.lang.clone()),
        };
        site.page(slug, &lang)
            .or_else(|| site.page(slug, site.default_language()))
    } else if path.starts_with('/') && !path.starts_with("//") {
        let path = path.split('?').next().unwrap_or(path);
        site.pages.iter().find(|p| p.url == path)
    } else {
        None
    }?;
    Some((
        page,
        percent_encoding::percent_decode_str(anchor)
            .decode_utf8_lossy()
            .into_owned(),
    ))
}

pub fn check(cx: &Cx, out: &mut Vec<Finding>) {
    // Each target page's ids are read once: per link, a page of many links to its own
    // sections would be read once per link.
    let mut ids_of: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for (page, doc) in cx.site.pages.iter().zip(&cx.docs) {
        for link in &doc.links {
            let Some((target, anchor)) = target(cx, page, &link.dest) else {
                continue;
            };
            let known = ids_of.entry(target.url.as_str()).or_insert_with(|| {
                ids(&cx.html_of(target))
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            });
            if known.contains(anchor.as_str()) {
                continue;
            }
            let headings: Vec<&str> = target.body.anchors.iter().map(String::as_str).collect();
            let (expected, hint) =
                crate::validate::expected_one_of(&anchor, headings.iter().copied());
            let mut finding = Finding::new(
                "link",
                &page.file.source,
                Some(link.span.clone()),
                format!("link to a missing anchor `#{anchor}` on {}", target.url),
            )
            .label(if headings.is_empty() {
                "the page has no headings below its title".to_owned()
            } else {
                expected
            })
            .why("a link that lands at the top of the page instead of the section it promises");
            if let Some(hint) = hint {
                finding = finding.help(hint);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_html() {
        let found = ids(r#"<main id="main"><h2 id="dine-rettigheter">x</h2><p data-id="no">"#);
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["dine-rettigheter", "main"]
        );
    }

    #[test]
    fn anchors_are_percent_decoded() {
        assert_eq!(
            percent_encoding::percent_decode_str("f%C3%B8lg").decode_utf8_lossy(),
            "følg"
        );
    }
}
