//! The site library's errors. [`Error`] is what a whole run (`build`, `check`, serve's rebuild)
//! returns; [`RenderError`] is what `render` returns, kept as its variant. Causes stay attached
//! as `source()`, so a caller can walk them; `Display` already says everything an editor needs.

use crate::diagnostics::Diagnostics;
use crate::output::OutputError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Mistakes in the editor's files.
    #[error("{0}")]
    Content(Diagnostics),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(
        "cannot read the compiled widget at {}: {source}\n  help: leave out --widget-dir to use the widget built into samtykke, or run tools/build-widget.sh",
        path.display()
    )]
    Widget {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<Diagnostics> for Error {
    fn from(diagnostics: Diagnostics) -> Self {
        Error::Content(diagnostics)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A theme that cannot be used, found without Tera's help (a missing template, a file
    /// refused by `site_fs`), or an internal error.
    #[error("{0}")]
    Template(String),
    /// Tera refused a template. Its causes hold the useful part ("Variable `x` not found"), so
    /// `Display` prints them under `what`, as users have always seen them.
    #[error("{}", with_causes(what, source))]
    Tera {
        what: String,
        #[source]
        source: tera::Error,
    },
    /// A page asks for something the theme does not have, such as a template.
    #[error("{}", .0.to_plain_string())]
    Content(Diagnostics),
    #[error("{}: {}", .0.display(), .1)]
    Io(PathBuf, #[source] std::io::Error),
}

impl RenderError {
    pub fn tera(what: impl Into<String>, source: tera::Error) -> Self {
        RenderError::Tera {
            what: what.into(),
            source,
        }
    }
}

/// `what: error`, then one `caused by:` line per cause.
fn with_causes(what: &str, error: &tera::Error) -> String {
    let mut message = format!("{what}: {error}");
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        message.push_str(&format!("\n  caused by: {c}"));
        cause = c.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_error_keeps_teras_chain_as_source_and_prints_it() {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("page.html", "{{ missing }}")
            .expect("parses");
        let e = tera
            .render("page.html", &tera::Context::new())
            .expect_err("`missing` is not defined");
        let error = Error::from(RenderError::tera("cannot render x", e));
        let shown = error.to_string();
        assert!(shown.starts_with("cannot render x: "), "{shown}");
        assert!(
            shown.contains("\n  caused by: Variable `missing` not found"),
            "{shown}"
        );
        // The chain is there for callers, not only flattened into the text: `Error` is
        // transparent over the render error, so its source is Tera's error itself.
        let tera = std::error::Error::source(&error).expect("Tera's error");
        assert!(tera.to_string().contains("page.html"), "{tera}");
        let cause = tera.source().expect("Tera's own cause").to_string();
        assert!(cause.contains("Variable `missing` not found"), "{cause}");
    }
}
