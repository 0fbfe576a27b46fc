//! From the model to files: pages through the theme's templates, assets, and the files hosts
//! read (`sitemap.xml`, `robots.txt`, `_headers`, `404.html`). Everything is built in memory;
//! `output` writes it. A site published below a path gets every URL of its own files under
//! that path (`prefix`).

pub mod assets;
pub mod context;
pub mod csp;
mod embed;
pub mod headers;
pub mod prefix;
pub mod style;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::PLACEHOLDER_PREFIX;
use crate::model::{Page, Site};
use crate::site_fs::FsError;
use crate::theme;
use crate::widget_config;
use context::{LanguageContext, PageView, TranslationView};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Mutex, PoisonError};
use tera::Tera;

/// The compiled widget: wasm-bindgen's JS glue and the WASM module.
#[derive(Debug, Clone)]
pub struct WidgetBundle {
    pub js: Vec<u8>,
    pub wasm: Vec<u8>,
}

impl WidgetBundle {
    /// The widget built into this program (crate `samtykke-widget-compiled`), so that a site
    /// builds with consent enforcement anywhere, with no wasm toolchain.
    pub fn embedded() -> WidgetBundle {
        WidgetBundle {
            js: samtykke_widget_compiled::JS.to_vec(),
            wasm: samtykke_widget_compiled::WASM.to_vec(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides `base_url` of site.toml (for previews and tests).
    pub base_url: Option<String>,
    /// `None` builds pages whose gated scripts never start: nothing enforces or grants consent.
    pub widget: Option<WidgetBundle>,
    /// An extra module script for every page, such as `serve`'s live reload.
    pub extra_module: Option<String>,
    /// Extra `connect-src` origins for that script.
    pub extra_connect: Vec<String>,
    /// For `build` only: overrides `[build] precompress` of site.toml (`--no-precompress`).
    pub precompress: Option<bool>,
}

/// The rendered site: output path (relative, `/`-separated) → bytes.
#[derive(Debug, Default)]
pub struct Rendered {
    pub files: BTreeMap<String, Vec<u8>>,
    pub pages: usize,
}

impl Rendered {
    pub fn bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

pub use crate::error::RenderError;

/// Tera's error, kept as the source; its causes hold the useful part ("Variable `x` not found").
fn template_error(what: &str, e: tera::Error) -> RenderError {
    RenderError::tera(what, e)
}

fn theme_error(what: &str, errors: &[FsError]) -> RenderError {
    let mut message = format!("cannot use the theme's {what}:");
    for e in errors {
        message.push_str(&format!("\n  {e}"));
    }
    RenderError::Template(message)
}

/// Loads the theme's templates: the built-in theme's, with the site's `templates/**/*.html`
/// (read under `site_fs`'s rules) over them.
pub fn load_templates(site: &Site) -> Result<Tera, RenderError> {
    let sources =
        theme::templates(&site.root, &site.theme_dir).map_err(|e| theme_error("templates", &e))?;
    let mut tera = Tera::default();
    tera.add_raw_templates(sources)
        .map_err(|e| template_error("cannot load the theme's templates", e))?;
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(escape_html);
    Ok(tera)
}

/// Escapes what can break out of text or a double-quoted attribute. Tera's default also
/// escapes `/` and `'`, which bloats every URL and the CSP without making them safer.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // Copies the runs between the four characters whole: every value of every page goes
    // through here, and most have none of them.
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        // ASCII bytes never occur inside a multi-byte character, so `i` is a boundary.
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out
}

#[derive(Serialize)]
struct Head {
    csp: String,
    css_url: String,
    config_json: String,
    gate_js: &'static str,
    /// Google's `gtag` stub, when Consent Mode is on; empty otherwise.
    gtag_js: &'static str,
    widget_loader: String,
}

/// A placeholder the widget turns into a script once `category` is granted: a declared
/// script (`src`) or snippet (`text`), with its attributes.
#[derive(Serialize)]
struct GatedScript {
    category: String,
    /// Empty for a snippet.
    src: String,
    /// The snippet's exact text, whose hash the CSP carries; empty for a script.
    text: String,
    attrs: Vec<Attr>,
}

#[derive(Serialize)]
struct Attr {
    name: String,
    value: String,
}

/// The banner, the footer and the preferences dialog, the same on every page of a language:
/// rendered once per language rather than once per page, where they were about half of the
/// rendering time. base.html puts them in with `{{ partials.banner | safe }}`; a theme's
/// base.html that still includes them gets the same markup, rendered per page.
#[derive(Serialize)]
struct Partials {
    banner: String,
    footer: String,
    preferences: String,
}

/// What every page of one language shares, made once.
struct LanguageParts<'a> {
    context: &'a LanguageContext,
    nav: &'a [context::NavItem],
    /// The language's context, the head, the gated scripts and the partials as Tera holds
    /// them: each page clones this and adds its `page` and `nav`, rather than serialising the
    /// whole inventory again.
    tera_context: tera::Context,
}

impl<'a> LanguageParts<'a> {
    fn new(
        tera: &Tera,
        context: &'a LanguageContext,
        nav: &'a [context::NavItem],
        shared: &Shared,
    ) -> Result<Self, RenderError> {
        let cx = PartialContext {
            language: context,
            nav,
            head: &shared.head,
            gated_scripts: &shared.gated_scripts,
        };
        let unbuilt = |e| {
            let what = format!("cannot build the context of the `{}` pages", context.lang);
            template_error(&what, e)
        };
        let mut tera_context = tera::Context::from_serialize(&cx).map_err(unbuilt)?;
        let partials = Partials::render(tera, &tera_context, &context.lang)?;
        tera_context
            .try_insert("partials", &partials)
            .map_err(unbuilt)?;
        Ok(LanguageParts {
            context,
            nav,
            tera_context,
        })
    }

    /// The context `what` (a page, the 404 page, a page's shortcodes) renders with: the
    /// language's, with its own `page` and `nav`.
    fn page_context(
        &self,
        view: &PageView,
        nav: &[context::NavItem],
        what: &str,
    ) -> Result<tera::Context, RenderError> {
        let mut cx = self.tera_context.clone();
        cx.try_insert("page", view)
            .and_then(|()| cx.try_insert("nav", nav))
            .map_err(|e| template_error(&format!("cannot build the context of {what}"), e))?;
        Ok(cx)
    }
}

/// What the pages of a language share, as the partials and (with `partials`) every page see
/// it: everything a page sees but the page itself.
#[derive(Serialize)]
struct PartialContext<'a> {
    #[serde(flatten)]
    language: &'a LanguageContext,
    nav: &'a [context::NavItem],
    head: &'a Head,
    gated_scripts: &'a [GatedScript],
}

impl Partials {
    /// Renders the partials with the language's context (`cx`, which has no `page`).
    fn render(tera: &Tera, cx: &tera::Context, lang: &str) -> Result<Partials, RenderError> {
        // Trimmed: each goes in as a whole element where base.html puts it, on its own line.
        let one = |template: &str| {
            let html = tera.render(template, cx).map_err(|e| {
                let what = format!(
                    "cannot render {template}, which every `{lang}` page shares (it is rendered once per language, so it sees no `page`)"
                );
                template_error(&what, e)
            })?;
            Ok::<_, RenderError>(html.trim().to_owned())
        };
        Ok(Partials {
            banner: one("partials/banner.html")?,
            footer: one("partials/footer.html")?,
            preferences: one("partials/preferences.html")?,
        })
    }
}

/// Where the site is published: `base_url` of site.toml or [`Options::base_url`].
struct Base {
    /// Without a trailing `/`: `https://example.github.io/samtykke`.
    url: String,
    /// Its path, which every URL of the site's own files goes below (see [`prefix`]).
    prefix: String,
}

impl Base {
    fn of(site: &Site, options: &Options) -> Base {
        let text = match &options.base_url {
            Some(url) => url.as_str(),
            None => site.config.base_url.get_ref().as_str(),
        };
        Base {
            url: text.trim_end_matches('/').to_owned(),
            prefix: prefix::of_text(text),
        }
    }
}

/// What every page shares: the head's inline scripts and CSP, and the gated scripts.
struct Shared {
    head: Head,
    gated_scripts: Vec<GatedScript>,
    policy: csp::Policy,
    /// `samtykke/revisions.json` for the receipts service.
    revisions_json: String,
}

/// The whole site in memory (`serve`, `check`, the tests). `build` streams it instead: [`render_into`].
pub fn render(site: &Site, options: &Options) -> Result<Rendered, RenderError> {
    let files = Mutex::new(BTreeMap::new());
    let pages = render_into(site, options, &|path, bytes| {
        files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path, bytes);
        Ok::<(), RenderError>(())
    })?;
    Ok(Rendered {
        files: files.into_inner().unwrap_or_else(PoisonError::into_inner),
        pages,
    })
}

