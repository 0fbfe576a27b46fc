//! `samtykke audit`: runs the audit, prints its table and where the report is; exit 0 when it
//! passed, 1 on a violation, 2 when it could not run or is incomplete.

use samtykke_audit::{parse_target, run as audit, Options};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

pub fn run(
    root: &Path,
    target: Option<&str>,
    report_dir: Option<PathBuf>,
    jobs: usize,
    fetch_timeout: Duration,
    time_limit: Duration,
    timing: samtykke_audit::states::Timing,
) -> ExitCode {
    let target = match parse_target(target, root) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let report_dir = report_dir.unwrap_or_else(|| root.join("target").join("samtykke-audit"));
    let options = Options {
        report_dir: Some(report_dir.clone()),
        jobs,
        fetch_timeout,
        time_limit,
        timing,
        ..Options::new(target)
    };
    match audit(&options) {
        Ok(report) => {
            print!("{}", report.table());
            println!(
                "report: {} and {}",
                report_dir.join("audit.html").display(),
                report_dir.join("audit.json").display()
            );
            if !report.incomplete.is_empty() {
                for why in &report.incomplete {
                    eprintln!("error: the audit is incomplete: {why}");
                }
                ExitCode::from(2)
            } else if report.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: the audit could not run: {e}");
            ExitCode::from(2)
        }
    }
}
