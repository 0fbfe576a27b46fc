//! C-25 to C-33: what the privacy policy must tell (GDPR Art. 13), checked by heuristics over
//! the Norwegian text of the policy page and the cookie page, in the default language.
//!
//! Each rule looks for the words below, lower-cased, in paragraphs, headings, list items and
//! table rows. Text with a «MANGLER:» placeholder does not count. A *section* is a heading with
//! everything up to the next heading of the same or a higher level (its subsections included).
//!
//! | rule | found when |
//! |---|---|
//! | C-25 | the policy page has `{{ contact() }}`, or names the controller and its e-mail |
//! | C-26 | a purpose word ([`PURPOSE`]), and a legal-basis word ([`LEGAL_BASIS`]) |
//! | C-27 | a recipient word ([`RECIPIENTS`]); every provider in cookies.toml other than the controller is named |
//! | C-28 | only if a service in cookies.toml has `transfer`: a transfer word ([`TRANSFER`]) with a place ([`THIRD_COUNTRY`]), and a safeguard ([`SAFEGUARD`]); a `transfer` text with «MANGLER:» is a finding |
//! | C-29 | every section under a heading that says data is stored ([`DESCRIBES_DATA`]) also says for how long ([`RETENTION`]); every cookie's lifetime is stated (not [`LIFETIME_UNKNOWN`]); the cookies are listed or linked |
//! | C-30 | each right ([`RIGHTS`], [`OBJECTION`]) in a section with a rights word ([`RIGHTS_MARKER`]); the objection in a block of its own; a way to use them ([`HOW_TO_USE`]) |
//! | C-31 | only if a category needs consent: a withdrawal word ([`WITHDRAW`]), and `{{ consent_settings() }}` on the policy page or on the cookie page it links to |
//! | C-32 | "datatilsynet" and "klag" in one section |
//! | C-33 | a version and a date, shown on the rendered policy page; the cookie tables come from the inventory (shortcodes, no table written by hand) |

use super::finding::Finding;
use super::text::{any, Doc};
use super::Cx;
use crate::diagnostics::Source;
use crate::model::Page;

pub const PURPOSE: &[&str] = &[
    "formål",
    "brukes til",
    "benyttes til",
    "benyttet til",
    "brukes informasjonen til",
    "bruker vi",
];
pub const LEGAL_BASIS: &[&str] = &[
    "behandlingsgrunnlag",
    "rettslig grunnlag",
    "rettsgrunnlag",
    "lovlig grunnlag",
    "grunnlag for behandlingen",
    "grunnlaget for behandlingen",
    "artikkel 6",
    "art. 6",
];
pub const RECIPIENTS: &[&str] = &["mottaker", "databehandler"];
pub const TRANSFER: &[&str] = &["overføring", "overføres", "overfører", "overført"];
pub const THIRD_COUNTRY: &[&str] = &["usa", "eøs", "tredjeland", "utenfor eu"];
pub const SAFEGUARD: &[&str] = &[
    "standardkontraktsklausul",
    "standard contractual clauses",
    "data privacy framework",
    "adekvansbeslutning",
    "tilstrekkelig beskyttelsesnivå",
    "bindende virksomhetsregler",
];
pub const DESCRIBES_DATA: &[&str] = &[
    "lagrer vi",
    "vi lagrer",
    "samler vi inn",
    "vi samler inn",
    "samles inn",
    "registrerer vi",
    "vi registrerer",
    "blir lagret",
    "lagres",
];
pub const RETENTION: &[&str] = &["lagringstid", "slett", "oppbevar", "så lenge", "hvor lenge"];
pub const LIFETIME_UNKNOWN: &[&str] = &["ikke oppgitt", "uoppgitt", "ukjent", "mangler"];
pub const RIGHTS_MARKER: &[&str] = &[
    "rett til",
    "rettighet",
    "krav på",
    "kan kreve",
    "kan be om",
    "har rett",
];
/// The rights of Art. 13(2)(b) but objection: name, article, words.
pub const RIGHTS: &[(&str, &str, &[&str])] = &[
    ("innsyn", "Art. 15", &["innsyn"]),
    (
        "retting",
        "Art. 16",
        &["retting", "rette opp", "korrigere", "korrigering"],
    ),
    (
        "sletting",
        "Art. 17",
        &["sletting", "slette", "slettet", "bli glemt"],
    ),
    ("begrensning av behandlingen", "Art. 18", &["begrens"]),
    (
        "dataportabilitet",
        "Art. 20",
        &["portabilitet", "flytte opplysning", "overføre opplysning"],
    ),
];
pub const OBJECTION: &[&str] = &["protest", "innsigelse", "motsette"];
pub const HOW_TO_USE: &[&str] = &["kontakt", "e-post", "epost", "skriv til", "send", "@"];
pub const WITHDRAW: &[&str] = &[
    "trekke tilbake",
    "trekke samtykke",
    "trekke ditt samtykke",
    "trekke samtykket",
    "tilbakekall",
];
pub const COMPLAINT: &[&str] = &["klag"];

