//! What the build puts in front of the theme's `style.css`: the brand's colours as custom
//! properties for the light and the dark scheme (see `brand`), and what only the build knows
//! for printing: the site's address before printed links, and a running footer with the
//! policy's version and date on every printed page, in each page's language.

use crate::brand::{Palette, Scheme};
use std::fmt::Write;

/// One language's running footer for printed pages.
pub struct PrintFooter {
    pub lang: String,
    pub text: String,
}

pub fn prelude(palette: &Palette, origin: &str, footers: &[PrintFooter]) -> String {
    let mut css =
        String::from("/* Written by the build from [brand] and [policy] of site.toml. */\n");
    let _ = writeln!(
        css,
        ":root {{ color-scheme: light dark; {}}}",
        vars(&palette.light)
    );
    let _ = writeln!(
        css,
        "@media (prefers-color-scheme: dark) {{ :root {{ {}}} }}",
        vars(&palette.dark)
    );
    // Links within the site are written root-relative; on paper they need the host.
    let _ = writeln!(
        css,
        "@media print {{ main a[href^=\"/\"]:not([href^=\"//\"])::after {{ content: \" (\" {} attr(href) \")\"; }} }}",
        string(origin)
    );
    for footer in footers {
        let name = page_name(&footer.lang);
        let _ = writeln!(
            css,
            "@page {name} {{ @bottom-left {{ content: {}; }} @bottom-right {{ content: counter(page) \" / \" counter(pages); }} }}",
            string(&footer.text)
        );
        let _ = writeln!(
            css,
            "@media print {{ :root:lang({}) body {{ page: {name}; }} }}",
            ident(&footer.lang)
        );
    }
    css
}

fn vars(s: &Scheme) -> String {
    let mut out = String::new();
    for (name, colour) in [
        ("bg", s.bg),
        ("fg", s.fg),
        ("muted", s.muted),
        ("surface", s.surface),
        ("line", s.line),
        ("primary", s.primary),
        ("hover", s.hover),
        ("on-primary", s.on_primary),
        ("head", s.head),
        ("accent", s.accent),
    ] {
        let _ = write!(out, "--{name}: {colour}; ");
    }
    out
}

/// `sk-print-nb`: a page name CSS accepts for any language tag.
fn page_name(lang: &str) -> String {
    format!("sk-print-{}", ident(lang))
}

/// Keeps letters, digits and `-` (all a BCP 47 tag has); anything else would end the rule.
fn ident(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// A CSS string: quotes and backslashes escaped, line breaks and other controls as code points.
pub fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // `<` too, so no `</style>` can appear should the CSS ever be inlined.
            c if c.is_control() || c == '<' => {
                let _ = write!(out, "\\{:x} ", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `css` without its comments and blank lines: the theme's comments say why for its readers,
/// and visitors need not download them. Strings are kept whole, whatever they hold.
pub fn without_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if d == c || d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
            }
            c => out.push(c),
        }
    }
    out.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .fold(String::with_capacity(out.len()), |mut acc, l| {
            acc.push_str(l);
            acc.push('\n');
            acc
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brand;

    #[test]
    fn comments_go_and_strings_stay() {
        let css =
            "/* a */\na { content: \"/* not */\"; } /* b\n c */\n\nb { x: '\\'/*'; }\n/* unclosed";
        assert_eq!(
            without_comments(css),
            "a { content: \"/* not */\"; }\nb { x: '\\'/*'; }\n"
        );
    }

    #[test]
    fn strings_cannot_end_the_rule() {
        assert_eq!(string(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(string("x\n}</style>"), "\"x\\a }\\3c /style>\"");
    }

    #[test]
    fn both_schemes_and_each_language_are_written() {
        let palette = brand::derive(brand::DEFAULT_PRIMARY, None).expect("default");
        let css = prelude(
            &palette,
            "https://example.no",
            &[
                PrintFooter {
                    lang: "nb".into(),
                    text: "Versjon 1.0".into(),
                },
                PrintFooter {
                    lang: "en\"}".into(),
                    text: "Version 1.0".into(),
                },
            ],
        );
        assert!(
            css.contains(&format!("--primary: {};", palette.light.primary)),
            "{css}"
        );
        assert!(
            css.contains(&format!("--primary: {}; ", palette.dark.primary)),
            "{css}"
        );
        assert!(css.contains("@page sk-print-nb { @bottom-left { content: \"Versjon 1.0\"; }"));
        assert!(
            css.contains(":root:lang(en) body { page: sk-print-en; }"),
            "{css}"
        );
        assert!(css.contains("content: \" (\" \"https://example.no\" attr(href)"));
    }
}
