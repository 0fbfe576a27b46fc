//! Gated markup in a page's Markdown: raw HTML such as
//! `<script type="text/plain" data-category="analytics" data-src="…">` or an `<iframe
//! data-category data-src>`, which the widget starts once its category is granted. Such markup
//! may only start what the inventory declares: a script of a service in an optional category.
//! Anything else would run without consent (`necessary` is granted before any choice) or outside
//! the policy the visitor was shown.

use crate::content::inventory::InventoryFile;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::BTreeMap;
use std::ops::Range;

/// What gated markup may refer to, from the inventory.
#[derive(Debug, Default)]
pub struct Rules {
    /// Category id → whether it is strictly necessary.
    categories: BTreeMap<String, bool>,
    /// Category id → its services' scripts, as the `url` crate serialises them (the form the
    /// widget configuration and the theme use).
    sources: BTreeMap<String, Vec<String>>,
}

impl Rules {
    pub fn new(inventory: &InventoryFile) -> Rules {
        let mut rules = Rules {
            categories: inventory
                .categories
                .iter()
                .map(|(id, c)| (id.clone(), *c.necessary.get_ref()))
                .collect(),
            sources: BTreeMap::new(),
        };
        for service in inventory.services.values() {
            let (Some(category), Some(script)) = (&service.category, &service.script) else {
                continue;
            };
            if let Ok(url) = super::urls::service_script(script.get_ref()) {
                rules
                    .sources
                    .entry(category.get_ref().clone())
                    .or_default()
                    .push(url.to_string());
            }
        }
        rules
    }
}

/// Checks every piece of raw HTML in the page body `source.text[body_start..]`.
pub fn check(source: &Source, body_start: usize, rules: &Rules, errors: &mut Diagnostics) {
    let body = &source.text[body_start..];
    for range in html_chunks(body) {
        check_chunk(
            source,
            body_start + range.start,
            &body[range],
            rules,
            errors,
        );
    }
}

/// Byte ranges of raw HTML in Markdown: one per HTML block (its lines are contiguous), one per
/// inline tag.
fn html_chunks(body: &str) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let mut block: Option<Range<usize>> = None;
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::HtmlBlock) => block = Some(range.start..range.start),
            Event::End(TagEnd::HtmlBlock) => chunks.extend(block.take()),
            Event::Html(_) => match &mut block {
                Some(b) => b.end = b.end.max(range.end),
                None => chunks.push(range),
            },
            Event::InlineHtml(_) => chunks.push(range),
            _ => {}
        }
    }
    chunks.extend(block);
    chunks
}

