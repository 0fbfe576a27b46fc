//! `samtykke init DIR`: creates the site and says what to do next.

use samtykke_site::init::{self, theme};
use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path, theme_files: bool, languages: &[String]) -> ExitCode {
    let langs: Vec<&str> = languages.iter().map(|l| l.trim()).collect();
    match init::init_in(dir, theme_files, &langs) {
        Ok(files) => {
            let shown = dir.display();
            println!("created a new site in {shown} ({} files)", files.len());
            println!(
                "  content/   site.toml, cookies.toml and the pages in {}: fill in every «MANGLER»{}",
                langs.join(", "),
                match (langs.contains(&"nn"), langs.contains(&"en")) {
                    (true, true) => ", «MANGLAR» and «MISSING»",
                    (true, false) => " and «MANGLAR»",
                    (false, true) => " and «MISSING»",
                    (false, false) => "",
                }
            );
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
