//! `samtykke serve`: the site built into memory and served on 127.0.0.1, rebuilt when a file
//! under `content/` or `themes/` changes, with the browser reloaded by server-sent events.
//!
//! Serve mode adds one inline module script to every page (its hash goes into that page's CSP
//! through [`Options::extra_module`]); nothing else in the policy is loosened, and `dist/` is
//! never written. A failed rebuild keeps the last good pages and lays an overlay with the error
//! over them; the next good build takes it away.

pub mod http;
mod overlay;
mod reload;
mod watch;

use crate::http::{Files, Hook, Server};
use samtykke_site::build::BuildError;
use samtykke_site::model;
use samtykke_site::render::{self, Options, WidgetBundle};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub use reload::EVENTS_PATH;

/// What one build did, for the terminal.
#[derive(Debug, Clone)]
pub enum Outcome {
    Built {
        generation: u64,
        pages: usize,
        elapsed: Duration,
    },
    /// `message` is exactly what the overlay shows.
    Failed {
        generation: u64,
        message: String,
        elapsed: Duration,
    },
}

impl Outcome {
    pub fn elapsed(&self) -> Duration {
        match self {
            Outcome::Built { elapsed, .. } | Outcome::Failed { elapsed, .. } => *elapsed,
        }
    }
}

/// Told of every build, the first one included, with the files whose change started it.
pub type Reporter = Arc<dyn Fn(&Outcome, &[PathBuf]) + Send + Sync>;

/// A running `serve`: stops watching and serving when dropped.
pub struct Serve {
    // Dropped first: no rebuild starts once the server is going away.
    _watcher: watch::Watcher,
    state: Arc<reload::State>,
    server: Server,
}

impl Serve {
    /// Builds the site at `root`, serves it on 127.0.0.1:`port` (0 picks a free port) and starts
    /// watching. Only a directory without `content/` is an error: bad content is served as an
    /// overlay, never refused.
    pub fn start(
        root: &Path,
        port: u16,
        widget: Option<WidgetBundle>,
        report: Reporter,
    ) -> std::io::Result<Serve> {
        for dir in ["content", "themes"] {
            if !root.join(dir).is_dir() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "{} is not a directory; run serve in a site's root, or pass --root",
                        root.join(dir).display()
                    ),
                ));
            }
        }
        let files: Files = Arc::new(RwLock::new(BTreeMap::new()));
        let state = Arc::new(reload::State::new());
        let hook: Hook = {
            let state = Arc::clone(&state);
            let files = Arc::clone(&files);
            Arc::new(move |request: &crate::http::Request| {
                reload::answer(&state, request.url())
                    .or_else(|| overlay::answer(&state, &files, request.url()))
            })
        };
        let server = Server::start(Arc::clone(&files), port, Some(hook))?;
        let builder = Builder {
            root: root.to_path_buf(),
            options: Options {
                base_url: Some(server.url()),
                widget,
                ..Options::default()
            },
            files,
            state: Arc::clone(&state),
        };
        let first = builder.build();
        report(&first, &[]);
        let watcher = watch::Watcher::start(root, move |changed| {
            let outcome = builder.build();
            report(&outcome, changed);
        })?;
        Ok(Serve {
            _watcher: watcher,
            state,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The number of the last build, as the pages' live-reload script knows it.
    pub fn generation(&self) -> u64 {
        self.state.generation()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // Answers every waiting live-reload request, so their threads end.
        self.state.close();
    }
}

struct Builder {
    root: PathBuf,
    options: Options,
    files: Files,
    state: Arc<reload::State>,
}

impl Builder {
    /// Loads and renders into memory; on success the served files are swapped before the
    /// browsers are told, so a reload sees the new pages.
    fn build(&self) -> Outcome {
        let started = Instant::now();
        let generation = self.state.next_generation();
        let options = Options {
            extra_module: Some(reload::client_script(generation)),
            ..self.options.clone()
        };
        let result = model::load(&self.root)
            .map_err(BuildError::Content)
            .and_then(|site| render::render(&site, &options).map_err(BuildError::Render));
        match result {
            Ok(rendered) => {
                let pages = rendered.pages;
                if let Ok(mut files) = self.files.write() {
                    *files = rendered.files;
                }
                self.state.publish(generation, None);
                Outcome::Built {
                    generation,
                    pages,
                    elapsed: started.elapsed(),
                }
            }
            Err(error) => {
                let message = failure_message(&error);
                self.state.publish(generation, Some(message.clone()));
                Outcome::Failed {
                    generation,
                    message,
                    elapsed: started.elapsed(),
                }
            }
        }
    }
}

/// The terminal's and the overlay's text: rustc-style diagnostics and a closing line.
fn failure_message(error: &BuildError) -> String {
    match error {
        BuildError::Content(diagnostics) => {
            let n = diagnostics.len();
            format!(
                "{}error: the site was not rebuilt: {n} error{} in content/; still serving the last good build\n",
                diagnostics.to_plain_string(),
                if n == 1 { "" } else { "s" }
            )
        }
        other => format!(
            "error: {other}\nerror: the site was not rebuilt; still serving the last good build\n"
        ),
    }
}

/// The `serve` command: starts, says where, and serves until interrupted. `widget` is what
/// the binary chose (the embedded one, `--widget-dir`'s, or none for `--no-widget`).
pub fn run(root: &Path, port: u16, widget: Option<WidgetBundle>) -> std::process::ExitCode {
    if widget.is_none() {
        eprintln!("note: serving without the consent widget (--no-widget): the banner's buttons do nothing");
    }
    let shown_root = root.to_path_buf();
    let report: Reporter = Arc::new(move |outcome: &Outcome, changed: &[PathBuf]| {
        // Editors' and tools' temporary files are gone by now; what is left is what changed.
        let existing: Vec<PathBuf> = changed.iter().filter(|p| p.exists()).cloned().collect();
        let changed: Vec<PathBuf> = if existing.is_empty() {
            changed.to_vec()
        } else {
            existing
        }
        .iter()
        .map(|p| samtykke_site::diagnostics::display_path(&shown_root, p))
        .collect();
        let what = match changed.as_slice() {
            [] => String::new(),
            [one] => format!(" after a change to {}", one.display()),
            [first, rest @ ..] => format!(
                " after changes to {} and {} more",
                first.display(),
                rest.len()
            ),
        };
        match outcome {
            Outcome::Built { pages, elapsed, .. } => {
                println!("built {pages} pages in {} ms{what}", elapsed.as_millis());
            }
            Outcome::Failed {
                message, elapsed, ..
            } => {
                eprint!("{message}");
                eprintln!(
                    "(build took {} ms{what}; the pages show this until the file is fixed)",
                    elapsed.as_millis()
                );
            }
        }
    });
    match Serve::start(root, port, widget, report) {
        Ok(serve) => {
            println!(
                "serving {}/ on 127.0.0.1 only; watching {} and {}; press Ctrl-C to stop",
                serve.url(),
                root.join("content").display(),
                root.join("themes").display()
            );
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("error: cannot serve: {e}");
            if e.kind() == std::io::ErrorKind::AddrInUse || e.to_string().contains("in use") {
                eprintln!(
                    "  help: another program uses port {port}; pass --port 0 for any free port"
                );
            }
            std::process::ExitCode::FAILURE
        }
    }
}
