//! A site in Bokmål, Nynorsk and English (fixtures/languages): every interface text in the
//! page's language without the site writing one, translated slugs, the switcher, the nav,
//! hreflang and the sitemap; and, with translations taken out, each fallback marked with its
//! language, listed by `check` at its place and counted by `build`.

mod common;

use samtykke_site::build;
use samtykke_site::check::check;
use samtykke_site::i18n;
use samtykke_site::render::Options;
use std::path::Path;

/// A change to one file's text; `None` removes the file.
type Edit<'a> = Option<&'a dyn Fn(String) -> String>;

/// A copy of the languages fixture with each edit applied to its file.
fn site(edits: &[(&str, Edit)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &common::fixture("languages/content"),
        &dir.path().join("content"),
    );
    for (file, edit) in edits {
        let path = dir.path().join("content").join(file);
        match edit {
            Some(edit) => {
                let text = std::fs::read_to_string(&path).expect("fixture file");
                std::fs::write(&path, edit(text)).expect("write");
            }
            None => std::fs::remove_file(&path).expect("remove"),
        }
    }
    dir
}

fn built(root: &Path) -> (tempfile::TempDir, build::Summary) {
    let out = tempfile::tempdir().expect("tempdir");
    let summary =
        build::build(root, &out.path().join("dist"), &Options::default()).expect("the site builds");
    (out, summary)
}

fn page(out: &tempfile::TempDir, path: &str) -> String {
    std::fs::read_to_string(out.path().join("dist").join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `<a …>` whose text is `text`, as written.
fn link_to<'a>(html: &'a str, text: &str) -> &'a str {
    let end = html
        .find(&format!(">{text}</a>"))
        .unwrap_or_else(|| panic!("no link `{text}`"));
    let start = html[..end].rfind("<a ").expect("an <a");
    &html[start..end]
}

/// The labels a page of the fixture shows (the others belong to tables rows it has not, the 404
/// page and the contact details).
const SHOWN_LABELS: &[&str] = &[
    "skip_link",
    "nav_label",
    "footer_label",
    "language",
    "policy_version",
    "policy_date",
    "category_cookies",
    "table_name",
    "table_purpose",
    "table_lifetime",
    "table_provider",
    "table_party",
    "table_legal_basis",
    "table_host",
    "party_first",
    "basis_consent",
    "basis_legal_obligation",
    "storage_local",
];

/// Every built-in text of `lang`, and which of them a page of the fixture shows.
fn builtin_texts(lang: &str) -> (Vec<String>, Vec<String>) {
    let b = i18n::builtin(lang).expect("built in");
    let all = b
        .consent
        .values()
        .chain(b.labels.values())
        .chain(
            b.categories
                .values()
                .flat_map(|c| [&c.title, &c.description]),
        )
        .cloned()
        .collect();
    // `consent_id` labels the record's id only on a site with a receipts service.
    let shown = b
        .consent
        .iter()
        .filter(|(key, _)| key.as_str() != "consent_id")
        .map(|(_, text)| text)
        .chain(SHOWN_LABELS.iter().map(|k| &b.labels[*k]))
        .chain(
            ["necessary", "analytics"]
                .iter()
                .flat_map(|id| [&b.categories[*id].title, &b.categories[*id].description]),
        )
        .cloned()
        .collect();
    (all, shown)
}

/// The built-in texts of the other languages that `lang` does not share.
fn foreign_texts(lang: &str) -> Vec<String> {
    let (own, _) = builtin_texts(lang);
    i18n::languages()
        .filter(|l| *l != lang)
        .flat_map(|l| builtin_texts(l).0)
        .filter(|t| !own.contains(t))
        .collect()
}

#[test]
fn each_language_gets_the_whole_interface_in_its_own_words() {
    let root = common::fixture("languages");
    let (out, summary) = built(&root);
    for (path, lang) in [
        ("index.html", "nb"),
        ("nn/index.html", "nn"),
        ("en/index.html", "en"),
        ("en/cookies/index.html", "en"),
        ("nn/informasjonskapslar/index.html", "nn"),
    ] {
        let html = page(&out, path);
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
        for text in builtin_texts(lang).1 {
            // The GPC notice and the saved message are in the page too, hidden until needed.
            assert!(
                html.contains(&samtykke_site::render::escape_html(&text)),
                "{path}: the built-in `{lang}` text «{text}» is missing"
            );
        }
        for text in foreign_texts(lang) {
            for around in [format!(">{text}<"), format!("\"{text}\"")] {
                assert!(
                    !html.contains(&around),
                    "{path}: «{text}», another language's, is on a `{lang}` page"
                );
            }
        }
        // Nothing falls back, so nothing is marked with another language.
        for marked in ["<p lang=", "<td lang=", "<h2 id=\"sk-banner-title\" lang="] {
            assert!(!html.contains(marked), "{path}: {marked}");
        }
    }
    // Nothing falls back: the fixture is translated and writes no interface text.
    let lines: Vec<String> = summary.languages.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "en: every text is in en, none falls back to nb",
            "nn: every text is in nn, none falls back to nb"
        ]
    );
    let report = check(&root).expect("checks");
    assert!(
        report.of("translation").is_empty(),
        "{:#?}",
        report.of("translation")
    );
}