/// Where each rendered file goes as soon as it is made (output path, bytes). It is called from
/// every core at once, so that pages never all sit in memory together.
pub type Sink<'a, E> = &'a (dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync);

/// Renders every file of the site into `sink`; returns how many pages there were. Stops at the
/// first error, reporting the first in the site's order (not whichever thread failed first);
/// files already handed to `sink` are then the caller's to throw away.
pub fn render_into<E: From<RenderError> + Send>(
    site: &Site,
    options: &Options,
    sink: Sink<E>,
) -> Result<usize, E> {
    let base = Base::of(site, options);
    let tera = load_templates(site)?;
    let mut assets = assets::Assets::default();
    let mut statics = theme::static_files(&site.root, &site.theme_dir)
        .map_err(|e| theme_error("static files", &e))?;
    if let Some(css) = statics.get_mut("style.css") {
        let mut with_prelude = stylesheet_prelude(site, &base).into_bytes();
        match std::str::from_utf8(css) {
            Ok(text) => with_prelude.extend(style::without_comments(text).into_bytes()),
            // Not text we can read: passed on untouched.
            Err(_) => with_prelude.append(css),
        }
        *css = with_prelude;
    }
    assets.add_theme_static(statics);
    let shared = shared(site, options, &base, &mut assets)?;

    // The header files name every file by its class (page, fingerprinted asset, other), so
    // the names are kept as the files go by, and those files come last.
    let names = Mutex::new(Vec::new());
    let emit = |path: String, bytes: Vec<u8>| {
        names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path.clone());
        sink(path, bytes)
    };
    let pages = render_pages(site, &tera, &base, &shared, &emit)?;
    render_meta_files(site, &tera, &base, &emit)?;
    // On every build, so a receipts service can be pointed at it before the widget is.
    emit(
        "samtykke/revisions.json".to_owned(),
        shared.revisions_json.clone().into_bytes(),
    )?;
    for (path, bytes) in std::mem::take(&mut assets.files) {
        emit(path, bytes)?;
    }
    let names: BTreeSet<String> = names
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .collect();
    let settings = headers::Settings::from_config(&site.config.headers, &base.url);
    let model = headers::Model::new(&shared.policy, &settings, names.iter());
    for (path, bytes) in headers::files(&model) {
        sink(path, bytes)?;
    }
    Ok(pages)
}

