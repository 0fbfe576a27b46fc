//! `samtykke serve` in headless Chromium, on a copy of the Hesbynett site: a one-page change
//! reloads the open page (measured from the write to the reloaded page's DOMContentLoaded),
//! and a mistake shows the overlay in the page until it is fixed.

mod common;

use samtykke_audit::browser::Chromium;
use samtykke_serve::{Outcome, Reporter, Serve};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn eval(tab: &headless_chrome::Tab, js: &str) -> serde_json::Value {
    // Between two documents an evaluation can fail; the caller polls again.
    tab.evaluate(js, false)
        .ok()
        .and_then(|r| r.value)
        .unwrap_or(serde_json::Value::Null)
}

fn wait_until(tab: &headless_chrome::Tab, js: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while eval(tab, js) != serde_json::Value::Bool(true) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[test]
fn a_one_page_change_on_the_hesbynett_site_reloads_the_browser() {
    let site = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &common::repo_root().join("content"),
        &site.path().join("content"),
    );
    common::copy_dir(
        &common::repo_root().join("themes"),
        &site.path().join("themes"),
    );
    // The real widget when it was built, so its loader and the reload script share the CSP.
    let widget = samtykke_site::build::read_widget(&common::repo_root().join("target/widget")).ok();
    let with_widget = widget.is_some();
    let outcomes = Arc::new(Mutex::new(Vec::<(Outcome, f64)>::new()));
    let sink = Arc::clone(&outcomes);
    let report: Reporter = Arc::new(move |o: &Outcome, _: &[std::path::PathBuf]| {
        sink.lock().expect("lock").push((o.clone(), now_ms()))
    });
    let serve = Serve::start(site.path(), 0, widget, report).expect("serve");

    let chromium =
        Chromium::launch().expect("Chromium (bash tools/setup-toolchain.sh installs it)");
    let tab = chromium.browser.new_tab().expect("tab");
    tab.navigate_to(&format!("{}/personvern/", serve.url()))
        .and_then(|t| t.wait_until_navigated())
        .expect("open the policy");
    wait_until(
        &tab,
        "document.title.startsWith('Personvern')",
        "the policy page",
    );

    let policy = site.path().join("content/personvern.md");
    let original = std::fs::read_to_string(&policy).expect("policy");
    let (mut reloads, mut rebuilds) = (Vec::new(), Vec::new());
    for round in 0..7 {
        // Let the page's EventSource connect before the change, as an editor's would be.
        std::thread::sleep(Duration::from_millis(300));
        let marker = format!("Endring nummer {round}");
        let written = now_ms();
        std::fs::write(&policy, format!("{original}\n{marker}.\n")).expect("change the policy");
        wait_until(
            &tab,
            &format!(
                "document.readyState !== 'loading' && document.body.innerText.includes('{marker}')"
            ),
            "the reloaded page",
        );
        let shown = eval(
            &tab,
            "performance.timeOrigin + performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd",
        )
        .as_f64()
        .expect("navigation timing");
        reloads.push(shown - written);
        let origin = eval(&tab, "performance.timeOrigin")
            .as_f64()
            .unwrap_or_default();
        let last = outcomes.lock().expect("lock").last().cloned();
        match last {
            Some((Outcome::Built { elapsed, .. }, at)) => {
                rebuilds.push(elapsed.as_secs_f64() * 1000.0);
                println!(
                    "round {round}: write → built {:.1} ms (build {:.1} ms); built → navigation {:.1} ms; navigation → DOMContentLoaded {:.1} ms",
                    at - written,
                    elapsed.as_secs_f64() * 1000.0,
                    origin - at,
                    shown - origin
                );
            }
            other => panic!("expected a good build, got {other:?}"),
        }
    }
    let (reload, rebuild) = (median(&mut reloads), median(&mut rebuilds));
    println!(
        "serve on the Hesbynett site ({}): rebuild median {rebuild:.1} ms (min {:.1}, max {:.1}); write → reloaded page median {reload:.1} ms (min {:.1}, max {:.1})",
        if with_widget { "with the widget" } else { "without the widget" },
        rebuilds[0],
        rebuilds[rebuilds.len() - 1],
        reloads[0],
        reloads[reloads.len() - 1],
    );
    // The target is 300 ms; the bound leaves room for a loaded CI machine and a debug build.
    assert!(reload < 1000.0, "reload median {reload:.1} ms");

    // A mistake shows in the page, with its place, and goes once fixed.
    std::fs::write(
        &policy,
        original.replace("@/informasjonskapsler.md", "@/informasjonskapslar.md"),
    )
    .expect("break");
    wait_until(
        &tab,
        "!!document.getElementById('samtykke-overlay')",
        "the overlay",
    );
    let text = eval(
        &tab,
        "document.getElementById('samtykke-overlay').innerText",
    );
    let text = text.as_str().unwrap_or_default();
    assert!(
        text.contains("content/personvern.md:") && text.contains("`@/informasjonskapslar.md`"),
        "{text}"
    );
    std::fs::write(&policy, &original).expect("fix");
    wait_until(
        &tab,
        "!document.getElementById('samtykke-overlay') && document.title.startsWith('Personvern')",
        "the overlay to go",
    );
}
