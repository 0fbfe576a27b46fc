//! The site as the renderer sees it: loaded, checked, and with every page's body prepared.

use crate::content::inventory::InventoryFile;
use crate::content::site::SiteFile;
use crate::content::{self, Content, PageFile};
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::markdown::{self, Prepared};
use crate::validate;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A site that passed validation.
#[derive(Debug)]
pub struct Site {
    pub root: PathBuf,
    pub config: SiteFile,
    pub config_source: Source,
    pub inventory: InventoryFile,
    pub inventory_source: Source,
    /// Service id → the inline scripts it declares, read from their files.
    pub snippets: std::collections::BTreeMap<String, Vec<content::snippets::Snippet>>,
    pub theme_dir: PathBuf,
    /// Default language first, then the others in order of their tags.
    pub languages: Vec<String>,
    pub pages: Vec<Page>,
    /// Slug → indices into `pages`, one per language.
    by_slug: HashMap<String, Vec<usize>>,
}

#[derive(Debug)]
pub struct Page {
    pub file: PageFile,
    pub lang: String,
    /// Site-relative URL: `/`, `/kontakt/`, `/en/kontakt/`.
    pub url: String,
    pub body: Prepared,
}

impl Site {
    pub fn default_language(&self) -> &str {
        self.config.default_language.get_ref()
    }

    /// The page with `slug` in `lang`, if it exists.
    pub fn page(&self, slug: &str, lang: &str) -> Option<&Page> {
        self.pages_with_slug(slug).find(|p| p.lang == lang)
    }

    /// The other language versions of a page, itself included.
    pub fn translations<'a>(&'a self, page: &'a Page) -> impl Iterator<Item = &'a Page> {
        self.pages_with_slug(&page.file.slug)
    }

    fn pages_with_slug<'a>(&'a self, slug: &str) -> impl Iterator<Item = &'a Page> {
        // An index rather than a scan: rendering asks this for every page.
        self.by_slug
            .get(slug)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.pages.get(i))
    }
}

/// The URL of a page: the default language at the root, others under `/<lang>/`.
pub fn page_url(slug: &str, lang: &str, default_lang: &str) -> String {
    let prefix = if lang == default_lang {
        String::new()
    } else {
        format!("/{lang}")
    };
    if slug == "index" {
        format!("{prefix}/")
    } else {
        format!("{prefix}/{slug}/")
    }
}