/// The brand's colours and the printed pages' footers, put before the theme's `style.css`.
fn stylesheet_prelude(site: &Site, base: &Base) -> String {
    let palette = crate::validate::brand::palette(&site.config.brand);
    let origin = url::Url::parse(&base.url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let policy = &site.config.policy;
    let date = policy.date.to_string();
    // 2026-11-30 → 30.11.2026, as the footer writes it.
    let shown: Vec<&str> = date.split('-').rev().collect();
    let footers: Vec<style::PrintFooter> = site
        .languages
        .iter()
        .map(|lang| {
            // The labels as the pages get them, fallbacks included.
            let labels = context::language_context(site, lang, &base.url).labels;
            let label = |key: &str| labels.get(key).map_or("", String::as_str).to_owned();
            style::PrintFooter {
                lang: lang.clone(),
                text: format!(
                    "{} · {} {} · {} {}",
                    site.config.controller.name,
                    label("policy_version"),
                    policy.version,
                    label("policy_date"),
                    shown.join(".")
                ),
            }
        })
        .collect();
    style::prelude(&palette, &origin, &footers)
}

/// The head every page carries, with the CSP that allows exactly its inline scripts, the
/// widget's loader and the services' origins.
fn shared(
    site: &Site,
    options: &Options,
    base: &Base,
    assets: &mut assets::Assets,
) -> Result<Shared, RenderError> {
    let css_url = assets.urls.get("style.css").cloned().unwrap_or_default();
    let mut policy = csp::Policy::default();
    let gate_js = samtykke_contract::GATE_JS;
    policy.allow_script(gate_js);
    let gtag_js = if site.config.consent.google_consent_mode {
        policy.allow_script(samtykke_contract::GTAG_JS);
        samtykke_contract::GTAG_JS
    } else {
        ""
    };
    let mut widget_loader = String::new();
    if let Some(widget) = &options.widget {
        // Script text is not moved below the prefix afterwards (see `prefix`): it is here.
        let js = assets.add_fingerprinted("samtykke.js", widget.js.clone());
        let wasm = assets.add_fingerprinted("samtykke.wasm", widget.wasm.clone());
        let p = &base.prefix;
        widget_loader =
            format!("import init from \"{p}{js}\";init({{module_or_path:\"{p}{wasm}\"}});");
    }
    if let Some(extra) = &options.extra_module {
        widget_loader.push_str(extra);
    }
    // One inline module holds both, so the hash is of the whole text.
    if !widget_loader.is_empty() {
        policy.allow_script(&widget_loader);
    }
    for extra in &options.extra_connect {
        let origin = csp::Origin::parse(extra).ok_or_else(|| {
            RenderError::Template(format!("internal error: `{extra}` is not a bare origin"))
        })?;
        policy.allow_connect(origin);
    }
    let gated_scripts = gated_scripts(site);
    policy.allow_inventory(&site.inventory, &site.snippets);
    let config = widget_config::derive(&site.config, &site.inventory);
    // Validation enforces the widget's rules; a config it would refuse is our bug, not the
    // editor's, and would leave every page without consent handling.
    config.check().map_err(|e| {
        RenderError::Template(format!(
            "internal error: the widget would refuse this configuration: {e:?}"
        ))
    })?;
    // The widget posts its receipts there; nothing else of the service's is reached.
    if let Some(origin) = config
        .receipts_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| csp::Origin::of(&u))
    {
        policy.allow_connect(origin);
    }
    let head = Head {
        csp: policy.meta(),
        css_url,
        config_json: widget_config::to_embedded_json(&config),
        gate_js,
        gtag_js,
        widget_loader,
    };
    Ok(Shared {
        head,
        gated_scripts,
        policy,
        revisions_json: widget_config::revisions_json(&config),
    })
}

