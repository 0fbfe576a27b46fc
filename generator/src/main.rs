use clap::{Parser, Subcommand};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use samtykke_site::build::{self, BuildError};
use samtykke_site::render::{Options, WidgetBundle};
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
        /// Absolute URL the site is published at, overriding site.toml; a path in it
        /// (https://example.github.io/samtykke/) puts every URL of the site below that path.
        #[arg(long, value_parser = parse_base_url)]
        base_url: Option<String>,
        #[command(flatten)]
        widget: WidgetArgs,
    },
    #[cfg(feature = "serve")]
    /// Build into memory and serve on 127.0.0.1, rebuilding and reloading on every change.
    Serve {
        /// Port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        #[command(flatten)]
        widget: WidgetArgs,
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
        /// Also copy the built-in theme's templates and stylesheet into themes/standard/, to
        /// change them (without them the site uses the built-in theme).
        #[arg(long)]
        theme_files: bool,
    },
    #[cfg(feature = "audit")]
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
        /// Seconds one fetch outside the browser (sitemap.xml) may take in all.
        #[arg(long, default_value_t = 10)]
        fetch_timeout: u64,
        /// Seconds after which no further page is started; the partial report is written.
        #[arg(long, default_value_t = 1800)]
        time_limit: u64,
    },
}

/// Which compiled widget goes into the site.
#[derive(clap::Args)]
struct WidgetArgs {
    /// Use the widget tools/build-widget.sh left in DIR (for widget development) instead of the
    /// one built into samtykke.
    #[arg(long, value_name = "DIR", conflicts_with = "no_widget")]
    widget_dir: Option<PathBuf>,
    /// Build without the consent widget: gated scripts then never start.
    #[arg(long)]
    no_widget: bool,
}

impl WidgetArgs {
    fn bundle(&self) -> Result<Option<WidgetBundle>, BuildError> {
        match (&self.widget_dir, self.no_widget) {
            (_, true) => Ok(None),
            (Some(dir), false) => build::read_widget(dir).map(Some),
            (None, false) => Ok(Some(WidgetBundle::embedded())),
        }
    }
}

/// `--base-url` under the rules of `base_url` in site.toml.
fn parse_base_url(text: &str) -> Result<String, String> {
    samtykke_site::validate::urls::base_url(text)
        .map(|_| text.to_owned())
        .map_err(|p| format!("{}\n  help: {}", p.label, p.help))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            out,
            base_url,
            widget,
        } => {
            let out = out.unwrap_or_else(|| cli.root.join("dist"));
            let widget = match widget.bundle() {
                Ok(widget) => widget,
                Err(e) => return fail(&e),
            };
            let options = Options {
                base_url,
                widget,
                ..Options::default()
            };
            match build::build(&cli.root, &out, &options) {
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
        #[cfg(feature = "serve")]
        Command::Serve { port, widget } => match widget.bundle() {
            Ok(widget) => samtykke_serve::run(&cli.root, port, widget),
            Err(e) => fail(&e),
        },
        Command::Check { strict } => samtykke_site::check::run(&cli.root, strict),
        Command::Init { dir, theme_files } => samtykke_site::init::run(&dir, theme_files),
        #[cfg(feature = "audit")]
        Command::Audit {
            target,
            report_dir,
            jobs,
            fetch_timeout,
            time_limit,
        } => samtykke_audit::command(
            &cli.root,
            target.as_deref(),
            report_dir,
            jobs,
            std::time::Duration::from_secs(fetch_timeout),
            std::time::Duration::from_secs(time_limit),
        ),
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
