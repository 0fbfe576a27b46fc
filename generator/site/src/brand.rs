//! The theme's colours, derived from the brand's primary and accent colour (`[brand]` in
//! site.toml) for the light and the dark scheme. Every pair of text and background the
//! stylesheet uses is checked here against WCAG's 4.5:1, so a brand colour that cannot meet it
//! is refused at build time rather than shipped. Pure: no I/O.

use crate::colour::{nearest_with_contrast, Rgb, Towards, WHITE};

/// WCAG 2 AA for normal text (1.4.3).
pub const MIN_CONTRAST: f64 = 4.5;

/// The built-in theme's colours when site.toml names none.
pub const DEFAULT_PRIMARY: Rgb = Rgb::new(0x24, 0x52, 0x7a);

/// One colour scheme: the stylesheet's custom properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    pub bg: Rgb,
    pub fg: Rgb,
    pub muted: Rgb,
    pub surface: Rgb,
    pub line: Rgb,
    /// Links, buttons, focus rings.
    pub primary: Rgb,
    /// Buttons and links under the pointer.
    pub hover: Rgb,
    /// Text on a primary (or hover) background.
    pub on_primary: Rgb,
    /// The header's background; its text is white.
    pub head: Rgb,
    /// Decoration only (stripes, borders); it never carries text, so it needs no contrast.
    pub accent: Rgb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub light: Scheme,
    pub dark: Scheme,
}

/// Why a brand colour cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum BrandError {
    /// Text in the primary colour on the light background stays under 4.5:1.
    PrimaryTooLight {
        ratio: f64,
        /// The nearest darker shade of the same hue that passes, when there is one.
        suggestion: Option<Rgb>,
    },
    /// A derived pair failed: a bug in the derivation rather than the editor's doing.
    Derived {
        scheme: &'static str,
        pair: &'static str,
        ratio: f64,
    },
}

