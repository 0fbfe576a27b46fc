//! Markup that loads or runs something, in a page's Markdown and in the site's templates. Only
//! gated markup may: `<script type="text/plain" data-category="analytics" data-src="…">`, which
//! the widget starts once its category is granted, and only for what the inventory declares (a
//! script of a service in an optional category). A raw `<iframe>`, `<embed>`, `<object>` or an
//! ungated `<script>` would load before consent, so each is an error that says what to write
//! instead. The theme's own scripts (the generator's hashed inline scripts, its files) are the
//! one exception, in templates only.

use crate::content::inventory::InventoryFile;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

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
            let Some(category) = &service.category else {
                continue;
            };
            for script in service.script_srcs() {
                if let Ok(url) = super::urls::service_script(script.get_ref()) {
                    rules
                        .sources
                        .entry(category.get_ref().clone())
                        .or_default()
                        .push(url.to_string());
                }
            }
        }
        rules
    }
}

/// Where the markup is: a page, whose gated scripts must name a declared source, or a template,
/// which may also carry the theme's own scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Page,
    Template,
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
            Place::Page,
            errors,
        );
    }
}

/// Checks the site's own templates (`themes/<name>/templates/`): those that differ from the
/// built-in theme's, which a test holds to the same rules.
pub fn check_templates(root: &Path, theme_dir: &Path, errors: &mut Diagnostics) {
    // Errors reading them are the renderer's to report, with their own messages.
    let Ok(templates) = crate::theme::templates(root, theme_dir) else {
        return;
    };
    let builtin = builtin_templates();
    for (name, text) in templates {
        if builtin.get(name.as_str()) == Some(&text.as_str()) {
            continue;
        }
        let path = crate::diagnostics::display_path(root, &theme_dir.join("templates").join(&name));
        check_template(&Source::new(path, text), &Rules::default(), errors);
    }
}

fn builtin_templates() -> BTreeMap<&'static str, &'static str> {
    crate::theme::FILES
        .iter()
        .filter_map(|(path, bytes)| {
            Some((
                path.strip_prefix("templates/")?,
                std::str::from_utf8(bytes).ok()?,
            ))
        })
        .collect()
}

