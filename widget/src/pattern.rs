//! Cookie name patterns: a literal name, or a glob in which `*` matches any run of characters.
//!
//! Matching is case-sensitive, as cookie names are.

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    // `split` always yields at least one item.
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else {
        // No `*` at all: the pattern is a literal name.
        return rest.is_empty();
    };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Why a pattern cannot be used, if it cannot.
pub fn check(pattern: &str) -> Result<(), &'static str> {
    if pattern.is_empty() {
        return Err("a cookie name cannot be empty");
    }
    if pattern.chars().all(|c| c == '*') {
        return Err("a pattern of only `*` would match every cookie");
    }
    // RFC 6265 token: visible ASCII except separators; `*` is ours.
    let bad = |c: char| {
        !c.is_ascii_graphic() || "()<>@,;:\\\"/[]?={}".contains(c)
    };
    if pattern.chars().any(bad) {
        return Err("a cookie name holds only visible ASCII, without separators such as `;` `=` `,` or spaces");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn literal_names_match_only_themselves() {
        assert!(matches("PHPSESSID", "PHPSESSID"));
        assert!(!matches("PHPSESSID", "PHPSESSIDX"));
        assert!(!matches("PHPSESSID", "phpsessid"));
        assert!(!matches("PHPSESSID", "PHPSESSI"));
    }

    #[test]
    fn stars_match_any_run() {
        assert!(matches("__utm*", "__utma"));
        assert!(matches("__utm*", "__utm"));
        assert!(!matches("__utm*", "_utma"));
        assert!(matches("*_ga", "x_ga"));
        assert!(matches("_ga_*_id", "_ga_ABC_id"));
        assert!(!matches("_ga_*_id", "_ga_ABC_idx"));
        // The suffix must not reuse the characters the prefix consumed.
        assert!(!matches("ab*ba", "aba"));
    }

    #[test]
    fn check_rejects_unusable_patterns() {
        assert!(check("__utm*").is_ok());
        assert!(check("").is_err());
        assert!(check("**").is_err());
        assert!(check("a b").is_err());
        assert!(check("a;b").is_err());
    }

    proptest! {
        #[test]
        fn a_literal_matches_exactly_itself(a in "[A-Za-z0-9_]{1,12}", b in "[A-Za-z0-9_]{1,12}") {
            prop_assert!(matches(&a, &a));
            prop_assert_eq!(matches(&a, &b), a == b);
        }

        #[test]
        fn prefix_star_matches_every_extension(p in "[A-Za-z_]{1,8}", tail in "[A-Za-z0-9_]{0,8}") {
            let name = format!("{p}{tail}");
            let pattern = format!("{p}*");
            prop_assert!(matches(&pattern, &name));
        }

        #[test]
        fn star_in_the_middle_keeps_both_ends(a in "[a-z]{1,5}", mid in "[a-z]{0,5}", z in "[a-z]{1,5}") {
            let pattern = format!("{a}*{z}");
            let name = format!("{a}{mid}{z}");
            prop_assert!(matches(&pattern, &name));
        }
    }
}
