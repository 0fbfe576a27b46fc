//! `samtykke build`: load, render, write; and what it reports.

use crate::diagnostics::Diagnostics;
use crate::model;
use crate::output::{self, OutputError};
use crate::render::{self, Options, RenderError, WidgetBundle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub enum BuildError {
    /// Mistakes in the editor's files.
    Content(Diagnostics),
    Render(RenderError),
    Output(OutputError),
    Widget(PathBuf, std::io::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Content(d) => write!(f, "{d}"),
            BuildError::Render(e) => write!(f, "{e}"),
            BuildError::Output(e) => write!(f, "{e}"),
            BuildError::Widget(path, e) => write!(
                f,
                "cannot read the compiled widget at {}: {e}\n  help: leave out --widget-dir to use the widget built into samtykke, or run tools/build-widget.sh",
                path.display()
            ),
        }
    }
}

impl std::error::Error for BuildError {}

#[derive(Debug)]
pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub bytes: usize,
    pub elapsed: Duration,
    /// The site is built, but something around it needs the editor's attention (e.g. an old
    /// output tree that could not be removed).
    pub warnings: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} pages, {} files, {:.1} KB in {} ms",
            self.pages,
            self.files,
            self.bytes as f64 / 1024.0,
            self.elapsed.as_millis()
        )
    }
}

/// Reads `samtykke.js` and `samtykke_bg.wasm` that tools/build-widget.sh leaves in `dir`.
pub fn read_widget(dir: &Path) -> Result<WidgetBundle, BuildError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| BuildError::Widget(path, e))
    };
    Ok(WidgetBundle {
        js: read("samtykke.js")?,
        wasm: read("samtykke_bg.wasm")?,
    })
}

/// Builds the site at `root` into `out`. On any error `out` is left as it was.
pub fn build(root: &Path, out: &Path, options: &Options) -> Result<Summary, BuildError> {
    let started = Instant::now();
    let site = model::load(root).map_err(BuildError::Content)?;
    let rendered = render::render(&site, options).map_err(BuildError::Render)?;
    let written = output::write_atomically(out, &rendered.files).map_err(BuildError::Output)?;
    Ok(Summary {
        pages: rendered.pages,
        files: rendered.files.len(),
        bytes: rendered.bytes(),
        elapsed: started.elapsed(),
        warnings: written.warnings,
    })
}
