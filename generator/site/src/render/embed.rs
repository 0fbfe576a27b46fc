//! What the `embed` shortcode's template is given: the service and category it waits for, in
//! the page's language, and the checked address to frame once they are granted.

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
    Some(EmbedView {
        service: service.name.clone(),
        provider: service.provider.clone(),
        purpose: service
            .purpose
            .as_ref()
            .unwrap_or(&category.description)
            .get(lang, default)
            .to_owned(),
        category: category_id.clone(),
        category_title: category.title.get(lang, default).to_owned(),
        src,
        title: call.args.get("title")?.clone(),
        ratio,
        button: call.args.get("button").cloned().unwrap_or_default(),
    })
}
