//! The first layer and the preferences, checked in the browser (compliance.md C-7, C-8, C-16,
//! C-19, C-23): both choice buttons, of the same computed size; reject reachable by Tab; the
//! preferences open, take focus, close on Escape without consent and give focus back; both
//! buttons visible at 320 px with no horizontal scroll; axe-core finds nothing.

use crate::cdp::{self, Page};
use crate::model::{clip, Rule, StateRun, BANNER_REJECT, FOOTER_SETTINGS};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Button {
    tag: String,
    shown: bool,
    width: f64,
    height: f64,
    font: String,
    in_view: bool,
    on_top: bool,
}

#[derive(Debug, Deserialize)]
struct Facts {
    banner: bool,
    shown: bool,
    accept: Option<Button>,
    reject: Option<Button>,
    footer: bool,
    focus: String,
    scroll_width: f64,
    client_width: f64,
}

const FACTS: &str = "(() => { \
  const b = document.getElementById('sk-banner'); \
  const shown = (e) => { if (!e) return false; const s = getComputedStyle(e), r = e.getBoundingClientRect(); \
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; }; \
  const button = (action) => { const e = b && b.querySelector('[data-sk=\"' + action + '\"]'); if (!e) return null; \
    const s = getComputedStyle(e), r = e.getBoundingClientRect(); \
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
    return { tag: e.tagName.toLowerCase(), shown: shown(e), width: r.width, height: r.height, \
      font: s.fontFamily + ' ' + s.fontSize + ' ' + s.fontWeight, \
      in_view: r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5, \
      on_top: !!hit && (hit === e || e.contains(hit)) }; }; \
  const a = document.activeElement; \
  return { banner: !!b, shown: shown(b), accept: button('accept-all'), reject: button('reject-all'), \
    footer: !!document.querySelector('footer button[data-sk=\"preferences\"]'), \
    focus: a && b && b.contains(a) && a.dataset && a.dataset.sk ? String(a.dataset.sk) : '', \
    scroll_width: document.documentElement.scrollWidth, client_width: document.documentElement.clientWidth }; })()";

const NEXT_FRAMES: &str =
    "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))";
const ON_REJECT: &str = "(() => { const a = document.activeElement; \
  return !!a && !!a.closest && !!a.closest('#sk-banner') && a.getAttribute('data-sk') === 'reject-all'; })()";
const PREFERENCES_OPEN: &str = "(() => { const d = document.getElementById('sk-preferences'); return !!d && d.open === true; })()";
const FOCUS_IN_PREFERENCES: &str = "(() => { const d = document.getElementById('sk-preferences'); \
  return !!d && !!document.activeElement && d.contains(document.activeElement); })()";
const FOCUS_ON_OPENER: &str =
    "document.activeElement === document.querySelector('#sk-banner [data-sk=\"preferences\"]') \
  || document.activeElement === document.querySelector('footer button[data-sk=\"preferences\"]')";
const BANNER_PREFERENCES: &str = "#sk-banner [data-sk=\"preferences\"]";

/// Runs every banner check on a first visit. `key` is the consent record's localStorage key.
pub fn check(page: &mut Page, run: &mut StateRun, axe: &str, key: &str) -> cdp::Result<()> {
    let facts: Facts = page.eval(FACTS)?;
    if !facts.footer {
        run.finding(
            Rule::SettingsControlMissing,
            FOOTER_SETTINGS,
            "no cookie settings button in the page's footer (C-16)",
        );
    }
    if !facts.banner || !facts.shown {
        let detail = if facts.banner {
            "#sk-banner is not shown on a first visit with no choice"
        } else {
            "the page has no #sk-banner"
        };
        run.finding(Rule::BannerMissing, "#sk-banner", detail);
        return Ok(());
    }
    buttons(run, &facts, "");
    if let (Some(a), Some(r)) = (&facts.accept, &facts.reject) {
        run.note(format!(
            "at 1280 px: accept {:.1}×{:.1} px, reject {:.1}×{:.1} px, both <{}>/<{}> ({})",
            a.width,
            a.height,
            r.width,
            r.height,
            clip(&a.tag),
            clip(&r.tag),
            clip(&a.font)
        ));
    }
    if matches!(facts.focus.as_str(), "accept-all" | "reject-all") {
        run.finding(
            Rule::InitialFocusOnChoice,
            facts.focus.clone(),
            "the initial focus lands on a choice button (C-8)",
        );
    }

    axe_check(page, run, axe, "#sk-banner", "banner")?;
    if facts.reject.is_some() {
        tab_to_reject(page, run)?;
    }
    narrow(page, run)?;
    preferences(page, run, axe, key)?;
    Ok(())
}

