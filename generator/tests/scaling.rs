//! Per-page work grows linearly with the page. Each case builds a site whose one page (or
//! inventory) holds N of something, at N = 5,000 and N = 20,000, and compares the times: a
//! linear pass takes about 4× as long for 4× the input, a quadratic one about 16×. The check is
//! that ratio, never a time, and each time is the best of three runs so a busy machine does not
//! decide the outcome.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One case at a time: cases running side by side would time each other.
static SERIAL: Mutex<()> = Mutex::new(());

const SMALL: usize = 5_000;
const LARGE: usize = 20_000;
/// Cases whose every item costs much in a debug build run at a fraction of N (same 4×
/// ratio), so `cargo test` stays quick.
const SLOW: usize = 4;
const SLOWER: usize = 20;
/// Halfway between linear (4) and quadratic (16) on a log scale.
const MAX_RATIO: f64 = 8.0;

const FRONT: &str = "+++\ntitle = \"Stor\"\ndescription = \"Mange ting.\"\n+++\n";

/// What a case varies with N: the page body, and optionally extra inventory text.
struct Case {
    name: &'static str,
    body: fn(usize) -> String,
    cookies: Option<fn(usize) -> String>,
    /// Also run `check`, which reads every link's anchor.
    check: bool,
    /// The load is expected to fail with N errors (they are rendered as text, too).
    errors: bool,
    /// N is divided by this.
    divisor: usize,
}

fn site(case: &Case, n: usize) -> tempfile::TempDir {
    let page = format!("{FRONT}{}", (case.body)(n));
    let mut overlays = vec![
        ("content/stor.md".to_owned(), page),
        // A shortcode that costs next to nothing to render, so the time measured is the
        // generator's own work around each shortcode, where a quadratic pass would show.
        (
            "themes/hesbynett/templates/shortcodes/tiny.html".to_owned(),
            "<i>{{ page.slug }}</i>".to_owned(),
        ),
    ];
    if let Some(cookies) = case.cookies {
        let base = std::fs::read_to_string(common::fixture("minimal/content/cookies.toml"))
            .expect("fixture inventory");
        overlays.push(("content/cookies.toml".to_owned(), base + &cookies(n)));
    }
    let overlays: Vec<(&str, &str)> = overlays
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    common::site_with(&overlays)
}

/// Loads and renders the site (and checks it, if the case asks); what a build does before
/// writing files.
fn build_once(case: &Case, root: &std::path::Path) -> Duration {
    let start = Instant::now();
    match samtykke_site::model::load(root) {
        Ok(site) => {
            assert!(!case.errors, "{}: expected errors", case.name);
            let rendered = samtykke_site::render::render(&site, &Default::default())
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            assert!(rendered.files.contains_key("stor/index.html"));
            if case.check {
                let report = samtykke_site::check::check(root)
                    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
                assert!(
                    report.of("link").is_empty(),
                    "{}: broken anchors",
                    case.name
                );
            }
        }
        Err(errors) => {
            assert!(case.errors, "{}: {errors}", case.name);
            // Formatting is part of reporting: it must not be quadratic either.
            let text = errors.to_plain_string();
            assert!(text.contains("stor.md"), "{}", case.name);
            assert!(!errors.is_empty());
        }
    }
    start.elapsed()
}

fn best_of_three(case: &Case, n: usize) -> Duration {
    let dir = site(case, n);
    (0..3)
        .map(|_| build_once(case, dir.path()))
        .min()
        .unwrap_or_default()
}

fn assert_linear(case: Case) {
    let _one_at_a_time = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // A first small build warms caches and the allocator.
    build_once(&case, site(&case, 100).path());
    let (small_n, large_n) = (SMALL / case.divisor, LARGE / case.divisor);
    let small = best_of_three(&case, small_n);
    let large = best_of_three(&case, large_n);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    eprintln!(
        "{}: {small_n} in {small:?}, {large_n} in {large:?}, ratio {ratio:.1}",
        case.name
    );
    assert!(
        ratio < MAX_RATIO,
        "{}: {large_n} take {ratio:.1}× as long as {small_n} ({small:?} → {large:?}); \
         linear is about {}×",
        case.name,
        LARGE / SMALL
    );
}

fn repeat(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(f).collect()
}

#[test]
fn identical_headings() {
    assert_linear(Case {
        name: "identical headings",
        body: |n| "## same\n\n".repeat(n),
        cookies: None,
        check: false,
        errors: false,
        divisor: 1,
    });
}

#[test]
fn shortcodes() {
    assert_linear(Case {
        name: "shortcodes",
        body: |n| "{{ tiny() }}\n".repeat(n),
        cookies: None,
        check: false,
        errors: false,
        divisor: 1,
    });
}

#[test]
fn links_to_pages() {
    assert_linear(Case {
        name: "links",
        body: |n| "[x](@/personvern.md) [y](/personvern/)\n".repeat(n),
        cookies: None,
        check: false,
        errors: false,
        divisor: 1,
    });
}

#[test]
fn links_to_missing_pages_and_their_errors() {
    assert_linear(Case {
        name: "broken links",
        body: |n| repeat(n, |i| format!("{{{{ tiny() }}}}\n[x](@/n{i}.md)\n\n")),
        cookies: None,
        check: false,
        errors: true,
        divisor: 1,
    });
}

#[test]
fn anchors_and_links_to_them() {
    assert_linear(Case {
        name: "anchors",
        body: |n| repeat(n, |i| format!("## Del {i}\n\n[til del {i}](#del-{i})\n\n")),
        cookies: None,
        check: true,
        errors: false,
        divisor: SLOW,
    });
}

#[test]
fn cookies_in_a_table() {
    assert_linear(Case {
        name: "cookies",
        body: |_| "{{ cookie_table(category=\"analytics\") }}\n".to_owned(),
        cookies: Some(|n| {
            repeat(n, |i| {
                format!(
                    "\n[[cookies]]\nname = \"_c{i}\"\ncategory = \"analytics\"\nservice = \"ga\"\n\
                     party = \"first\"\nlegal_basis = \"consent\"\npurpose = {{ nb = \"P\" }}\n\
                     lifetime = {{ nb = \"1 år\" }}\n"
                )
            })
        }),
        check: false,
        errors: false,
        divisor: SLOWER,
    });
}

#[test]
fn one_long_line() {
    assert_linear(Case {
        name: "long line",
        body: |n| {
            let mut line = repeat(n, |i| format!("ord{i} *vekt* [x](@/personvern.md) "));
            line.push('\n');
            line
        },
        cookies: None,
        check: false,
        errors: false,
        divisor: 1,
    });
}
