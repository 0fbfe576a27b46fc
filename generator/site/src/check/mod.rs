//! `samtykke check`: validates the site as `build` does, renders it in memory, writes nothing,
//! and reports what the policy and the inventory still lack against compliance.md:
//! the inventory rules C-1 to C-3 ([`inventory`]), the policy's contents C-25 to C-33
//! ([`policy`]), internal links and anchors ([`links`]), and placeholders left in the text.
//!
//! The policy rules are heuristics over the Norwegian text, each spelled out in [`policy`]: they
//! find a missing section, not a wrong one. A finding says what it looked for, so an editor can
//! tell a real gap from wording the check does not know.

pub mod finding;
mod inventory;
mod links;
mod policy;
mod text;

use crate::build::BuildError;
use crate::model::{Page, Site};
use crate::render::{self, Options};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
pub use finding::Finding;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use text::Doc;

/// What `check` found, in rule order.
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub pages: usize,
    pub entries: usize,
    /// site.toml's `[policy]` version and date, which the consent record refers to.
    pub version: String,
    pub date: String,
}

impl Report {
    /// The findings of one rule.
    pub fn of(&self, rule: &str) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.rule == rule).collect()
    }
}

/// The order findings are reported in.
const RULES: &[&str] = &[
    "C-1",
    "C-2",
    "C-3",
    "C-25",
    "C-26",
    "C-27",
    "C-28",
    "C-29",
    "C-30",
    "C-31",
    "C-32",
    "C-33",
    "link",
    "placeholder",
];

/// The site and what the rules read: each page's text, and its rendered HTML.
pub(crate) struct Cx<'a> {
    pub site: &'a Site,
    pub docs: Vec<Doc>,
    pub html: &'a BTreeMap<String, Vec<u8>>,
}

impl<'a> Cx<'a> {
    /// The page with `slug` in the default language, and its text.
    pub fn page(&self, slug: &str) -> Option<(&'a Page, &Doc)> {
        let default = self.site.default_language();
        self.site
            .pages
            .iter()
            .zip(&self.docs)
            .find(|(p, _)| p.file.slug == slug && p.lang == default)
    }

    pub fn policy(&self) -> Option<(&'a Page, &Doc)> {
        self.page(self.site.config.policy.page.get_ref())
    }

    /// The cookie page, when it is not the policy page itself.
    pub fn cookie_page(&self) -> Option<(&'a Page, &Doc)> {
        let policy = &self.site.config.policy;
        (policy.cookie_page.get_ref() != policy.page.get_ref())
            .then(|| self.page(policy.cookie_page.get_ref()))
            .flatten()
    }

    pub fn html_of(&self, page: &Page) -> String {
        self.html
            .get(&render::output_path(&page.url))
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }
}

/// Loads, validates and renders `root` in memory, then applies every rule.
pub fn check(root: &Path) -> Result<Report, BuildError> {
    let site = crate::model::load(root).map_err(BuildError::Content)?;
    let rendered = render::render(&site, &Options::default()).map_err(BuildError::Render)?;
    let docs = site
        .pages
        .iter()
        .map(|p| Doc::parse(p.file.body(), p.file.body_start))
        .collect();
    let cx = Cx {
        site: &site,
        docs,
        html: &rendered.files,
    };
    let mut findings = Vec::new();
    inventory::check(&cx, &mut findings);
    policy::check(&cx, &mut findings);
    links::check(&cx, &mut findings);
    placeholders(&cx, &mut findings);
    findings.sort_by_key(|f| {
        RULES
            .iter()
            .position(|r| *r == f.rule)
            .unwrap_or(RULES.len())
    });
    Ok(Report {
        findings,
        pages: site.pages.len(),
        entries: site.inventory.cookies.len(),
        version: site.config.policy.version.clone(),
        date: site.config.policy.date.to_string(),
    })
}

/// Every `MANGLER:` left in the editor's files that no other finding points at.
fn placeholders(cx: &Cx, findings: &mut Vec<Finding>) {
    let site = cx.site;
    let sources = [&site.config_source, &site.inventory_source]
        .into_iter()
        .chain(site.pages.iter().map(|p| &p.file.source));
    for source in sources {
        let text = &source.text;
        for (at, _) in text.match_indices(text::PLACEHOLDER) {
            let covered = findings.iter().any(|f| {
                f.diagnostic.source.path == source.path
                    && f.diagnostic.span.as_ref().is_some_and(|s| s.contains(&at))
            });
            if covered {
                continue;
            }
            let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
            let end = at
                + text[at..line_end]
                    .trim_end_matches(['"', '}', ' ', '\r'])
                    .len();
            findings.push(
                Finding::new("placeholder", source, Some(at..end), "a placeholder is left in the text")
                    .label("fill this in")
                    .why("the text is not finished: each «MANGLER:» marks something the reader must be told")
                    .help("write the missing text in place of the placeholder, then run check again"),
            );
        }
    }
}

/// The `check` command: the report on stderr, a summary line; exit 1 on errors, or on
/// warnings with `--strict`.
pub fn run(root: &Path, strict: bool) -> std::process::ExitCode {
    let choice = if std::io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut stderr = StandardStream::stderr(choice);
    match check(root) {
        Ok(report) => {
            let _ = write_report(&report, strict, &mut stderr);
            if strict && !report.findings.is_empty() {
                std::process::ExitCode::FAILURE
            } else {
                std::process::ExitCode::SUCCESS
            }
        }
        Err(BuildError::Content(diagnostics)) => {
            let _ = diagnostics.emit(&mut stderr);
            let n = diagnostics.len();
            eprintln!(
                "error: check failed: {n} error{} in content/; nothing was written",
                if n == 1 { "" } else { "s" }
            );
            std::process::ExitCode::FAILURE
        }
        Err(other) => {
            eprintln!("error: {other}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The findings, then one line per rule and a total.
pub fn write_report(
    report: &Report,
    strict: bool,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    for (i, finding) in report.findings.iter().enumerate() {
        let brief = i > 0 && finding.explained_like(&report.findings[i - 1]);
        finding.emit(out, strict, brief)?;
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for f in &report.findings {
        match counts.iter_mut().find(|(r, _)| *r == f.rule) {
            Some((_, n)) => *n += 1,
            None => counts.push((f.rule, 1)),
        }
    }
    let n = report.findings.len();
    writeln!(
        out,
        "note: policy version {} of {}: the consent record stores this version; raise it whenever the policy changes",
        report.version, report.date
    )?;
    let by_rule = counts
        .iter()
        .map(|(r, n)| format!("{r} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let word = if strict { "error" } else { "warning" };
    if n == 0 {
        writeln!(
            out,
            "check: no findings in {} pages and {}; nothing was written",
            report.pages,
            entries(report.entries)
        )
    } else {
        writeln!(
            out,
            "check: {n} {word}{} ({by_rule}) in {} pages and {}; nothing was written",
            if n == 1 { "" } else { "s" },
            report.pages,
            entries(report.entries)
        )
    }
}

fn entries(n: usize) -> String {
    format!("{n} inventory entr{}", if n == 1 { "y" } else { "ies" })
}
