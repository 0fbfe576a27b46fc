//! The HTTP service: `POST /v1/receipts`, `GET /healthz`, CORS for the site's origin, and the
//! background work (reading the published revisions, deleting expired receipts).

use crate::limit::RateLimiter;
use crate::receipt::{Receipt, Refusal, MAX_BODY};
use crate::revisions::{Known, Published, RevisionsFile};
use crate::store::{Inserted, Store, StoreError, StoredReceipt};
use crate::time::{months_before, now_ms};
use crate::{ua, Error};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Everything `samtykke receipts serve` can be told.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// An SQLite file path (created on first start) or a `postgres://` URL.
    pub database: String,
    /// The site's origin, `https://www.example.no`: the only one CORS allows and the only
    /// `Origin` a receipt is accepted from.
    pub origin: String,
    /// Where the generator's `samtykke/revisions.json` is: a file path or an `http://` URL.
    pub revisions: String,
    /// Receipts are deleted this many calendar months after they were received.
    pub retention_months: u32,
    /// How often expired receipts are deleted (also once at start).
    pub purge_every: Duration,
    /// How often the revisions file is read again (also once at start).
    pub revisions_every: Duration,
    /// Receipts per minute per client address; 0 turns the limit off.
    pub rate_per_minute: u32,
    /// Receipts one address may send at once.
    pub rate_burst: u32,
    /// Longest wait for the database before answering 503.
    pub db_timeout: Duration,
    /// Behind a reverse proxy every request comes from the proxy: rate-limit by the last
    /// address in `X-Forwarded-For` (the one the proxy added) instead. Only for the limit.
    pub behind_proxy: bool,
}

impl Config {
    /// The defaults for everything but the three things every site must say.
    pub fn new(database: &str, origin: &str, revisions: &str) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            database: database.to_owned(),
            origin: origin.to_owned(),
            revisions: revisions.to_owned(),
            retention_months: 13,
            purge_every: Duration::from_secs(3600),
            revisions_every: Duration::from_secs(300),
            rate_per_minute: 30,
            rate_burst: 10,
            db_timeout: Duration::from_secs(3),
            behind_proxy: false,
        }
    }
}

/// Checks an origin is `scheme://host[:port]` and nothing more; returns it without a trailing
/// slash, the form browsers send.
pub fn normalise_origin(origin: &str) -> Result<String, Error> {
    let trimmed = origin.strip_suffix('/').unwrap_or(origin);
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    let ok = rest.is_some_and(|host| {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    });
    if ok {
        Ok(trimmed.to_ascii_lowercase())
    } else {
        Err(Error::Config(format!(
            "--origin {origin:?} is not an origin: give scheme and host only, like https://www.example.no"
        )))
    }
}

/// The published revisions as the service knows them.
#[derive(Debug, Default)]
struct Revisions {
    /// The file's `current`, once it has been read.
    current: Option<Published>,
    /// (revision, policy version) → what was published, from the table and the file.
    known: HashMap<(String, String), Known>,
}

struct Shared {
    store: Store,
    config: Config,
    /// Whether the schema is known to be in place; until then receipts get 503.
    migrated: AtomicBool,
    revisions: RwLock<Revisions>,
    limiter: Mutex<RateLimiter>,
}

type AppState = Arc<Shared>;

/// A service bound to its address, not yet answering.
pub struct Server {
    listener: tokio::net::TcpListener,
    shared: AppState,
}

