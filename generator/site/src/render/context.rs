//! What templates see: the model turned into plain values in one language.

use crate::content::inventory::{Category, InventoryFile};
use crate::content::localized::Localized;
use crate::i18n::{self, Chosen, Table};
use crate::model::{Page, Site};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub name: String,
    pub base_url: String,
    pub default_language: String,
    pub languages: Vec<LanguageView>,
    pub controller: ControllerView,
    pub policy: PolicyView,
    pub brand: BrandView,
}

/// `[brand]` as the head and header use it: URLs of the files, and the derived colours.
#[derive(Debug, Clone, Serialize)]
pub struct BrandView {
    pub logo: Option<String>,
    pub favicon: String,
    pub favicon_type: &'static str,
    /// Absolute: crawlers fetch it from elsewhere.
    pub image: Option<String>,
    pub theme_color_light: String,
    pub theme_color_dark: String,
}

impl BrandView {
    fn of(brand: &crate::content::site::Brand, base_url: &str) -> BrandView {
        let palette = crate::validate::brand::palette(brand);
        let name = |f: &Option<toml::Spanned<String>>| f.as_ref().map(|f| f.get_ref().clone());
        let favicon = name(&brand.favicon).unwrap_or_else(|| "favicon.svg".to_owned());
        let favicon_type = match favicon
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
        {
            Some(e) if e == "svg" => "image/svg+xml",
            Some(e) if e == "png" => "image/png",
            _ => "image/x-icon",
        };
        BrandView {
            logo: name(&brand.logo).map(|l| format!("/{l}")),
            favicon: format!("/{favicon}"),
            favicon_type,
            image: name(&brand.image).map(|i| format!("{base_url}/{i}")),
            theme_color_light: palette.light.head.to_string(),
            theme_color_dark: palette.dark.head.to_string(),
        }
    }
}

/// Open Graph's `og:locale` (`nb_NO`) for a BCP 47 tag: a region when the tag names one, else
/// the country where the language is mostly written.
pub fn og_locale(tag: &str) -> String {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default().to_ascii_lowercase();
    if let Some(region) = parts.find(|p| p.len() == 2) {
        return format!("{language}_{}", region.to_ascii_uppercase());
    }
    let region = match language.as_str() {
        "nb" | "nn" | "no" | "se" => "NO",
        "en" => "GB",
        "sv" => "SE",
        "da" => "DK",
        "fi" => "FI",
        "is" => "IS",
        "de" => "DE",
        "fr" => "FR",
        "pl" => "PL",
        _ => return language,
    };
    format!("{language}_{region}")
}

