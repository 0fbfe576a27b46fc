//! Unit tests of the inventory and site checks in `validate.rs`: each rule on a small inventory,
//! with the message, the place it points at (line:col) and the hint.

use super::*;
use crate::diagnostics::Source;

const SITE: &str = r#"
name = "X"
base_url = "https://example.no"
default_language = "nb"
[languages.nb]
name = "Norsk bokmål"
[languages.en]
name = "English"
[controller]
name = "X AS"
email = "post@example.no"
address = { nb = "Gate 1" }
[policy]
version = "1.0"
date = 2026-11-30
page = "personvern"
cookie_page = "informasjonskapsler"
"#;

const GOOD: &str = r#"[categories.necessary]
necessary = true
title = { nb = "Nødvendige" }
description = { nb = "Trengs." }

[categories.analytics]
title = { nb = "Statistikk" }
description = { nb = "Telling." }

[services.site]
name = "Nettsted"
provider = "Eier AS"
host = "example.no"

[services.ga]
name = "Google Analytics"
provider = "Google LLC"
host = "example.no"
category = "analytics"
script = "https://www.google-analytics.com/ga.js"

[[cookies]]
name = "PHPSESSID"
category = "necessary"
service = "site"
party = "first"
legal_basis = "contract"
purpose = { nb = "Skjema." }
lifetime = { nb = "Økt" }

[[cookies]]
name = "__utma"
category = "analytics"
service = "ga"
party = "first"
legal_basis = "consent"
purpose = { nb = "Statistikk." }
lifetime = { nb = "2 år" }
"#;

/// The diagnostics for `inventory`: (line, col, message, label, help).
fn check(inventory: &str) -> Vec<(usize, usize, String, String, Option<String>)> {
    check_with(SITE, inventory)
}

/// The diagnostics for `inventory` beside the site.toml `site`.
fn check_with(site: &str, inventory: &str) -> Vec<(usize, usize, String, String, Option<String>)> {
    let site: SiteFile = toml::from_str(site).expect("valid site");
    let inv: InventoryFile = toml::from_str(inventory).expect("parses");
    let source = Source::new("content/cookies.toml", inventory);
    let mut errors = Diagnostics::default();
    super::inventory(&inv, &source, &site, &mut errors);
    errors
        .iter()
        .map(|d| {
            let (line, col) = d.line_col();
            (
                line,
                col,
                d.message.clone(),
                d.label.clone(),
                d.help.clone(),
            )
        })
        .collect()
}