impl Server {
    /// Opens the database (creating an SQLite file and its schema), reads the revisions file and
    /// binds the address. A PostgreSQL server that is down is not an error here: the service
    /// starts, answers 503, and migrates once the database is back.
    pub async fn start(mut config: Config) -> Result<Server, Error> {
        config.origin = normalise_origin(&config.origin)?;
        let store = Store::open(&config.database, config.db_timeout)
            .await
            .map_err(|e| {
                Error::Database(format!("cannot open {}: {e}", redact(&config.database)))
            })?;
        let shared = Arc::new(Shared {
            limiter: Mutex::new(RateLimiter::new(config.rate_per_minute, config.rate_burst)),
            store,
            config,
            migrated: AtomicBool::new(false),
            revisions: RwLock::new(Revisions::default()),
        });
        if let Err(e) = try_migrate(&shared).await {
            match shared.store {
                // An SQLite file that cannot take the schema will not heal by waiting.
                Store::Sqlite(_) => return Err(Error::Database(e)),
                Store::Postgres(_) => eprintln!("warning: {e}; answering 503 until it is back"),
            }
        }
        if let Err(e) = refresh_revisions(&shared).await {
            let known = shared.revisions.read().map(|r| r.known.len()).unwrap_or(0);
            // With nothing known, every receipt would be refused: a wrong path or URL should
            // stop the start, not hide in a log. With revisions remembered, go on with them.
            if known == 0 {
                return Err(Error::Config(format!(
                    "{e}\nhint: --revisions names the site's samtykke/revisions.json, which `samtykke build` writes"
                )));
            }
            eprintln!("warning: {e}; going on with the {known} revisions remembered");
        }
        if shared.migrated.load(Ordering::SeqCst) {
            purge(&shared).await;
        }
        let listener = tokio::net::TcpListener::bind(shared.config.listen)
            .await
            .map_err(|e| {
                Error::Config(format!("cannot listen on {}: {e}", shared.config.listen))
            })?;
        Ok(Server { listener, shared })
    }

    /// The address it listens on (the port, when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Config(e.to_string()))
    }

    /// Answers until `shutdown` completes, then finishes the requests in flight and returns.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let maintenance = tokio::spawn(maintain(self.shared.clone()));
        let app = router(self.shared.clone());
        let served = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        maintenance.abort();
        self.shared.store.close().await;
        served.map_err(|e| Error::Config(format!("server failed: {e}")))
    }
}

/// `samtykke receipts serve`: starts, prints the address, and answers until SIGTERM or ctrl-c.
pub async fn serve(config: Config) -> Result<(), Error> {
    let server = Server::start(config).await?;
    println!("receipts: listening on http://{}", server.local_addr()?);
    server.run(shutdown_signal()).await?;
    println!("receipts: stopped after finishing the requests in flight");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// A database URL without its password, for messages.
fn redact(database: &str) -> String {
    match (database.find("://"), database.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &database[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &database[..scheme + 3], &database[at..])
        }
        _ => database.to_owned(),
    }
}

async fn try_migrate(shared: &Shared) -> Result<(), String> {
    shared
        .store
        .migrate()
        .await
        .map_err(|e| format!("database {}: {e}", redact(&shared.config.database)))?;
    shared.migrated.store(true, Ordering::SeqCst);
    let known = shared
        .store
        .known_revisions()
        .await
        .map_err(|e| format!("reading the revisions table: {e}"))?;
    let mut revisions = shared.revisions.write().unwrap_or_else(|p| p.into_inner());
    for k in known {
        let key = (
            k.published.revision.clone(),
            k.published.policy_version.clone(),
        );
        revisions.known.entry(key).or_insert(k);
    }
    Ok(())
}

