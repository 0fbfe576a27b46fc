//! The configuration the generator writes into every page and the widget reads.
//!
//! It is embedded as `<script type="application/json" id="samtykke-config">`, so the widget
//! never guesses: every category, every cookie pattern and the revision come from the inventory.

use crate::json::Json;
use serde::{Deserialize, Serialize};

/// Schema version shared by this configuration and by the consent record.
pub const SCHEMA_VERSION: u32 = 1;

/// The `id` of the `<script type="application/json">` element that carries the configuration.
pub const CONFIG_ELEMENT_ID: &str = "samtykke-config";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetConfig {
    /// [`SCHEMA_VERSION`] of the generator that wrote this.
    pub version: u32,
    /// Hash over what the visitor is asked about; a record for another revision is void.
    pub revision: String,
    /// localStorage key of the consent record.
    pub storage_key: String,
    /// Days after which a choice, consent or refusal, is asked again.
    pub expiry_days: u32,
    /// Version of the privacy policy the visitor was shown (C-33).
    pub policy_version: String,
    /// In display order; `required` categories are always granted and have no toggle.
    pub categories: Vec<CategoryRule>,
    /// Cookie name patterns and the category each belongs to.
    pub cookies: Vec<CookieRule>,
    /// Send Google Consent Mode v2 default and update commands.
    pub google_consent_mode: bool,
    /// Where the widget sends a receipt of every decision (`POST`, see [`crate::receipt`]); the
    /// generator writes it from `[consent] receipts_url`. Without it the field is left out of
    /// the page, and the widget sends nothing anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipts_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    pub id: String,
    pub required: bool,
    /// The scripts (and framed pages) gated markup of this category may start, exactly as the
    /// generator wrote them; a placeholder with any other `data-src` is never started.
    pub sources: Vec<String>,
    /// The origins (`https://www.youtube-nocookie.com`) whose content an embed placeholder of
    /// this category may frame once the category is granted.
    pub frames: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieRule {
    /// A cookie name, or a glob where `*` stands for any run of characters (`__utm*`).
    pub pattern: String,
    pub category: String,
}

/// A source the generator may declare: one URL, without whitespace, quotes or angle brackets (the
/// generator has parsed it with the `url` crate; this keeps a hand-edited config from smuggling
/// a list or markup into the page's decision).
pub fn is_source(src: &str) -> bool {
    !src.is_empty()
        && src.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`')
        })
}

/// The placeholders the page may start for the `granted` category ids, one `category src` line
/// each: every declared source that [`WidgetConfig::may_start`] allows, and `category ` (no
/// source) for an inline placeholder of an optional category, which the CSP still guards by its
/// hash; and `category frame origin` for each origin its embeds may frame (a source holds no
/// space, so the two kinds cannot be mistaken for each other). `page.js` starts nothing else, so
/// a `necessary` placeholder, or one with an undeclared `data-src` or frame, stays inert
/// whatever the page says.
pub fn startable<'a>(config: &WidgetConfig, granted: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut line = |id: &str, kind: &str, src: &str| {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(id);
        out.push(' ');
        out.push_str(kind);
        out.push_str(src);
    };
    for id in granted {
        for rule in config
            .categories
            .iter()
            .filter(|c| c.id == id && !c.required)
        {
            line(id, "", "");
            for src in rule.sources.iter().filter(|s| config.may_start(id, s)) {
                line(id, "", src);
            }
            for origin in rule.frames.iter().filter(|o| is_source(o)) {
                line(id, "frame ", origin);
            }
        }
    }
    out
}

impl WidgetConfig {
    /// Whether a gated placeholder of `category` with `src` may be started once `category` is
    /// granted: only an optional category's declared source. A `necessary` placeholder would run
    /// before any choice, and an undeclared source outside what the visitor was told.
    pub fn may_start(&self, category: &str, src: &str) -> bool {
        self.categories
            .iter()
            .any(|c| c.id == category && !c.required && c.sources.iter().any(|s| s == src))
    }

    /// Whether `category` is always granted (strictly necessary).
    pub fn is_required(&self, category: &str) -> bool {
        self.categories
            .iter()
            .any(|c| c.id == category && c.required)
    }

    /// The categories a visitor can grant or refuse.
    pub fn optional_categories(&self) -> impl Iterator<Item = &str> {
        self.categories
            .iter()
            .filter(|c| !c.required)
            .map(|c| c.id.as_str())
    }

    /// The category of the first rule whose pattern matches `cookie_name`.
    pub fn category_of(&self, cookie_name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|rule| crate::pattern::matches(&rule.pattern, cookie_name))
            .map(|rule| rule.category.as_str())
    }
}

/// Why the widget will not use a configuration. It then fails closed: nothing optional runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// Not JSON.
    Syntax,
    /// JSON, but not this schema: a missing, unknown or repeated field, or one of the wrong type.
    Shape,
    /// Written for another [`SCHEMA_VERSION`].
    Version,
    /// The schema fits but a rule the widget relies on does not hold (see [`WidgetConfig::check`]).
    Invalid,
}

/// Whether `id` can name a category: ASCII letters, digits, `-` and `_`, at least one. Ids appear
/// in `data-category` attributes and CSS selectors, and the widget passes lists of them to the
/// page separated by spaces.
pub fn is_category_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The widget keeps grants as bits of a `u64`, one per category.
pub const MAX_CATEGORIES: usize = 64;

impl WidgetConfig {
    /// Reads the JSON the generator writes with serde, without serde_json (see [`crate::json`]),
    /// and [checks](Self::check) it.
    pub fn from_json(text: &str) -> Result<WidgetConfig, ConfigError> {
        let value = crate::json::parse(text).map_err(|_| ConfigError::Syntax)?;
        const NAMES: [&str; 9] = [
            "version",
            "revision",
            "storage_key",
            "expiry_days",
            "policy_version",
            "categories",
            "cookies",
            "google_consent_mode",
            "receipts_url",
        ];
        // `receipts_url` is optional: a page of a site without receipts does not name it.
        let fields = match value.fields(NAMES) {
            Some(all) => all,
            None => {
                let [a, b, c, d, e, f, g, h, _] = NAMES;
                let [a, b, c, d, e, f, g, h] = value
                    .fields([a, b, c, d, e, f, g, h])
                    .ok_or(ConfigError::Shape)?;
                [a, b, c, d, e, f, g, h, &Json::Null]
            }
        };
        let [version, revision, storage_key, expiry_days, policy_version, categories, cookies, google_consent_mode, receipts_url] =
            fields;
        match version {
            Json::Int(n) if *n == u64::from(SCHEMA_VERSION) => {}
            Json::Int(_) | Json::OtherNumber => return Err(ConfigError::Version),
            _ => return Err(ConfigError::Shape),
        }
        // Plain loops, `Option`, and one value filled in place, which an early return drops
        // whole: iterator adapters collecting into `Result`, and a drop for every partial state,
        // cost the widget kilobytes.
        let mut config = WidgetConfig {
            version: SCHEMA_VERSION,
            revision: String::new(),
            storage_key: String::new(),
            expiry_days: 0,
            policy_version: String::new(),
            categories: Vec::new(),
            cookies: Vec::new(),
            google_consent_mode: false,
            receipts_url: None,
        };
        let mut read = || {
            for item in categories.as_array()? {
                let [id, required, sources, frames] =
                    item.fields(["id", "required", "sources", "frames"])?;
                let mut rule = CategoryRule {
                    id: id.as_string()?,
                    required: required.as_bool()?,
                    sources: Vec::new(),
                    frames: Vec::new(),
                };
                for source in sources.as_array()? {
                    rule.sources.push(source.as_string()?);
                }
                for frame in frames.as_array()? {
                    rule.frames.push(frame.as_string()?);
                }
                config.categories.push(rule);
            }
            for item in cookies.as_array()? {
                let [pattern, category] = item.fields(["pattern", "category"])?;
                let pattern = pattern.as_string()?;
                config.cookies.push(CookieRule {
                    pattern,
                    category: category.as_string()?,
                });
            }
            config.revision = revision.as_string()?;
            config.storage_key = storage_key.as_string()?;
            config.expiry_days = u32::try_from(expiry_days.as_u64()?).ok()?;
            config.policy_version = policy_version.as_string()?;
            config.google_consent_mode = google_consent_mode.as_bool()?;
            if !matches!(receipts_url, Json::Null) {
                config.receipts_url = Some(receipts_url.as_string()?);
            }
            Some(())
        };
        read().ok_or(ConfigError::Shape)?;
        config.check()?;
        Ok(config)
    }

    /// The rules the widget relies on beyond the schema: a revision and a storage key to compare
    /// and store under, a positive expiry, 1 to [`MAX_CATEGORIES`] distinct categories whose ids
    /// are [plain words](is_category_id), and cookie rules that name a known category with a
    /// usable pattern. The generator should hold its output to the same.
    pub fn check(&self) -> Result<(), ConfigError> {
        let distinct = self.categories.iter().enumerate().all(|(i, c)| {
            is_category_id(&c.id)
                && self.category_index(&c.id) == Some(i)
                && (!c.required || (c.sources.is_empty() && c.frames.is_empty()))
                && c.sources.iter().chain(&c.frames).all(|s| is_source(s))
        });
        let rules_ok = self.cookies.iter().all(|rule| {
            self.category_index(&rule.category).is_some()
                && crate::pattern::is_usable(&rule.pattern)
        });
        // The receipts endpoint is one absolute http(s) URL (the generator allows plain http
        // only on loopback); a hand-edited config cannot aim the widget at anything else.
        let receipts_ok = self.receipts_url.as_deref().is_none_or(|url| {
            is_source(url) && (url.starts_with("https://") || url.starts_with("http://"))
        });
        let ok = self.version == SCHEMA_VERSION
            && receipts_ok
            && !self.revision.is_empty()
            && !self.storage_key.is_empty()
            && self.expiry_days > 0
            && (1..=MAX_CATEGORIES).contains(&self.categories.len())
            && distinct
            && rules_ok;
        if ok {
            Ok(())
        } else if self.version != SCHEMA_VERSION {
            Err(ConfigError::Version)
        } else {
            Err(ConfigError::Invalid)
        }
    }

    /// The position of `category` in [`Self::categories`].
    pub fn category_index(&self, category: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == category)
    }

    /// Whether `category` is known and the visitor may grant or refuse it.
    pub fn is_optional(&self, category: &str) -> bool {
        self.categories
            .iter()
            .any(|c| c.id == category && !c.required)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_declared_sources_of_optional_categories_may_start() {
        let mut config = hesbynett();
        let ga = "https://www.google-analytics.com/ga.js";
        config.categories[1].sources = vec![ga.into()];
        assert_eq!(config.check(), Ok(()));
        assert!(config.may_start("analytics", ga));
        assert!(!config.may_start("analytics", "data:text/javascript,alert(1)"));
        assert!(!config.may_start("analytics", "https://www.google-analytics.com/ga.js "));
        assert!(
            !config.may_start("necessary", ga),
            "necessary never starts anything"
        );
        assert!(!config.may_start("marketing", ga), "unknown category");
        assert_eq!(
            startable(&config, ["necessary", "analytics"].into_iter()),
            format!("analytics \nanalytics {ga}")
        );
        assert_eq!(startable(&config, ["necessary"].into_iter()), "");

        // A config that declares a source for a necessary category, or a source that is not
        // one URL, is refused whole.
        let mut bad = config.clone();
        bad.categories[0].sources = vec![ga.into()];
        assert_eq!(bad.check(), Err(ConfigError::Invalid));
        let mut bad = config.clone();
        bad.categories[1].sources = vec![format!("{ga}\nnecessary {ga}")];
        assert_eq!(bad.check(), Err(ConfigError::Invalid));
    }

    #[test]
    fn frames_of_granted_optional_categories_are_startable_and_never_look_like_a_source() {
        let mut config = hesbynett();
        let yt = "https://www.youtube-nocookie.com";
        config.categories[1].frames = vec![yt.into()];
        assert_eq!(config.check(), Ok(()));
        let lines = startable(&config, ["necessary", "analytics"].into_iter());
        assert_eq!(lines, format!("analytics \nanalytics frame {yt}"));
        assert!(
            !config.may_start("analytics", yt),
            "a frame is not a script"
        );
        assert_eq!(startable(&config, ["necessary"].into_iter()), "");
        let mut bad = config.clone();
        bad.categories[0].frames = vec![yt.into()];
        assert_eq!(
            bad.check(),
            Err(ConfigError::Invalid),
            "necessary frames nothing"
        );
        let mut bad = config.clone();
        bad.categories[1].frames = vec![format!("{yt} x")];
        assert_eq!(bad.check(), Err(ConfigError::Invalid));
    }

    /// The shape of Hesbynett's configuration.
    pub(crate) fn hesbynett() -> WidgetConfig {
        WidgetConfig {
            version: SCHEMA_VERSION,
            revision: "rev-2025-01".into(),
            storage_key: "samtykke".into(),
            expiry_days: 180,
            policy_version: "2025-01-01".into(),
            categories: vec![
                CategoryRule {
                    id: "necessary".into(),
                    required: true,
                    sources: vec![],
                    frames: vec![],
                },
                CategoryRule {
                    id: "analytics".into(),
                    required: false,
                    sources: vec![],
                    frames: vec![],
                },
            ],
            cookies: vec![
                CookieRule {
                    pattern: "PHPSESSID".into(),
                    category: "necessary".into(),
                },
                CookieRule {
                    pattern: "roundcube_sess*".into(),
                    category: "necessary".into(),
                },
                CookieRule {
                    pattern: "__utm*".into(),
                    category: "analytics".into(),
                },
                CookieRule {
                    pattern: "_ga*".into(),
                    category: "analytics".into(),
                },
            ],
            google_consent_mode: false,
            receipts_url: None,
        }
    }

    #[test]
    fn reads_what_serde_writes() {
        let config = hesbynett();
        let text = serde_json::to_string_pretty(&config).unwrap();
        assert!(!text.contains("receipts_url"), "left out when unset");
        assert_eq!(WidgetConfig::from_json(&text), Ok(config.clone()));
        let with_receipts = WidgetConfig {
            receipts_url: Some("https://samtykke.example.no/v1/receipts".into()),
            ..config
        };
        let text = serde_json::to_string(&with_receipts).unwrap();
        assert_eq!(WidgetConfig::from_json(&text), Ok(with_receipts));
    }

    #[test]
    fn the_receipts_url_is_one_http_url_or_absent() {
        let good = serde_json::to_value(hesbynett()).unwrap();
        let with = |url: serde_json::Value| {
            let mut v = good.clone();
            v["receipts_url"] = url;
            WidgetConfig::from_json(&v.to_string()).map(|c| c.receipts_url)
        };
        assert_eq!(with(serde_json::Value::Null), Ok(None));
        assert_eq!(
            with("http://127.0.0.1:8787/v1/receipts".into()),
            Ok(Some("http://127.0.0.1:8787/v1/receipts".into()))
        );
        for bad in [
            "javascript:alert(1)",
            "/v1/receipts",
            "https://a.example/x y",
            "https://a.example/\"x",
            "",
        ] {
            assert_eq!(with(bad.into()), Err(ConfigError::Invalid), "{bad}");
        }
        assert_eq!(with(1.into()), Err(ConfigError::Shape));
    }

    #[test]
    fn category_lookups_answer_from_the_rules() {
        let mut config = hesbynett();
        config.categories.push(CategoryRule {
            id: "marketing".into(),
            required: false,
            sources: vec![],
            frames: vec![],
        });
        config.categories.push(CategoryRule {
            id: "security".into(),
            required: true,
            sources: vec![],
            frames: vec![],
        });
        // Required: exactly the necessary ones; unknown ids are neither required nor optional.
        let required: Vec<bool> = ["necessary", "analytics", "marketing", "security", "x"]
            .iter()
            .map(|c| config.is_required(c))
            .collect();
        assert_eq!(required, [true, false, false, true, false]);
        let optional: Vec<bool> = ["necessary", "analytics", "marketing", "security", "x"]
            .iter()
            .map(|c| config.is_optional(c))
            .collect();
        assert_eq!(optional, [false, true, true, false, false]);
        assert_eq!(
            config.optional_categories().collect::<Vec<_>>(),
            ["analytics", "marketing"]
        );
        assert_eq!(config.category_index("necessary"), Some(0));
        assert_eq!(config.category_index("security"), Some(3));
        assert_eq!(config.category_index("x"), None);
        // The first matching rule decides; globs match prefixes, exact names only themselves.
        assert_eq!(config.category_of("PHPSESSID"), Some("necessary"));
        assert_eq!(config.category_of("roundcube_sessid"), Some("necessary"));
        assert_eq!(config.category_of("__utmz"), Some("analytics"));
        assert_eq!(config.category_of("_ga_XYZ"), Some("analytics"));
        assert_eq!(config.category_of("PHPSESSID2"), None);
        assert_eq!(config.category_of("other"), None);
        config.cookies.insert(
            0,
            CookieRule {
                pattern: "__utmz".into(),
                category: "marketing".into(),
            },
        );
        assert_eq!(config.category_of("__utmz"), Some("marketing"));
        assert_eq!(config.category_of("__utma"), Some("analytics"));
    }

    #[test]
    fn refuses_broken_or_foreign_configurations() {
        let good = serde_json::to_value(hesbynett()).unwrap();
        let with = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            f(&mut v);
            WidgetConfig::from_json(&v.to_string())
        };
        assert_eq!(WidgetConfig::from_json("{"), Err(ConfigError::Syntax));
        assert_eq!(WidgetConfig::from_json("[]"), Err(ConfigError::Shape));
        assert_eq!(with(&|v| v["extra"] = 1.into()), Err(ConfigError::Shape));
        assert_eq!(
            with(&|v| {
                v.as_object_mut().unwrap().remove("revision");
            }),
            Err(ConfigError::Shape)
        );
        assert_eq!(
            with(&|v| v["version"] = 2.into()),
            Err(ConfigError::Version)
        );
        assert_eq!(
            with(&|v| v["expiry_days"] = (-1).into()),
            Err(ConfigError::Shape)
        );
        assert_eq!(
            with(&|v| v["expiry_days"] = 0.into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["storage_key"] = "".into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["revision"] = "".into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["categories"] = serde_json::json!([])),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["categories"][1]["id"] = "necessary".into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["cookies"][0]["category"] = "ads".into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["categories"][1]["id"] = "two words".into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["categories"][1]["id"] = "".into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["cookies"][0]["pattern"] = "*".into()),
            Err(ConfigError::Invalid)
        );
        assert_eq!(
            with(&|v| v["cookies"][0]["extra"] = 1.into()),
            Err(ConfigError::Shape)
        );
        assert_eq!(
            with(&|v| v["google_consent_mode"] = "yes".into()),
            Err(ConfigError::Shape)
        );
        assert_eq!(
            with(&|v| v["categories"][0]["sources"] = serde_json::json!(["https://x.example/a.js"])),
            Err(ConfigError::Invalid),
            "a necessary category never starts anything"
        );
        assert_eq!(
            with(&|v| v["categories"][1]["sources"] = serde_json::json!(["a b"])),
            Err(ConfigError::Invalid)
        );
        let many: Vec<_> = (0..=MAX_CATEGORIES)
            .map(|i| serde_json::json!({"id": format!("c{i}"), "required": false, "sources": [], "frames": []}))
            .collect();
        assert_eq!(
            with(&|v| v["categories"] = many.clone().into()),
            Err(ConfigError::Invalid)
        );
    }

    #[test]
    fn category_ids_are_plain_words_and_a_config_with_any_other_is_refused() {
        for id in ["analytics", "a", "A-b_9", "0"] {
            assert!(is_category_id(id), "{id}");
        }
        for id in [
            "",
            "two words",
            "a.b",
            "a:b",
            "æ",
            "a\"",
            "a,b",
            "<x>",
            "a\n",
        ] {
            assert!(!is_category_id(id), "{id:?}");
        }
        // The category is renamed in its cookie rules too, so that the id is the config's only
        // flaw (a rule naming an unknown category would be refused for that alone).
        for (id, verdict) in [
            ("stats-2_b", Ok(())),
            ("two words", Err(ConfigError::Invalid)),
            ("", Err(ConfigError::Invalid)),
            ("a.b", Err(ConfigError::Invalid)),
        ] {
            let mut config = hesbynett();
            config.categories[1].id = id.into();
            for rule in &mut config.cookies {
                if rule.category == "analytics" {
                    rule.category = id.into();
                }
            }
            assert_eq!(config.check(), verdict, "{id:?}");
        }
    }

    prop_compose! {
        fn any_config()(
            revision in "\\PC{1,16}",
            storage_key in "\\PC{1,16}",
            expiry_days in 1u32..=u32::MAX,
            policy_version in "\\PC{0,10}",
            ids in prop::collection::btree_set("[a-zA-Z0-9_-]{1,10}", 1..6),
            required in prop::collection::vec(any::<bool>(), 6),
            patterns in prop::collection::vec(("[A-Za-z_]{1,8}\\*?", any::<prop::sample::Index>()), 0..8),
            google_consent_mode in any::<bool>(),
            receipts_url in prop::option::of("https://[a-z]{1,10}\\.example/[a-z0-9/]{0,12}"),
        ) -> WidgetConfig {
            let categories: Vec<CategoryRule> = ids
                .into_iter()
                .zip(required)
                .map(|(id, required)| CategoryRule { id, required, sources: vec![], frames: vec![] })
                .collect();
            let cookies = patterns
                .into_iter()
                .map(|(pattern, i)| CookieRule { pattern, category: i.get(&categories).id.clone() })
                .collect();
            WidgetConfig {
                version: SCHEMA_VERSION, revision, storage_key, expiry_days, policy_version,
                categories, cookies, google_consent_mode, receipts_url,
            }
        }
    }

    proptest! {
        #[test]
        fn every_serde_written_config_reads_back(config in any_config()) {
            let text = serde_json::to_string(&config).unwrap();
            prop_assert_eq!(WidgetConfig::from_json(&text), Ok(config));
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = WidgetConfig::from_json(&text);
        }
    }
}
