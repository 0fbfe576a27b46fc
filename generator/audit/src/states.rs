//! The four states a page is audited in, each in a fresh browser context: a first visit with
//! no choice, after "reject all", after "accept all", and after withdrawing consent through the
//! footer control. Each state takes snapshots (cookies, storage keys) at fixed points and tags
//! every request with the phase it was made in; `checks` judges them afterwards.

use crate::banner;
use crate::cdp::{self, Page};
use crate::model::{
    clip, Gated, Observed, PageInfo, Phase, Rule, Snapshot, StateKind, StateRun, BANNER_ACCEPT,
    BANNER_REJECT, FOOTER_SETTINGS, WIDGET_READY,
};
use samtykke_contract::config::WidgetConfig;
use serde::Deserialize;

/// Kept at its old path for the command's callers.
pub use crate::model::Timing;

#[derive(Debug, Deserialize)]
struct RawInfo {
    config: Option<String>,
    #[serde(default)]
    gated: Vec<Gated>,
    #[serde(default)]
    links: Vec<String>,
    status: Option<u16>,
}

const PAGE_INFO: &str = "(() => { \
  const c = document.getElementById('samtykke-config'); \
  const gated = [...document.querySelectorAll('script[type=\"text/plain\"][data-category][data-src], [data-category][data-sk-frame]')] \
    .slice(0, 50).map((e) => { try { return { category: String(e.dataset.category), src: new URL(e.dataset.src || e.dataset.skFrame, location.href).href }; } catch { return null; } }) \
    .filter(Boolean); \
  const links = [...document.querySelectorAll('a[href]')].slice(0, 500).map((a) => a.href).filter((h) => typeof h === 'string'); \
  const nav = performance.getEntriesByType('navigation')[0]; \
  return { config: c ? c.textContent : null, gated, links, status: nav && nav.responseStatus ? nav.responseStatus : null }; })()";

/// The note on a page of a live site without the Samtykke widget.
pub const NO_CONSENT_MECHANISM: &str =
    "no consent mechanism found: the page has no Samtykke widget, so only the state before any choice was audited";

const ASKS: &str = "document.documentElement.classList.contains('sk-ask')";
const PREFERENCES_OPEN: &str = "(() => { const d = document.getElementById('sk-preferences'); \
  return !!d && (d.open === true || (d.tagName !== 'DIALOG' && d.getBoundingClientRect().height > 0 && getComputedStyle(d).display !== 'none')); })()";
/// Shared, read-only inputs of every state.
pub struct Context<'a> {
    pub wire: &'a std::sync::Arc<super::wire::Wire>,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub origin: &'a str,
    /// axe-core's source.
    pub axe: &'a str,
    pub timing: Timing,
    /// Request policy, byte count and rate limit, shared by every tab.
    pub shared: cdp::Shared,
    /// A live site that Samtykke may not have built: a page without the widget is audited as
    /// it is (before any choice) instead of waiting for a widget that never comes.
    pub live: bool,
}

/// The page carries the widget: its configuration or its banner.
const HAS_WIDGET: &str =
    "!!document.getElementById('samtykke-config') || !!document.getElementById('sk-banner')";

pub fn run(cx: &Context<'_>, path: &str, kind: StateKind) -> StateRun {
    let mut run = StateRun {
        kind,
        path: path.to_owned(),
        snapshots: Vec::new(),
        observed: Observed::default(),
        findings: Vec::new(),
        notes: Vec::new(),
        info: None,
        error: None,
    };
    let mut page = match Page::open(cx.wire, cx.origin, cx.timing, &cx.shared) {
        Ok(page) => page,
        Err(e) => {
            run.error = Some(format!("cannot open a tab: {e}"));
            return run;
        }
    };
    let url = format!("{}{path}", cx.origin);
    let outcome = match kind {
        StateKind::Fresh => fresh(&mut page, &mut run, &url, cx.axe, cx.live),
        StateKind::Reject => choose(&mut page, &mut run, &url, BANNER_REJECT, Phase::Rejected),
        StateKind::Accept => choose(&mut page, &mut run, &url, BANNER_ACCEPT, Phase::Accepted),
        StateKind::Withdraw => withdraw(&mut page, &mut run, &url),
    };
    if let Err(e) = outcome {
        run.error = Some(e.to_string());
    }
    run.observed = page.finish();
    run
}

