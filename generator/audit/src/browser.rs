//! Debian's Chromium, headless, driven over the DevTools protocol: for `audit` and the
//! end-to-end tests.

use headless_chrome::{Browser, LaunchOptions};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

/// Flags every run uses: no sandbox (we run as root in CI), and no traffic of Chromium's own,
/// which this network refuses anyway and which would pollute an audit's request list.
pub const FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
];

/// A running Chromium with a profile of its own, removed when this is dropped.
pub struct Chromium {
    pub browser: Browser,
    _profile: tempfile::TempDir,
}

#[derive(Debug)]
pub struct LaunchError(pub String);

impl std::fmt::Display for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot start Chromium: {}", self.0)
    }
}

impl std::error::Error for LaunchError {}

/// `$SAMTYKKE_CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn executable() -> PathBuf {
    std::env::var_os("SAMTYKKE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

impl Chromium {
    pub fn launch() -> Result<Chromium, LaunchError> {
        Chromium::launch_with(&[])
    }

    /// With flags beyond [`FLAGS`], such as `--host-resolver-rules` that map test host names
    /// to 127.0.0.1.
    pub fn launch_with(extra: &[String]) -> Result<Chromium, LaunchError> {
        let path = executable();
        if !path.exists() {
            return Err(LaunchError(format!(
                "{} not found; install Debian's chromium (bash tools/setup-toolchain.sh does)",
                path.display()
            )));
        }
        let profile = tempfile::tempdir().map_err(|e| LaunchError(e.to_string()))?;
        let args: Vec<&OsStr> = FLAGS
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
            .map(OsStr::new)
            .collect();
        let options = LaunchOptions::default_builder()
            .path(Some(path))
            .headless(true)
            .sandbox(false)
            .user_data_dir(Some(profile.path().to_path_buf()))
            .args(args)
            .window_size(Some((1280, 900)))
            .idle_browser_timeout(Duration::from_secs(600))
            .build()
            .map_err(|e| LaunchError(e.to_string()))?;
        let browser = Browser::new(options).map_err(|e| LaunchError(e.to_string()))?;
        Ok(Chromium {
            browser,
            _profile: profile,
        })
    }
}
