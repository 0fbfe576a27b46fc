//! The theme `init` copies, built into the binary so that an installed `samtykke` needs no
//! source tree. A test checks that this list is exactly `themes/hesbynett/`.

/// The name the theme gets in a new site.
pub const NAME: &str = "standard";

macro_rules! theme_files {
    ($($path:literal),* $(,)?) => {
        /// Path below the theme's directory → bytes.
        pub const FILES: &[(&str, &[u8])] = &[
            $(($path, include_bytes!(concat!("../../../../themes/hesbynett/", $path)))),*
        ];
    };
}

theme_files!(
    "static/favicon.ico",
    "static/favicon.svg",
    "static/style.css",
    "templates/404.html",
    "templates/base.html",
    "templates/page.html",
    "templates/partials/banner.html",
    "templates/partials/cookie_table.html",
    "templates/partials/preferences.html",
    "templates/shortcodes/consent_settings.html",
    "templates/shortcodes/contact.html",
    "templates/shortcodes/cookie_table.html",
    "templates/shortcodes/cookie_tables.html",
);
