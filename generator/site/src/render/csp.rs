//! The Content-Security-Policy: nothing runs but our own files, the scripts whose hashes we
//! computed, and the services the inventory declares.

pub use crate::validate::urls::Origin;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// `'sha256-…'` of an inline script's exact text.
pub fn script_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The origin of a service's script, as the `url` crate serialises it; `None` for anything that
/// is not an absolute https (or local http) URL. Validation has refused those already, so this
/// only keeps a mistake in the generator from widening the policy.
pub fn origin(url: &str) -> Option<Origin> {
    crate::validate::urls::service_script(url)
        .ok()
        .and_then(|u| Origin::of(&u))
}

/// A `'sha256-…'` source expression: base64 of exactly 32 bytes, in quotes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hash(String);

impl Hash {
    pub fn of(text: &str) -> Hash {
        Hash(script_hash(text))
    }

    /// Accepts only the exact form [`script_hash`] writes.
    pub fn parse(text: &str) -> Option<Hash> {
        let b64 = text.strip_prefix("'sha256-")?.strip_suffix('\'')?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        (bytes.len() == 32 && b64.len() == 44).then(|| Hash(text.to_owned()))
    }
}

/// Only typed values go in: hashes computed here and origins parsed by the `url` crate, so no
/// editor text can add a source expression.
#[derive(Debug, Default, Clone)]
pub struct Policy {
    /// Hashes of inline scripts.
    script_hashes: BTreeSet<Hash>,
    /// Origins of the services' scripts; they also load images and send requests.
    service_origins: BTreeSet<Origin>,
    /// Extra `connect-src`, such as the live-reload endpoint of `serve`.
    extra_connect: BTreeSet<Origin>,
}

impl Policy {
    /// Allows the inline script with exactly this text.
    pub fn allow_script(&mut self, text: &str) {
        self.script_hashes.insert(Hash::of(text));
    }

    pub fn allow_service(&mut self, origin: Origin) {
        self.service_origins.insert(origin);
    }

    pub fn allow_connect(&mut self, origin: Origin) {
        self.extra_connect.insert(origin);
    }

    /// The policy for a `<meta>` tag, where `frame-ancestors` would be ignored.
    pub fn meta(&self) -> String {
        fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
            items.map(|s| format!(" {s}")).collect()
        }
        let services = join(self.service_origins.iter().map(Origin::as_str));
        format!(
            "default-src 'none'; script-src 'self'{hashes} 'wasm-unsafe-eval'{services}; \
             style-src 'self'; img-src 'self' data:{services}; connect-src 'self'{services}{extra}; \
             font-src 'self'; frame-src 'self'{services}; base-uri 'none'; form-action 'self'; object-src 'none'",
            hashes = join(self.script_hashes.iter().map(|h| h.0.as_str())),
            extra = join(self.extra_connect.iter().map(Origin::as_str)),
        )
    }

    /// The policy for an HTTP header, which may also forbid framing.
    pub fn header(&self) -> String {
        format!("{}; frame-ancestors 'none'", self.meta())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_base64_sha256_in_quotes() {
        // echo -n "alert(1)" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }

    #[test]
    fn hashes_parse_only_in_the_form_they_are_written() {
        let good = script_hash("alert(1)");
        assert_eq!(Hash::parse(&good), Some(Hash::of("alert(1)")));
        for bad in [
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI'",
            "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=",
            "'sha256-AAAA'",
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=' 'unsafe-inline'",
            "'sha384-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='",
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+p!='",
        ] {
            assert_eq!(Hash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn origins_drop_the_path() {
        assert_eq!(
            origin("https://www.google-analytics.com/ga.js")
                .as_ref()
                .map(Origin::as_str),
            Some("https://www.google-analytics.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8081/ga.js")
                .as_ref()
                .map(Origin::as_str),
            Some("http://127.0.0.1:8081")
        );
        assert_eq!(origin("/ga.js"), None);
        assert_eq!(
            origin("https://www.google-analytics.com * data: 'unsafe-eval'/ga.js"),
            None
        );
    }

    #[test]
    fn the_meta_policy_allows_only_what_was_declared() {
        let mut policy = Policy::default();
        policy.allow_script("x");
        policy.allow_service(origin("https://www.google-analytics.com/ga.js").expect("origin"));
        let meta = policy.meta();
        assert!(
            meta.starts_with("default-src 'none'; script-src 'self' 'sha256-"),
            "{meta}"
        );
        assert!(
            meta.contains("'wasm-unsafe-eval' https://www.google-analytics.com;"),
            "{meta}"
        );
        assert!(!meta.contains("unsafe-inline"), "{meta}");
        assert!(!meta.contains("frame-ancestors"), "{meta}");
        assert!(policy.header().ends_with("frame-ancestors 'none'"));
    }
}
