//! Markdown bodies: links between pages resolved and checked, shortcodes found, headings given
//! ids. Produces HTML with a placeholder where each shortcode goes; the theme renders those.

use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::validate::not_one_of;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Range;

/// A page body, turned into HTML with shortcode placeholders.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub html: String,
    pub shortcodes: Vec<ShortcodeCall>,
    /// Ids given to headings, for anchor checks.
    pub anchors: Vec<String>,
}

/// `{{ name(key="value") }}` alone on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortcodeCall {
    pub name: String,
    pub args: BTreeMap<String, String>,
    /// Byte range of the call in the page's source.
    pub span: Range<usize>,
}

/// What a body may refer to.
pub struct Context<'a> {
    /// `kontakt.md` or `kontakt.en.md` (paths below content/) → the page's URL.
    pub pages: &'a HashMap<String, String>,
    /// Every page URL, for links written as `/kontakt/`.
    pub urls: &'a HashSet<String>,
    /// Shortcodes the theme provides.
    pub shortcodes: &'a [String],
    /// Categories a `category="…"` argument may name.
    pub categories: &'a [&'a str],
    /// Language of the page, to resolve `@/kontakt.md` to its translation.
    pub lang: &'a str,
    pub default_lang: &'a str,
}

/// What every placeholder starts with; its number and `-->` follow.
pub const PLACEHOLDER_PREFIX: &str = "<!--samtykke-shortcode-";

pub fn placeholder(index: usize) -> String {
    format!("{PLACEHOLDER_PREFIX}{index}-->")
}

/// Turns the body at `body_start..` of `source` into HTML, reporting broken links and
/// shortcodes into `errors`.
pub fn prepare(
    source: &Source,
    body_start: usize,
    cx: &Context,
    errors: &mut Diagnostics,
) -> Prepared {
    let Extracted {
        markdown,
        shortcodes,
        offsets,
    } = extract_shortcodes(source, body_start, cx, errors);

    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // The events stream from the parser into the HTML writer: a body of ten megabytes makes
    // millions of them, and holding them all (twice, as this did) cost a hundred times the
    // input in memory. Only one heading's events are ever held, to derive its id.
    let mut rewrite = Rewrite {
        parser: Parser::new_ext(&markdown, options).into_offset_iter(),
        held: VecDeque::new(),
        links: Links {
            source,
            cx,
            offsets: &offsets,
            known_pages: None,
            known_urls: None,
            errors,
        },
        ids: UniqueIds::default(),
        anchors: Vec::new(),
    };
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, &mut rewrite);
    Prepared {
        html,
        shortcodes,
        anchors: rewrite.anchors,
    }
}

/// The parser's events with links resolved and headings given unique ids.
struct Rewrite<'a, 'c, 'e, I> {
    parser: I,
    /// A heading's events after its start, held while its text gives the id.
    held: VecDeque<Event<'a>>,
    links: Links<'c, 'e>,
    ids: UniqueIds,
    anchors: Vec<String>,
}

impl<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> Iterator for Rewrite<'a, '_, '_, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.held.pop_front() {
            return Some(event);
        }
        let (event, range) = self.parser.next()?;
        let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = event
        else {
            return Some(self.links.resolve(event, &range));
        };
        // Hold the heading's events up to its end, collecting its text for the id; links in
        // a heading are resolved like any other.
        let mut text = String::new();
        for (inner, inner_range) in self.parser.by_ref() {
            if let Event::Text(t) | Event::Code(t) = &inner {
                text.push_str(t);
            }
            let end = matches!(inner, Event::End(TagEnd::Heading(_)));
            self.held.push_back(self.links.resolve(inner, &inner_range));
            if end {
                break;
            }
        }
        let base = id
            .as_ref()
            .map_or_else(|| slugify(&text), |id| id.to_string());
        let unique = self.ids.claim(base);
        if level != HeadingLevel::H1 {
            self.anchors.push(unique.clone());
        }
        Some(Event::Start(Tag::Heading {
            level,
            id: Some(CowStr::from(unique)),
            classes,
            attrs,
        }))
    }
}