impl StateRun {
    fn snapshot(&mut self, page: &Page, label: &'static str, phase: Phase) -> cdp::Result<()> {
        let banner_shown = page.eval::<bool>(ASKS).unwrap_or(false);
        self.snapshots.push(Snapshot {
            label,
            phase,
            cookies: page.cookies()?,
            local_storage: page.storage_keys(true)?,
            session_storage: page.storage_keys(false)?,
            banner_shown,
        });
        Ok(())
    }

    fn storage_key(&self) -> String {
        self.info
            .as_ref()
            .and_then(|i| i.config.as_ref())
            .map_or_else(|| "samtykke".to_owned(), |c| c.storage_key.clone())
    }
}

/// Loads `url` as a new visitor would and waits for the widget to start. On a live site, a
/// page without the widget is not waited for; true if the page has the widget.
fn arrive(page: &mut Page, run: &mut StateRun, url: &str, live: bool) -> cdp::Result<bool> {
    page.set_phase(Phase::NoChoice);
    page.goto(url)?;
    if live {
        // A page that sends the visitor to another host is not this site's to audit.
        let here = page.location()?;
        let host = crate::observe::host_of(url);
        if crate::observe::host_of(&here) != host {
            return Err(cdp::CdpError(format!(
                "{url} redirected off {host} to {}; not audited",
                clip(&here)
            )));
        }
    }
    let widget = !live || page.eval::<bool>(HAS_WIDGET)?;
    if widget {
        page.wait_for(WIDGET_READY, page.timing().page_timeout)?;
    }
    page.settle();
    if run.info.is_none() {
        run.info = Some(page_info(page)?);
    }
    Ok(widget)
}

fn page_info(page: &Page) -> cdp::Result<PageInfo> {
    let raw: RawInfo = page.eval(PAGE_INFO)?;
    let (config, config_problem) = match raw.config {
        None => (
            None,
            Some("the page has no <script id=\"samtykke-config\">".to_owned()),
        ),
        // Read as the widget reads it: a configuration it refuses leaves the page fail-closed,
        // which the site's owner needs to hear about even if nothing else goes wrong.
        Some(text) => match WidgetConfig::from_json(&text) {
            Ok(config) => (Some(config), None),
            Err(e) => (
                serde_json::from_str::<WidgetConfig>(&text).ok(),
                Some(format!(
                    "the widget refuses the embedded configuration ({e:?}), so nothing optional can run"
                )),
            ),
        },
    };
    Ok(PageInfo {
        config,
        config_problem,
        gated: raw
            .gated
            .into_iter()
            .map(|g| Gated {
                category: clip(&g.category),
                src: clip(&g.src),
            })
            .collect(),
        links: raw.links,
        status: raw.status,
    })
}

/// A first visit: what exists before any choice, then the banner's checks, then what exists
/// after them (Tab, Escape and the preferences must not have created consent).
fn fresh(page: &mut Page, run: &mut StateRun, url: &str, axe: &str, live: bool) -> cdp::Result<()> {
    let widget = arrive(page, run, url, live)?;
    run.snapshot(page, "on arrival", Phase::NoChoice)?;
    if !widget {
        // Not a fault of the page: a page Samtykke did not build has no configuration to read.
        if let Some(info) = run.info.as_mut() {
            info.config_problem = None;
        }
        run.note(NO_CONSENT_MECHANISM);
        page.settle();
        run.snapshot(page, "after settling", Phase::NoChoice)?;
        return Ok(());
    }
    let key = run.storage_key();
    banner::check(page, run, axe, &key)?;
    page.settle();
    run.snapshot(page, "after the banner checks", Phase::NoChoice)?;
    Ok(())
}

