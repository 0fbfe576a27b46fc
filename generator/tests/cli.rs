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
