//! The theme: Samtykke's built-in `standard` theme (compiled into the program, so a site needs
//! no theme of its own), with the site's `themes/<name>/` laid over it file by file. A file the
//! site has (`templates/page.html`, `static/style.css`) replaces the built-in one of the same
//! path; everything else comes from the built-in theme. The site's files are read under
//! `site_fs`'s rules; the built-in ones are ours.

use crate::site_fs::{self, Folder, FsError, Problem};
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in theme's name: a site without `theme = …` uses it, and needs no `themes/`.
pub const BUILTIN: &str = "standard";

macro_rules! builtin_files {
    ($($path:literal),* $(,)?) => {
        /// The built-in theme: path below the theme's folder → bytes. A test checks that this
        /// is exactly `generator/site/themes/standard/`.
        pub const FILES: &[(&str, &[u8])] = &[
            $(($path, include_bytes!(concat!("../themes/standard/", $path)))),*
        ];
    };
}

builtin_files!(
    "static/favicon.ico",
    "static/favicon.svg",
    "static/style.css",
    "templates/404.html",
    "templates/base.html",
    "templates/page.html",
    "templates/robots.txt",
    "templates/sitemap.xml",
    "templates/partials/banner.html",
    "templates/partials/cookie_table.html",
    "templates/partials/footer.html",
    "templates/partials/preferences.html",
    "templates/shortcodes/consent_settings.html",
    "templates/shortcodes/contact.html",
    "templates/shortcodes/cookie_table.html",
    "templates/shortcodes/cookie_tables.html",
    "templates/shortcodes/embed.html",
);

/// Templates are named by their path below `templates/` (`partials/banner.html`).
fn builtin(prefix: &str) -> impl Iterator<Item = (&'static str, &'static [u8])> + '_ {
    FILES
        .iter()
        .filter_map(move |(path, bytes)| Some((path.strip_prefix(prefix)?, *bytes)))
}

/// The site's theme folder, if it has one. `None` for the built-in theme without overrides.
fn site_folder(root: &Path, theme_dir: &Path) -> Result<Option<Folder>, FsError> {
    if std::fs::symlink_metadata(theme_dir).is_err() {
        return Ok(None);
    }
    Folder::new(root, theme_dir).map(Some)
}

/// Whether a theme of that name can be used: the built-in one always, another only when the
/// site has its folder.
pub fn exists(name: &str, theme_dir: &Path) -> bool {
    name == BUILTIN || theme_dir.is_dir()
}

/// Every template, name → source: the built-in ones, then the site's `templates/**/*.html`
/// (and `.xml`, `.txt`) over them.
pub fn templates(root: &Path, theme_dir: &Path) -> Result<BTreeMap<String, String>, Vec<FsError>> {
    let mut sources: BTreeMap<String, String> = builtin("templates/")
        .map(|(name, bytes)| (name.to_owned(), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let Some(folder) = site_folder(root, theme_dir).map_err(|e| vec![e])? else {
        return Ok(sources);
    };
    let dir = theme_dir.join("templates");
    if std::fs::symlink_metadata(&dir).is_err() {
        return Ok(sources);
    }
    let is_template = |p: &Path| {
        p.extension()
            .is_some_and(|e| e == "html" || e == "xml" || e == "txt")
    };
    let (paths, mut refused) = folder.walk(&dir, is_template);
    for path in paths {
        match folder.read(&path, site_fs::TEXT_LIMIT) {
            Ok(bytes) => {
                let name = path
                    .strip_prefix(&dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        sources.insert(name, text);
                    }
                    Err(e) => refused.push(FsError {
                        path: folder.shown(&path),
                        problem: Problem::Io(std::io::Error::other(format!(
                            "the template is not UTF-8 from byte offset {}",
                            e.utf8_error().valid_up_to()
                        ))),
                    }),
                }
            }
            Err(e) => refused.push(e),
        }
    }
    if refused.is_empty() {
        Ok(sources)
    } else {
        Err(refused)
    }
}

/// Every static file, path below `static/` → bytes: the built-in ones, then the site's.
pub fn static_files(
    root: &Path,
    theme_dir: &Path,
) -> Result<BTreeMap<String, Vec<u8>>, Vec<FsError>> {
    let mut files: BTreeMap<String, Vec<u8>> = builtin("static/")
        .map(|(name, bytes)| (name.to_owned(), bytes.to_vec()))
        .collect();
    let Some(folder) = site_folder(root, theme_dir).map_err(|e| vec![e])? else {
        return Ok(files);
    };
    let dir = theme_dir.join("static");
    // A theme without static files has none to add.
    if std::fs::symlink_metadata(&dir).is_err() {
        return Ok(files);
    }
    files.append(&mut folder.read_tree(&dir, site_fs::STATIC_LIMIT)?);
    Ok(files)
}

/// Names of the shortcodes (`templates/shortcodes/*.html`), built-in and the site's.
pub fn shortcodes(theme_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = builtin("templates/shortcodes/")
        .filter_map(|(name, _)| name.strip_suffix(".html").map(str::to_owned))
        .collect();
    names.extend(
        std::fs::read_dir(theme_dir.join("templates").join("shortcodes"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                (path.extension()? == "html")
                    .then(|| path.file_stem()?.to_str().map(str::to_owned))?
            }),
    );
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_builtin_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("themes")
            .join(BUILTIN);
        let mut on_disk = Vec::new();
        let mut todo = vec![dir.clone()];
        while let Some(d) = todo.pop() {
            for entry in std::fs::read_dir(&d).expect("the built-in theme's folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    todo.push(path);
                } else {
                    let relative = path.strip_prefix(&dir).expect("inside");
                    on_disk.push(relative.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
        listed.sort();
        assert_eq!(
            listed, on_disk,
            "theme.rs lists every file of themes/standard/"
        );
    }

    #[test]
    fn the_site_overrides_file_by_file() {
        let root = tempfile::tempdir().expect("tempdir");
        let theme = root.path().join("themes/mine");
        std::fs::create_dir_all(theme.join("templates/partials")).expect("mkdir");
        std::fs::create_dir_all(theme.join("static")).expect("mkdir");
        std::fs::write(theme.join("templates/partials/banner.html"), "mine").expect("write");
        std::fs::write(theme.join("static/logo.svg"), "<svg/>").expect("write");
        let templates = templates(root.path(), &theme).expect("templates");
        assert_eq!(templates["partials/banner.html"], "mine");
        assert!(
            templates["page.html"].contains("{%"),
            "the built-in page.html stays"
        );
        let files = static_files(root.path(), &theme).expect("static");
        assert_eq!(files["logo.svg"], b"<svg/>");
        assert!(
            files.contains_key("style.css"),
            "the built-in stylesheet stays"
        );
    }

    #[test]
    fn no_theme_folder_is_the_builtin_theme() {
        let root = tempfile::tempdir().expect("tempdir");
        let theme = root.path().join("themes").join(BUILTIN);
        assert!(exists(BUILTIN, &theme));
        assert!(!exists("other", &root.path().join("themes/other")));
        let templates = templates(root.path(), &theme).expect("templates");
        assert!(templates.contains_key("404.html") && templates.contains_key("sitemap.xml"));
        assert!(shortcodes(&theme).contains(&"contact".to_owned()));
    }
}
