//! The Open Cookie Database (Apache-2.0, `vendor/open-cookie-database/`), embedded: what a
//! cookie that the inventory does not declare probably is, for `--suggest`. Its categories are
//! mapped to Samtykke's; the editor confirms every suggestion.

use std::sync::OnceLock;

/// The vendored CSV, whole.
pub const CSV: &str = include_str!("../vendor/open-cookie-database/open-cookie-database.csv");

/// One known cookie or storage key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The service or product that sets it: `Google Analytics`.
    pub platform: String,
    /// The database's category: Analytics, Marketing, Functional, Security, Necessary,
    /// Personalization.
    pub category: String,
    pub name: String,
    pub description: String,
    /// As the database words it: `2 years`, `session`.
    pub retention: String,
    /// Who processes the data: `Google`.
    pub controller: String,
    /// The controller's privacy page.
    pub privacy_url: String,
    /// `name` is a prefix (`_ga_` matches `_ga_XYZ`).
    pub wildcard: bool,
}

/// Every entry, read once.
pub fn all() -> &'static [Known] {
    static ALL: OnceLock<Vec<Known>> = OnceLock::new();
    ALL.get_or_init(|| parse(CSV))
}

/// What the database knows of `name`: the exact entry, else the longest prefix that matches.
pub fn lookup(name: &str) -> Option<&'static Known> {
    let all = all();
    all.iter()
        .find(|k| !k.wildcard && k.name == name)
        .or_else(|| {
            all.iter()
                .filter(|k| k.wildcard && !k.name.is_empty() && name.starts_with(&k.name))
                .max_by_key(|k| k.name.len())
        })
}

/// Samtykke's category for the database's: Analytics → analytics, Marketing → marketing,
/// Personalization → preferences. Functional, Security and Necessary → necessary: the
/// database calls session and login cookies (PHPSESSID) Functional, and compliance.md C-3 holds
/// those necessary; a Functional cookie that only remembers a choice belongs in preferences,
/// which the suggestion tells the editor to decide.
pub fn category(database: &str) -> &'static str {
    match database {
        "Analytics" => "analytics",
        "Marketing" => "marketing",
        "Personalization" => "preferences",
        _ => "necessary",
    }
}

/// RFC 4180 CSV: fields separated by commas, quoted with `"` (doubled inside), quoted fields
/// may hold commas and line breaks. The header row and rows with too few fields are skipped.
fn parse(text: &str) -> Vec<Known> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.into_iter()
        .skip(1)
        .filter(|r| r.len() >= 10)
        .map(|r| Known {
            platform: r[1].trim().to_owned(),
            category: r[2].trim().to_owned(),
            name: r[3].trim().to_owned(),
            description: r[5].trim().to_owned(),
            retention: r[6].trim().to_owned(),
            controller: r[7].trim().to_owned(),
            privacy_url: r[8].trim().to_owned(),
            wildcard: r[9].trim() == "1",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_database_is_read_whole() {
        // 2,264 entries in the vendored copy (README.md there).
        assert_eq!(all().len(), 2264);
        let ga = lookup("_ga").expect("_ga is known");
        assert_eq!(
            (
                ga.platform.as_str(),
                ga.category.as_str(),
                ga.controller.as_str()
            ),
            ("Google Analytics", "Analytics", "Google")
        );
        assert_eq!(ga.retention, "2 years");
        assert_eq!(category(&ga.category), "analytics");
        // A wildcard entry: GA4's `_ga_<container>`.
        let ga4 = lookup("_ga_ABC123").expect("by prefix");
        assert!(ga4.wildcard && ga4.name == "_ga_");
        let php = lookup("PHPSESSID").expect("PHPSESSID is known");
        assert_eq!(category(&php.category), "necessary");
        assert!(lookup("certainly_not_a_known_cookie_x9").is_none());
    }

    #[test]
    fn csv_quotes_commas_and_line_breaks() {
        let csv = "h1,h2,h3,h4,h5,h6,h7,h8,h9,h10\n\
                   id,\"Plat, form\",Marketing,x,,\"says \"\"hi\"\"\nover lines\",1 day,Ctl,https://p,0\r\n\
                   short,row\n\
                   id2,P,Analytics,y_,,d,session,C,u,1";
        let rows = parse(csv);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].platform, "Plat, form");
        assert_eq!(rows[0].description, "says \"hi\"\nover lines");
        assert!(!rows[0].wildcard && rows[1].wildcard);
        assert_eq!(category("Marketing"), "marketing");
        assert_eq!(category("Functional"), "necessary");
        assert_eq!(category("Personalization"), "preferences");
    }
}
