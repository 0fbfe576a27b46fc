//! A page: `content/<slug>[.<lang>].md`, TOML front matter between `+++` lines, then Markdown.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub description: Spanned<String>,
    /// Position in the main navigation; pages without it are not listed there.
    #[serde(default)]
    pub menu: Option<i64>,
    /// Title in the navigation, if shorter than `title`.
    #[serde(default)]
    pub menu_title: Option<String>,
    /// The last part of the page's URL in its language, when it is not the file's name:
    /// `personvern.en.md` with `slug = "privacy"` is `/en/privacy/`. Translations are still
    /// matched by file name.
    #[serde(default)]
    pub slug: Option<Spanned<String>>,
    /// Template in the theme's `templates/`; `page.html` by default.
    #[serde(default)]
    pub template: Option<Spanned<String>>,
}
