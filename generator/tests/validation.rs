//! Each kind of editor mistake: its fixture, the message, and where it points.

mod common;

use samtykke_site::diagnostics::Diagnostic;
use samtykke_site::model;

const COOKIES: &str = "content/cookies.toml";

fn errors_with(path: &str, fixture: &str) -> Vec<Diagnostic> {
    let text = std::fs::read_to_string(common::fixture("errors").join(fixture)).expect("fixture");
    let site = common::site_with(&[(path, &text)]);
    match model::load(site.path()) {
        Ok(_) => panic!("{fixture} should not load"),
        Err(errors) => errors.0,
    }
}

/// The only error, checked for file, position and message.
fn only_error(
    errors: &[Diagnostic],
    file: &str,
    line: usize,
    col: usize,
    message: &str,
) -> Diagnostic {
    assert_eq!(errors.len(), 1, "expected one error, got: {errors:#?}");
    let d = &errors[0];
    assert_eq!(d.source.path.to_string_lossy(), file);
    assert_eq!(d.line_col(), (line, col), "position of {}", d.message);
    assert_eq!(d.message, message);
    d.clone()
}

#[test]
fn the_minimal_fixture_is_valid() {
    let site = common::site_with(&[]);
    let loaded = model::load(site.path()).expect("the minimal fixture loads");
    assert_eq!(loaded.pages.len(), 3);
}

#[test]
fn broken_toml() {
    let errors = errors_with(COOKIES, "broken_toml.cookies.toml");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let d = &errors[0];
    assert_eq!(d.source.path.to_string_lossy(), COOKIES);
    assert_eq!(d.line_col(), (38, 15), "the bare word: {}", d.message);
    assert!(d.message.contains("string"), "{}", d.message);
}

#[test]
fn broken_toml_in_front_matter_points_into_the_markdown_file() {
    let errors = errors_with("content/index.md", "broken_front_matter.md");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].source.path.to_string_lossy(), "content/index.md");
    assert_eq!(errors[0].line_col().0, 3, "{}", errors[0].message);
}

#[test]
fn unknown_key() {
    let errors = errors_with("content/site.toml", "unknown_key.site.toml");
    let d = only_error(
        &errors,
        "content/site.toml",
        33,
        1,
        "unknown key `expiry_dayz`",
    );
    let help = d.help.expect("lists the keys");
    assert!(help.contains("`expiry_days`"), "{help}");
}

#[test]
fn unknown_key_in_front_matter() {
    let errors = errors_with("content/index.md", "unknown_front_matter_key.md");
    let d = only_error(&errors, "content/index.md", 5, 1, "unknown key `layout`");
    assert!(d.help.is_some_and(|h| h.contains("`template`")));
}

#[test]
fn unknown_category() {
    let errors = errors_with(COOKIES, "unknown_category.cookies.toml");
    let d = only_error(&errors, COOKIES, 35, 12, "unknown category `analytic`");
    assert_eq!(d.label, "expected one of `analytics`, `necessary`");
    assert_eq!(d.help.as_deref(), Some("did you mean `analytics`?"));
}

#[test]
fn duplicate_cookie_on_the_same_host() {
    let errors = errors_with(COOKIES, "duplicate_cookie.cookies.toml");
    let d = only_error(
        &errors,
        COOKIES,
        43,
        8,
        "cookie `PHPSESSID` is declared twice for host `test.example.no`",
    );
    let (first, label) = d.related.clone().expect("points at the first");
    assert_eq!(
        samtykke_site::diagnostics::line_col(&d.source.text, first.start),
        (25, 8)
    );
    assert_eq!(label, "first declared here");
}

#[test]
fn missing_purpose() {
    let errors = errors_with(COOKIES, "missing_purpose.cookies.toml");
    let d = only_error(&errors, COOKIES, 34, 8, "cookie `__utma` has no purpose");
    assert!(d.label.contains("purpose = {"), "{}", d.label);
}

