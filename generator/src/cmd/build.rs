//! `samtykke build`: reads the widget, builds, says what was written.

use crate::term;
use samtykke_site::build;
use samtykke_site::render::Options;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(
    root: &Path,
    out: Option<PathBuf>,
    base_url: Option<String>,
    widget_dir: Option<PathBuf>,
    no_widget: bool,
) -> ExitCode {
    let out = out.unwrap_or_else(|| root.join("dist"));
    let widget = if no_widget {
        None
    } else {
        let dir = widget_dir.unwrap_or_else(|| root.join("target").join("widget"));
        match build::read_widget(&dir) {
            Ok(bundle) => Some(bundle),
            Err(e) => return fail(&e),
        }
    };
    let options = Options {
        base_url,
        widget,
        ..Options::default()
    };
    match build::build(root, &out, &options) {
        Ok(summary) => {
            for warning in &summary.warnings {
                eprintln!("warning: {warning}");
            }
            println!("built {summary} → {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn fail(error: &samtykke_site::Error) -> ExitCode {
    term::report_failure(
        error,
        "the site was not built",
        "the output directory is unchanged",
    );
    ExitCode::FAILURE
}
