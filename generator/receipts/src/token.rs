//! The limits and the one character rule that both a receipt and the published revisions file
//! are held to: shared here so that neither module needs the other's.

/// The limits and the character rule the widget builds its receipts by and the generator checks
/// `site.toml` against: defined once, in the contract.
pub use samtykke_contract::receipt::{
    is_token, MAX_BODY, MAX_CATEGORIES, MAX_CATEGORY, MAX_ID, MAX_LANGUAGE, MAX_POLICY_VERSION,
    MAX_REVISION, MIN_ID,
};
/// A client clock this far ahead of the server's is refused: a receipt from the future would
/// block every later decision of that id (see the ordering rule in the store).
pub const MAX_CLOCK_AHEAD_MS: i64 = 24 * 3_600_000;
/// The largest integer a JavaScript number holds exactly, as in the consent record.
pub const MAX_TS: i64 = 9_007_199_254_740_991;
