//! The Content-Security-Policy: nothing runs but our own files, the scripts whose hashes we
//! computed, and the services the inventory declares.

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

/// The scheme, host and port of an absolute URL; `None` for a site-relative one.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

#[derive(Debug, Default, Clone)]
pub struct Policy {
    /// Hashes of inline scripts.
    pub script_hashes: BTreeSet<String>,
    /// Origins of the services' scripts; they also load images and send requests.
    pub service_origins: BTreeSet<String>,
    /// Extra `connect-src`, such as the live-reload endpoint of `serve`.
    pub extra_connect: BTreeSet<String>,
}

impl Policy {
    /// The policy for a `<meta>` tag, where `frame-ancestors` would be ignored.
    pub fn meta(&self) -> String {
        let join = |set: &BTreeSet<String>| set.iter().map(|s| format!(" {s}")).collect::<String>();
        let services = join(&self.service_origins);
        format!(
            "default-src 'none'; script-src 'self'{hashes} 'wasm-unsafe-eval'{services}; \
             style-src 'self'; img-src 'self' data:{services}; connect-src 'self'{services}{extra}; \
             font-src 'self'; frame-src 'self'{services}; base-uri 'none'; form-action 'self'; object-src 'none'",
            hashes = join(&self.script_hashes),
            extra = join(&self.extra_connect),
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
    fn origins_drop_the_path() {
        assert_eq!(
            origin("https://www.google-analytics.com/ga.js").as_deref(),
            Some("https://www.google-analytics.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8081/ga.js").as_deref(),
            Some("http://127.0.0.1:8081")
        );
        assert_eq!(origin("/ga.js"), None);
    }

    #[test]
    fn the_meta_policy_allows_only_what_was_declared() {
        let mut policy = Policy::default();
        policy.script_hashes.insert(script_hash("x"));
        policy
            .service_origins
            .insert("https://www.google-analytics.com".into());
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
