//! One module per command: each runs the library, prints what happened and picks the exit code.

#[cfg(feature = "audit")]
pub mod audit;
pub mod build;
pub mod check;
pub mod init;
#[cfg(feature = "serve")]
pub mod serve;
