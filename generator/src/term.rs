//! The terminal: whether stderr gets colours (decided here, once), and how a failed run is
//! reported.

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use samtykke_site::Error;
use std::io::IsTerminal;

/// stderr, in colour only when it is a terminal: termcolor's `Auto` looks only at `TERM`, so a
/// pipe or a log file would get escape codes.
pub fn stderr() -> StandardStream {
    let choice = if std::io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    StandardStream::stderr(choice)
}

/// `N error` or `N errors`.
pub fn errors(n: usize) -> String {
    format!("{n} error{}", if n == 1 { "" } else { "s" })
}

/// Prints why a run failed: the content's diagnostics with excerpts and a closing line saying
/// `outcome` (e.g. "the site was not built"), or any other error on one line.
pub fn report_failure(error: &Error, outcome: &str, unchanged: &str) {
    match error {
        Error::Content(diagnostics) => {
            let _ = diagnostics.emit(&mut stderr());
            eprintln!(
                "error: {outcome}: {} in content/; {unchanged}",
                errors(diagnostics.len())
            );
        }
        other => eprintln!("error: {other}"),
    }
}
