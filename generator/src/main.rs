use clap::{Parser, Subcommand};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use samtykke::build::{self, BuildError};
use samtykke::render::Options;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Static-site generator for privacy policies and cookie inventories.
#[derive(Parser)]
#[command(name = "samtykke", version, about)]
struct Cli {
    /// The site's directory, holding content/ and themes/.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the content, render the site and write it atomically.
    Build {
        /// Output directory [default: <root>/dist].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Absolute URL the site is published at, overriding site.toml.
        #[arg(long)]
        base_url: Option<String>,
        /// Where tools/build-widget.sh left the compiled widget [default: <root>/target/widget].
        #[arg(long, conflicts_with = "no_widget")]
        widget_dir: Option<PathBuf>,
        /// Build without the consent widget: gated scripts then never start.
        #[arg(long)]
        no_widget: bool,
    },
    /// Build into memory and serve on 127.0.0.1, rebuilding and reloading on every change.
    Serve {
        /// Port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 1111)]
        port: u16,
    },
    /// Check the content without writing anything, and report gaps in the policy and inventory.
    Check {
        /// Treat warnings as errors (for CI).
        #[arg(long)]
        strict: bool,
    },
    /// Create a new site in DIR, in Norwegian, ready to build and to fill in.
    Init {
        /// An empty or new directory.
        dir: PathBuf,
    },
    /// Audit a built site in headless Chromium: cookies, storage and third-party requests before
    /// and after each choice, the banner, CSP, console and axe-core. Exits 1 on any violation.
    Audit {
        /// A built site's directory [default: <root>/dist], or a URL on this machine.
        target: Option<String>,
        /// Where audit.html and audit.json go [default: <root>/target/samtykke-audit].
        #[arg(long)]
        report_dir: Option<PathBuf>,
        /// Pages audited side by side.
        #[arg(long, default_value_t = 3)]
        jobs: usize,
    },
    /// Proof of consent: serve the receipts endpoint, show one id's history, export, stats.
    #[cfg(feature = "receipts")]
    #[command(subcommand)]
    Receipts(samtykke_receipts::cli::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            out,
            base_url,
            widget_dir,
            no_widget,
        } => {
            let out = out.unwrap_or_else(|| cli.root.join("dist"));
            let widget = if no_widget {
                None
            } else {
                let dir = widget_dir.unwrap_or_else(|| cli.root.join("target").join("widget"));
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
            match build::build(&cli.root, &out, &options) {
                Ok(summary) => {
                    println!("built {summary} → {}", out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Serve { port } => samtykke::serve::run(&cli.root, port),
        Command::Check { strict } => samtykke::check::run(&cli.root, strict),
        Command::Init { dir } => samtykke::init::run(&dir),
        Command::Audit {
            target,
            report_dir,
            jobs,
        } => samtykke::audit::command(&cli.root, target.as_deref(), report_dir, jobs),
        #[cfg(feature = "receipts")]
        Command::Receipts(command) => samtykke_receipts::cli::run(command),
    }
}

fn fail(error: &BuildError) -> ExitCode {
    match error {
        BuildError::Content(diagnostics) => {
            // termcolor's Auto looks only at TERM; a pipe or a log file gets no colours.
            let choice = if std::io::stderr().is_terminal() {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            };
            let mut stderr = StandardStream::stderr(choice);
            let _ = diagnostics.emit(&mut stderr);
            let n = diagnostics.len();
            eprintln!(
                "error: the site was not built: {n} error{} in content/; the output directory is unchanged",
                if n == 1 { "" } else { "s" }
            );
        }
        other => eprintln!("error: {other}"),
    }
    ExitCode::FAILURE
}