/// The services' scripts and snippets, held back as `text/plain` until their category is
/// granted: per service, its snippets first (they usually set up the queue its script reads),
/// then `script`, then `scripts`, in declared order.
fn gated_scripts(site: &Site) -> Vec<GatedScript> {
    let mut out = Vec::new();
    for (id, s) in &site.inventory.services {
        let Some(category) = s.category.as_ref().map(|c| c.get_ref().clone()) else {
            continue;
        };
        // The parsed URL, as the `url` crate writes it; the widget config lists the same.
        let parsed = |src: &str| {
            crate::validate::urls::service_script(src)
                .ok()
                .map(|u| u.to_string())
        };
        for snippet in site.snippets.get(id).into_iter().flatten() {
            out.push(GatedScript {
                category: category.clone(),
                src: String::new(),
                text: snippet.text.clone(),
                attrs: Vec::new(),
            });
        }
        if let Some(src) = s.script.as_ref().and_then(|src| parsed(src.get_ref())) {
            out.push(GatedScript {
                category: category.clone(),
                src,
                text: String::new(),
                attrs: Vec::new(),
            });
        }
        for decl in &s.scripts {
            let Some(src) = parsed(decl.src.get_ref()) else {
                continue;
            };
            let mut attrs = Vec::new();
            // The widget reads these (page.js): a placeholder cannot carry `async` or `type`.
            if decl.is_async {
                attrs.push(Attr {
                    name: "data-sk-async".into(),
                    value: String::new(),
                });
            }
            if decl.module {
                attrs.push(Attr {
                    name: "data-sk-type".into(),
                    value: "module".into(),
                });
            }
            for (name, value) in &decl.data {
                attrs.push(Attr {
                    name: format!("data-{name}"),
                    value: value.get_ref().clone(),
                });
            }
            out.push(GatedScript {
                category: category.clone(),
                src,
                text: String::new(),
                attrs,
            });
        }
    }
    out
}

