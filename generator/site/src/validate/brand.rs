//! `[brand]` of site.toml: colours that parse and that the theme can make readable, and file
//! names that point into the theme's `static/`.

use crate::brand::{self, BrandError, MIN_CONTRAST};
use crate::colour::Rgb;
use crate::content::site::Brand;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use std::path::Path;
use toml::Spanned;

/// Colours and file names, on site.toml alone.
pub fn check(brand: &Brand, source: &Source, errors: &mut Diagnostics) {
    let primary = colour(brand.primary.as_ref(), "primary", source, errors);
    let accent = colour(brand.accent.as_ref(), "accent", source, errors);
    if let (Some(field), Some(Ok(primary))) = (&brand.primary, primary) {
        match brand::derive(primary, accent.and_then(Result::ok)) {
            Ok(_) => {}
            Err(BrandError::PrimaryTooLight { ratio, suggestion }) => {
                let d = Diagnostic::new(
                    source,
                    Some(field.span()),
                    format!("the brand colour `{primary}` is too light to carry text"),
                )
                .label(format!(
                    "{ratio:.1}:1 against the page's background; links and buttons need {MIN_CONTRAST}:1"
                ));
                errors.push(match suggestion {
                    Some(s) => d.help(format!(
                        "the nearest shade of the same hue that passes is `{s}`; the dark scheme derives its own lighter shade"
                    )),
                    None => d,
                });
            }
            Err(BrandError::Derived {
                scheme,
                pair,
                ratio,
            }) => errors.push(
                Diagnostic::new(
                    source,
                    Some(field.span()),
                    format!("the theme cannot derive a readable {scheme} scheme from `{primary}`"),
                )
                .label(format!("{pair}: {ratio:.1}:1, under {MIN_CONTRAST}:1"))
                .help("choose a darker, more saturated colour"),
            ),
        }
    }
    for (field, what, kinds) in [
        (&brand.logo, "logo", &["svg"][..]),
        (&brand.favicon, "favicon", &["svg", "ico", "png"][..]),
        (&brand.image, "image", &["png", "jpg", "jpeg"][..]),
    ] {
        if let Some(field) = field {
            file_name(field, what, kinds, source, errors);
        }
    }
}

/// The named files exist in the theme's `static/`: the site's folder or the built-in theme.
pub fn files_exist(brand: &Brand, theme_dir: &Path, source: &Source, errors: &mut Diagnostics) {
    for field in [&brand.logo, &brand.favicon, &brand.image]
        .into_iter()
        .flatten()
    {
        let name = field.get_ref();
        let builtin = crate::theme::FILES
            .iter()
            .any(|(path, _)| path.strip_prefix("static/") == Some(name.as_str()));
        let path = theme_dir.join("static").join(name);
        if !builtin && !path.is_file() {
            errors.push(
                Diagnostic::new(
                    source,
                    Some(field.span()),
                    format!("no file `{name}` in the theme"),
                )
                .label(format!("expected {}", path.display()))
                .help("brand files live in themes/<theme>/static/; name them by their path there"),
            );
        }
    }
}

fn colour(
    field: Option<&Spanned<String>>,
    what: &str,
    source: &Source,
    errors: &mut Diagnostics,
) -> Option<Result<Rgb, ()>> {
    let field = field?;
    Some(Rgb::parse(field.get_ref().trim()).map_err(|e| {
        errors.push(
            Diagnostic::new(
                source,
                Some(field.span()),
                format!("the brand's {what} colour is not a colour"),
            )
            .label(e.0)
            .help("write it as in CSS, such as \"#0b3d6e\""),
        );
    }))
}

fn file_name(
    field: &Spanned<String>,
    what: &str,
    kinds: &[&str],
    source: &Source,
    errors: &mut Diagnostics,
) {
    let name = field.get_ref();
    let plain = !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
    let kind_ok = name
        .rsplit_once('.')
        .is_some_and(|(_, ext)| kinds.contains(&ext.to_ascii_lowercase().as_str()));
    if !plain || !kind_ok {
        errors.push(
            Diagnostic::new(
                source,
                Some(field.span()),
                format!("the brand's {what} `{name}` cannot be used"),
            )
            .label(format!(
                "expected a path inside the theme's static/ folder, ending in .{}",
                kinds.join(", .")
            ))
            .help("letters, digits, `-`, `_`, `.` and `/` only, such as \"logo.svg\""),
        );
    }
}

/// The palette of a validated site: its brand colours, else the built-in ones.
pub fn palette(brand: &Brand) -> brand::Palette {
    let parse =
        |f: &Option<Spanned<String>>| f.as_ref().and_then(|f| Rgb::parse(f.get_ref().trim()).ok());
    let primary = parse(&brand.primary).unwrap_or(brand::DEFAULT_PRIMARY);
    brand::derive(primary, parse(&brand.accent)).unwrap_or_else(|_| {
        // Validation refused such a colour already; the built-in one always derives.
        brand::unchecked(brand::DEFAULT_PRIMARY, None)
    })
}
