//! The inline scripts services declare (`snippets = ["snippets/matomo.js"]`), read from their
//! files below `content/`. Each goes into the page as the text of a gated placeholder, and the
//! CSP allows it by the hash of exactly that text.

use super::{file_error, read_source};
use crate::content::inventory::InventoryFile;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::site_fs::Folder;
use std::collections::BTreeMap;
use std::path::Path;

/// One snippet: the path as cookies.toml writes it, and the file's text.
#[derive(Debug, Clone)]
pub struct Snippet {
    pub path: String,
    pub text: String,
}

/// Service id → its snippets, in declared order. Paths that validation refused are skipped (it
/// reported them); a file that cannot be read, or whose text would end its `<script>` element
/// early, is an error.
pub fn read(
    root: &Path,
    content_dir: &Path,
    inventory: &InventoryFile,
    errors: &mut Diagnostics,
) -> BTreeMap<String, Vec<Snippet>> {
    let mut out = BTreeMap::new();
    if inventory.services.values().all(|s| s.snippets.is_empty()) {
        return out;
    }
    let folder = match Folder::new(root, content_dir) {
        Ok(folder) => folder,
        Err(e) => {
            errors.push(file_error(&e));
            return out;
        }
    };
    for (id, service) in &inventory.services {
        for path in &service.snippets {
            let path = path.get_ref();
            if crate::validate::loads::snippet_path(path).is_err() {
                continue;
            }
            let source = match read_source(&folder, &content_dir.join(path)) {
                Ok(source) => source,
                Err(e) => {
                    errors.push(*e);
                    continue;
                }
            };
            if let Some(diagnostic) = unsafe_text(&source) {
                errors.push(diagnostic);
                continue;
            }
            out.entry(id.clone())
                .or_insert_with(Vec::new)
                .push(Snippet {
                    path: path.clone(),
                    text: source.text.to_string(),
                });
        }
    }
    out
}

/// Text that would end the `<script>` element it is placed in (`</script`), or switch the
/// HTML parser into a state where it might (`<!--`), is refused where it is.
fn unsafe_text(source: &Source) -> Option<Diagnostic> {
    let lower = source.text.to_ascii_lowercase();
    let (at, what) = [("</script", "`</script`"), ("<!--", "`<!--`")]
        .iter()
        .filter_map(|(needle, what)| lower.find(needle).map(|at| (at, *what)))
        .min()?;
    Some(
        Diagnostic::new(
            source,
            Some(at..at + what.len() - 2),
            format!("a snippet cannot contain {what}"),
        )
        .label("it would end the <script> element the snippet is placed in")
        .help("write the provider's code without the surrounding <script> tags; split such strings, as \"<\\/script\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_would_close_the_script_is_refused_where_it_is() {
        let ok = Source::new("content/snippets/a.js", "var _paq = [];\n");
        assert!(unsafe_text(&ok).is_none());
        let bad = Source::new("content/snippets/a.js", "var a = 1;\n</SCRIPT>\n");
        let d = unsafe_text(&bad).expect("refused");
        assert_eq!(d.line_col(), (2, 1));
        assert!(d.message.contains("`</script`"), "{}", d.message);
        let bad = Source::new("content/snippets/a.js", "x<!--y");
        assert!(unsafe_text(&bad).is_some());
    }
}
