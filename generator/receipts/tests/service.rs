//! The receipts service over HTTP, against SQLite and PostgreSQL (when
//! SAMTYKKE_TEST_POSTGRES_URL names a server; in CI it must).

mod common;

use common::*;
use samtykke_receipts::store::StoredReceipt;
use samtykke_receipts::time::{months_before, now_ms};
use samtykke_receipts::Format;
use std::time::Duration;

const ID: &str = "4f1c2a9e0b7d4e6f8a1b2c3d4e5f6a7b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_and_its_withdrawal_round_trip_to_show_export_and_stats() {
    for db in databases().await {
        let running = start(config(&db)).await;
        let client = client();
        let t = now_ms() - 60_000;
        assert_eq!(
            post(&client, &running, receipt(ID, t, "accept-all", true, true)).await,
            (201, r#"{"status":"stored"}"#.into()),
            "{}",
            db.name
        );
        // A retried send of the same decision is stored once.
        assert_eq!(
            post(&client, &running, receipt(ID, t, "accept-all", true, true)).await,
            (200, r#"{"status":"duplicate"}"#.into()),
            "{}",
            db.name
        );
        let (status, _) = post(
            &client,
            &running,
            receipt(ID, t + 5_000, "withdrawal", false, false),
        )
        .await;
        assert_eq!(status, 201, "{}", db.name);
        running.stop().await;

        let shown = samtykke_receipts::show(&db.url, ID)
            .await
            .map_err(|e| e.to_string());
        let shown = shown.unwrap_or_else(|e| panic!("{}: show: {e}", db.name));
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 3, "{}: {shown}", db.name);
        assert!(lines[0].contains("2 receipts"), "{shown}");
        assert!(
            lines[1].contains("accept-all")
                && lines[1].contains(r#"{"analytics":true,"marketing":true}"#),
            "{shown}"
        );
        assert!(
            lines[2].contains("withdrawal")
                && lines[2].contains(r#"{"analytics":false,"marketing":false}"#),
            "{shown}"
        );
        assert!(
            lines[1].contains("Firefox 133") && lines[1].contains("revision r1 policy 2"),
            "{shown}"
        );

        let csv = samtykke_receipts::export(&db.url, "2000-01-01", Format::Csv)
            .await
            .map_err(|e| e.to_string());
        let csv = csv.unwrap_or_else(|e| panic!("{}: export: {e}", db.name));
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(csv.lines().skip(1).all(|l| l.contains(ID)), "{csv}");
        let later = samtykke_receipts::export(&db.url, "2999-01-01", Format::Json)
            .await
            .map_err(|e| e.to_string());
        assert_eq!(later.as_deref().map(str::trim), Ok("[]"), "{}", db.name);

        let stats = samtykke_receipts::stats(&db.url)
            .await
            .map_err(|e| e.to_string());
        let stats = stats.unwrap_or_else(|e| panic!("{}: stats: {e}", db.name));
        assert!(stats.starts_with("2 receipts"), "{stats}");
        assert!(stats.contains("analytics granted in 1 of 2"), "{stats}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_nothing_stored_and_the_service_goes_on() {
    for db in databases().await {
        let running = start(config(&db)).await;
        let client = client();
        let t = now_ms() - 60_000;
        let good = receipt(ID, t, "custom", true, false);
        let cases: Vec<(&str, String, u16)> = vec![
            (
                "oversized",
                format!(
                    r#"{},"pad":"{}"}}"#,
                    &good[..good.len() - 1],
                    "x".repeat(5000)
                ),
                413,
            ),
            ("not JSON", "{\"v\":1,".into(), 400),
            (
                "unknown revision",
                good.replace(r#""rev":"r1""#, r#""rev":"r9""#),
                422,
            ),
            (
                "unpublished policy version",
                good.replace(r#""policy_version":"2""#, r#""policy_version":"7""#),
                422,
            ),
            (
                "categories of another revision",
                good.replace(r#","marketing":false"#, ""),
                422,
            ),
            (
                "wrong type",
                good.replace(&format!(r#""ts":{t}"#), &format!(r#""ts":"{t}""#)),
                400,
            ),
            (
                "unknown field",
                good.replace(r#""lang":"nb""#, r#""lang":"nb","ip":"10.0.0.1""#),
                400,
            ),
            (
                "SQL in the id",
                good.replace(ID, "x'); DELETE FROM receipts; --"),
                400,
            ),
            (
                "SQL in the language",
                good.replace(r#""lang":"nb""#, r#""lang":"nb' OR '1'='1""#),
                400,
            ),
            (
                "SQL in a category",
                good.replace("analytics", "analytics\\\"; DROP TABLE receipts; --"),
                400,
            ),
            (
                "unknown method",
                good.replace(r#""method":"custom""#, r#""method":"implied""#),
                400,
            ),
        ];
        for (what, body, status) in &cases {
            let (got, answer) = post(&client, &running, body.clone()).await;
            assert_eq!(got, *status, "{}: {what}: {answer}", db.name);
            assert!(
                answer.contains("error") || *status == 413,
                "{what}: {answer}"
            );
        }
        // Wrong origin, no origin, wrong content type.
        let url = running.url("/v1/receipts");
        let send = |origin: Option<&'static str>, ctype: &'static str| {
            let mut request = client
                .post(&url)
                .header("content-type", ctype)
                .body(good.clone());
            if let Some(o) = origin {
                request = request.header("origin", o);
            }
            request.send()
        };
        for (origin, ctype, status) in [
            (Some("https://evil.example"), "application/json", 403),
            (None, "application/json", 403),
            (Some(ORIGIN), "image/png", 415),
        ] {
            let got = send(origin, ctype)
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string());
            assert_eq!(
                got,
                Ok(status),
                "{}: origin {origin:?} type {ctype}",
                db.name
            );
        }
        assert_eq!(
            count(&db).await,
            0,
            "{}: a refused receipt was stored",
            db.name
        );

        // A duplicate id with a different history.
        assert_eq!(post(&client, &running, good.clone()).await.0, 201);
        let same_moment_other_choice = receipt(ID, t, "reject-all", false, false);
        let (status, answer) = post(&client, &running, same_moment_other_choice).await;
        assert_eq!(status, 409, "{}: {answer}", db.name);
        let older = receipt(ID, t - 1_000, "accept-all", true, true);
        let (status, answer) = post(&client, &running, older).await;
        assert_eq!(status, 409, "{}: {answer}", db.name);
        assert_eq!(count(&db).await, 1, "{}", db.name);

        // The service goes on.
        assert_eq!(
            post(
                &client,
                &running,
                receipt(ID, t + 1, "withdrawal", false, false)
            )
            .await
            .0,
            201
        );
        assert_eq!(health(&client, &running).await.0, 200);
        assert_eq!(count(&db).await, 2, "{}", db.name);
        running.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_the_site_origin_only() {
    let db = sqlite();
    let running = start(config(&db)).await;
    let client = client();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, running.url("/v1/receipts"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight(ORIGIN).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.status().as_u16(), 204);
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(ORIGIN.as_bytes())
    );
    assert_eq!(
        ok.headers()
            .get("access-control-allow-methods")
            .map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
    let evil = preflight("https://evil.example")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(evil.status().as_u16(), 403);
    assert!(evil.headers().get("access-control-allow-origin").is_none());

    let posted = client
        .post(running.url("/v1/receipts"))
        .header("origin", ORIGIN)
        .header("content-type", "application/json")
        .body(receipt(ID, now_ms(), "reject-all", false, false))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(posted.status().as_u16(), 201);
    assert_eq!(
        posted
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(ORIGIN.as_bytes())
    );
    let other = client
        .get(running.url("/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(other.headers().get("access-control-allow-origin").is_none());
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_is_rate_limited_and_the_refused_are_not_stored() {
    let db = sqlite();
    let mut config = config(&db);
    config.rate_per_minute = 1;
    config.rate_burst = 3;
    let running = start(config).await;
    let client = client();
    let t = now_ms();
    for i in 0..3 {
        let id = format!("{ID}{i}");
        assert_eq!(
            post(
                &client,
                &running,
                receipt(&id, t, "reject-all", false, false)
            )
            .await
            .0,
            201
        );
    }
    let response = client
        .post(running.url("/v1/receipts"))
        .header("origin", ORIGIN)
        .header("content-type", "application/json")
        .body(receipt("another-id-0001", t, "reject-all", false, false))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(retry >= 1, "Retry-After says when");
    assert_eq!(count(&db).await, 3);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_each_forwarded_address_has_its_own_limit() {
    let db = sqlite();
    let mut config = config(&db);
    config.rate_per_minute = 1;
    config.rate_burst = 1;
    config.behind_proxy = true;
    let running = start(config).await;
    let client = client();
    let t = now_ms();
    let send = |id: &str, forwarded: &'static str| {
        client
            .post(running.url("/v1/receipts"))
            .header("origin", ORIGIN)
            .header("content-type", "application/json")
            .header("x-forwarded-for", forwarded)
            .body(receipt(id, t, "reject-all", false, false))
            .send()
    };
    let status = |r: Result<reqwest::Response, reqwest::Error>| r.map(|r| r.status().as_u16()).ok();
    assert_eq!(
        status(send("visitor-a-0001", "198.51.100.1").await),
        Some(201)
    );
    assert_eq!(
        status(send("visitor-a-0002", "198.51.100.1").await),
        Some(429)
    );
    // A client cannot dodge the limit by prefixing addresses: the proxy's is the last.
    assert_eq!(
        status(send("visitor-a-0003", "10.9.9.9, 198.51.100.1").await),
        Some(429)
    );
    assert_eq!(
        status(send("visitor-b-0001", "198.51.100.2").await),
        Some(201)
    );
    running.stop().await;
}

fn old_receipt(id: &str, server_ms: i64) -> StoredReceipt {
    StoredReceipt {
        record_id: id.into(),
        client_ms: server_ms,
        server_ms,
        revision: "r1".into(),
        policy_version: "2".into(),
        method: "reject-all".into(),
        choices: r#"{"analytics":false,"marketing":false}"#.into(),
        lang: "nb".into(),
        ua_class: "other".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_old_receipts_at_start_and_on_schedule() {
    for db in databases().await {
        let store = open(&db).await;
        store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        let now = now_ms();
        let expired = months_before(now, 13) - 60_000;
        let kept = months_before(now, 13) + 3_600_000;
        for (id, at) in [("expired-at-start", expired), ("kept-for-now-0001", kept)] {
            store
                .insert(&old_receipt(id, at))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let mut config = config(&db);
        config.purge_every = Duration::from_millis(200);
        let running = start(config).await;
        assert_eq!(
            store
                .history("expired-at-start")
                .await
                .map(|h| h.len())
                .ok(),
            Some(0),
            "{}",
            db.name
        );
        assert_eq!(
            store
                .history("kept-for-now-0001")
                .await
                .map(|h| h.len())
                .ok(),
            Some(1),
            "{}",
            db.name
        );
        // One that expires while the service runs goes on the next scheduled purge.
        store
            .insert(&old_receipt("expired-later-01", expired))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        eventually("the scheduled purge", || async {
            store
                .history("expired-later-01")
                .await
                .map(|h| h.is_empty())
                .unwrap_or(false)
        })
        .await;
        assert_eq!(store.count().await.ok(), Some(1), "{}", db.name);
        running.stop().await;
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_column_holds_an_address_or_the_user_agent() {
    for db in databases().await {
        let running = start(config(&db)).await;
        let client = client();
        let full_ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36";
        let response = client
            .post(running.url("/v1/receipts"))
            .header("origin", ORIGIN)
            .header("content-type", "application/json")
            .header("user-agent", full_ua)
            .header("x-forwarded-for", "203.0.113.7")
            .body(receipt(ID, now_ms(), "custom", true, false))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), 201);
        running.stop().await;

        let store = open(&db).await;
        let columns = store.columns().await.unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = columns.iter().map(|(t, c)| format!("{t}.{c}")).collect();
        assert_eq!(
            names,
            [
                "receipts.record_id",
                "receipts.client_ms",
                "receipts.server_ms",
                "receipts.revision",
                "receipts.policy_version",
                "receipts.method",
                "receipts.choices",
                "receipts.lang",
                "receipts.ua_class",
                "revisions.revision",
                "revisions.policy_version",
                "revisions.categories",
                "revisions.expiry_days",
                "revisions.first_seen_ms",
                "revisions.last_seen_ms",
            ],
            "{}: a new column must be checked for identifiers before it is added here",
            db.name
        );
        for name in &names {
            for word in ["ip", "addr", "host", "agent", "forwarded"] {
                assert!(
                    !name.split(['.', '_']).any(|p| p == word),
                    "{}: column {name}",
                    db.name
                );
            }
        }
        let stored = store.history(ID).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored.len(), 1);
        let row = format!("{:?}", stored[0]);
        for secret in ["127.0.0.1", "203.0.113.7", "X11", "537.36", "6778"] {
            assert!(!row.contains(secret), "{}: {secret} stored: {row}", db.name);
        }
        assert_eq!(stored[0].ua_class, "Chrome 131");
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_revisions_are_remembered_across_restarts_until_they_expire() {
    for db in databases().await {
        let running = start(config(&db)).await;
        running.stop().await;
        // The site publishes r2; r1 is no longer in the file, but a visitor holding an r1 record
        // may still withdraw.
        write_revisions(&revisions_path(&db), "r2");
        let running = start(config(&db)).await;
        let client = client();
        let t = now_ms();
        assert_eq!(
            post(
                &client,
                &running,
                receipt(ID, t, "withdrawal", false, false)
            )
            .await
            .0,
            201,
            "{}",
            db.name
        );
        let r2 = receipt("second-visitor-01", t, "reject-all", false, false)
            .replace(r#""rev":"r1""#, r#""rev":"r2""#);
        assert_eq!(post(&client, &running, r2).await.0, 201, "{}", db.name);
        running.stop().await;

        // r0 was last seen current longer ago than its records live.
        let store = open(&db).await;
        let long_ago = t - 181 * 86_400_000;
        store
            .saw_published(&published("r0"), long_ago)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store.close().await;
        let running = start(config(&db)).await;
        let r0 = receipt("third-visitor-01", t, "withdrawal", false, false)
            .replace(r#""rev":"r1""#, r#""rev":"r0""#);
        let (status, answer) = post(&client, &running, r0).await;
        assert_eq!(status, 422, "{}: {answer}", db.name);
        assert!(answer.contains("expired"), "{answer}");
        running.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_postgres_gives_503_and_health_says_so() {
    // Nothing listens on this port: the service must start all the same and answer 503.
    let free = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
    let port = free.map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"));
    let db = Db {
        name: "postgres-down",
        url: format!("postgres://postgres@127.0.0.1:{port}/nothing"),
        dir: tempdir(),
    };
    let running = start(config(&db)).await;
    let client = client();
    let (status, answer) = post(
        &client,
        &running,
        receipt(ID, now_ms(), "accept-all", true, true),
    )
    .await;
    assert_eq!(status, 503, "{answer}");
    let (status, answer) = health(&client, &running).await;
    assert_eq!(status, 503, "{answer}");
    assert!(answer.contains(r#""status":"unavailable""#), "{answer}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_coming_back_is_picked_up_without_a_restart() {
    let Some(db) = databases().await.into_iter().find(|d| d.name == "postgres") else {
        return;
    };
    // Point the service at a database that does not exist yet, then create it.
    let missing = format!("{}_later", db.url);
    let later = Db {
        name: "postgres",
        url: missing.clone(),
        dir: tempdir(),
    };
    let running = start(config(&later)).await;
    let client = client();
    assert_eq!(health(&client, &running).await.0, 503);
    assert_eq!(
        post(
            &client,
            &running,
            receipt(ID, now_ms(), "accept-all", true, true)
        )
        .await
        .0,
        503
    );
    let name = missing.rsplit('/').next().unwrap_or_default().to_owned();
    let admin = sqlx::PgPool::connect(&db.url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    admin.close().await;
    eventually("health to recover", || async {
        health(&client, &running).await.0 == 200
    })
    .await;
    assert_eq!(
        post(
            &client,
            &running,
            receipt(ID, now_ms(), "accept-all", true, true)
        )
        .await
        .0,
        201
    );
    running.stop().await;
    assert_eq!(count(&later).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_revisions_file_is_read_over_http_too() {
    // The site, as a web server on loopback publishing samtykke/revisions.json.
    let db = sqlite();
    write_revisions(&revisions_path(&db), "r1");
    let text = std::fs::read_to_string(revisions_path(&db)).unwrap_or_default();
    let site = axum::Router::new().route(
        "/samtykke/revisions.json",
        axum::routing::get(move || async move { text }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let site_addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let site_task = tokio::spawn(async move { axum::serve(listener, site).await });

    let mut from_url = config(&db);
    from_url.revisions = format!("http://{site_addr}/samtykke/revisions.json");
    let running = start(from_url).await;
    let client = client();
    let (status, answer) = post(
        &client,
        &running,
        receipt(ID, now_ms(), "accept-all", true, true),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    running.stop().await;

    // A URL that answers 404, with nothing remembered, stops the start with the reason.
    let fresh = sqlite();
    let mut missing = config(&fresh);
    missing.revisions = format!("http://{site_addr}/nothing.json");
    match samtykke_receipts::Server::start(missing).await {
        Ok(_) => panic!("started without any revision to accept"),
        Err(e) => assert!(e.to_string().contains("404"), "{e}"),
    }
    site_task.abort();
}
