//! Splitting at an ASCII byte. `str::split(char)` and friends bring core's character searcher,
//! and with it formatted panic messages, into the widget; these are a few dozen bytes of wasm.

/// Like `s.split_once(sep as char)`.
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == sep)?;
    // Both ends sit next to an ASCII byte, so on character boundaries; `get` never panics anyway.
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// Like `s.split(sep as char)`.
pub fn split(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let current = rest?;
        Some(match split_once(current, sep) {
            Some((head, tail)) => {
                rest = Some(tail);
                head
            }
            None => {
                rest = None;
                current
            }
        })
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agree_with_std(s in "[a;= é]{0,12}", sep in prop::sample::select(vec![b';', b'=', b' '])) {
            let std_split: Vec<&str> = s.split(char::from(sep)).collect();
            prop_assert_eq!(split(&s, sep).collect::<Vec<_>>(), std_split);
            prop_assert_eq!(split_once(&s, sep), s.split_once(char::from(sep)));
        }
    }
}