/// Both buttons exist, are `<button>`s, are shown, and measure and look the same.
fn buttons(run: &mut StateRun, facts: &Facts, at: &str) {
    for (action, button) in [("accept-all", &facts.accept), ("reject-all", &facts.reject)] {
        match button {
            None => run.finding(
                Rule::BannerButtonMissing,
                action,
                format!("the banner has no [data-sk=\"{action}\"] control{at} (C-7)"),
            ),
            Some(b) if b.tag != "button" => run.finding(
                Rule::BannerButtonMissing,
                action,
                format!(
                    "[data-sk=\"{action}\"] is a <{}>, not a <button> (C-7)",
                    clip(&b.tag)
                ),
            ),
            Some(b) if !b.shown => run.finding(
                Rule::BannerButtonMissing,
                action,
                format!("[data-sk=\"{action}\"] is not visible{at} (C-7)"),
            ),
            Some(_) => {}
        }
    }
    if let (Some(a), Some(r)) = (&facts.accept, &facts.reject) {
        let same_box = (a.width - r.width).abs() <= 0.5 && (a.height - r.height).abs() <= 0.5;
        if !same_box || a.font != r.font {
            run.finding(
                Rule::BannerButtonsUnequal,
                "accept-all / reject-all",
                clip(&format!(
                    "accept {:.1}×{:.1} px ({}), reject {:.1}×{:.1} px ({}){at} (C-8)",
                    a.width, a.height, a.font, r.width, r.height, r.font
                )),
            );
        }
    }
}

/// Keyboard only: from the top of the page, Tab must reach "reject all" (C-19).
fn tab_to_reject(page: &Page, run: &mut StateRun) -> cdp::Result<()> {
    page.eval::<bool>("(document.activeElement && document.activeElement.blur && document.activeElement.blur(), true)")?;
    for presses in 1..=40 {
        page.press("Tab")?;
        if page.eval::<bool>(ON_REJECT)? {
            run.note(format!(
                "Tab reached “reject all” after {presses} presses from the top of the page"
            ));
            return Ok(());
        }
    }
    run.finding(
        Rule::RejectNotReachableByTab,
        BANNER_REJECT,
        "40 presses of Tab from the top of the page never focused “reject all” (C-19)",
    );
    Ok(())
}

/// At 320 × 640 CSS px: no horizontal scroll, both buttons entirely in view and not covered.
fn narrow(page: &Page, run: &mut StateRun) -> cdp::Result<()> {
    page.viewport(320, 640)?;
    let facts = page
        .eval::<bool>(NEXT_FRAMES)
        .and_then(|_| page.eval::<Facts>(FACTS));
    page.viewport(cdp::DESKTOP.0, cdp::DESKTOP.1)?;
    let facts = facts?;
    if facts.scroll_width > facts.client_width + 0.5 {
        run.finding(
            Rule::Banner320px,
            "horizontal scroll",
            format!(
                "at 320 px the page is {} px wide and scrolls sideways (C-23)",
                facts.scroll_width
            ),
        );
    }
    for (action, button) in [("accept-all", &facts.accept), ("reject-all", &facts.reject)] {
        if let Some(b) = button {
            if !(b.shown && b.in_view && b.on_top) {
                let why = if !b.shown {
                    "hidden"
                } else if !b.in_view {
                    "not entirely inside the viewport"
                } else {
                    "covered by another element"
                };
                run.finding(
                    Rule::Banner320px,
                    action,
                    format!("at 320 × 640 px “{action}” is {why} (C-23)"),
                );
            }
        }
    }
    if let (Some(a), Some(r)) = (&facts.accept, &facts.reject) {
        run.note(format!(
            "at 320 × 640 px: page {} px wide; accept {:.1}×{:.1} px, reject {:.1}×{:.1} px, in view: {}/{}",
            facts.scroll_width, a.width, a.height, r.width, r.height, a.in_view && a.on_top, r.in_view && r.on_top
        ));
    }
    if facts.accept.is_some() && facts.reject.is_some() {
        let before = run.findings.len();
        buttons(run, &facts, " at 320 px");
        // Missing buttons were reported at full width already; keep only the size comparison.
        let narrow = run.findings.split_off(before);
        run.findings.extend(
            narrow
                .into_iter()
                .filter(|f| f.rule != Rule::BannerButtonMissing),
        );
    }
    Ok(())
}

