//! Every text a page shows in another language than its own (see `translations`): by language,
//! file and key, at the default-language text it falls back to.

use super::{Cx, Finding};

pub fn check(cx: &Cx, findings: &mut Vec<Finding>) {
    let site = cx.site;
    let default = site.default_language();
    for lang in site.languages.iter().filter(|l| l.as_str() != default) {
        for missing in crate::translations::missing(site, lang) {
            let finding = if missing.builtin {
                Finding::new(
                    "translation",
                    missing.source,
                    missing.span,
                    format!(
                        "`{lang}`: {} is your own in `{default}`, but `{lang}` shows the built-in text",
                        missing.key
                    ),
                )
                .label(format!(
                    "reworded in `{default}`; pages in `{lang}` still say what Samtykke says"
                ))
                .help(format!(
                    "add `{lang} = \"…\"` beside `{default}` with the same meaning, or remove your `{default}` text"
                ))
            } else if missing.page {
                Finding::new(
                    "translation",
                    missing.source,
                    None,
                    format!("`{lang}`: {} has no translation", missing.key),
                )
                .label(format!(
                    "the `{lang}` menu lists this `{default}` page, marked as `{default}`"
                ))
                .help(format!(
                    "add the page in `{lang}` beside it: the same name with `.{lang}.md`"
                ))
            } else {
                Finding::new(
                    "translation",
                    missing.source,
                    missing.span,
                    format!("`{lang}`: {} has no `{lang}` text", missing.key),
                )
                .label(format!("pages in `{lang}` show this `{default}` text"))
                .help(format!("add `{lang} = \"…\"` beside `{default}`"))
            };
            let why = if missing.builtin {
                "visitors must be told the same in every language the site asks them in (GDPR Art. 12(1), 13); the built-in text may say less than yours"
            } else {
                "information must be given in a clear and plain language the visitor understands (GDPR Art. 12(1)); a text in another language is marked with its `lang` so screen readers read it right, but it is not translated"
            };
            findings.push(finding.why(why));
        }
    }
}
