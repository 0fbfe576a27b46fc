//! `samtykke-receipts`: the receipts service alone, for a server or a container that does not
//! need the site generator (the same commands as `samtykke receipts …`).

use clap::Parser;
use std::process::ExitCode;

/// Proof of consent: store one receipt per consent decision, and query them.
#[derive(Parser)]
#[command(name = "samtykke-receipts", version, about)]
struct Cli {
    #[command(subcommand)]
    command: samtykke_receipts::cli::Command,
}

fn main() -> ExitCode {
    samtykke_receipts::cli::run(Cli::parse().command)
}
