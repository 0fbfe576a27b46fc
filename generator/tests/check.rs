//! `samtykke check`: each finding appears on a site that lacks what it looks for, and not on
//! one that has it; the real gaps of the shipped Hesbynett text are reported; nothing is written.

mod common;

use samtykke_site::check::{check, Finding, Report};

const POLICY: &str = include_str!("fixtures/check/personvern.md");
const COOKIES: &str = include_str!("fixtures/check/cookies.toml");

/// A cookie page with the tables of every category.
const COOKIE_PAGE: &str =
    "+++\ntitle = \"Informasjonskapsler\"\ndescription = \"D.\"\n+++\n{{ cookie_tables() }}\n";

/// The minimal site with `policy` and `cookies`.
fn report_for(policy: &str, cookies: &str) -> Report {
    let site = common::site_with(&[
        ("content/personvern.md", policy),
        ("content/cookies.toml", cookies),
        ("content/informasjonskapsler.md", COOKIE_PAGE),
    ]);
    let report = check(site.path()).unwrap_or_else(|e| panic!("check failed: {e}"));
    assert!(!site.path().join("dist").exists(), "check writes nothing");
    report
}

fn describe(findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{}\n", f.headline()))
        .collect()
}

fn all(report: &Report) -> String {
    describe(&report.findings.iter().collect::<Vec<_>>())
}

/// The one finding of `rule` whose message contains `needle`.
fn find<'a>(report: &'a Report, rule: &str, needle: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule && f.message().contains(needle))
        .unwrap_or_else(|| panic!("no {rule} finding with «{needle}» in:\n{}", all(report)))
}

#[test]
fn the_complete_policy_has_no_findings() {
    let report = report_for(POLICY, COOKIES);
    assert!(report.findings.is_empty(), "{}", all(&report));
}

/// (rule, what to take out of the complete policy, what to put in, the finding's message).
const LACKS: &[(&str, &str, &str, &str)] = &[
    ("C-25", "Testnett AS er behandlingsansvarlig.\n\n{{ contact() }}\n", "", "who the controller is"),
    ("C-26", " Behandlingsgrunnlaget er avtalen med deg.", "", "names no legal basis"),
    ("C-27", "## Mottakere\n\nMottakere av opplysningene er vår databehandler for fakturering.", "## Andre\n\n", "recipients of the data"),
    ("C-27", "Google LLC", "Leverandøren", "does not name Google LLC"),
    ("C-28", "## Overføring til USA\n\nGoogle LLC holder til i USA. Overføringen bygger på EUs standardkontraktsklausuler.\n", "", "transfer outside the EEA that cookies.toml declares"),
    ("C-28", "bygger på EUs standardkontraktsklausuler", "skjer", "not its safeguard"),
    ("C-29", "Opplysningene slettes tre måneder etter at kundeforholdet er avsluttet.", "", "«Hva vi lagrer, og hvorfor» says what is stored, not for how long"),
    ("C-29", "Se [listen](@/informasjonskapsler.md) over informasjonskapsler", "Se listen over informasjonskapsler", "neither lists the cookies nor links"),
    ("C-30", "Du har rett til innsyn i opplysningene vi har om deg. ", "", "leaves out rights: innsyn (Art. 15)"),
    ("C-30", "Du har rett til retting av feil. ", "", "leaves out rights: retting (Art. 16)"),
    ("C-30", "Du har rett til sletting. ", "", "leaves out rights: sletting (Art. 17)"),
    ("C-30", "Du har rett til begrensning av behandlingen. ", "", "leaves out rights: begrensning av behandlingen (Art. 18)"),
    ("C-30", "Du har rett til dataportabilitet. ", "", "leaves out rights: dataportabilitet (Art. 20)"),
    ("C-30", "### Rett til å protestere\n\nDu kan protestere mot behandlingen når som helst.\n", "", "leaves out rights: protest (Art. 21)"),
    ("C-30", "## Dine rettigheter\n\nDu har rett til innsyn i opplysningene vi har om deg. Du har rett til retting av feil. Du har rett til sletting. Du har rett til begrensning av behandlingen. Du har rett til dataportabilitet. Kontakt oss på e-post for å bruke rettighetene.\n\n### Rett til å protestere\n\nDu kan protestere mot behandlingen når som helst.\n", "", "does not tell the reader's rights"),
    ("C-31", "Du kan når som helst trekke tilbake samtykket ditt.", "Du kan endre valget.", "can be withdrawn at any time"),
    ("C-31", "{{ consent_settings() }}\n", "", "does not link to the cookie settings"),
    ("C-32", "## Klage til Datatilsynet\n\nDu kan klage til Datatilsynet hvis du mener vi behandler opplysningene dine i strid med reglene.\n", "", "complain to Datatilsynet"),
];

