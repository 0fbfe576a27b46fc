//! `samtykke init DIR [--languages nb,nn,en]`: a new site to start from, in Norwegian unless
//! told otherwise, with pages in each language. It builds at once; every place
//! the new owner must fill in says «MANGLER:», so `samtykke check` lists them. The policy page
//! has a heading for each item of GDPR Art. 13, and no legal text of ours under them.

pub mod theme;

use std::path::{Path, PathBuf};

/// The skeleton's site.toml and cookies.toml: `@key@` marks a text given per language.
const SITE_TOML: &str = include_str!("../../skeleton/content/site.toml");
const COOKIES_TOML: &str = include_str!("../../skeleton/content/cookies.toml");

/// The pages in each language the skeleton has, by file stem. In the default language they are
/// written as `<stem>.md`, in the others as `<stem>.<lang>.md`.
const PAGES: &[(&str, &[(&str, &str)])] = &[
    (
        "nb",
        &[
            ("index", include_str!("../../skeleton/content/index.md")),
            (
                "personvern",
                include_str!("../../skeleton/content/personvern.md"),
            ),
            (
                "informasjonskapsler",
                include_str!("../../skeleton/content/informasjonskapsler.md"),
            ),
        ],
    ),
    (
        "nn",
        &[
            ("index", include_str!("../../skeleton/content/nn/index.md")),
            (
                "personvern",
                include_str!("../../skeleton/content/nn/personvern.md"),
            ),
            (
                "informasjonskapsler",
                include_str!("../../skeleton/content/nn/informasjonskapsler.md"),
            ),
        ],
    ),
    (
        "en",
        &[
            ("index", include_str!("../../skeleton/content/en/index.md")),
            (
                "personvern",
                include_str!("../../skeleton/content/en/personvern.md"),
            ),
            (
                "informasjonskapsler",
                include_str!("../../skeleton/content/en/informasjonskapsler.md"),
            ),
        ],
    ),
];

/// The texts of site.toml and cookies.toml per language, each place to fill in marked with the
/// language's own word for it, so `check` finds it (see `check::text::PLACEHOLDERS`).
const TEXTS: &[(&str, &[(&str, &str)])] = &[
    ("name", &[("nb", "Norsk bokmål"), ("nn", "Norsk nynorsk"), ("en", "English")]),
    (
        "address",
        &[
            ("nb", "MANGLER: gateadresse, postnummer og sted"),
            ("nn", "MANGLAR: gateadresse, postnummer og stad"),
            ("en", "MISSING: street address, postcode and town"),
        ],
    ),
    ("phone_label", &[("nb", "Telefon"), ("nn", "Telefon"), ("en", "Telephone")]),
    (
        "hours",
        &[
            ("nb", "MANGLER: åpningstider"),
            ("nn", "MANGLAR: opningstider"),
            ("en", "MISSING: opening hours"),
        ],
    ),
    (
        "banner_body",
        &[
            ("nb", "Vi bruker informasjonskapsler som trengs for at nettstedet skal virke. Andre informasjonskapsler bruker vi bare hvis du samtykker. Du kan når som helst endre eller trekke tilbake samtykket med knappen «Informasjonskapsler» nederst på hver side."),
            ("nn", "Vi bruker informasjonskapslar som trengst for at nettstaden skal verke. Andre informasjonskapslar bruker vi berre om du samtykkjer. Du kan når som helst endre eller trekkje tilbake samtykket med knappen «Informasjonskapslar» nedst på kvar side."),
            ("en", "We use the cookies the website needs in order to work. Any other cookie we use only if you consent. You can change or withdraw your consent at any time with the “Cookies” button at the bottom of every page."),
        ],
    ),
    (
        "consent_purpose",
        &[
            ("nb", "Husker valget ditt om informasjonskapsler (samtykke eller avvisning), slik at du ikke blir spurt på hver side og vi kan vise hva du har valgt. Inneholder en tilfeldig ID, tidspunkt, valget per kategori, hvordan valget ble gjort og versjonen av teksten du fikk se, men ingen IP-adresse."),
            ("nn", "Hugsar valet ditt om informasjonskapslar (samtykke eller avvising), slik at du ikkje blir spurd på kvar side og vi kan vise kva du har valt. Inneheld ein tilfeldig ID, tidspunkt, valet per kategori, korleis valet vart gjort og versjonen av teksten du fekk sjå, men inga IP-adresse."),
            ("en", "Remembers your choice about cookies (consent or refusal), so that you are not asked on every page and we can show what you chose. Holds a random ID, the time, the choice per category, how the choice was made and the version of the text you were shown, but no IP address."),
        ],
    ),
    (
        "consent_lifetime",
        &[("nb", "180 dager"), ("nn", "180 dagar"), ("en", "180 days")],
    ),
];

/// The languages `init` can write a site in: those with built-in interface texts.
pub fn languages() -> Vec<&'static str> {
    PAGES.iter().map(|(lang, _)| *lang).collect()
}