/// The policy's text: the policy page, and the cookie page when it is another page.
struct Policy<'a> {
    page: &'a Page,
    doc: &'a Doc,
    cookies: Option<(&'a Page, &'a Doc)>,
    /// Lower-cased text of both, placeholders left out.
    text: String,
}

impl Policy<'_> {
    fn docs(&self) -> impl Iterator<Item = &Doc> {
        std::iter::once(self.doc).chain(self.cookies.map(|(_, d)| d))
    }

    fn source(&self) -> &Source {
        &self.page.file.source
    }

    fn has_shortcode(page: &Page, name: &str) -> bool {
        page.body.shortcodes.iter().any(|s| s.name == name)
    }

    /// Whether some section of either page holds one word of each list.
    fn together(&self, a: &[&str], b: &[&str]) -> bool {
        self.docs().any(|doc| {
            doc.sections.iter().any(|s| {
                let text = doc.section_text(s);
                any(&text, a) && any(&text, b)
            })
        })
    }
}

fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("«{w}»"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let Some((page, doc)) = cx.policy() else {
        return;
    };
    let cookies = cx.cookie_page();
    let mut text = doc.all_text();
    if let Some((_, d)) = cookies {
        text.push('\n');
        text.push_str(&d.all_text());
    }
    let policy = Policy {
        page,
        doc,
        cookies,
        text,
    };
    controller(cx, &policy, out);
    purposes(&policy, out);
    recipients(cx, &policy, out);
    transfers(cx, &policy, out);
    retention(cx, &policy, out);
    rights(&policy, out);
    withdrawal(cx, &policy, out);
    complaint(&policy, out);
    version(cx, &policy, out);
}

fn controller(cx: &Cx, p: &Policy, out: &mut Vec<Finding>) {
    let c = &cx.site.config.controller;
    let named = p.text.contains(&c.name.to_lowercase())
        && p.text.contains(&c.email.get_ref().to_lowercase());
    if Policy::has_shortcode(p.page, "contact") || named {
        return;
    }
    out.push(
        Finding::new(
            "C-25",
            p.source(),
            None,
            "the policy does not say who the controller is and how to reach them",
        )
        .why("GDPR Art. 13(1)(a): the identity and the contact details of the controller")
        .help("add {{ contact() }} to the policy page: it shows the [controller] of site.toml")
        .looked_for(format!(
            "{{{{ contact() }}}}, or «{}» and «{}»",
            c.name,
            c.email.get_ref()
        )),
    );
}

/// Sections under a heading that say data is stored: the policy's data categories.
fn data_sections(doc: &Doc) -> Vec<&super::text::Section> {
    doc.sections
        .iter()
        .filter(|s| s.heading.is_some())
        .filter(|s| {
            // The body, not the heading: "Hva lagrer vi?" introduces, its subsections describe.
            let body = s.own.start + 1..s.own.end;
            doc.blocks[body]
                .iter()
                .any(|b| b.counts() && any(&b.lower, DESCRIBES_DATA))
        })
        .collect()
}

