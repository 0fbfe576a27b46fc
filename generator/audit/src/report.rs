//! The audit's result: the rules, the violations, what each state held, and three renderings
//! of it: a table for the terminal, a self-contained HTML page and JSON.

use crate::model::{phase_text, Lifetime, Report, Rule, SightingKind, StateKind, StateReport};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

impl Report {
    /// The rules of `violations`, each once, in a stable order.
    pub fn rules_violated(&self) -> Vec<Rule> {
        let mut rules: Vec<Rule> = self.violations.iter().map(|v| v.rule).collect();
        rules.sort();
        rules.dedup();
        rules
    }

    /// Writes `audit.json` and `audit.html` into `dir` and returns their paths.
    pub fn write(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let json = dir.join("audit.json");
        let html = dir.join("audit.html");
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&json, text + "\n")?;
        std::fs::write(&html, self.html())?;
        Ok((json, html))
    }

    /// The terminal table: one row per page and state, then the violations.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let states: usize = self.pages.iter().map(|p| p.states.len()).sum();
        self.heading(&mut out, states);
        self.states_table(&mut out);
        out.push('\n');
        self.seen_table(&mut out);
        self.remarks(&mut out);
        self.verdict(&mut out, states);
        out
    }

    /// The first line: what was audited, with what, and how long it took.
    fn heading(&self, out: &mut String, states: usize) {
        let _ = writeln!(
            out,
            "samtykke audit of {}{}: {} pages, {states} states, {}, axe-core {}, {:.1} s\n",
            self.target,
            self.directory
                .as_ref()
                .map(|d| format!(" ({})", d.display()))
                .unwrap_or_default(),
            self.pages.len(),
            self.browser,
            self.axe_core,
            self.duration_ms as f64 / 1000.0
        );
    }

    /// One row per page and state: what it held at its end and how many violations it added.
    fn states_table(&self, out: &mut String) {
        let mut rows = vec![[
            "page".to_owned(),
            "state".to_owned(),
            "cookies".to_owned(),
            "storage keys".to_owned(),
            "third-party requests".to_owned(),
            "violations".to_owned(),
        ]];
        for page in &self.pages {
            for state in &page.states {
                rows.push(state_row(&page.path, state));
            }
        }
        table(out, &rows);
    }

    /// The notes, the inventory's entries never seen and its warnings, then why the audit is
    /// incomplete, if it is.
    fn remarks(&self, out: &mut String) {
        for note in &self.notes {
            let _ = writeln!(out, "NOTE: {note}");
        }
        for info in &self.never_seen {
            let _ = writeln!(out, "INFO: {info}");
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "WARNING: {warning}");
        }
        if !(self.notes.is_empty() && self.never_seen.is_empty() && self.warnings.is_empty()) {
            out.push('\n');
        }
        for why in &self.incomplete {
            let _ = writeln!(out, "INCOMPLETE: {why}");
        }
    }

    /// PASS, INCOMPLETE, or the violations and FAIL. An audit that stopped early never says
    /// PASS: no violations in part of a site says nothing about the rest.
    fn verdict(&self, out: &mut String, states: usize) {
        if self.violations.is_empty() && self.incomplete.is_empty() {
            let _ = writeln!(
                out,
                "PASS: no violations in {} pages, {states} states",
                self.pages.len()
            );
            return;
        }
        if self.violations.is_empty() {
            let _ = writeln!(
                out,
                "INCOMPLETE: no violations in the part that was audited"
            );
            return;
        }
        let mut rows = vec![[
            "rule".to_owned(),
            "page".to_owned(),
            "state".to_owned(),
            "subject".to_owned(),
            "detail".to_owned(),
        ]];
        for v in &self.violations {
            rows.push([
                v.rule.id().to_owned(),
                v.page.clone(),
                v.state.map_or("-", StateKind::label).to_owned(),
                cut(&v.subject, 40),
                cut(&v.detail, 110),
            ]);
        }
        table(out, &rows);
        let rules: Vec<&str> = self.rules_violated().into_iter().map(Rule::id).collect();
        let _ = writeln!(
            out,
            "\nFAIL: {} violation{} ({})",
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" },
            rules.join(", ")
        );
    }

    /// Every cookie, storage key and third-party host seen, once each: where it first
    /// appeared (page, consent state), how, and whether the inventory declares it.
    fn seen_table(&self, out: &mut String) {
        if self.sightings.is_empty() {
            return;
        }
        let mut rows = vec![[
            "seen".to_owned(),
            "name".to_owned(),
            "first on".to_owned(),
            "how".to_owned(),
            "lifetime".to_owned(),
            "inventory".to_owned(),
        ]];
        let mut shown: Vec<(SightingKind, &str)> = Vec::new();
        for s in &self.sightings {
            if shown.contains(&(s.kind, s.name.as_str())) {
                continue;
            }
            shown.push((s.kind, &s.name));
            // The first of this name in the earliest phase, and on how many pages.
            let first = self
                .sightings
                .iter()
                .filter(|o| o.kind == s.kind && o.name == s.name)
                .min_by_key(|o| (o.phase as u8, o.page.clone()))
                .unwrap_or(s);
            let pages = self
                .sightings
                .iter()
                .filter(|o| o.kind == s.kind && o.name == s.name)
                .count();
            let lifetime = match first.lifetime {
                Some(Lifetime::Session) => "session".to_owned(),
                Some(l) => crate::inventory::lifetime_text(l),
                None => "-".to_owned(),
            };
            rows.push([
                s.kind.label().to_owned(),
                format!(
                    "{}{}",
                    first.name,
                    if first.http_only { " (HttpOnly)" } else { "" }
                ),
                format!(
                    "{} {}{}",
                    first.page,
                    phase_text(first.phase),
                    if pages > 1 {
                        format!(" (+{} pages)", pages - 1)
                    } else {
                        String::new()
                    }
                ),
                cut(&first.how, 60),
                lifetime,
                if first.declared {
                    "declared"
                } else {
                    "UNDECLARED"
                }
                .to_owned(),
            ]);
        }
        table(out, &rows);
        out.push('\n');
    }

    /// A self-contained page (`templates/report.html`): inline style, no script, everything
    /// from the page escaped by the template engine.
    pub fn html(&self) -> String {
        let mut tera = tera::Tera::default();
        tera.set_escape_fn(escape_html);
        let rendered = tera
            .add_raw_template("report.html", TEMPLATE)
            .and_then(|()| tera::Context::from_serialize(self.html_view()))
            .and_then(|context| tera.render("report.html", &context));
        rendered.unwrap_or_else(|e| {
            // The template is part of the binary and covered by tests; this is a bug report.
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                why.push_str(": ");
                why.push_str(&inner.to_string());
                source = inner.source();
            }
            format!(
                "<!DOCTYPE html>\n<title>samtykke audit</title>\n<p>The report page could not be rendered: {}</p>\n",
                escape_html(&why)
            )
        })
    }

    /// What the HTML template shows, with every label and number already worked out.
    fn html_view(&self) -> serde_json::Value {
        use serde_json::json;
        let violations: Vec<_> = self
            .violations
            .iter()
            .map(|v| {
                json!({
                    "id": v.rule.id(), "source": v.rule.source(), "page": v.page,
                    "state": v.state.map_or("-", StateKind::label),
                    "subject": v.subject, "detail": v.detail,
                })
            })
            .collect();
        let rules: Vec<_> = self
            .rules
            .iter()
            .map(|r| json!({ "id": r.rule.id(), "source": r.source, "title": r.title, "violations": r.violations }))
            .collect();
        let pages: Vec<_> = self
            .pages
            .iter()
            .map(|page| json!({ "path": page.path, "states": page.states.iter().map(state_view).collect::<Vec<_>>() }))
            .collect();
        json!({
            "target": self.target,
            "directory": self.directory.as_ref().map(|d| d.display().to_string()),
            "browser": self.browser,
            "axe_core": self.axe_core,
            "seconds": format!("{:.1}", self.duration_ms as f64 / 1000.0),
            "page_count": self.pages.len(),
            "passed": self.passed,
            "violation_count": self.violations.len(),
            "incomplete": self.incomplete,
            "notes": self.notes,
            "warnings": self.warnings,
            "never_seen": self.never_seen,
            "sightings": self.sightings.iter().map(|s| json!({
                "kind": s.kind.label(), "name": s.name, "page": s.page, "phase": phase_text(s.phase),
                "how": s.how, "http_only": s.http_only, "declared": s.declared,
            })).collect::<Vec<_>>(),
            "violations": violations,
            "rules": rules,
            "pages": pages,
        })
    }
}

