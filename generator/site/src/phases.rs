//! The build's wall-time profile: with `SAMTYKKE_PHASES` set, each step (load, render and
//! write, the old tree's removal when it is not left to the background) prints how long it
//! took to stderr, for bench/phases_generator.sh. Its own module, so the output writer can
//! report without depending on the build pipeline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

fn enabled() -> bool {
    std::env::var_os("SAMTYKKE_PHASES").is_some()
}

/// Prints `phase NAME SECONDS` to stderr when `SAMTYKKE_PHASES` is set.
pub(crate) fn phase(name: &str, since: Instant) {
    if enabled() {
        eprintln!("phase {name} {:.3}", since.elapsed().as_secs_f64());
    }
}

/// Thread time summed over every core, for a step that runs interleaved with others (such as
/// compressing, inside the rendering of each page). Costs nothing when the profile is off.
#[derive(Default)]
pub(crate) struct Tally(AtomicU64);

impl Tally {
    pub(crate) fn time<T>(&self, step: impl FnOnce() -> T) -> T {
        if !enabled() {
            return step();
        }
        let started = Instant::now();
        let result = step();
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
        result
    }

    /// Prints `phase NAME SECONDS` (the sum) when `SAMTYKKE_PHASES` is set.
    pub(crate) fn report(&self, name: &str) {
        if enabled() {
            let seconds = self.0.load(Ordering::Relaxed) as f64 / 1e9;
            eprintln!("phase {name} {seconds:.3}");
        }
    }
}
