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
    match build::build_keeping_old(root, &out, &options) {
        Ok((summary, committed)) => {
            for warning in &summary.warnings {
                eprintln!("warning: {warning}");
            }
            println!("built {summary} → {}", out.display());
            for language in &summary.languages {
                println!("{language}");
            }
            if let Some(old) = committed.old_tree() {
                if !remove_in_background(old) {
                    for warning in committed.remove_old().warnings {
                        eprintln!("warning: {warning}");
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// Hands the old output tree to a detached `samtykke __remove-old-tree`, so that the command
/// returns as soon as the new site is in place: on a rebuild of a large site, removing the old
/// tree took as long as building the new one. If the process is killed, the next build removes
/// the leftover. False when no process could be started (the caller then removes it itself).
fn remove_in_background(old: &Path) -> bool {
    let Ok(exe) = std::env::current_exe() else {
        return false;
    };
    let mut command = std::process::Command::new(exe);
    command
        .arg("__remove-old-tree")
        .arg(old)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // Its own process group, so a Ctrl-C meant for the terminal's next command does not stop it.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    // Not waited for: it outlives this process and is reaped by init.
    command.spawn().is_ok()
}

/// `samtykke __remove-old-tree <path>`: the background half of [`remove_in_background`].
pub fn remove_old_tree(old: &Path) -> ExitCode {
    match samtykke_site::output::remove_old_tree(old) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: cannot remove the old output tree {}: {e}",
                old.display()
            );
            ExitCode::FAILURE
        }
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
