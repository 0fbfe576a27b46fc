//! The build's wall-time profile: with `SAMTYKKE_PHASES` set, each step (load, render,
//! precompress, write, delete) prints how long it took to stderr, for bench/phases_generator.sh.
//! Its own module, so the output writer can report without depending on the build pipeline.

use std::time::Instant;

/// Prints `phase NAME SECONDS` to stderr when `SAMTYKKE_PHASES` is set.
pub(crate) fn phase(name: &str, since: Instant) {
    if std::env::var_os("SAMTYKKE_PHASES").is_some() {
        eprintln!("phase {name} {:.3}", since.elapsed().as_secs_f64());
    }
}