#[test]
fn missing_lifetime() {
    let errors = errors_with(COOKIES, "missing_lifetime.cookies.toml");
    only_error(
        &errors,
        COOKIES,
        25,
        8,
        "cookie `PHPSESSID` has no lifetime",
    );
}

#[test]
fn legitimate_interest_for_a_cookie_that_needs_consent() {
    let errors = errors_with(COOKIES, "legitimate_interest.cookies.toml");
    let d = only_error(
        &errors,
        COOKIES,
        38,
        15,
        "cookie `__utma` needs consent, not legitimate interest",
    );
    assert_eq!(d.label, "expected legal_basis = \"consent\"");
}

#[test]
fn link_to_a_page_that_does_not_exist() {
    let errors = errors_with("content/index.md", "missing_page_link.md");
    let d = only_error(
        &errors,
        "content/index.md",
        8,
        49,
        "link to a page that does not exist: `@/vilkar.md`",
    );
    assert!(d.label.contains("`personvern.md`"), "{}", d.label);
}

#[test]
fn missing_text_in_the_default_language() {
    let errors = errors_with(COOKIES, "missing_default_text.cookies.toml");
    // The `nn` text is also in a language the site does not declare.
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let d = &errors[0];
    assert_eq!(d.line_col(), (39, 11));
    assert_eq!(
        d.message,
        "cookie `__utma`'s purpose has no text in the default language `nb`"
    );
    assert_eq!(
        errors[1].message,
        "cookie `__utma`'s purpose has a text in unknown language `nn`"
    );
}

/// A standard category needs no texts of its own: they are built in, in nb, nn and en.
#[test]
fn a_standard_category_needs_no_texts_but_another_does() {
    let inventory =
        std::fs::read_to_string(common::fixture("minimal/content/cookies.toml")).expect("fixture");
    let standard = inventory.replace(
        "[categories.necessary]",
        "[categories.media]\norder = 9\n\n[categories.necessary]",
    );
    let site = common::site_with(&[("content/cookies.toml", &standard)]);
    assert!(model::load(site.path()).is_ok());
    let own = inventory.replace(
        "[categories.necessary]",
        "[categories.newsletter]\norder = 9\n\n[categories.necessary]",
    );
    let site = common::site_with(&[("content/cookies.toml", &own)]);
    let errors = model::load(site.path()).expect_err("no texts").0;
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "category `newsletter`'s title is missing",
            "category `newsletter`'s description is missing"
        ]
    );
}

#[test]
fn unknown_language_in_a_file_name() {
    let site = common::site_with(&[(
        "content/kontakt.de.md",
        "+++\ntitle = \"Kontakt\"\ndescription = \"D\"\n+++\nHallo\n",
    )]);
    let errors = model::load(site.path())
        .expect_err("de is not a language of the site")
        .0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].source.path.to_string_lossy(),
        "content/kontakt.de.md"
    );
    assert_eq!(errors[0].message, "unknown language `de` in the file name");
}

#[test]
fn all_errors_are_reported_at_once() {
    let cookies = std::fs::read_to_string(common::fixture("errors/unknown_category.cookies.toml"))
        .expect("fixture");
    let page =
        std::fs::read_to_string(common::fixture("errors/missing_page_link.md")).expect("fixture");
    let site = common::site_with(&[(COOKIES, &cookies), ("content/index.md", &page)]);
    let errors = model::load(site.path()).expect_err("two errors").0;
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.contains(&"unknown category `analytic`"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"link to a page that does not exist: `@/vilkar.md`"),
        "{messages:?}"
    );
}

#[test]
fn a_category_id_the_widget_cannot_use() {
    let cookies = std::fs::read_to_string(common::fixture("minimal/content/cookies.toml"))
        .expect("fixture")
        .replace(
            "[categories.analytics]",
            "[categories.\"statistikk og sånt\"]",
        )
        .replace(
            "category = \"analytics\"",
            "category = \"statistikk og sånt\"",
        );
    let site = common::site_with(&[(COOKIES, &cookies)]);
    let errors: Vec<Diagnostic> = model::load(site.path())
        .expect_err("a space in a category id")
        .0
        .into_iter()
        .filter(|d| d.source.path.ends_with("cookies.toml"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].message,
        "category id `statistikk og sånt` cannot be used"
    );
    assert_eq!(errors[0].line_col(), (9, 9));
}

