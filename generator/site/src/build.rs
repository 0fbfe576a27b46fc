//! The pipeline every command runs: load (content → validate → model) and render, in memory;
//! `build` then writes the result atomically. `check` and serve's rebuild use [`render_site`].

use crate::model::{self, Site};
use crate::output;
use crate::render::{self, Options, Rendered, WidgetBundle};
use std::path::Path;
use std::time::{Duration, Instant};

pub use crate::error::Error;

#[derive(Debug)]
pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub bytes: usize,
    pub elapsed: Duration,
    /// The site is built, but something around it needs the editor's attention (e.g. an old
    /// output tree that could not be removed).
    pub warnings: Vec<String>,
    /// Per language other than the default: how many texts and pages fall back to it.
    pub languages: Vec<crate::translations::Summary>,
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
pub fn read_widget(dir: &Path) -> Result<WidgetBundle, Error> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|source| Error::Widget { path, source })
    };
    Ok(WidgetBundle {
        js: read("samtykke.js")?,
        wasm: read("samtykke_bg.wasm")?,
    })
}

/// The site at `root`, loaded, validated and rendered into memory, with the model it came from.
pub fn render_site(root: &Path, options: &Options) -> Result<(Site, Rendered), Error> {
    let site = model::load(root)?;
    let rendered = render::render(&site, options)?;
    Ok((site, rendered))
}

/// Builds the site at `root` into `out`. On any error `out` is left as it was.
pub fn build(root: &Path, out: &Path, options: &Options) -> Result<Summary, Error> {
    let started = Instant::now();
    let (site, mut rendered) = render_site(root, options)?;
    if site.config.build.precompress {
        crate::compress::precompress(&mut rendered.files);
    }
    let written = output::write_atomically(out, &rendered.files)?;
    Ok(Summary {
        pages: rendered.pages,
        files: rendered.files.len(),
        bytes: rendered.bytes(),
        elapsed: started.elapsed(),
        warnings: written.warnings,
        languages: crate::translations::summary(&site),
    })
}
