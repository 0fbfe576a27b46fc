//! The README's recipes, each a fixture site (`fixtures/recipes/<name>/content`, laid over the
//! minimal site): each builds, its CSP allows exactly what the recipe declares, its third-party
//! content is held back (a gated script or a click-to-load placeholder, never a raw iframe), and
//! `check` has no question about its services. `e2e/tests/embeds.rs` runs the same sites in
//! Chromium.

mod common;

use samtykke_site::{build, check, render::Options};
use std::path::Path;

/// The recipe's site in a temporary folder: the minimal site with the recipe's files over it.
fn site(name: &str) -> tempfile::TempDir {
    let dir = common::site_with(&[]);
    common::copy_dir(
        &common::fixture("recipes").join(name).join("content"),
        &dir.path().join("content"),
    );
    dir
}

/// Each directive of the page's `<meta>` CSP, by name.
fn directives(html: &str) -> Vec<String> {
    let at = html
        .find("http-equiv=\"Content-Security-Policy\" content=\"")
        .expect("a CSP meta tag");
    let rest = &html[at + 46..];
    let policy = &rest[..rest.find('"').expect("closing quote")];
    policy.split("; ").map(str::to_owned).collect()
}

fn directive(all: &[String], name: &str) -> String {
    all.iter()
        .find(|d| d.split(' ').next() == Some(name))
        .cloned()
        .unwrap_or_else(|| panic!("no {name} in {all:?}"))
}

struct Built {
    _dir: tempfile::TempDir,
    index: String,
    csp: Vec<String>,
    findings: Vec<(String, String)>,
}

fn build_recipe(name: &str) -> Built {
    let dir = site(name);
    let out = dir.path().join("dist");
    build::build(dir.path(), &out, &Options::default())
        .unwrap_or_else(|e| panic!("recipe {name} builds: {e}"));
    let index = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    let csp = directives(&index);
    let report = check::check(dir.path()).expect("check runs");
    let findings = report
        .findings
        .iter()
        .map(|f| (f.rule.to_owned(), f.message().to_owned()))
        .collect();
    Built {
        _dir: dir,
        index,
        csp,
        findings,
    }
}

fn snippet(name: &str, file: &str) -> String {
    std::fs::read_to_string(
        common::fixture("recipes")
            .join(name)
            .join("content/snippets")
            .join(file),
    )
    .expect("snippet")
}

/// No finding about services, origins or cookies of scripts: the recipe is complete.
fn no_service_questions(name: &str, built: &Built) {
    let about: Vec<_> = built
        .findings
        .iter()
        .filter(|(rule, message)| {
            rule == "service" || rule == "C-34" || message.contains("lists no cookies")
        })
        .collect();
    assert!(about.is_empty(), "{name}: {about:?}");
}

/// Recipe, script origin, placeholder attributes, connect-src, img-src, snippet file.
type ScriptCase = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    Option<&'static str>,
);

