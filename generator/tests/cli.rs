//! The `samtykke` binary as an editor meets it: exit codes, messages, and an output directory
//! that a failed build leaves alone.

mod common;

use std::process::Command;

fn samtykke(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("run samtykke")
}

#[test]
fn a_failed_build_exits_non_zero_names_the_place_and_keeps_dist() {
    let site = common::site_with(&[]);
    let ok = samtykke(site.path(), &["build", "--no-widget"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(stdout.starts_with("built 3 pages, "), "{stdout}");
    assert!(stdout.contains(" ms → "), "{stdout}");
    let dist = site.path().join("dist");
    let before = common::snapshot(&dist);
    assert!(!before.is_empty());

    let broken = std::fs::read_to_string(common::fixture("errors/unknown_category.cookies.toml"))
        .expect("fixture");
    std::fs::write(site.path().join("content/cookies.toml"), broken).expect("break");
    let failed = samtykke(site.path(), &["build", "--no-widget"]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("error: unknown category `analytic`"),
        "{stderr}"
    );
    assert!(stderr.contains("content/cookies.toml:35:12"), "{stderr}");
    assert!(stderr.contains("did you mean `analytics`?"), "{stderr}");
    assert!(
        stderr.contains("the output directory is unchanged"),
        "{stderr}"
    );

    assert_eq!(common::snapshot(&dist), before, "dist/ is untouched");
    let stray: Vec<_> = std::fs::read_dir(site.path())
        .expect("list")
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(".dist.new-") || name.starts_with(".dist.old-")
        })
        .collect();
    assert!(stray.is_empty(), "no staging directories are left behind");
}

#[test]
fn a_missing_widget_is_an_error_with_a_hint() {
    let site = common::site_with(&[]);
    let out = samtykke(site.path(), &["build", "--widget-dir", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tools/build-widget.sh"), "{stderr}");
    assert!(!site.path().join("dist").exists());
}

/// Every `.br` or `.gz` below `dist`, relative.
fn siblings(dist: &std::path::Path) -> Vec<String> {
    common::snapshot(dist)
        .into_iter()
        .map(|(path, _)| path.to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".br") || p.ends_with(".gz"))
        .collect()
}

#[test]
fn no_precompress_leaves_out_the_siblings_and_a_damaged_one_is_made_anew() {
    let site = common::site_with(&[]);
    let dist = site.path().join("dist");
    let built = samtykke(site.path(), &["build"]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let all = siblings(&dist);
    assert!(all.contains(&"index.html.br".to_owned()), "{all:?}");
    assert!(all
        .iter()
        .any(|p| p.starts_with("samtykke.") && p.ends_with(".wasm.br")));

    // A rebuild takes the siblings it can prove right from the old tree; one damaged in place
    // (same length, one byte changed) is not carried over.
    let wasm_br = all
        .iter()
        .find(|p| p.ends_with(".wasm.br"))
        .expect("the WASM's sibling")
        .clone();
    let good = std::fs::read(dist.join(&wasm_br)).expect("read");
    let mut damaged = good.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    std::fs::write(dist.join(&wasm_br), &damaged).expect("damage");
    let again = samtykke(site.path(), &["build"]);
    assert!(again.status.success());
    let rebuilt = std::fs::read(dist.join(&wasm_br)).expect("read");
    assert_ne!(rebuilt, damaged, "the damaged sibling was replaced");
    let wasm = std::fs::read(dist.join(wasm_br.trim_end_matches(".br"))).expect("wasm");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&rebuilt[..], 4096),
        &mut unpacked,
    )
    .expect("brotli");
    assert_eq!(unpacked, wasm);

    let plain = samtykke(site.path(), &["build", "--no-precompress"]);
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert_eq!(siblings(&dist), Vec::<String>::new());
    assert!(dist.join("index.html").is_file());
}
