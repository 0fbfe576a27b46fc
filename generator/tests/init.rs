//! `samtykke init DIR`: a new site that builds at once, whose placeholders `check` lists, and
//! which never overwrites anything.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn samtykke(args: &[&str], root: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_samtykke"));
    if let Some(root) = root {
        command.arg("--root").arg(root);
    }
    command.args(args).output().expect("run samtykke")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_new_site_builds_at_once() {
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("ny-side");
    let dir_arg = dir.to_string_lossy().into_owned();
    let init = samtykke(&["init", &dir_arg], None);
    assert!(init.status.success(), "{}", text(&init.stderr));
    assert!(
        text(&init.stdout).contains("created a new site in"),
        "{}",
        text(&init.stdout)
    );
    for file in [
        "content/site.toml",
        "content/cookies.toml",
        "content/personvern.md",
        "content/index.md",
        "content/informasjonskapsler.md",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    // The built-in theme, unless asked for its files.
    assert!(
        !dir.join("themes").exists(),
        "init copies no theme by default"
    );

    let build = samtykke(&["build"], Some(&dir));
    assert!(build.status.success(), "{}", text(&build.stderr));
    assert!(
        text(&build.stdout).starts_with("built 3 pages"),
        "{}",
        text(&build.stdout)
    );
    let policy =
        std::fs::read_to_string(dir.join("dist/personvern/index.html")).expect("policy page");
    assert!(policy.contains("<html lang=\"nb\">"));
    // A heading for each item of GDPR Art. 13, with the placeholders visible in the page.
    for heading in [
        "Behandlingsansvarlig",
        "Hvilke opplysninger vi behandler, og hvorfor",
        "Mottakere og databehandlere",
        "Overføring til land utenfor EØS",
        "Lagringstid",
        "Dine rettigheter",
        "Rett til å protestere",
        "Samtykke",
        "Klage til Datatilsynet",
    ] {
        assert!(policy.contains(&format!(">{heading}</h2>")), "{heading}");
    }
    assert!(policy.contains("MANGLER:"));
    let cookies = std::fs::read_to_string(dir.join("dist/informasjonskapsler/index.html"))
        .expect("cookie page");
    assert!(
        cookies.contains("<td>samtykke</td>") || cookies.contains(">samtykke<"),
        "the consent record's key is in the table"
    );
}

#[test]
fn check_lists_what_a_new_site_still_lacks() {
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("ny");
    samtykke_site::init::init(&dir, false).expect("init");
    let report = samtykke_site::check::check(&dir).expect("check");
    for rule in ["C-26", "C-27", "C-30", "C-32"] {
        assert!(!report.of(rule).is_empty(), "{rule} on the skeleton");
    }
    // The consent record's own key is declared, as C-1 and C-3 ask.
    assert!(report.of("C-1").is_empty() && report.of("C-3").is_empty());
    let placeholders = report.of("placeholder");
    let files: std::collections::BTreeSet<String> = placeholders
        .iter()
        .map(|f| f.diagnostic.source.path.display().to_string())
        .collect();
    for file in [
        "content/site.toml",
        "content/cookies.toml",
        "content/personvern.md",
        "content/index.md",
    ] {
        assert!(files.contains(file), "placeholders in {file}: {files:?}");
    }
    let strict = samtykke(&["check", "--strict"], Some(&dir));
    assert_eq!(
        strict.status.code(),
        Some(1),
        "a new site is not ready for CI"
    );
}

#[test]
fn init_refuses_a_directory_that_is_not_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notat.txt"), "mitt").expect("write");
    let out = samtykke(&["init", &dir.path().to_string_lossy()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not empty"),
        "{}",
        text(&out.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["notat.txt"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notat.txt"))
            .ok()
            .as_deref(),
        Some("mitt")
    );

    let empty = tempfile::tempdir().expect("tempdir");
    samtykke_site::init::init(empty.path(), false).expect("an empty directory is fine");
}

#[test]
fn theme_files_copies_the_built_in_theme_to_change() {
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("ny");
    let init = samtykke(&["init", "--theme-files", &dir.to_string_lossy()], None);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let theme = dir.join("themes/standard");
    // Judged against the theme's sources on disk, not against the list the binary embeds: a file
    // left out of that list would otherwise go unnoticed.
    let source = common::repo_root().join("generator/site/themes/standard");
    let wanted = common::snapshot(&source);
    assert!(
        wanted.iter().any(|(p, _)| p.ends_with("base.html")),
        "the theme's sources are at {}",
        source.display()
    );
    assert_eq!(
        common::snapshot(&theme),
        wanted,
        "every file, byte for byte, and no other"
    );
    // A change to a copied file shows in the built site.
    let base = theme.join("templates/base.html");
    let html = std::fs::read_to_string(&base).expect("base.html");
    std::fs::write(
        &base,
        html.replace("<main id=\"main\"", "<main data-mine id=\"main\""),
    )
    .expect("write");
    let build = samtykke(&["build", "--no-widget"], Some(&dir));
    assert!(build.status.success(), "{}", text(&build.stderr));
    let page = std::fs::read_to_string(dir.join("dist/index.html")).expect("index");
    assert!(
        page.contains("<main data-mine"),
        "the site's base.html is used"
    );
}

/// `init --languages nb,nn,en`: pages in each language under their own slugs, each place to
/// fill in marked in that language and listed by `check`, and nothing falling back.
#[test]
fn init_in_three_languages_marks_the_placeholders_in_each() {
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("tre");
    let dir_arg = dir.to_string_lossy().into_owned();
    let init = samtykke(&["init", &dir_arg, "--languages", "nb,nn,en"], None);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let build = samtykke(&["build"], Some(&dir));
    assert!(build.status.success(), "{}", text(&build.stderr));
    let stdout = text(&build.stdout);
    assert!(stdout.starts_with("built 9 pages"), "{stdout}");
    assert!(
        stdout.contains("\nen: every text is in en, none falls back to nb\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nnn: every text is in nn, none falls back to nb\n"),
        "{stdout}"
    );
    for (page, lang, heading) in [
        ("dist/personvern/index.html", "nb", "Klage til Datatilsynet"),
        ("dist/nn/personvern/index.html", "nn", "Rettane dine"),
        ("dist/en/privacy/index.html", "en", "Your rights"),
        (
            "dist/nn/informasjonskapslar/index.html",
            "nn",
            "Informasjonskapslane vi bruker",
        ),
        ("dist/en/cookies/index.html", "en", "The cookies we use"),
    ] {
        let html =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{page}");
        assert!(
            html.contains(&format!(">{heading}</h2>")),
            "{page}: {heading}"
        );
    }

    let report = samtykke_site::check::check(&dir).expect("check");
    assert!(report.of("translation").is_empty(), "nothing falls back");
    let placeholders = report.of("placeholder");
    let marked_in = |file: &str, word: &str| {
        placeholders.iter().any(|f| {
            let d = &f.diagnostic;
            d.source.path.display().to_string() == file
                && d.span
                    .as_ref()
                    .is_some_and(|s| d.source.text[s.clone()].starts_with(word))
        })
    };
    for (file, word) in [
        ("content/personvern.md", "MANGLER:"),
        ("content/personvern.nn.md", "MANGLAR:"),
        ("content/personvern.en.md", "MISSING:"),
        ("content/index.nn.md", "MANGLAR:"),
        ("content/index.en.md", "MISSING:"),
        ("content/site.toml", "MANGLAR:"),
        ("content/site.toml", "MISSING:"),
    ] {
        assert!(marked_in(file, word), "«{word}» in {file}");
    }
}

#[test]
fn init_refuses_a_language_without_built_in_texts() {
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("de");
    let out = samtykke(
        &["init", &dir.to_string_lossy(), "--languages", "nb,de"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("`de`: init writes sites in nb, nn, en"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.exists(), "nothing written");
}