/// Clicks `button` in the banner, then loads the page again: the choice must hold.
fn choose(
    page: &mut Page,
    run: &mut StateRun,
    url: &str,
    button: &str,
    phase: Phase,
) -> cdp::Result<()> {
    arrive(page, run, url, false)?;
    if !click_choice(page, run, button, phase)? {
        return Ok(());
    }
    run.snapshot(page, "after the choice", phase)?;
    page.reload()?;
    page.wait_for(WIDGET_READY, page.timing().page_timeout)?;
    page.settle();
    run.snapshot(page, "next page load", phase)?;
    if run.snapshots.last().is_some_and(|s| s.banner_shown) {
        run.finding(
            Rule::ChoiceNotRemembered,
            "banner",
            "the banner asked again on the next page load after the visitor had chosen",
        );
    } else {
        run.note("the banner stayed away on the next page load (C-15)");
    }
    Ok(())
}

/// Clicks a first-layer choice and waits for it to take effect. False if the button is missing
/// (the fresh state reports that).
fn click_choice(
    page: &mut Page,
    run: &mut StateRun,
    button: &str,
    phase: Phase,
) -> cdp::Result<bool> {
    page.set_phase(phase);
    if !page.click(button)? {
        return Ok(false);
    }
    page.wait_for(&format!("!{ASKS}"), page.timing().page_timeout)?;
    page.settle();
    let key = run.storage_key();
    if let Some(record) = page.local_value(&key)? {
        run.note(format!(
            "consent record stored under `{key}`: {}",
            clip(&record)
        ));
    } else {
        let what = if button == BANNER_ACCEPT {
            "accept all"
        } else {
            "reject all"
        };
        run.finding(
            Rule::WidgetInactive,
            "consent record",
            format!("after “{what}” no consent record was stored under localStorage `{key}`: the widget did not act on the choice"),
        );
    }
    Ok(true)
}

/// Accept all, come back, open the preferences through the footer control, untick everything
/// and save: every consent-requiring cookie must go, at once and on the next load.
fn withdraw(page: &mut Page, run: &mut StateRun, url: &str) -> cdp::Result<()> {
    arrive(page, run, url, false)?;
    if !click_choice(page, run, BANNER_ACCEPT, Phase::Accepted)? {
        return Ok(());
    }
    page.reload()?;
    page.wait_for(WIDGET_READY, page.timing().page_timeout)?;
    page.settle();
    run.snapshot(page, "after accept all, next page load", Phase::Accepted)?;

    if !page.click(FOOTER_SETTINGS)? {
        run.finding(
            Rule::SettingsControlMissing,
            FOOTER_SETTINGS,
            "no visible cookie settings control in the footer to withdraw consent with",
        );
        return Ok(());
    }
    if !page.wait_for(PREFERENCES_OPEN, page.timing().page_timeout)? {
        run.finding(
            Rule::PreferencesDidNotOpen,
            "footer control",
            "the footer's cookie settings control did not open #sk-preferences",
        );
        return Ok(());
    }
    // Untick every granted category, one click each, as a visitor would.
    const CHECKED: &str = "#sk-preferences input[data-sk-category]:checked";
    for _ in 0..64 {
        let before: u64 = page.eval(&format!("document.querySelectorAll('{CHECKED}').length"))?;
        if !page.click(CHECKED)? {
            break;
        }
        // The next click only once this one took, so none lands on a box mid-change.
        page.wait_for(
            &format!("document.querySelectorAll('{CHECKED}').length < {before}"),
            page.timing().page_timeout,
        )?;
    }
    page.set_phase(Phase::Withdrawn);
    let saved = page.click("#sk-preferences [data-sk=\"save\"]")?
        || page.click("#sk-preferences [data-sk=\"reject-all\"]")?;
    if !saved {
        run.finding(
            Rule::PreferencesDidNotOpen,
            "save",
            "the preferences have neither a save nor a reject-all button",
        );
        return Ok(());
    }
    page.wait_for(&format!("!{PREFERENCES_OPEN}"), page.timing().page_timeout)?;
    page.settle();
    let key = run.storage_key();
    if let Some(record) = page.local_value(&key)? {
        run.note(format!(
            "after withdrawal, the record under `{key}`: {}",
            clip(&record)
        ));
    }
    run.snapshot(page, "right after withdrawal", Phase::Withdrawn)?;
    page.reload()?;
    page.wait_for(WIDGET_READY, page.timing().page_timeout)?;
    page.settle();
    run.snapshot(page, "next page load", Phase::Withdrawn)?;
    Ok(())
}