/// Reads `root/content` and `root/themes/<theme>`, and checks everything. Every error found is
/// returned at once.
pub fn load(root: &Path) -> Result<Site, Diagnostics> {
    let content = content::read(root, &root.join("content"))?;
    let mut errors = Diagnostics::default();
    validate::site(&content.site, &content.site_source, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    validate::inventory(
        &content.inventory,
        &content.inventory_source,
        &content.site,
        &mut errors,
    );
    let snippets =
        content::snippets::read(root, &root.join("content"), &content.inventory, &mut errors);
    let inventory_errors = errors.len();

    let theme_dir = match theme_dir(root, &content) {
        Ok(dir) => dir,
        Err(missing) => {
            errors.push(*missing);
            return Err(errors);
        }
    };
    validate::brand::files_exist(
        &content.site.brand,
        &theme_dir,
        &content.site_source,
        &mut errors,
    );
    let shortcodes = crate::theme::shortcodes(&theme_dir);
    validate::gated::check_templates(root, &theme_dir, &mut errors);

    let default_lang = content.site.default_language.get_ref().clone();
    let mut languages: Vec<String> = content.site.languages.keys().cloned().collect();
    languages.sort_by_key(|l| (*l != default_lang, l.clone()));

    // Languages and URLs first: bodies link to each other.
    let placed = place(&content, &languages, &default_lang, &mut errors);
    policy_pages(&content, &placed.seen, &default_lang, &mut errors);
    // Bodies are checked against the pages placed above; with a page missing, every link to it
    // would be reported again.
    if errors.len() > inventory_errors {
        return Err(errors);
    }
    let pages = prepare(&content, placed, &shortcodes, &default_lang, &mut errors);
    errors.into_result()?;
    let mut site = assemble(content, pages, theme_dir, languages);
    site.snippets = snippets;
    Ok(site)
}

/// `themes/<theme>`: the built-in theme needs no folder; another is the site's own, laid over
/// the built-in one. The error says how to fall back to the built-in theme.
fn theme_dir(root: &Path, content: &Content) -> Result<PathBuf, Box<Diagnostic>> {
    let theme = content.site.theme.get_ref();
    let theme_dir = root.join("themes").join(theme);
    if crate::theme::exists(theme, &theme_dir) {
        return Ok(theme_dir);
    }
    Err(Box::new(
        Diagnostic::new(
            &content.site_source,
            Some(content.site.theme.span()).filter(|s| !s.is_empty()),
            format!("theme `{theme}` not found"),
        )
        .label(format!("expected a directory {}", theme_dir.display()))
        .help(format!(
            "leave out `theme` for the built-in theme `{}`",
            crate::theme::BUILTIN
        )),
    ))
}

/// Every page's language and URL, in the order of `content.pages` (without the refused ones).
struct Placed {
    /// (language, URL) per accepted page.
    pages: Vec<(String, String)>,
    /// The page's file name as a link writes it (`kontakt.md`, `kontakt.en.md`) → its URL.
    by_path: HashMap<String, String>,
    /// (slug, language) → the file that holds it.
    seen: HashMap<(String, String), Source>,
}

/// Gives each page its language and URL; a page in an unknown language or a second page with
/// the same slug and language is an error.
fn place(
    content: &Content,
    languages: &[String],
    default_lang: &str,
    errors: &mut Diagnostics,
) -> Placed {
    let default_lang = default_lang.to_owned();
    let mut placed = Vec::new();
    let mut by_path: HashMap<String, String> = HashMap::new();
    let mut seen: HashMap<(String, String), Source> = HashMap::new();
    let mut by_url: HashMap<String, Source> = HashMap::new();
    for file in &content.pages {
        let lang = file
            .lang_suffix
            .clone()
            .unwrap_or_else(|| default_lang.clone());
        if !content.site.languages.contains_key(&lang) {
            errors.push(validate::not_one_of(
                &file.source,
                None,
                format!("unknown language `{lang}` in the file name"),
                &lang,
                languages.iter().map(String::as_str),
                Some(format!(
                    "declare it in site.toml as [languages.{lang}], or rename the file"
                )),
            ));
            continue;
        }
        if let Some(first) = seen.get(&(file.slug.clone(), lang.clone())) {
            errors.push(
                Diagnostic::new(
                    &file.source,
                    None,
                    format!("page `{}` exists twice in `{lang}`", file.slug),
                )
                .label(format!("{} is the same page", first.path.display())),
            );
            continue;
        }
        let url = match url_slug(file, errors) {
            Some(slug) => page_url(slug, &lang, &default_lang),
            None => continue,
        };
        if let Some(first) = by_url.get(&url) {
            errors.push(
                Diagnostic::new(
                    &file.source,
                    file.front
                        .slug
                        .as_ref()
                        .map(|s| crate::content::in_front_matter(&file.source.text, s.span())),
                    format!("two pages have the URL `{url}`"),
                )
                .label(format!("{} has it too", first.path.display()))
                .help("give one of them another `slug` in its front matter"),
            );
            continue;
        }
        by_url.insert(url.clone(), file.source.clone());
        seen.insert((file.slug.clone(), lang.clone()), file.source.clone());
        let key = match &file.lang_suffix {
            Some(suffix) => format!("{}.{suffix}.md", file.slug),
            None => format!("{}.md", file.slug),
        };
        by_path.insert(key, url.clone());
        placed.push((lang, url));
    }
    Placed {
        pages: placed,
        by_path,
        seen,
    }
}

/// The path a page's URL ends in: its front matter's `slug` (a translated one, `privacy` for
/// `personvern.en.md`), else its file name. A `slug` is held to the file names' rule, since it
/// becomes a URL and a path in the output just as they do.
fn url_slug<'a>(file: &'a PageFile, errors: &mut Diagnostics) -> Option<&'a str> {
    let Some(slug) = &file.front.slug else {
        return Some(&file.slug);
    };
    let text = slug.get_ref();
    if !text.is_empty() && text.split('/').all(content::is_name_part) {
        return Some(text);
    }
    errors.push(
        Diagnostic::new(
            &file.source,
            Some(crate::content::in_front_matter(
                &file.source.text,
                slug.span(),
            )),
            format!("`{text}` cannot be a page's slug"),
        )
        .label("expected lowercase letters a-z, digits and `-`, with `/` between folders")
        .help("write it as a file name would be: slug = \"privacy\""),
    );
    None
}

