//! Shared by the receipts tests: the databases to run against, a running service, receipts.
#![allow(dead_code)]

pub mod load;

use samtykke_receipts::revisions::{Published, RevisionsFile};
use samtykke_receipts::{Config, Server, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;

pub const ORIGIN: &str = "https://www.example.no";
pub const POSTGRES_ENV: &str = "SAMTYKKE_TEST_POSTGRES_URL";

/// One database a test runs against, with whatever keeps it alive.
pub struct Db {
    pub name: &'static str,
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// SQLite always; PostgreSQL when `SAMTYKKE_TEST_POSTGRES_URL` names a server (tools/postgres.sh
/// starts one). In CI a missing URL fails the test: the PostgreSQL half must never be skipped
/// silently there.
pub async fn databases() -> Vec<Db> {
    let mut out = vec![sqlite()];
    match std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) {
        Some(base) => out.push(fresh_postgres(&base).await),
        None if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests (tools/postgres.sh start)"
        ),
        None => eprintln!(
            "note: skipping PostgreSQL: {POSTGRES_ENV} is not set (tools/postgres.sh start sets one up)"
        ),
    }
    out
}

pub fn sqlite() -> Db {
    let dir = tempdir();
    let url = dir.path().join("receipts.db").display().to_string();
    Db {
        name: "sqlite",
        url,
        dir,
    }
}

pub fn tempdir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("cannot make a temporary directory: {e}"),
    }
}

/// A new, empty database on the test server, so tests running side by side never share one.
pub async fn fresh_postgres(base: &str) -> Db {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "receipts_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        samtykke_receipts::time::now_ms()
    );
    let pool = match sqlx::PgPool::connect(base).await {
        Ok(p) => p,
        Err(e) => panic!("{POSTGRES_ENV}={base}: {e}"),
    };
    if let Err(e) = sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
    {
        panic!("CREATE DATABASE {name}: {e}");
    }
    pool.close().await;
    let url = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => format!("{}/{name}", &base[..slash]),
        _ => panic!("{POSTGRES_ENV} must end in /DATABASE: {base}"),
    };
    Db {
        name: "postgres",
        url,
        dir: tempdir(),
    }
}

pub fn published(revision: &str) -> Published {
    Published {
        revision: revision.into(),
        policy_version: "2".into(),
        categories: vec!["analytics".into(), "marketing".into()],
        expiry_days: 180,
    }
}

/// Writes a revisions file naming `revision` as current.
pub fn write_revisions(path: &std::path::Path, revision: &str) {
    let file = RevisionsFile {
        version: 1,
        current: published(revision),
    };
    let text = serde_json::to_string(&file).unwrap_or_default();
    if let Err(e) = std::fs::write(path, text) {
        panic!("{}: {e}", path.display());
    }
}

/// A service running in this process.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), samtykke_receipts::Error>>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks for a graceful shutdown and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match tokio::time::timeout(Duration::from_secs(60), &mut self.task).await {
            Ok(Ok(Ok(()))) => {}
            other => panic!("the service did not stop cleanly: {other:?}"),
        }
    }
}

/// The test configuration: loopback, a free port, no rate limit unless the test sets one.
pub fn config(db: &Db) -> Config {
    let revisions = revisions_path(db);
    if !revisions.exists() {
        write_revisions(&revisions, "r1");
    }
    let mut config = Config::new(&db.url, ORIGIN, &revisions.display().to_string());
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.rate_per_minute = 0;
    config.db_timeout = Duration::from_secs(2);
    config
}

pub fn revisions_path(db: &Db) -> PathBuf {
    db.dir.path().join("revisions.json")
}

pub async fn start(config: Config) -> Running {
    let server = match Server::start(config).await {
        Ok(s) => s,
        Err(e) => panic!("the service did not start: {e}"),
    };
    let addr = match server.local_addr() {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

pub async fn open(db: &Db) -> Store {
    match Store::open(&db.url, Duration::from_secs(10)).await {
        Ok(s) => s,
        Err(e) => panic!("{}: {e}", db.url),
    }
}

pub async fn count(db: &Db) -> i64 {
    let store = open(db).await;
    let n = match store.count().await {
        Ok(n) => n,
        Err(e) => panic!("count on {}: {e}", db.name),
    };
    store.close().await;
    n
}

/// A receipt body for revision r1 / policy 2.
pub fn receipt(id: &str, ts: i64, method: &str, analytics: bool, marketing: bool) -> String {
    format!(
        r#"{{"v":1,"id":"{id}","rev":"r1","policy_version":"2","ts":{ts},"choices":{{"analytics":{analytics},"marketing":{marketing}}},"method":"{method}","lang":"nb"}}"#
    )
}

pub fn client() -> reqwest::Client {
    match reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

/// Status, headers and body of one POST from the site's origin.
pub async fn post(
    client: &reqwest::Client,
    running: &Running,
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let response = client
        .post(running.url("/v1/receipts"))
        .header("origin", ORIGIN)
        .header("content-type", "text/plain;charset=UTF-8")
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        )
        .body(body)
        .send()
        .await;
    match response {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
        Err(e) => panic!("POST {}: {e}", running.url("/v1/receipts")),
    }
}

pub async fn health(client: &reqwest::Client, running: &Running) -> (u16, String) {
    match client.get(running.url("/healthz")).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
        Err(e) => panic!("GET /healthz: {e}"),
    }
}

/// Polls `check` until it holds or a generous deadline passes; never a fixed sleep.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}
