//! `samtykke audit` in headless Chromium over every recipe site (`fixtures/recipes/`), built with
//! the widget the binary ships: each passes (its third-party requests come only after consent,
//! from hosts its placeholders declare, with no CSP violation and no axe finding). The same
//! YouTube page with a raw iframe in place of the placeholder, which the build would refuse and
//! is here written into `dist/` by hand, fails: the request goes out before any choice.
//!
//! The audit refuses every request to a host that is not on this machine, so the providers'
//! real addresses are recorded but never reached.

mod common;

use samtykke_audit::model::{Report, Rule, StateKind};
use samtykke_audit::{Options, Target};
use samtykke_site::build;
use samtykke_site::render::{Options as RenderOptions, WidgetBundle};
use std::path::Path;

/// The recipe's site built with the shipped widget into `<tempdir>/dist`.
fn built(recipe: &str) -> tempfile::TempDir {
    let dir = common::site_with(&[]);
    common::copy_dir(
        &common::fixture("recipes").join(recipe).join("content"),
        &dir.path().join("content"),
    );
    let options = RenderOptions {
        widget: Some(WidgetBundle::embedded()),
        ..RenderOptions::default()
    };
    build::build(dir.path(), &dir.path().join("dist"), &options)
        .unwrap_or_else(|e| panic!("{recipe} builds: {e}"));
    dir
}

/// Audits the front page of `dist`, where each recipe's content is.
fn audit(dist: &Path) -> Report {
    let reports = tempfile::tempdir().expect("tempdir");
    let options = Options {
        report_dir: Some(reports.path().to_path_buf()),
        jobs: 1,
        max_pages: 1,
        ..Options::new(Target::Dir(dist.to_path_buf()))
    };
    let report = samtykke_audit::run(&options).unwrap_or_else(|e| panic!("the audit runs: {e}"));
    println!("{}", report.table());
    report
}

#[test]
fn every_recipe_site_passes_the_audit() {
    for recipe in [
        "ga4",
        "matomo",
        "plausible",
        "youtube",
        "vimeo",
        "google-maps",
    ] {
        let site = built(recipe);
        let report = audit(&site.path().join("dist"));
        assert!(
            report.passed && report.violations.is_empty(),
            "{recipe}: {:#?}",
            report.violations
        );
        // The provider was asked for once consent was given, and only then.
        let accepted: Vec<&str> = report
            .pages
            .iter()
            .flat_map(|p| &p.states)
            .filter(|s| s.state == StateKind::Accept)
            .flat_map(|s| &s.requests)
            .map(|r| r.origin.as_str())
            .collect();
        assert!(
            !accepted.is_empty(),
            "{recipe}: nothing loaded after consent"
        );
    }
}

#[test]
fn a_raw_embed_fails_the_audit() {
    let site = built("youtube");
    let index = site.path().join("dist/index.html");
    let html = std::fs::read_to_string(&index).expect("index.html");
    let start = html
        .find("<figure class=\"sk-embed")
        .expect("the placeholder");
    let end = html[start..].find("</figure>").expect("its end") + start + "</figure>".len();
    let raw = r#"<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="Video"></iframe>"#;
    std::fs::write(&index, format!("{}{raw}{}", &html[..start], &html[end..])).expect("write");
    let report = audit(&site.path().join("dist"));
    assert!(!report.passed);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.rule == Rule::RequestWithoutConsent
                && v.state == Some(StateKind::Fresh)
                && v.subject == "www.youtube-nocookie.com"),
        "{:#?}",
        report.violations
    );
}