const SCRIPT_LINE: &str = "script = \"https://www.google-analytics.com/ga.js\"";

/// The minimal inventory with the analytics service's script replaced by `script`.
fn cookies_with_script(script: &str) -> String {
    let cookies =
        std::fs::read_to_string(common::fixture("minimal/content/cookies.toml")).expect("fixture");
    assert!(cookies.contains(SCRIPT_LINE));
    let value = toml::Value::String(script.to_owned()).to_string();
    cookies.replace(SCRIPT_LINE, &format!("script = {value}"))
}

#[test]
fn an_injected_script_url_is_a_positioned_error() {
    let errors = errors_with(COOKIES, "injected_script.cookies.toml");
    let d = only_error(
        &errors,
        COOKIES,
        22,
        10,
        "service `ga`'s script is not an absolute https URL",
    );
    assert_eq!(d.label, "a space cannot be part of this URL");
    assert!(d.help.is_some_and(|h| h.contains("without spaces")));
}

/// Other members of the class: anything that is not one absolute https URL, each refused where
/// it is written, before it can reach a policy.
#[test]
fn every_script_url_that_is_not_an_absolute_https_url_is_refused() {
    for (script, label) in [
        ("https://www.google-analytics.com/ga.js data:", "a space"),
        ("https://www.google-analytics.com;script-src *", "`;`"),
        (
            "https://www.google-analytics.com/ga.js'unsafe-inline'",
            "`'`",
        ),
        ("https://*.google-analytics.com/ga.js", "`*`"),
        (
            "https://www.google-analytics.com,https://evil.example/x.js",
            "`,`",
        ),
        ("https://www.google-analytics.com\t/ga.js", "U+0009"),
        ("data:text/javascript,alert(1)", "`,`"),
        ("data:text/javascript;base64,YWxlcnQoMSk=", "`;`"),
        ("javascript:alert(1)", "expected an https URL"),
        (
            "http://www.google-analytics.com/ga.js",
            "must be served over https",
        ),
        (
            "https://user:secret@www.google-analytics.com/ga.js",
            "user name or password",
        ),
        (
            "//www.google-analytics.com/ga.js",
            "expected an absolute https URL",
        ),
        ("/ga.js", "expected an absolute https URL"),
        ("https://www.google-analytics.com/ga.js#x", "`#` part"),
        (
            "ftp://www.google-analytics.com/ga.js",
            "expected an https URL",
        ),
    ] {
        let site = common::site_with(&[(COOKIES, &cookies_with_script(script))]);
        let errors = model::load(site.path())
            .err()
            .unwrap_or_else(|| panic!("{script:?} was accepted"))
            .0;
        assert_eq!(errors.len(), 1, "{script:?}: {errors:#?}");
        let d = &errors[0];
        assert_eq!(d.source.path.to_string_lossy(), COOKIES, "{script:?}");
        assert_eq!(d.line_col(), (22, 10), "{script:?}");
        assert_eq!(
            d.message, "service `ga`'s script is not an absolute https URL",
            "{script:?}"
        );
        assert!(d.label.contains(label), "{script:?}: {}", d.label);
        assert!(d.help.is_some(), "{script:?}");
    }
}

#[test]
fn loopback_and_test_hosts_may_serve_scripts_over_http() {
    for script in [
        "http://localhost:9/ga.js",
        "http://127.0.0.1:8081/ga.js",
        "http://www.google-analytics.test:41234/ga.js",
    ] {
        let site = common::site_with(&[(COOKIES, &cookies_with_script(script))]);
        assert!(model::load(site.path()).is_ok(), "{script}");
    }
}

