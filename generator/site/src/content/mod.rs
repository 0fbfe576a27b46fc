//! Reading `content/`: the files as the editor wrote them, parsed into their schemas.
//!
//! Nothing here checks how the files relate to each other; that is `validate`'s job.
//!
//! Files are read through [`site_fs`]: only regular files whose real location is inside
//! `content/` (a symbolic link to a file inside `content/` is read like that file; one that
//! leads out is an error that shows none of the target), symlinked folders are refused rather
//! than followed, and each file is at most [`site_fs::TEXT_LIMIT`] bytes. Page file names are
//! held to [`PAGE_NAME_RULE`], since they become URLs, paths in the output and sitemap entries.

pub mod inventory;
pub mod localized;
pub mod page;
pub mod site;
pub mod snippets;

use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::site_fs::{self, Folder, FsError};
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
/// relative to. All errors are collected, so the editor sees them in one go. Files are read
/// through [`site_fs`], so only regular files inside `content_dir` are read, each at most
/// [`site_fs::TEXT_LIMIT`] bytes, and symlinked folders are refused.
pub fn read(root: &Path, content_dir: &Path) -> Result<Content, Diagnostics> {
    let mut errors = Diagnostics::default();
    let folder = match Folder::new(root, content_dir) {
        Ok(folder) => folder,
        Err(e) => {
            errors.push(file_error(&e));
            return Err(errors);
        }
    };
    let site = read_toml::<site::SiteFile>(&folder, &content_dir.join(SITE_FILE), &mut errors);
    let inventory = read_toml::<inventory::InventoryFile>(
        &folder,
        &content_dir.join(INVENTORY_FILE),
        &mut errors,
    );
    let pages = read_pages(&folder, &mut errors);
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

/// A file that could not be read: the file is the position, and nothing of it is shown (it may
/// be a link to a file outside the site).
fn file_error(e: &FsError) -> Diagnostic {
    let diagnostic = Diagnostic::new(&Source::new(e.path.clone(), ""), None, e.message());
    match e.help() {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

fn read_source(folder: &Folder, path: &Path) -> Result<Source, Box<Diagnostic>> {
    let bytes = folder
        .read(path, site_fs::TEXT_LIMIT)
        .map_err(|e| Box::new(file_error(&e)))?;
    let shown = folder.shown(path);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(shown, text)),
        Err(e) => Err(Box::new(not_utf8(shown, e))),
    }
}

/// Points at the first byte that is not UTF-8. The excerpt shows the file with that byte as
/// U+FFFD, which the span covers: the text before it is the file's own, byte for byte.
fn not_utf8(shown: PathBuf, e: std::string::FromUtf8Error) -> Diagnostic {
    let at = e.utf8_error().valid_up_to();
    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
    let (line, col) = crate::diagnostics::line_col(&text, at);
    let source = Source::new(shown, text);
    Diagnostic::new(
        &source,
        Some(at..at + char::REPLACEMENT_CHARACTER.len_utf8()),
        format!("the file is not UTF-8: byte offset {at} (line {line}, column {col}) is not part of a UTF-8 character"),
    )
    .label("not UTF-8")
    .help("save the file with the encoding UTF-8")
}

fn read_toml<T: DeserializeOwned>(
    folder: &Folder,
    path: &Path,
    errors: &mut Diagnostics,
) -> Option<(T, Source)> {
    let source = read_source(folder, path)
        .map_err(|e| errors.push(*e))
        .ok()?;
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

fn read_pages(folder: &Folder, errors: &mut Diagnostics) -> Vec<PageFile> {
    use rayon::prelude::*;
    let content_dir = folder.dir();
    let (paths, refused) = folder.walk(content_dir, |p| p.extension().is_some_and(|e| e == "md"));
    for e in &refused {
        errors.push(file_error(e));
    }
    // Each file is read and parsed on its own, so they go on every core; `collect` keeps the
    // walk's order, and so the order of the pages and of their errors.
    let read: Vec<Result<PageFile, Box<Diagnostic>>> = paths
        .into_par_iter()
        .map(|path| {
            // A bad name is reported before reading: the name alone decides it.
            if let Err(e) = page_name(content_dir, &path) {
                return Err(Box::new(bad_name(Source::new(folder.shown(&path), ""), &e)));
            }
            let source = read_source(folder, &path)?;
            parse_page(source, content_dir, &path)
        })
        .collect();
    read.into_iter()
        .filter_map(|page| page.map_err(|e| errors.push(*e)).ok())
        .collect()
}

/// Why a page's file name is not one, and the name that would be.
#[derive(Debug, PartialEq, Eq)]
pub struct BadName {
    pub name: String,
    pub suggestion: Option<String>,
}

/// The rule for page names, said once for every message.
pub const PAGE_NAME_RULE: &str = "a page's file name, and each folder above it in content/, may hold only lowercase letters a-z, digits and `-`, and must start with a letter or a digit; a language goes before `.md` after one dot: `kontakt.en.md`";

fn bad_name(source: Source, e: &BadName) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        &source,
        None,
        format!("`{}` is not a valid page name", printable(&e.name)),
    )
    .label(PAGE_NAME_RULE);
    match &e.suggestion {
        Some(name) => diagnostic.help(format!("rename the file to `{name}`")),
        None => diagnostic,
    }
}

