//! Chromium, found on this machine and started headless with a DevTools connection: for `audit`,
//! the end-to-end tests and the serve tests.
//!
//! The browser is started directly (`--remote-debugging-port=0`) and its DevTools address read
//! from the `DevTools listening on ws://…` line it prints, so no fixed port can clash with another
//! run. The profile is a fresh temporary directory; the process is closed and reaped on drop.

use crate::tab::Tab;
use crate::wire::{Connection, Wire};
use serde_json::json;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Flags every run uses: no sandbox (we run as root in CI), no traffic of Chromium's own (which
/// this network refuses anyway and which would pollute an audit's request list), and no
/// throttling of tabs in the background, since an audit drives several side by side. (The same
/// set the audit ran with when headless_chrome launched the browser.)
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
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-client-side-phishing-detection",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-hang-monitor",
    "--disable-ipc-flooding-protection",
    "--disable-component-extensions-with-background-pages",
    "--enable-features=NetworkService,NetworkServiceInProcess",
    "--enable-automation",
    "--disable-popup-blocking",
    "--disable-prompt-on-repost",
    "--disable-features=TranslateUI",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    "--force-color-profile=srgb",
    "--window-size=1280,900",
];

/// Variables naming the browser, in the order they are read. `SAMTYKKE_CHROMIUM` is the name
/// earlier versions read.
pub const ENV_VARS: &[&str] = &["SAMTYKKE_CHROME", "CHROME", "SAMTYKKE_CHROMIUM"];

/// Names looked up on `PATH`, in order.
pub const NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// Where distributions and installers put the browser, read after `PATH`.
pub const LOCATIONS: &[&str] = &[
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/usr/lib/chromium/chromium",
    "/snap/bin/chromium",
    "/opt/google/chrome/chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

/// How long Chromium may take to print its DevTools address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct LaunchError(pub String);

impl std::fmt::Display for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot start Chromium: {}", self.0)
    }
}

impl std::error::Error for LaunchError {}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The search, with its inputs given: `var` reads an environment variable, `path` is `$PATH`.
/// A variable that is set must name an executable (a wrong setting is an error, not a reason to
/// run some other browser).
pub fn search(
    var: impl Fn(&str) -> Option<OsString>,
    path: Option<OsString>,
    locations: &[PathBuf],
) -> Result<PathBuf, LaunchError> {
    for name in ENV_VARS {
        if let Some(value) = var(name).filter(|v| !v.is_empty()) {
            let candidate = PathBuf::from(&value);
            return if is_executable(&candidate) {
                Ok(candidate)
            } else {
                Err(LaunchError(format!(
                    "{name}={} is not an executable file",
                    candidate.display()
                )))
            };
        }
    }
    let on_path = path
        .iter()
        .flat_map(std::env::split_paths)
        .collect::<Vec<_>>();
    let from_path = NAMES
        .iter()
        .flat_map(|name| on_path.iter().map(move |dir| dir.join(name)));
    from_path
        .chain(locations.iter().cloned())
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| {
            LaunchError(
                "no Chromium or Chrome found (looked at $SAMTYKKE_CHROME, $CHROME, chromium, \
                 chromium-browser, google-chrome on PATH and the usual install locations); \
                 install one (apt install chromium) or set SAMTYKKE_CHROME to its path"
                    .to_owned(),
            )
        })
}

/// The browser this machine has: `$SAMTYKKE_CHROME`, `$CHROME`, then `PATH`, then
/// [`LOCATIONS`].
pub fn executable() -> Result<PathBuf, LaunchError> {
    let locations: Vec<PathBuf> = LOCATIONS.iter().map(PathBuf::from).collect();
    search(
        |name| std::env::var_os(name),
        std::env::var_os("PATH"),
        &locations,
    )
}

/// A running Chromium with a profile of its own and a DevTools connection, closed, reaped and
/// its profile removed when this is dropped.
pub struct Chromium {
    child: Child,
    connection: Option<Connection>,
    version: String,
    _profile: tempfile::TempDir,
}

impl Chromium {
    pub fn launch() -> Result<Chromium, LaunchError> {
        Chromium::launch_with(&[])
    }

    /// With flags beyond [`FLAGS`], such as `--host-resolver-rules` that map test host names
    /// to 127.0.0.1.
    pub fn launch_with(extra: &[String]) -> Result<Chromium, LaunchError> {
        let path = executable()?;
        let profile = tempfile::tempdir().map_err(|e| LaunchError(e.to_string()))?;
        let mut child = Command::new(&path)
            .args(FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| LaunchError(format!("{}: {e}", path.display())))?;
        let ws_url = match child.stderr.take() {
            Some(stderr) => devtools_url(stderr),
            None => Err("no stderr".to_owned()),
        };
        let connected = ws_url.and_then(|url| Connection::connect(&url));
        let connection = match connected {
            Ok(connection) => connection,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(LaunchError(format!("{}: {e}", path.display())));
            }
        };
        let version = connection
            .wire()
            .call(None, "Browser.getVersion", json!({}))
            .ok()
            .and_then(|v| v.get("product").and_then(|p| p.as_str()).map(str::to_owned))
            .map_or_else(|| "Chromium".to_owned(), |p| p.replace('/', " "));
        Ok(Chromium {
            child,
            connection: Some(connection),
            version,
            _profile: profile,
        })
    }

    /// The browser-wide DevTools connection.
    pub fn wire(&self) -> &Arc<Wire> {
        match &self.connection {
            Some(connection) => connection.wire(),
            None => unreachable!("the connection lives until drop"),
        }
    }

    /// `Chrome 131.0.6778.85`, or `Chromium` if the browser did not say.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// A new tab in a fresh browser context (its own cookies and storage).
    pub fn new_tab(&self) -> Result<Tab, crate::cdp::CdpError> {
        Tab::open(self.wire())
    }
}

