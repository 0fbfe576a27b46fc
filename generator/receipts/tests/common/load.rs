//! The load driver: many concurrent clients posting distinct receipts, counting what was
//! acknowledged. Used by tests/load.rs (small, asserting no loss) and examples/load.rs (the
//! benchmark in bench/results/receipts.md). Also starts the service as a child process, so a
//! test can kill -9 it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const LOAD_ORIGIN: &str = "http://127.0.0.1";

/// What a run achieved.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Ids answered 2xx: the service promised these are stored.
    pub acked: Vec<String>,
    /// Answered, but not 2xx.
    pub refused: usize,
    /// No answer (connection refused or reset, e.g. after a kill).
    pub failed: usize,
    /// Of the acknowledged receipts.
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn throughput(&self) -> f64 {
        self.acked.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0–1) of the acknowledged latencies.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }
}

/// A receipt for the revisions file [`write_revisions`] writes.
pub fn body(id: &str, ts: i64) -> String {
    format!(
        r#"{{"v":1,"id":"{id}","rev":"load1","policy_version":"1","ts":{ts},"choices":{{"analytics":true,"marketing":false}},"method":"custom","lang":"nb"}}"#
    )
}

pub fn write_revisions(path: &Path) -> std::io::Result<()> {
    std::fs::write(
        path,
        r#"{"version":1,"current":{"revision":"load1","policy_version":"1","categories":["analytics","marketing"],"expiry_days":180}}"#,
    )
}

/// Posts `total` receipts with ids `{prefix}{n:08}` from `clients` concurrent clients, each
/// with its own keep-alive connection. `acked_so_far` counts acknowledgements as they come, so
/// a caller can act in the middle of the run.
pub async fn drive(
    addr: SocketAddr,
    total: usize,
    clients: usize,
    prefix: &str,
    acked_so_far: Arc<AtomicUsize>,
) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let url = format!("http://{addr}/v1/receipts");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (next, outcome, url, acked_so_far) = (
            next.clone(),
            outcome.clone(),
            url.clone(),
            acked_so_far.clone(),
        );
        let prefix = prefix.to_owned();
        tasks.push(tokio::spawn(async move {
            let client = match reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(1)
                .build()
            {
                Ok(c) => c,
                Err(_) => return,
            };
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= total {
                    return;
                }
                let id = format!("{prefix}{n:08}");
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header("origin", LOAD_ORIGIN)
                    .header("content-type", "application/json")
                    .header("user-agent", "Mozilla/5.0 Firefox/133.0")
                    .body(body(&id, samtykke_receipts::time::now_ms()))
                    .send()
                    .await;
                let latency = sent.elapsed();
                let mut o = outcome.lock().unwrap_or_else(|p| p.into_inner());
                match response {
                    Ok(r) if r.status().is_success() => {
                        o.acked.push(id);
                        o.latencies.push(latency);
                        acked_so_far.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(_) => o.refused += 1,
                    Err(_) => o.failed += 1,
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut o = std::mem::take(&mut *outcome.lock().unwrap_or_else(|p| p.into_inner()));
    o.elapsed = started.elapsed();
    o
}

/// The service as a child process, with the address it printed.
pub struct Service {
    pub child: Child,
    pub addr: SocketAddr,
}

/// Starts `bin receipts-args… serve` on a free loopback port and waits until it says where it
/// listens. Rate limit off: all the load comes from one address.
pub fn spawn(bin: &Path, database: &str, revisions: &Path) -> Result<Service, String> {
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--origin", LOAD_ORIGIN])
        .arg("--revisions")
        .arg(revisions)
        .args(["--rate-per-minute", "0", "--database", database])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Keep reading to the end so the child never blocks on a full pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("receipts: listening on http://") {
                let _ = tx.send(addr.trim().to_owned());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(addr) => match addr.parse() {
            Ok(addr) => Ok(Service { child, addr }),
            Err(e) => Err(format!("bad address {addr:?}: {e}")),
        },
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Err("the service did not say where it listens".into())
        }
    }
}
