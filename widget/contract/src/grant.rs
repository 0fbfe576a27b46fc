//! Which categories are granted, and what the page does about a visitor's standing choice.

use crate::config::WidgetConfig;
use crate::record::Choices;
use crate::validity::{Assessment, Status};

/// A set of granted categories: bit `i` is `config.categories[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Grant(u64);

impl Grant {
    /// Only the required categories: the state without valid consent.
    pub fn required(config: &WidgetConfig) -> Grant {
        Grant::from_choices(config, &Choices::default())
    }

    /// The required categories plus each optional one for which `granted` says yes.
    /// Required categories, and those `choices` grants. (One function for both of the widget's
    /// grants, so that the widget carries one copy of [`Grant::from_fn`].)
    pub fn from_choices(config: &WidgetConfig, choices: &Choices) -> Grant {
        Grant::from_fn(config, |c| choices.get(c) == Some(true))
    }

    pub fn from_fn(config: &WidgetConfig, mut granted: impl FnMut(&str) -> bool) -> Grant {
        let mut bits = 0;
        for (i, category) in config.categories.iter().enumerate().take(64) {
            if category.required || granted(&category.id) {
                bits |= 1 << i;
            }
        }
        Grant(bits)
    }

    /// Whether `category` is granted. Unknown categories never are.
    pub fn allows(self, config: &WidgetConfig, category: &str) -> bool {
        config
            .category_index(category)
            .is_some_and(|i| i < 64 && self.0 & (1 << i) != 0)
    }

    /// The granted category ids, in the configuration's order.
    pub fn ids(self, config: &WidgetConfig) -> impl Iterator<Item = &str> {
        config
            .categories
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i < 64 && self.0 & (1 << i) != 0)
            .map(|(_, c)| c.id.as_str())
    }

    /// Whether any category outside `config`'s required ones is granted.
    pub fn any_optional(self, config: &WidgetConfig) -> bool {
        self != Grant::required(config)
    }
}

/// What to do at page load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub grant: Grant,
    /// Show the banner.
    pub ask: bool,
    /// Store a refusal with method `gpc`: the browser signal answered for the visitor.
    pub store_gpc_refusal: bool,
    /// The preferences say the browser signal was honoured (`#sk-gpc`).
    pub gpc_honoured: bool,
}

