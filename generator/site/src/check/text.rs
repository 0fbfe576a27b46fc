//! A page's Markdown as `check` reads it: blocks of plain text (paragraphs, headings, list
//! items, table rows) with their place in the file, grouped into sections by headings.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// What marks text still to be written, in any of the editor's files: in Bokmål, and the
/// Nynorsk and English words `init --languages` writes in those languages' texts.
pub const PLACEHOLDERS: &[&str] = &["MANGLER:", "MANGLAR:", "MISSING:"];

/// Whether `text` holds a placeholder.
pub fn has_placeholder(text: &str) -> bool {
    PLACEHOLDERS.iter().any(|p| text.contains(p))
}

#[derive(Debug)]
pub struct Block {
    /// The text as written, without Markdown syntax.
    pub text: String,
    /// `text` in lower case, for keyword matching.
    pub lower: String,
    /// Byte range in the page's source file.
    pub span: Range<usize>,
    /// The heading level, for headings.
    pub heading: Option<u8>,
    /// Inside a table.
    pub in_table: bool,
    /// A heading whose section has no text of its own but placeholders: it tells nothing.
    pub empty: bool,
}

impl Block {
    /// Placeholder text ("MANGLER: …") is not content: keyword rules skip it.
    pub fn is_placeholder(&self) -> bool {
        has_placeholder(&self.text)
    }

    /// Whether keyword rules read this block: not a placeholder, nor a heading over nothing.
    pub fn counts(&self) -> bool {
        !self.is_placeholder() && !self.empty
    }
}

/// A link as written: its destination and where it is.
#[derive(Debug)]
pub struct Link {
    pub dest: String,
    pub span: Range<usize>,
}

/// A heading and every block up to the next heading of the same or a higher level (so a
/// section holds its subsections), or the blocks before the first heading.
#[derive(Debug, Clone)]
pub struct Section {
    /// Index of the heading block; `None` for the text before the first heading.
    pub heading: Option<usize>,
    pub blocks: Range<usize>,
    /// Ends at the next heading of any level: the section without its subsections.
    pub own: Range<usize>,
}

#[derive(Debug, Default)]
pub struct Doc {
    pub blocks: Vec<Block>,
    pub sections: Vec<Section>,
    pub links: Vec<Link>,
}

