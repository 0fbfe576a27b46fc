//! Screenshots of every page of the Hesbynett site, as `tools/screenshots.sh` describes: at 390
//! and 1280 px wide, light and dark, with the banner and with the preferences open, plus the
//! banner's share of the screen on a phone and a desktop.
//!
//! `cargo run -p samtykke-e2e --example screenshots -- OUT_DIR`

use samtykke_e2e::look::{self, DESKTOP, PHONE, SMALL_PHONE};
use samtykke_e2e::Harness;
use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/screenshots".to_owned()),
    );
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        std::process::exit(1);
    }
    let harness = Harness::start();
    let mut written = 0;
    for path in harness.page_paths() {
        let slug = path.trim_matches('/').replace('/', "-");
        let slug = if slug.is_empty() {
            "index".to_owned()
        } else {
            slug
        };
        for size in [PHONE, DESKTOP] {
            for dark in [false, true] {
                let visitor = harness.fresh_tab("");
                look::emulate(&visitor.tab, size, dark);
                visitor.open(&harness.url(&path));
                let scheme = if dark { "dark" } else { "light" };
                let name =
                    |state: &str| out.join(format!("{slug}-{}-{scheme}-{state}.png", size.0));
                save(&name("banner"), &look::screenshot(&visitor.tab));
                visitor.click(r#"#sk-banner [data-sk="preferences"]"#);
                visitor.wait_for(
                    "document.getElementById('sk-preferences').open",
                    "the preferences to open",
                );
                // The pointer rests where the click was: move it off, so no button shows hover.
                let _ = visitor.tab.call(
                    "Input.dispatchMouseEvent",
                    serde_json::json!({ "type": "mouseMoved", "x": 0, "y": 0 }),
                );
                save(&name("preferences"), &look::screenshot(&visitor.tab));
                written += 2;
            }
        }
    }
    let mut shares =
        String::from("| viewport | banner height | share of the screen |\n|---|--:|--:|\n");
    for size in [PHONE, SMALL_PHONE, DESKTOP] {
        let visitor = harness.fresh_tab("");
        look::emulate(&visitor.tab, size, false);
        visitor.open(&harness.url("/"));
        if size == SMALL_PHONE {
            save(
                &out.join("index-360-light-banner.png"),
                &look::screenshot(&visitor.tab),
            );
        }
        let m = visitor.eval(look::BANNER_METRICS);
        let height = m.get("height").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let share = m.get("share").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let clipped = m.get("clipped").map(|v| v.to_string()).unwrap_or_default();
        let _ = writeln!(
            shares,
            "| {}×{} | {height:.0} px | {:.1} % (clipped: {clipped}) |",
            size.0,
            size.1,
            share * 100.0
        );
    }
    save(&out.join("banner-share.md"), shares.as_bytes());
    print!("{shares}");
    println!("{written} screenshots in {}", out.display());
}

fn save(path: &std::path::Path, bytes: &[u8]) {
    if let Err(e) = std::fs::write(path, bytes) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}
