//! The `{{ embed(service="…", src="…", title="…") }}` shortcode: a click-to-load placeholder
//! for a service's framed content. Its service must declare the origin of `src` in `frames`,
//! so the CSP's `frame-src` and the widget's configuration both allow exactly it.

use super::{not_one_of, urls};
use crate::content::inventory::InventoryFile;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::markdown::ShortcodeCall;
use std::ops::Range;

/// The shortcode's name.
pub const NAME: &str = "embed";

/// Arguments the shortcode takes; the first three are required.
const ARGS: &[&str] = &["service", "src", "title", "ratio", "button"];

/// Aspect ratios the theme has a class for (`sk-embed--16x9`), the first the default.
pub const RATIOS: &[&str] = &["16:9", "4:3", "1:1", "9:16", "21:9"];

/// Checks every `embed` call of one page.
pub fn check(
    source: &Source,
    calls: &[ShortcodeCall],
    inventory: &InventoryFile,
    errors: &mut Diagnostics,
) {
    for call in calls.iter().filter(|c| c.name == NAME) {
        check_call(source, call, inventory, errors);
    }
}

/// The span of `key="value"`'s value inside the call, or the whole call.
fn arg_span(source: &Source, call: &ShortcodeCall, key: &str) -> Range<usize> {
    let text = &source.text[call.span.clone()];
    let mut from = 0;
    while let Some(at) = text[from..].find(key).map(|i| from + i) {
        let before_ok = at == 0 || !text.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = text[at + key.len()..].trim_start();
        if before_ok && rest.starts_with('=') {
            let value_at = text.len() - rest.len() + 1;
            let value = text[value_at..].trim_start();
            let start = text.len() - value.len();
            let len = value[1..].find('"').map_or(value.len(), |l| l + 2);
            return call.span.start + start..call.span.start + start + len;
        }
        from = at + key.len();
    }
    call.span.clone()
}