/// The one diagnostic for `inventory`, which must be the only one.
fn only(inventory: &str) -> (usize, usize, String, String, Option<String>) {
    let mut all = check(inventory);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

/// 1-based line and column of the first `needle` in `text`.
fn at(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    crate::diagnostics::line_col(text, offset)
}

#[test]
fn a_good_inventory_has_no_errors() {
    assert_eq!(check(GOOD), []);
}

#[test]
fn an_unknown_category_names_the_known_ones_and_the_closest() {
    let bad = GOOD.replace(
        "category = \"analytics\"\nservice = \"ga\"",
        "category = \"analytic\"\nservice = \"ga\"",
    );
    let (line, col, message, label, help) = only(&bad);
    assert_eq!((line, col), at(&bad, "\"analytic\"\nservice"));
    assert_eq!(message, "unknown category `analytic`");
    assert_eq!(label, "expected one of `analytics`, `necessary`");
    assert_eq!(help.as_deref(), Some("did you mean `analytics`?"));
}

#[test]
fn an_unknown_category_far_from_any_suggests_declaring_it() {
    let bad = GOOD.replace(
        "category = \"analytics\"\nservice = \"ga\"",
        "category = \"marketing\"\nservice = \"ga\"",
    );
    let (_, _, message, _, help) = only(&bad);
    assert_eq!(message, "unknown category `marketing`");
    assert_eq!(
        help.as_deref(),
        Some("declare it as [categories.marketing]")
    );
}

#[test]
fn a_service_with_an_unknown_category_is_an_error_too() {
    let bad = GOOD.replace(
        "host = \"example.no\"\ncategory = \"analytics\"",
        "host = \"example.no\"\ncategory = \"analytcs\"",
    );
    let (line, col, message, _, help) = only(&bad);
    assert_eq!((line, col), at(&bad, "\"analytcs\""));
    assert_eq!(message, "unknown category `analytcs`");
    assert_eq!(help.as_deref(), Some("did you mean `analytics`?"));
}

#[test]
fn an_unknown_service_is_an_error_at_its_name() {
    let bad = GOOD.replace("service = \"ga\"", "service = \"gaa\"");
    let (line, col, message, label, help) = only(&bad);
    assert_eq!((line, col), at(&bad, "\"gaa\""));
    assert_eq!(message, "unknown service `gaa`");
    assert_eq!(label, "expected one of `ga`, `site`");
    assert_eq!(help.as_deref(), Some("did you mean `ga`?"));
}

#[test]
fn without_a_necessary_category_the_record_has_nowhere_to_live() {
    let bad = GOOD.replace("necessary = true\n", "");
    let all = check(&bad);
    assert!(
        all.iter()
            .any(|(_, _, m, _, _)| m == "no category is marked `necessary = true`"),
        "{all:#?}"
    );
}

#[test]
fn analytics_cannot_be_strictly_necessary() {
    let bad = GOOD.replace(
        "[categories.analytics]\n",
        "[categories.analytics]\nnecessary = true\n",
    );
    let all = check(&bad);
    let hit = all
        .iter()
        .find(|(_, _, m, _, _)| m == "category `analytics` cannot be strictly necessary")
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!(
        (hit.0, hit.1),
        at(&bad, "true\ntitle = { nb = \"Statistikk\"")
    );
    // Its consent-based cookie is then fine: only the category is wrong.
    assert_eq!(all.len(), 1, "{all:#?}");
}

#[test]
fn an_optional_cookie_needs_consent_as_its_legal_basis() {
    for (basis, message) in [
        (
            "legitimate-interest",
            "cookie `__utma` needs consent, not legitimate interest",
        ),
        ("contract", "cookie `__utma` needs consent, not `contract`"),
        (
            "legal-obligation",
            "cookie `__utma` needs consent, not `legal-obligation`",
        ),
    ] {
        let bad = GOOD.replace(
            "legal_basis = \"consent\"",
            &format!("legal_basis = \"{basis}\""),
        );
        let (line, col, found, label, help) = only(&bad);
        // The basis of `__utma`, not the necessary cookie's above it.
        let utma = bad.find("\"__utma\"").expect("utma");
        let basis_at = utma + bad[utma..].find(&format!("\"{basis}\"")).expect("basis");
        assert_eq!(
            (line, col),
            crate::diagnostics::line_col(&bad, basis_at),
            "{basis}"
        );
        assert_eq!(found, message);
        assert_eq!(label, "expected legal_basis = \"consent\"");
        assert!(
            help.is_some_and(|h| h.contains("category `analytics` is not strictly necessary")),
            "{basis}"
        );
    }
    // A necessary cookie may rest on any basis.
    for basis in ["legitimate-interest", "legal-obligation", "consent"] {
        let fine = GOOD.replace(
            "legal_basis = \"contract\"",
            &format!("legal_basis = \"{basis}\""),
        );
        assert_eq!(check(&fine), [], "{basis}");
    }
}

#[test]
fn a_cookie_without_purpose_or_lifetime_is_named_with_the_field() {
    for (field, line) in [
        ("purpose", "purpose = { nb = \"Statistikk.\" }\n"),
        ("lifetime", "lifetime = { nb = \"2 år\" }\n"),
    ] {
        let bad = GOOD.replace(line, "");
        let (l, c, message, label, help) = only(&bad);
        assert_eq!((l, c), at(&bad, "\"__utma\""), "{field}");
        assert_eq!(message, format!("cookie `__utma` has no {field}"));
        assert_eq!(
            label,
            format!("expected `{field} = {{ nb = \"…\" }}` in this entry")
        );
        assert!(help.is_some_and(|h| h.starts_with("visitors must be told")));
    }
}

#[test]
fn texts_need_the_default_language_and_only_known_ones() {
    let missing = GOOD.replace(
        "purpose = { nb = \"Statistikk.\" }",
        "purpose = { en = \"Statistics.\" }",
    );
    let (l, c, message, label, _) = only(&missing);
    assert_eq!((l, c), at(&missing, "{ en = \"Statistics.\" }"));
    assert_eq!(
        message,
        "cookie `__utma`'s purpose has no text in the default language `nb`"
    );
    assert_eq!(label, "expected `nb = \"…\"` here");

    let unknown = GOOD.replace(
        "title = { nb = \"Statistikk\" }",
        "title = { nb = \"Statistikk\", smj = \"Statistihkka\" }",
    );
    let (_, _, message, _, help) = only(&unknown);
    assert_eq!(
        message,
        "category `analytics`'s title has a text in unknown language `smj`"
    );
    assert_eq!(
        help.as_deref(),
        Some("declare it in site.toml as [languages.smj]")
    );

    let transfer = GOOD.replace(
        "script = \"https://www.google-analytics.com/ga.js\"",
        "script = \"https://www.google-analytics.com/ga.js\"\ntransfer = { en = \"USA\" }",
    );
    let (_, _, message, _, _) = only(&transfer);
    assert_eq!(
        message,
        "service `ga`'s transfer has no text in the default language `nb`"
    );
}

#[test]
fn a_script_needs_a_category_to_wait_for() {
    let bad = GOOD.replace("category = \"analytics\"\nscript", "script");
    let (l, c, message, _, _) = only(&bad);
    assert_eq!(
        (l, c),
        at(&bad, "\"https://www.google-analytics.com/ga.js\"")
    );
    assert_eq!(message, "service `ga` has a script but no category");
}

#[test]
fn the_same_cookie_twice_on_one_host_points_at_both() {
    let twice = format!(
        "{GOOD}\n[[cookies]]\nname = \"__utma\"\ncategory = \"analytics\"\nservice = \"ga\"\nparty = \"first\"\nlegal_basis = \"consent\"\npurpose = {{ nb = \"Igjen.\" }}\nlifetime = {{ nb = \"2 år\" }}\n"
    );
    let (l, c, message, label, _) = only(&twice);
    let second = twice.rfind("\"__utma\"").expect("second");
    assert_eq!((l, c), crate::diagnostics::line_col(&twice, second));
    assert_eq!(
        message,
        "cookie `__utma` is declared twice for host `example.no`"
    );
    assert_eq!(label, "declared again here");
    // In local storage it is another thing, so no clash.
    let storage = twice.replacen(
        "lifetime = { nb = \"2 år\" }\n",
        "lifetime = { nb = \"2 år\" }\nstorage = \"local-storage\"\n",
        1,
    );
    assert_eq!(check(&storage), []);
}

#[test]
fn cookie_names_and_category_ids_are_checked() {
    let bad = GOOD.replace("name = \"__utma\"", "name = \"__u tma\"");
    let (l, c, message, _, _) = only(&bad);
    assert_eq!((l, c), at(&bad, "\"__u tma\""));
    assert_eq!(message, "invalid cookie name `__u tma`");

    let bad = GOOD
        .replace("[categories.analytics]", "[categories.\"Analytics!\"]")
        .replace("category = \"analytics\"", "category = \"Analytics!\"");
    let all = check(&bad);
    assert!(
        all.iter()
            .any(|(_, _, m, _, _)| m == "category id `Analytics!` cannot be used"),
        "{all:#?}"
    );
}

#[test]
fn too_many_categories_are_refused() {
    let mut many = GOOD.to_owned();
    for i in 0..samtykke_contract::config::MAX_CATEGORIES {
        many.push_str(&format!(
            "\n[categories.c{i}]\ntitle = {{ nb = \"T\" }}\ndescription = {{ nb = \"D\" }}\n"
        ));
    }
    let all = check(&many);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(
        all[0].2,
        format!(
            "{} categories are too many",
            samtykke_contract::config::MAX_CATEGORIES + 2
        )
    );
}

/// GOOD with `n` more categories; `necessary` says whether they are necessary ones.
fn with_categories(n: usize, necessary: bool) -> String {
    let mut inventory = GOOD.to_owned();
    for i in 0..n {
        inventory.push_str(&format!(
            "\n[categories.c{i}]\nnecessary = {necessary}\ntitle = {{ nb = \"T\" }}\ndescription = {{ nb = \"D\" }}\n"
        ));
    }
    inventory
}

#[test]
fn the_category_limits_are_exact() {
    use samtykke_contract::{config, receipt};
    let messages = |site: &str, inventory: &str| -> Vec<String> {
        check_with(site, inventory)
            .into_iter()
            .map(|(_, _, m, _, _)| m)
            .collect()
    };
    // GOOD has two categories: exactly the widget's limit is fine, one more is not.
    assert_eq!(
        messages(SITE, &with_categories(config::MAX_CATEGORIES - 2, false)),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(SITE, &with_categories(config::MAX_CATEGORIES - 1, false)),
        [format!(
            "{} categories are too many",
            config::MAX_CATEGORIES + 1
        )]
    );
    // With receipts, a receipt's limit counts the optional categories only (GOOD has one).
    let receipts =
        format!("{SITE}[consent]\nreceipts_url = \"https://samtykke.example.no/v1/receipts\"\n");
    let too_many = "too many optional categories for receipts";
    assert_eq!(
        messages(
            &receipts,
            &with_categories(receipt::MAX_CATEGORIES - 1, false)
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(&receipts, &with_categories(receipt::MAX_CATEGORIES, false)),
        [too_many]
    );
    assert_eq!(
        messages(
            &receipts,
            &with_categories(receipt::MAX_CATEGORIES + 5, true)
        ),
        Vec::<String>::new(),
        "necessary categories are not in a receipt"
    );
    // Without receipts, the receipt's limit does not apply.
    assert_eq!(
        messages(SITE, &with_categories(receipt::MAX_CATEGORIES + 5, false)),
        Vec::<String>::new()
    );
}

/// The diagnostics of site.toml `text` that concern receipts: (line, col, message, label).
fn receipt_errors(text: &str) -> Vec<(usize, usize, String, String)> {
    site_errors(text)
        .into_iter()
        .filter(|(_, _, message, label)| {
            message.contains("receipt")
                || message.contains("consent_id")
                || label.contains("receipts_url")
        })
        .collect()
}

#[test]
fn a_receipts_url_is_an_https_endpoint_and_brings_what_receipts_need() {
    let with = |url: &str, extra: &str| {
        format!("{SITE}[consent]\nreceipts_url = \"{url}\"\n[consent.texts]\n{extra}")
    };
    // Plain http to a public host: refused where it is written.
    let text = with(
        "http://samtykke.example.no/v1/receipts",
        "consent_id = { nb = \"Samtykke-ID\" }\n",
    );
    let errors = receipt_errors(&text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].0, errors[0].1), at(&text, "\"http://samtykke"));
    assert!(errors[0].2.contains("receipts URL"), "{errors:#?}");
    assert!(errors[0].3.contains("https"), "{errors:#?}");

    // A good endpoint needs no label of its own for the consent id: it is built in.
    let text = with("https://samtykke.example.no/v1/receipts", "");
    assert_eq!(receipt_errors(&text), Vec::new());

    // A policy version a receipt cannot carry.
    let text = with(
        "https://samtykke.example.no/v1/receipts",
        "consent_id = { nb = \"Samtykke-ID\" }\n",
    )
    .replace("version = \"1.0\"", "version = \"1.0 (utkast)\"");
    let errors = receipt_errors(&text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].2.contains("cannot go into a receipt"),
        "{errors:#?}"
    );

    // All in order: nothing about receipts; and `consent_id` is a known key without them too.
    let text = with(
        "http://127.0.0.1:8787/v1/receipts",
        "consent_id = { nb = \"Samtykke-ID\" }\n",
    );
    assert_eq!(receipt_errors(&text), vec![]);
    let text = format!("{SITE}[consent.texts]\nconsent_id = {{ nb = \"Samtykke-ID\" }}\n");
    let site: SiteFile = toml::from_str(&text).expect("valid site");
    let mut errors = Diagnostics::default();
    super::site(&site, &Source::new("site.toml", text.as_str()), &mut errors);
    assert!(
        !errors.iter().any(|d| d.message.contains("consent_id")),
        "consent_id is an accepted key"
    );
}