/// Reads the revisions file and records its current revision, in memory and in the table.
async fn refresh_revisions(shared: &Shared) -> Result<(), String> {
    let source = &shared.config.revisions;
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("revisions {source}: {e}"))?;
        let response = client
            .get(source)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("revisions {source}: {e}"))?;
        response
            .text()
            .await
            .map_err(|e| format!("revisions {source}: {e}"))?
    } else {
        tokio::fs::read_to_string(source)
            .await
            .map_err(|e| format!("revisions {source}: {e}"))?
    };
    let file = RevisionsFile::parse(&text).map_err(|e| format!("revisions {source}: {e}"))?;
    let now = now_ms();
    let published = file.current;
    {
        let mut revisions = shared.revisions.write().unwrap_or_else(|p| p.into_inner());
        let key = (published.revision.clone(), published.policy_version.clone());
        let entry = revisions.known.entry(key).or_insert_with(|| Known {
            published: published.clone(),
            first_seen_ms: now,
            last_seen_ms: now,
        });
        entry.published = published.clone();
        entry.last_seen_ms = now;
        revisions.current = Some(published.clone());
    }
    if shared.migrated.load(Ordering::SeqCst) {
        shared
            .store
            .saw_published(&published, now)
            .await
            .map_err(|e| format!("recording revision {}: {e}", published.revision))?;
    }
    Ok(())
}

async fn purge(shared: &Shared) {
    let cutoff = months_before(now_ms(), shared.config.retention_months);
    match shared.store.purge_before(cutoff).await {
        Ok(0) => {}
        Ok(n) => println!(
            "receipts: deleted {n} receipt{} older than {} months",
            if n == 1 { "" } else { "s" },
            shared.config.retention_months
        ),
        Err(e) => eprintln!("warning: deleting expired receipts: {e}"),
    }
}

/// The background loop: migrate once the database answers, re-read the revisions, delete
/// expired receipts. Each on its own clock; a failure is logged and tried again next time.
async fn maintain(shared: AppState) {
    let tick = Duration::from_secs(2);
    let (mut next_revisions, mut next_purge) = (
        Instant::now() + shared.config.revisions_every,
        Instant::now() + shared.config.purge_every,
    );
    loop {
        tokio::time::sleep(
            tick.min(shared.config.revisions_every)
                .min(shared.config.purge_every),
        )
        .await;
        if !shared.migrated.load(Ordering::SeqCst) {
            match try_migrate(&shared).await {
                Ok(()) => {
                    println!("receipts: database is back, schema in place");
                    // Record the current revision now that the table exists.
                    next_revisions = Instant::now();
                    next_purge = Instant::now();
                }
                Err(_) => continue,
            }
        }
        if Instant::now() >= next_revisions {
            if let Err(e) = refresh_revisions(&shared).await {
                eprintln!("warning: {e}");
            }
            next_revisions = Instant::now() + shared.config.revisions_every;
        }
        if Instant::now() >= next_purge {
            purge(&shared).await;
            next_purge = Instant::now() + shared.config.purge_every;
        }
    }
}

fn router(shared: AppState) -> Router {
    Router::new()
        .route("/v1/receipts", post(receive).options(preflight))
        .route("/healthz", get(health))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), cors))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

fn refuse(status: StatusCode, why: &str) -> Response {
    answer(status, json!({ "error": why }))
}

/// Adds `Access-Control-Allow-Origin` for the site's origin and no other; refuses preflights
/// from anywhere else.
async fn cors(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    let allowed = request
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|o| o.as_bytes() == shared.config.origin.as_bytes());
    if request.method() == Method::OPTIONS && !allowed {
        return refuse(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if allowed {
        if let Ok(origin) = HeaderValue::from_str(&shared.config.origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
    }
    response
}

async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

async fn health(State(shared): State<AppState>) -> Response {
    let revisions = shared.revisions.read().map(|r| r.known.len()).unwrap_or(0);
    let database = if !shared.migrated.load(Ordering::SeqCst) {
        Err("unreachable or schema not in place".to_owned())
    } else {
        shared.store.ping().await.map_err(|e| e.to_string())
    };
    match database {
        Ok(()) => answer(
            StatusCode::OK,
            json!({ "status": "ok", "database": "ok", "revisions": revisions }),
        ),
        Err(e) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "unavailable", "database": e, "revisions": revisions }),
        ),
    }
}

/// The last address in `X-Forwarded-For`: the one the proxy in front of us appended (earlier
/// ones are whatever the client claimed).
fn forwarded_for(headers: &HeaderMap) -> Option<std::net::IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()?;
    last.trim().parse().ok()
}

