//! The receipts load benchmark: `bench/receipts.sh` runs it against SQLite and PostgreSQL.
//!
//! ```text
//! load [--database PATH|postgres://…/DB] [--total 10000] [--clients 50] [--kill-after N]
//! ```
//!
//! Starts the `samtykke-receipts` binary next to this example as a child process on loopback,
//! posts `total` distinct receipts from `clients` concurrent clients, and prints throughput,
//! latency quantiles, and whether every receipt answered 2xx is in the database. With
//! `--kill-after N` it kills the service with SIGKILL once N receipts are acknowledged,
//! restarts it, and checks again. A `postgres://` URL names a server; a fresh database is
//! created on it for each run.

#[path = "../tests/common/load.rs"]
mod load;

use samtykke_receipts::Store;
use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct Args {
    database: Option<String>,
    total: usize,
    clients: usize,
    kill_after: Option<usize>,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        database: None,
        total: 10_000,
        clients: 50,
        kill_after: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--database" => out.database = Some(value.clone()),
            "--total" => out.total = number()?,
            "--clients" => out.clients = number()?.max(1),
            "--kill-after" => out.kill_after = Some(number()?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(out)
}

async fn fresh_database(base: &str) -> Result<String, String> {
    let name = format!("receipts_bench_{}", samtykke_receipts::time::now_ms());
    let pool = sqlx::PgPool::connect(base)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .map_err(|e| e.to_string())?;
    pool.close().await;
    let slash = base.rfind('/').ok_or("the URL must end in /DATABASE")?;
    Ok(format!("{}/{name}", &base[..slash]))
}

async fn stored(database: &str) -> Result<HashSet<String>, String> {
    let store = Store::open(database, Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    let all = store.since(0).await.map_err(|e| e.to_string())?;
    store.close().await;
    Ok(all.into_iter().map(|r| r.record_id).collect())
}

async fn run(args: Args) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (database, kind) = match &args.database {
        Some(url) if samtykke_receipts::store::is_postgres(url) => {
            (fresh_database(url).await?, "PostgreSQL")
        }
        Some(path) => (path.clone(), "SQLite"),
        None => (
            dir.path().join("receipts.db").display().to_string(),
            "SQLite",
        ),
    };
    let revisions = dir.path().join("revisions.json");
    load::write_revisions(&revisions).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|profile| profile.join("samtykke-receipts"))
        .ok_or("cannot find the target directory")?;
    let mut service = load::spawn(&bin, &database, &revisions)?;
    let acked = Arc::new(AtomicUsize::new(0));
    let driver = tokio::spawn(load::drive(
        service.addr,
        args.total,
        args.clients,
        "bench-",
        acked.clone(),
    ));
    if let Some(after) = args.kill_after {
        while acked.load(Ordering::SeqCst) < after && !driver.is_finished() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let _ = service.child.kill();
        let _ = service.child.wait();
    }
    let outcome = driver.await.map_err(|e| e.to_string())?;
    if args.kill_after.is_none() {
        let _ = service.child.kill();
        let _ = service.child.wait();
    } else {
        // Restart on the same database, as an operator would, and check it serves.
        let mut again = load::spawn(&bin, &database, &revisions)?;
        let _ = again.child.kill();
        let _ = again.child.wait();
    }
    let ids = stored(&database).await?;
    let lost = outcome.acked.iter().filter(|id| !ids.contains(*id)).count();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {kind} | {} | {} | {} | {} | {} | {:.2} | {:.0} | {:.1} | {:.1} | {} | {lost} |",
        args.total,
        args.clients,
        args.kill_after.map_or("–".into(), |k| format!("after {k}")),
        outcome.acked.len(),
        outcome.refused + outcome.failed,
        outcome.elapsed.as_secs_f64(),
        outcome.throughput(),
        ms(outcome.quantile(0.5)),
        ms(outcome.quantile(0.99)),
        ids.len(),
    );
    if lost > 0 {
        return Err(format!(
            "{lost} acknowledged receipts are not in the database"
        ));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
