//! The theme `init --theme-files` copies into a new site: the built-in theme's files, to
//! change. A site without them builds with the built-in theme, which is in the program.

/// The name the theme gets in a new site.
pub const NAME: &str = crate::theme::BUILTIN;

/// Path below the theme's directory → bytes.
pub const FILES: &[(&str, &[u8])] = crate::theme::FILES;
