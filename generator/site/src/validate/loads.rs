//! What a service loads into the page (`scripts`, `snippets`, `frames`, `connect`, `images`):
//! each value parsed as what it must be, and only for a service whose optional category gates
//! it. The CSP and the widget's configuration are derived from these values, so a mistake here
//! is an error at its position rather than a policy that silently allows too much.

use super::{localized, url_error, urls};
use crate::content::inventory::{InventoryFile, Service};
use crate::content::site::SiteFile;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use toml::Spanned;

pub fn check(
    inv: &InventoryFile,
    source: &Source,
    site: &SiteFile,
    id: &str,
    service: &Service,
    errors: &mut Diagnostics,
) {
    if let Some(purpose) = &service.purpose {
        localized(
            purpose,
            &format!("service `{id}`'s purpose"),
            source,
            site,
            errors,
        );
    }
    gate(inv, source, id, service, errors);
    for script in &service.scripts {
        if let Err(problem) = urls::service_script(script.src.get_ref()) {
            errors.push(url_error(
                source,
                script.src.span(),
                format!("service `{id}`'s script is not an absolute https URL"),
                problem,
            ));
        }
        for (name, value) in &script.data {
            if !is_data_name(name) {
                errors.push(
                    Diagnostic::new(
                        source,
                        Some(value.span()),
                        format!("`{name}` cannot name a data-* attribute"),
                    )
                    .label("expected lowercase letters, digits and `-`, starting with a letter")
                    .help("write the name without `data-`: `domain = \"example.no\"` gives data-domain"),
                );
            }
        }
    }
    for snippet in &service.snippets {
        if let Err(label) = snippet_path(snippet.get_ref()) {
            errors.push(
                Diagnostic::new(
                    source,
                    Some(snippet.span()),
                    format!("service `{id}`'s snippet `{}` is not a file below content/", snippet.get_ref()),
                )
                .label(label)
                .help("put the script in a file such as content/snippets/matomo.js and write snippets = [\"snippets/matomo.js\"]"),
            );
        }
    }
    for (list, key) in [
        (&service.frames, "frames"),
        (&service.connect, "connect"),
        (&service.images, "images"),
    ] {
        for origin in list {
            origin_of(source, id, key, origin, errors);
        }
    }
}

/// Anything a service loads waits for consent to its category: so it needs one, and not a
/// strictly necessary one (that is granted before any choice).
fn gate(
    inv: &InventoryFile,
    source: &Source,
    id: &str,
    service: &Service,
    errors: &mut Diagnostics,
) {
    let first: Option<std::ops::Range<usize>> = service
        .scripts
        .first()
        .map(|s| s.src.span())
        .or_else(|| service.snippets.first().map(Spanned::span))
        .or_else(|| service.frames.first().map(Spanned::span))
        .or_else(|| service.connect.first().map(Spanned::span))
        .or_else(|| service.images.first().map(Spanned::span));
    // The short `script` has its own error in `check_service` when it lacks a category.
    let Some(span) = first else { return };
    match &service.category {
        None => errors.push(
            Diagnostic::new(
                source,
                Some(span),
                format!("service `{id}` loads content but has no category"),
            )
            .label("what a service loads waits for consent to its category")
            .help("add category = \"analytics\" (or the category it belongs to) to the service"),
        ),
        Some(category)
            if inv
                .categories
                .get(category.get_ref().as_str())
                .is_some_and(|c| *c.necessary.get_ref()) =>
        {
            errors.push(
                Diagnostic::new(
                    source,
                    Some(category.span()),
                    format!(
                        "service `{id}` loads content, so its category cannot be the strictly necessary `{}`",
                        category.get_ref()
                    ),
                )
                .label("it would load before the visitor has chosen anything")
                .help("give the service the category the visitor consents to, such as \"analytics\" or \"marketing\""),
            )
        }
        _ => {}
    }
}

fn origin_of(
    source: &Source,
    id: &str,
    key: &str,
    origin: &Spanned<String>,
    errors: &mut Diagnostics,
) {
    if let Err(problem) = urls::service_origin(origin.get_ref()) {
        errors.push(url_error(
            source,
            origin.span(),
            format!("service `{id}`'s {key} entry is not an origin"),
            problem,
        ));
    }
}

/// `domain`, `site-id`: what may follow `data-` in an attribute the generator writes.
pub fn is_data_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        // `data-sk-*` and `data-category`, `data-src` are the widget's own.
        && !name.starts_with("sk-")
        && name != "category"
        && name != "src"
}

/// A snippet's path below `content/`: relative, `/`-separated, no `..`, ending in `.js`.
pub fn snippet_path(path: &str) -> Result<(), &'static str> {
    if path.starts_with('/') || path.contains('\\') {
        return Err("expected a path relative to content/, with `/` between folders");
    }
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err("expected a path inside content/, without `..`");
    }
    if !path.ends_with(".js") {
        return Err("expected a file ending in .js");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_names_are_plain_words_that_the_widget_does_not_use() {
        for good in ["domain", "site-id", "a1"] {
            assert!(is_data_name(good), "{good}");
        }
        for bad in [
            "", "Domain", "1a", "sk-frame", "category", "src", "a b", "a\"b",
        ] {
            assert!(!is_data_name(bad), "{bad}");
        }
    }

    #[test]
    fn snippet_paths_stay_inside_content() {
        assert_eq!(snippet_path("snippets/matomo.js"), Ok(()));
        for bad in [
            "/etc/x.js",
            "../x.js",
            "a/../x.js",
            "a//x.js",
            "x.txt",
            "a\\x.js",
            "./x.js",
        ] {
            assert!(snippet_path(bad).is_err(), "{bad}");
        }
    }
}
