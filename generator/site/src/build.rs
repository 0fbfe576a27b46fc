//! The pipeline every command runs: load (content → validate → model), then render. `check` and
//! serve's rebuild render into memory ([`render_site`]); `build` streams each file into a staging
//! tree as it is rendered and swaps it in atomically ([`build_keeping_old`]).

use crate::model::{self, Site};
use crate::output;
use crate::phases;
use crate::render::{self, Options, Rendered, WidgetBundle};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// A file of the output tree that is about to be replaced, for its compressed siblings: only a
/// regular file of sane size (a FIFO or a symlink there is not opened). What is read is only
/// used if it decompresses to the new file's exact bytes (see `compress::siblings`).
fn earlier_file(out: &Path, path: &str) -> Option<Vec<u8>> {
    const MAX: u64 = 64 << 20;
    let path = out.join(path);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MAX {
        return None;
    }
    std::fs::read(&path).ok()
}

/// The site at `root`, loaded, validated and rendered into memory, with the model it came from.
pub fn render_site(root: &Path, options: &Options) -> Result<(Site, Rendered), Error> {
    let started = Instant::now();
    let site = model::load(root)?;
    crate::phases::phase("load", started);
    let started = Instant::now();
    let rendered = render::render(&site, options)?;
    crate::phases::phase("render", started);
    Ok((site, rendered))
}

/// Builds the site at `root` into `out`, and removes the old tree before returning. On any
/// error `out` is left as it was.
pub fn build(root: &Path, out: &Path, options: &Options) -> Result<Summary, Error> {
    let (summary, committed) = build_keeping_old(root, out, options)?;
    let written = committed.remove_old();
    Ok(Summary {
        warnings: [summary.warnings, written.warnings].concat(),
        ..summary
    })
}

/// [`build`], leaving the old tree beside `out` for the caller to remove after it has reported
/// (`samtykke build` hands it to a background process: on a rebuild, removing the old tree
/// took as long as building the new one).
///
/// Streams: each page is rendered, compressed and written on every core, and dropped, so
/// memory holds the model and a few pages, not the site.
pub fn build_keeping_old(
    root: &Path,
    out: &Path,
    options: &Options,
) -> Result<(Summary, output::Committed), Error> {
    let started = Instant::now();
    let site = model::load(root)?;
    phases::phase("load", started);
    let precompress = options.precompress.unwrap_or(site.config.build.precompress);
    let staging = output::Staging::begin(out)?;
    let earlier = |sibling: &str, original: &[u8]| {
        crate::compress::prepacked(sibling, original).or_else(|| earlier_file(out, sibling))
    };
    let files = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    // Rendering, compressing and writing overlap on every core, so the profile gives their
    // wall time as one, and the thread time spent compressing and writing within it.
    let (compressing, writing) = (phases::Tally::default(), phases::Tally::default());
    let write = |path: &str, data: &[u8]| -> Result<(), Error> {
        writing.time(|| staging.write(path, data))?;
        files.fetch_add(1, Ordering::Relaxed);
        bytes.fetch_add(data.len(), Ordering::Relaxed);
        Ok(())
    };
    let rendering = Instant::now();
    let pages = render::render_into::<Error>(&site, options, &|path: String, data: Vec<u8>| {
        write(&path, &data)?;
        if precompress {
            let made = compressing.time(|| crate::compress::siblings(&path, &data, &earlier));
            for (sibling, packed) in made {
                write(&sibling, &packed)?;
            }
        }
        Ok(())
    })?;
    phases::phase("render+write", rendering);
    compressing.report("compress-cpu");
    writing.report("write-cpu");
    let mut committed = staging.commit()?;
    let summary = Summary {
        pages,
        files: files.into_inner(),
        bytes: bytes.into_inner(),
        elapsed: started.elapsed(),
        warnings: committed.take_warnings(),
        languages: crate::translations::summary(&site),
    };
    Ok((summary, committed))
}
