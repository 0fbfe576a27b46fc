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
use samtykke_site::build::Error;
use samtykke_site::render::{Options, WidgetBundle};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tiny_http::ResponseBox;

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
    prefix: Arc<RwLock<String>>,
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
        let prefix = Arc::new(RwLock::new(String::new()));
        let hook: Hook = {
            let state = Arc::clone(&state);
            let files = Arc::clone(&files);
            let prefix = Arc::clone(&prefix);
            Arc::new(move |request: &crate::http::Request| {
                reload::answer(&state, request.url())
                    .or_else(|| to_prefix(&prefix, request.url()))
                    .or_else(|| overlay::answer(&state, &files, request.url()))
            })
        };
        let server = Server::start(Arc::clone(&files), port, Some(hook))?;
        let builder = Builder {
            root: root.to_path_buf(),
            server_url: server.url(),
            options: Options {
                widget,
                ..Options::default()
            },
            files,
            prefix: Arc::clone(&prefix),
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
            prefix,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The site's home: [`Serve::url`] below the path of the site's `base_url`, with a `/`.
    pub fn site_url(&self) -> String {
        let prefix = self.prefix.read().map(|p| p.clone()).unwrap_or_default();
        format!("{}{prefix}/", self.server.url())
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
    /// `http://127.0.0.1:PORT`: the pages are built for it, below the path of the site's own
    /// `base_url`, so a site published below a path is previewed as it will be published.
    server_url: String,
    options: Options,
    files: Files,
    /// The path of the last good build's `base_url` (`/samtykke`, or `""`).
    prefix: Arc<RwLock<String>>,
    state: Arc<reload::State>,
}

/// Below a path, the host's root has no page of the site: `/` leads to the site's home.
fn to_prefix(prefix: &RwLock<String>, url: &str) -> Option<ResponseBox> {
    let prefix = prefix.read().ok()?;
    if prefix.is_empty() || crate::http::request_path(url) != "/" {
        return None;
    }
    let mut redirect = tiny_http::Response::empty(tiny_http::StatusCode(302));
    let location = tiny_http::Header::from_bytes("Location", format!("{prefix}/")).ok()?;
    redirect.add_header(location);
    Some(redirect.boxed())
}

/// `files` moved below `prefix` (`samtykke/kontakt/index.html`). The 404 page stays at the
/// root as well, since every miss outside the prefix is answered with it.
fn below(prefix: &str, files: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    let dir = prefix.trim_start_matches('/');
    if dir.is_empty() {
        return files;
    }
    let not_found = files.get("404.html").cloned();
    let mut moved: BTreeMap<String, Vec<u8>> = files
        .into_iter()
        .map(|(path, bytes)| (format!("{dir}/{path}"), bytes))
        .collect();
    if let Some(page) = not_found {
        moved.insert("404.html".to_owned(), page);
    }
    moved
}

impl Builder {
    /// Loads and renders into memory; on success the served files are swapped before the
    /// browsers are told, so a reload sees the new pages.
    fn build(&self) -> Outcome {
        let started = Instant::now();
        let generation = self.state.next_generation();
        match self.render(generation) {
            Ok((prefix, rendered)) => {
                let pages = rendered.pages;
                if let Ok(mut files) = self.files.write() {
                    *files = below(&prefix, rendered.files);
                }
                if let Ok(mut current) = self.prefix.write() {
                    *current = prefix;
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

impl Builder {
    /// The site rendered for this server, below its `base_url`'s path, and that path.
    fn render(&self, generation: u64) -> Result<(String, samtykke_site::render::Rendered), Error> {
        let site = samtykke_site::model::load(&self.root)?;
        let prefix = samtykke_site::render::prefix::of_text(site.config.base_url.get_ref());
        let options = Options {
            base_url: Some(format!("{}{prefix}/", self.server_url)),
            extra_module: Some(reload::client_script(generation)),
            ..self.options.clone()
        };
        let rendered = samtykke_site::render::render(&site, &options)?;
        Ok((prefix, rendered))
    }
}

/// The terminal's and the overlay's text: rustc-style diagnostics and a closing line.
fn failure_message(error: &Error) -> String {
    match error {
        Error::Content(diagnostics) => {
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