/// One state of a page, for the HTML template.
fn state_view(state: &StateReport) -> serde_json::Value {
    use serde_json::json;
    let snapshots: Vec<_> = state
        .snapshots
        .iter()
        .map(|s| {
            let cookies: Vec<_> = s
                .cookies
                .iter()
                .map(|c| json!({ "name": c.name, "domain": c.domain, "path": c.path, "http_only": c.http_only }))
                .collect();
            json!({
                "label": s.label, "cookies": cookies, "local_storage": s.local_storage,
                "session_storage": s.session_storage, "banner_shown": s.banner_shown,
            })
        })
        .collect();
    let requests: Vec<_> = state
        .requests
        .iter()
        .map(|r| json!({ "url": r.url, "phase": phase_text(r.phase), "blocked": r.blocked }))
        .collect();
    json!({
        "label": state.state.label(),
        "violations": state.violations,
        "error": state.error,
        "notes": state.notes,
        "snapshots": snapshots,
        "requests": requests,
    })
}

/// The report page's template; Tera escapes every value put into it.
const TEMPLATE: &str = include_str!("../templates/report.html");

/// Text as HTML text or attribute value: `&`, `<`, `>` and both quotes.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `a, b, c` or `-`.
fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = items.collect();
    if list.is_empty() {
        "-".to_owned()
    } else {
        cut(&list.join(", "), 60)
    }
}

