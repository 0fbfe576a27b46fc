//! The `samtykke` binary alone, as a new user has it: copied into an empty directory, run with a
//! PATH that holds nothing (so no Rust, node, wasm tool or anything else it could shell out to),
//! `init` and `build` outside the repository. The site it builds carries the embedded widget,
//! and in Chromium the banner's Reject leaves no optional cookie while Accept starts the gated
//! stand-in script.

use samtykke_e2e::{Harness, ANALYTICS_HOST};
use std::path::Path;
use std::process::{Command, Output};

const ACCEPT: &str = "#sk-banner [data-sk=\"accept-all\"]";
const REJECT: &str = "#sk-banner [data-sk=\"reject-all\"]";

/// Runs the copied binary in `dir` with an empty environment and a PATH of nothing.
fn run(binary: &Path, dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/nonexistent")
        .env("HOME", dir)
        .output()
        .expect("run samtykke");
    assert!(
        out.status.success(),
        "samtykke {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read_tree(dir: &Path, prefix: &str, files: &mut std::collections::BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            read_tree(&entry.path(), &format!("{name}/"), files);
        } else {
            files.insert(name, std::fs::read(entry.path()).expect("read"));
        }
    }
}

#[test]
fn the_binary_alone_builds_a_site_whose_banner_works() {
    let h = Harness::start();
    let empty = tempfile::tempdir().expect("tempdir");
    let binary = empty.path().join("samtykke");
    std::fs::copy(samtykke_e2e::samtykke_binary(), &binary).expect("copy the binary");

    run(&binary, empty.path(), &["init", "site"]);
    let site = empty.path().join("site");
    assert!(
        !site.join("themes").exists(),
        "the built-in theme needs no files"
    );

    // An analytics service whose script is the harness's stand-in, as a new site would add it.
    let standin = format!(
        "http://{ANALYTICS_HOST}:{}/ga.js",
        h.analytics.addr().port()
    );
    let mut inventory = std::fs::read_to_string(site.join("content/cookies.toml")).expect("toml");
    inventory.push_str(&format!(
        r#"
[categories.analytics]
order = 1
title = {{ nb = "Statistikk" }}
description = {{ nb = "Besøksstatistikk." }}

[services.analyse]
name = "Analyse"
provider = "Leverandøren"
host = "hesbynett.test"
category = "analytics"
script = "{standin}"

[[cookies]]
name = "__utm*"
category = "analytics"
service = "analyse"
party = "first"
legal_basis = "consent"
purpose = {{ nb = "Statistikk." }}
lifetime = {{ nb = "2 år" }}
"#
    ));
    std::fs::write(site.join("content/cookies.toml"), inventory).expect("write");

    let base_url = h.base_url();
    let out = run(
        &binary,
        empty.path(),
        &["--root", "site", "build", "--base-url", &base_url],
    );
    println!("{}", String::from_utf8_lossy(&out.stdout));

    let mut files = std::collections::BTreeMap::new();
    read_tree(&site.join("dist"), "", &mut files);
    let named = |start: &str, end: &str| {
        files
            .keys()
            .find(|k| k.starts_with(start) && k.ends_with(end))
            .cloned()
    };
    let js = named("samtykke.", ".js").expect("the widget's JS in the output");
    let wasm = named("samtykke.", ".wasm").expect("the widget's WASM in the output");
    assert_eq!(files[&wasm][..4], *b"\0asm");
    let index = String::from_utf8_lossy(&files["index.html"]).into_owned();
    assert!(
        index.contains("id=\"samtykke-config\""),
        "the widget's config"
    );
    assert!(
        index.contains(&format!("import init from \"/{js}\"")),
        "the loader"
    );

    *h.files.write().expect("files lock") = files;

    let rejecting = h.fresh_tab("");
    rejecting.visit(&h.url("/"));
    rejecting.wait_for_widget();
    assert!(rejecting.banner_visible(), "the banner on a first visit");
    rejecting.click(REJECT);
    rejecting.wait_for(
        "JSON.parse(localStorage.getItem('samtykke') || 'null')?.method === 'reject-all'",
        "the rejection is recorded",
    );
    rejecting.visit(&h.url("/"));
    rejecting.wait_for_widget();
    assert!(rejecting.eval_bool("window.__gaStandinRan === undefined"));
    assert_eq!(
        rejecting.analytics_cookies(),
        Vec::<(String, String)>::new()
    );

    let accepting = h.fresh_tab("");
    accepting.visit(&h.url("/"));
    accepting.wait_for_widget();
    accepting.click(ACCEPT);
    accepting.wait_for(
        "window.__gaStandinRan === 1",
        "accepting starts the gated stand-in",
    );
    assert!(
        !accepting.analytics_cookies().is_empty(),
        "its cookies appear"
    );
}
