//! Writing the site so that a failed build never leaves a half-written output directory: write
//! everything next to it, then swap.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum OutputError {
    /// The output directory is not one we may replace.
    Refused(PathBuf, &'static str),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::Refused(path, why) => {
                write!(f, "refusing to replace {}: {why}", path.display())
            }
            OutputError::Io(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |e| OutputError::Io(path.to_path_buf(), e)
}

/// Replaces `out` with exactly `files` (relative `/`-separated paths → bytes).
///
/// The new tree is written into a sibling directory first and renamed into place, so readers
/// and a failed build see either the old tree or the new one.
pub fn write_atomically(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), OutputError> {
    guard(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_at(&parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or(OutputError::Refused(
            out.to_path_buf(),
            "it has no directory name",
        ))?;
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let staging = parent.join(format!(".{name}.new-{stamp}"));
    let retired = parent.join(format!(".{name}.old-{stamp}"));

    let written = write_tree(&staging, files);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if out.exists() {
        std::fs::rename(out, &retired).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            OutputError::Io(out.to_path_buf(), e)
        })?;
    }
    if let Err(e) = std::fs::rename(&staging, out) {
        // Put the old tree back rather than leave nothing.
        let _ = std::fs::rename(&retired, out);
        let _ = std::fs::remove_dir_all(&staging);
        return Err(OutputError::Io(out.to_path_buf(), e));
    }
    if retired.exists() {
        std::fs::remove_dir_all(&retired).map_err(io_at(&retired))?;
    }
    Ok(())
}

/// Every file below `dir`, keyed as [`write_atomically`] takes them: the inverse, for serving a
/// built directory. Read under `site_fs`'s rules (files inside `dir` only, no symlinked
/// folders, regular files of at most [`crate::site_fs::STATIC_LIMIT`] bytes), with the same
/// walker as the site's own files.
pub fn read_tree(dir: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    let refused = |errors: Vec<crate::site_fs::FsError>| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        io::Error::other(lines.join("\n"))
    };
    let folder = crate::site_fs::Folder::new(dir, dir).map_err(|e| refused(vec![e]))?;
    folder
        .read_tree(dir, crate::site_fs::STATIC_LIMIT)
        .map_err(refused)
}

fn write_tree(root: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), OutputError> {
    std::fs::create_dir_all(root).map_err(io_at(root))?;
    for (relative, bytes) in files {
        if relative
            .split('/')
            .any(|part| part == ".." || part.is_empty())
        {
            return Err(OutputError::Refused(
                root.join(relative),
                "the path leaves the output directory",
            ));
        }
        let path = root.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_at(dir))?;
        }
        std::fs::write(&path, bytes).map_err(io_at(&path))?;
    }
    Ok(())
}

/// An output directory holding the site's sources, or a file, is never replaced.
fn guard(out: &Path) -> Result<(), OutputError> {
    if out.exists() && !out.is_dir() {
        return Err(OutputError::Refused(
            out.to_path_buf(),
            "it is a file, not a directory",
        ));
    }
    for marker in ["content", "Cargo.toml", ".git"] {
        if out.join(marker).exists() {
            return Err(OutputError::Refused(
                out.to_path_buf(),
                "it holds sources (content/, Cargo.toml or .git); choose an output directory of its own",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn replaces_the_old_tree_entirely() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        write_atomically(&out, &files(&[("a/index.html", "1"), ("old.txt", "x")])).expect("first");
        write_atomically(&out, &files(&[("a/index.html", "2")])).expect("second");
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html"))
                .ok()
                .as_deref(),
            Some("2")
        );
        assert!(!out.join("old.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no staging or retired directories remain"
        );
    }

    #[test]
    fn read_tree_reads_back_what_was_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        let written = files(&[
            ("index.html", "a"),
            ("kontakt/index.html", "b"),
            ("x/y/z.css", "c"),
        ]);
        write_atomically(&out, &written).expect("write");
        assert_eq!(read_tree(&out).expect("read"), written);
    }

    #[test]
    fn a_failed_write_keeps_the_old_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        write_atomically(&out, &files(&[("index.html", "old")])).expect("first");
        let err = write_atomically(&out, &files(&[("../escape.html", "bad")]));
        assert!(err.is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html"))
                .ok()
                .as_deref(),
            Some("old")
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    fn refuses_to_replace_a_source_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("content")).expect("mkdir");
        let err = write_atomically(dir.path(), &files(&[("index.html", "x")]));
        assert!(matches!(err, Err(OutputError::Refused(..))));
        assert!(dir.path().join("content").exists());
    }
}
