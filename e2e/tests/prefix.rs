//! A site published below a path (`https://example.github.io/samtykke/`, GitHub Pages' project
//! sites): every URL of its own files lives under that path, and served there the widget works.

use samtykke_e2e::Harness;
use samtykke_site::render::{Options, WidgetBundle};
use std::collections::BTreeMap;

const PREFIX: &str = "/samtykke/";
const ACCEPT: &str = "#sk-banner [data-sk=\"accept-all\"]";

/// Attributes whose value is a URL the browser follows or fetches.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "poster", "data-src", "srcset"];

/// Every root-relative URL (`/x`, not `//host`) in `text` that is not under [`PREFIX`].
fn outside(urls: impl IntoIterator<Item = String>) -> Vec<String> {
    urls.into_iter()
        .filter(|u| u.starts_with('/') && !u.starts_with("//") && !u.starts_with(PREFIX))
        .collect()
}

/// URLs in a page: its URL attributes, and the inline module's `import … from "…"` and
/// `module_or_path:"…"`.
fn page_urls(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let all = scraper::Selector::parse("*").expect("selector");
    let mut urls = Vec::new();
    for element in document.select(&all) {
        for (name, value) in element.value().attrs() {
            if URL_ATTRIBUTES.contains(&name) {
                urls.push(value.trim().to_owned());
            }
        }
    }
    let modules = scraper::Selector::parse("script[type=module]").expect("selector");
    for script in document.select(&modules) {
        let text: String = script.text().collect();
        for piece in text.split('"').skip(1).step_by(2) {
            urls.push(piece.to_owned());
        }
    }
    urls
}

fn build(h: &Harness, base_url: &str) -> BTreeMap<String, Vec<u8>> {
    let site = samtykke_site::model::load(h.root.path()).expect("content");
    let options = Options {
        base_url: Some(base_url.to_owned()),
        widget: Some(WidgetBundle::embedded()),
        ..Options::default()
    };
    samtykke_site::render::render(&site, &options)
        .expect("render")
        .files
}

#[test]
fn every_url_lives_under_the_prefix_and_the_widget_works_there() {
    let h = Harness::start();
    let base_url = format!("{}{PREFIX}", h.base_url());
    let files = build(&h, &base_url);

    let mut checked = 0;
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        let urls: Vec<String> = if path.ends_with(".html") {
            page_urls(&text)
        } else if path.ends_with(".css") {
            text.split("url(")
                .skip(1)
                .filter_map(|s| s.split(')').next())
                .map(|s| s.trim_matches(['"', '\'', ' ']).to_owned())
                .collect()
        } else if path.ends_with(".xml") {
            let doc = sitemap_urls(&text);
            assert!(!doc.is_empty(), "{path}: no URLs");
            for url in &doc {
                assert!(
                    url.starts_with(&base_url),
                    "{path}: {url} outside {base_url}"
                );
            }
            doc
        } else if path == "robots.txt" {
            let line = text
                .lines()
                .find(|l| l.starts_with("Sitemap: "))
                .expect("a Sitemap line");
            assert_eq!(line, format!("Sitemap: {base_url}sitemap.xml"));
            Vec::new()
        } else if path.ends_with(".js") {
            // The widget's glue names no URL of its own: the loader passes the WASM's.
            assert!(!text.contains("\"/"), "{path} has a root-relative string");
            Vec::new()
        } else {
            continue;
        };
        checked += 1;
        assert_eq!(outside(urls), Vec::<String>::new(), "{path}");
    }
    assert!(
        checked >= 6,
        "pages, 404, sitemap, robots, CSS and JS checked: {checked}"
    );
    let index = String::from_utf8_lossy(&files["index.html"]).into_owned();
    assert!(
        index.contains(&format!("href=\"{PREFIX}kontakt/\"")),
        "the nav"
    );
    assert!(
        index.contains(&format!("import init from \"{PREFIX}samtykke.")),
        "the loader"
    );
    let not_found = String::from_utf8_lossy(&files["404.html"]).into_owned();
    assert!(
        not_found.contains(&format!("href=\"{PREFIX}\"")),
        "the 404 page's home link"
    );

    // Served under the prefix: the widget loads and accepting stores the record.
    let served: BTreeMap<String, Vec<u8>> = files
        .into_iter()
        .map(|(path, bytes)| (format!("{}{path}", &PREFIX[1..]), bytes))
        .collect();
    *h.files.write().expect("files lock") = served;
    let v = h.fresh_tab("");
    v.visit(&format!("{base_url}kontakt/"));
    v.wait_for_widget();
    v.click(ACCEPT);
    v.wait_for(
        "JSON.parse(localStorage.getItem('samtykke') || 'null')?.method === 'accept-all'",
        "the record after accepting",
    );
    v.wait_for("window.__gaStandinRan === 1", "the gated script runs");
}

/// `<loc>` texts and `href` attributes of the sitemap, parsed as XML.
fn sitemap_urls(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed sitemap");
    doc.descendants()
        .filter_map(|n| match n.tag_name().name() {
            "loc" => n.text().map(str::to_owned),
            "link" => n.attribute("href").map(str::to_owned),
            _ => None,
        })
        .collect()
}
