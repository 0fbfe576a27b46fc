//! What templates see: the model turned into plain values in one language.

use crate::content::inventory::{Category, InventoryFile};
use crate::content::localized::Localized;
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
}

#[derive(Debug, Clone, Serialize)]
pub struct LanguageView {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControllerView {
    pub name: String,
    pub organisation_number: Option<String>,
    pub email: String,
    pub address: String,
    pub visiting_note: Option<String>,
    pub phones: Vec<PhoneView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhoneView {
    pub label: String,
    pub number: String,
    pub hours: Option<String>,
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
    pub required: bool,
    pub cookies: Vec<CookieView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CookieView {
    pub name: String,
    pub service_name: String,
    pub provider: String,
    pub host: String,
    pub party: &'static str,
    pub legal_basis: &'static str,
    pub purpose: String,
    pub lifetime: String,
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
    pub translations: Vec<TranslationView>,
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
}

/// Everything of one language that does not depend on the page.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageContext {
    pub lang: String,
    pub site: SiteView,
    pub labels: BTreeMap<String, String>,
    pub consent: ConsentView,
}

fn texts(map: &BTreeMap<String, Localized>, lang: &str, default: &str) -> BTreeMap<String, String> {
    map.iter()
        .map(|(k, v)| (k.clone(), v.get(lang, default).to_owned()))
        .collect()
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

pub fn language_context(site: &Site, lang: &str, base_url: &str) -> LanguageContext {
    let default = site.default_language();
    let config = &site.config;
    let controller = &config.controller;
    let policy_url = url_of(site, config.policy.page.get_ref(), lang);
    let cookie_page_url = url_of(site, config.policy.cookie_page.get_ref(), lang);
    let categories = ordered_categories(&site.inventory)
        .into_iter()
        .map(|(id, category)| CategoryView {
            id: id.clone(),
            title: category.title.get(lang, default).to_owned(),
            description: category.description.get(lang, default).to_owned(),
            required: *category.necessary.get_ref(),
            cookies: site
                .inventory
                .cookies
                .iter()
                .filter(|c| c.category.get_ref() == id)
                .filter_map(|c| {
                    // Validation guarantees every cookie's service exists.
                    let service = site.inventory.services.get(c.service.get_ref().as_str())?;
                    Some(CookieView {
                        name: c.name.get_ref().clone(),
                        service_name: service.name.clone(),
                        provider: service.provider.clone(),
                        host: service.host.get_ref().clone(),
                        party: c.party.as_str(),
                        legal_basis: c.legal_basis.get_ref().as_str(),
                        purpose: c
                            .purpose
                            .as_ref()
                            .map_or("", |t| t.get(lang, default))
                            .to_owned(),
                        lifetime: c
                            .lifetime
                            .as_ref()
                            .map_or("", |t| t.get(lang, default))
                            .to_owned(),
                        storage: c.storage.as_str(),
                    })
                })
                .collect(),
        })
        .collect();
    LanguageContext {
        lang: lang.to_owned(),
        site: SiteView {
            name: config.name.clone(),
            base_url: base_url.to_owned(),
            default_language: default.to_owned(),
            languages: site
                .languages
                .iter()
                .map(|code| LanguageView {
                    code: code.clone(),
                    name: config
                        .languages
                        .get(code)
                        .map_or_else(String::new, |l| l.name.clone()),
                })
                .collect(),
            controller: ControllerView {
                name: controller.name.clone(),
                organisation_number: controller.organisation_number.clone(),
                email: controller.email.get_ref().clone(),
                address: controller.address.get(lang, default).to_owned(),
                visiting_note: controller
                    .visiting_note
                    .as_ref()
                    .map(|n| n.get(lang, default).to_owned()),
                phones: controller
                    .phones
                    .iter()
                    .map(|p| PhoneView {
                        label: p.label.get(lang, default).to_owned(),
                        number: p.number.get_ref().clone(),
                        hours: p.hours.as_ref().map(|h| h.get(lang, default).to_owned()),
                    })
                    .collect(),
            },
            policy: PolicyView {
                version: config.policy.version.clone(),
                date: config.policy.date.to_string(),
                url: policy_url.clone(),
            },
        },
        labels: texts(&config.labels, lang, default),
        consent: ConsentView {
            texts: texts(&config.consent.texts, lang, default),
            categories,
            cookie_page_url,
            policy_url,
            receipts: config.consent.receipts_url.is_some(),
        },
    }
}

/// The main navigation: pages with `menu` in this language, in menu order, none marked current.
pub fn nav(site: &Site, lang: &str) -> Vec<NavItem> {
    let mut items: Vec<&Page> = site
        .pages
        .iter()
        .filter(|p| p.lang == lang && p.file.front.menu.is_some())
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