#[test]
fn each_policy_finding_appears_when_its_text_is_taken_out() {
    for (rule, take, put, message) in LACKS {
        assert!(POLICY.contains(take), "the fixture holds «{take}»");
        let report = report_for(&POLICY.replace(take, put), COOKIES);
        let finding = find(&report, rule, message);
        assert!(!finding.why.is_empty(), "{rule} says why");
        let others: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule != *rule && f.rule != "C-25")
            .collect();
        assert!(
            others.is_empty(),
            "taking out «{take}» should only raise {rule}:\n{}",
            describe(&others)
        );
    }
}

#[test]
fn findings_cite_the_article_the_law_asks_in() {
    let bare = "+++\ntitle = \"Personvern\"\ndescription = \"D.\"\n+++\n## Om oss\n\nVi lagrer navn og adresse.\n";
    let report = report_for(bare, COOKIES);
    for (rule, article) in [
        ("C-25", "Art. 13(1)(a)"),
        ("C-26", "Art. 13(1)(c)"),
        ("C-27", "Art. 13(1)(e)"),
        ("C-28", "Art. 13(1)(f)"),
        ("C-29", "Art. 13(2)(a)"),
        ("C-30", "Art. 13(2)(b)"),
        ("C-31", "Art. 13(2)(c)"),
        ("C-32", "Art. 13(2)(d)"),
    ] {
        let of = report.of(rule);
        assert!(!of.is_empty(), "{rule} on a bare policy:\n{}", all(&report));
        assert!(
            of.iter().all(|f| f.why.contains(article)),
            "{rule} cites {article}: {:?}",
            of.iter().map(|f| &f.why).collect::<Vec<_>>()
        );
    }
    let section = find(&report, "C-29", "«Om oss» says what is stored");
    assert_eq!(section.diagnostic.line_col(), (5, 1));
}

#[test]
fn the_right_to_object_must_stand_apart() {
    let merged = POLICY
        .replace(
            "### Rett til å protestere\n\nDu kan protestere mot behandlingen når som helst.\n",
            "",
        )
        .replace(
            "Du har rett til sletting.",
            "Du har rett til sletting, og til å protestere.",
        );
    let report = report_for(&merged, COOKIES);
    find(&report, "C-30", "not shown separately");
    assert!(report.of("C-30").len() == 1, "{}", all(&report));
}

#[test]
fn the_rights_need_a_way_to_use_them() {
    let policy = POLICY
        .replace(" Kontakt oss på e-post for å bruke rettighetene.", "")
        .replace("{{ contact() }}\n", "");
    let report = report_for(&policy, COOKIES);
    find(&report, "C-30", "how to use the rights");
    assert!(report_for(POLICY, COOKIES).of("C-30").is_empty());
}

#[test]
fn datatilsynet_named_without_the_right_to_complain_is_pointed_at() {
    let policy = POLICY.replace(
        "Du kan klage til Datatilsynet hvis du mener vi behandler opplysningene dine i strid med reglene.",
        "Les mer hos Datatilsynet.",
    );
    let policy = policy.replace("## Klage til Datatilsynet", "## Mer informasjon");
    let report = report_for(&policy, COOKIES);
    let finding = find(&report, "C-32", "complain to Datatilsynet");
    let (line, _) = finding.diagnostic.line_col();
    assert_eq!(
        policy.lines().nth(line - 1),
        Some("Les mer hos Datatilsynet.")
    );
    assert!(finding
        .diagnostic
        .label
        .contains("not as where to complain"));
}

