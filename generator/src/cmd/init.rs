//! `samtykke init DIR`: creates the site and says what to do next.

use samtykke_site::init::{self, theme};
use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path, theme_files: bool) -> ExitCode {
    match init::init(dir, theme_files) {
        Ok(files) => {
            let shown = dir.display();
            println!("created a new site in {shown} ({} files)", files.len());
            println!("  content/   site.toml, cookies.toml and the pages: fill in every «MANGLER»");
            if theme_files {
                println!(
                    "  themes/{}/  the templates and the stylesheet, over the built-in ones",
                    theme::NAME
                );
            }
            println!("next:");
            println!("  samtykke --root {shown} check    lists what is still missing");
            println!("  samtykke --root {shown} serve    shows the site while you write");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