/// Opens the preferences from the banner (or the footer), checks focus and axe-core, then
/// presses Escape: the dialog must close, give focus back and store no consent (C-5, C-19).
fn preferences(page: &mut Page, run: &mut StateRun, axe: &str, key: &str) -> cdp::Result<()> {
    let opener = if page.click(BANNER_PREFERENCES)? {
        "the banner's preferences button"
    } else if page.click(FOOTER_SETTINGS)? {
        "the footer's cookie settings control"
    } else {
        return Ok(());
    };
    if !page.wait_for(PREFERENCES_OPEN, page.timing().page_timeout)? {
        run.finding(
            Rule::PreferencesDidNotOpen,
            opener,
            format!("{opener} did not open the <dialog id=\"sk-preferences\">"),
        );
        return Ok(());
    }
    if !page.eval::<bool>(FOCUS_IN_PREFERENCES)? {
        run.finding(
            Rule::PreferencesFocus,
            "#sk-preferences",
            "focus did not move into the preferences when they opened (C-19)",
        );
    }
    axe_check(page, run, axe, "#sk-preferences", "preferences")?;
    page.press("Escape")?;
    if !page.wait_for(&format!("!{PREFERENCES_OPEN}"), page.timing().page_timeout)? {
        run.finding(
            Rule::EscapeDoesNotClose,
            "#sk-preferences",
            "Escape did not close the preferences (C-19)",
        );
        return Ok(());
    }
    if !page.wait_for(FOCUS_ON_OPENER, page.timing().settle)? {
        run.finding(
            Rule::PreferencesFocus,
            "#sk-preferences",
            "focus did not go back to the control that opened the preferences (C-19)",
        );
    }
    if page.local_value(key)?.is_some() {
        run.finding(
            Rule::EscapeConsents,
            key,
            format!(
                "closing the preferences with Escape stored a consent record under `{key}` (C-5)"
            ),
        );
    } else {
        run.note(format!(
            "{opener} opened the preferences; Escape closed them and stored nothing"
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct AxeViolation {
    id: String,
    #[serde(default)]
    impact: Option<String>,
    #[serde(default)]
    help: String,
    #[serde(default)]
    nodes: Vec<String>,
}

/// axe-core on `selector` only; every violation is one finding.
fn axe_check(
    page: &Page,
    run: &mut StateRun,
    axe: &str,
    selector: &str,
    what: &str,
) -> cdp::Result<()> {
    if !page
        .eval::<bool>("typeof window.axe === 'object' && typeof window.axe.run === 'function'")?
    {
        page.inject(axe)?;
    }
    let selector_js = serde_json::to_string(selector).map_err(|e| cdp::CdpError(e.to_string()))?;
    let found: Vec<AxeViolation> = page.eval(&format!(
        "axe.run({{ include: [[{selector_js}]] }}, {{ resultTypes: ['violations'] }}).then((r) => r.violations.map((v) => ({{ \
           id: v.id, impact: v.impact || null, help: v.help, \
           nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }})))"
    ))?;
    if found.is_empty() {
        run.note(format!("axe-core: no violations in the {what}"));
    }
    for v in found {
        let impact = v
            .impact
            .as_deref()
            .map(|i| format!(" [{}]", clip(i)))
            .unwrap_or_default();
        run.finding(
            Rule::Axe,
            format!("{} ({what})", clip(&v.id)),
            clip(&format!("{}{impact}: {}", v.help, v.nodes.join(", "))),
        );
    }
    Ok(())
}