/// The policy page and the cookie page site.toml names exist in the default language.
fn policy_pages(
    content: &Content,
    seen: &HashMap<(String, String), Source>,
    default_lang: &str,
    errors: &mut Diagnostics,
) {
    let default_lang = default_lang.to_owned();
    for (slug_field, what) in [
        (&content.site.policy.page, "policy page"),
        (&content.site.policy.cookie_page, "cookie page"),
    ] {
        let slug = slug_field.get_ref();
        if !seen.contains_key(&(slug.clone(), default_lang.clone())) {
            let mut known: Vec<&str> = seen.keys().map(|(s, _)| s.as_str()).collect();
            known.sort_unstable();
            errors.push(validate::not_one_of(
                &content.site_source,
                Some(slug_field.span()),
                format!("the {what} `{slug}` does not exist"),
                slug,
                known,
                None,
            ));
        }
    }
}

/// Every page's body prepared (links, shortcodes, gated markup checked), with its language and
/// URL, in the order of `content.pages`.
fn prepare(
    content: &Content,
    placed: Placed,
    shortcodes: &[String],
    default_lang: &str,
    errors: &mut Diagnostics,
) -> Vec<(String, String, Prepared)> {
    let Placed {
        pages: placed,
        by_path,
        ..
    } = placed;
    let urls: HashSet<String> = by_path.values().cloned().collect();
    let categories: Vec<&str> = content
        .inventory
        .categories
        .keys()
        .map(String::as_str)
        .collect();
    let gated = validate::gated::Rules::new(&content.inventory);
    // Any rejected page returned above, so `placed` lines up with `content.pages`. Pages are
    // prepared on every core, each with its own errors; they are merged in page order, so the
    // report does not depend on scheduling.
    let prepared: Vec<(String, String, Prepared, Diagnostics)> = content
        .pages
        .par_iter()
        .zip(placed)
        .map(|(file, (lang, url))| {
            let mut found = Diagnostics::default();
            let cx = markdown::Context {
                pages: &by_path,
                urls: &urls,
                shortcodes,
                categories: &categories,
                lang: &lang,
                default_lang,
            };
            let body = markdown::prepare(&file.source, file.body_start, &cx, &mut found);
            validate::gated::check(&file.source, file.body_start, &gated, &mut found);
            validate::embed::check(
                &file.source,
                &body.shortcodes,
                &content.inventory,
                &mut found,
            );
            (lang, url, body, found)
        })
        .collect();
    prepared
        .into_iter()
        .map(|(lang, url, body, found)| {
            errors.0.extend(found.0);
            (lang, url, body)
        })
        .collect()
}

/// The checked content, put together as the renderer reads it.
fn assemble(
    content: Content,
    pages: Vec<(String, String, Prepared)>,
    theme_dir: PathBuf,
    languages: Vec<String>,
) -> Site {
    let Content {
        root,
        site,
        site_source,
        inventory,
        inventory_source,
        pages: files,
    } = content;
    let pages: Vec<Page> = files
        .into_iter()
        .zip(pages)
        .map(|(file, (lang, url, body))| Page {
            file,
            lang,
            url,
            body,
        })
        .collect();
    let mut by_slug: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        by_slug.entry(page.file.slug.clone()).or_default().push(i);
    }
    Site {
        root,
        config: site,
        config_source: site_source,
        inventory,
        inventory_source,
        snippets: Default::default(),
        theme_dir,
        languages,
        pages,
        by_slug,
    }
}