#[test]
fn script_recipes_gate_their_scripts_and_allow_exactly_their_origins() {
    let cases: [ScriptCase; 3] = [
        (
            "ga4",
            "https://www.googletagmanager.com",
            &[r#"data-src="https://www.googletagmanager.com/gtag/js?id=G-TEST123" data-sk-async="""#],
            "connect-src 'self' https://www.googletagmanager.com https://region1.google-analytics.com https://www.google-analytics.com",
            "img-src 'self' data: https://www.googletagmanager.com https://www.google-analytics.com",
            Some("ga4.js"),
        ),
        (
            "matomo",
            "https://cdn.matomo.cloud",
            &[r#"data-src="https://cdn.matomo.cloud/testnett.matomo.cloud/matomo.js" data-sk-async="""#],
            "connect-src 'self' https://cdn.matomo.cloud https://testnett.matomo.cloud",
            "img-src 'self' data: https://cdn.matomo.cloud https://testnett.matomo.cloud",
            Some("matomo.js"),
        ),
        (
            "plausible",
            "https://plausible.io",
            &[r#"data-src="https://plausible.io/js/script.js" data-domain="test.example.no""#],
            "connect-src 'self' https://plausible.io",
            "img-src 'self' data: https://plausible.io",
            None,
        ),
    ];
    for (name, origin, placeholders, connect, img, snippet_file) in cases {
        let built = build_recipe(name);
        let script_src = directive(&built.csp, "script-src");
        assert!(
            script_src.ends_with(&format!("'wasm-unsafe-eval' {origin}")),
            "{name}: {script_src}"
        );
        assert_eq!(directive(&built.csp, "connect-src"), connect, "{name}");
        assert_eq!(directive(&built.csp, "img-src"), img, "{name}");
        assert_eq!(
            directive(&built.csp, "frame-src"),
            "frame-src 'self'",
            "{name}"
        );
        for placeholder in placeholders {
            let tag = format!(
                r#"<script type="text/plain" data-category="analytics" {placeholder}></script>"#
            );
            assert!(
                built.index.contains(&tag),
                "{name}: no {tag} in\n{}",
                built.index
            );
        }
        if let Some(file) = snippet_file {
            let text = snippet(name, file);
            // The snippet waits as the text of a placeholder, and the CSP knows its hash.
            assert!(
                built.index.contains(&format!(
                    "<script type=\"text/plain\" data-category=\"analytics\">{text}</script>"
                )),
                "{name}: snippet not gated"
            );
            assert!(
                script_src.contains(&common::independent_script_hash(&text)),
                "{name}: {script_src}"
            );
        }
        // Nothing runs before consent: every script but the theme's own waits as text/plain.
        for (at, _) in built.index.match_indices("<script") {
            let tag = &built.index[at..at + built.index[at..].find('>').expect("tag end")];
            assert!(
                tag == "<script"
                    || tag.contains("type=\"text/plain\"")
                    || tag.contains("type=\"application/json\"")
                    || tag.contains("type=\"module\""),
                "{name}: {tag}"
            );
        }
        no_service_questions(name, &built);
    }
}

#[test]
fn embed_recipes_render_a_placeholder_and_frame_only_their_origin() {
    for (name, category, origin, src, ratio) in [
        (
            "youtube",
            "media",
            "https://www.youtube-nocookie.com",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "16x9",
        ),
        (
            "vimeo",
            "media",
            "https://player.vimeo.com",
            "https://player.vimeo.com/video/76979871?dnt=1",
            "16x9",
        ),
        (
            "google-maps",
            "media",
            "https://www.google.com",
            "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d1000!2d10.7!3d59.9",
            "4x3",
        ),
    ] {
        let built = build_recipe(name);
        assert_eq!(
            directive(&built.csp, "frame-src"),
            format!("frame-src 'self' {origin}"),
            "{name}"
        );
        let script_src = directive(&built.csp, "script-src");
        assert!(
            script_src.ends_with("'wasm-unsafe-eval'"),
            "{name}: {script_src}"
        );
        assert_eq!(
            directive(&built.csp, "connect-src"),
            "connect-src 'self'",
            "{name}"
        );
        assert!(
            !built.index.contains("<iframe"),
            "{name}: an iframe before consent"
        );
        assert!(
            built
                .index
                .contains(&format!(r#"<figure class="sk-embed sk-embed--{ratio}">"#)),
            "{name}"
        );
        assert!(
            built.index.contains(&format!(
                r#"data-category="{category}" data-sk-frame="{}""#,
                src.replace('&', "&amp;")
            )),
            "{name}: {}",
            built.index
        );
        assert!(
            built
                .index
                .contains(&format!(r#"data-sk="grant:{category}""#)),
            "{name}"
        );
        // The placeholder links to the cookie page, where the service is listed.
        assert!(
            built.index.contains(r#"href="/informasjonskapsler/""#),
            "{name}"
        );
        no_service_questions(name, &built);
    }
}

#[test]
fn check_asks_about_unused_services_undeclared_origins_and_scripts_without_cookies() {
    let dir = site("matomo");
    let content = dir.path().join("content");
    let inventory = std::fs::read_to_string(content.join("cookies.toml")).expect("inventory");
    // The tracker's own host no longer declared, its cookies gone, and an embed nobody uses.
    let inventory = inventory
        .replace("connect = [\"https://testnett.matomo.cloud\"]\n", "")
        .replace("images = [\"https://testnett.matomo.cloud\"]\n", "");
    let inventory = inventory[..inventory.find("\n[[cookies]]\nname = \"_pk_id.*\"").expect("cookies")]
        .to_owned()
        + "\n[services.vimeo]\nname = \"Vimeo\"\nprovider = \"Vimeo\"\nhost = \"vimeo.com\"\ncategory = \"analytics\"\nframes = [\"https://player.vimeo.com\"]\n";
    std::fs::write(content.join("cookies.toml"), inventory).expect("write");
    let report = check::check(dir.path()).expect("check runs");
    let found: Vec<(String, String, String)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.to_owned(),
                f.message().to_owned(),
                f.diagnostic.source.path.display().to_string(),
            )
        })
        .collect();
    let has = |rule: &str, message: &str, path: &str| {
        assert!(
            found
                .iter()
                .any(|(r, m, p)| r == rule && m == message && Path::new(p).ends_with(path)),
            "missing [{rule}] {message} in {path}: {found:#?}"
        );
    };
    has(
        "service",
        "service `vimeo` is declared but never used",
        "cookies.toml",
    );
    has(
        "C-1",
        "service `matomo` starts a script but lists no cookies",
        "cookies.toml",
    );
    has(
        "C-34",
        "`https://testnett.matomo.cloud` is not declared by any service",
        "snippets/matomo.js",
    );
}

/// The load runs the markup rules over the site's own templates and reads the snippets, each
/// error at its file and line.
#[test]
fn a_raw_iframe_in_a_site_template_and_a_snippet_that_closes_its_script_are_errors_where_they_are()
{
    let dir = site("matomo");
    let theme = dir.path().join("themes/egen/templates");
    std::fs::create_dir_all(&theme).expect("theme");
    std::fs::write(
        theme.join("page.html"),
        "{% extends \"base.html\" %}\n{% block main %}\n<iframe src=\"https://www.google.com/maps/embed?pb=1\"></iframe>\n{{ page.content | safe }}\n{% endblock main %}\n",
    )
    .expect("template");
    let site_toml = dir.path().join("content/site.toml");
    let text = std::fs::read_to_string(&site_toml).expect("site.toml");
    std::fs::write(
        &site_toml,
        text.replace(
            "default_language = \"nb\"\n",
            "default_language = \"nb\"\ntheme = \"egen\"\n",
        ),
    )
    .expect("site.toml");
    std::fs::write(
        dir.path().join("content/snippets/matomo.js"),
        "var _paq = [];\ndocument.write(\"</script>\");\n",
    )
    .expect("snippet");
    let errors = match samtykke_site::model::load(dir.path()) {
        Ok(_) => panic!("should not load"),
        Err(errors) => errors,
    };
    let found: Vec<(String, (usize, usize), String)> = errors
        .iter()
        .map(|d| {
            (
                d.source.path.display().to_string(),
                d.line_col(),
                d.message.clone(),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "themes/egen/templates/page.html".to_owned(),
            (3, 1),
            "raw `<iframe>` would load before consent".to_owned()
        )),
        "{found:#?}"
    );
    assert!(
        found.contains(&(
            "content/snippets/matomo.js".to_owned(),
            (2, 17),
            "a snippet cannot contain `</script`".to_owned()
        )),
        "{found:#?}"
    );
}
