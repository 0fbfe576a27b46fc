//! The limits and the one character rule that both a receipt and the published revisions file
//! are held to: shared here so that neither module needs the other's.

/// Largest body accepted; a real receipt is about 300 bytes.
pub const MAX_BODY: usize = 4096;
pub const MIN_ID: usize = 8;
pub const MAX_ID: usize = 64;
pub const MAX_REVISION: usize = 128;
pub const MAX_POLICY_VERSION: usize = 64;
pub const MAX_CATEGORY: usize = 64;
pub const MAX_CATEGORIES: usize = 32;
pub const MAX_LANGUAGE: usize = 35;
/// A client clock this far ahead of the server's is refused: a receipt from the future would
/// block every later decision of that id (see the ordering rule in the store).
pub const MAX_CLOCK_AHEAD_MS: i64 = 24 * 3_600_000;
/// The largest integer a JavaScript number holds exactly, as in the consent record.
pub const MAX_TS: i64 = 9_007_199_254_740_991;

/// Letters, digits, `-`, `_`, `.`; 1 to `max` bytes. Every identifier in a receipt is one, so
/// nothing a visitor sends can carry markup, quotes or spaces into an export.
pub fn is_token(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}
