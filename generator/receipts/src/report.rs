//! What `show`, `export` and `stats` print, from stored receipts; no I/O here.

use crate::store::{Counts, StoredReceipt};
use crate::time::rfc3339;
use std::collections::BTreeMap;

/// An accept rate at or above this, over at least [`WARN_MIN_DECISIONS`] decisions, is flagged.
pub const WARN_ACCEPT_RATE: f64 = 0.95;
pub const WARN_MIN_DECISIONS: i64 = 20;

/// `export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format {other:?}: use csv or json")),
        }
    }
}

/// The history of one consent id, one decision a line.
pub fn history(id: &str, receipts: &[StoredReceipt]) -> String {
    if receipts.is_empty() {
        return format!("no receipts for consent id {id}\n");
    }
    let mut out = format!(
        "consent id {id}: {} receipt{}\n",
        receipts.len(),
        if receipts.len() == 1 { "" } else { "s" }
    );
    for r in receipts {
        out.push_str(&format!(
            "{}  {:<10}  {}  revision {} policy {}  lang {}  {}  (received {})\n",
            rfc3339(r.client_ms),
            r.method,
            r.choices,
            r.revision,
            r.policy_version,
            r.lang,
            r.ua_class,
            rfc3339(r.server_ms)
        ));
    }
    out
}

const CSV_HEADER: &str =
    "received,decided,consent_id,revision,policy_version,method,choices,lang,browser\n";

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Receipts for an authority: CSV with a header row, or a JSON array of objects.
pub fn export(receipts: &[StoredReceipt], format: Format) -> String {
    match format {
        Format::Csv => {
            let mut out = String::from(CSV_HEADER);
            for r in receipts {
                let fields = [
                    rfc3339(r.server_ms),
                    rfc3339(r.client_ms),
                    r.record_id.clone(),
                    r.revision.clone(),
                    r.policy_version.clone(),
                    r.method.clone(),
                    r.choices.clone(),
                    r.lang.clone(),
                    r.ua_class.clone(),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
            out
        }
        Format::Json => {
            let items: Vec<serde_json::Value> = receipts
                .iter()
                .map(|r| {
                    let choices: serde_json::Value = serde_json::from_str(&r.choices)
                        .unwrap_or_else(|_| serde_json::Value::String(r.choices.clone()));
                    serde_json::json!({
                        "received": rfc3339(r.server_ms),
                        "decided": rfc3339(r.client_ms),
                        "consent_id": r.record_id,
                        "revision": r.revision,
                        "policy_version": r.policy_version,
                        "method": r.method,
                        "choices": choices,
                        "lang": r.lang,
                        "browser": r.ua_class,
                    })
                })
                .collect();
            let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
            out.push('\n');
            out
        }
    }
}

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1} %", part as f64 * 100.0 / whole as f64)
    }
}

/// Receipts per method, and (granted, of) per category, for one revision.
type PerRevision<'a> = (BTreeMap<&'a str, i64>, BTreeMap<String, (i64, i64)>);

