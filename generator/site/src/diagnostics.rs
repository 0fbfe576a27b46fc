//! Errors in the editor's files, reported the way rustc reports them: file, line, column, what
//! was expected, and a hint.

pub use codespan_reporting::diagnostic::Severity;
use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor, Config};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A source file an error can point into.
#[derive(Debug, Clone)]
pub struct Source {
    /// As shown to the editor: relative to the site's root where possible.
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Where each line starts, computed on the first error and shared by every clone, so a
    /// file with thousands of errors is scanned once, not once per error.
    line_starts: Arc<OnceLock<Vec<usize>>>,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
            line_starts: Arc::default(),
        }
    }

    /// 1-based line and column (in characters) of byte `offset`, as [`line_col`] counts them.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = &*self.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        let col = text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// `span` moved inside the text: ends clamped to its length and to character boundaries,
    /// never reversed, and an empty span at the very end moved onto the last character, so it
    /// points at a line the file has.
    pub fn clamp(&self, span: Range<usize>) -> Range<usize> {
        let text = &*self.text;
        let len = text.len();
        let mut start = floor_char_boundary(text, span.start.min(len));
        let end = ceil_char_boundary(text, span.end.min(len).max(start));
        if start == len && end == len && len > 0 {
            start = floor_char_boundary(text, len - 1);
        }
        start..end
    }
}

/// One error in one file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub source: Source,
    /// Byte range in `source.text`; `None` for errors about a whole file.
    pub span: Option<Range<usize>>,
    pub message: String,
    /// Said at the span: what was found, or what was expected there.
    pub label: String,
    /// A second place the error involves, such as the first of two duplicates.
    pub related: Option<(Range<usize>, String)>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(source: &Source, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        Diagnostic {
            source: source.clone(),
            span: span.map(|span| source.clamp(span)),
            message: message.into(),
            label: String::new(),
            related: None,
            help: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.related = Some((self.source.clamp(span), label.into()));
        self
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self) -> (usize, usize) {
        self.source
            .line_col(self.span.as_ref().map_or(0, |s| s.start))
    }

    /// `path:line:col: message`, the form editors' tools and tests match on.
    pub fn headline(&self) -> String {
        let (line, col) = self.line_col();
        format!(
            "{}:{}:{}: {}",
            self.source.path.display(),
            line,
            col,
            self.message
        )
    }
}

/// 1-based line and column of byte `offset` in `text`; columns count characters, as editors do.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Every error of a failed load, in the order they were found.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Ok when nothing was reported.
    pub fn into_result(self) -> Result<(), Diagnostics> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Writes every diagnostic with its source excerpt, as rustc does.
    pub fn emit(&self, out: &mut dyn WriteColor) -> std::io::Result<()> {
        let mut files = Files::default();
        for diagnostic in &self.0 {
            let mut notes = Vec::new();
            if diagnostic.span.is_none() && !diagnostic.label.is_empty() {
                notes.push(diagnostic.label.clone());
            }
            if let Some(help) = &diagnostic.help {
                notes.push(format!("help: {help}"));
            }
            emit(out, &mut files, diagnostic, Severity::Error, None, notes)?;
        }
        Ok(())
    }

    /// The same as [`Diagnostics::emit`] without colours, for tests, logs and the serve overlay.
    pub fn to_plain_string(&self) -> String {
        let mut buffer = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
        // Writing into memory cannot fail.
        let _ = self.emit(&mut buffer);
        String::from_utf8_lossy(&buffer.into_inner()).into_owned()
    }
}

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for d in &self.0 {
            writeln!(f, "{}", d.headline())?;
        }
        Ok(())
    }
}

/// The files diagnostics point into, each added once: codespan indexes a file's lines when it
/// is added.
#[derive(Default)]
pub struct Files<'a> {
    files: SimpleFiles<String, Arc<str>>,
    ids: HashMap<(*const u8, &'a Path), usize>,
}

impl<'a> Files<'a> {
    fn id(&mut self, source: &'a Source) -> usize {
        let files = &mut self.files;
        *self
            .ids
            .entry((source.text.as_ptr(), source.path.as_path()))
            .or_insert_with(|| files.add(source.path.display().to_string(), source.text.clone()))
    }
}

/// Writes one diagnostic the way rustc does: `error[code]: message`, the excerpt with its
/// labels, then `= note` lines. The one renderer for load errors and `check`'s findings. A
/// diagnostic about a whole file has no excerpt: its path stands in for it.
pub fn emit<'a>(
    out: &mut dyn WriteColor,
    files: &mut Files<'a>,
    diagnostic: &'a Diagnostic,
    severity: Severity,
    code: Option<&str>,
    notes: Vec<String>,
) -> std::io::Result<()> {
    let Some(span) = &diagnostic.span else {
        let word = match severity {
            Severity::Bug => "bug",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
            Severity::Help => "help",
        };
        let code = code.map(|c| format!("[{c}]")).unwrap_or_default();
        writeln!(out, "{word}{code}: {}", diagnostic.message)?;
        writeln!(out, "  --> {}", diagnostic.source.path.display())?;
        for note in &notes {
            writeln!(out, "   = {note}")?;
        }
        return writeln!(out);
    };
    let id = files.id(&diagnostic.source);
    let mut labels = vec![Label::primary(id, span.clone()).with_message(&diagnostic.label)];
    if let Some((span, message)) = &diagnostic.related {
        labels.push(Label::secondary(id, span.clone()).with_message(message));
    }
    let mut report = Report::new(severity)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes);
    if let Some(code) = code {
        report = report.with_code(code);
    }
    term::emit_to_write_style(out, &Config::default(), &files.files, &report)
        .map_err(std::io::Error::other)
}

/// A path as the editor knows it: relative to `root` when it lies under it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let text = "a = 1\nø = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // `=` after the two-byte `ø` and a space is the third character.
        assert_eq!(
            line_col(text, text.rfind(" =").map_or(0, |i| i + 1)),
            (2, 3)
        );
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn emit_shows_path_line_and_label() {
        let source = Source::new("content/cookies.toml", "category = \"analytic\"\n");
        let mut all = Diagnostics::default();
        all.push(
            Diagnostic::new(&source, Some(11..21), "unknown category `analytic`")
                .label("expected one of `necessary`, `analytics`")
                .help("did you mean `analytics`?"),
        );
        let text = all.to_plain_string();
        assert!(
            text.contains("error: unknown category `analytic`"),
            "{text}"
        );
        assert!(text.contains("content/cookies.toml:1:12"), "{text}");
        assert!(
            text.contains("expected one of `necessary`, `analytics`"),
            "{text}"
        );
        assert!(text.contains("help: did you mean `analytics`?"), "{text}");
    }
}
