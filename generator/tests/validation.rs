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
    assert_eq!(d.line_col(), (9, 9));
    assert_eq!(
        d.message,
        "category `analytics`'s title has no text in the default language `nb`"
    );
    assert_eq!(
        errors[1].message,
        "category `analytics`'s title has a text in unknown language `nn`"
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
