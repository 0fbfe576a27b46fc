//! Reading `content/`: the files as the editor wrote them, parsed into their schemas.
//!
//! Nothing here checks how the files relate to each other; that is `validate`'s job.

pub mod inventory;
pub mod localized;
pub mod page;
pub mod site;

use crate::diagnostics::{display_path, Diagnostic, Diagnostics, Source};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

pub const SITE_FILE: &str = "site.toml";
pub const INVENTORY_FILE: &str = "cookies.toml";

/// The content directory, parsed but not yet checked as a whole.
#[derive(Debug)]
pub struct Content {
    pub root: PathBuf,
    pub site: site::SiteFile,
    pub site_source: Source,
    pub inventory: inventory::InventoryFile,
    pub inventory_source: Source,
    pub pages: Vec<PageFile>,
}

/// A Markdown file: its front matter, and its body with where the body starts.
#[derive(Debug)]
pub struct PageFile {
    pub source: Source,
    /// File stem without the language: `kontakt` for `kontakt.en.md`.
    pub slug: String,
    /// The language suffix, if the file has one (`kontakt.en.md` → `en`).
    pub lang_suffix: Option<String>,
    pub front: page::FrontMatter,
    /// Byte offset of the Markdown body in `source.text`.
    pub body_start: usize,
}

impl PageFile {
    pub fn body(&self) -> &str {
        &self.source.text[self.body_start..]
    }
}

/// Reads and parses every file under `content_dir`. `root` is what paths in messages are
/// relative to. All errors are collected, so the editor sees them in one go.
pub fn read(root: &Path, content_dir: &Path) -> Result<Content, Diagnostics> {
    let mut errors = Diagnostics::default();
    let site = read_toml::<site::SiteFile>(root, &content_dir.join(SITE_FILE), &mut errors);
    let inventory =
        read_toml::<inventory::InventoryFile>(root, &content_dir.join(INVENTORY_FILE), &mut errors);
    let pages = read_pages(root, content_dir, &mut errors);
    match (site, inventory) {
        (Some((site, site_source)), Some((inventory, inventory_source))) if errors.is_empty() => {
            Ok(Content {
                root: root.to_path_buf(),
                site,
                site_source,
                inventory,
                inventory_source,
                pages,
            })
        }
        _ => Err(errors),
    }
}

fn read_source(root: &Path, path: &Path, errors: &mut Diagnostics) -> Option<Source> {
    let shown = display_path(root, path);
    match std::fs::read_to_string(path) {
        Ok(text) => Some(Source::new(shown, text)),
        Err(e) => {
            let source = Source::new(shown, "");
            errors.push(Diagnostic::new(
                &source,
                None,
                format!("cannot read the file: {e}"),
            ));
            None
        }
    }
}

fn read_toml<T: DeserializeOwned>(
    root: &Path,
    path: &Path,
    errors: &mut Diagnostics,
) -> Option<(T, Source)> {
    let source = read_source(root, path, errors)?;
    match parse_toml::<T>(&source, 0, &source.text) {
        Ok(value) => Some((value, source)),
        Err(e) => {
            errors.push(*e);
            None
        }
    }
}

/// Parses `text`, which starts at byte `offset` of `source`, reporting errors against `source`.
pub fn parse_toml<T: DeserializeOwned>(
    source: &Source,
    offset: usize,
    text: &str,
) -> Result<T, Box<Diagnostic>> {
    toml::from_str::<T>(text).map_err(|e| {
        let span = e
            .span()
            .map(|s| (s.start + offset)..(s.end + offset).max(s.start + offset));
        let (message, help) = explain_toml_error(e.message());
        let mut diagnostic = Diagnostic::new(source, span.or(Some(offset..offset)), message);
        if let Some(help) = help {
            diagnostic = diagnostic.help(help);
        }
        Box::new(diagnostic)
    })
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" into a message and a hint.
fn explain_toml_error(raw: &str) -> (String, Option<String>) {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        if let Some((field, expected)) = rest.split_once(", expected ") {
            return (
                format!("unknown key {field}"),
                Some(format!("expected {expected}")),
            );
        }
    }
    if let Some(rest) = raw.strip_prefix("unknown variant ") {
        if let Some((value, expected)) = rest.split_once(", expected ") {
            return (
                format!("unknown value {value}"),
                Some(format!("expected {expected}")),
            );
        }
    }
    (raw.to_owned(), None)
}

