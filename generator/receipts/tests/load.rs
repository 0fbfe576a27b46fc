//! Load and faults, bounded and on loopback: the service as a child process (the real binary),
//! many concurrent clients, and kill -9 in the middle. Asserts that nothing acknowledged is
//! lost, never how fast (the figures are in bench/results/receipts.md, from examples/load.rs).

mod common;

use common::load::{drive, spawn, write_revisions};
use common::{databases, open, Db};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_samtykke-receipts");

async fn stored_ids(db: &Db) -> HashSet<String> {
    let store = open(db).await;
    let all = store
        .since(0)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.name));
    store.close().await;
    all.into_iter().map(|r| r.record_id).collect()
}

fn revisions(db: &Db) -> std::path::PathBuf {
    let path = db.dir.path().join("load-revisions.json");
    write_revisions(&path).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn kill_and_reap(service: &mut common::load::Service) {
    // std's Child::kill is SIGKILL on Unix: no shutdown code runs.
    let _ = service.child.kill();
    let _ = service.child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_receipts_from_twenty_clients_are_all_stored() {
    for db in databases().await {
        let mut service =
            spawn(Path::new(BIN), &db.url, &revisions(&db)).unwrap_or_else(|e| panic!("{e}"));
        let outcome = drive(
            service.addr,
            1_000,
            20,
            "load-ok-",
            Arc::new(AtomicUsize::new(0)),
        )
        .await;
        kill_and_reap(&mut service);
        assert_eq!(
            (outcome.refused, outcome.failed),
            (0, 0),
            "{}: {outcome:?}",
            db.name
        );
        assert_eq!(outcome.acked.len(), 1_000, "{}", db.name);
        let stored = stored_ids(&db).await;
        let lost: Vec<&String> = outcome
            .acked
            .iter()
            .filter(|id| !stored.contains(*id))
            .collect();
        assert!(
            lost.is_empty(),
            "{}: acknowledged but not stored: {lost:?}",
            db.name
        );
        assert_eq!(stored.len(), 1_000, "{}", db.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_mid_load_loses_no_acknowledged_receipt() {
    for db in databases().await {
        let revisions = revisions(&db);
        let mut service =
            spawn(Path::new(BIN), &db.url, &revisions).unwrap_or_else(|e| panic!("{e}"));
        let acked = Arc::new(AtomicUsize::new(0));
        let load = tokio::spawn(drive(service.addr, 1_000, 20, "load-kill-", acked.clone()));
        // Kill once a good part of the run is acknowledged, with requests surely in flight.
        // Polled tightly (this waits on a condition, it asserts no time), so the kill lands
        // mid-run even on a fast machine.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while acked.load(Ordering::SeqCst) < 300 && !load.is_finished() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}: 300 acknowledgements never came",
                db.name
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        kill_and_reap(&mut service);
        let outcome = load.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(outcome.acked.len() >= 300, "{}", db.name);
        assert!(
            outcome.acked.len() < 1_000,
            "{}: the kill came after the whole run; nothing was tested",
            db.name
        );

        // Restart on the same database: every acknowledged receipt is there, and it serves.
        let mut again =
            spawn(Path::new(BIN), &db.url, &revisions).unwrap_or_else(|e| panic!("{e}"));
        let health = reqwest::Client::new()
            .get(format!("http://{}/healthz", again.addr))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map(|r| r.status().as_u16());
        kill_and_reap(&mut again);
        assert_eq!(
            health.ok(),
            Some(200),
            "{}: the restarted service is healthy",
            db.name
        );
        let stored = stored_ids(&db).await;
        let lost: Vec<&String> = outcome
            .acked
            .iter()
            .filter(|id| !stored.contains(*id))
            .collect();
        assert!(
            lost.is_empty(),
            "{}: acknowledged, then lost in the kill: {lost:?}",
            db.name
        );
        eprintln!(
            "{}: killed after {} acknowledged; {} stored after restart; none lost",
            db.name,
            outcome.acked.len(),
            stored.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_requests_in_flight() {
    let db = common::sqlite();
    let mut service =
        spawn(Path::new(BIN), &db.url, &revisions(&db)).unwrap_or_else(|e| panic!("{e}"));
    let acked = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn(drive(service.addr, 600, 10, "load-term-", acked.clone()));
    common::eventually("100 acknowledged receipts", || {
        let n = acked.load(Ordering::SeqCst);
        async move { n >= 100 }
    })
    .await;
    let pid = service.child.id().to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(
        term.map(|s| s.success()).unwrap_or(false),
        "kill -TERM {pid}"
    );
    let outcome = load.await.unwrap_or_else(|e| panic!("{e}"));
    let status = service.child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "a graceful stop exits 0: {status}");
    assert_eq!(outcome.refused, 0, "{outcome:?}");
    let stored = stored_ids(&db).await;
    assert!(outcome.acked.iter().all(|id| stored.contains(id)));
    assert_eq!(
        stored.len(),
        outcome.acked.len(),
        "each request answered 2xx or not at all"
    );
}