fn check_chunk(source: &Source, at: usize, html: &str, rules: &Rules, errors: &mut Diagnostics) {
    let fragment = scraper::Html::parse_fragment(html);
    // Matches the widget's own selector (widget/src/browser/page.js) and any other element that
    // claims a category, so nothing the widget might start goes unchecked.
    let Ok(selector) = scraper::Selector::parse("[data-category]") else {
        return;
    };
    // The parser gives no offsets; the n-th element with the attribute is at its n-th mention.
    let mut from = 0;
    for element in fragment.select(&selector) {
        let element = element.value();
        let attr_at = find_ci(html, "data-category", from).unwrap_or(from.min(html.len()));
        from = attr_at + 1;
        let tag_at = html[..attr_at].rfind('<').unwrap_or(attr_at);
        let span_of = |name: &str| {
            let start = find_ci(html, name, tag_at).unwrap_or(attr_at);
            let end = html[start..]
                .find(['>', '\n'])
                .map_or(html.len(), |e| start + e)
                .max(start + 1)
                .min(html.len().max(start + 1));
            at + start..at + end.min(html.len())
        };
        let category = element.attr("data-category").unwrap_or("");
        let src = element.attr("data-src");
        let declared = |c: &str| rules.sources.get(c).map(Vec::as_slice).unwrap_or(&[]);
        let error = match rules.categories.get(category) {
            None => Some((
                span_of("data-category"),
                format!("gated markup names unknown category `{category}`"),
                format!(
                    "expected one of {}",
                    rules
                        .categories
                        .iter()
                        .filter(|(_, necessary)| !**necessary)
                        .map(|(id, _)| format!("`{id}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!("declare it as [categories.{category}] in cookies.toml"),
            )),
            Some(true) => Some((
                span_of("data-category"),
                format!("gated markup cannot use the strictly necessary category `{category}`"),
                "it would start before the visitor has chosen anything".to_owned(),
                "necessary scripts are part of the theme; gate this markup on the category it \
                 needs consent for"
                    .to_owned(),
            )),
            Some(false) => match src {
                Some(src) if declared(category).iter().any(|d| d == src) => None,
                _ => Some((
                    if src.is_some() {
                        span_of("data-src")
                    } else {
                        span_of("data-category")
                    },
                    match src {
                        Some(src) => format!(
                            "`{src}` is not a script of a service in category `{category}`"
                        ),
                        None => format!(
                            "gated `<{}>` has no data-src declared for category `{category}`",
                            element.name()
                        ),
                    },
                    match declared(category) {
                        [] => format!("no service in category `{category}` declares a script"),
                        list => format!(
                            "expected data-src to be one of {}",
                            list.iter()
                                .map(|s| format!("\"{s}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                    format!(
                        "declare it as `script = \"…\"` of a service with category = \"{category}\" \
                         in cookies.toml, and write it here exactly as the inventory does"
                    ),
                )),
            },
        };
        if let Some((span, message, label, help)) = error {
            errors.push(
                Diagnostic::new(source, Some(span), message)
                    .label(label)
                    .help(help),
            );
        }
    }
}

/// The byte offset of `needle` in `haystack` at or after `from`, ignoring ASCII case.
fn find_ci(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let bytes = haystack.as_bytes();
    let needle = needle.as_bytes();
    (from..=bytes.len().checked_sub(needle.len())?)
        .find(|&i| bytes[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            categories: [("necessary".into(), true), ("analytics".into(), false)].into(),
            sources: [(
                "analytics".into(),
                vec!["https://www.google-analytics.com/ga.js".into()],
            )]
            .into(),
        }
    }

    fn errors(body: &str) -> Vec<(String, String)> {
        let source = Source::new("content/x.md", body);
        let mut errors = Diagnostics::default();
        check(&source, 0, &rules(), &mut errors);
        errors
            .0
            .iter()
            .map(|d| {
                let span = d.span.clone().expect("positioned");
                (body[span].to_owned(), d.message.clone())
            })
            .collect()
    }

    #[test]
    fn declared_gated_scripts_pass() {
        let body = "# Hei\n\n<script type=\"text/plain\" data-category=\"analytics\" \
                    data-src=\"https://www.google-analytics.com/ga.js\"></script>\n\nTekst <b>fet</b>.\n";
        assert_eq!(errors(body), vec![]);
    }

    #[test]
    fn necessary_unknown_and_undeclared_are_errors_pointing_at_the_attribute() {
        let body = "Tekst\n\n<script type=\"text/plain\" data-category=\"necessary\" \
                    data-src=\"data:text/javascript,alert(1)\"></script>\n\n\
                    Inline <iframe data-category=\"analytics\" data-src=\"https://evil.example/\"></iframe> her.\n\n\
                    <div><iframe DATA-CATEGORY=\"marketing\" data-src=\"https://x.example/\"></iframe></div>\n\n\
                    <script type=\"text/plain\" data-category=\"analytics\">alert(1)</script>\n";
        let found = errors(body);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].0.starts_with("data-category=\"necessary\""),
            "{found:?}"
        );
        assert_eq!(
            found[0].1,
            "gated markup cannot use the strictly necessary category `necessary`"
        );
        assert!(
            found[1].0.starts_with("data-src=\"https://evil.example/\""),
            "{found:?}"
        );
        assert!(
            found[2].0.starts_with("DATA-CATEGORY=\"marketing\""),
            "{found:?}"
        );
        assert_eq!(
            found[2].1,
            "gated markup names unknown category `marketing`"
        );
        assert!(found[3].1.contains("has no data-src"), "{found:?}");
    }
}