fn cut(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// The states table's row for one state of the page at `path`: the cookies and storage keys
/// of its last snapshot, the third-party hosts it requested, and its violations, marked when
/// the state was not checked or not completed.
fn state_row(path: &str, state: &StateReport) -> [String; 6] {
    let last = state.snapshots.last();
    let cookies = last.map_or_else(
        || "-".to_owned(),
        |s| names(s.cookies.iter().map(|c| c.name.as_str())),
    );
    let keys = last.map_or_else(
        || "-".to_owned(),
        |s| {
            names(
                s.local_storage
                    .iter()
                    .chain(&s.session_storage)
                    .map(String::as_str),
            )
        },
    );
    let mut hosts: Vec<String> = state
        .requests
        .iter()
        .map(|r| crate::observe::host_of(&r.origin))
        .collect();
    hosts.sort();
    hosts.dedup();
    [
        path.to_owned(),
        state.state.label().to_owned(),
        cookies,
        keys,
        names(hosts.iter().map(String::as_str)),
        if state.not_checked.is_some() {
            format!("{} (not checked)", state.violations)
        } else if state.error.is_some() {
            format!("{} (incomplete)", state.violations)
        } else {
            state.violations.to_string()
        },
    ]
}

/// Left-aligned columns, padded by character count.
fn table<const N: usize>(out: &mut String, rows: &[[String; N]]) {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (j, (cell, w)) in row.iter().zip(widths).enumerate() {
            if j + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (N - 1);
            out.push_str(&"-".repeat(total.min(160)));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Violation;

    fn report(violations: Vec<Violation>) -> Report {
        Report {
            tool: "samtykke audit",
            version: "0",
            target: "http://127.0.0.1:1".into(),
            directory: None,
            browser: "Chromium".into(),
            axe_core: "4".into(),
            duration_ms: 1234,
            passed: violations.is_empty(),
            incomplete: Vec::new(),
            rules: Vec::new(),
            violations,
            pages: Vec::new(),
            sightings: Vec::new(),
            never_seen: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert!(ids.iter().all(|id| id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
        assert_eq!(
            serde_json::to_string(&Rule::Banner320px).ok().as_deref(),
            Some("\"banner-320px\"")
        );
    }

    #[test]
    fn page_text_is_escaped_in_html() {
        let r = report(vec![Violation {
            page: "/".into(),
            state: Some(StateKind::Fresh),
            rule: Rule::ConsoleError,
            subject: "<script>alert(1)</script>".into(),
            detail: "a \"quoted\" & <b>".into(),
        }]);
        let html = r.html();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script"));
        assert!(r.table().contains("FAIL: 1 violation (console-error)"));
        assert!(
            html.contains("a &quot;quoted&quot; &amp; &lt;b&gt;"),
            "{html}"
        );
        assert!(html.contains("Failed: 1 violations"), "{html}");
    }

    #[test]
    fn a_clean_report_says_pass() {
        assert!(report(Vec::new()).table().contains("PASS"));
        let html = report(Vec::new()).html();
        assert!(
            html.contains("Passed: no violations") && html.contains("<dd>1.2 s</dd>"),
            "{html}"
        );
    }
}
