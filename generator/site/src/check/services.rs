//! What services load (issue 11): a service that nothing uses, an origin a snippet reaches that
//! no service declares (the CSP will block it), and a script whose cookies are not listed.
//! `validate` already refuses what is certainly wrong (an embed of an undeclared origin, an
//! ungated script); these need a person's judgement.

use super::finding::Finding;
use super::Cx;
use crate::diagnostics::Source;
use crate::validate::urls;
use std::collections::BTreeSet;

pub fn check(cx: &Cx, out: &mut Vec<Finding>) {
    let site = cx.site;
    let inventory = &site.inventory;
    let source = &site.inventory_source;
    let embedded: BTreeSet<&str> = site
        .pages
        .iter()
        .flat_map(|p| &p.body.shortcodes)
        .filter(|c| c.name == crate::validate::embed::NAME)
        .filter_map(|c| c.args.get("service").map(String::as_str))
        .collect();
    for (id, service) in &inventory.services {
        let header = service_span(source, id);
        let has_cookies = inventory.cookies.iter().any(|c| c.service.get_ref() == id);
        let runs_script =
            service.script.is_some() || !service.scripts.is_empty() || !service.snippets.is_empty();
        if !has_cookies && !runs_script && !embedded.contains(id.as_str()) {
            out.push(
                Finding::new("service", source, header.clone(), format!("service `{id}` is declared but never used"))
                    .label("no cookie names it, it loads no script, and no page embeds it")
                    .why("the cookie page lists every service, and the CSP allows what it declares: an unused one tells visitors about a provider the site does not use, and allows more than needed")
                    .help(format!("remove [services.{id}], or use it with {{{{ embed(service=\"{id}\", …) }}}}")),
            );
        }
        if runs_script && !has_cookies && !service.cookieless {
            out.push(
                Finding::new("C-1", source, header, format!("service `{id}` starts a script but lists no cookies"))
                    .label("no [[cookies]] entry names this service")
                    .why("C-1: every cookie and storage key the site or its services set is in the inventory, so visitors are told and the widget can delete them")
                    .help("list the cookies and storage keys it sets; if it sets none (Plausible, for example), confirm that with cookieless = true"),
            );
        }
    }
    undeclared_origins(cx, out);
}

/// The span of `[services.<id>]`, if written so.
fn service_span(source: &Source, id: &str) -> Option<std::ops::Range<usize>> {
    let header = format!("[services.{id}]");
    source.text.find(&header).map(|at| at..at + header.len())
}

/// Every `https://host` a snippet names whose origin no service declares.
fn undeclared_origins(cx: &Cx, out: &mut Vec<Finding>) {
    let inventory = &cx.site.inventory;
    let mut declared: BTreeSet<String> = BTreeSet::new();
    for service in inventory.services.values() {
        for src in service.script_srcs() {
            if let Some(o) = crate::render::csp::origin(src.get_ref()) {
                declared.insert(o.as_str().to_owned());
            }
        }
        for o in service
            .frames
            .iter()
            .chain(&service.connect)
            .chain(&service.images)
        {
            if let Ok(o) = urls::service_origin(o.get_ref()) {
                declared.insert(o.as_str().to_owned());
            }
        }
    }
    for (id, snippets) in &cx.site.snippets {
        for snippet in snippets {
            let source = Source::new(format!("content/{}", snippet.path), snippet.text.as_str());
            for (span, origin) in origins_in(&snippet.text) {
                if declared.contains(&origin) {
                    continue;
                }
                out.push(
                    Finding::new("C-34", &source, Some(span), format!("`{origin}` is not declared by any service"))
                        .label("the snippet reaches this origin, and the CSP will block it")
                        .why("C-34 and the CSP: a site loads only what its inventory declares, so visitors are told about every provider")
                        .help(format!("add \"{origin}\" to scripts, connect or images of [services.{id}] in cookies.toml, whichever the snippet uses it for")),
                );
            }
        }
    }
}

/// `http(s)://host[:port]` written in `text`, with where, as the `url` crate serialises them.
fn origins_in(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("http").map(|i| from + i) {
        let end = text[at..]
            .find(|c: char| c.is_whitespace() || "\"'`)<>,;".contains(c))
            .map_or(text.len(), |e| at + e);
        let candidate = &text[at..end];
        if let Some(origin) = url::Url::parse(candidate)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .and_then(|u| urls::Origin::of(&u))
        {
            out.push((at..end, origin.as_str().to_owned()));
        }
        from = end.max(at + 4);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_found_in_code_where_they_are() {
        let text = "_paq.push([\"setTrackerUrl\", \"https://x.matomo.cloud/matomo.php\"]);\nvar u = 'http://a.test:81/p'; // httpd";
        let found = origins_in(text);
        assert_eq!(
            found.iter().map(|(_, o)| o.as_str()).collect::<Vec<_>>(),
            ["https://x.matomo.cloud", "http://a.test:81"]
        );
        assert_eq!(
            &text[found[0].0.clone()],
            "https://x.matomo.cloud/matomo.php"
        );
    }
}