#[test]
fn inventory_gaps_are_reported_where_they_are() {
    let gaps = include_str!("fixtures/check/gaps.cookies.toml");
    let report = report_for(POLICY, gaps);
    let at = |f: &Finding| f.diagnostic.line_col().0;
    let line_of = |needle: &str| gaps.lines().position(|l| l.contains(needle)).map(|i| i + 1);
    let c1 = find(&report, "C-1", "`samtykke` is not in the inventory");
    assert!(c1.diagnostic.span.is_none());
    assert_eq!(
        Some(at(find(&report, "C-1", "purpose of `PHPSESSID`"))),
        line_of("MANGLER: hva")
    );
    assert_eq!(
        Some(at(find(
            &report,
            "C-2",
            "`_ga` is an analytics or advertising cookie"
        ))),
        line_of("name = \"_ga\"").map(|l| l + 1)
    );
    assert_eq!(
        Some(at(find(&report, "C-2", "category `stats`"))),
        line_of("[categories.stats]").map(|l| l + 1)
    );
    assert_eq!(
        Some(at(find(
            &report,
            "C-2",
            "script of `ga` runs without consent"
        ))),
        line_of("script = ")
    );
    assert_eq!(
        Some(at(find(
            &report,
            "C-3",
            "`_ga` is strictly necessary but rests on consent"
        ))),
        line_of("legal_basis = \"consent\"")
    );
    find(&report, "C-3", "purpose speaks of statistikk");
    assert_eq!(
        Some(at(find(
            &report,
            "C-28",
            "transfer to Google LLC has no safeguard"
        ))),
        line_of("transfer = ")
    );
    assert_eq!(
        Some(at(find(
            &report,
            "C-29",
            "lifetime of `PHPSESSID` is not stated"
        ))),
        line_of("Ikke oppgitt")
    );
    // Each placeholder has a finding of its own rule, not a second one.
    assert!(report.of("placeholder").is_empty(), "{}", all(&report));
    // And none of these on the complete inventory.
    let complete = report_for(POLICY, COOKIES);
    for rule in ["C-1", "C-2", "C-3", "C-28", "C-29"] {
        assert!(complete.of(rule).is_empty(), "{rule}: {}", all(&complete));
    }
}

#[test]
fn the_policy_version_and_the_tables_from_the_inventory() {
    let site_toml =
        std::fs::read_to_string(common::fixture("minimal/content/site.toml")).expect("site.toml");
    let unversioned = site_toml.replace("version = \"1.0\"", "version = \"MANGLER: versjon\"");
    let site = common::site_with(&[
        ("content/personvern.md", POLICY),
        ("content/cookies.toml", COOKIES),
        ("content/site.toml", &unversioned),
        // A cookie page without the tables from cookies.toml, and a table written by hand.
        ("content/informasjonskapsler.md", "+++\ntitle = \"Informasjonskapsler\"\ndescription = \"D.\"\n+++\n| Navn | Varighet |\n|---|---|\n| PHPSESSID | Økt |\n"),
    ]);
    let report = check(site.path()).expect("check");
    let version = find(&report, "C-33", "has no version");
    assert_eq!(
        version.diagnostic.source.path,
        std::path::Path::new("content/site.toml")
    );
    find(&report, "C-33", "a cookie table written by hand");
    find(
        &report,
        "C-33",
        "cookies of category `necessary` are in no table",
    );
    assert!(
        report.of("placeholder").is_empty(),
        "the version's placeholder is C-33's: {}",
        all(&report)
    );
}

#[test]
fn anchors_must_exist_on_the_target_page() {
    let index = "+++\ntitle = \"Forside\"\ndescription = \"D.\"\nmenu = 1\n+++\n[a](@/personvern.md#dine-rettigheter) [b](@/personvern.md#dine-retigheter)\n\n[c](/personvern/#klage-til-datatilsynet) [d](#main) [e](#ingenting)\n";
    let site = common::site_with(&[
        ("content/personvern.md", POLICY),
        ("content/cookies.toml", COOKIES),
        ("content/index.md", index),
    ]);
    let report = check(site.path()).expect("check");
    let links = report.of("link");
    assert_eq!(links.len(), 2, "{}", describe(&links));
    assert!(
        links[0]
            .message()
            .contains("`#dine-retigheter` on /personvern/"),
        "{}",
        links[0].message()
    );
    assert_eq!(links[0].diagnostic.line_col(), (6, 39));
    assert_eq!(
        links[0].diagnostic.help.as_deref(),
        Some("did you mean `dine-rettigheter`?")
    );
    assert!(
        links[1].message().contains("`#ingenting` on /"),
        "{}",
        links[1].message()
    );
}

