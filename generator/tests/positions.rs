//! Positions in errors about page bodies: every span lies inside its file and covers the text it
//! is about, through every rewrite the loader makes (front matter, BOM, shortcode placeholders,
//! CRLF). Fixed reproductions first, then a property test over generated bodies.

mod common;

use proptest::prelude::*;
use samtykke_site::content::parse_page;
use samtykke_site::diagnostics::{Diagnostic, Diagnostics, Source};
use samtykke_site::markdown::{self, Prepared};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Builders shared by the fixed cases and the property test.
mod fixture {
    use super::*;

    pub const FRONT: &str = "+++\ntitle = \"T\"\ndescription = \"D\"\n+++\n";
    pub const FRONT_LINES: usize = 4;

    /// A page file: front matter (with `\r\n` if `crlf`), then `body` as given.
    pub fn page_text(body: &str, bom: bool, crlf: bool) -> String {
        let front = if crlf {
            FRONT.replace('\n', "\r\n")
        } else {
            FRONT.to_owned()
        };
        format!("{}{front}{body}", if bom { "\u{feff}" } else { "" })
    }

    /// Loads the page's front matter and runs the Markdown pass over its body, against a site
    /// with one page (`kontakt.md`) and the theme's `contact` and `cookie_table` shortcodes.
    pub fn load(text: &str) -> (Option<Prepared>, Diagnostics, Source) {
        let source = Source::new("content/side.md", text);
        let mut errors = Diagnostics::default();
        let file = match parse_page(
            source.clone(),
            Path::new("content"),
            Path::new("content/side.md"),
        ) {
            Ok(file) => file,
            Err(d) => {
                errors.push(*d);
                return (None, errors, source);
            }
        };
        let pages: HashMap<String, String> =
            [("kontakt.md".to_owned(), "/kontakt/".to_owned())].into();
        let urls: HashSet<String> = ["/".to_owned(), "/kontakt/".to_owned()].into();
        let shortcodes = vec!["contact".to_owned(), "cookie_table".to_owned()];
        let categories = ["necessary", "analytics"];
        let cx = markdown::Context {
            pages: &pages,
            urls: &urls,
            shortcodes: &shortcodes,
            categories: &categories,
            lang: "nb",
            default_lang: "nb",
        };
        let prepared = markdown::prepare(&file.source, file.body_start, &cx, &mut errors);
        (Some(prepared), errors, source)
    }

    /// The text a diagnostic's span covers, after checking that the span lies inside the file.
    pub fn covered<'a>(d: &Diagnostic, text: &'a str) -> &'a str {
        let span = d.span.clone().expect("a body error has a span");
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "span {span:?} outside a file of {} bytes: {}",
            text.len(),
            d.headline()
        );
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "span {span:?} splits a character: {}",
            d.headline()
        );
        let (line, _) = d.line_col();
        assert!(
            line <= text.lines().count().max(1),
            "line {line} past the end of a file of {} lines: {}",
            text.lines().count(),
            d.headline()
        );
        &text[span]
    }

    /// Every error is about a broken link; each covers its link, and the links it covers
    /// start at `expected` (byte offsets of their `[`).
    pub fn assert_link_errors_at(errors: &Diagnostics, text: &str, expected: &[usize]) {
        let mut starts = Vec::new();
        for d in errors.iter() {
            let covered = covered(d, text);
            assert!(
                d.message.starts_with("link to a page that does not exist"),
                "{}",
                d.headline()
            );
            let target = d
                .message
                .split('`')
                .nth(1)
                .expect("the message names the target");
            assert!(
                covered.starts_with('[') && covered.contains(target),
                "span {covered:?} does not cover the link to {target}: {}",
                d.headline()
            );
            starts.push(d.span.as_ref().map_or(0, |s| s.start));
        }
        assert_eq!(starts, expected, "{errors}");
    }

    /// Line (1-based) of byte `offset`.
    pub fn line_of(text: &str, offset: usize) -> usize {
        text[..offset].matches('\n').count() + 1
    }
}

use fixture::*;

const CONTACT: &str = "{{ contact() }}";

#[test]
fn the_reported_reproduction_points_at_the_link() {
    // The case: the line before the link is shorter than its placeholder.
    let body = format!("{CONTACT}\n[x](@/n.md)\n\n{CONTACT}\n{CONTACT}\n{CONTACT}\n");
    let text = page_text(&body, false, false);
    let (_, errors, _) = load(&text);
    let link = text.find("[x]").expect("link");
    assert_link_errors_at(&errors, &text, &[link]);
    let d = errors.iter().next().expect("one error");
    assert_eq!(d.line_col(), (FRONT_LINES + 2, 1), "{}", d.headline());
}