#[test]
fn a_close_match_allows_more_typos_in_a_longer_word() {
    // Two typos in any word, and a quarter of the word's length in a long one.
    let known = ["necessary", "informasjonskapsler"];
    let hint = |found: &str| expected_one_of(found, known).1;
    assert_eq!(
        hint("necesary"),
        Some("did you mean `necessary`?".to_owned())
    );
    assert_eq!(hint("nxcxsxary"), None, "three typos in a nine-letter word");
    // 19 letters: up to 4 typos.
    assert_eq!(
        hint("xxxxrmasjonskapsler"),
        Some("did you mean `informasjonskapsler`?".to_owned())
    );
    assert_eq!(hint("xxxxxmasjonskapsler"), None, "five typos");
    assert_eq!(
        expected_one_of("x", known).0,
        "expected one of `necessary`, `informasjonskapsler`"
    );
}

/// site.toml `text` with German, a language Samtykke has no built-in texts in, as its only and
/// default language.
fn in_german(text: &str) -> String {
    text.replace("default_language = \"nb\"", "default_language = \"de\"")
        .replace(
            "[languages.nb]\nname = \"Norsk bokmål\"",
            "[languages.de]\nname = \"Deutsch\"",
        )
        .replace("nb =", "de =")
}

/// Every diagnostic of site.toml `text`: (line, col, message, label).
fn site_errors(text: &str) -> Vec<(usize, usize, String, String)> {
    let site: SiteFile = toml::from_str(text).expect("valid site");
    let source = Source::new("content/site.toml", text);
    let mut errors = Diagnostics::default();
    super::site(&site, &source, &mut errors);
    errors
        .iter()
        .map(|d| {
            let (line, col) = d.line_col();
            (line, col, d.message.clone(), d.label.clone())
        })
        .collect()
}