/// Every page in every language, and the 404 page in the default language.
fn render_pages<E: From<RenderError> + Send>(
    site: &Site,
    tera: &Tera,
    base: &Base,
    shared: &Shared,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
) -> Result<usize, E> {
    let templates: HashSet<&str> = tera.get_template_names().collect();
    let languages: BTreeMap<&str, LanguageContext> = site
        .languages
        .iter()
        .map(|lang| {
            (
                lang.as_str(),
                context::language_context(site, lang, &base.url),
            )
        })
        .collect();
    let navs: BTreeMap<&str, Vec<context::NavItem>> = site
        .languages
        .iter()
        .map(|lang| (lang.as_str(), context::nav(site, lang)))
        .collect();
    let nav_for = |lang: &str| navs.get(lang).map(Vec::as_slice).unwrap_or_default();
    let parts: BTreeMap<&str, LanguageParts> = languages
        .iter()
        .map(|(lang, language)| {
            let parts = LanguageParts::new(tera, language, nav_for(lang), shared)?;
            Ok((*lang, parts))
        })
        .collect::<Result<_, RenderError>>()?;

    // Pages are independent of each other once the shared parts above exist, so they render
    // on every core, each going to `emit` as soon as it is made. `collect` keeps the model's
    // order, so which error is reported first does not depend on scheduling.
    let pages: Vec<Result<(), E>> = site
        .pages
        .par_iter()
        .filter_map(|page| {
            let parts = parts.get(page.lang.as_str())?;
            Some(
                render_page(site, page, parts, tera, &templates, base)
                    .map_err(E::from)
                    .and_then(|(path, html)| emit(path, html)),
            )
        })
        .collect();
    let count = pages.len();
    pages.into_iter().collect::<Result<(), E>>()?;

    if let Some(parts) = parts.get(site.default_language()) {
        let view = not_found_view(parts.context, &base.url);
        let cx = parts.page_context(&view, parts.nav, "404.html")?;
        let html = render_with(tera, "404.html", &cx, "404.html")?;
        emit(
            "404.html".to_owned(),
            prefix::under(&html, &base.prefix).into_bytes(),
        )?;
    }
    Ok(count)
}

/// One page through its template: its output path and HTML.
fn render_page(
    site: &Site,
    page: &Page,
    parts: &LanguageParts,
    tera: &Tera,
    templates: &HashSet<&str>,
    base: &Base,
) -> Result<(String, Vec<u8>), RenderError> {
    let template = page
        .file
        .front
        .template
        .as_ref()
        .map_or("page.html", |t| t.get_ref().as_str());
    if !templates.contains(template) {
        return Err(missing_template(site, page, template, templates));
    }
    let view = page_view(site, page, parts, tera, &base.url)?;
    let what = page.file.source.path.display().to_string();
    let cx = parts.page_context(&view, &context::nav_at(parts.nav, &page.url), &what)?;
    let html = render_with(tera, template, &cx, &what)?;
    let html = prefix::under(&html, &base.prefix);
    Ok((output_path(&page.url), html.into_bytes()))
}

/// The 404 page's own values: its title and text are labels.
fn not_found_view(language: &LanguageContext, base_url: &str) -> PageView {
    let label = |key: &str| language.labels.get(key).cloned().unwrap_or_default();
    PageView {
        title: label("not_found_title"),
        description: label("not_found_body"),
        slug: "404".to_owned(),
        url: "/404.html".to_owned(),
        permalink: format!("{base_url}/404.html"),
        content: String::new(),
        translations: Vec::new(),
        switcher: Vec::new(),
    }
}

#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    alternates: Vec<SitemapLink>,
}

#[derive(Serialize)]
struct SitemapLink {
    lang: String,
    href: String,
}

