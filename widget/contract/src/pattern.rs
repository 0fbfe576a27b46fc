//! Cookie name patterns: a literal name, or a glob in which `*` matches any run of characters.
//!
//! Matching is case-sensitive, as cookie names are.

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    // Bytes, not chars: a match of a whole UTF-8 pattern piece always starts and ends on character
    // boundaries, and byte slices keep `str`'s searcher and its panics out of the widget.
    let mut parts = pattern.as_bytes().split(|&b| b == b'*');
    // `split` always yields at least one item.
    let first = parts.next().unwrap_or(&[]);
    let Some(mut rest) = name.as_bytes().strip_prefix(first) else {
        return false;
    };
    // Each middle piece at its leftmost place leaves the most room for the rest; the last piece
    // must end the name. `last` runs one piece behind the iterator, so it ends as the last one.
    let mut last = None;
    for part in parts {
        if let Some(middle) = last.replace(part) {
            match after(rest, middle) {
                Some(tail) => rest = tail,
                None => return false,
            }
        }
    }
    match last {
        Some(last) => rest.ends_with(last),
        // No `*` at all: the pattern is a literal name.
        None => rest.is_empty(),
    }
}

/// What follows the first occurrence of `needle` in `haystack`.
fn after<'a>(mut haystack: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    loop {
        if let Some(tail) = haystack.strip_prefix(needle) {
            return Some(tail);
        }
        haystack = haystack.split_first()?.1;
    }
}

/// Why a pattern cannot be used, if it cannot.
pub fn check(pattern: &str) -> Result<(), &'static str> {
    if is_usable(pattern) {
        Ok(())
    } else if pattern.is_empty() {
        Err("a cookie name cannot be empty")
    } else if pattern.bytes().all(|b| b == b'*') {
        Err("a pattern of only `*` would match every cookie")
    } else {
        Err("a cookie name holds only visible ASCII, without separators such as `;` `=` `,` or spaces")
    }
}

/// Whether [`check`] accepts `pattern`, without the messages: the widget needs only the answer.
pub fn is_usable(pattern: &str) -> bool {
    // RFC 6265 token: visible ASCII except separators; `*` is ours.
    // A `match`, not `<[u8]>::contains`, which brings `memchr` into the widget.
    let token = |b: u8| {
        b.is_ascii_graphic()
            && !matches!(
                b,
                b'(' | b')'
                    | b'<'
                    | b'>'
                    | b'@'
                    | b','
                    | b';'
                    | b':'
                    | b'\\'
                    | b'"'
                    | b'/'
                    | b'['
                    | b']'
                    | b'?'
                    | b'='
                    | b'{'
                    | b'}'
            )
    };
    !pattern.is_empty() && !pattern.bytes().all(|b| b == b'*') && pattern.bytes().all(token)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
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
        // Each refusal says why: the editor sees this message.
        assert_eq!(check(""), Err("a cookie name cannot be empty"));
        for stars in ["*", "**"] {
            assert_eq!(
                check(stars),
                Err("a pattern of only `*` would match every cookie")
            );
        }
        for bad in ["a b", "a;b", "a*;"] {
            assert_eq!(
                check(bad),
                Err("a cookie name holds only visible ASCII, without separators such as `;` `=` `,` or spaces"),
                "{bad}"
            );
        }
    }

    /// Backtracking glob, obviously right and exponential: the reference for small inputs.
    fn glob(pattern: &[u8], name: &[u8]) -> bool {
        match pattern.split_first() {
            None => name.is_empty(),
            Some((b'*', rest)) => (0..=name.len()).any(|i| glob(rest, &name[i..])),
            Some((c, rest)) => name.first() == Some(c) && glob(rest, &name[1..]),
        }
    }

    #[test]
    fn usable_means_a_cookie_token_with_something_besides_stars() {
        let separator = |b: u8| b"()<>@,;:\\\"/[]?={}".contains(&b);
        for b in 0..=255u8 {
            let token = b.is_ascii_graphic() && !separator(b);
            let name = [b'a', b];
            let name = String::from_utf8_lossy(&name);
            assert_eq!(is_usable(&name), token, "{b:#x}");
        }
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
        fn agrees_with_a_textbook_glob_matcher(pattern in "[ab*]{0,6}", name in "[ab]{0,8}") {
            prop_assert_eq!(matches(&pattern, &name), glob(pattern.as_bytes(), name.as_bytes()));
        }

        #[test]
        fn star_in_the_middle_keeps_both_ends(a in "[a-z]{1,5}", mid in "[a-z]{0,5}", z in "[a-z]{1,5}") {
            let pattern = format!("{a}*{z}");
            let name = format!("{a}{mid}{z}");
            prop_assert!(matches(&pattern, &name));
        }
    }
}