/// A file name as a message may show it: control characters (which could move the cursor or
/// recolour the terminal) written as escapes.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The slug and language suffix of a page at `path` below `content_dir`:
/// `tjenester/backup.en.md` → (`tjenester/backup`, `en`). Slugs become URLs, output paths and
/// sitemap entries, so they are held to [`PAGE_NAME_RULE`]; whether the language is one the site
/// has is `model`'s check, which knows the languages.
pub fn page_name(content_dir: &Path, path: &Path) -> Result<(String, Option<String>), BadName> {
    let relative = path.strip_prefix(content_dir).unwrap_or(path);
    let shown = relative.to_string_lossy().replace('\\', "/");
    let bad = |suggestion| BadName {
        name: shown.clone(),
        suggestion,
    };
    let Some(stem) = shown.strip_suffix(".md") else {
        return Err(bad(None));
    };
    let (folders, file) = match stem.rsplit_once('/') {
        Some((folders, file)) => (Some(folders), file),
        None => (None, stem),
    };
    let (name, lang) = match file.split_once('.') {
        Some((name, lang)) => (name, Some(lang)),
        None => (file, None),
    };
    let slug = match folders {
        Some(folders) => format!("{folders}/{name}"),
        None => name.to_owned(),
    };
    let lang_ok = lang.is_none_or(|l| is_name_part(l) && !l.contains('.'));
    if !lang_ok || !slug.split('/').all(is_name_part) {
        let mut suggested: Vec<String> = slug.split('/').map(suggest_part).collect();
        if suggested.iter().any(String::is_empty) {
            return Err(bad(None));
        }
        let last = suggested.pop().unwrap_or_default();
        suggested.push(match lang.map(suggest_part).filter(|l| !l.is_empty()) {
            Some(lang) => format!("{last}.{lang}.md"),
            None => format!("{last}.md"),
        });
        return Err(bad(Some(suggested.join("/"))));
    }
    Ok((slug, lang.map(str::to_owned)))
}

/// One part of a page's name or slug: see [`PAGE_NAME_RULE`].
pub fn is_name_part(part: &str) -> bool {
    part.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && part
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `Vilkår og Priser` → `vilkar-og-priser`: the nearest name that follows the rule.
fn suggest_part(part: &str) -> String {
    let mut out = String::new();
    for c in part.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'æ' => out.push_str("ae"),
            'ø' | 'ö' => out.push('o'),
            'å' | 'ä' | 'á' | 'à' => out.push('a'),
            'é' | 'è' | 'ê' => out.push('e'),
            'ü' => out.push('u'),
            _ if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            _ => {}
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Splits a page into front matter and body. The slug is the path below `content_dir` without
/// `.md` and without a language suffix (`tjenester/backup.en.md` → `tjenester/backup`, `en`).
pub fn parse_page(
    source: Source,
    content_dir: &Path,
    path: &Path,
) -> Result<PageFile, Box<Diagnostic>> {
    let (slug, lang_suffix) =
        page_name(content_dir, path).map_err(|e| Box::new(bad_name(source.clone(), &e)))?;

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

/// A span of the front matter's TOML (which starts after the optional BOM and the `+++` line)
/// as a span of the whole file. `FrontMatter`'s spans are relative to the TOML.
pub fn in_front_matter(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let offset = text[bom..].find('\n').map_or(0, |i| bom + i + 1);
    span.start + offset..span.end + offset
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