/// Resolves and checks the links of one page.
struct Links<'c, 'e> {
    source: &'c Source,
    cx: &'c Context<'c>,
    offsets: &'c OffsetMap,
    // Sorted once per page, and only if a link is broken, for the list in the error.
    known_pages: Option<Vec<&'c str>>,
    known_urls: Option<Vec<&'c str>>,
    errors: &'e mut Diagnostics,
}

impl<'c> Links<'c, '_> {
    fn resolve<'a>(&mut self, event: Event<'a>, range: &Range<usize>) -> Event<'a> {
        let Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) = event
        else {
            return event;
        };
        let dest = resolve_link(
            &dest_url,
            self.source,
            self.offsets.range(range),
            self.cx,
            &mut Known {
                pages: &mut self.known_pages,
                urls: &mut self.known_urls,
            },
            self.errors,
        );
        Event::Start(Tag::Link {
            link_type,
            dest_url: dest,
            title,
            id,
        })
    }
}

/// The sorted lists a broken link's error shows, built on the first broken link of a page.
struct Known<'k, 'c> {
    pages: &'k mut Option<Vec<&'c str>>,
    urls: &'k mut Option<Vec<&'c str>>,
}

fn sorted<'c>(keys: impl Iterator<Item = &'c String>) -> Vec<&'c str> {
    let mut all: Vec<&str> = keys.map(String::as_str).collect();
    all.sort_unstable();
    all
}

fn resolve_link<'a, 'c>(
    dest: &CowStr<'a>,
    source: &Source,
    span: Range<usize>,
    cx: &Context<'c>,
    known: &mut Known<'_, 'c>,
    errors: &mut Diagnostics,
) -> CowStr<'a> {
    if let Some(target) = dest.strip_prefix("@/") {
        let (path, anchor) = target
            .split_once('#')
            .map_or((target, None), |(p, a)| (p, Some(a)));
        // Prefer the translation in the page's own language.
        let translated = (cx.lang != cx.default_lang)
            .then(|| {
                path.strip_suffix(".md")
                    .map(|stem| format!("{stem}.{}.md", cx.lang))
            })
            .flatten();
        let url = translated
            .as_deref()
            .and_then(|p| cx.pages.get(p))
            .or_else(|| cx.pages.get(path));
        return match url {
            Some(url) => match anchor {
                Some(anchor) => CowStr::from(format!("{url}#{anchor}")),
                None => CowStr::from(url.clone()),
            },
            None => {
                let known = known.pages.get_or_insert_with(|| sorted(cx.pages.keys()));
                errors.push(not_one_of(
                    source,
                    Some(span),
                    format!("link to a page that does not exist: `@/{path}`"),
                    path,
                    known.iter().copied(),
                    None,
                ));
                dest.clone()
            }
        };
    }
    if dest.starts_with('/') && !dest.starts_with("//") {
        let path = dest.split(['#', '?']).next().unwrap_or("");
        let looks_like_page = !path.rsplit('/').next().unwrap_or("").contains('.');
        if looks_like_page && !cx.urls.contains(path) {
            let known = known.urls.get_or_insert_with(|| sorted(cx.urls.iter()));
            errors.push(not_one_of(
                source,
                Some(span),
                format!("link to a page that does not exist: `{path}`"),
                path,
                known.iter().copied(),
                Some("link to a page as [text](@/page.md) and the generator checks it".to_owned()),
            ));
        }
    }
    dest.clone()
}

/// Where each stretch of the rewritten Markdown came from in the page's source. The rewrite
/// changes lengths (a placeholder is rarely as long as the line it replaces), so every offset
/// pulldown-cmark reports is mapped back through this before it reaches a diagnostic.
#[derive(Debug, Default)]
pub struct OffsetMap {
    /// In order of `out`: the rewritten text from `out` on is the source from `src` on
    /// (`verbatim`), or stands for the source line starting at `src` (a placeholder).
    segments: Vec<Segment>,
    /// Length of the whole source, the bound of the last stretch.
    source_len: usize,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    out: usize,
    src: usize,
    verbatim: bool,
}