fn text_in(key: &str, lang: &str) -> &'static str {
    TEXTS
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, texts)| texts.iter().find(|(l, _)| *l == lang))
        .map_or("", |(_, text)| text)
}

/// `{ nb = "…", en = "…" }` for `key`, in the site's languages.
fn localized(key: &str, langs: &[&str]) -> String {
    let pairs: Vec<String> = langs
        .iter()
        .map(|lang| format!("{lang} = {}", toml_string(text_in(key, lang))))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// `template` with each `@key@` replaced.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(&format!("@{key}@"), value)
        })
}

/// The skeleton's content in `langs` (the first is the default): path below the site's root → text.
fn content(langs: &[&str]) -> Vec<(PathBuf, Vec<u8>)> {
    let default = langs.first().copied().unwrap_or("nb");
    let declared: Vec<String> = langs
        .iter()
        .map(|lang| {
            format!(
                "[languages.{lang}]\nname = {}\n",
                toml_string(text_in("name", lang))
            )
        })
        .collect();
    let declared = declared.join("\n");
    let site = fill(
        SITE_TOML,
        &[
            ("default", default.to_owned()),
            ("languages", declared),
            ("address", localized("address", langs)),
            ("phone_label", localized("phone_label", langs)),
            ("hours", localized("hours", langs)),
            ("banner_body", localized("banner_body", langs)),
        ],
    );
    let cookies = fill(
        COOKIES_TOML,
        &[
            ("consent_purpose", localized("consent_purpose", langs)),
            ("consent_lifetime", localized("consent_lifetime", langs)),
        ],
    );
    let mut files = vec![
        (PathBuf::from("content/site.toml"), site.into_bytes()),
        (PathBuf::from("content/cookies.toml"), cookies.into_bytes()),
    ];
    for lang in langs {
        let pages = PAGES
            .iter()
            .find(|(l, _)| l == lang)
            .map_or(&[][..], |(_, p)| p);
        for (stem, text) in pages {
            let name = if *lang == default {
                format!("content/{stem}.md")
            } else {
                format!("content/{stem}.{lang}.md")
            };
            files.push((PathBuf::from(name), text.as_bytes().to_vec()));
        }
    }
    files.push((PathBuf::from(".gitignore"), b"/dist\n".to_vec()));
    files
}

#[derive(Debug)]
pub enum InitError {
    NotEmpty(PathBuf),
    /// A language `init` has no texts for, or one given twice.
    Language(String),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::NotEmpty(dir) => write!(
                f,
                "{} is not empty; init creates a site only in a new or empty directory, so nothing is overwritten",
                dir.display()
            ),
            InitError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            InitError::Language(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for InitError {}

/// Every file of a new site in `langs` (the first is the default language): the content, then,
/// with `theme_files`, the built-in theme's files to change (without them the site uses the
/// built-in theme as it is).
pub fn files(theme_files: bool, langs: &[&str]) -> Vec<(PathBuf, Vec<u8>)> {
    let theme = theme::FILES
        .iter()
        .filter(|_| theme_files)
        .map(|(path, bytes)| {
            (
                Path::new("themes").join(theme::NAME).join(path),
                bytes.to_vec(),
            )
        });
    content(langs).into_iter().chain(theme).collect()
}

/// Each language once, and only those with built-in texts.
fn check_languages(langs: &[&str]) -> Result<(), InitError> {
    let known = languages();
    if langs.is_empty() {
        return Err(InitError::Language(format!(
            "--languages needs at least one language: {}",
            known.join(", ")
        )));
    }
    for (i, lang) in langs.iter().enumerate() {
        if !known.contains(lang) {
            return Err(InitError::Language(format!(
                "`{lang}`: init writes sites in {} (the languages Samtykke has interface texts for); add another language to site.toml yourself afterwards",
                known.join(", ")
            )));
        }
        if langs[..i].contains(lang) {
            return Err(InitError::Language(format!("`{lang}` is given twice")));
        }
    }
    Ok(())
}

/// Creates a site in Bokmål in `dir`, which must be new or empty. Returns the files written.
pub fn init(dir: &Path, theme_files: bool) -> Result<Vec<PathBuf>, InitError> {
    init_in(dir, theme_files, &["nb"])
}

/// Creates a site in `langs` (the first is the default) in `dir`, which must be new or empty:
/// pages in each language, each place to fill in marked in that language. Returns the files
/// written.
pub fn init_in(dir: &Path, theme_files: bool, langs: &[&str]) -> Result<Vec<PathBuf>, InitError> {
    check_languages(langs)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e| InitError::Io(path, e)
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(InitError::NotEmpty(dir.to_path_buf()));
        }
    }
    let mut written = Vec::new();
    for (relative, bytes) in files(theme_files, langs) {
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
        written.push(relative);
    }
    Ok(written)
}
