//! The command line (`samtykke-receipts`, the same commands as `samtykke receipts`): exit codes
//! and messages for operator mistakes, and the queries on a database the service filled.

mod common;

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_samtykke-receipts");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("SAMTYKKE_RECEIPTS_DATABASE")
        .output()
        .unwrap_or_else(|e| panic!("{BIN}: {e}"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn operator_mistakes_exit_1_with_a_message_and_create_nothing() {
    let dir = common::tempdir();
    let missing = dir.path().join("nothing-here.db").display().to_string();
    for args in [
        vec!["show", "abcdefgh", "--database", &missing],
        vec!["stats", "--database", &missing],
        vec!["export", "--since", "2026-01-01", "--database", &missing],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("no receipts database at"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(
        !std::path::Path::new(&missing).exists(),
        "a query must not create a database"
    );

    let out = run(&["export", "--since", "1. januar", "--database", &missing]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("write YYYY-MM-DD"),
        "{}",
        stderr(&out)
    );

    let out = run(&["export", "--since", "2026-01-01", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses an unknown format");
    assert!(stderr(&out).contains("use csv or json"), "{}", stderr(&out));

    let db = dir.path().join("serve.db").display().to_string();
    let revisions = dir.path().join("revisions.json");
    common::write_revisions(&revisions, "r1");
    let revisions = revisions.display().to_string();
    let out = run(&[
        "serve",
        "--origin",
        "www.example.no",
        "--revisions",
        &revisions,
        "--database",
        &db,
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not an origin"),
        "{}",
        stderr(&out)
    );

    let nowhere = dir.path().join("no-revisions.json").display().to_string();
    let out = run(&[
        "serve",
        "--origin",
        common::ORIGIN,
        "--revisions",
        &nowhere,
        "--database",
        &db,
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no-revisions.json") && stderr(&out).contains("hint:"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_export_and_stats_read_what_the_service_stored() {
    let db = common::sqlite();
    let running = common::start(common::config(&db)).await;
    let client = common::client();
    let t = samtykke_receipts::time::now_ms() - 10_000;
    for i in 0..25 {
        let id = format!("visitor-{i:04}");
        let (status, _) = common::post(
            &client,
            &running,
            common::receipt(&id, t, "accept-all", true, true),
        )
        .await;
        assert_eq!(status, 201);
    }
    running.stop().await;

    let out = run(&["show", "visitor-0007", "--database", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.starts_with("consent id visitor-0007: 1 receipt\n"),
        "{shown}"
    );

    let out = run(&[
        "export",
        "--since",
        "2000-01-01",
        "--format",
        "json",
        "--database",
        &db.url,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(json.as_array().map(Vec::len), Some(25));

    let out = run(&["stats", "--database", &db.url]);
    let stats = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stats.contains("accept-all rate: 100.0 % of 25 answers"),
        "{stats}"
    );
    assert!(stats.contains("warning: revision r1: 100.0 %"), "{stats}");
}
