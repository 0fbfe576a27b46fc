//! Where receipts live: SQLite (one file) or PostgreSQL, with one schema and one set of
//! embedded migrations. Every query is plain SQL with `$n` binds that both databases read, so
//! nothing a visitor sends is ever part of a statement's text.

use crate::revisions::{Known, Published};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The schema, compiled into the binary: a new file is created on first start, and an older
/// one is brought up to date.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An open database.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store holds; the two arms are the same
/// code typed for each database.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

/// One stored decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    pub record_id: String,
    pub client_ms: i64,
    pub server_ms: i64,
    pub revision: String,
    pub policy_version: String,
    pub method: String,
    /// Canonical JSON: keys sorted, compact.
    pub choices: String,
    pub lang: String,
    pub ua_class: String,
}

impl StoredReceipt {
    /// Whether `other` records the same decision (the server time and the browser class of a
    /// retried send may differ; the decision may not).
    fn same_decision(&self, other: &StoredReceipt) -> bool {
        self.revision == other.revision
            && self.policy_version == other.policy_version
            && self.method == other.method
            && self.choices == other.choices
            && self.lang == other.lang
    }
}

/// What happened to a receipt handed to [`Store::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// A new decision, now stored.
    Stored,
    /// The very same decision was stored before (a retried send); nothing changed.
    Duplicate,
}

#[derive(Debug)]
pub enum StoreError {
    /// The receipt contradicts this id's history; the text says how.
    Conflict(&'static str),
    /// The database did not answer or failed.
    Unavailable(sqlx::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict(why) => f.write_str(why),
            StoreError::Unavailable(e) => write!(f, "database unavailable: {e}"),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Unavailable(e)
    }
}

/// Counts behind `samtykke receipts stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// (revision, method, receipts)
    pub by_method: Vec<(String, String, i64)>,
    /// (revision, canonical choices, receipts)
    pub by_choices: Vec<(String, String, i64)>,
}

