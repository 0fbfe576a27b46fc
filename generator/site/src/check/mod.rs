//! `samtykke check`: validates the site as `build` does, renders it in memory, writes nothing,
//! and reports what the policy and the inventory still lack against compliance.md:
//! the inventory rules C-1 to C-3 ([`inventory`]), the policy's contents C-25 to C-33
//! ([`policy`]), internal links and anchors ([`links`]), placeholders left in the text, and
//! every text that falls back to the default language ([`translations`]).
//!
//! The policy rules are heuristics over the Norwegian text, each spelled out in [`policy`]: they
//! find a missing section, not a wrong one. A finding says what it looked for, so an editor can
//! tell a real gap from wording the check does not know.

pub mod finding;
mod inventory;
mod links;
mod policy;
mod services;
mod text;
mod translations;

use crate::build::{self, Error};
use crate::model::{Page, Site};
use crate::render::{self, Options};
pub use finding::Finding;
use std::collections::BTreeMap;
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
    "C-34",
    "service",
    "link",
    "placeholder",
    "translation",
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
pub fn check(root: &Path) -> Result<Report, Error> {
    let (site, rendered) = build::render_site(root, &Options::default())?;
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
    services::check(&cx, &mut findings);
    policy::check(&cx, &mut findings);
    links::check(&cx, &mut findings);
    placeholders(&cx, &mut findings);
    translations::check(&cx, &mut findings);
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
        let mut found: Vec<usize> = text::PLACEHOLDERS
            .iter()
            .flat_map(|p| text.match_indices(p).map(|(at, _)| at))
            .collect();
        found.sort_unstable();
        for at in found {
            let covered = findings.iter().any(|f| {
                f.diagnostic.source.path == source.path
                    && f.diagnostic.span.as_ref().is_some_and(|s| s.contains(&at))
            });
            if covered {
                continue;
            }
            // To the end of the line, or of the TOML string it is in: one line may hold a
            // placeholder per language (`{ nb = "MANGLER: …", en = "MISSING: …" }`).
            let line_end = text[at..].find(['\n', '"']).map_or(text.len(), |n| at + n);
            let end = at
                + text[at..line_end]
                    .trim_end_matches(['"', '}', ' ', '\r'])
                    .len();
            findings.push(
                Finding::new("placeholder", source, Some(at..end), "a placeholder is left in the text")
                    .label("fill this in")
                    .why("the text is not finished: each «MANGLER:» (nn «MANGLAR:», en «MISSING:») marks something the reader must be told")
                    .help("write the missing text in place of the placeholder, then run check again"),
            );
        }
    }
}