fn check_call(
    source: &Source,
    call: &ShortcodeCall,
    inventory: &InventoryFile,
    errors: &mut Diagnostics,
) {
    for key in call.args.keys() {
        if !ARGS.contains(&key.as_str()) {
            errors.push(not_one_of(
                source,
                Some(arg_span(source, call, key)),
                format!("unknown argument `{key}` of embed"),
                key,
                ARGS.iter().copied(),
                None,
            ));
        }
    }
    let example = "{{ embed(service=\"youtube\", src=\"https://www.youtube-nocookie.com/embed/…\", title=\"…\") }}";
    for required in ["service", "src", "title"] {
        if call.args.get(required).is_none_or(|v| v.trim().is_empty()) {
            errors.push(
                Diagnostic::new(
                    source,
                    Some(call.span.clone()),
                    format!("embed needs `{required}`"),
                )
                .label(match required {
                    "service" => {
                        "expected the service that provides the content, from cookies.toml"
                    }
                    "src" => "expected the address the provider gives for embedding",
                    _ => "expected a title that says what the content is, for screen readers",
                })
                .help(format!("write {example}")),
            );
        }
    }
    if let Some(ratio) = call.args.get("ratio") {
        if !RATIOS.contains(&ratio.as_str()) {
            errors.push(not_one_of(
                source,
                Some(arg_span(source, call, "ratio")),
                format!("unknown aspect ratio `{ratio}`"),
                ratio,
                RATIOS.iter().copied(),
                None,
            ));
        }
    }
    let Some(id) = call.args.get("service") else {
        return;
    };
    let Some(service) = inventory.services.get(id) else {
        errors.push(not_one_of(
            source,
            Some(arg_span(source, call, "service")),
            format!("unknown service `{id}`"),
            id,
            inventory.services.keys().map(String::as_str),
            Some(format!(
                "declare it in cookies.toml as [services.{id}] with category and frames = [\"https://…\"]"
            )),
        ));
        return;
    };
    let Some(src) = call.args.get("src") else {
        return;
    };
    let url = match urls::embed_src(src) {
        Ok(url) => url,
        Err(problem) => {
            errors.push(
                Diagnostic::new(
                    source,
                    Some(arg_span(source, call, "src")),
                    "embed's src is not an https address",
                )
                .label(problem.label)
                .help(problem.help),
            );
            return;
        }
    };
    let origin = urls::Origin::of(&url);
    let declared: Vec<String> = service
        .frames
        .iter()
        .filter_map(|f| urls::service_origin(f.get_ref()).ok())
        .map(|o| o.as_str().to_owned())
        .collect();
    if !origin.is_some_and(|o| declared.iter().any(|d| d == o.as_str())) {
        let shown = urls::Origin::of(&url).map_or_else(String::new, |o| o.as_str().to_owned());
        let label = if declared.is_empty() {
            format!("service `{id}` declares no frames")
        } else {
            format!(
                "expected an address on {}",
                declared
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        errors.push(
            Diagnostic::new(
                source,
                Some(arg_span(source, call, "src")),
                format!("service `{id}` does not frame `{shown}`"),
            )
            .label(label)
            .help(format!(
                "add frames = [\"{shown}\"] to [services.{id}] in cookies.toml, if that is the provider's address"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const INVENTORY: &str = r#"
[categories.necessary]
necessary = true
title = { nb = "N" }
description = { nb = "N" }
[categories.marketing]
title = { nb = "M" }
description = { nb = "M" }
[services.youtube]
name = "YouTube"
provider = "Google"
host = "youtube.com"
category = "marketing"
frames = ["https://www.youtube-nocookie.com"]
"#;

    fn errors(line: &str) -> Vec<(String, String, Option<String>)> {
        let inventory: InventoryFile = toml::from_str(INVENTORY).expect("inventory");
        let source = Source::new("content/x.md", format!("Tekst\n{line}\n"));
        let inner = line.trim().trim_start_matches("{{").trim_end_matches("}}");
        let open = inner.find('(').expect("(");
        let mut args = BTreeMap::new();
        for part in inner[open + 1..inner.len() - 2].split("\", ") {
            if let Some((k, v)) = part.split_once("=\"") {
                args.insert(k.trim().to_owned(), v.trim_end_matches('"').to_owned());
            }
        }
        let call = ShortcodeCall {
            name: inner[..open].trim().to_owned(),
            args,
            span: 6..6 + line.len(),
        };
        let mut errors = Diagnostics::default();
        check(&source, &[call], &inventory, &mut errors);
        errors
            .iter()
            .map(|d| {
                let span = d.span.clone().expect("positioned");
                (
                    source.text[span].to_owned(),
                    d.message.clone(),
                    d.help.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn a_declared_frame_passes() {
        assert_eq!(
            errors(
                r#"{{ embed(service="youtube", src="https://www.youtube-nocookie.com/embed/abc?start=3", title="Video") }}"#
            ),
            vec![]
        );
    }

    #[test]
    fn a_misspelt_service_gets_a_did_you_mean_at_its_value() {
        let found = errors(
            r#"{{ embed(service="yotube", src="https://www.youtube-nocookie.com/embed/abc", title="Video") }}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "\"yotube\"");
        assert_eq!(found[0].1, "unknown service `yotube`");
        assert_eq!(found[0].2.as_deref(), Some("did you mean `youtube`?"));
    }

    #[test]
    fn an_undeclared_origin_points_at_src_and_says_what_to_declare() {
        let found = errors(
            r#"{{ embed(service="youtube", src="https://www.youtube.com/embed/abc", title="Video") }}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "\"https://www.youtube.com/embed/abc\"");
        assert_eq!(
            found[0].1,
            "service `youtube` does not frame `https://www.youtube.com`"
        );
    }

    #[test]
    fn missing_title_unknown_argument_and_ratio_are_errors() {
        let found = errors(
            r#"{{ embed(service="youtube", src="https://www.youtube-nocookie.com/embed/abc", ratio="16/9", heigth="3") }}"#,
        );
        let messages: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert!(messages.contains(&"embed needs `title`"), "{messages:?}");
        assert!(
            messages.contains(&"unknown argument `heigth` of embed"),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"unknown aspect ratio `16/9`"),
            "{messages:?}"
        );
        let src = errors(r#"{{ embed(service="youtube", src="javascript:alert(1)", title="x") }}"#);
        assert_eq!(src.len(), 1, "{src:?}");
        assert_eq!(src[0].1, "embed's src is not an https address");
    }
}