#[test]
fn a_privacy_url_that_is_not_a_web_address() {
    let cookies = cookies_with_script("https://www.google-analytics.com/ga.js").replace(
        "category = \"analytics\"\nscript",
        "category = \"analytics\"\nprivacy_url = \"javascript:alert(1)\"\nscript",
    );
    let site = common::site_with(&[(COOKIES, &cookies)]);
    let errors = model::load(site.path()).expect_err("javascript: link").0;
    let d = only_error(
        &errors,
        COOKIES,
        22,
        15,
        "service `ga`'s privacy_url is not a web address",
    );
    assert!(d.label.contains("`javascript:`"), "{}", d.label);
}

#[test]
fn a_base_url_that_is_not_a_site_address() {
    let site_toml =
        std::fs::read_to_string(common::fixture("minimal/content/site.toml")).expect("fixture");
    for (base, label) in [
        ("https://test.example.no\" onload=\"x", "`\"`"),
        ("http://test.example.no", "must be served over https"),
        ("test.example.no", "expected an absolute URL"),
        ("https://test.example.no/?q=1", "`?` or `#`"),
    ] {
        let value = toml::Value::String(base.to_owned()).to_string();
        let text = site_toml.replace(
            "base_url = \"https://test.example.no\"",
            &format!("base_url = {value}"),
        );
        let site = common::site_with(&[("content/site.toml", &text)]);
        let errors = model::load(site.path()).expect_err(base).0;
        let d = only_error(
            &errors,
            "content/site.toml",
            3,
            12,
            "the base URL is not a URL the site can be published at",
        );
        assert!(d.label.contains(label), "{base}: {}", d.label);
    }
}

#[test]
fn a_gated_script_in_the_necessary_category() {
    let errors = errors_with("content/index.md", "necessary_gated_script.md");
    let d = only_error(
        &errors,
        "content/index.md",
        8,
        27,
        "gated markup cannot use the strictly necessary category `necessary`",
    );
    assert!(
        d.label.contains("before the visitor has chosen"),
        "{}",
        d.label
    );
    assert!(d.help.is_some());
}

#[test]
fn gated_markup_with_an_undeclared_source_or_an_unknown_category() {
    let page = |html: &str| {
        format!("+++\ntitle = \"Forside\"\ndescription = \"D\"\nmenu = 1\n+++\nTekst.\n\n{html}\n")
    };
    let cases = [
        // Frames are written with the embed shortcode; any raw iframe, gated or not, is refused.
        (
            "<iframe data-category=\"analytics\" data-src=\"https://evil.example/\"></iframe>",
            "raw `<iframe>` would load before consent",
            (8, 1),
        ),
        (
            "Tekst <script type=\"text/plain\" data-category=\"reklame\" data-src=\"https://www.google-analytics.com/ga.js\"></script>",
            "gated markup names unknown category `reklame`",
            (8, 33),
        ),
        (
            "<script type=\"text/plain\" data-category=\"analytics\" data-src=\"data:text/javascript,alert(1)\"></script>",
            "`data:text/javascript,alert(1)` is not a script of a service in category `analytics`",
            (8, 53),
        ),
    ];
    for (html, message, position) in cases {
        let site = common::site_with(&[("content/index.md", &page(html))]);
        let errors = model::load(site.path()).expect_err(html).0;
        let d = only_error(&errors, "content/index.md", position.0, position.1, message);
        assert!(!d.label.is_empty());
    }
    // The declared script, written as the inventory does, is fine.
    let ok = page("<script type=\"text/plain\" data-category=\"analytics\" data-src=\"https://www.google-analytics.com/ga.js\"></script>");
    let site = common::site_with(&[("content/index.md", &ok)]);
    assert!(model::load(site.path()).is_ok());
}