#[test]
fn a_shortcode_longer_than_its_placeholder_does_not_shift_later_links() {
    let long = format!(
        "{{{{ cookie_table(category=\"analytics\", note=\"{}\") }}}}",
        "lang tekst ".repeat(12)
    );
    let body = format!("{long}\n{long}\nTekst [lenke](@/borte.md) og [to](@/vekk.md).\n");
    let text = page_text(&body, false, false);
    let (_, errors, _) = load(&text);
    let first = text.find("[lenke]").expect("link");
    let second = text.find("[to]").expect("link");
    assert_link_errors_at(&errors, &text, &[first, second]);
    assert_eq!(
        errors.iter().nth(1).map(Diagnostic::line_col),
        Some((FRONT_LINES + 3, 30))
    );
}

#[test]
fn a_shortcode_on_the_last_line_without_a_newline() {
    let body = format!("[x](@/n.md)\n{CONTACT}");
    let text = page_text(&body, false, false);
    let (prepared, errors, _) = load(&text);
    assert_link_errors_at(&errors, &text, &[text.find("[x]").expect("link")]);
    assert_eq!(prepared.map(|p| p.shortcodes.len()), Some(1));

    // And a link on the last line, after shortcodes, with no newline at the end.
    let body = format!("{CONTACT}\n{CONTACT}\n[x](@/n.md)");
    let text = page_text(&body, false, false);
    let (_, errors, _) = load(&text);
    assert_link_errors_at(&errors, &text, &[text.find("[x]").expect("link")]);
}

#[test]
fn crlf_and_a_bom_keep_positions() {
    let body = format!("{CONTACT}\r\n## Overskrift\r\n\r\n{CONTACT}\r\nFør [æ](@/øy.md) ø\r\n");
    let text = page_text(&body, true, true);
    let (_, errors, _) = load(&text);
    let link = text.find("[æ]").expect("link");
    assert_link_errors_at(&errors, &text, &[link]);
    assert_eq!(line_of(&text, link), FRONT_LINES + 5);
    assert_eq!(
        errors.iter().next().map(Diagnostic::line_col),
        Some((FRONT_LINES + 5, 5))
    );
}

#[test]
fn shortcode_errors_cover_the_shortcode() {
    let body = format!("{CONTACT}\n  {{{{ contakt() }}}}\n{{{{ contact(x=1) }}}}\n");
    let text = page_text(&body, false, false);
    let (_, errors, _) = load(&text);
    let all: Vec<&Diagnostic> = errors.iter().collect();
    assert_eq!(all.len(), 2, "{errors}");
    assert_eq!(covered(all[0], &text), "{{ contakt() }}");
    assert_eq!(all[0].line_col(), (FRONT_LINES + 2, 3));
    assert_eq!(covered(all[1], &text), "1");
    assert_eq!(all[1].line_col(), (FRONT_LINES + 3, 14));
}

#[test]
fn spans_past_the_end_are_pulled_inside_the_file() {
    let source = Source::new("content/x.md", "ab\nø");
    #[allow(clippy::reversed_empty_ranges)]
    let spans = [99..120, 4..4, 5..5, 3..99, 2..1];
    for span in spans {
        let d = Diagnostic::new(&source, Some(span.clone()), "x");
        let covered = covered(&d, &source.text);
        assert!(!covered.contains('\u{fffd}'), "{span:?}");
    }
    // An empty span at the very end names the last line, not one after it.
    let source = Source::new("content/x.md", "a\nb\n");
    let d = Diagnostic::new(&source, Some(4..4), "x");
    assert_eq!(d.line_col(), (2, 2));
    assert!(d.span.is_some_and(|s| s.end <= 4));
}

#[test]
fn the_whole_loader_reports_the_reproduction_at_the_link() {
    let body = format!("{CONTACT}\n[x](@/n.md)\n\n{CONTACT}\n{CONTACT}\n{CONTACT}\n");
    let page = format!("+++\ntitle = \"S\"\ndescription = \"D\"\n+++\n{body}");
    let dir = common::site_with(&[("content/side.md", &page)]);
    let errors = match samtykke_site::model::load(dir.path()) {
        Ok(_) => panic!("a link to a missing page must fail the load"),
        Err(errors) => errors,
    };
    let d = errors
        .iter()
        .find(|d| d.message.contains("`@/n.md`"))
        .unwrap_or_else(|| panic!("no error about the link: {errors}"));
    assert!(
        d.headline().starts_with("content/side.md:6:1:"),
        "{}",
        d.headline()
    );
    assert!(errors.to_plain_string().contains("side.md:6:1"), "{errors}");
}

/// One line of a generated body.
#[derive(Debug, Clone)]
enum Line {
    Shortcode { indent: usize, long: bool },
    UnknownShortcode,
    MalformedShortcode,
    MissingLink { before: String, target: String },
    GoodLink,
    Heading(String),
    Blank,
    Text(String),
}

