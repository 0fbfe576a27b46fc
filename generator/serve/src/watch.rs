//! Watching `content/` and `themes/`, with a short debounce: an editor's save is often several
//! events (write, rename, chmod), and one rebuild should follow them.

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Quiet time after the last event before rebuilding.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

pub struct Watcher {
    _inner: RecommendedWatcher,
}

impl Watcher {
    /// Calls `rebuild` on a thread of its own after each burst of changes, with the files that
    /// changed. The thread ends when the watcher is dropped.
    pub fn start<F>(root: &Path, rebuild: F) -> std::io::Result<Watcher>
    where
        F: Fn(&[PathBuf]) + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Vec<PathBuf>>();
        let mut inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event {
                if relevant(&event) {
                    let _ = tx.send(event.paths);
                }
            }
        })
        .map_err(std::io::Error::other)?;
        for dir in ["content", "themes"] {
            inner
                .watch(&root.join(dir), RecursiveMode::Recursive)
                .map_err(std::io::Error::other)?;
        }
        std::thread::spawn(move || {
            while let Ok(mut changed) = rx.recv() {
                while let Ok(more) = rx.recv_timeout(DEBOUNCE) {
                    changed.extend(more);
                }
                changed.retain(|p| !is_scratch(p));
                changed.sort();
                changed.dedup();
                rebuild(&changed);
            }
        });
        Ok(Watcher { _inner: inner })
    }
}

fn relevant(event: &notify::Event) -> bool {
    !matches!(event.kind, EventKind::Access(_)) && event.paths.iter().any(|p| !is_scratch(p))
}

/// Editors' swap, backup and probe files: `.x.swp`, `x~`, `#x#`, vim's `4913`.
fn is_scratch(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_files_are_ignored() {
        for name in [
            ".personvern.md.swp",
            "personvern.md~",
            "#personvern.md#",
            "4913",
            ".goutputstream-X",
        ] {
            assert!(
                is_scratch(Path::new("content").join(name).as_path()),
                "{name}"
            );
        }
        assert!(!is_scratch(Path::new("content/personvern.md")));
        assert!(!is_scratch(Path::new("themes/hesbynett/static/style.css")));
    }
}