impl OffsetMap {
    fn push(&mut self, out: usize, src: usize, verbatim: bool) {
        self.segments.push(Segment { out, src, verbatim });
    }

    /// The source offset of rewritten offset `at`, never past the stretch it came from.
    pub fn offset(&self, at: usize) -> usize {
        let i = self.segments.partition_point(|s| s.out <= at);
        let Some(segment) = i.checked_sub(1).and_then(|i| self.segments.get(i)) else {
            return 0;
        };
        if !segment.verbatim {
            return segment.src;
        }
        let end = self
            .segments
            .get(i)
            .map_or(self.source_len, |next| next.src);
        (segment.src + (at - segment.out)).min(end)
    }

    /// A rewritten range mapped to the source; never reversed.
    pub fn range(&self, range: &Range<usize>) -> Range<usize> {
        let start = self.offset(range.start);
        let end = self.offset(range.end).max(start);
        start..end
    }
}

struct Extracted {
    markdown: String,
    shortcodes: Vec<ShortcodeCall>,
    offsets: OffsetMap,
}

/// Replaces each shortcode line with a placeholder comment in a block of its own, and records
/// how offsets in the result map back to the source.
fn extract_shortcodes(
    source: &Source,
    body_start: usize,
    cx: &Context,
    errors: &mut Diagnostics,
) -> Extracted {
    let body = &source.text[body_start..];
    let mut out = String::with_capacity(body.len());
    let mut calls = Vec::new();
    let mut offsets = OffsetMap {
        segments: vec![Segment {
            out: 0,
            src: body_start,
            verbatim: true,
        }],
        source_len: source.text.len(),
    };
    let mut fence: Option<&str> = None;
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let line_start = at;
        at += line.len();
        let trimmed = line.trim();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            out.push_str(line);
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            out.push_str(line);
            continue;
        }
        if !(trimmed.len() >= 4 && trimmed.starts_with("{{") && trimmed.ends_with("}}")) {
            out.push_str(line);
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let span_start = body_start + line_start + lead;
        let span = span_start..span_start + trimmed.len();
        match parse_shortcode(&trimmed[2..trimmed.len() - 2]) {
            Ok((name, args)) => {
                let mut ok = true;
                if !cx.shortcodes.contains(&name) {
                    errors.push(not_one_of(
                        source,
                        Some(span.clone()),
                        format!("unknown shortcode `{name}`"),
                        &name,
                        cx.shortcodes.iter().map(String::as_str),
                        None,
                    ));
                    ok = false;
                }
                if let Some(category) = args.get("category") {
                    if !cx.categories.contains(&category.as_str()) {
                        errors.push(not_one_of(
                            source,
                            Some(span.clone()),
                            format!("unknown category `{category}`"),
                            category,
                            cx.categories.iter().copied(),
                            None,
                        ));
                        ok = false;
                    }
                }
                if ok {
                    offsets.push(out.len(), body_start + line_start, false);
                    calls.push(ShortcodeCall { name, args, span });
                    // Blank lines around the comment make it an HTML block of its own.
                    out.push('\n');
                    out.push_str(&placeholder(calls.len() - 1));
                    out.push_str("\n\n");
                    offsets.push(out.len(), body_start + at, true);
                } else {
                    out.push_str(line);
                }
            }
            Err((offset, expected)) => {
                let at = span.start + 2 + offset;
                errors.push(
                    Diagnostic::new(source, Some(at..at + 1), "malformed shortcode")
                        .label(expected)
                        .help("write a shortcode alone on its line: {{ name(key=\"value\") }}"),
                );
                out.push_str(line);
            }
        }
    }
    Extracted {
        markdown: out,
        shortcodes: calls,
        offsets,
    }
}