/// Whether `database` names PostgreSQL rather than an SQLite file.
pub fn is_postgres(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

const COLUMNS: &str =
    "record_id, client_ms, server_ms, revision, policy_version, method, choices, lang, ua_class";

impl Store {
    /// Opens `database`: a `postgres://` URL, an `sqlite:` URL, or a file path (created if
    /// missing). PostgreSQL is opened lazily, so a service can start while its database is down
    /// and answer 503 until it is back; `timeout` bounds each wait for a connection.
    pub async fn open(database: &str, timeout: Duration) -> Result<Store, sqlx::Error> {
        if is_postgres(database) {
            let options = PgConnectOptions::from_str(database)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(timeout)
                .connect_lazy_with(options);
            return Ok(Store::Postgres(pool));
        }
        let options = if database.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(database)?
        } else {
            SqliteConnectOptions::new().filename(database)
        };
        // WAL lets exports read while the service writes; FULL syncs each commit, so a receipt
        // answered 2xx survives a crash of the process and of the machine.
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(timeout)
            .connect_with(options)
            .await?;
        Ok(Store::Sqlite(pool))
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        on_pool!(self, pool => MIGRATOR.run(pool).await)
    }

    /// Answers whether the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// Stores one decision, under the rule for ids seen before:
    ///
    /// - the same id appears once per decision, so a later client time is a new decision;
    /// - the same (id, client time) with the same decision is a retry: [`Inserted::Duplicate`];
    /// - the same (id, client time) with another decision is refused: the history would have
    ///   two answers for one moment;
    /// - a client time earlier than the id's latest stored one is refused: a record's history
    ///   only moves forward, and an older decision arriving late must not read as the newest.
    ///
    /// The check and the insert are one statement. On SQLite, writes are serialised, so two
    /// concurrent sends of one id cannot both pass it; on PostgreSQL the primary key still
    /// holds one row per (id, client time), and only two sends of one id with different times
    /// in the very same instant could both pass the ordering check, which one browser's
    /// record, changed by one visitor, does not produce.
    pub async fn insert(&self, r: &StoredReceipt) -> Result<Inserted, StoreError> {
        let sql = format!(
            "INSERT INTO receipts ({COLUMNS}) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
             WHERE NOT EXISTS (SELECT 1 FROM receipts WHERE record_id = $1 AND client_ms > $2) \
             ON CONFLICT (record_id, client_ms) DO NOTHING"
        );
        let affected = on_pool!(self, pool => sqlx::query(&sql)
            .bind(&r.record_id)
            .bind(r.client_ms)
            .bind(r.server_ms)
            .bind(&r.revision)
            .bind(&r.policy_version)
            .bind(&r.method)
            .bind(&r.choices)
            .bind(&r.lang)
            .bind(&r.ua_class)
            .execute(pool)
            .await?
            .rows_affected());
        if affected == 1 {
            return Ok(Inserted::Stored);
        }
        let history = self.history(&r.record_id).await?;
        match history.iter().find(|h| h.client_ms == r.client_ms) {
            Some(same) if same.same_decision(r) => Ok(Inserted::Duplicate),
            Some(_) => Err(StoreError::Conflict(
                "this id already has a different decision at this client time",
            )),
            None => Err(StoreError::Conflict(
                "this id already has a later decision; a receipt may not be older than its id's latest",
            )),
        }
    }

    /// Every receipt of one consent id, oldest decision first.
    pub async fn history(&self, record_id: &str) -> Result<Vec<StoredReceipt>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM receipts WHERE record_id = $1 ORDER BY client_ms, server_ms"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(record_id).fetch_all(pool).await?;
            rows.iter().map(receipt_from).collect()
        })
    }

    /// Receipts received at or after `since_ms`, in the order received.
    pub async fn since(&self, since_ms: i64) -> Result<Vec<StoredReceipt>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM receipts WHERE server_ms >= $1 ORDER BY server_ms, record_id, client_ms"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(&sql).bind(since_ms).fetch_all(pool).await?;
            rows.iter().map(receipt_from).collect()
        })
    }

    /// How many receipts are stored.
    pub async fn count(&self) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query("SELECT COUNT(*) AS n FROM receipts")
            .fetch_one(pool)
            .await?
            .try_get::<i64, _>("n"))
    }

    pub async fn counts(&self) -> Result<Counts, sqlx::Error> {
        let triples = |sql: &'static str| async move {
            on_pool!(self, pool => {
                let rows = sqlx::query(sql).fetch_all(pool).await?;
                rows.iter()
                    .map(|row| Ok((row.try_get("revision")?, row.try_get("k")?, row.try_get("n")?)))
                    .collect::<Result<Vec<(String, String, i64)>, sqlx::Error>>()
            })
        };
        Ok(Counts {
            by_method: triples(
                "SELECT revision, method AS k, COUNT(*) AS n FROM receipts \
                 GROUP BY revision, method ORDER BY revision, method",
            )
            .await?,
            by_choices: triples(
                "SELECT revision, choices AS k, COUNT(*) AS n FROM receipts \
                 GROUP BY revision, choices ORDER BY revision, choices",
            )
            .await?,
        })
    }

    /// Deletes receipts received before `cutoff_ms`; returns how many.
    pub async fn purge_before(&self, cutoff_ms: i64) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => Ok(sqlx::query("DELETE FROM receipts WHERE server_ms < $1")
            .bind(cutoff_ms)
            .execute(pool)
            .await?
            .rows_affected()))
    }

    /// Records that the site publishes `p` as of `now_ms`.
    pub async fn saw_published(&self, p: &Published, now_ms: i64) -> Result<(), sqlx::Error> {
        let categories = serde_json::to_string(&p.categories).unwrap_or_else(|_| "[]".into());
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO revisions (revision, policy_version, categories, expiry_days, first_seen_ms, last_seen_ms) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (revision, policy_version) DO UPDATE SET \
             categories = excluded.categories, expiry_days = excluded.expiry_days, \
             last_seen_ms = excluded.last_seen_ms",
        )
        .bind(&p.revision)
        .bind(&p.policy_version)
        .bind(categories)
        .bind(i64::from(p.expiry_days))
        .bind(now_ms)
        .execute(pool)
        .await
        .map(|_| ()))
    }

    /// Every revision the site has ever published, as far as this database saw.
    pub async fn known_revisions(&self) -> Result<Vec<Known>, sqlx::Error> {
        let sql = "SELECT revision, policy_version, categories, expiry_days, first_seen_ms, last_seen_ms \
                   FROM revisions ORDER BY first_seen_ms";
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let categories: String = row.try_get("categories")?;
                    let expiry: i64 = row.try_get("expiry_days")?;
                    Ok(Known {
                        published: Published {
                            revision: row.try_get("revision")?,
                            policy_version: row.try_get("policy_version")?,
                            categories: serde_json::from_str(&categories)
                                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                            expiry_days: u32::try_from(expiry).unwrap_or(u32::MAX),
                        },
                        first_seen_ms: row.try_get("first_seen_ms")?,
                        last_seen_ms: row.try_get("last_seen_ms")?,
                    })
                })
                .collect()
        })
    }

    /// (table, column) for every column of the service's tables, read from the database's own
    /// catalogue: what an auditor would look at to see what is kept.
    pub async fn columns(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        let mut out = Vec::new();
        match self {
            Store::Sqlite(pool) => {
                for table in ["receipts", "revisions"] {
                    let rows = sqlx::query("SELECT name FROM pragma_table_info($1)")
                        .bind(table)
                        .fetch_all(pool)
                        .await?;
                    for row in rows {
                        out.push((table.to_owned(), row.try_get("name")?));
                    }
                }
                let tables = sqlx::query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
                )
                .fetch_all(pool)
                .await?;
                for row in tables {
                    let name: String = row.try_get("name")?;
                    if !["receipts", "revisions"].contains(&name.as_str()) {
                        out.push((name, String::new()));
                    }
                }
            }
            Store::Postgres(pool) => {
                let rows = sqlx::query(
                    "SELECT table_name::TEXT AS t, column_name::TEXT AS c FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                     ORDER BY table_name, ordinal_position",
                )
                .fetch_all(pool)
                .await?;
                for row in rows {
                    out.push((row.try_get("t")?, row.try_get("c")?));
                }
            }
        }
        Ok(out)
    }
}

fn receipt_from<R: Row>(row: &R) -> Result<StoredReceipt, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(StoredReceipt {
        record_id: row.try_get("record_id")?,
        client_ms: row.try_get("client_ms")?,
        server_ms: row.try_get("server_ms")?,
        revision: row.try_get("revision")?,
        policy_version: row.try_get("policy_version")?,
        method: row.try_get("method")?,
        choices: row.try_get("choices")?,
        lang: row.try_get("lang")?,
        ua_class: row.try_get("ua_class")?,
    })
}