/// Reads Chromium's stderr until the DevTools line, then keeps draining it on a thread (a full
/// pipe would stall the browser).
fn devtools_url(stderr: std::process::ChildStderr) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut said = Vec::new();
        let mut sent = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if sent {
                continue;
            }
            if let Some(i) = line.find("ws://") {
                if line.contains("DevTools listening on") {
                    let _ = tx.send(Ok(line[i..].trim().to_owned()));
                    sent = true;
                    continue;
                }
            }
            said.push(line);
        }
        if !sent {
            let tail: Vec<String> = said.into_iter().rev().take(3).collect();
            let _ = tx.send(Err(format!(
                "exited before it listened for DevTools ({})",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            )));
        }
    });
    let started = Instant::now();
    rx.recv_timeout(START_TIMEOUT).unwrap_or_else(|_| {
        Err(format!(
            "no DevTools address within {} s",
            started.elapsed().as_secs()
        ))
    })
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // Asked to close, the browser ends its own helper processes; killed, it may not.
        if let Some(connection) = &self.connection {
            connection.wire().send(None, "Browser.close", json!({}));
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader thread ends now that the socket is gone.
        self.connection.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fake(dir: &Path, name: &str, executable: bool) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(dir)).expect("dir");
        std::fs::write(&path, "#!/bin/sh\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = if executable { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        path
    }

    fn run(
        vars: &[(&str, &Path)],
        path: &[&Path],
        locations: &[PathBuf],
    ) -> Result<PathBuf, LaunchError> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.as_os_str().to_owned()))
            .collect();
        let path = std::env::join_paths(path).expect("PATH");
        search(|name| vars.get(name).cloned(), Some(path), locations)
    }

    #[test]
    fn the_search_order_is_variables_then_path_then_install_locations() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (a, b, opt) = (
            tmp.path().join("a"),
            tmp.path().join("b"),
            tmp.path().join("opt"),
        );
        let chrome_b = fake(&b, "google-chrome", true);
        let chromium_b = fake(&b, "chromium", true);
        let chromium_a = fake(&a, "chromium", true);
        let installed = fake(&opt, "chrome/chrome", true);
        let named = fake(tmp.path(), "my-chrome", true);
        let other = fake(tmp.path(), "other-chrome", true);
        let locations = vec![opt.join("missing"), installed.clone()];

        // A variable wins, SAMTYKKE_CHROME before CHROME.
        assert_eq!(
            run(
                &[("SAMTYKKE_CHROME", &named), ("CHROME", &other)],
                &[&a],
                &locations
            )
            .ok(),
            Some(named.clone())
        );
        assert_eq!(
            run(&[("CHROME", &other)], &[&a], &locations).ok(),
            Some(other)
        );
        // Then the names in order, each through PATH in order: `chromium` in a before b.
        assert_eq!(
            run(&[], &[&a, &b], &locations).ok(),
            Some(chromium_a.clone())
        );
        assert_eq!(run(&[], &[&b, &a], &locations).ok(), Some(chromium_b));
        // `chromium` anywhere on PATH before `google-chrome`.
        std::fs::remove_file(&chromium_a).expect("rm");
        assert_eq!(run(&[], &[&b], &locations).ok(), Some(b.join("chromium")));
        std::fs::remove_file(b.join("chromium")).expect("rm");
        assert_eq!(run(&[], &[&b], &locations).ok(), Some(chrome_b.clone()));
        // Nothing on PATH: the first install location that exists.
        std::fs::remove_file(&chrome_b).expect("rm");
        assert_eq!(run(&[], &[&a, &b], &locations).ok(), Some(installed));
    }

    #[test]
    fn a_file_that_cannot_run_is_skipped_and_a_wrong_variable_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let bin = tmp.path().join("bin");
        fake(&bin, "chromium", false);
        let chrome = fake(&bin, "google-chrome", true);
        assert_eq!(run(&[], &[&bin], &[]).ok(), Some(chrome));

        let missing = tmp.path().join("nowhere/chrome");
        let error = run(&[("SAMTYKKE_CHROME", &missing)], &[&bin], &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("SAMTYKKE_CHROME=") && error.contains("not an executable"),
            "{error}"
        );
    }

    #[test]
    fn none_found_says_how_to_install_one() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let error = run(&[], &[tmp.path()], &[tmp.path().join("chromium")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("no Chromium or Chrome found")
                && error.contains("apt install chromium")
                && error.contains("SAMTYKKE_CHROME"),
            "{error}"
        );
        assert!(!error.contains('\n'), "one line: {error}");
    }
}