impl Doc {
    /// Reads the body that starts at byte `offset` of a page's source.
    pub fn parse(body: &str, offset: usize) -> Doc {
        let mut doc = Doc::default();
        let mut open: Vec<(usize, Range<usize>, Option<u8>)> = Vec::new();
        let mut text_stack: Vec<String> = Vec::new();
        let mut in_code = false;
        let mut table_depth = 0usize;
        let mut options = Options::empty();
        options.insert(Options::ENABLE_TABLES);
        options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
        options.insert(Options::ENABLE_STRIKETHROUGH);
        for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
            let span = offset + range.start..offset + range.end;
            match event {
                Event::Start(Tag::Paragraph | Tag::Item | Tag::TableRow | Tag::TableHead) => {
                    open.push((doc.blocks.len(), span, None));
                    text_stack.push(String::new());
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    open.push((doc.blocks.len(), span, Some(level as u8)));
                    text_stack.push(String::new());
                }
                Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Item
                    | TagEnd::TableRow
                    | TagEnd::TableHead
                    | TagEnd::Heading(_),
                ) => {
                    if let (Some((_, mut span, heading)), Some(text)) =
                        (open.pop(), text_stack.pop())
                    {
                        // Without the line break that ends the block.
                        let trimmed = body[span.start - offset..span.end - offset]
                            .trim_end()
                            .len();
                        span.end = span.start + trimmed;
                        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                        if !text.is_empty() {
                            doc.blocks.push(Block {
                                lower: text.to_lowercase(),
                                text,
                                span,
                                heading,
                                in_table: table_depth > 0,
                                empty: false,
                            });
                        }
                    }
                }
                Event::Start(Tag::Table(_)) => table_depth += 1,
                Event::End(TagEnd::Table) => table_depth = table_depth.saturating_sub(1),
                Event::Start(Tag::CodeBlock(_)) => in_code = true,
                Event::End(TagEnd::CodeBlock) => in_code = false,
                Event::Start(Tag::Link { dest_url, .. }) => doc.links.push(Link {
                    dest: dest_url.to_string(),
                    span,
                }),
                Event::Text(t) | Event::Code(t) if !in_code => {
                    if let Some(current) = text_stack.last_mut() {
                        current.push_str(&t);
                    }
                }
                Event::SoftBreak | Event::HardBreak | Event::Start(Tag::TableCell) => {
                    if let Some(current) = text_stack.last_mut() {
                        current.push(' ');
                    }
                }
                _ => {}
            }
        }
        // Blocks were pushed when they closed: a list item after its paragraphs. Order by place.
        doc.blocks
            .sort_by_key(|b| (b.span.start, std::cmp::Reverse(b.span.end)));
        doc.sections = sections(&doc.blocks);
        for section in doc.sections.clone() {
            if let Some(i) = section.heading {
                let body = &doc.blocks[section.blocks.start + 1..section.blocks.end];
                doc.blocks[i].empty = body
                    .iter()
                    .all(|b| b.heading.is_some() || b.is_placeholder());
            }
        }
        doc
    }

    /// The lower-case text of a section's blocks, placeholders left out.
    pub fn section_text(&self, section: &Section) -> String {
        self.text_of(section.blocks.clone())
    }

    pub fn own_text(&self, section: &Section) -> String {
        self.text_of(section.own.clone())
    }

    fn text_of(&self, blocks: Range<usize>) -> String {
        self.blocks[blocks]
            .iter()
            .filter(|b| b.counts())
            .map(|b| b.lower.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every block's lower-case text, placeholders left out.
    pub fn all_text(&self) -> String {
        self.text_of(0..self.blocks.len())
    }
}

fn sections(blocks: &[Block]) -> Vec<Section> {
    let mut out = Vec::new();
    let first_heading = blocks
        .iter()
        .position(|b| b.heading.is_some())
        .unwrap_or(blocks.len());
    if first_heading > 0 {
        out.push(Section {
            heading: None,
            blocks: 0..first_heading,
            own: 0..first_heading,
        });
    }
    for (i, block) in blocks.iter().enumerate() {
        let Some(level) = block.heading else { continue };
        let end = blocks[i + 1..]
            .iter()
            .position(|b| b.heading.is_some_and(|l| l <= level))
            .map_or(blocks.len(), |p| i + 1 + p);
        let own_end = blocks[i + 1..]
            .iter()
            .position(|b| b.heading.is_some())
            .map_or(blocks.len(), |p| i + 1 + p);
        out.push(Section {
            heading: Some(i),
            blocks: i..end,
            own: i..own_end,
        });
    }
    out
}

/// Whether `text` holds any of `words`.
pub fn any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "Innledning.\n\n## Hva lagrer vi?\n\nIntro.\n\n### Kunder\n\nVi lagrer navn.\n\n- en\n- to\n\n## Rettigheter\n\nDu har rett til innsyn.\n";

    #[test]
    fn blocks_keep_their_place_and_sections_nest() {
        let doc = Doc::parse(BODY, 10);
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Innledning.",
                "Hva lagrer vi?",
                "Intro.",
                "Kunder",
                "Vi lagrer navn.",
                "en",
                "to",
                "Rettigheter",
                "Du har rett til innsyn."
            ]
        );
        assert_eq!(doc.blocks[0].span.start, 10);
        assert_eq!(doc.sections.len(), 4);
        let lagrer = &doc.sections[1];
        assert_eq!(
            lagrer.heading.map(|i| doc.blocks[i].text.as_str()),
            Some("Hva lagrer vi?")
        );
        assert!(
            doc.section_text(lagrer).contains("vi lagrer navn"),
            "a section holds its subsections"
        );
        assert!(!doc.own_text(lagrer).contains("vi lagrer navn"));
        assert!(!doc.section_text(lagrer).contains("innsyn"));
    }

    #[test]
    fn placeholders_and_code_are_not_content() {
        let doc = Doc::parse("MANGLER: skriv om innsyn.\n\n```\ninnsyn\n```\n", 0);
        assert!(!doc.all_text().contains("innsyn"));
        assert!(doc.blocks[0].is_placeholder());
    }

    #[test]
    fn a_heading_over_a_placeholder_tells_nothing() {
        let doc = Doc::parse(
            "## Klage til Datatilsynet\n\nMANGLER: skriv.\n\n## Innsyn\n\n### Mer\n\nTekst.\n",
            0,
        );
        assert!(!doc.all_text().contains("klage"));
        assert!(
            doc.all_text().contains("innsyn"),
            "a heading with subsections tells"
        );
    }

    #[test]
    fn links_and_table_rows_are_found() {
        let doc = Doc::parse(
            "Se [her](@/a.md#b).\n\n| Navn | Varighet |\n|---|---|\n| _ga | 2 år |\n",
            0,
        );
        assert_eq!(doc.links[0].dest, "@/a.md#b");
        assert!(doc
            .blocks
            .iter()
            .any(|b| b.in_table && b.text.contains("_ga")));
    }
}