fn read_pages(root: &Path, content_dir: &Path, errors: &mut Diagnostics) -> Vec<PageFile> {
    let mut paths = Vec::new();
    collect_markdown(content_dir, &mut paths, errors, root);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let source = read_source(root, &path, errors)?;
            match parse_page(source, content_dir, &path) {
                Ok(page) => Some(page),
                Err(e) => {
                    errors.push(*e);
                    None
                }
            }
        })
        .collect()
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Diagnostics, root: &Path) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            let source = Source::new(display_path(root, dir), "");
            errors.push(Diagnostic::new(
                &source,
                None,
                format!("cannot read the directory: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_markdown(&path, out, errors, root);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// Splits a page into front matter and body. The slug is the path below `content_dir` without
/// `.md` and without a language suffix (`tjenester/backup.en.md` → `tjenester/backup`, `en`).
pub fn parse_page(
    source: Source,
    content_dir: &Path,
    path: &Path,
) -> Result<PageFile, Box<Diagnostic>> {
    let relative = path.strip_prefix(content_dir).unwrap_or(path);
    let stem = relative.with_extension("");
    let stem = stem.to_string_lossy().replace('\\', "/");
    let (slug, lang_suffix) = match stem.rsplit_once('.') {
        Some((slug, lang)) if !lang.contains('/') => (slug.to_owned(), Some(lang.to_owned())),
        _ => (stem.clone(), None),
    };

    let text = source.text.clone();
    let Some((front_start, front_end, body_start)) = split_front_matter(&text) else {
        return Err(Box::new(
            Diagnostic::new(&source, Some(0..0), "missing front matter")
                .label("expected `+++` on the first line")
                .help("start the page with\n+++\ntitle = \"…\"\ndescription = \"…\"\n+++"),
        ));
    };
    let front =
        parse_toml::<page::FrontMatter>(&source, front_start, &text[front_start..front_end])?;
    Ok(PageFile {
        source,
        slug,
        lang_suffix,
        front,
        body_start,
    })
}

/// Byte offsets of the front matter's TOML and of the body, for `+++` fences.
fn split_front_matter(text: &str) -> Option<(usize, usize, usize)> {
    let text_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[text_start..];
    let first_line_end = rest.find('\n')?;
    if rest[..first_line_end].trim_end() != "+++" {
        return None;
    }
    let front_start = text_start + first_line_end + 1;
    let mut at = front_start;
    for line in text[front_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((front_start, at, at + line.len()));
        }
        at += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_at_the_fences() {
        let text = "+++\ntitle = \"x\"\n+++\n# Body\n";
        let (start, end, body) = split_front_matter(text).expect("fenced");
        assert_eq!(&text[start..end], "title = \"x\"\n");
        assert_eq!(&text[body..], "# Body\n");
    }

    #[test]
    fn unclosed_front_matter_is_not_front_matter() {
        assert!(split_front_matter("+++\ntitle = \"x\"\n").is_none());
        assert!(split_front_matter("# no front matter\n").is_none());
    }

    #[test]
    fn language_suffix_is_taken_from_the_file_name() {
        let dir = Path::new("/c");
        let page = |p: &str| {
            let source = Source::new(p, "+++\ntitle = \"T\"\ndescription = \"D\"\n+++\n");
            parse_page(source, dir, Path::new(p)).expect("valid page")
        };
        let en = page("/c/kontakt.en.md");
        assert_eq!(
            (en.slug.as_str(), en.lang_suffix.as_deref()),
            ("kontakt", Some("en"))
        );
        let nb = page("/c/kontakt.md");
        assert_eq!(
            (nb.slug.as_str(), nb.lang_suffix.as_deref()),
            ("kontakt", None)
        );
        let nested = page("/c/tjenester/backup.md");
        assert_eq!(nested.slug, "tjenester/backup");
    }
}