fn line() -> impl Strategy<Value = Line> {
    let words = "[a-zæøå€🙂 ]{0,12}";
    prop_oneof![
        3 => (0..4usize, any::<bool>()).prop_map(|(indent, long)| Line::Shortcode { indent, long }),
        1 => Just(Line::UnknownShortcode),
        1 => Just(Line::MalformedShortcode),
        3 => (words, "[a-zø]{1,8}").prop_map(|(before, target)| Line::MissingLink { before, target }),
        1 => Just(Line::GoodLink),
        2 => words.prop_map(Line::Heading),
        2 => Just(Line::Blank),
        2 => words.prop_map(Line::Text),
    ]
}

/// The body, and where each missing link's `[` is, relative to the body.
fn body(lines: &[Line], eol: &str, last_eol: bool) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut links = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match l {
            Line::Shortcode { indent, long } => {
                out.push_str(&" ".repeat(*indent));
                if *long {
                    out.push_str(&format!(
                        "{{{{ cookie_table(category=\"analytics\", x=\"{}\") }}}}",
                        "ø".repeat(30)
                    ));
                } else {
                    out.push_str(CONTACT);
                }
            }
            Line::UnknownShortcode => out.push_str("{{ kontakt() }}"),
            Line::MalformedShortcode => out.push_str("{{ contact(x=) }}"),
            Line::MissingLink { before, target } => {
                // A letter first, so the line is never a list item or a heading.
                out.push('x');
                out.push_str(before);
                out.push(' ');
                links.push(out.len());
                out.push_str(&format!("[lenke](@/{target}-mangler.md)"));
            }
            Line::GoodLink => out.push_str("[kontakt](@/kontakt.md)"),
            Line::Heading(text) => out.push_str(&format!("## h{text}")),
            Line::Blank => {}
            Line::Text(text) => out.push_str(&format!("t{text}")),
        }
        if i + 1 < lines.len() || last_eol {
            out.push_str(eol);
        }
    }
    (out, links)
}

proptest! {
    // PROPTEST_CASES overrides this; 256 keeps it part of every `cargo test`.
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_span_is_inside_its_file_and_covers_what_it_is_about(
        lines in prop::collection::vec(line(), 0..24),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        last_eol in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let (body, links) = body(&lines, eol, last_eol);
        let text = page_text(&body, bom, crlf);
        let body_start = text.len() - body.len();
        let (prepared, errors, _) = load(&text);
        prop_assert!(prepared.is_some(), "front matter failed: {}", errors);

        let mut link_starts = Vec::new();
        let mut shortcode_errors = 0;
        for d in errors.iter() {
            let covered = covered(d, &text);
            if d.message.starts_with("link to a page") {
                let target = d.message.split('`').nth(1).unwrap_or("");
                prop_assert!(covered.starts_with('[') && covered.contains(target),
                    "{:?} does not cover {}: {}", covered, target, d.headline());
                link_starts.push(d.span.as_ref().map_or(0, |s| s.start));
            } else if d.message.starts_with("unknown shortcode") {
                prop_assert_eq!(covered, "{{ kontakt() }}");
                shortcode_errors += 1;
            } else if d.message == "malformed shortcode" {
                prop_assert_eq!(covered, ")");
                shortcode_errors += 1;
            } else {
                prop_assert!(false, "unexpected error: {}", d.headline());
            }
        }
        let expected: Vec<usize> = links.iter().map(|l| body_start + l).collect();
        prop_assert_eq!(link_starts, expected);
        let bad = lines
            .iter()
            .filter(|l| matches!(l, Line::UnknownShortcode | Line::MalformedShortcode))
            .count();
        prop_assert_eq!(shortcode_errors, bad);
        let good = lines.iter().filter(|l| matches!(l, Line::Shortcode { .. })).count();
        prop_assert_eq!(prepared.map(|p| p.shortcodes.len()), Some(good));
    }
}

#[test]
fn a_template_the_theme_lacks_is_an_error_at_the_page_naming_the_file() {
    let page = "+++\ntitle = \"S\"\ndescription = \"D\"\ntemplate = \"fancy.html\"\n+++\nTekst.\n";
    let dir = common::site_with(&[("content/side.md", page)]);
    let site = samtykke_site::model::load(dir.path()).expect("the content itself is valid");
    let error = samtykke_site::render::render(&site, &Default::default())
        .expect_err("a missing template must fail the build")
        .to_string();
    assert!(error.contains("no template `fancy.html`"), "{error}");
    assert!(error.contains("content/side.md:4:12"), "{error}");
    assert!(
        error.contains(&format!(
            "themes{0}hesbynett{0}templates{0}fancy.html",
            std::path::MAIN_SEPARATOR
        )),
        "{error}"
    );

    // The default template cannot go missing: the built-in theme has it, whatever the site's
    // theme folder lacks.
    let dir = common::site_with(&[]);
    let _ = std::fs::remove_file(dir.path().join("themes/hesbynett/templates/page.html"));
    let site = samtykke_site::model::load(dir.path()).expect("the content itself is valid");
    let rendered = samtykke_site::render::render(&site, &Default::default())
        .expect("page.html comes from the built-in theme");
    assert!(rendered.files.contains_key("index.html") && rendered.pages > 0);
}
