//! Snapshots of what editors and visitors see, so a change to it shows up in review: the
//! rendered diagnostics of every fixture in `fixtures/errors`, and one page of each template of
//! the Hesbynett theme built from the shipped `content/`.
//!
//! A changed or missing snapshot fails the test; `cargo insta review` (or `INSTA_UPDATE=always`)
//! accepts the new text. CI sets `CI=true`, under which insta writes nothing and only fails.

mod common;

use samtykke_site::{build, model, render::Options};

/// Where a fixture goes: its name ends in the file it replaces.
fn target_of(fixture: &str) -> &'static str {
    if fixture.ends_with(".cookies.toml") {
        "content/cookies.toml"
    } else if fixture.ends_with(".site.toml") {
        "content/site.toml"
    } else if fixture.ends_with(".md") {
        "content/index.md"
    } else {
        panic!("{fixture}: no rule says which file it replaces")
    }
}

#[test]
fn diagnostics_of_every_error_fixture() {
    let dir = common::fixture("errors");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/errors")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 14, "{names:?}");
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).expect("fixture");
        let site = common::site_with(&[(target_of(&name), &text)]);
        let errors = match model::load(site.path()) {
            Ok(_) => panic!("{name} should not load"),
            Err(errors) => errors,
        };
        let stem = name.split('.').next().unwrap_or(&name).to_owned();
        // Plain text, as a pipe and the serve overlay get it.
        insta::assert_snapshot!(format!("diagnostics__{stem}"), errors.to_plain_string());
    }
}

#[test]
fn one_page_of_each_template() {
    let out = tempfile::tempdir().expect("tempdir");
    let dist = out.path().join("dist");
    // Without the widget: its build is not part of this test, and the pages are complete without.
    build::build(&common::repo_root(), &dist, &Options::default()).expect("content/ builds");
    for (name, path) in [
        ("index", "index.html"),
        ("page", "kontakt/index.html"),
        ("cookie_page", "informasjonskapsler/index.html"),
        ("not_found", "404.html"),
    ] {
        let html = std::fs::read_to_string(dist.join(path)).expect(path);
        insta::assert_snapshot!(format!("page__{name}"), html);
    }
}