#[test]
fn placeholders_are_findings_wherever_they_are() {
    let policy = POLICY.replace(
        "Du kan når som helst trekke tilbake samtykket ditt.",
        "Du kan når som helst trekke tilbake samtykket ditt.\n\nMANGLER: lagringstid for loggene.",
    );
    let report = report_for(&policy, COOKIES);
    let placeholders = report.of("placeholder");
    assert_eq!(placeholders.len(), 1, "{}", all(&report));
    assert_eq!(placeholders[0].diagnostic.line_col().1, 1);
    assert_eq!(
        placeholders[0]
            .diagnostic
            .span
            .as_ref()
            .map(|s| &policy[s.clone()]),
        Some("MANGLER: lagringstid for loggene.")
    );
}

#[test]
fn the_shipped_hesbynett_text_reports_its_real_gaps() {
    let report = check(&common::repo_root()).expect("the shipped content validates");
    let text = all(&report);
    find(&report, "C-26", "names no legal basis");
    find(&report, "C-27", "recipients of the data");
    find(&report, "C-28", "transfer to Google LLC has no safeguard");
    find(&report, "C-28", "transfer outside the EEA");
    find(
        &report,
        "C-29",
        "«Kundeinformasjon» says what is stored, not for how long",
    );
    find(&report, "C-30", "does not tell the reader's rights");
    find(&report, "C-32", "complain to Datatilsynet");
    // Retention per cookie: the twelve Roundcube and Outlook cookies whose lifetime Hesbynett did not state.
    let lifetimes = report
        .findings
        .iter()
        .filter(|f| f.rule == "C-29" && f.message().starts_with("the lifetime of"))
        .count();
    assert_eq!(lifetimes, 12, "{text}");
    // What the text does have: the contact block, and the withdrawal with the settings button.
    assert!(
        report.of("C-25").is_empty() && report.of("C-31").is_empty(),
        "{text}"
    );
}

#[test]
fn the_command_warns_and_strict_fails_without_writing() {
    let site = common::site_with(&[
        ("content/personvern.md", POLICY),
        (
            "content/cookies.toml",
            &COOKIES.replace(
                "[[cookies]]\nname = \"samtykke\"",
                "[[cookies]]\nname = \"samtykke-gammel\"",
            ),
        ),
    ]);
    let before = common::snapshot(site.path());
    let run = |strict: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"));
        command.arg("--root").arg(site.path()).arg("check");
        if strict {
            command.arg("--strict");
        }
        command.output().expect("run samtykke check")
    };
    let relaxed = run(false);
    let stderr = String::from_utf8_lossy(&relaxed.stderr);
    assert_eq!(relaxed.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning[C-1]: the consent record's own storage key `samtykke` is not in the inventory"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("= why: C-1 and C-3"), "{stderr}");
    assert!(stderr.contains("check: 1 warning (C-1 ×1)"), "{stderr}");
    let strict = run(true);
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert_eq!(strict.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[C-1]:"), "{stderr}");
    assert_eq!(
        common::snapshot(site.path()),
        before,
        "check writes nothing"
    );

    let clean = common::site_with(&[
        ("content/personvern.md", POLICY),
        ("content/cookies.toml", COOKIES),
    ]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .arg("--root")
        .arg(clean.path())
        .args(["check", "--strict"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("check: no findings"));
}

#[test]
fn content_errors_fail_the_check_like_the_build() {
    let broken = std::fs::read_to_string(common::fixture("errors/unknown_category.cookies.toml"))
        .expect("fixture");
    let site = common::site_with(&[("content/cookies.toml", &broken)]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .arg("--root")
        .arg(site.path())
        .arg("check")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("content/cookies.toml:35:12") && stderr.contains("nothing was written"),
        "{stderr}"
    );
}