type ShortcodeError = (usize, &'static str);

/// Parses `name(key="value", …)` (the text between `{{` and `}}`). On error, returns the byte
/// offset in `inner` and what was expected there.
fn parse_shortcode(inner: &str) -> Result<(String, BTreeMap<String, String>), ShortcodeError> {
    let bytes = inner.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let ident = |i: &mut usize| -> Option<String> {
        let start = *i;
        while *i < bytes.len() && (bytes[*i].is_ascii_alphanumeric() || bytes[*i] == b'_') {
            *i += 1;
        }
        (*i > start).then(|| inner[start..*i].to_owned())
    };
    skip_ws(&mut i);
    let name = ident(&mut i).ok_or((i, "expected a shortcode name"))?;
    skip_ws(&mut i);
    if bytes.get(i) != Some(&b'(') {
        return Err((i, "expected `(` after the shortcode name"));
    }
    i += 1;
    let mut args = BTreeMap::new();
    loop {
        skip_ws(&mut i);
        if bytes.get(i) == Some(&b')') {
            i += 1;
            break;
        }
        let key = ident(&mut i).ok_or((i, "expected an argument name or `)`"))?;
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b'=') {
            return Err((i, "expected `=` after the argument name"));
        }
        i += 1;
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b'"') {
            return Err((i, "expected a quoted value"));
        }
        let start = i + 1;
        let len = inner[start..]
            .find('"')
            .ok_or((i, "expected a closing `\"`"))?;
        args.insert(key, inner[start..start + len].to_owned());
        i = start + len + 1;
        skip_ws(&mut i);
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b')') => {
                i += 1;
                break;
            }
            _ => return Err((i, "expected `,` or `)`")),
        }
    }
    skip_ws(&mut i);
    if i != bytes.len() {
        return Err((i, "expected `}}` after the shortcode's `)`"));
    }
    Ok((name, args))
}

/// A heading id: lower case, letters and digits kept (æ, ø, å too), runs of anything else
/// become one `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("seksjon");
    }
    out
}

/// Heading ids handed out on one page: the first `x`, then `x-2`, `x-3`… Each base remembers
/// the last number it gave, so a page of thousands of equal headings stays linear.
#[derive(Default)]
struct UniqueIds {
    used: HashSet<String>,
    last: HashMap<String, usize>,
}