/// One template, with Tera's comments blanked (same length, so positions hold).
fn check_template(source: &Source, rules: &Rules, errors: &mut Diagnostics) {
    let mut text = source.text.to_string();
    let mut from = 0;
    while let Some(open) = text[from..].find("{#").map(|i| from + i) {
        let close = text[open..].find("#}").map_or(text.len(), |i| open + i + 2);
        let blank: String = text[open..close]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        // Multi-byte characters become one space each: pad to keep the byte length.
        let pad = close - open - blank.len();
        text.replace_range(open..close, &format!("{blank}{}", " ".repeat(pad)));
        from = close;
    }
    check_chunk(source, 0, &text, rules, Place::Template, errors);
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

/// An error found in one element: where, what, the label and the hint.
type Found = (Range<usize>, String, String, String);

const EMBED_HINT: &str =
    "write {{ embed(service=\"…\", src=\"…\", title=\"…\") }} on a line of its own, \
     with the service and its frames = [\"https://…\"] declared in cookies.toml: it shows a \
     placeholder and loads the content only after consent";

const SCRIPT_HINT: &str =
    "declare it in cookies.toml under the service it belongs to: an external script as \
     scripts = [{ src = \"https://…\" }], inline code as snippets = [\"snippets/name.js\"] (a file \
     in content/); the widget starts it after consent and the CSP allows it";

fn check_chunk(
    source: &Source,
    at: usize,
    html: &str,
    rules: &Rules,
    place: Place,
    errors: &mut Diagnostics,
) {
    let fragment = scraper::Html::parse_fragment(html);
    // The widget's own selector (widget/src/browser/page.js), anything else that claims a
    // category, and every element that loads or runs something by itself.
    let Ok(selector) =
        scraper::Selector::parse("script, iframe, frame, embed, object, [data-category]")
    else {
        return;
    };
    // The parser gives no offsets; the n-th such element starts at the n-th `<name` after the
    // previous one.
    let mut from = 0;
    for element_ref in fragment.select(&selector) {
        let element = element_ref.value();
        let name = element.name();
        let tag_at = find_tag(html, name, from).unwrap_or(from.min(html.len()));
        from = (tag_at + 1).min(html.len());
        let span_of = |attr: &str| {
            let start = find_ci(html, attr, tag_at).unwrap_or(tag_at);
            let end = html[start..]
                .find(['>', '\n'])
                .map_or(html.len(), |e| start + e)
                .max(start + 1)
                .min(html.len());
            at + start..at + end
        };
        let found = match name {
            "iframe" | "frame" | "embed" | "object" => Some((
                span_of(&format!("<{name}")),
                format!("raw `<{name}>` would load before consent"),
                "its provider gets the visitor's address, and may set cookies, before any choice"
                    .to_owned(),
                EMBED_HINT.to_owned(),
            )),
            "script" => {
                let text: String = element_ref.text().collect();
                check_script(element, &text, rules, place, &span_of)
            }
            // The `embed` shortcode's box: in a page, only the shortcode (which checks the
            // service and its origin) may write one.
            _ if place == Place::Template && element.attr("data-sk-frame").is_some() => None,
            _ => Some((
                span_of("data-category"),
                format!("`<{name}>` cannot be gated"),
                "the widget starts only <script type=\"text/plain\" data-category=…>".to_owned(),
                EMBED_HINT.to_owned(),
            )),
        };
        if let Some((span, message, label, help)) = found {
            errors.push(
                Diagnostic::new(source, Some(span), message)
                    .label(label)
                    .help(help),
            );
        }
    }
}

fn check_script(
    element: &scraper::node::Element,
    text: &str,
    rules: &Rules,
    place: Place,
    span_of: &dyn Fn(&str) -> Range<usize>,
) -> Option<Found> {
    let kind = element.attr("type").map(|t| t.trim().to_ascii_lowercase());
    // Data blocks, which no browser runs.
    if matches!(
        kind.as_deref(),
        Some("application/json" | "application/ld+json")
    ) {
        return None;
    }
    let Some(category) = element.attr("data-category") else {
        if place == Place::Template && is_theme_script(element, text) {
            return None;
        }
        return Some((
            span_of("<script"),
            "ungated `<script>`".to_owned(),
            "it would run before consent, and the CSP blocks it".to_owned(),
            SCRIPT_HINT.to_owned(),
        ));
    };
    if kind.as_deref() != Some("text/plain") {
        return Some((
            span_of("<script"),
            "a gated `<script>` must have type=\"text/plain\"".to_owned(),
            "with any other type the browser runs it at once, before consent".to_owned(),
            "write <script type=\"text/plain\" data-category=… data-src=…>".to_owned(),
        ));
    }
    // A template's values are often Tera expressions, checked when they render.
    if place == Place::Template && category.contains("{{") {
        return None;
    }
    check_gated(category, element.attr("data-src"), rules, place, span_of)
}

/// A script the theme may carry without a category: the generator's inline scripts
/// (`{{ head.gate_js | safe }}`, hashed into the CSP) and the site's own files.
fn is_theme_script(element: &scraper::node::Element, text: &str) -> bool {
    match element.attr("src") {
        Some(src) => {
            let src = src.trim();
            (src.starts_with('/') && !src.starts_with("//")) || src.starts_with("{{ head.")
        }
        None => {
            let text = text.trim();
            text.starts_with("{{ head.") && text.ends_with("}}") && !text[2..].contains("{{")
        }
    }
}

fn check_gated(
    category: &str,
    src: Option<&str>,
    rules: &Rules,
    place: Place,
    span_of: &dyn Fn(&str) -> Range<usize>,
) -> Option<Found> {
    let declared = |c: &str| rules.sources.get(c).map(Vec::as_slice).unwrap_or(&[]);
    match rules.categories.get(category) {
        None if place == Place::Template => None,
        None => {
            let optional = rules
                .categories
                .iter()
                .filter(|(_, necessary)| !**necessary)
                .map(|(id, _)| id.as_str());
            let (label, help) = super::expected_one_of(category, optional);
            Some((
                span_of("data-category"),
                format!("gated markup names unknown category `{category}`"),
                label,
                help.unwrap_or_else(|| {
                    format!("declare it as [categories.{category}] in cookies.toml")
                }),
            ))
        }
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
                    Some(src) => {
                        format!("`{src}` is not a script of a service in category `{category}`")
                    }
                    None => format!(
                        "gated `<script>` has no data-src declared for category `{category}`"
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
                SCRIPT_HINT.to_owned(),
            )),
        },
    }
}

