//! A JSON reader and string writer just big enough for the configuration and the consent record.
//!
//! serde_json would add tens of kilobytes to a widget that every visitor downloads, and these two
//! documents are small and flat. The reader accepts all of JSON, so that valid-but-foreign input is
//! told apart from broken input, but keeps numbers only as exact non-negative integers: every other
//! number is kept as [`Json::OtherNumber`] and rejected by the typed readers.

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    /// An integer without sign, fraction or exponent that fits in a `u64`.
    Int(u64),
    /// Any other number: negative, fractional, with an exponent, or too large.
    OtherNumber,
    Str(String),
    Array(Vec<Json>),
    /// Fields in document order; duplicates are kept so that readers can reject them.
    Object(Vec<(String, Json)>),
}

/// The input is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError;

/// Nesting deeper than this is refused: neither document needs more than three levels, and a
/// hostile `[[[[...` must not exhaust the stack.
const MAX_DEPTH: usize = 16;

/// Parses one JSON document, surrounded by nothing but whitespace.
pub fn parse(text: &str) -> Result<Json, SyntaxError> {
    let mut parser = Parser { text, at: 0 };
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.at == text.len() {
        Ok(value)
    } else {
        Err(SyntaxError)
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek();
        self.at += 1;
        byte
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Result<(), SyntaxError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(SyntaxError)
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, SyntaxError> {
        let rest = self.text.get(self.at..).unwrap_or("");
        if rest.starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(SyntaxError)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(SyntaxError);
        }
        self.skip_ws();
        match self.peek() {
            Some(b'{') => {
                self.at += 1;
                let mut fields = Vec::new();
                self.skip_ws();
                if self.eat(b'}') {
                    return Ok(Json::Object(fields));
                }
                loop {
                    self.skip_ws();
                    let name = self.string()?;
                    self.skip_ws();
                    self.expect(b':')?;
                    fields.push((name, self.value(depth + 1)?));
                    self.skip_ws();
                    if !self.eat(b',') {
                        self.expect(b'}')?;
                        return Ok(Json::Object(fields));
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.eat(b']') {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    if !self.eat(b',') {
                        self.expect(b']')?;
                        return Ok(Json::Array(items));
                    }
                }
            }
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(SyntaxError),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, SyntaxError> {
        let negative = self.eat(b'-');
        let start = self.at;
        let count = self.digits();
        // JSON forbids leading zeros ("01") and a bare sign.
        if count == 0 || (count > 1 && self.text.as_bytes().get(start) == Some(&b'0')) {
            return Err(SyntaxError);
        }
        let mut exact = !negative;
        if self.eat(b'.') {
            exact = false;
            if self.digits() == 0 {
                return Err(SyntaxError);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            exact = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(SyntaxError);
            }
        }
        if !exact {
            return Ok(Json::OtherNumber);
        }
        let mut value: u64 = 0;
        for &digit in self
            .text
            .as_bytes()
            .get(start..start + count)
            .unwrap_or(&[])
        {
            // Overflow by comparison: a checked 64-bit multiply on wasm32 is a 128-bit libcall.
            let digit = u64::from(digit - b'0');
            if value > u64::MAX / 10 || (value == u64::MAX / 10 && digit > u64::MAX % 10) {
                return Ok(Json::OtherNumber);
            }
            value = value * 10 + digit;
        }
        Ok(Json::Int(value))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = match self.next() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(SyntaxError),
            };
            value = value * 16 + u32::from(digit);
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let start = self.at;
            while matches!(self.peek(), Some(c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.at += 1;
            }
            // The run stops only at ASCII bytes, so both ends are on character boundaries.
            out.push_str(self.text.get(start..self.at).unwrap_or(""));
            match self.next() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => {}
                _ => return Err(SyntaxError),
            }
            let unescaped = match self.next() {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    let mut code = self.hex4()?;
                    if (0xD800..0xDC00).contains(&code) {
                        self.expect(b'\\')?;
                        self.expect(b'u')?;
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return Err(SyntaxError);
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    char::from_u32(code).ok_or(SyntaxError)?
                }
                _ => return Err(SyntaxError),
            };
            out.push(unescaped);
        }
    }
}

impl Json {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// [`Self::as_str`], owned.
    pub fn as_string(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(fields) => Some(fields),
            _ => None,
        }
    }

    /// The values of `names`, in that order, from an object that has each of them once and no
    /// other field; `None` otherwise. This is serde's `deny_unknown_fields` without serde, for
    /// documents whose fields are all required.
    pub fn fields<const N: usize>(&self, names: [&str; N]) -> Option<[&Json; N]> {
        let mut found = [&Json::Null; N];
        self.fields_into(&names, &mut found).then_some(found)
    }

    // The work of `fields`, once for every `N`.
    fn fields_into<'a>(&'a self, names: &[&str], found: &mut [&'a Json]) -> bool {
        let Some(object) = self.as_object() else {
            return false;
        };
        // As many fields as names, each one of them and none twice: each name exactly once.
        if object.len() != names.len() {
            return false;
        }
        let mut seen = 0u64;
        for (name, value) in object {
            let Some(k) = names.iter().position(|n| n == name) else {
                return false;
            };
            let bit = 1u64.checked_shl(k as u32).unwrap_or(0);
            if seen & bit != 0 {
                return false;
            }
            seen |= bit;
            if let Some(slot) = found.get_mut(k) {
                *slot = value;
            }
        }
        true
    }
}

/// Appends `value` as a JSON string, escaped exactly as serde_json does, so that both sides of the
/// contract write identical bytes.
pub fn write_str(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `value` in decimal; `core::fmt` would cost the widget several kilobytes.
pub fn write_u64(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    // `get_mut` rather than indexing: the optimiser cannot see that 20 digits suffice, and an
    // index panic would bring integer formatting into the widget.
    while let Some(slot) = at.checked_sub(1).and_then(|i| digits.get_mut(i)) {
        *slot = b'0' + (value % 10) as u8;
        at -= 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &d in digits.get(at..).unwrap_or(&[]) {
        out.push(char::from(d));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_every_kind_of_value() {
        let value = parse(r#" {"a": [1, true, false, null, "x\u00e6\n", -1, 1.5, 2e3], "b": {}} "#);
        assert_eq!(
            value,
            Ok(Json::Object(vec![
                (
                    "a".into(),
                    Json::Array(vec![
                        Json::Int(1),
                        Json::Bool(true),
                        Json::Bool(false),
                        Json::Null,
                        Json::Str("xæ\n".into()),
                        Json::OtherNumber,
                        Json::OtherNumber,
                        Json::OtherNumber,
                    ])
                ),
                ("b".into(), Json::Object(vec![])),
            ]))
        );
    }

    #[test]
    fn integers_are_exact_or_other() {
        assert_eq!(parse("18446744073709551615"), Ok(Json::Int(u64::MAX)));
        assert_eq!(parse("18446744073709551616"), Ok(Json::OtherNumber));
        assert_eq!(parse("0"), Ok(Json::Int(0)));
        assert_eq!(parse("-0"), Ok(Json::OtherNumber));
    }

    #[test]
    fn every_number_form_json_allows_reads_and_only_plain_integers_are_exact() {
        // Signs on the exponent, both cases of `e`, fractions with exponents: all JSON, none exact.
        for text in [
            "1e+5", "1E-2", "1e5", "1E+0", "-1.5e+10", "0.5", "-0", "10.25E-3",
        ] {
            assert_eq!(parse(text), Ok(Json::OtherNumber), "{text}");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_ok(),
                "{text}"
            );
        }
        // Inside a document the number ends where JSON says it does.
        assert_eq!(
            parse("[1e+5,2,3E-1]"),
            Ok(Json::Array(vec![
                Json::OtherNumber,
                Json::Int(2),
                Json::OtherNumber
            ]))
        );
        for text in ["1e+", "1E-", "1e+-5", "1.e5", "+1"] {
            assert_eq!(parse(text), Err(SyntaxError), "{text}");
        }
    }

    #[test]
    fn unicode_escapes_read_in_either_case() {
        assert_eq!(
            parse(r#""\u00C6\u00e6\u00Ff""#),
            Ok(Json::Str("Ææÿ".into()))
        );
        assert_eq!(parse(r#""\uD83C\uDF6A""#), Ok(Json::Str("🍪".into())));
        assert_eq!(parse(r#""\uABCD""#), Ok(Json::Str("\u{abcd}".into())));
        assert_eq!(parse(r#""\u00G0""#), Err(SyntaxError));
    }

    #[test]
    fn every_escape_json_defines_reads_as_its_character() {
        // `\/` is never written by serde_json, but is JSON, and the other short escapes are
        // only written for control characters a random string rarely holds.
        assert_eq!(
            parse(r#""a\"b\\c\/d\be\ff\ng\rh\ti""#),
            Ok(Json::Str("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti".into()))
        );
        for text in [r#""\/""#, r#""\b""#, r#""\f""#, r#""\r""#, r#""\t""#] {
            let read = parse(text).ok().and_then(|v| v.as_string());
            let theirs: Option<String> = serde_json::from_str(text).ok();
            assert!(theirs.is_some(), "{text} is JSON");
            assert_eq!(read, theirs, "{text}");
        }
    }

    #[test]
    fn surrogate_pairs_join_and_lone_halves_fail() {
        assert_eq!(parse(r#""\ud83c\udf6a""#), Ok(Json::Str("🍪".into())));
        assert_eq!(parse(r#""\ud83c""#), Err(SyntaxError));
        assert_eq!(parse(r#""\udf6a""#), Err(SyntaxError));
    }

    #[test]
    fn rejects_what_is_not_json() {
        for text in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "tru",
            "nul",
            "\"abc",
            "\"a\u{1}\"",
            "\"\\x\"",
            "{\"a\" 1}",
            "{a:1}",
            "[1 2]",
            "1 2",
            "'a'",
            "\"\\u12g4\"",
            "NaN",
            "Infinity",
        ] {
            assert_eq!(parse(text), Err(SyntaxError), "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep), Err(SyntaxError));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn the_nesting_limit_is_exact_for_arrays_and_objects() {
        // The outermost value is at depth 0, so values down to depth MAX_DEPTH are read: that is
        // MAX_DEPTH + 1 containers, and one more is refused, whichever kind nests.
        let arrays = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let objects = |n: usize| format!("{}{{}}{}", "{\"a\":".repeat(n - 1), "}".repeat(n - 1));
        for n in [1, MAX_DEPTH, MAX_DEPTH + 1] {
            assert!(parse(&arrays(n)).is_ok(), "{n} arrays");
            assert!(parse(&objects(n)).is_ok(), "{n} objects");
        }
        assert_eq!(parse(&arrays(MAX_DEPTH + 2)), Err(SyntaxError));
        assert_eq!(parse(&objects(MAX_DEPTH + 2)), Err(SyntaxError));
        // A scalar at the deepest level counts as a level of its own.
        let scalar = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&scalar(MAX_DEPTH)).is_ok());
        assert_eq!(parse(&scalar(MAX_DEPTH + 1)), Err(SyntaxError));
    }

    #[test]
    fn fields_deny_unknown_and_duplicate_names() {
        let v = parse(r#"{"a":1,"b":2}"#).unwrap();
        let [b, a] = v.fields(["b", "a"]).unwrap();
        assert_eq!((a, b), (&Json::Int(1), &Json::Int(2)));
        assert!(v.fields(["a", "b", "c"]).is_none(), "a missing field");
        assert!(v.fields(["a"]).is_none(), "an unknown field");
        assert!(v.fields(["a", "c"]).is_none());
        assert!(parse(r#"{"a":1,"a":1}"#).unwrap().fields(["a"]).is_none());
        // As many fields as names, but one twice: the repeat stands in for a missing name.
        let twice = parse(r#"{"a":1,"a":2}"#).unwrap();
        assert!(twice.fields(["a", "b"]).is_none());
        assert!(twice.fields(["b", "a"]).is_none());
        let late = parse(r#"{"a":1,"b":2,"b":3}"#).unwrap();
        assert!(late.fields(["a", "b", "c"]).is_none());
        assert!(parse("[1]").unwrap().fields(["a"]).is_none());
    }

    #[test]
    fn every_control_character_and_quote_escapes_as_serde_json_does() {
        let all: String = (0u8..0x80)
            .map(char::from)
            .chain(['é', '\u{2028}', '😀'])
            .collect();
        for s in [all.as_str(), "plain", "", "\"\\\"", "a\u{1f}b\u{0}"] {
            let mut out = String::new();
            write_str(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn integers_write_in_decimal() {
        for n in [0, 7, 10, 1_700_000_000_000, u64::MAX] {
            let mut out = String::new();
            write_u64(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    proptest! {
        #[test]
        fn strings_write_as_serde_json_does_and_read_back(s in any::<String>()) {
            let mut out = String::new();
            write_str(&mut out, &s);
            prop_assert_eq!(&out, &serde_json::to_string(&s).unwrap());
            prop_assert_eq!(parse(&out), Ok(Json::Str(s)));
        }

        #[test]
        fn agrees_with_serde_json_on_what_is_json(s in "[\\[\\]{}\":,0-9a-z\\\\. -]{0,24}") {
            let ours = parse(&s).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&s).is_ok();
            prop_assert_eq!(ours, theirs, "{:?}", s);
        }

        #[test]
        fn arbitrary_input_never_panics(s in any::<String>()) {
            let _ = parse(&s);
        }
    }
}