fn heading_list(doc: &Doc, sections: &[&super::text::Section], source: &Source) -> String {
    sections
        .iter()
        .filter_map(|s| {
            let block = &doc.blocks[s.heading?];
            let (line, _) = crate::diagnostics::line_col(&source.text, block.span.start);
            Some(format!("«{}» (line {line})", block.text))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn purposes(p: &Policy, out: &mut Vec<Finding>) {
    if !any(&p.text, PURPOSE) {
        out.push(
            Finding::new(
                "C-26",
                p.source(),
                None,
                "the policy does not say what the personal data is used for",
            )
            .why("GDPR Art. 13(1)(c): the purposes of the processing, and the legal basis of each")
            .help("add a section such as «Hva bruker vi opplysningene til?», one purpose at a time")
            .looked_for(quoted(PURPOSE)),
        );
    }
    if !any(&p.text, LEGAL_BASIS) {
        let sections = data_sections(p.doc);
        let mut finding = Finding::new("C-26", p.source(), None, "the policy names no legal basis (behandlingsgrunnlag) for its purposes")
            .why("GDPR Art. 13(1)(c): for each purpose, the legal basis of Art. 6(1): a contract, a legal obligation, consent, …")
            .help("for each purpose, say what it rests on: the customer contract (Art. 6(1)(b)), a legal obligation such as ekomloven (6(1)(c)), or consent (6(1)(a)); the cookie tables already show each cookie's basis from cookies.toml")
            .looked_for(quoted(LEGAL_BASIS));
        if !sections.is_empty() {
            finding = finding.label(format!(
                "data is described under {}, with no basis",
                heading_list(p.doc, &sections, p.source())
            ));
        }
        out.push(finding);
    }
}

/// A provider's name without its company form: "Google LLC" → "google".
fn core_name(provider: &str) -> String {
    let suffixes = [
        " llc", " inc.", " inc", " ltd", " ltd.", " gmbh", " asa", " as", " ab", " a/s", " oy",
        " bv", " sa",
    ];
    let mut name = provider.trim().to_lowercase();
    for suffix in suffixes {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.trim_end_matches(',').to_owned();
            break;
        }
    }
    name
}

fn recipients(cx: &Cx, p: &Policy, out: &mut Vec<Finding>) {
    let controller = core_name(&cx.site.config.controller.name);
    let mut providers: Vec<&str> = cx
        .site
        .inventory
        .services
        .values()
        .map(|s| s.provider.as_str())
        .filter(|name| core_name(name) != controller)
        .collect();
    providers.sort_unstable();
    providers.dedup();
    let why = "GDPR Art. 13(1)(e): the recipients or categories of recipients of the personal data, processors included";
    if !any(&p.text, RECIPIENTS) {
        let mut help = "name who receives the data: processors (databehandlere), and anyone the data is passed on to, such as public registers or police and courts on order".to_owned();
        if !providers.is_empty() {
            help.push_str(&format!("; cookies.toml names {}", providers.join(", ")));
        }
        out.push(
            Finding::new(
                "C-27",
                p.source(),
                None,
                "the policy does not name the recipients of the data or its processors",
            )
            .why(why)
            .help(help)
            .looked_for(quoted(RECIPIENTS)),
        );
    }
    for provider in providers {
        if !p.text.contains(&core_name(provider)) {
            out.push(
                Finding::new(
                    "C-27",
                    p.source(),
                    None,
                    format!("the policy does not name {provider}, a provider in cookies.toml"),
                )
                .why(why)
                .help(format!(
                    "say what {provider} receives and why, on the policy or the cookie page"
                ))
                .looked_for(format!("«{}»", core_name(provider))),
            );
        }
    }
}

fn transfers(cx: &Cx, p: &Policy, out: &mut Vec<Finding>) {
    let inventory = &cx.site.inventory;
    let source = &cx.site.inventory_source;
    let default = cx.site.default_language();
    let why = "GDPR Art. 13(1)(f): any transfer to a country outside the EEA, and the safeguard it rests on (Art. 45, 46 or 49)";
    let mut declared = Vec::new();
    for (id, service) in &inventory.services {
        let Some(transfer) = &service.transfer else {
            continue;
        };
        declared.push(format!("{id} ({})", service.provider));
        let text = transfer.get(default, default);
        if super::text::has_placeholder(text) {
            out.push(
                Finding::new("C-28", source, Some(transfer.span()), format!("the transfer to {} has no safeguard yet", service.provider))
                    .label("the text says «MANGLER:»")
                    .why(why)
                    .help("name the safeguard: an adequacy decision (such as the EU–US Data Privacy Framework, if the recipient is certified), or standard contractual clauses"),
            );
        }
    }
    if declared.is_empty() {
        return;
    }
    let mentioned = p.together(TRANSFER, THIRD_COUNTRY);
    if !mentioned {
        out.push(
            Finding::new("C-28", p.source(), None, "the policy does not tell of the transfer outside the EEA that cookies.toml declares")
                .label(format!("cookies.toml: transfer for {}", declared.join(", ")))
                .why(why)
                .help("say which data goes to which country, and on what safeguard")
                .looked_for(format!("one of {} with one of {} in one section", quoted(TRANSFER), quoted(THIRD_COUNTRY))),
        );
    } else if !any(&p.text, SAFEGUARD) {
        out.push(
            Finding::new(
                "C-28",
                p.source(),
                None,
                "the policy tells of a transfer outside the EEA but not its safeguard",
            )
            .why(why)
            .looked_for(quoted(SAFEGUARD)),
        );
    }
}

fn retention(cx: &Cx, p: &Policy, out: &mut Vec<Finding>) {
    let why = "GDPR Art. 13(2)(a): how long the data is stored, or the criteria that decide it, for each kind of data and each cookie";
    for section in data_sections(p.doc) {
        let text = p.doc.own_text(section);
        if any(&text, RETENTION) {
            continue;
        }
        let Some(heading) = section.heading.map(|i| &p.doc.blocks[i]) else {
            continue;
        };
        out.push(
            Finding::new("C-29", p.source(), Some(heading.span.clone()), format!("«{}» says what is stored, not for how long", heading.text))
                .label("no storage period in this section")
                .why(why)
                .help("say how long this data is kept, or what decides it (e.g. «slettes 3 måneder etter at kundeforholdet er avsluttet»)")
                .looked_for(quoted(RETENTION)),
        );
    }
    let default = cx.site.default_language();
    for cookie in &cx.site.inventory.cookies {
        let Some(lifetime) = &cookie.lifetime else {
            continue;
        };
        let text = lifetime.get(default, default).to_lowercase();
        if text.trim().is_empty() || any(&text, LIFETIME_UNKNOWN) {
            out.push(
                Finding::new("C-29", &cx.site.inventory_source, Some(lifetime.span()), format!("the lifetime of `{}` is not stated", cookie.name.get_ref()))
                    .label("no lifetime given here")
                    .why(format!("{why}; C-1: every cookie's lifetime is in the inventory"))
                    .help("give the lifetime the cookie is set with (e.g. «Økt» or «1 år»); the browser's developer tools show it")
                    .looked_for(quoted(LIFETIME_UNKNOWN) + " (each means not stated)"),
            );
        }
    }
    let lists = |page: &Page| {
        page.body
            .shortcodes
            .iter()
            .any(|s| s.name.starts_with("cookie_table"))
    };
    let cookie_url = p.cookies.map(|(page, _)| page.url.as_str());
    let links_to_cookies =
        cookie_url.is_some_and(|url| p.page.body.html.contains(&format!("href=\"{url}")));
    if !cx.site.inventory.cookies.is_empty() && !lists(p.page) && !links_to_cookies {
        out.push(
            Finding::new("C-29", p.source(), None, "the policy neither lists the cookies nor links to the cookie page")
                .why(why)
                .help("add {{ cookie_tables() }}, or link to the cookie page with [Informasjonskapsler](@/<cookie page>.md)"),
        );
    }
}

fn rights(p: &Policy, out: &mut Vec<Finding>) {
    let why = "GDPR Art. 13(2)(b): the rights of access, rectification, erasure, restriction, objection and portability; Art. 21(4): the right to object shown clearly and separately";
    let mut found = vec![false; RIGHTS.len()];
    let mut objection = false;
    let mut rights_text = String::new();
    for doc in p.docs() {
        for section in &doc.sections {
            let text = doc.section_text(section);
            if !any(&text, RIGHTS_MARKER) {
                continue;
            }
            let mut any_right = false;
            for (i, (_, _, words)) in RIGHTS.iter().enumerate() {
                if any(&text, words) {
                    found[i] = true;
                    any_right = true;
                }
            }
            if any(&text, OBJECTION) {
                objection = true;
                any_right = true;
            }
            if any_right {
                rights_text.push_str(&text);
            }
        }
    }
    let mut missing: Vec<String> = RIGHTS
        .iter()
        .zip(&found)
        .filter(|(_, f)| !**f)
        .map(|((name, article, _), _)| format!("{name} ({article})"))
        .collect();
    if !objection {
        missing.push("protest (Art. 21)".to_owned());
    }
    let looked_for = format!(
        "a section with one of {} that names the right",
        quoted(RIGHTS_MARKER)
    );
    if missing.len() == RIGHTS.len() + 1 {
        out.push(
            Finding::new("C-30", p.source(), None, "the policy does not tell the reader's rights")
                .label(format!("missing: {}", missing.join(", ")))
                .why(why)
                .help("add a section «Dine rettigheter» naming each right and how to use it (whom to write to), with the right to object (protest) in a paragraph of its own")
                .looked_for(looked_for),
        );
        return;
    }
    if !missing.is_empty() {
        out.push(
            Finding::new(
                "C-30",
                p.source(),
                None,
                format!("the policy leaves out rights: {}", missing.join(", ")),
            )
            .why(why)
            .looked_for(looked_for),
        );
    }
    if objection && !objection_stands_alone(p) {
        out.push(
            Finding::new("C-30", p.source(), None, "the right to object is not shown separately")
                .why("GDPR Art. 21(4): the right to object must be presented clearly and separately from any other information")
                .help("give the right to object (protest) a paragraph or a heading of its own"),
        );
    }
    let contact = Policy::has_shortcode(p.page, "contact");
    if !any(&rights_text, HOW_TO_USE) && !contact {
        out.push(
            Finding::new(
                "C-30",
                p.source(),
                None,
                "the policy does not say how to use the rights",
            )
            .why(why)
            .help("say whom to contact, and how, to use a right")
            .looked_for(quoted(HOW_TO_USE)),
        );
    }
}

/// A heading or block about objection that names no other right.
fn objection_stands_alone(p: &Policy) -> bool {
    p.docs().any(|doc| {
        doc.blocks
            .iter()
            .filter(|b| b.counts() && any(&b.lower, OBJECTION))
            .any(|b| {
                b.heading.is_some() || RIGHTS.iter().all(|(_, _, words)| !any(&b.lower, words))
            })
    })
}

fn withdrawal(cx: &Cx, p: &Policy, out: &mut Vec<Finding>) {
    let asks_consent = cx
        .site
        .inventory
        .categories
        .values()
        .any(|c| !*c.necessary.get_ref());
    if !asks_consent {
        return;
    }
    let why = "GDPR Art. 13(2)(c) and 7(3): that consent can be withdrawn at any time, as easily as it was given";
    if !any(&p.text, WITHDRAW) {
        out.push(
            Finding::new(
                "C-31",
                p.source(),
                None,
                "the policy does not tell that consent can be withdrawn at any time",
            )
            .why(why)
            .help("say that consent can be withdrawn at any time, next to {{ consent_settings() }}")
            .looked_for(quoted(WITHDRAW)),
        );
    }
    let settings_here = Policy::has_shortcode(p.page, "consent_settings");
    let via_cookie_page = p.cookies.is_some_and(|(page, _)| {
        Policy::has_shortcode(page, "consent_settings")
            && p.page.body.html.contains(&format!("href=\"{}", page.url))
    });
    if !settings_here && !via_cookie_page {
        out.push(
            Finding::new(
                "C-31",
                p.source(),
                None,
                "the policy does not link to the cookie settings",
            )
            .why(why)
            .help(
                "add {{ consent_settings() }} to the policy page: a button that opens the settings",
            ),
        );
    }
}

fn complaint(p: &Policy, out: &mut Vec<Finding>) {
    if p.together(&["datatilsynet"], COMPLAINT) {
        return;
    }
    let mention = p
        .doc
        .blocks
        .iter()
        .find(|b| b.lower.contains("datatilsynet"))
        .and_then(|b| {
            let raw = &p.source().text[b.span.clone()];
            let at = raw.to_ascii_lowercase().find("datatilsynet")?;
            Some(b.span.start + at..b.span.start + at + "datatilsynet".len())
        });
    let mut finding = Finding::new("C-32", p.source(), mention.clone(), "the policy does not tell of the right to complain to Datatilsynet")
        .why("GDPR Art. 13(2)(d) and 77: the right to lodge a complaint with a supervisory authority, in Norway Datatilsynet")
        .help("add a section such as «Klage til Datatilsynet» saying that the reader can complain to Datatilsynet (datatilsynet.no)")
        .looked_for(format!("«datatilsynet» with one of {} in one section", quoted(COMPLAINT)));
    if mention.is_some() {
        finding = finding.label("Datatilsynet is named here, but not as where to complain");
    }
    out.push(finding);
}

fn version(cx: &Cx, p: &Policy, out: &mut Vec<Finding>) {
    let config = &cx.site.config;
    let source = &cx.site.config_source;
    let why = "C-33: the policy carries a version and a date, and the consent record refers to that version (GDPR Art. 7(1): consent must be demonstrable)";
    let version = config.policy.version.trim();
    // The `version = "…"` line under [policy], whole, so the placeholder in it is this finding's.
    let version_span = source.text.find("\nversion").map(|at| {
        let start = at + 1;
        start
            ..source.text[start..]
                .find('\n')
                .map_or(source.text.len(), |n| start + n)
    });
    let html = cx.html_of(p.page);
    let date = config.policy.date.to_string();
    if version.is_empty() || super::text::has_placeholder(version) {
        out.push(
            Finding::new("C-33", source, version_span, "the policy has no version")
                .label("expected a version such as \"1.0\"")
                .why(why),
        );
    } else if !html.contains(version) || !html.contains(&date) {
        out.push(
            Finding::new(
                "C-33",
                p.source(),
                None,
                "the rendered policy page does not show its version and date",
            )
            .label(format!(
                "version «{version}» and date «{date}» are not in the page"
            ))
            .why(why)
            .help("the theme shows them from site.toml's [policy]; check the theme's templates"),
        );
    }
    tables(cx, p, why, out);
}

/// The cookie tables come from the inventory: every category with cookies is shown by a
/// shortcode, and no page has a table written by hand that names an inventory cookie.
fn tables(cx: &Cx, p: &Policy, why: &str, out: &mut Vec<Finding>) {
    let pages: Vec<&Page> = std::iter::once(p.page)
        .chain(p.cookies.map(|(page, _)| page))
        .collect();
    let calls = || pages.iter().flat_map(|page| page.body.shortcodes.iter());
    let all = calls().any(|c| c.name == "cookie_tables");
    for id in cx.site.inventory.categories.keys() {
        let has_cookies = cx
            .site
            .inventory
            .cookies
            .iter()
            .any(|c| c.category.get_ref() == id);
        let shown =
            all || calls().any(|c| c.name == "cookie_table" && c.args.get("category") == Some(id));
        if has_cookies && !shown {
            out.push(
                Finding::new("C-33", p.source(), None, format!("the cookies of category `{id}` are in no table"))
                    .why(why)
                    .help("add {{ cookie_tables() }} to the cookie page: its tables come from cookies.toml"),
            );
        }
    }
    let names: Vec<String> = cx
        .site
        .inventory
        .cookies
        .iter()
        .map(|c| c.name.get_ref().trim_end_matches('*').to_lowercase())
        .filter(|n| n.len() >= 4)
        .collect();
    for (page, doc) in cx.site.pages.iter().zip(&cx.docs) {
        if let Some(block) = doc
            .blocks
            .iter()
            .find(|b| b.in_table && names.iter().any(|n| b.lower.contains(n.as_str())))
        {
            out.push(
                Finding::new("C-33", &page.file.source, Some(block.span.clone()), "a cookie table written by hand")
                    .label("this row names a cookie of cookies.toml")
                    .why(why)
                    .help("use {{ cookie_tables() }} or {{ cookie_table(category=\"…\") }}: tables from cookies.toml never differ from it"),
            );
        }
    }
}
