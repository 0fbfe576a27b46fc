//! `samtykke`: parses the command line and hands it to one of `cmd`'s commands, which print
//! and choose the exit code. The work itself is in the libraries.

mod cli;
mod cmd;
mod term;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            out,
            base_url,
            no_precompress,
            widget,
        } => cmd::build::run(&cli.root, out, base_url, no_precompress, &widget),
        Command::RemoveOldTree { path } => cmd::build::remove_old_tree(&path),
        #[cfg(feature = "serve")]
        Command::Serve { port, widget } => cmd::serve::run(&cli.root, port, &widget),
        Command::Check { strict } => cmd::check::run(&cli.root, strict),
        Command::Init {
            dir,
            theme_files,
            languages,
        } => cmd::init::run(&dir, theme_files, &languages),
        #[cfg(feature = "audit")]
        Command::Audit(args) => cmd::audit::run(&cli.root, args),
        #[cfg(feature = "receipts")]
        Command::Receipts(command) => samtykke_receipts::cli::run(command),
    }
}