#[test]
fn texts_the_theme_needs_are_asked_for_once_per_missing_table_or_at_their_table() {
    let site_only = "only the site can write it";
    // No [consent.texts]: one error for the table, naming what has no built-in text.
    assert_eq!(
        site_errors(SITE),
        [(
            1,
            1,
            "site.toml has no [consent.texts] table".to_owned(),
            format!("the theme needs these texts, and {site_only}: `banner_body`")
        )]
    );
    // The table without that key: the error points at the table. [labels] needs nothing in
    // `nb` (all built in), so no error about it, with or without the table.
    let partial = format!("{SITE}[consent.texts]\nsaved = {{ nb = \"Lagret\" }}\n");
    assert_eq!(
        site_errors(&partial),
        [(
            at(&partial, "[consent.texts]").0,
            1,
            "[consent.texts] has no `banner_body` in `nb`".to_owned(),
            format!("`banner_body` is missing from this table, and {site_only}")
        )]
    );
    let complete = format!("{SITE}[consent.texts]\nbanner_body = {{ nb = \"Vi spør.\" }}\n");
    assert_eq!(site_errors(&complete), []);

    // A language without built-in texts: every key of both tables is missing, one error each.
    let found = site_errors(&in_german(&complete));
    let labels = found
        .iter()
        .find(|e| e.2 == "site.toml has no [labels] table")
        .expect("one error for the missing [labels]");
    let why = "Samtykke has no built-in texts in `de`";
    assert_eq!(
        labels.3,
        format!(
            "the theme needs these texts, and {why}: {}",
            super::list(&i18n::label_keys())
        )
    );
    let consent: Vec<&str> = found
        .iter()
        .filter_map(|e| e.2.strip_prefix("[consent.texts] has no `"))
        .filter_map(|m| m.strip_suffix("` in `de`"))
        .collect();
    let mut expected: Vec<&str> = i18n::consent_keys()
        .iter()
        .copied()
        .filter(|k| *k != "banner_body")
        .collect();
    expected.sort_unstable();
    let mut sorted = consent.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    assert_eq!(found.len(), 1 + expected.len(), "{found:#?}");
}

