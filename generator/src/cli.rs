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
        /// Skip the .br and .gz siblings, overriding `[build] precompress` in site.toml (for a
        /// host that compresses itself, or a quicker build).
        #[arg(long)]
        no_precompress: bool,
        #[command(flatten)]
        widget: WidgetArgs,
    },
    /// Removes the output tree a build replaced (started by `build` itself, in the background).
    #[command(name = "__remove-old-tree", hide = true)]
    RemoveOldTree { path: PathBuf },
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
    /// Audit a site in headless Chromium: a built one, or any live http(s) site. Cookies (from
    /// Set-Cookie headers and scripts), storage and third-party requests before and after each
    /// choice, against the inventory; the banner, CSP, console and axe-core. Exits 1 on any
    /// violation, 2 if the audit could not run.
    Audit(AuditArgs),
    /// Proof of consent: serve the receipts endpoint, show one id's history, export, stats.
    #[cfg(feature = "receipts")]
    #[command(subcommand)]
    Receipts(samtykke_receipts::cli::Command),
}

/// `samtykke audit`'s arguments.
#[cfg(feature = "audit")]
#[derive(clap::Args)]
pub struct AuditArgs {
    /// A built site's directory [default: <root>/dist], or an http(s) URL: a site on this
    /// machine, or a live one (production, staging), which is crawled politely from the URL.
    pub target: Option<String>,
    /// Where audit.html and audit.json go [default: <root>/target/samtykke-audit].
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Pages audited side by side.
    #[arg(long, default_value_t = 3)]
    pub jobs: usize,
    /// Seconds one fetch outside the pages (sitemap.xml) may take in all.
    #[arg(long, default_value_t = 10)]
    pub fetch_timeout: u64,
    /// Seconds after which no further page is started; the partial report is written.
    #[arg(long, default_value_t = 1800)]
    pub time_limit: u64,
    /// Seconds a page may take to load, start the widget or answer a click; a page that takes
    /// longer is reported and the audit goes on.
    #[arg(long, default_value_t = 15)]
    pub page_timeout: u64,
    /// Milliseconds without a new request before a page counts as settled; raise it for
    /// sites whose scripts start late.
    #[arg(long, default_value_t = 1000)]
    pub settle_ms: u64,
    /// Audit at most this many pages (from the URL, sitemap.xml and links on the same host).
    #[arg(long, default_value_t = 50)]
    pub max_pages: usize,
    /// Reach HOST at ADDR instead of what DNS says, as curl's --resolve (HOST:ADDR, or
    /// HOST:PORT:ADDR); repeatable. For auditing staging under the production name.
    #[arg(long, value_name = "HOST:ADDR")]
    pub resolve: Vec<samtykke_audit::live::Resolve>,
    /// Least milliseconds between two page loads [default: 500 on a live site, 0 on this
    /// machine].
    #[arg(long)]
    pub delay_ms: Option<u64>,
    /// Stop starting pages once this many megabytes have been received.
    #[arg(long, default_value_t = 200)]
    pub max_mb: u64,
    /// Write ready-to-edit [[cookies]] entries for every undeclared cookie and storage key
    /// into FILE (cookies.toml's schema, filled from the Open Cookie Database, each marked
    /// `# kontroller:` for review).
    #[arg(long, value_name = "FILE")]
    pub suggest: Option<PathBuf>,
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
