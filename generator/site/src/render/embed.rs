//! What the `embed` shortcode's template is given: the service and category it waits for, in
//! the page's language, and the checked address to frame once they are granted.

use crate::i18n::{self, Table};
use crate::markdown::ShortcodeCall;
use crate::model::Site;
use crate::validate::{embed, urls};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct EmbedView {
    pub service: String,
    pub provider: String,
    /// The service's `purpose`, else its category's description.
    pub purpose: String,
    pub category: String,
    pub category_title: String,
    /// As the `url` crate writes it; its origin is one the service frames.
    pub src: String,
    pub title: String,
    /// `16x9`, for the class that keeps the aspect ratio.
    pub ratio: String,
    /// The button's text if the editor gave one; the theme has a default.
    pub button: String,
}

/// `None` only for a call validation would have refused.
pub fn view(site: &Site, lang: &str, call: &ShortcodeCall) -> Option<EmbedView> {
    let default = site.default_language();
    let id = call.args.get("service")?;
    let service = site.inventory.services.get(id)?;
    let category_id = service.category.as_ref()?.get_ref();
    let category = site.inventory.categories.get(category_id)?;
    let src = urls::embed_src(call.args.get("src")?).ok()?.to_string();
    let ratio = call
        .args
        .get("ratio")
        .map_or(embed::RATIOS[0], String::as_str)
        .replace(':', "x");
    // The service's own purpose, else its category's description, which a standard category
    // may leave to the built-in texts.
    let purpose = match &service.purpose {
        Some(purpose) => i18n::editor(purpose, lang, default),
        None => i18n::interface(
            category.description.as_ref(),
            Table::CategoryDescription,
            category_id,
            lang,
            default,
        ),
    };
    let title = i18n::interface(
        category.title.as_ref(),
        Table::CategoryTitle,
        category_id,
        lang,
        default,
    );
    Some(EmbedView {
        service: service.name.get(lang, default).0.to_owned(),
        provider: service.provider.clone(),
        purpose: purpose.map(|c| c.text.to_owned()).unwrap_or_default(),
        category: category_id.clone(),
        category_title: title.map(|c| c.text.to_owned()).unwrap_or_default(),
        src,
        title: call.args.get("title")?.clone(),
        ratio,
        button: call.args.get("button").cloned().unwrap_or_default(),
    })
}