#[test]
fn slugs_switcher_nav_and_alternates_use_each_languages_own_urls() {
    let (out, _) = built(&common::fixture("languages"));
    let en = page(&out, "en/privacy/index.html");
    // The site name leads to the language's home; the switcher to the same page in each
    // language, site-relative, so a preview never leaves the machine.
    assert!(en.contains(r#"<a class="site-header__name" href="/en/">Fjordlys</a>"#));
    assert_eq!(
        link_to(&en, "Norsk nynorsk"),
        r#"<a href="/nn/personvern/" hreflang="nn" lang="nn""#
    );
    assert_eq!(
        link_to(&en, "Norsk bokmål"),
        r#"<a href="/personvern/" hreflang="nb" lang="nb""#
    );
    assert_eq!(
        link_to(&en, "English"),
        r#"<a href="/en/privacy/" hreflang="en" lang="en" aria-current="page""#
    );
    let switcher = &en[en.find("<nav class=\"site-lang\"").expect("a switcher")..];
    let switcher = &switcher[..switcher.find("</nav>").expect("closed")];
    assert!(!switcher.contains("https://"), "site-relative: {switcher}");
    // The nav lists the English pages under their English slugs.
    assert!(en.contains(r#"<li><a href="/en/cookies/">Cookie list</a></li>"#));
    // The banner's link to the cookie page and the footer's policy link are the English ones.
    assert!(en.contains(r#"<a href="/en/cookies/">Cookie list</a></p>"#));
    assert!(en.contains(r#"<a href="/en/privacy/">Privacy</a>"#));
    // hreflang and the sitemap use the translated URLs.
    assert!(en.contains(
        r#"<link rel="alternate" hreflang="nn" href="https://fjordlys.example.no/nn/personvern/">"#
    ));
    let sitemap = page(&out, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://fjordlys.example.no/nn/informasjonskapslar/</loc>"));
    assert!(sitemap.contains(
        r#"<xhtml:link rel="alternate" hreflang="en" href="https://fjordlys.example.no/en/cookies/"/>"#
    ));
    assert!(!sitemap.contains("/en/informasjonskapsler/"));
    let nn = page(&out, "nn/index.html");
    assert!(nn.contains(r#"<a class="site-header__name" href="/nn/">Fjordlys</a>"#));
}

#[test]
fn a_missing_translation_falls_back_marked_and_is_reported_where_it_is() {
    let drop_en_body: &dyn Fn(String) -> String = &|s: String| {
        let at = s.find(", en = \"Fjordlys AS would").expect("en body");
        let end = at + s[at + 8..].find('"').expect("end") + 9;
        format!("{}{}", &s[..at], &s[end..])
    };
    let drop_en_purpose: &dyn Fn(String) -> String = &|s: String| {
        // The service's name becomes words, given in nb and nn only.
        s.replace(", en = \"Counts how many people visit the website.\"", "")
            .replace(
                "name = \"Fjordlys\"",
                "name = { nb = \"Nettstedet\", nn = \"Nettstaden\" }",
            )
    };
    let root = site(&[
        ("site.toml", Some(drop_en_body)),
        ("cookies.toml", Some(drop_en_purpose)),
        ("personvern.nn.md", None),
    ]);
    let (out, summary) = built(root.path());
    let lines: Vec<String> = summary.languages.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["en: 3 texts fall back to nb", "nn: 1 page falls back to nb"]
    );
    // Shown in Bokmål, inside an element that says so.
    let en = page(&out, "en/index.html");
    assert!(en.contains("<p lang=\"nb\">Fjordlys AS vil gjerne telle besøk"));
    let en_cookies = page(&out, "en/cookies/index.html");
    assert!(en_cookies.contains("<td lang=\"nb\">Teller hvor mange som besøker nettstedet.</td>"));
    assert!(
        en_cookies.contains("<td>1 year</td>"),
        "the lifetime is translated"
    );
    assert!(en_cookies.contains("<span class=\"sk-meta\" lang=\"nb\">Nettstedet</span>"));
    let nn_cookies = page(&out, "nn/informasjonskapslar/index.html");
    assert!(nn_cookies.contains("<span class=\"sk-meta\">Nettstaden</span>"));
    // The Nynorsk menu lists the Bokmål policy page, marked as Bokmål.
    let nn = page(&out, "nn/index.html");
    assert!(
        nn.contains(r#"<li><a href="/personvern/" lang="nb" hreflang="nb">Personvern</a></li>"#)
    );
    // So does its footer's link to the policy.
    assert!(nn.contains(r#"<a href="/personvern/" lang="nb">Personvern</a>"#));
    // Its switcher leads to the Nynorsk home, where the page has no translation.
    let nb_policy = page(&out, "personvern/index.html");
    assert_eq!(
        link_to(&nb_policy, "Norsk nynorsk"),
        r#"<a href="/nn/" hreflang="nn" lang="nn""#
    );

    let report = check(root.path()).expect("checks");
    let found: Vec<(String, usize, String)> = report
        .of("translation")
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            (
                d.source.path.display().to_string(),
                d.line_col().0,
                d.message.clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "content/site.toml".to_owned(),
                29,
                "`en`: [consent.texts] banner_body has no `en` text".to_owned()
            ),
            (
                "content/cookies.toml".to_owned(),
                9,
                "`en`: [services.fjordlys] name has no `en` text".to_owned()
            ),
            (
                "content/cookies.toml".to_owned(),
                29,
                "`en`: cookie `fl_visits` purpose has no `en` text".to_owned()
            ),
            (
                "content/personvern.md".to_owned(),
                1,
                "`nn`: page `personvern` has no translation".to_owned()
            ),
        ]
    );
}

#[test]
fn an_interface_text_is_overridden_in_one_language_only() {
    let override_nn: &dyn Fn(String) -> String = &|s: String| {
        s.replace(
            "[consent.texts]",
            "[consent.texts]\naccept_all = { nn = \"Ja, det er greitt\" }",
        )
    };
    let root = site(&[("site.toml", Some(override_nn))]);
    let (out, summary) = built(root.path());
    assert!(page(&out, "nn/index.html").contains(">Ja, det er greitt</button>"));
    assert!(page(&out, "index.html").contains(">Godta alle</button>"));
    assert!(page(&out, "en/index.html").contains(">Accept all</button>"));
    assert!(summary
        .languages
        .iter()
        .all(|l| l.texts == 0 && l.pages == 0));
}

#[test]
fn a_slug_that_is_not_a_name_or_taken_twice_is_an_error() {
    let bad: &dyn Fn(String) -> String =
        &|s: String| s.replace("slug = \"privacy\"", "slug = \"Privacy Notice\"");
    let root = site(&[("personvern.en.md", Some(bad))]);
    let errors = samtykke_site::model::load(root.path())
        .expect_err("bad slug")
        .0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].message,
        "`Privacy Notice` cannot be a page's slug"
    );
    assert_eq!(errors[0].line_col(), (5, 8));
    let twice: &dyn Fn(String) -> String =
        &|s: String| s.replace("slug = \"privacy\"", "slug = \"cookies\"");
    let root = site(&[("personvern.en.md", Some(twice))]);
    let errors = samtykke_site::model::load(root.path())
        .expect_err("taken twice")
        .0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].message, "two pages have the URL `/en/cookies/`");
}

/// A standard category's description rewritten in Bokmål only: the other languages show the
/// built-in one, which `check` points out (the build's fallback count does not: nothing is shown
/// in another language). Rewritten to the built-in words, it is not reported.
#[test]
fn a_built_in_text_reworded_in_one_language_only_is_reported() {
    let reword = |description: &'static str| {
        move |s: String| {
            s.replace(
                "[categories.analytics]\norder = 1",
                &format!(
                    "[categories.analytics]\norder = 1\ndescription = {{ nb = \"{description}\" }}"
                ),
            )
        }
    };
    let own = reword("Vi teller besøk med Matomo på egen server.");
    let root = site(&[("cookies.toml", Some(&own))]);
    let report = check(root.path()).expect("checks");
    let found: Vec<(usize, String)> = report
        .of("translation")
        .iter()
        .map(|f| (f.diagnostic.line_col().0, f.diagnostic.message.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (7, "`en`: [categories.analytics] description is your own in `nb`, but `en` shows the built-in text".to_owned()),
            (7, "`nn`: [categories.analytics] description is your own in `nb`, but `nn` shows the built-in text".to_owned()),
        ]
    );
    let (_, summary) = built(root.path());
    assert!(summary.languages.iter().all(|l| l.texts == 0));

    let same =
        reword("Teller besøk og måler hvordan nettstedet brukes, slik at vi kan gjøre det bedre.");
    let root = site(&[("cookies.toml", Some(&same))]);
    assert!(check(root.path())
        .expect("checks")
        .of("translation")
        .is_empty());
}

/// Published below a path, the switcher, the menu and the site name stay on the site's own
/// URLs under that path.
#[test]
fn the_switcher_follows_a_base_path() {
    let out = tempfile::tempdir().expect("tempdir");
    let options = Options {
        base_url: Some("https://example.github.io/sub/".to_owned()),
        ..Options::default()
    };
    build::build(
        &common::fixture("languages"),
        &out.path().join("dist"),
        &options,
    )
    .expect("builds");
    let en = page(&out, "en/privacy/index.html");
    assert!(en.contains(r#"<a class="site-header__name" href="/sub/en/">Fjordlys</a>"#));
    assert_eq!(
        link_to(&en, "Norsk nynorsk"),
        r#"<a href="/sub/nn/personvern/" hreflang="nn" lang="nn""#
    );
    assert!(en.contains(r#"<li><a href="/sub/en/cookies/">Cookie list</a></li>"#));
}

/// The contact details are the editor's: one given in Bokmål only is shown in it, marked.
#[test]
fn contact_details_fall_back_marked() {
    let note: &dyn Fn(String) -> String = &|s: String| {
        s.replace(
            "[policy]",
            "visiting_note = { nb = \"Ring på ved døra.\" }\n\n[policy]",
        )
    };
    let root = site(&[("site.toml", Some(note))]);
    let (out, summary) = built(root.path());
    for path in ["en/privacy/index.html", "nn/personvern/index.html"] {
        assert!(
            page(&out, path).contains("<br><span lang=\"nb\">Ring på ved døra.</span></p>"),
            "{path}"
        );
    }
    assert!(page(&out, "personvern/index.html").contains("<br>Ring på ved døra.</p>"));
    assert!(
        summary.languages.iter().all(|l| l.texts == 1),
        "{:?}",
        summary.languages
    );
    let report = check(root.path()).expect("checks");
    let messages: Vec<&str> = report
        .of("translation")
        .iter()
        .map(|f| f.message())
        .collect();
    assert_eq!(
        messages,
        [
            "`en`: [controller] visiting_note has no `en` text",
            "`nn`: [controller] visiting_note has no `nn` text"
        ]
    );
}

/// Writes the site's own `partials/<name>` over the built-in theme's.
fn with_partials(root: &Path, partials: &[(&str, &str)]) {
    let dir = root.join("themes/standard/templates/partials");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in partials {
        std::fs::write(dir.join(name), text).expect("write a partial");
    }
}

/// The banner, the footer and the preferences are rendered once per language (the pages share
/// them), so a theme's own partials show in every page, in each page's language.
#[test]
fn a_themes_shared_partials_show_on_every_page_in_its_language() {
    let root = site(&[]);
    with_partials(
        root.path(),
        &[
            (
                "banner.html",
                r#"<section id="sk-banner" data-own="{{ lang }}">{{ consent.texts.reject_all }}</section>"#,
            ),
            (
                "footer.html",
                r#"<footer data-own="{{ lang }}">{{ labels.policy_version }}</footer>"#,
            ),
            (
                "preferences.html",
                r#"<dialog id="sk-preferences" data-own="{{ lang }}">{% for c in consent.categories %}<b>{{ c.title }}</b>{% endfor %}</dialog>"#,
            ),
        ],
    );
    let (out, summary) = built(root.path());
    let pages = [
        ("index.html", "nb", "Avvis alle", "Versjon"),
        ("personvern/index.html", "nb", "Avvis alle", "Versjon"),
        ("en/index.html", "en", "Reject all", "Version"),
        ("en/privacy/index.html", "en", "Reject all", "Version"),
        ("nn/index.html", "nn", "Avvis alle", "Versjon"),
        ("404.html", "nb", "Avvis alle", "Versjon"),
    ];
    for (path, lang, reject, version) in pages {
        let html = page(&out, path);
        let shared = [
            format!(r#"<section id="sk-banner" data-own="{lang}">{reject}</section>"#),
            format!(r#"<footer data-own="{lang}">{version}</footer>"#),
            format!(r#"<dialog id="sk-preferences" data-own="{lang}"><b>"#),
        ];
        for part in shared {
            assert_eq!(html.matches(&part).count(), 1, "{path}: {part}\n{html}");
        }
    }
    assert!(summary.pages >= 5);
}

/// A theme's banner that reads `page` cannot be shared by the pages: the error names the
/// partial and says why, rather than only that a variable is missing.
#[test]
fn a_partial_that_reads_the_page_is_an_error_that_says_why() {
    let root = site(&[]);
    with_partials(
        root.path(),
        &[(
            "banner.html",
            r#"<section id="sk-banner">{{ page.title }}</section>"#,
        )],
    );
    let out = tempfile::tempdir().expect("tempdir");
    let error = build::build(root.path(), &out.path().join("dist"), &Options::default())
        .expect_err("the partial reads `page`")
        .to_string();
    assert!(
        error.contains("cannot render partials/banner.html, which every `en` page shares (it is rendered once per language, so it sees no `page`)"),
        "{error}"
    );
    assert!(error.contains("page.title"), "{error}");
    assert!(!out.path().join("dist").exists());
}