#[derive(Debug, Clone, Serialize)]
pub struct LanguageView {
    pub code: String,
    pub name: String,
    /// `nb_NO`, for `og:locale`.
    pub locale: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControllerView {
    pub name: String,
    pub organisation_number: Option<String>,
    pub email: String,
    pub address: String,
    pub visiting_note: Option<String>,
    pub phones: Vec<PhoneView>,
    /// The language of `address` and `visiting_note` where it is not the page's (a fallback).
    pub address_lang: Option<String>,
    pub visiting_note_lang: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhoneView {
    pub label: String,
    pub number: String,
    pub hours: Option<String>,
    /// The language of `label` and `hours` where it is not the page's (a fallback).
    pub label_lang: Option<String>,
    pub hours_lang: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    pub version: String,
    pub date: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsentView {
    pub texts: BTreeMap<String, String>,
    pub categories: Vec<CategoryView>,
    pub cookie_page_url: String,
    pub policy_url: String,
    /// `[consent] receipts_url` is set: the preferences show the record's id («Samtykke-ID»).
    pub receipts: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The language of `title` and `description` where it is not the page's (a fallback).
    pub title_lang: Option<String>,
    pub description_lang: Option<String>,
    pub required: bool,
    pub cookies: Vec<CookieView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CookieView {
    pub name: String,
    pub service_name: String,
    /// The language of `service_name` where it is not the page's (a fallback).
    pub service_name_lang: Option<String>,
    pub provider: String,
    pub host: String,
    pub party: &'static str,
    pub legal_basis: &'static str,
    pub purpose: String,
    pub lifetime: String,
    /// The language of `purpose` and `lifetime` where it is not the page's (a fallback).
    pub purpose_lang: Option<String>,
    pub lifetime_lang: Option<String>,
    pub storage: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    pub title: String,
    pub description: String,
    pub slug: String,
    pub url: String,
    pub permalink: String,
    pub content: String,
    /// Absolute URLs of the page in each language that has it, itself included (`hreflang`).
    pub translations: Vec<TranslationView>,
    /// The language switcher: every language of the site, each linking to this page's
    /// translation or, where it has none, to that language's home. Site-relative URLs, so a
    /// local preview stays on the machine.
    pub switcher: Vec<SwitchView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SwitchView {
    pub lang: String,
    pub name: String,
    pub url: String,
    pub current: bool,
    /// The link leads to the language's home, not to this page.
    pub home: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TranslationView {
    pub lang: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub title: String,
    pub url: String,
    pub current: bool,
    /// The page's language where it has no translation and the default language's is listed.
    pub lang: Option<String>,
}

/// Everything of one language that does not depend on the page.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageContext {
    pub lang: String,
    /// The language's home: `/` for the default language, `/en/` for English.
    pub home_url: String,
    pub site: SiteView,
    pub labels: BTreeMap<String, String>,
    pub consent: ConsentView,
    /// The key of every label and consent text shown in another language than the page's (it
    /// falls back), with that language, for the `lang` attribute of its element.
    pub fallback: BTreeMap<String, String>,
}

/// The label or consent texts of one table in `lang`; fallbacks are noted in `fallback`.
fn interface_texts(
    site: &BTreeMap<String, Localized>,
    table: Table,
    keys: &[&str],
    lang: &str,
    default: &str,
    fallback: &mut BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    keys.iter()
        .filter_map(|key| {
            let text = site.get(*key);
            let chosen = if i18n::EDITOR_CONSENT_TEXTS.contains(key) {
                text.and_then(|t| i18n::editor(t, lang, default))
            } else {
                i18n::interface(text, table, key, lang, default)
            }?;
            if chosen.falls_back(lang) {
                fallback.insert((*key).to_owned(), chosen.lang.to_owned());
            }
            Some(((*key).to_owned(), chosen.text.to_owned()))
        })
        .collect()
}

/// The text and, if it falls back, its language.
fn shown(chosen: Option<Chosen>, lang: &str) -> (String, Option<String>) {
    match chosen {
        Some(c) => (
            c.text.to_owned(),
            c.falls_back(lang).then(|| c.lang.to_owned()),
        ),
        None => (String::new(), None),
    }
}

/// An editor text in `lang` (see [`i18n::editor`]), empty when absent.
fn editor_text(text: Option<&Localized>, lang: &str, default: &str) -> (String, Option<String>) {
    shown(text.and_then(|t| i18n::editor(t, lang, default)), lang)
}

/// Categories in display order: by `order`, then id.
pub fn ordered_categories(inventory: &InventoryFile) -> Vec<(&String, &Category)> {
    let mut categories: Vec<_> = inventory.categories.iter().collect();
    categories.sort_by_key(|(id, c)| (c.order, (*id).clone()));
    categories
}

/// The URL of `slug` in `lang`, or in the default language when it has no translation.
pub fn url_of(site: &Site, slug: &str, lang: &str) -> String {
    site.page(slug, lang)
        .or_else(|| site.page(slug, site.default_language()))
        .map_or_else(|| "/".to_owned(), |p| p.url.clone())
}

/// The categories in display order, each with its cookies, in `lang`.
fn category_views(site: &Site, lang: &str) -> Vec<CategoryView> {
    let default = site.default_language();
    ordered_categories(&site.inventory)
        .into_iter()
        .map(|(id, category)| {
            let (title, title_lang) = shown(
                i18n::interface(
                    category.title.as_ref(),
                    Table::CategoryTitle,
                    id,
                    lang,
                    default,
                ),
                lang,
            );
            let (description, description_lang) = shown(
                i18n::interface(
                    category.description.as_ref(),
                    Table::CategoryDescription,
                    id,
                    lang,
                    default,
                ),
                lang,
            );
            CategoryView {
                id: id.clone(),
                title,
                description,
                title_lang,
                description_lang,
                required: *category.necessary.get_ref(),
                cookies: site
                    .inventory
                    .cookies
                    .iter()
                    .filter(|c| c.category.get_ref() == id)
                    .filter_map(|c| {
                        // Validation guarantees every cookie's service exists.
                        let service = site.inventory.services.get(c.service.get_ref().as_str())?;
                        let (purpose, purpose_lang) =
                            editor_text(c.purpose.as_ref(), lang, default);
                        let (lifetime, lifetime_lang) =
                            editor_text(c.lifetime.as_ref(), lang, default);
                        let (service_name, service_name_lang) = service.name.get(lang, default);
                        Some(CookieView {
                            name: c.name.get_ref().clone(),
                            service_name: service_name.to_owned(),
                            service_name_lang: service_name_lang
                                .filter(|l| *l != lang)
                                .map(str::to_owned),
                            provider: service.provider.clone(),
                            host: service.host.get_ref().clone(),
                            party: c.party.as_str(),
                            legal_basis: c.legal_basis.get_ref().as_str(),
                            purpose,
                            lifetime,
                            purpose_lang,
                            lifetime_lang,
                            storage: c.storage.as_str(),
                        })
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The data controller's details in `lang`.
fn controller_view(site: &Site, lang: &str) -> ControllerView {
    let default = site.default_language();
    let controller = &site.config.controller;
    let (address, address_lang) = editor_text(Some(&controller.address), lang, default);
    let visiting_note = controller
        .visiting_note
        .as_ref()
        .map(|n| editor_text(Some(n), lang, default));
    ControllerView {
        name: controller.name.clone(),
        organisation_number: controller.organisation_number.clone(),
        email: controller.email.get_ref().clone(),
        address,
        address_lang,
        visiting_note_lang: visiting_note.as_ref().and_then(|(_, l)| l.clone()),
        visiting_note: visiting_note.map(|(text, _)| text),
        phones: controller
            .phones
            .iter()
            .map(|p| {
                let (label, label_lang) = editor_text(Some(&p.label), lang, default);
                let hours = p
                    .hours
                    .as_ref()
                    .map(|h| editor_text(Some(h), lang, default));
                PhoneView {
                    label,
                    label_lang,
                    number: p.number.get_ref().clone(),
                    hours_lang: hours.as_ref().and_then(|(_, l)| l.clone()),
                    hours: hours.map(|(text, _)| text),
                }
            })
            .collect(),
    }
}

pub fn language_context(site: &Site, lang: &str, base_url: &str) -> LanguageContext {
    let default = site.default_language();
    let config = &site.config;
    let policy_url = url_of(site, config.policy.page.get_ref(), lang);
    let cookie_page_url = url_of(site, config.policy.cookie_page.get_ref(), lang);
    let categories = category_views(site, lang);
    let mut fallback = BTreeMap::new();
    let labels = interface_texts(
        &config.labels,
        Table::Labels,
        &i18n::label_keys(),
        lang,
        default,
        &mut fallback,
    );
    let texts = interface_texts(
        &config.consent.texts,
        Table::Consent,
        &i18n::consent_keys(),
        lang,
        default,
        &mut fallback,
    );
    LanguageContext {
        lang: lang.to_owned(),
        home_url: crate::model::page_url("index", lang, default),
        fallback,
        site: SiteView {
            name: config.name.clone(),
            base_url: base_url.to_owned(),
            default_language: default.to_owned(),
            languages: site
                .languages
                .iter()
                .map(|code| LanguageView {
                    locale: og_locale(code),
                    code: code.clone(),
                    name: config
                        .languages
                        .get(code)
                        .map_or_else(String::new, |l| l.name.clone()),
                })
                .collect(),
            controller: controller_view(site, lang),
            policy: PolicyView {
                version: config.policy.version.clone(),
                date: config.policy.date.to_string(),
                url: policy_url.clone(),
            },
            brand: BrandView::of(&config.brand, base_url),
        },
        labels,
        consent: ConsentView {
            texts,
            categories,
            cookie_page_url,
            policy_url,
            receipts: config.consent.receipts_url.is_some(),
        },
    }
}

/// The main navigation of `lang`: every page with `menu`, in menu order, none marked current. A
/// page without a translation in `lang` is listed in the default language, marked with it.
pub fn nav(site: &Site, lang: &str) -> Vec<NavItem> {
    let default = site.default_language();
    let mut items: Vec<&Page> = site
        .pages
        .iter()
        .filter(|p| p.file.front.menu.is_some())
        .filter(|p| {
            p.lang == lang || (p.lang == default && site.page(&p.file.slug, lang).is_none())
        })
        .collect();
    items.sort_by_key(|p| (p.file.front.menu, p.file.slug.clone()));
    items
        .into_iter()
        .map(|p| NavItem {
            title: p
                .file
                .front
                .menu_title
                .clone()
                .unwrap_or_else(|| p.file.front.title.clone()),
            url: p.url.clone(),
            current: false,
            lang: (p.lang != lang).then(|| p.lang.clone()),
        })
        .collect()
}

/// The language switcher of `page`: see [`PageView::switcher`].
pub fn switcher(site: &Site, page: &Page) -> Vec<SwitchView> {
    let default = site.default_language();
    site.languages
        .iter()
        .map(|lang| {
            let translation = site.page(&page.file.slug, lang);
            SwitchView {
                lang: lang.clone(),
                name: site
                    .config
                    .languages
                    .get(lang)
                    .map_or_else(|| lang.clone(), |l| l.name.clone()),
                url: translation.map_or_else(
                    || crate::model::page_url("index", lang, default),
                    |p| p.url.clone(),
                ),
                current: *lang == page.lang,
                home: translation.is_none(),
            }
        })
        .collect()
}

/// `nav` with the item of the page at `url` marked current.
pub fn nav_at(nav: &[NavItem], url: &str) -> Vec<NavItem> {
    nav.iter()
        .map(|item| NavItem {
            current: item.url == url,
            ..item.clone()
        })
        .collect()
}
