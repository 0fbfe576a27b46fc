//! `samtykke init DIR`: a new site to start from, in Norwegian. It builds at once; every place
//! the new owner must fill in says «MANGLER:», so `samtykke check` lists them. The policy page
//! has a heading for each item of GDPR Art. 13, and no legal text of ours under them.

pub mod theme;

use std::path::{Path, PathBuf};

/// The skeleton's content: path below the site's root → text.
pub const CONTENT: &[(&str, &str)] = &[
    (
        "content/site.toml",
        include_str!("../../skeleton/content/site.toml"),
    ),
    (
        "content/cookies.toml",
        include_str!("../../skeleton/content/cookies.toml"),
    ),
    (
        "content/index.md",
        include_str!("../../skeleton/content/index.md"),
    ),
    (
        "content/personvern.md",
        include_str!("../../skeleton/content/personvern.md"),
    ),
    (
        "content/informasjonskapsler.md",
        include_str!("../../skeleton/content/informasjonskapsler.md"),
    ),
    (".gitignore", "/dist\n"),
];

#[derive(Debug)]
pub enum InitError {
    NotEmpty(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::NotEmpty(dir) => write!(
                f,
                "{} is not empty; init creates a site only in a new or empty directory, so nothing is overwritten",
                dir.display()
            ),
            InitError::Io(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for InitError {}

/// Every file of a new site: the content, then, with `theme_files`, the built-in theme's files
/// to change (without them the site uses the built-in theme as it is).
pub fn files(theme_files: bool) -> Vec<(PathBuf, &'static [u8])> {
    let content = CONTENT
        .iter()
        .map(|(path, text)| (PathBuf::from(path), text.as_bytes()));
    let theme = theme::FILES
        .iter()
        .filter(|_| theme_files)
        .map(|(path, bytes)| (Path::new("themes").join(theme::NAME).join(path), *bytes));
    content.chain(theme).collect()
}

/// Creates the site in `dir`, which must be new or empty. Returns the files written.
pub fn init(dir: &Path, theme_files: bool) -> Result<Vec<PathBuf>, InitError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e| InitError::Io(path, e)
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(InitError::NotEmpty(dir.to_path_buf()));
        }
    }
    let mut written = Vec::new();
    for (relative, bytes) in files(theme_files) {
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
        written.push(relative);
    }
    Ok(written)
}
