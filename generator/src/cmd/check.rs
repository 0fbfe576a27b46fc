//! `samtykke check`: the findings on stderr and a summary line; exit 1 on errors in the
//! content, or on any finding with `--strict`.

use crate::term;
use codespan_reporting::term::termcolor::WriteColor;
use samtykke_site::check::{self, Report};
use samtykke_site::diagnostics::Files;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, strict: bool) -> ExitCode {
    match check::check(root) {
        Ok(report) => {
            let _ = write_report(&report, strict, &mut term::stderr());
            if strict && !report.findings.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            term::report_failure(&e, "check failed", "nothing was written");
            ExitCode::FAILURE
        }
    }
}

/// The findings, then one line per rule and a total.
fn write_report(report: &Report, strict: bool, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let mut files = Files::default();
    for (i, finding) in report.findings.iter().enumerate() {
        let brief = i > 0 && finding.explained_like(&report.findings[i - 1]);
        finding.emit(out, &mut files, strict, brief)?;
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for f in &report.findings {
        match counts.iter_mut().find(|(r, _)| *r == f.rule) {
            Some((_, n)) => *n += 1,
            None => counts.push((f.rule, 1)),
        }
    }
    let n = report.findings.len();
    writeln!(
        out,
        "note: policy version {} of {}: the consent record stores this version; raise it whenever the policy changes",
        report.version, report.date
    )?;
    let by_rule = counts
        .iter()
        .map(|(r, n)| format!("{r} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let word = if strict { "error" } else { "warning" };
    if n == 0 {
        writeln!(
            out,
            "check: no findings in {} pages and {}; nothing was written",
            report.pages,
            entries(report.entries)
        )
    } else {
        writeln!(
            out,
            "check: {n} {word}{} ({by_rule}) in {} pages and {}; nothing was written",
            if n == 1 { "" } else { "s" },
            report.pages,
            entries(report.entries)
        )
    }
}

fn entries(n: usize) -> String {
    format!("{n} inventory entr{}", if n == 1 { "y" } else { "ies" })
}
