//! Static files of the theme and the widget, renamed after their content so they can be cached
//! forever.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// `style.css` → `style.3f2a9c1b0d.css`.
pub fn fingerprinted(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// Files to write, keyed by their path in the output, and where the theme's originals went.
#[derive(Debug, Default)]
pub struct Assets {
    pub files: BTreeMap<String, Vec<u8>>,
    /// `style.css` → `/style.3f2a9c1b0d.css`.
    pub urls: BTreeMap<String, String>,
}

impl Assets {
    /// Adds a file under a fingerprinted name and returns its URL.
    pub fn add_fingerprinted(&mut self, name: &str, bytes: Vec<u8>) -> String {
        let out = fingerprinted(name, &bytes);
        let url = format!("/{out}");
        self.files.insert(out, bytes);
        self.urls.insert(name.to_owned(), url.clone());
        url
    }

    /// Adds the theme's `static/` (see `theme::static_files`): CSS and JS fingerprinted,
    /// anything else (images, icons) under its own name.
    pub fn add_theme_static(&mut self, files: BTreeMap<String, Vec<u8>>) {
        for (relative, bytes) in files {
            if relative.ends_with(".css") || relative.ends_with(".js") {
                self.add_fingerprinted(&relative, bytes);
            } else {
                self.urls.insert(relative.clone(), format!("/{relative}"));
                self.files.insert(relative, bytes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_with_content_and_keep_the_extension() {
        let a = fingerprinted("style.css", b"a{}");
        let b = fingerprinted("style.css", b"b{}");
        assert_ne!(a, b);
        assert!(
            a.starts_with("style.") && a.ends_with(".css") && a.len() == "style..css".len() + 10,
            "{a}"
        );
        assert_eq!(a, fingerprinted("style.css", b"a{}"));
    }
}