/// The byte offset of the start tag `<name` (followed by a space, `>` or `/`) at or after
/// `from`, ignoring ASCII case.
fn find_tag(html: &str, name: &str, from: usize) -> Option<usize> {
    let needle = format!("<{name}");
    let mut at = from;
    loop {
        let found = find_ci(html, &needle, at)?;
        let next = html.as_bytes().get(found + needle.len());
        if next.is_none_or(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/') {
            return Some(found);
        }
        at = found + 1;
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

    fn errors(body: &str) -> Vec<(String, String, Option<String>)> {
        let source = Source::new("content/x.md", body);
        let mut errors = Diagnostics::default();
        check(&source, 0, &rules(), &mut errors);
        collect(&source, &errors)
    }

    fn collect(source: &Source, errors: &Diagnostics) -> Vec<(String, String, Option<String>)> {
        errors
            .iter()
            .map(|d| {
                let span = d.span.clone().expect("positioned");
                (
                    source.text[span].to_owned(),
                    d.message.clone(),
                    d.help.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn declared_gated_scripts_and_data_blocks_pass() {
        let body = "# Hei\n\n<script type=\"text/plain\" data-category=\"analytics\" \
                    data-src=\"https://www.google-analytics.com/ga.js\"></script>\n\nTekst <b>fet</b>.\n\n\
                    <script type=\"application/ld+json\">{}</script>\n\n\
                    ```html\n<iframe src=\"https://x.example/\"></iframe>\n```\n\n\
                    `<script>` i kode er bare tekst.\n";
        assert_eq!(errors(body), vec![]);
    }

    #[test]
    fn necessary_unknown_and_undeclared_are_errors_pointing_at_the_attribute() {
        let body = "Tekst\n\n<script type=\"text/plain\" data-category=\"necessary\" \
                    data-src=\"data:text/javascript,alert(1)\"></script>\n\n\
                    <script type=\"text/plain\" data-category=\"analytics\" data-src=\"https://evil.example/\"></script>\n\n\
                    <div><script type=\"text/plain\" DATA-CATEGORY=\"analytic\" data-src=\"https://x.example/\"></script></div>\n\n\
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
            found[2].0.starts_with("DATA-CATEGORY=\"analytic\""),
            "{found:?}"
        );
        assert_eq!(found[2].1, "gated markup names unknown category `analytic`");
        assert_eq!(found[2].2.as_deref(), Some("did you mean `analytics`?"));
        assert!(found[3].1.contains("has no data-src"), "{found:?}");
    }

    #[test]
    fn raw_frames_and_ungated_scripts_are_errors_at_their_tag_with_what_to_write() {
        let body = "Tekst\n\n<iframe src=\"https://www.youtube.com/embed/x\"></iframe>\n\n\
                    Inline <embed src=\"https://x.example/a.swf\"> og <OBJECT data=\"x\"></OBJECT>.\n\n\
                    <script src=\"https://cdn.matomo.cloud/x/matomo.js\"></script>\n\n\
                    <script>\nvar _paq = [];\n</script>\n\n\
                    <script data-category=\"analytics\" data-src=\"https://www.google-analytics.com/ga.js\"></script>\n\n\
                    <div data-category=\"analytics\">x</div>\n";
        let found = errors(body);
        let brief: Vec<(&str, &str)> = found
            .iter()
            .map(|(at, message, _)| (&at[..at.len().min(8)], message.as_str()))
            .collect();
        assert_eq!(
            brief,
            [
                ("<iframe ", "raw `<iframe>` would load before consent"),
                ("<embed s", "raw `<embed>` would load before consent"),
                ("<OBJECT ", "raw `<object>` would load before consent"),
                ("<script ", "ungated `<script>`"),
                ("<script", "ungated `<script>`"),
                (
                    "<script ",
                    "a gated `<script>` must have type=\"text/plain\""
                ),
                ("data-cat", "`<div>` cannot be gated"),
            ]
        );
        assert!(found[0]
            .2
            .as_deref()
            .is_some_and(|h| h.contains("{{ embed(service=")));
        assert!(found[3]
            .2
            .as_deref()
            .is_some_and(|h| h.contains("scripts = [{ src")));
        assert!(found[4]
            .2
            .as_deref()
            .is_some_and(|h| h.contains("snippets = [")));
        // The position is the tag's own, on its line.
        let source = Source::new("content/x.md", body);
        let mut all = Diagnostics::default();
        check(&source, 0, &rules(), &mut all);
        let lines: Vec<(usize, usize)> = all.iter().map(|d| d.line_col()).collect();
        assert_eq!(lines[0], (3, 1));
        assert_eq!(lines[1], (5, 8));
    }

    #[test]
    fn the_builtin_templates_pass_the_rules_they_hold_sites_to() {
        let builtin = builtin_templates();
        let expected = crate::theme::FILES
            .iter()
            .filter(|(path, _)| path.starts_with("templates/"))
            .count();
        assert_eq!(builtin.len(), expected);
        assert!(builtin.contains_key("base.html"), "{:?}", builtin.keys());
        for (name, text) in builtin {
            let source = Source::new(name, text);
            let mut errors = Diagnostics::default();
            check_template(&source, &Rules::default(), &mut errors);
            assert!(errors.is_empty(), "{name}: {errors}");
        }
    }

    /// (the source text an error points at, its message) for a template.
    fn template_errors(text: &str) -> Vec<(String, String)> {
        let source = Source::new("themes/t/templates/page.html", text);
        let mut errors = Diagnostics::default();
        check_template(&source, &Rules::default(), &mut errors);
        collect(&source, &errors)
            .into_iter()
            .map(|(at, message, _)| (at, message))
            .collect()
    }

    #[test]
    fn a_tera_comment_inside_a_tag_is_blanked_whole_and_the_error_spans_the_tag() {
        // The comment ends in `>` right before its `#}`, and has a letter of two bytes: blanked
        // to the same length, nothing in it ends the tag early.
        let text = "<p>x</p>\n<iframe {# fast høyde >#} src=\"https://x.example/\">\n";
        assert_eq!(
            template_errors(text),
            [(
                "<iframe {# fast høyde >#} src=\"https://x.example/\"".to_owned(),
                "raw `<iframe>` would load before consent".to_owned()
            )]
        );
    }

    #[test]
    fn every_element_is_found_at_its_own_tag_even_across_lines() {
        // Two frames of one kind in one block, and a tag split over lines: each error at its own
        // tag.
        let body = "Tekst\n\n<div>\n<iframe src=\"https://a.example/\"></iframe><iframe src=\"https://b.example/\"></iframe>\n\
                    <iframe\n  src=\"https://c.example/\"></iframe>\n</div>\n";
        let at: Vec<String> = errors(body).into_iter().map(|(at, _, _)| at).collect();
        assert_eq!(
            at,
            [
                "<iframe src=\"https://a.example/\"",
                "<iframe src=\"https://b.example/\"",
                "<iframe"
            ]
        );
    }

    #[test]
    fn a_category_written_as_a_tera_expression_passes_only_in_a_template() {
        let script = "<script type=\"text/plain\" data-category=\"{{ s.category }}\" \
                      data-src=\"https://www.google-analytics.com/ga.js\"></script>";
        assert_eq!(template_errors(script), []);
        // In a page nothing renders it: it is a category that does not exist.
        let found = errors(&format!("Tekst\n\n{script}\n"));
        let messages: Vec<&str> = found.iter().map(|(_, m, _)| m.as_str()).collect();
        assert_eq!(
            messages,
            ["gated markup names unknown category `{{ s.category }}`"]
        );
    }

    #[test]
    fn a_template_may_carry_only_the_generators_own_inline_script() {
        assert_eq!(
            template_errors("<script>{{ head.gate_js | safe }}</script>"),
            []
        );
        for text in [
            "<script>{{ head.gate_js | safe }} track()</script>",
            "<script>{{ head.gate_js }}{{ page.extra }}</script>",
        ] {
            let found = template_errors(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].1, "ungated `<script>`", "{text}");
        }
        // A category it cannot know (templates are checked without the inventory) passes, as
        // it is checked when the page renders.
        assert_eq!(
            template_errors(
                "<script type=\"text/plain\" data-category=\"reklame\" data-src=\"https://x.example/a.js\"></script>"
            ),
            []
        );
    }

    #[test]
    fn a_tag_is_found_by_its_whole_name() {
        // `<scripty>` starts like `<script` but is another element (one HTML block, so both
        // tags are in one piece of HTML).
        let body = "<p>Tekst <scripty>x</scripty> og <script src=\"https://x.example/a.js\"></script>.</p>\n";
        let found = errors(body);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, "<script src=\"https://x.example/a.js\"");
    }

    #[test]
    fn only_a_template_may_write_the_embed_box() {
        let div =
            "<div data-sk-frame data-category=\"analytics\" data-src=\"https://x.example/\"></div>";
        let in_page = errors(&format!("Tekst\n\n{div}\n"));
        assert_eq!(in_page.len(), 1, "{in_page:#?}");
        assert_eq!(in_page[0].1, "`<div>` cannot be gated");
        assert_eq!(template_errors(div), []);
        // Without the box's attribute, a template may not gate a <div> either.
        assert_eq!(
            template_errors("<div data-category=\"analytics\"></div>"),
            [(
                "data-category=\"analytics\"".to_owned(),
                "`<div>` cannot be gated".to_owned()
            )]
        );
    }

    #[test]
    fn only_the_site_templates_that_differ_from_the_builtin_ones_are_checked() {
        let root = tempfile::tempdir().expect("tempdir");
        let theme = root.path().join("themes").join("t");
        let templates = theme.join("templates");
        std::fs::create_dir_all(&templates).expect("mkdir");
        let builtin = builtin_templates();
        let base = builtin.get("base.html").expect("a built-in base.html");
        // An unchanged copy of a built-in template, and a changed one with a raw frame.
        std::fs::write(templates.join("base.html"), base).expect("write");
        let page = "<main>\n<iframe src=\"https://x.example/\"></iframe>\n</main>\n";
        std::fs::write(templates.join("page.html"), page).expect("write");
        let mut errors = Diagnostics::default();
        check_templates(root.path(), &theme, &mut errors);
        let found: Vec<(String, (usize, usize), String)> = errors
            .iter()
            .map(|d| {
                (
                    d.source.path.to_string_lossy().into_owned(),
                    d.line_col(),
                    d.message.clone(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [(
                "themes/t/templates/page.html".to_owned(),
                (2, 1),
                "raw `<iframe>` would load before consent".to_owned()
            )]
        );
    }

    #[test]
    fn a_site_template_may_carry_the_theme_scripts_but_nothing_that_loads_before_consent() {
        let text = "<head>\n{# <script>old()</script> #}\n<script>{{ head.gate_js | safe }}</script>\n\
                    <script src=\"/theme.js\"></script>\n\
                    <script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>\n\
                    <script>window.dataLayer = [];</script>\n</head>\n<body>\n\
                    <iframe src=\"https://www.google.com/maps/embed?pb=1\"></iframe>\n\
                    {% for s in x %}<script type=\"text/plain\" data-category=\"{{ s.category }}\"></script>{% endfor %}\n";
        let source = Source::new("themes/t/templates/base.html", text);
        let mut errors = Diagnostics::default();
        check_template(&source, &Rules::default(), &mut errors);
        let found: Vec<(usize, usize, String)> = errors
            .iter()
            .map(|d| {
                let (l, c) = d.line_col();
                (l, c, d.message.clone())
            })
            .collect();
        assert_eq!(
            found,
            [
                (5, 1, "ungated `<script>`".to_owned()),
                (6, 1, "ungated `<script>`".to_owned()),
                (9, 1, "raw `<iframe>` would load before consent".to_owned()),
            ]
        );
    }
}
