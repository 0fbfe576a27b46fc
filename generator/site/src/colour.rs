//! Colour maths for the brand: `#rrggbb` colours, WCAG 2 contrast, and shades of one hue found
//! by changing only the HSL lightness. Pure: no I/O, no CSS.

use std::fmt;

/// An sRGB colour with 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

/// Why a colour could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub &'static str);

pub const WHITE: Rgb = Rgb::new(0xff, 0xff, 0xff);
pub const BLACK: Rgb = Rgb::new(0, 0, 0);

impl Rgb {
    pub const fn new(r: u8, g: u8, b: u8) -> Rgb {
        Rgb { r, g, b }
    }

    /// `#0b3d6e` or `#fff` (case does not matter).
    pub fn parse(text: &str) -> Result<Rgb, ParseError> {
        let hex = text
            .strip_prefix('#')
            .ok_or(ParseError("expected a colour written as `#rrggbb`"))?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseError("a colour holds only the hex digits 0-9 and a-f"));
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).unwrap_or(0);
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        match hex.len() {
            3 => Ok(Rgb::new(digit(0) * 17, digit(1) * 17, digit(2) * 17)),
            6 => Ok(Rgb::new(pair(0), pair(2), pair(4))),
            _ => Err(ParseError("expected 6 hex digits after `#` (or 3)")),
        }
    }

    /// Relative luminance as WCAG 2 defines it: 0 for black, 1 for white.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// WCAG 2 contrast ratio, 1 to 21, the same whichever colour comes first.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// `self` with `share` (0..=1) of `other` mixed in, channel by channel.
    pub fn mix(self, other: Rgb, share: f64) -> Rgb {
        let share = share.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| to_u8(f64::from(a) + (f64::from(b) - f64::from(a)) * share);
        Rgb::new(m(self.r, other.r), m(self.g, other.g), m(self.b, other.b))
    }

    /// Hue (degrees), saturation and lightness (0..=1).
    pub fn hsl(self) -> (f64, f64, f64) {
        let (r, g, b) = (
            f64::from(self.r) / 255.0,
            f64::from(self.g) / 255.0,
            f64::from(self.b) / 255.0,
        );
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let l = (max + min) / 2.0;
        let d = max - min;
        if d == 0.0 {
            return (0.0, 0.0, l);
        }
        let s = d / (1.0 - (2.0 * l - 1.0).abs());
        let h = if max == r {
            60.0 * ((g - b) / d).rem_euclid(6.0)
        } else if max == g {
            60.0 * ((b - r) / d + 2.0)
        } else {
            60.0 * ((r - g) / d + 4.0)
        };
        (h, s.min(1.0), l)
    }

    pub fn from_hsl(h: f64, s: f64, l: f64) -> Rgb {
        let (s, l) = (s.clamp(0.0, 1.0), l.clamp(0.0, 1.0));
        let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
        let h = h.rem_euclid(360.0) / 60.0;
        let x = c * (1.0 - (h.rem_euclid(2.0) - 1.0).abs());
        let (r, g, b) = match h as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        let m = l - c / 2.0;
        Rgb::new(
            to_u8((r + m) * 255.0),
            to_u8((g + m) * 255.0),
            to_u8((b + m) * 255.0),
        )
    }

    /// The same hue and saturation at lightness `l`.
    pub fn with_lightness(self, l: f64) -> Rgb {
        let (h, s, _) = self.hsl();
        Rgb::from_hsl(h, s, l)
    }

    pub fn lightness(self) -> f64 {
        self.hsl().2
    }
}

fn to_u8(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// Which way [`nearest_with_contrast`] moves the lightness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Towards {
    Darker,
    Lighter,
}