#[test]
fn consent_expires_after_at_least_one_day() {
    let with = |days: u32| {
        format!("{SITE}[consent]\nexpiry_days = {days}\n[consent.texts]\nbanner_body = {{ nb = \"x\" }}\n")
    };
    let zero = with(0);
    let found = site_errors(&zero);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].2, "consent cannot expire after 0 days");
    assert_eq!((found[0].0, found[0].1), at(&zero, "0\n[consent.texts]"));
    for days in [1, 30, 180, 395] {
        assert_eq!(site_errors(&with(days)), [], "{days} days");
    }
}

#[test]
fn only_a_standard_category_may_leave_out_its_title_and_description() {
    // `analytics` has built-in texts in `nb`; a category of the site's own has none.
    let bare = GOOD.replace(
        "[categories.analytics]\ntitle = { nb = \"Statistikk\" }\ndescription = { nb = \"Telling.\" }\n",
        "[categories.analytics]\n",
    );
    assert_eq!(check(&bare), []);
    let own = format!("{GOOD}\n[categories.nyhetsbrev]\ntitle = {{ nb = \"Nyhetsbrev\" }}\n");
    let (line, col, message, label, help) = only(&own);
    assert_eq!((line, col), at(&own, "{ nb = \"Nyhetsbrev\" }"));
    assert_eq!(message, "category `nyhetsbrev`'s description is missing");
    assert_eq!(
        label,
        "expected `description = { nb = \"…\" }` in [categories.nyhetsbrev]"
    );
    assert_eq!(
        help,
        Some(format!(
            "only the standard categories ({}) have built-in texts",
            super::list(&i18n::standard_categories())
        ))
    );
    assert!(help.is_some_and(|h| h.contains("`analytics`")));
    // In a language without built-in texts, a standard category needs its texts too.
    let german = bare.replace("nb =", "de =");
    let messages: Vec<String> = check_with(&in_german(SITE), &german)
        .into_iter()
        .map(|e| e.2)
        .collect();
    assert_eq!(
        messages,
        [
            "category `analytics`'s title is missing",
            "category `analytics`'s description is missing"
        ]
    );
}
