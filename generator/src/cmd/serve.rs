//! `samtykke serve`: starts the dev server, says where, reports every rebuild, and serves until
//! interrupted.

use crate::cli::WidgetArgs;
use samtykke_serve::{Outcome, Reporter, Serve};
use samtykke_site::diagnostics::display_path;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(root: &Path, port: u16, widget: &WidgetArgs) -> ExitCode {
    let widget = match widget.bundle() {
        Ok(bundle) => bundle,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if widget.is_none() {
        eprintln!("note: serving without the consent widget (--no-widget): the banner's buttons do nothing");
    }
    let shown_root = root.to_path_buf();
    let report: Reporter = Arc::new(move |outcome: &Outcome, changed: &[PathBuf]| {
        print_outcome(outcome, &after(&shown_root, changed));
    });
    match Serve::start(root, port, widget, report) {
        Ok(serve) => {
            println!(
                "serving {} on 127.0.0.1 only; watching {} and {}; press Ctrl-C to stop",
                serve.site_url(),
                root.join("content").display(),
                root.join("themes").display()
            );
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("error: cannot serve: {e}");
            if e.kind() == std::io::ErrorKind::AddrInUse || e.to_string().contains("in use") {
                eprintln!(
                    "  help: another program uses port {port}; pass --port 0 for any free port"
                );
            }
            ExitCode::FAILURE
        }
    }
}

/// ` after a change to content/x.md`, or nothing for the first build.
fn after(root: &Path, changed: &[PathBuf]) -> String {
    // Editors' and tools' temporary files are gone by now; what is left is what changed.
    let existing: Vec<PathBuf> = changed.iter().filter(|p| p.exists()).cloned().collect();
    let changed: Vec<PathBuf> = if existing.is_empty() {
        changed.to_vec()
    } else {
        existing
    }
    .iter()
    .map(|p| display_path(root, p))
    .collect();
    match changed.as_slice() {
        [] => String::new(),
        [one] => format!(" after a change to {}", one.display()),
        [first, rest @ ..] => format!(
            " after changes to {} and {} more",
            first.display(),
            rest.len()
        ),
    }
}

fn print_outcome(outcome: &Outcome, what: &str) {
    match outcome {
        Outcome::Built { pages, elapsed, .. } => {
            println!("built {pages} pages in {} ms{what}", elapsed.as_millis());
        }
        Outcome::Failed {
            message, elapsed, ..
        } => {
            eprint!("{message}");
            eprintln!(
                "(build took {} ms{what}; the pages show this until the file is fixed)",
                elapsed.as_millis()
            );
        }
    }
}