/// The shade of `colour`'s hue and saturation, reached by moving its lightness `towards` one
/// end, that is nearest to `colour` and has at least `ratio` contrast against every colour of
/// `against`. `colour` itself when it already has. `None` when not even black or white has.
pub fn nearest_with_contrast(
    colour: Rgb,
    against: &[Rgb],
    ratio: f64,
    towards: Towards,
) -> Option<Rgb> {
    let enough = |c: Rgb| against.iter().all(|a| c.contrast(*a) >= ratio);
    if enough(colour) {
        return Some(colour);
    }
    let (h, s, l) = colour.hsl();
    let end = match towards {
        Towards::Darker => 0.0,
        Towards::Lighter => 1.0,
    };
    if !enough(Rgb::from_hsl(h, s, end)) {
        return None;
    }
    // Contrast against a fixed colour changes monotonically along the lightness between `l`
    // and the end that passed, so bisection finds the boundary; rounding to 8 bits is checked
    // by stepping on until the rounded colour passes too.
    let (mut fail, mut pass) = (l, end);
    for _ in 0..40 {
        let mid = (fail + pass) / 2.0;
        if enough(Rgb::from_hsl(h, s, mid)) {
            pass = mid;
        } else {
            fail = mid;
        }
    }
    let step = if end > l { 0.001 } else { -0.001 };
    let mut t = pass;
    loop {
        let c = Rgb::from_hsl(h, s, t);
        if enough(c) {
            return Some(c);
        }
        t += step;
        if !(0.0..=1.0).contains(&t) {
            return Some(Rgb::from_hsl(h, s, end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_long_and_short_forms() {
        assert_eq!(Rgb::parse("#0b3D6e"), Ok(Rgb::new(0x0b, 0x3d, 0x6e)));
        assert_eq!(Rgb::parse("#fff"), Ok(WHITE));
        assert!(Rgb::parse("0b3d6e").is_err());
        assert!(Rgb::parse("#0b3d6").is_err());
        assert!(Rgb::parse("#0b3d6g").is_err());
        assert!(Rgb::parse("#ééé").is_err());
        assert_eq!(Rgb::new(0x0b, 0x3d, 0x6e).to_string(), "#0b3d6e");
    }

    #[test]
    fn contrast_matches_wcag_reference_values() {
        assert!((WHITE.contrast(BLACK) - 21.0).abs() < 1e-9);
        assert!((WHITE.contrast(WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the well-known 4.54:1 grey.
        let grey = Rgb::parse("#767676").expect("grey");
        assert!(
            (grey.contrast(WHITE) - 4.54).abs() < 0.01,
            "{}",
            grey.contrast(WHITE)
        );
        assert_eq!(grey.contrast(WHITE), WHITE.contrast(grey));
    }

    #[test]
    fn hsl_round_trips_known_colours() {
        let c = Rgb::parse("#0b3d6e").expect("colour");
        let (h, s, l) = c.hsl();
        assert!((h - 209.7).abs() < 0.5 && (s - 0.818).abs() < 0.01 && (l - 0.237).abs() < 0.01);
        assert_eq!(Rgb::from_hsl(h, s, l), c);
        assert_eq!(Rgb::from_hsl(0.0, 1.0, 0.5), Rgb::new(255, 0, 0));
    }

    #[test]
    fn nearest_shade_is_the_boundary() {
        let yellow = Rgb::parse("#ffcc00").expect("yellow");
        let dark = nearest_with_contrast(yellow, &[WHITE], 4.5, Towards::Darker).expect("some");
        assert!(dark.contrast(WHITE) >= 4.5);
        // One step lighter no longer passes: it is the nearest, not just any dark shade.
        let lighter = dark.with_lightness(dark.lightness() + 0.01);
        assert!(lighter.contrast(WHITE) < 4.5, "{dark} {lighter}");
        // A colour that already passes is returned as it is.
        let navy = Rgb::parse("#0b3d6e").expect("navy");
        assert_eq!(
            nearest_with_contrast(navy, &[WHITE], 4.5, Towards::Darker),
            Some(navy)
        );
        // Nothing lighter than mid grey reaches 4.5:1 against white.
        assert_eq!(
            nearest_with_contrast(yellow, &[WHITE], 4.5, Towards::Lighter),
            None
        );
    }

    proptest! {
        #[test]
        fn hsl_round_trip_is_within_one_step(r: u8, g: u8, b: u8) {
            let c = Rgb::new(r, g, b);
            let (h, s, l) = c.hsl();
            let back = Rgb::from_hsl(h, s, l);
            prop_assert!(back.r.abs_diff(r) <= 1 && back.g.abs_diff(g) <= 1 && back.b.abs_diff(b) <= 1);
        }

        #[test]
        fn a_found_shade_always_passes(r: u8, g: u8, b: u8, dark: bool) {
            let c = Rgb::new(r, g, b);
            let (against, towards) = if dark {
                (Rgb::new(0x12, 0x12, 0x12), Towards::Lighter)
            } else {
                (WHITE, Towards::Darker)
            };
            let found = nearest_with_contrast(c, &[against], 4.5, towards);
            prop_assert!(found.is_some(), "black and white always reach 4.5:1 here");
            prop_assert!(found.map_or(0.0, |f| f.contrast(against)) >= 4.5);
        }
    }
}