/// A label the default language has no built-in text for (`de`) is required, at its table.
#[test]
fn a_missing_label_points_at_its_table() {
    let site_toml =
        std::fs::read_to_string(common::fixture("minimal/content/site.toml")).expect("fixture");
    let german: String = site_toml
        .lines()
        .filter(|l| !l.starts_with("home = "))
        .map(|l| match l {
            // Texts the fixture leaves to the built-in ones.
            "[consent.texts]" => "[consent.texts]\nconsent_id = { de = \"x\" }\n".to_owned(),
            "[labels]" => {
                let mut table = String::from("[labels]\n");
                for key in [
                    "storage_session",
                    "organisation_number",
                    "embed_notice",
                    "embed_show",
                    "embed_about",
                ] {
                    table.push_str(&format!("{key} = {{ de = \"x\" }}\n"));
                }
                table
            }
            l => format!("{}\n", l.replace("nb", "de")),
        })
        .collect();
    let inventory = std::fs::read_to_string(common::fixture("minimal/content/cookies.toml"))
        .expect("fixture")
        .replace("nb =", "de =");
    let site = common::site_with(&[
        ("content/site.toml", &german),
        ("content/cookies.toml", &inventory),
    ]);
    let errors = model::load(site.path()).expect_err("no home label").0;
    let line = german
        .lines()
        .position(|l| l == "[labels]")
        .expect("a [labels] table")
        + 1;
    let d = only_error(
        &errors,
        "content/site.toml",
        line,
        1,
        "[labels] has no `home` in `de`",
    );
    assert_eq!(
        d.label,
        "`home` is missing from this table, and Samtykke has no built-in texts in `de`"
    );
    assert!(d.help.is_some_and(|h| h.contains("home = { de = \"…\" }")));
}

