//! One finding of `check`: which rule, where, what is missing, and why the law asks for it.

use crate::diagnostics::{self, Diagnostic, Files, Severity, Source};
use codespan_reporting::term::termcolor::WriteColor;
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct Finding {
    /// `C-26`, or `link` and `placeholder` for findings outside compliance.md.
    pub rule: &'static str,
    /// Where, what, and a hint; `label` says what was found at the span.
    pub diagnostic: Diagnostic,
    /// What the law asks, with the article.
    pub why: String,
    /// What the check looked for, so an editor can see why it did not find it.
    pub looked_for: Option<String>,
}

impl Finding {
    pub fn new(
        rule: &'static str,
        source: &Source,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            diagnostic: Diagnostic::new(source, span, message),
            why: String::new(),
            looked_for: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Finding {
        self.diagnostic = self.diagnostic.label(label);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.diagnostic = self.diagnostic.help(help);
        self
    }

    pub fn why(mut self, why: impl Into<String>) -> Finding {
        self.why = why.into();
        self
    }

    pub fn looked_for(mut self, what: impl Into<String>) -> Finding {
        self.looked_for = Some(what.into());
        self
    }

    pub fn message(&self) -> &str {
        &self.diagnostic.message
    }

    /// `path:line:col: [C-32] message`.
    pub fn headline(&self) -> String {
        let (line, col) = self.diagnostic.line_col();
        format!(
            "{}:{line}:{col}: [{}] {}",
            self.diagnostic.source.path.display(),
            self.rule,
            self.diagnostic.message
        )
    }

    /// `brief` leaves out why, help and what was looked for: said for an earlier finding.
    fn notes(&self, brief: bool) -> Vec<String> {
        let d = &self.diagnostic;
        let mut notes = Vec::new();
        if d.span.is_none() && !d.label.is_empty() {
            notes.push(d.label.clone());
        }
        if brief {
            notes.push("why and help: as above".to_owned());
            return notes;
        }
        if !self.why.is_empty() {
            notes.push(format!("why: {}", self.why));
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        if let Some(what) = &self.looked_for {
            notes.push(format!("looked for: {what}"));
        }
        notes
    }

    /// Whether `other` has the same explanation, so it need not be repeated.
    pub fn explained_like(&self, other: &Finding) -> bool {
        self.rule == other.rule
            && self.why == other.why
            && self.diagnostic.help == other.diagnostic.help
            && self.looked_for == other.looked_for
    }

    /// Writes the finding the way rustc writes a warning (an error under `--strict`), through
    /// the renderer load errors use.
    pub fn emit<'a>(
        &'a self,
        out: &mut dyn WriteColor,
        files: &mut Files<'a>,
        strict: bool,
        brief: bool,
    ) -> std::io::Result<()> {
        let severity = if strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        diagnostics::emit(
            out,
            files,
            &self.diagnostic,
            severity,
            Some(self.rule),
            self.notes(brief),
        )
    }
}
