//! The Content-Security-Policy: nothing runs but our own files, the scripts whose hashes we
//! computed, and the services the inventory declares.

use crate::content::inventory::InventoryFile;
use crate::content::snippets::Snippet;
use crate::validate::urls;
pub use crate::validate::urls::Origin;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;

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
    /// Origins of the services' scripts (`script-src`). A script reports to where it came from,
    /// so they are also allowed in `connect-src` and `img-src`.
    service_origins: BTreeSet<Origin>,
    /// `frame-src`: the origins services' embeds frame.
    frames: BTreeSet<Origin>,
    /// `connect-src` beyond the scripts' origins: what services declare in `connect`, and the
    /// live-reload endpoint of `serve`.
    extra_connect: BTreeSet<Origin>,
    /// `img-src` beyond the scripts' origins: what services declare in `images`.
    images: BTreeSet<Origin>,
}

impl Policy {
    /// Allows the inline script with exactly this text.
    pub fn allow_script(&mut self, text: &str) {
        self.script_hashes.insert(Hash::of(text));
    }

    /// Allows scripts from `origin` (and their requests and beacons back to it).
    pub fn allow_service(&mut self, origin: Origin) {
        self.service_origins.insert(origin);
    }

    pub fn allow_connect(&mut self, origin: Origin) {
        self.extra_connect.insert(origin);
    }

    pub fn allow_frame(&mut self, origin: Origin) {
        self.frames.insert(origin);
    }

    pub fn allow_image(&mut self, origin: Origin) {
        self.images.insert(origin);
    }

    /// Everything the inventory's services declare: their scripts' origins, the hashes of
    /// their snippets, the origins they frame, connect to and load images from. Validation has
    /// refused anything that does not parse, and services without an optional category.
    pub fn allow_inventory(
        &mut self,
        inventory: &InventoryFile,
        snippets: &BTreeMap<String, Vec<Snippet>>,
    ) {
        let origin = |text: &Spanned<String>| urls::service_origin(text.get_ref()).ok();
        for (id, service) in &inventory.services {
            if service.category.is_none() {
                continue;
            }
            for src in service.script_srcs() {
                if let Some(o) = self::origin(src.get_ref()) {
                    self.allow_service(o);
                }
            }
            for snippet in snippets.get(id).into_iter().flatten() {
                self.allow_script(&snippet.text);
            }
            for o in service.frames.iter().filter_map(origin) {
                self.allow_frame(o);
            }
            for o in service.connect.iter().filter_map(origin) {
                self.allow_connect(o);
            }
            for o in service.images.iter().filter_map(origin) {
                self.allow_image(o);
            }
        }
    }

    /// The policy for a `<meta>` tag, where `frame-ancestors` would be ignored.
    pub fn meta(&self) -> String {
        fn join<'a>(items: impl Iterator<Item = &'a Origin>) -> String {
            items.map(|s| format!(" {}", s.as_str())).collect()
        }
        let services = join(self.service_origins.iter());
        // An origin both a script's and declared for images is named once.
        let images = join(self.images.difference(&self.service_origins));
        let connect = join(self.extra_connect.difference(&self.service_origins));
        format!(
            "default-src 'none'; script-src 'self'{hashes} 'wasm-unsafe-eval'{services}; \
             style-src 'self'; img-src 'self' data:{services}{images}; connect-src 'self'{services}{connect}; \
             font-src 'self'; frame-src 'self'{frames}; base-uri 'none'; form-action 'self'; object-src 'none'",
            hashes = self
                .script_hashes
                .iter()
                .map(|h| format!(" {}", h.0))
                .collect::<String>(),
            frames = join(self.frames.iter()),
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
        // Base64 of 31 or 33 bytes is 44 characters long too, but only 32 bytes are a SHA-256.
        for len in [31, 33] {
            let b64 = base64::engine::general_purpose::STANDARD.encode(vec![7u8; len]);
            assert_eq!(b64.len(), 44);
            assert_eq!(Hash::parse(&format!("'sha256-{b64}'")), None, "{len} bytes");
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

    #[test]
    fn each_directive_gets_exactly_what_the_inventory_declares_for_it() {
        let inventory: InventoryFile = toml::from_str(
            r#"
[categories.necessary]
necessary = true
title = { nb = "N" }
description = { nb = "N" }
[categories.marketing]
title = { nb = "M" }
description = { nb = "M" }
[services.site]
name = "S"
provider = "P"
host = "example.no"
[services.matomo]
name = "Matomo"
provider = "P"
host = "example.no"
category = "marketing"
scripts = [{ src = "https://cdn.matomo.cloud/x/matomo.js", async = true, data = { site = "1" } }]
snippets = ["snippets/matomo.js"]
connect = ["https://x.matomo.cloud"]
images = ["https://x.matomo.cloud", "https://cdn.matomo.cloud"]
[services.youtube]
name = "YouTube"
provider = "Google"
host = "youtube.com"
category = "marketing"
frames = ["https://www.youtube-nocookie.com"]
"#,
        )
        .expect("inventory");
        let snippets = [(
            "matomo".to_owned(),
            vec![Snippet {
                path: "snippets/matomo.js".into(),
                text: "alert(1)".into(),
            }],
        )]
        .into();
        let mut policy = Policy::default();
        policy.allow_inventory(&inventory, &snippets);
        let meta = policy.meta();
        let directive = |name: &str| {
            meta.split("; ")
                .find(|d| d.starts_with(name))
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(
            directive("script-src"),
            format!(
                "script-src 'self' {} 'wasm-unsafe-eval' https://cdn.matomo.cloud",
                script_hash("alert(1)")
            )
        );
        assert_eq!(
            directive("frame-src"),
            "frame-src 'self' https://www.youtube-nocookie.com"
        );
        assert_eq!(
            directive("connect-src"),
            "connect-src 'self' https://cdn.matomo.cloud https://x.matomo.cloud"
        );
        assert_eq!(
            directive("img-src"),
            "img-src 'self' data: https://cdn.matomo.cloud https://x.matomo.cloud"
        );
        assert!(!meta.contains("youtube.com"), "{meta}");
    }
}
