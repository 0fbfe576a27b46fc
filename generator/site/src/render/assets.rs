//! Static files of the theme and the widget, renamed after their content so they can be cached
//! forever.

use crate::site_fs::{self, Folder, FsError};
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

    /// Copies the theme's `static/`: CSS and JS fingerprinted, anything else (images, icons)
    /// under its own name. Read under `site_fs`'s rules: a link out of the theme, a symlinked
    /// folder, a special file or a file over [`site_fs::STATIC_LIMIT`] fails the build, so
    /// nothing from outside the theme reaches the output.
    pub fn add_theme_static(&mut self, theme: &Folder) -> Result<(), Vec<FsError>> {
        let dir = theme.dir().join("static");
        // A theme without static files has none to copy.
        if std::fs::symlink_metadata(&dir).is_err() {
            return Ok(());
        }
        for (relative, bytes) in theme.read_tree(&dir, site_fs::STATIC_LIMIT)? {
            if relative.ends_with(".css") || relative.ends_with(".js") {
                self.add_fingerprinted(&relative, bytes);
            } else {
                self.urls.insert(relative.clone(), format!("/{relative}"));
                self.files.insert(relative, bytes);
            }
        }
        Ok(())
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
