//! The command line: what each command takes. Parsing only; `cmd` runs them.

use clap::{Parser, Subcommand};
use samtykke_site::render::WidgetBundle;
use std::path::PathBuf;

/// Static-site generator for privacy policies and cookie inventories.
#[derive(Parser)]
#[command(name = "samtykke", version, about)]
pub struct Cli {
    /// The site's directory, holding content/ and themes/.
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
        /// The site's languages, the default first: pages in each, every place to fill in
        /// marked in that language (nb, nn and en have built-in interface texts).
        #[arg(long, value_delimiter = ',', default_value = "nb")]
        languages: Vec<String>,
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
        /// Seconds a page may take to load, start the widget or answer a click.
        #[arg(long, default_value_t = 15)]
        page_timeout: u64,
        /// Milliseconds without a new request before a page counts as settled; raise it for
        /// sites whose scripts start late.
        #[arg(long, default_value_t = 1000)]
        settle_ms: u64,
    },
    /// Proof of consent: serve the receipts endpoint, show one id's history, export, stats.
    #[cfg(feature = "receipts")]
    #[command(subcommand)]
    Receipts(samtykke_receipts::cli::Command),
}

/// Which compiled widget goes into the site.
#[derive(clap::Args)]
pub struct WidgetArgs {
    /// Use the widget tools/build-widget.sh left in DIR (for widget development) instead of the
    /// one built into samtykke.
    #[arg(long, value_name = "DIR", conflicts_with = "no_widget")]
    pub widget_dir: Option<PathBuf>,
    /// Build without the consent widget: gated scripts then never start.
    #[arg(long)]
    pub no_widget: bool,
}

impl WidgetArgs {
    /// The embedded widget unless `--widget-dir` or `--no-widget` says otherwise.
    pub fn bundle(&self) -> Result<Option<WidgetBundle>, samtykke_site::Error> {
        match (&self.widget_dir, self.no_widget) {
            (_, true) => Ok(None),
            (Some(dir), false) => samtykke_site::build::read_widget(dir).map(Some),
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