/// Decides the page's start from the stored record's assessment and Global Privacy Control.
///
/// A valid record is the visitor's own answer and stands, GPC or not: a choice made in the
/// preferences while the signal is on is explicit. Without one, GPC is a refusal (C-18): stored
/// like any choice (C-13), with no banner. The signal never grants anything.
pub fn on_load(config: &WidgetConfig, assessment: &Assessment, gpc: bool) -> Load {
    let record = assessment
        .record
        .as_ref()
        .filter(|_| assessment.status == Status::Valid);
    match record {
        Some(record) => Load {
            grant: Grant::from_choices(config, &record.choices),
            ask: false,
            store_gpc_refusal: false,
            gpc_honoured: gpc && record.method == crate::record::Method::Gpc,
        },
        None => Load {
            grant: Grant::required(config),
            ask: !gpc,
            store_gpc_refusal: gpc,
            gpc_honoured: gpc,
        },
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::config::tests::hesbynett;
    use crate::record::{ConsentRecord, Method};
    use crate::validity::assess;
    use proptest::prelude::*;

    const NOW: u64 = 1_750_000_000_000;

    fn stored(method: Method, analytics: bool) -> String {
        ConsentRecord::new(&hesbynett(), method, "id".into(), NOW, |_| analytics).encode()
    }

    #[test]
    fn without_a_valid_record_only_required_categories_are_granted() {
        let config = hesbynett();
        for stored in [None, Some("garbage".to_owned())] {
            for gpc in [false, true] {
                let load = on_load(&config, &assess(stored.as_deref(), &config, NOW), gpc);
                assert!(load.grant.allows(&config, "necessary"));
                assert!(!load.grant.allows(&config, "analytics"));
                assert_eq!(load.ask, !gpc);
                assert_eq!(load.store_gpc_refusal, gpc);
                assert_eq!(load.gpc_honoured, gpc);
            }
        }
    }

    #[test]
    fn an_expired_consent_grants_nothing() {
        let config = hesbynett();
        let text = stored(Method::AcceptAll, true);
        let load = on_load(
            &config,
            &assess(Some(&text), &config, NOW + 365 * crate::validity::DAY_MS),
            false,
        );
        assert_eq!(load.grant, Grant::required(&config));
        assert!(load.ask);
    }

    #[test]
    fn a_valid_record_is_followed() {
        let config = hesbynett();
        let yes = on_load(
            &config,
            &assess(Some(&stored(Method::AcceptAll, true)), &config, NOW),
            false,
        );
        assert!(yes.grant.allows(&config, "analytics"));
        assert!(!yes.ask && !yes.store_gpc_refusal && !yes.gpc_honoured);
        let no = on_load(
            &config,
            &assess(Some(&stored(Method::RejectAll, false)), &config, NOW),
            false,
        );
        assert_eq!(no.grant, Grant::required(&config));
        assert!(!no.ask, "a refusal is remembered (C-15)");
    }

    #[test]
    fn a_stored_gpc_refusal_is_shown_as_honoured_and_an_explicit_choice_stands() {
        let config = hesbynett();
        let gpc = on_load(
            &config,
            &assess(Some(&stored(Method::Gpc, false)), &config, NOW),
            true,
        );
        assert!(!gpc.ask && !gpc.store_gpc_refusal && gpc.gpc_honoured);
        let chosen = on_load(
            &config,
            &assess(Some(&stored(Method::Custom, true)), &config, NOW),
            true,
        );
        assert!(chosen.grant.allows(&config, "analytics") && !chosen.gpc_honoured);
    }

    #[test]
    fn grant_sets_list_their_ids() {
        let config = hesbynett();
        let all = Grant::from_fn(&config, |_| true);
        assert_eq!(
            all.ids(&config).collect::<Vec<_>>(),
            ["necessary", "analytics"]
        );
        assert!(all.any_optional(&config));
        assert!(!Grant::required(&config).any_optional(&config));
        assert!(!all.allows(&config, "unknown"));
    }

    /// Hesbynett's configuration with optional categories `extra0`, `extra1`, … after its own.
    fn with_categories(n: usize) -> WidgetConfig {
        let mut config = hesbynett();
        for i in 0..n {
            config.categories.push(crate::config::CategoryRule {
                id: format!("extra{i}"),
                required: false,
                sources: Vec::new(),
                frames: Vec::new(),
            });
        }
        config
    }

    proptest! {
        /// `ids` and `allows` agree with the set the grant was made from, for any subset.
        #[test]
        fn ids_list_exactly_the_granted_categories(picked in proptest::collection::vec(any::<bool>(), 6)) {
            let config = with_categories(4);
            let wanted = |id: &str| config.category_index(id).is_some_and(|i| picked[i]);
            let grant = Grant::from_fn(&config, wanted);
            let expected: Vec<&str> = config
                .categories
                .iter()
                .enumerate()
                .filter(|(i, c)| c.required || picked[*i])
                .map(|(_, c)| c.id.as_str())
                .collect();
            prop_assert_eq!(grant.ids(&config).collect::<Vec<_>>(), expected.clone());
            for c in &config.categories {
                prop_assert_eq!(grant.allows(&config, &c.id), expected.contains(&c.id.as_str()));
            }
        }
    }

    #[test]
    fn categories_past_the_64th_are_never_granted() {
        // 2 of Hesbynett's + 64 more: the last two do not fit in the set.
        let config = with_categories(64);
        let all = Grant::from_fn(&config, |_| true);
        let ids: Vec<&str> = all.ids(&config).collect();
        assert_eq!(ids.len(), 64);
        assert_eq!(ids.last().copied(), Some("extra61"));
        assert!(all.allows(&config, "extra61"));
        assert!(!all.allows(&config, "extra62") && !all.allows(&config, "extra63"));
    }

    proptest! {
        #[test]
        fn gpc_never_grants(text in any::<String>(), gpc_record in any::<bool>()) {
            let config = hesbynett();
            let text = if gpc_record { stored(Method::Gpc, true) } else { text };
            let load = on_load(&config, &assess(Some(&text), &config, NOW), true);
            // Either nothing optional, or a valid explicit choice that is not the signal.
            let a = assess(Some(&text), &config, NOW);
            let explicit = a.record.as_ref().is_some_and(|r| r.method != Method::Gpc);
            prop_assert!(!load.grant.any_optional(&config) || explicit);
        }
    }
}