/// The banner's body is the site's own: it has no built-in text, so it is required; a button
/// text is not.
#[test]
fn a_missing_consent_text_points_at_its_table() {
    let site_toml =
        std::fs::read_to_string(common::fixture("minimal/content/site.toml")).expect("fixture");
    let text: String = site_toml
        .lines()
        .filter(|l| !l.starts_with("banner_body = ") && !l.starts_with("saved = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let site = common::site_with(&[("content/site.toml", &text)]);
    let errors = model::load(site.path()).expect_err("no banner body").0;
    let d = only_error(
        &errors,
        "content/site.toml",
        37,
        1,
        "[consent.texts] has no `banner_body` in `nb`",
    );
    assert_eq!(
        d.label,
        "`banner_body` is missing from this table, and only the site can write it"
    );
}

/// The policy in `_headers` and in every page's `<meta>`: each directive known, each source
/// expression one of a closed grammar, and the only hosts those of the declared scripts.
fn check_policy(where_: &str, policy: &str, expected_hosts: &[&str]) {
    let directives = [
        "default-src",
        "script-src",
        "style-src",
        "img-src",
        "connect-src",
        "font-src",
        "frame-src",
        "base-uri",
        "form-action",
        "object-src",
        "frame-ancestors",
    ];
    for directive in policy.split(';') {
        let mut tokens = directive.split(' ').filter(|t| !t.is_empty());
        let name = tokens
            .next()
            .unwrap_or_else(|| panic!("{where_}: empty directive"));
        assert!(directives.contains(&name), "{where_}: directive {name}");
        for token in tokens {
            let ok = matches!(token, "'self'" | "'none'")
                || (token == "'wasm-unsafe-eval'" && name == "script-src")
                || (token == "data:" && name == "img-src")
                || (name == "script-src"
                    && samtykke_site::render::csp::Hash::parse(token).is_some())
                || (samtykke_site::validate::urls::is_host_source(token)
                    && expected_hosts.contains(&token));
            assert!(ok, "{where_}: `{token}` in {name}: {policy}");
        }
    }
}

fn check_built_policies(root: &std::path::Path, expected_hosts: &[&str]) {
    let out = tempfile::tempdir().expect("tempdir");
    let dist = out.path().join("dist");
    samtykke_site::build::build(root, &dist, &samtykke_site::render::Options::default())
        .expect("builds");
    let headers = std::fs::read_to_string(dist.join("_headers")).expect("_headers");
    let csp_lines: Vec<&str> = headers
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Content-Security-Policy: "))
        .collect();
    assert_eq!(csp_lines.len(), 1, "{headers}");
    check_policy("_headers", csp_lines[0], expected_hosts);
    let meta =
        scraper::Selector::parse("meta[http-equiv=\"Content-Security-Policy\"]").expect("selector");
    let mut pages = 0;
    for (path, bytes) in common::snapshot(&dist) {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = String::from_utf8(bytes).expect("utf-8");
        let doc = scraper::Html::parse_document(&html);
        let policies: Vec<&str> = doc
            .select(&meta)
            .filter_map(|m| m.value().attr("content"))
            .collect();
        assert_eq!(policies.len(), 1, "{}", path.display());
        check_policy(&path.display().to_string(), policies[0], expected_hosts);
        pages += 1;
    }
    assert!(pages >= 3, "{pages} pages");
}

#[test]
fn built_policies_hold_only_expected_source_expressions() {
    let site = common::site_with(&[]);
    check_built_policies(site.path(), &["https://www.google-analytics.com"]);
    // The real Hesbynett content too.
    check_built_policies(&common::repo_root(), &["https://www.google-analytics.com"]);
}

#[test]
fn a_brand_colour_too_light_for_text_is_refused_where_it_is_written() {
    let errors = errors_with("content/site.toml", "impossible_brand.site.toml");
    let d = only_error(
        &errors,
        "content/site.toml",
        8,
        11,
        "the brand colour `#ffcc00` is too light to carry text",
    );
    let label = d.label.clone();
    assert!(
        label.contains("1.5:1") && label.contains("4.5:1"),
        "{label}"
    );
    let help = d.help.expect("suggests a shade");
    assert!(help.contains("`#"), "{help}");
}

/// The minimal site.toml with a `[brand]` table after `theme`.
fn with_brand(brand: &str) -> Vec<Diagnostic> {
    let site = std::fs::read_to_string(common::fixture("minimal/content/site.toml")).expect("site");
    let text = site.replacen(
        "theme = \"hesbynett\"\n",
        &format!("theme = \"hesbynett\"\n[brand]\n{brand}\n"),
        1,
    );
    let dir = common::site_with(&[("content/site.toml", &text)]);
    match model::load(dir.path()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0,
    }
}

#[test]
fn brand_colours_and_files_are_checked() {
    let errors = with_brand("primary = \"#0b3d6\"");
    let d = only_error(
        &errors,
        "content/site.toml",
        7,
        11,
        "the brand's primary colour is not a colour",
    );
    assert!(d.label.contains("6 hex digits"), "{}", d.label);
    let errors = with_brand("logo = \"mangler.svg\"");
    let d = only_error(
        &errors,
        "content/site.toml",
        7,
        8,
        "no file `mangler.svg` in the theme",
    );
    assert!(d.label.contains("static"), "{}", d.label);
    let errors = with_brand("logo = \"../content/site.toml\"");
    only_error(
        &errors,
        "content/site.toml",
        7,
        8,
        "the brand's logo `../content/site.toml` cannot be used",
    );
    assert!(
        with_brand("logo = \"logo.svg\"\nprimary = \"#0B3D6E\"").is_empty(),
        "Hesbynett's own brand loads"
    );
}

/// A service's name given per language needs the default language, and is pointed at.
#[test]
fn a_service_name_per_language_needs_the_default_language() {
    let inventory = std::fs::read_to_string(common::fixture("minimal/content/cookies.toml"))
        .expect("fixture")
        .replace("name = \"Testnett\"", "name = { nb = \"Nettstedet\" }");
    let site = common::site_with(&[("content/cookies.toml", &inventory)]);
    assert!(
        model::load(site.path()).is_ok(),
        "a name per language loads"
    );
    let inventory = inventory.replace("{ nb = \"Nettstedet\" }", "{ en = \"The website\" }");
    let site = common::site_with(&[("content/cookies.toml", &inventory)]);
    let errors = model::load(site.path()).expect_err("no nb name").0;
    let line = inventory
        .lines()
        .position(|l| l.starts_with("name = { en"))
        .expect("the name")
        + 1;
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        errors[0].message,
        "service `nettsted`'s name has no text in the default language `nb`"
    );
    assert_eq!(errors[0].line_col(), (line, 8));
    assert_eq!(
        errors[1].message,
        "service `nettsted`'s name has a text in unknown language `en`"
    );
}
