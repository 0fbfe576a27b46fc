//! `samtykke receipts …`: the arguments, and the library calls behind each subcommand.

use crate::report::Format;
use crate::service::Config;
use crate::store::{is_postgres, Store};
use crate::{report, time, Error};
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Where the database is when `--database` is not given and the variable
/// [`DATABASE_ENV`] is not set.
pub const DEFAULT_DATABASE: &str = "receipts.db";
/// Read when `--database` is not given, so a PostgreSQL password need not be on the command
/// line (where `ps` shows it).
pub const DATABASE_ENV: &str = "SAMTYKKE_RECEIPTS_DATABASE";

/// Proof of consent: store one receipt per consent decision, and query them.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer POST /v1/receipts and GET /healthz until SIGTERM or ctrl-c.
    Serve(ServeArgs),
    /// Print the receipt history of one consent id.
    Show {
        /// The consent id («Samtykke-ID») the visitor gives.
        id: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Export receipts received since a date, for an authority.
    Export {
        /// First day, YYYY-MM-DD (UTC).
        #[arg(long)]
        since: String,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Counts per method, category and revision, with a warning when accepting is near 100 %.
    Stats {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// An SQLite file or a postgres:// URL [default: $SAMTYKKE_RECEIPTS_DATABASE, else receipts.db].
    #[arg(long)]
    pub database: Option<String>,
}

impl DatabaseArg {
    fn resolve(&self) -> String {
        self.database
            .clone()
            .or_else(|| std::env::var(DATABASE_ENV).ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned())
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The site's origin, e.g. https://www.hesbynett.no: the only one allowed to send receipts.
    #[arg(long)]
    pub origin: String,
    /// The site's samtykke/revisions.json: a file path or an http(s):// URL.
    #[arg(long)]
    pub revisions: String,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Months after which a receipt is deleted.
    #[arg(long, default_value_t = 13)]
    pub retention_months: u32,
    /// Receipts per minute per client address (kept in memory only); 0 turns the limit off.
    #[arg(long, default_value_t = 30)]
    pub rate_per_minute: u32,
    /// Receipts one client address may send at once.
    #[arg(long, default_value_t = 10)]
    pub rate_burst: u32,
    /// Behind a reverse proxy: rate-limit by the last X-Forwarded-For address, not the proxy's.
    #[arg(long)]
    pub behind_proxy: bool,
    /// Seconds between readings of the revisions file.
    #[arg(long, default_value_t = 300)]
    pub revisions_every: u64,
    /// Seconds between deletions of expired receipts.
    #[arg(long, default_value_t = 3600)]
    pub purge_every: u64,
}

impl ServeArgs {
    pub fn config(&self) -> Config {
        let mut config = Config::new(&self.db.resolve(), &self.origin, &self.revisions);
        config.listen = self.listen;
        config.retention_months = self.retention_months;
        config.rate_per_minute = self.rate_per_minute;
        config.rate_burst = self.rate_burst;
        config.behind_proxy = self.behind_proxy;
        config.revisions_every = Duration::from_secs(self.revisions_every.max(1));
        config.purge_every = Duration::from_secs(self.purge_every.max(1));
        config
    }
}

/// Opens an existing database for reading; an SQLite path that does not exist is an error
/// rather than a new empty file.
pub async fn open_existing(database: &str) -> Result<Store, Error> {
    if !is_postgres(database)
        && !database.starts_with("sqlite:")
        && !std::path::Path::new(database).exists()
    {
        return Err(Error::Database(format!(
            "no receipts database at {database}; give --database (or set {DATABASE_ENV})"
        )));
    }
    Store::open(database, Duration::from_secs(10))
        .await
        .map_err(|e| Error::Database(e.to_string()))
}

/// The receipt history of `id`, as printed.
pub async fn show(database: &str, id: &str) -> Result<String, Error> {
    let store = open_existing(database).await?;
    let history = store
        .history(id)
        .await
        .map_err(|e| Error::Database(e.to_string()));
    store.close().await;
    Ok(report::history(id, &history?))
}

/// Receipts received since `since` (YYYY-MM-DD), as CSV or JSON.
pub async fn export(database: &str, since: &str, format: Format) -> Result<String, Error> {
    let since_ms = time::parse_date(since).ok_or_else(|| {
        Error::Config(format!("--since {since:?} is not a date; write YYYY-MM-DD"))
    })?;
    let store = open_existing(database).await?;
    let receipts = store
        .since(since_ms)
        .await
        .map_err(|e| Error::Database(e.to_string()));
    store.close().await;
    Ok(report::export(&receipts?, format))
}

/// Counts per revision, method and category, as printed.
pub async fn stats(database: &str) -> Result<String, Error> {
    let store = open_existing(database).await?;
    let counts = store
        .counts()
        .await
        .map_err(|e| Error::Database(e.to_string()));
    store.close().await;
    Ok(report::stats(&counts?))
}

/// Runs one subcommand to completion; errors go to standard error with exit code 1.
pub fn run(command: Command) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Serve(args) => crate::service::serve(args.config()).await.map(|()| None),
            Command::Show { id, db } => show(&db.resolve(), &id).await.map(Some),
            Command::Export {
                since,
                format,
                out,
                db,
            } => {
                let text = export(&db.resolve(), &since, format).await?;
                match out {
                    Some(path) => std::fs::write(&path, text)
                        .map(|()| None)
                        .map_err(|e| Error::Io(format!("{}: {e}", path.display()))),
                    None => Ok(Some(text)),
                }
            }
            Command::Stats { db } => stats(&db.resolve()).await.map(Some),
        }
    });
    match result {
        Ok(Some(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