/// Whether the content type is one a widget sends: `application/json`, or `text/plain`, which
/// `navigator.sendBeacon` with a string uses and which needs no CORS preflight.
fn acceptable_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "text/plain"
}

async fn receive(
    State(shared): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // The address is used here, as a key of the in-memory limiter, and nowhere else.
    let client = if shared.config.behind_proxy {
        forwarded_for(&headers).unwrap_or(peer.ip())
    } else {
        peer.ip()
    };
    let limited = shared
        .limiter
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .check(client, Instant::now());
    if let Err(retry) = limited {
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "too many receipts; try later",
        );
        if let Ok(v) = HeaderValue::from_str(&retry.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    let origin_ok = headers
        .get(header::ORIGIN)
        .is_some_and(|o| o.as_bytes() == shared.config.origin.as_bytes());
    if !origin_ok {
        return refuse(
            StatusCode::FORBIDDEN,
            "receipts are accepted from the site's origin only",
        );
    }
    if !acceptable_type(&headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send application/json or text/plain",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refuse(rejection.status(), &rejection.body_text()),
    };
    let now = now_ms();
    let receipt = match Receipt::parse(&body, now) {
        Ok(r) => r,
        Err(Refusal::Malformed(why) | Refusal::Unpublished(why)) => {
            return refuse(StatusCode::BAD_REQUEST, &why)
        }
    };
    if !shared.migrated.load(Ordering::SeqCst) {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
    }
    let checked = {
        let revisions = shared.revisions.read().unwrap_or_else(|p| p.into_inner());
        let key = (receipt.rev.clone(), receipt.policy_version.clone());
        match revisions.known.get(&key) {
            Some(k) if k.accepts_at(now, revisions.current.as_ref()) => {
                receipt.check_against(&k.published)
            }
            Some(_) => Err(Refusal::Unpublished(format!(
                "revision {} has expired",
                receipt.rev
            ))),
            None => Err(Refusal::Unpublished(format!(
                "revision {} with policy version {} was never published by this site",
                receipt.rev, receipt.policy_version
            ))),
        }
    };
    if let Err(Refusal::Malformed(why) | Refusal::Unpublished(why)) = checked {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, &why);
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let row = StoredReceipt {
        record_id: receipt.id,
        client_ms: receipt.ts,
        server_ms: now,
        revision: receipt.rev,
        policy_version: receipt.policy_version,
        method: receipt.method.as_str().to_owned(),
        choices: receipt.choices.canonical(),
        lang: receipt.lang,
        ua_class: ua::classify(user_agent),
    };
    match shared.store.insert(&row).await {
        Ok(Inserted::Stored) => answer(StatusCode::CREATED, json!({ "status": "stored" })),
        Ok(Inserted::Duplicate) => answer(StatusCode::OK, json!({ "status": "duplicate" })),
        Err(StoreError::Conflict(why)) => refuse(StatusCode::CONFLICT, why),
        Err(e @ StoreError::Unavailable(_)) => {
            eprintln!("warning: {e}");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_and_host_only() {
        assert_eq!(
            normalise_origin("https://www.Example.no/").ok(),
            Some("https://www.example.no".into())
        );
        assert!(normalise_origin("http://127.0.0.1:8080").is_ok());
        for bad in [
            "www.example.no",
            "https://",
            "https://a.no/path",
            "ftp://a.no",
            "*",
        ] {
            assert!(normalise_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact("receipts.db"), "receipts.db");
    }

    #[test]
    fn the_proxy_added_address_is_the_last() {
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 2.2.2.2"),
        );
        headers.append("x-forwarded-for", HeaderValue::from_static("3.3.3.3"));
        assert_eq!(
            forwarded_for(&headers),
            Some(std::net::IpAddr::from([3, 3, 3, 3]))
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(forwarded_for(&headers), None);
    }
}