/// The files hosts and crawlers read: `sitemap.xml` and `robots.txt` through the theme's
/// templates, and `_headers`. The templates get their URLs already escaped (see [`xml_text`]),
/// so no URL, however odd its `base_url` or path, can end an element or a line early.
fn render_meta_files<E: From<RenderError>>(
    site: &Site,
    tera: &Tera,
    base: &Base,
    emit: &dyn Fn(String, Vec<u8>) -> Result<(), E>,
) -> Result<(), E> {
    let absolute = |url: &str| xml_text(&format!("{}{url}", base.url));
    let urls: Vec<SitemapUrl> = site
        .pages
        .iter()
        .map(|page| {
            let translations: Vec<&Page> = site.translations(page).collect();
            let alternates = if translations.len() > 1 {
                translations
                    .iter()
                    .map(|t| SitemapLink {
                        lang: xml_text(&t.lang),
                        href: absolute(&t.url),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            SitemapUrl {
                loc: absolute(&page.url),
                alternates,
            }
        })
        .collect();
    let mut sitemap = tera::Context::new();
    sitemap.insert("urls", &urls);
    let mut robots = tera::Context::new();
    robots.insert("sitemap_url", &robots_url(&base.url));
    for (name, cx) in [("sitemap.xml", &sitemap), ("robots.txt", &robots)] {
        let text = tera
            .render(name, cx)
            .map_err(|e| template_error(&format!("cannot render {name}"), e))?;
        emit(name.to_owned(), text.into_bytes())?;
    }
    Ok(())
}

/// A page's template that the theme lacks: at the page's `template = …` when it has one.
fn missing_template(
    site: &Site,
    page: &Page,
    template: &str,
    templates: &HashSet<&str>,
) -> RenderError {
    let expected = site.theme_dir.join("templates").join(template);
    let mut known: Vec<&str> = templates
        .iter()
        .copied()
        .filter(|t| !t.starts_with("shortcodes/"))
        .collect();
    known.sort_unstable();
    let (list, hint) = crate::validate::expected_one_of(template, known);
    let source = &page.file.source;
    let diagnostic = match &page.file.front.template {
        Some(asked) => Diagnostic::new(
            source,
            Some(crate::content::in_front_matter(&source.text, asked.span())),
            format!("the theme has no template `{template}`"),
        )
        .label(list),
        None => Diagnostic::new(
            source,
            None,
            format!(
                "the theme has no template `{template}`, which pages without `template = …` use"
            ),
        ),
    };
    let help = match hint {
        Some(hint) => format!("{hint} (looked for {})", expected.display()),
        None => format!("add {} to the theme", expected.display()),
    };
    let mut errors = Diagnostics::default();
    errors.push(diagnostic.help(help));
    RenderError::Content(errors)
}

fn render_with(
    tera: &Tera,
    template: &str,
    cx: &tera::Context,
    what: &str,
) -> Result<String, RenderError> {
    tera.render(template, cx)
        .map_err(|e| template_error(&format!("cannot render {what} with {template}"), e))
}

fn page_view(
    site: &Site,
    page: &Page,
    parts: &LanguageParts,
    tera: &Tera,
    base_url: &str,
) -> Result<PageView, RenderError> {
    let language = parts.context;
    let mut view = PageView {
        title: page.file.front.title.clone(),
        description: page.file.front.description.get_ref().clone(),
        slug: page.file.slug.clone(),
        url: page.url.clone(),
        permalink: format!("{base_url}{}", page.url),
        content: String::new(),
        translations: site
            .translations(page)
            .map(|p| TranslationView {
                lang: p.lang.clone(),
                url: format!("{base_url}{}", p.url),
            })
            .collect(),
        switcher: context::switcher(site, page),
    };
    if page.body.shortcodes.is_empty() {
        view.content = page.body.html.clone();
        return Ok(view);
    }
    // Made once per page. Each shortcode's arguments are set on it for its render and then
    // taken back: a copy per shortcode would copy the whole inventory each time.
    let mut context = parts.page_context(&view, &[], "a shortcode")?;
    let mut expanded = Vec::with_capacity(page.body.shortcodes.len());
    for call in &page.body.shortcodes {
        let mut shadowed = Vec::with_capacity(call.args.len());
        for (key, value) in &call.args {
            shadowed.push((key.as_str(), context.remove(key)));
            let category = (key == "category")
                .then(|| language.consent.categories.iter().find(|c| &c.id == value))
                .flatten();
            match category {
                Some(category) => context.insert(key.as_str(), category),
                None => context.insert(key.as_str(), value),
            }
        }
        if call.name == crate::validate::embed::NAME {
            shadowed.push(("embed", context.remove("embed")));
            context.insert("embed", &embed::view(site, &page.lang, call));
        }
        let rendered = render_shortcode(tera, &context, page, call);
        for (key, old) in shadowed.into_iter().rev() {
            match old {
                Some(old) => context.insert(key, &old),
                None => {
                    context.remove(key);
                }
            }
        }
        expanded.push(rendered?);
    }
    view.content = fill_placeholders(&page.body.html, &expanded);
    Ok(view)
}

fn render_shortcode(
    tera: &Tera,
    context: &tera::Context,
    page: &Page,
    call: &crate::markdown::ShortcodeCall,
) -> Result<String, RenderError> {
    let template = format!("shortcodes/{}.html", call.name);
    tera.render(&template, context).map_err(|e| {
        // Only on error: counting lines for every call would make a page quadratic.
        let (line, col) = page.file.source.line_col(call.span.start);
        template_error(
            &format!(
                "{}:{line}:{col}: cannot render shortcode `{}`",
                page.file.source.path.display(),
                call.name
            ),
            e,
        )
    })
}

/// `html` with each shortcode's placeholder replaced by its output, in one pass over `html`
/// (a `replacen` per shortcode rescans and copies the page each time).
fn fill_placeholders(html: &str, expanded: &[String]) -> String {
    let prefix = PLACEHOLDER_PREFIX;
    let mut out =
        String::with_capacity(html.len() + expanded.iter().map(String::len).sum::<usize>());
    let mut filled = vec![false; expanded.len()];
    let mut rest = html;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let index = after[..digits].parse::<usize>().ok();
        let closed = after[digits..].starts_with("-->");
        match index.filter(|&i| closed && filled.get(i) == Some(&false)) {
            Some(i) => {
                out.push_str(&rest[..at]);
                out.push_str(&expanded[i]);
                filled[i] = true;
                rest = &after[digits + 3..];
            }
            None => {
                // Not one of ours (or already filled): keep it as written.
                out.push_str(&rest[..at + prefix.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `/` → `index.html`, `/kontakt/` → `kontakt/index.html`.
pub fn output_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}

/// The sitemap's URL for `robots.txt`. A line break in `base_url` would start a rule of its
/// own, so control characters are percent-encoded as in [`xml_text`].
fn robots_url(base_url: &str) -> String {
    let mut url = String::with_capacity(base_url.len() + 12);
    for c in format!("{base_url}/sitemap.xml").chars() {
        push_url_char(&mut url, c);
    }
    url
}

/// A URL as XML text or a quoted attribute value (either quote). The five markup characters
/// become entities; characters XML 1.0 cannot hold even as a reference (C0 controls, U+FFFE,
/// U+FFFF) and the other controls are percent-encoded, which is what they must be in a URL.
pub fn xml_text(url: &str) -> String {
    let mut out = String::with_capacity(url.len() + url.len() / 8);
    for c in url.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => push_url_char(&mut out, c),
        }
    }
    out
}

fn push_url_char(out: &mut String, c: char) {
    if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' {
        let mut buffer = [0u8; 4];
        for byte in c.encode_utf8(&mut buffer).bytes() {
            out.push_str(&format!("%{byte:02X}"));
        }
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::placeholder;
    use proptest::prelude::*;

    proptest! {
        /// The same as replacing each of the four characters on its own, for any text.
        #[test]
        fn escape_html_replaces_exactly_the_four_characters(text in "[&<>\"'/a-zæøå€😀 ]{0,40}|\\PC{0,40}") {
            let expected: String = text
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_owned(),
                    '<' => "&lt;".to_owned(),
                    '>' => "&gt;".to_owned(),
                    '"' => "&quot;".to_owned(),
                    c => c.to_string(),
                })
                .collect();
            prop_assert_eq!(escape_html(&text), expected);
        }
    }

    #[test]
    fn escape_html_keeps_what_is_safe_in_text_and_quoted_attributes() {
        assert_eq!(
            escape_html(r#"<a href="x?a=1&b='2'">/æ</a>"#),
            "&lt;a href=&quot;x?a=1&amp;b='2'&quot;&gt;/æ&lt;/a&gt;"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("&&"), "&amp;&amp;");
    }

    #[test]
    fn placeholders_are_filled_once_each_in_one_pass() {
        let html = format!(
            "<p>a</p>\n{}\n<p>b</p>{}{}<!--samtykke-shortcode-x-->{}",
            placeholder(0),
            placeholder(1),
            placeholder(0),
            placeholder(7)
        );
        let filled = fill_placeholders(&html, &["<i>0</i>".to_owned(), "<b>1</b>".to_owned()]);
        assert_eq!(
            filled,
            format!(
                "<p>a</p>\n<i>0</i>\n<p>b</p><b>1</b>{}<!--samtykke-shortcode-x-->{}",
                placeholder(0),
                placeholder(7)
            )
        );
    }
}