/// Counts per revision, method and category, with a warning line where accepting everything
/// is so common that the banner may be nudging (Datatilsynet and the EDPB treat a near-total
/// accept rate as a sign that refusing is harder than accepting).
pub fn stats(counts: &Counts) -> String {
    let mut revisions: BTreeMap<&str, PerRevision> = BTreeMap::new();
    for (rev, method, n) in &counts.by_method {
        *revisions
            .entry(rev)
            .or_default()
            .0
            .entry(method)
            .or_default() += n;
    }
    for (rev, choices, n) in &counts.by_choices {
        let categories = &mut revisions.entry(rev).or_default().1;
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(choices) {
            for (category, granted) in map {
                let slot = categories.entry(category).or_default();
                slot.1 += n;
                if granted == serde_json::Value::Bool(true) {
                    slot.0 += n;
                }
            }
        }
    }
    let total: i64 = counts.by_method.iter().map(|(_, _, n)| n).sum();
    let mut out = format!("{total} receipt{}\n", if total == 1 { "" } else { "s" });
    let (mut all_accept, mut all_decisions) = (0, 0);
    let mut warnings = Vec::new();
    for (rev, (methods, categories)) in &revisions {
        let n: i64 = methods.values().sum();
        out.push_str(&format!("\nrevision {rev}: {n}\n"));
        for method in crate::receipt::Method::ALL {
            let count = methods.get(method.as_str()).copied().unwrap_or(0);
            out.push_str(&format!(
                "  {:<11} {count:>8}  {:>7}\n",
                method.as_str(),
                percent(count, n)
            ));
        }
        for (category, (granted, of)) in categories {
            out.push_str(&format!(
                "  {category} granted in {granted} of {of} ({})\n",
                percent(*granted, *of)
            ));
        }
        // Withdrawals are not answers to the banner, so they do not count towards the rate.
        let accept = methods.get("accept-all").copied().unwrap_or(0);
        let decisions = n - methods.get("withdrawal").copied().unwrap_or(0);
        all_accept += accept;
        all_decisions += decisions;
        if flagged(accept, decisions) {
            warnings.push(format!(
                "warning: revision {rev}: {} of answers accept everything; a fair banner rarely gets near 100 % (is rejecting as easy as accepting?)",
                percent(accept, decisions)
            ));
        }
    }
    out.push_str(&format!(
        "\naccept-all rate: {} of {all_decisions} answers\n",
        percent(all_accept, all_decisions)
    ));
    if revisions.len() > 1 && flagged(all_accept, all_decisions) {
        warnings.push(format!(
            "warning: {} of all answers accept everything; a fair banner rarely gets near 100 %",
            percent(all_accept, all_decisions)
        ));
    }
    for w in warnings {
        out.push_str(&w);
        out.push('\n');
    }
    out
}

fn flagged(accept: i64, decisions: i64) -> bool {
    decisions >= WARN_MIN_DECISIONS && accept as f64 >= WARN_ACCEPT_RATE * decisions as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(id: &str, method: &str) -> StoredReceipt {
        StoredReceipt {
            record_id: id.into(),
            client_ms: 1_735_689_600_000,
            server_ms: 1_735_689_601_000,
            revision: "r1".into(),
            policy_version: "2".into(),
            method: method.into(),
            choices: r#"{"analytics":true,"marketing":false}"#.into(),
            lang: "nb".into(),
            ua_class: "Firefox 133".into(),
        }
    }

    #[test]
    fn csv_quotes_the_choices_and_json_keeps_them_an_object() {
        let csv = export(&[receipt("abcdefgh", "custom")], Format::Csv);
        assert_eq!(
            csv.lines().nth(1),
            Some(
                r#"2025-01-01T00:00:01.000Z,2025-01-01T00:00:00.000Z,abcdefgh,r1,2,custom,"{""analytics"":true,""marketing"":false}",nb,Firefox 133"#
            )
        );
        let json: serde_json::Value =
            serde_json::from_str(&export(&[receipt("abcdefgh", "custom")], Format::Json))
                .unwrap_or_default();
        assert_eq!(
            json[0]["choices"]["analytics"],
            serde_json::Value::Bool(true)
        );
        assert_eq!(json[0]["consent_id"], "abcdefgh");
    }

    #[test]
    fn stats_warns_only_when_accepting_is_near_total() {
        let counts = |accept: i64, reject: i64| Counts {
            by_method: vec![
                ("r1".into(), "accept-all".into(), accept),
                ("r1".into(), "reject-all".into(), reject),
                ("r1".into(), "withdrawal".into(), 50),
            ],
            by_choices: vec![],
        };
        let fair = stats(&counts(60, 40));
        assert!(
            fair.contains("accept-all rate: 60.0 % of 100 answers"),
            "{fair}"
        );
        assert!(!fair.contains("warning"), "{fair}");
        let nudged = stats(&counts(97, 3));
        assert!(nudged.contains("warning: revision r1: 97.0 %"), "{nudged}");
        assert!(
            !stats(&counts(10, 0)).contains("warning"),
            "too few answers to judge"
        );
    }
}