impl Scheme {
    /// Every (text, background) pair the stylesheet draws, by name.
    pub fn text_pairs(&self) -> [(&'static str, Rgb, Rgb); 10] {
        [
            ("text on the page", self.fg, self.bg),
            ("text on a panel", self.fg, self.surface),
            ("quiet text on the page", self.muted, self.bg),
            ("quiet text on a panel", self.muted, self.surface),
            ("links on the page", self.primary, self.bg),
            ("links on a panel", self.primary, self.surface),
            ("button text", self.on_primary, self.primary),
            ("button text under the pointer", self.on_primary, self.hover),
            ("header text", WHITE, self.head),
            ("links under the pointer", self.hover, self.bg),
        ]
    }

    fn check(&self, scheme: &'static str) -> Result<(), BrandError> {
        for (pair, text, background) in self.text_pairs() {
            let ratio = text.contrast(background);
            if ratio < MIN_CONTRAST {
                return Err(BrandError::Derived {
                    scheme,
                    pair,
                    ratio,
                });
            }
        }
        Ok(())
    }
}

/// Both schemes from the brand's colours; `accent` defaults to `primary`.
pub fn derive(primary: Rgb, accent: Option<Rgb>) -> Result<Palette, BrandError> {
    let accent = accent.unwrap_or(primary);
    let light = light(primary, accent);
    let ratio = primary
        .contrast(light.bg)
        .min(primary.contrast(light.surface));
    if ratio < MIN_CONTRAST {
        return Err(BrandError::PrimaryTooLight {
            ratio,
            suggestion: suggestion(primary),
        });
    }
    light.check("light")?;
    let dark = dark(primary, accent);
    dark.check("dark")?;
    Ok(Palette { light, dark })
}

/// Both schemes without the checks, for a colour [`derive`] has accepted before.
pub fn unchecked(primary: Rgb, accent: Option<Rgb>) -> Palette {
    let accent = accent.unwrap_or(primary);
    Palette {
        light: light(primary, accent),
        dark: dark(primary, accent),
    }
}

/// The nearest darker shade with which the whole light scheme passes (the panel is tinted by
/// the primary itself, so the target moves a little with each try).
fn suggestion(primary: Rgb) -> Option<Rgb> {
    let mut candidate = primary;
    for _ in 0..8 {
        let surface = panel(candidate);
        candidate =
            nearest_with_contrast(candidate, &[WHITE, surface], MIN_CONTRAST, Towards::Darker)?;
        if derive(candidate, None).is_ok() {
            return Some(candidate);
        }
    }
    None
}

fn panel(primary: Rgb) -> Rgb {
    WHITE.mix(primary, 0.06)
}

/// Neutrals carry a little of the brand's hue, so greys sit with the colour instead of
/// against it.
fn light(p: Rgb, accent: Rgb) -> Scheme {
    let bg = WHITE;
    let surface = panel(p);
    let muted = Rgb::new(0x55, 0x55, 0x55).mix(p, 0.25);
    let muted = nearest_with_contrast(muted, &[bg, surface], MIN_CONTRAST, Towards::Darker)
        .unwrap_or(muted);
    let l = p.lightness();
    // Darker under the pointer; a primary already near black has nowhere darker to go.
    let hover = if l > 0.1 {
        p.with_lightness(l * 0.7)
    } else {
        p.with_lightness(l + 0.08)
    };
    Scheme {
        bg,
        fg: Rgb::new(0x11, 0x11, 0x11).mix(p, 0.15),
        muted,
        surface,
        line: WHITE.mix(p, 0.25),
        primary: p,
        hover,
        on_primary: WHITE,
        head: p,
        accent,
    }
}

fn dark(p: Rgb, accent: Rgb) -> Scheme {
    let bg = Rgb::new(0x12, 0x12, 0x12).mix(p, 0.1);
    let surface = Rgb::new(0x1e, 0x1e, 0x1e).mix(p, 0.15);
    let against = [bg, surface];
    let lift = |c: Rgb, at_least: f64| {
        let c = c.with_lightness(c.lightness().max(at_least));
        nearest_with_contrast(c, &against, MIN_CONTRAST, Towards::Lighter).unwrap_or(WHITE)
    };
    let primary = lift(p, 0.78);
    let hover = primary.with_lightness((primary.lightness() + 0.1).min(0.95));
    let on_primary = p.with_lightness(0.12);
    let on_primary =
        nearest_with_contrast(on_primary, &[primary, hover], MIN_CONTRAST, Towards::Darker)
            .unwrap_or(Rgb::new(0, 0, 0));
    let fg = Rgb::new(0xea, 0xea, 0xea).mix(primary, 0.1);
    Scheme {
        bg,
        fg: lift(fg, 0.0),
        muted: lift(Rgb::new(0xb0, 0xb0, 0xb0).mix(primary, 0.2), 0.0),
        surface,
        line: Rgb::new(0x44, 0x44, 0x44).mix(p, 0.2),
        primary,
        hover,
        on_primary,
        head: p.with_lightness(p.lightness().min(0.18)),
        accent: accent.with_lightness(accent.lightness().max(0.6)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Rgb {
        Rgb::parse(s).expect("colour")
    }

    #[test]
    fn hesbynett_keeps_its_look() {
        let palette = derive(hex("#0b3d6e"), Some(hex("#2f8fdb"))).expect("passes");
        assert_eq!(palette.light.primary, hex("#0b3d6e"));
        assert_eq!(palette.light.head, hex("#0b3d6e"));
        // The old hand-picked dark shades were #9ccaff (links) and #0b2a4a (header): the
        // derived ones are the same hue and close in lightness.
        let (h, _, l) = palette.dark.primary.hsl();
        assert!(
            (h - 210.0).abs() < 3.0 && (0.75..0.9).contains(&l),
            "{}",
            palette.dark.primary
        );
        let (h, _, l) = palette.dark.head.hsl();
        assert!(
            (h - 210.0).abs() < 3.0 && l <= 0.18,
            "{}",
            palette.dark.head
        );
    }

    #[test]
    fn a_light_brand_colour_is_refused_with_a_shade_that_works() {
        let err = derive(hex("#ffcc00"), None).expect_err("yellow text on white is unreadable");
        let BrandError::PrimaryTooLight { ratio, suggestion } = err else {
            panic!("{err:?}");
        };
        assert!(ratio < 2.0, "{ratio}");
        let suggestion = suggestion.expect("a darker yellow passes");
        assert_eq!(suggestion.hsl().0.round(), hex("#ffcc00").hsl().0.round());
        derive(suggestion, None).expect("the suggestion itself passes");
    }

    #[test]
    fn the_default_passes() {
        derive(DEFAULT_PRIMARY, None).expect("the built-in colours pass");
    }

    proptest! {
        /// Whatever the brand colour, either every pair of both schemes reaches 4.5:1 or the
        /// colour is refused as too light; the derivation itself never fails.
        #[test]
        fn every_accepted_colour_yields_readable_schemes(r: u8, g: u8, b: u8, ar: u8, ag: u8, ab: u8) {
            match derive(Rgb::new(r, g, b), Some(Rgb::new(ar, ag, ab))) {
                Ok(palette) => {
                    for scheme in [palette.light, palette.dark] {
                        for (pair, text, bg) in scheme.text_pairs() {
                            prop_assert!(text.contrast(bg) >= MIN_CONTRAST, "{pair}: {text} on {bg}");
                        }
                    }
                }
                Err(BrandError::PrimaryTooLight { suggestion, .. }) => {
                    if let Some(s) = suggestion {
                        prop_assert!(derive(s, None).is_ok());
                    }
                }
                Err(e) => prop_assert!(false, "{e:?}"),
            }
        }
    }
}
