//! `samtykke build`: picks the widget (the embedded one unless told otherwise), builds, says what was written.

use crate::cli::WidgetArgs;
use crate::term;
use samtykke_site::build;
use samtykke_site::render::Options;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(
    root: &Path,
    out: Option<PathBuf>,
    base_url: Option<String>,
    no_precompress: bool,
    widget: &WidgetArgs,
) -> ExitCode {
    let out = out.unwrap_or_else(|| root.join("dist"));
    let widget = match widget.bundle() {
        Ok(bundle) => bundle,
        Err(e) => return fail(&e),
    };
    let options = Options {
        base_url,
        widget,
        // Only a "no" overrides: without the flag, site.toml decides.
        precompress: no_precompress.then_some(false),
        ..Options::default()
    };
    match build::build(root, &out, &options) {
        Ok(summary) => {
            for warning in &summary.warnings {
                eprintln!("warning: {warning}");
            }
            println!("built {summary} → {}", out.display());
            for language in &summary.languages {
                println!("{language}");
            }
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