impl UniqueIds {
    fn claim(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.last.entry(base.clone()).or_insert(1);
        loop {
            *n += 1;
            let candidate = format!("{base}-{n}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &str) -> (Prepared, Diagnostics) {
        run_in("nb", body, 0)
    }

    /// `text` is the whole file; its body starts at `body_start` (after the front matter).
    fn run_in(lang: &str, text: &str, body_start: usize) -> (Prepared, Diagnostics) {
        let source = Source::new("content/side.md", text);
        let pages: HashMap<String, String> = [
            ("kontakt.md".to_owned(), "/kontakt/".to_owned()),
            ("kontakt.en.md".to_owned(), "/en/kontakt/".to_owned()),
        ]
        .into();
        let urls: HashSet<String> = ["/".to_owned(), "/kontakt/".to_owned()].into();
        let shortcodes = vec!["cookie_table".to_owned(), "contact".to_owned()];
        let categories = ["necessary", "analytics"];
        let cx = Context {
            pages: &pages,
            urls: &urls,
            shortcodes: &shortcodes,
            categories: &categories,
            lang,
            default_lang: "nb",
        };
        let mut errors = Diagnostics::default();
        let prepared = prepare(&source, body_start, &cx, &mut errors);
        (prepared, errors)
    }

    /// The one error of a run, as (message, line, column, span).
    fn only_error(errors: &Diagnostics) -> (String, (usize, usize), Option<Range<usize>>) {
        assert_eq!(errors.len(), 1, "{errors}");
        let d = errors.iter().next().expect("one error");
        (d.message.clone(), d.line_col(), d.span.clone())
    }

    #[test]
    fn internal_links_resolve_to_urls() {
        let (p, errors) = run("Se [kontakt](@/kontakt.md#telefon).\n");
        assert!(errors.is_empty(), "{errors}");
        assert!(p.html.contains(r#"href="/kontakt/#telefon""#), "{}", p.html);
    }

    #[test]
    fn a_link_to_a_missing_page_is_an_error_at_the_link() {
        let (_, errors) = run("Første linje.\n\nSe [her](@/kontak.md) nå.\n");
        let d = errors.iter().next().expect("one error");
        assert!(d.message.contains("`@/kontak.md`"), "{}", d.message);
        assert_eq!(d.line_col(), (3, 4));
        assert_eq!(d.help.as_deref(), Some("did you mean `kontakt.md`?"));
    }

    #[test]
    fn a_page_in_another_language_links_to_the_translation_when_there_is_one() {
        let (en, errors) = run_in("en", "See [contact](@/kontakt.md#phone).\n", 0);
        assert!(errors.is_empty(), "{errors}");
        assert!(
            en.html.contains(r#"href="/en/kontakt/#phone""#),
            "{}",
            en.html
        );
        let (nb, _) = run_in("nb", "Se [kontakt](@/kontakt.md).\n", 0);
        assert!(nb.html.contains(r#"href="/kontakt/""#), "{}", nb.html);
    }

    #[test]
    fn only_site_absolute_paths_are_checked_as_pages() {
        // A full URL and a protocol-relative one are someone else's site; `/a.pdf` is a file.
        let (_, errors) = run(
            "[a](https://example.no/finnes-ikke) [b](//cdn.example.no/side) [c](mailto:x@y.no) [d](/a.pdf)\n",
        );
        assert!(errors.is_empty(), "{errors}");
    }

    #[test]
    fn positions_after_a_shortcode_point_into_the_source() {
        // Front matter before the body, a shortcode line (its placeholder is longer than the
        // line), then a broken link in the middle of a line: the error must name the link's
        // own line and column, with a span that covers exactly the link.
        let front = "+++\ntitle = \"x\"\n+++\n";
        let body = "{{ contact() }}\nSe [her](@/nope.md) nå.\n";
        let text = format!("{front}{body}");
        let (p, errors) = run_in("nb", &text, front.len());
        assert_eq!(p.shortcodes.len(), 1);
        let (message, line_col, span) = only_error(&errors);
        assert_eq!(message, "link to a page that does not exist: `@/nope.md`");
        assert_eq!(line_col, (5, 4));
        let link = text.find("[her]").expect("link");
        assert_eq!(span, Some(link..link + "[her](@/nope.md)".len()));
    }

    #[test]
    fn a_rewritten_offset_inside_a_placeholder_maps_to_the_start_of_its_source_line() {
        let front = "+++\n+++\n";
        let text = format!("{front}Før\n  {{{{ contact() }}}}\nEtter\n");
        let source = Source::new("content/side.md", text.as_str());
        let (pages, urls) = (HashMap::new(), HashSet::new());
        let shortcodes = vec!["contact".to_owned()];
        let cx = Context {
            pages: &pages,
            urls: &urls,
            shortcodes: &shortcodes,
            categories: &[],
            lang: "nb",
            default_lang: "nb",
        };
        let mut errors = Diagnostics::default();
        let extracted = extract_shortcodes(&source, front.len(), &cx, &mut errors);
        assert!(errors.is_empty(), "{errors}");
        let line = text.find("  {{").expect("shortcode line");
        let call = text.find("{{").expect("call");
        assert_eq!(
            extracted.shortcodes[0].span,
            call..call + "{{ contact() }}".len()
        );
        let out = &extracted.markdown;
        let in_placeholder = out.find(PLACEHOLDER_PREFIX).expect("placeholder");
        assert_eq!(extracted.offsets.offset(in_placeholder), line);
        assert_eq!(extracted.offsets.offset(in_placeholder + 5), line);
        let after = out.find("Etter").expect("text after");
        assert_eq!(
            extracted.offsets.offset(after + 2),
            text.find("Etter").expect("source") + 2
        );
        assert_eq!(extracted.offsets.offset(1), front.len() + 1);
    }

    #[test]
    fn a_line_that_only_ends_like_a_shortcode_is_text() {
        let (p, errors) = run("verdien er }}\n");
        assert!(errors.is_empty(), "{errors}");
        assert!(p.shortcodes.is_empty());
        assert!(p.html.contains("verdien er }}"), "{}", p.html);
    }

    #[test]
    fn absolute_links_to_unknown_pages_are_errors() {
        let (_, errors) = run("[a](/kontakt/) [b](/finnes-ikke/) [c](/style.css)\n");
        assert_eq!(errors.len(), 1, "{errors}");
        assert!(errors
            .iter()
            .next()
            .is_some_and(|d| d.message.contains("/finnes-ikke/")));
    }

    #[test]
    fn shortcodes_become_placeholders_in_their_own_block() {
        let (p, errors) =
            run("Tekst før\n{{ cookie_table(category=\"analytics\") }}\nTekst etter\n");
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(p.shortcodes.len(), 1);
        assert_eq!(
            p.shortcodes[0].args.get("category").map(String::as_str),
            Some("analytics")
        );
        assert!(p.html.contains(&placeholder(0)), "{}", p.html);
        assert!(
            !p.html.contains("<p><!--"),
            "placeholder must not sit inside a paragraph: {}",
            p.html
        );
    }

    #[test]
    fn shortcodes_in_code_blocks_are_left_alone() {
        let (p, errors) = run("```\n{{ nope() }}\n```\n");
        assert!(errors.is_empty(), "{errors}");
        assert!(p.shortcodes.is_empty());
    }

    #[test]
    fn unknown_shortcodes_and_categories_are_errors_with_positions() {
        let (_, errors) =
            run("\n  {{ cookie_tabel() }}\n{{ cookie_table(category=\"analytic\") }}\n");
        let all: Vec<_> = errors.iter().collect();
        assert_eq!(all.len(), 2, "{errors}");
        assert_eq!(all[0].message, "unknown shortcode `cookie_tabel`");
        assert_eq!(all[0].line_col(), (2, 3));
        assert_eq!(all[1].message, "unknown category `analytic`");
        assert_eq!(all[1].help.as_deref(), Some("did you mean `analytics`?"));
    }

    #[test]
    fn a_shortcode_call_parses_to_its_name_and_every_argument() {
        let (name, args) =
            parse_shortcode(r#" embed( provider = "youtube" , id="a,b" ) "#).expect("parses");
        assert_eq!(name, "embed");
        let expected = BTreeMap::from([
            ("id".to_owned(), "a,b".to_owned()),
            ("provider".to_owned(), "youtube".to_owned()),
        ]);
        assert_eq!(args, expected);
        // A name that runs to the end, no name at all, two arguments without a comma.
        assert_eq!(
            parse_shortcode("cookies").err(),
            Some((7, "expected `(` after the shortcode name"))
        );
        assert_eq!(
            parse_shortcode(r#"  (a="1")"#).err(),
            Some((2, "expected a shortcode name"))
        );
        assert_eq!(
            parse_shortcode(r#"x(a="1" b="2")"#).err(),
            Some((8, "expected `,` or `)`"))
        );
    }

    #[test]
    fn malformed_shortcodes_say_what_was_expected() {
        let (_, errors) = run("{{ contact(x=1) }}\n");
        let d = errors.iter().next().expect("error");
        assert_eq!(d.label, "expected a quoted value");
        assert_eq!(d.line_col(), (1, 14));
        // One byte: the caret under the `1`.
        assert_eq!(d.span, Some(13..14));
    }

    #[test]
    fn headings_get_unique_ids() {
        let (p, _) = run("## Hva lagrer vi?\n\n## Hva lagrer vi?\n\n### Bruk av internett\n");
        assert!(p.html.contains(r#"<h2 id="hva-lagrer-vi">"#), "{}", p.html);
        assert!(
            p.html.contains(r#"<h2 id="hva-lagrer-vi-2">"#),
            "{}",
            p.html
        );
        assert_eq!(
            p.anchors,
            ["hva-lagrer-vi", "hva-lagrer-vi-2", "bruk-av-internett"]
        );
    }

    #[test]
    fn slugs_keep_norwegian_letters() {
        assert_eq!(
            slugify("Rettigheter & klage til Datatilsynet"),
            "rettigheter-klage-til-datatilsynet"
        );
        assert_eq!(slugify("Følg æ, ø og å"), "følg-æ-ø-og-å");
        assert_eq!(slugify("???"), "seksjon");
    }
}
