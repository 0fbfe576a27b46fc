//! Writing the site so that a failed or killed build never leaves a half-written or missing
//! output directory: write everything next to it, then swap.
//!
//! The swap, in order:
//! 1. take an exclusive lock on `.<name>.lock` beside the output. Concurrent builds into one
//!    output wait for each other (serialised, not refused): each build is short, and a second
//!    editor saving twice should get the newer site, not an error. The lock file stays; removing
//!    it would let two builds lock two different files. The kernel drops the lock when a build
//!    dies, so a killed build never blocks the next one.
//! 2. remove staging folders (`.<name>.new-*`, `.<name>.old-*`) that killed builds left. Only
//!    the lock holder writes them, so while we hold the lock every such folder is stale.
//! 3. write the new tree into `.<name>.new-<pid>-<time>`.
//! 4. swap it with the output in one step: `renameat2(RENAME_EXCHANGE)` on Linux, so `<name>`
//!    always names a whole tree, old or new. Elsewhere, and on a file system that refuses the
//!    flag (EINVAL, ENOSYS), the fallback is two renames (output → `.old-`, staging → output),
//!    which leaves a short moment with no output directory; a build killed in that moment
//!    leaves the old tree in `.<name>.old-*` and the next build replaces it. The first build,
//!    with no old output, renames without replacing.
//! 5. release the lock and remove the old tree (after an exchange it sits under the staging
//!    name). `samtykke build` leaves that to a background process once it has reported, as
//!    removing a large tree takes as long as writing it. A failure here is never a failed
//!    build: the new site is already in place, and the next build removes the leftover as in
//!    step 2 (tolerating a background removal that is still at work on it).
//!
//! [`Staging`] lets a build write each file as soon as it is rendered (steps 1–3 at its start,
//! 4–5 at [`Staging::commit`]); [`write_atomically`] does all five for a tree in memory.
//!
//! `SAMTYKKE_FAILPOINT=after-stage|between-renames|after-exchange` aborts the process at that
//! step and `SAMTYKKE_NO_EXCHANGE=1` forces the fallback: tests/output_swap.rs kills real builds
//! with them. Neither does anything unless set.

use rayon::prelude::*;
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

/// What a successful write has to tell the editor although the site is in place.
#[derive(Debug, Default)]
pub struct Written {
    /// Leftovers that could not be removed (the old tree, stale staging folders).
    pub warnings: Vec<String>,
}

/// Replaces `out` with exactly `files` (relative `/`-separated paths → bytes), and removes the
/// old tree before returning.
///
/// See the module comment for the order of steps and what a reader or a killed build sees.
pub fn write_atomically(
    out: &Path,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Written, OutputError> {
    let staging = Staging::begin(out)?;
    let started = std::time::Instant::now();
    // The same writes a streaming build makes, on every core; the first failure in the map's
    // order is the one reported.
    let files: Vec<(&String, &Vec<u8>)> = files.iter().collect();
    first_error(
        files
            .par_iter()
            .map(|(path, bytes)| staging.write(path, bytes)),
    )?;
    crate::phases::phase("write", started);
    Ok(staging.commit()?.remove_old())
}

/// A new output tree being written beside `out` (steps 1–3 of the module comment), for a build
/// that writes each file as soon as it is made rather than holding the whole site in memory.
/// Dropped without [`Staging::commit`] (an error, a panic), it removes what it wrote and `out`
/// is untouched.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    retired: PathBuf,
    warnings: Vec<String>,
    committed: bool,
    // Last, so that it is released after the fields above are dropped.
    _lock: lock::Lock,
}

impl Staging {
    /// Takes the lock, removes dead builds' leftovers and makes the empty staging folder.
    pub fn begin(out: &Path) -> Result<Staging, OutputError> {
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
        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = lock::exclusive(&lock_path).map_err(io_at(&lock_path))?;
        // Checked again under the lock: another build may have changed `out` while we waited.
        guard(out)?;

        let mut warnings = Vec::new();
        remove_stale(&parent, &name, &mut warnings);
        let stamp = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let dir = parent.join(format!(".{name}.new-{stamp}"));
        std::fs::create_dir(&dir).map_err(io_at(&dir))?;
        Ok(Staging {
            out: out.to_path_buf(),
            retired: parent.join(format!(".{name}.old-{stamp}")),
            dir,
            warnings,
            committed: false,
            _lock: lock,
        })
    }

    /// The folder being written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one file (a relative `/`-separated path), making its folders. Safe to call from
    /// several threads at once.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = inside(&self.dir, relative)?;
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(io_at(folder))?;
        }
        std::fs::write(&path, bytes).map_err(|e| OutputError::Io(path, e))
    }

    /// Puts the staged tree at `out` in one step (steps 4–5 of the module comment) and releases
    /// the lock. The old tree is left to the caller: [`Committed::remove_old`].
    pub fn commit(mut self) -> Result<Committed, OutputError> {
        failpoint("after-stage");
        let old = swap::replace(&self.dir, &self.out, &self.retired)
            .map_err(|e| OutputError::Io(self.out.clone(), e))?;
        self.committed = true;
        failpoint("after-exchange");
        Ok(Committed {
            out: self.out.clone(),
            old,
            warnings: std::mem::take(&mut self.warnings),
        })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = remove_tree(&self.dir);
        }
    }
}

/// The new tree is in place; the old one, if there was one, sits beside it under a staging
/// name until it is removed (or, if nobody does, the next build removes it as a leftover).
#[derive(Debug)]
pub struct Committed {
    out: PathBuf,
    old: Option<PathBuf>,
    warnings: Vec<String>,
}

impl Committed {
    /// Where the old tree is now, for a caller that removes it later ([`remove_old_tree`]).
    pub fn old_tree(&self) -> Option<&Path> {
        self.old.as_deref()
    }

    /// What there is to tell the editor so far (leftovers of dead builds that stayed).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Removes the old tree now. A tree that cannot be removed is a warning: the site is in place.
    pub fn remove_old(mut self) -> Written {
        let started = std::time::Instant::now();
        if let Some(old) = self.old.take() {
            if let Err(e) = remove_tree(&old) {
                self.warnings.push(format!(
                    "the new site is in {}, but the old one could not be removed from {}: {e}; the next build retries",
                    self.out.display(),
                    old.display()
                ));
            }
        }
        crate::phases::phase("delete", started);
        Written {
            warnings: self.warnings,
        }
    }
}

/// Removes an old output tree that [`Committed::old_tree`] named, for a caller that does so
/// after it has reported (`samtykke build` hands it to a background process). Refuses any
/// folder that is not a staging folder beside an output's lock file, so it cannot be turned
/// into a general `rm -rf`.
pub fn remove_old_tree(old: &Path) -> io::Result<()> {
    let refuse = |why: &str| io::Error::other(format!("{}: {why}", old.display()));
    let name = old
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| refuse("not a staging folder"))?;
    let output = name
        .strip_prefix('.')
        .and_then(|rest| {
            rest.split_once(".new-")
                .or_else(|| rest.split_once(".old-"))
        })
        .map(|(output, _)| output)
        .filter(|output| !output.is_empty())
        .ok_or_else(|| refuse("not a staging folder"))?;
    let parent = old.parent().unwrap_or(Path::new("."));
    if !parent.join(format!(".{output}.lock")).is_file() {
        return Err(refuse("no output lock file beside it"));
    }
    match std::fs::symlink_metadata(old) {
        Ok(meta) if meta.is_dir() => remove_tree(old),
        Ok(_) => Err(refuse("not a folder")),
        // Removed already (by the next build, as a leftover).
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// `root` joined with a relative `/`-separated output path that stays inside it.
fn inside(root: &Path, relative: &str) -> Result<PathBuf, OutputError> {
    if relative
        .split('/')
        .any(|part| part == ".." || part == "." || part.is_empty())
    {
        return Err(OutputError::Refused(
            root.join(relative),
            "the path leaves the output directory",
        ));
    }
    Ok(root.join(relative))
}

/// Aborts the process at a named step when `SAMTYKKE_FAILPOINT` names it, so the crash tests can
/// kill a real build at each step of the swap. Unset (always, outside those tests) it does nothing.
fn failpoint(step: &str) {
    if std::env::var_os("SAMTYKKE_FAILPOINT").is_some_and(|v| v == step) {
        std::process::abort();
    }
}

/// Removes the staging folders of `name` that dead builds left in `parent`. Called under the
/// lock, so none of them belongs to a running build.
fn remove_stale(parent: &Path, name: &str, warnings: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}.new-"), format!(".{name}.old-")];
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if !prefixes.iter().any(|p| file_name.starts_with(p.as_str())) {
            continue;
        }
        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(t) if t.is_dir() => remove_tree(&path),
            _ => std::fs::remove_file(&path),
        };
        if let Err(e) = removed {
            warnings.push(format!(
                "cannot remove {} that an earlier build left: {e}",
                path.display()
            ));
        }
    }
}

#[cfg(unix)]
mod lock {
    use std::fs::File;
    use std::io;
    use std::path::Path;

    /// Held for the whole write; `flock` locks go away with the file descriptor, also when the
    /// process is killed.
    pub struct Lock(#[allow(dead_code)] File);

    pub fn exclusive(path: &Path) -> io::Result<Lock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
        Ok(Lock(file))
    }
}

#[cfg(not(unix))]
mod lock {
    use std::io;
    use std::path::Path;

    /// No advisory lock off Unix: concurrent builds into one output are not serialised there.
    pub struct Lock;

    pub fn exclusive(_path: &Path) -> io::Result<Lock> {
        Ok(Lock)
    }
}

mod swap {
    use std::io;
    use std::path::{Path, PathBuf};

    /// Puts `staging` at `out`. Returns where the old tree now is, if there was one.
    pub fn replace(staging: &Path, out: &Path, retired: &Path) -> io::Result<Option<PathBuf>> {
        if !out.exists() {
            // The first build: nothing to keep whole.
            std::fs::rename(staging, out)?;
            return Ok(None);
        }
        match exchange(staging, out) {
            Ok(()) => return Ok(Some(staging.to_path_buf())),
            Err(e) if !unsupported(&e) => return Err(e),
            Err(_) => {}
        }
        // Fallback: two renames, with a moment in between where `out` does not exist.
        std::fs::rename(out, retired)?;
        super::failpoint("between-renames");
        if let Err(e) = std::fs::rename(staging, out) {
            // Put the old tree back rather than leave nothing.
            let _ = std::fs::rename(retired, out);
            return Err(e);
        }
        Ok(Some(retired.to_path_buf()))
    }

    /// The flag, or the call, is not available here: use the fallback.
    fn unsupported(e: &io::Error) -> bool {
        e.kind() == io::ErrorKind::Unsupported
            || matches!(e.raw_os_error(), Some(code) if code == EINVAL || code == ENOSYS)
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    const EINVAL: i32 = rustix::io::Errno::INVAL.raw_os_error();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const ENOSYS: i32 = rustix::io::Errno::NOSYS.raw_os_error();
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const EINVAL: i32 = i32::MIN;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const ENOSYS: i32 = i32::MIN;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn exchange(a: &Path, b: &Path) -> io::Result<()> {
        if std::env::var_os("SAMTYKKE_NO_EXCHANGE").is_some() {
            // Lets the tests run the fallback on a file system that has the exchange.
            return Err(io::Error::from(io::ErrorKind::Unsupported));
        }
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
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

/// Runs every step, then reports the first failure in the steps' order (not whichever thread
/// failed first), so the same broken tree gives the same message each time.
fn first_error(
    steps: impl IndexedParallelIterator<Item = Result<(), OutputError>>,
) -> Result<(), OutputError> {
    let results: Vec<Result<(), OutputError>> = steps.collect();
    results.into_iter().collect()
}

/// Removes the tree at `dir` on every core, level by level: on a rebuild the old tree has as
/// many files as the new one, and removing them one by one took longer than writing them.
/// Symlinks are removed, never followed. Whatever is already gone counts as removed: the next
/// build may clear a leftover while the background removal of `samtykke build` still runs.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let gone = |r: io::Result<()>| match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    };
    let mut levels = vec![vec![dir.to_path_buf()]];
    while let Some(level) = levels.last() {
        // Each folder's files go now; its subfolders make the next level.
        let found: Vec<io::Result<Vec<PathBuf>>> = level
            .par_iter()
            .map(|folder| {
                let mut subfolders = Vec::new();
                let entries = match std::fs::read_dir(folder) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(subfolders),
                    other => other?,
                };
                for entry in entries {
                    let entry = match entry {
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        other => other?,
                    };
                    match entry.file_type() {
                        Ok(t) if t.is_dir() => subfolders.push(entry.path()),
                        Ok(_) => gone(std::fs::remove_file(entry.path()))?,
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(subfolders)
            })
            .collect();
        let next: Vec<PathBuf> = found
            .into_iter()
            .collect::<io::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        if next.is_empty() {
            break;
        }
        levels.push(next);
    }
    // Deepest first, so each folder is empty when it goes.
    for level in levels.iter().rev() {
        level
            .par_iter()
            .try_for_each(|folder| gone(std::fs::remove_dir(folder)))?;
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

    /// Staging or retired folders beside the output (the lock file is meant to stay).
    fn leftovers(parent: &Path) -> Vec<String> {
        std::fs::read_dir(parent)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".new-") || n.contains(".old-"))
            .collect()
    }

    #[test]
    fn replaces_the_old_tree_entirely() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        write_atomically(&out, &files(&[("a/index.html", "1"), ("old.txt", "x")])).expect("first");
        let second = write_atomically(&out, &files(&[("a/index.html", "2")])).expect("second");
        assert!(second.warnings.is_empty(), "{:?}", second.warnings);
        assert_eq!(
            read_tree(&out).expect("read"),
            files(&[("a/index.html", "2")])
        );
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn the_old_tree_goes_whole_and_its_symlinks_are_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        let deep: Vec<(String, String)> = (0..40)
            .map(|i| (format!("p{i}/a/b/index.html"), format!("old {i}")))
            .chain([("index.html".to_owned(), "old".to_owned())])
            .collect();
        let deep: Vec<(&str, &str)> = deep.iter().map(|(p, b)| (p.as_str(), b.as_str())).collect();
        write_atomically(&out, &files(&deep)).expect("first");
        // Something outside the output, linked from inside the old tree: the link goes with the
        // tree, what it points at stays.
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).expect("mkdir");
        std::fs::write(outside.join("keep.txt"), "mine").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, out.join("p0/a/link")).expect("symlink");
        let second = write_atomically(&out, &files(&[("index.html", "new")])).expect("second");
        assert!(second.warnings.is_empty(), "{:?}", second.warnings);
        assert_eq!(
            read_tree(&out).expect("read"),
            files(&[("index.html", "new")])
        );
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
        assert_eq!(
            std::fs::read_to_string(outside.join("keep.txt"))
                .ok()
                .as_deref(),
            Some("mine")
        );
    }

    #[test]
    fn a_tree_that_is_gone_already_counts_as_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(remove_tree(&dir.path().join("gone")).is_ok());
        // A file is not a tree: its folder cannot be listed, and that is the error.
        std::fs::write(dir.path().join("file"), "x").expect("write");
        assert!(remove_tree(&dir.path().join("file")).is_err());
        assert!(dir.path().join("file").is_file());
    }

    #[test]
    fn stale_staging_folders_of_dead_builds_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        write_atomically(&out, &files(&[("index.html", "1")])).expect("first");
        // What a build killed while staging, and one killed after the swap, leave behind.
        for stale in [".dist.new-4242-1", ".dist.old-4243-2"] {
            std::fs::create_dir_all(dir.path().join(stale).join("sub")).expect("mkdir");
            std::fs::write(dir.path().join(stale).join("sub/page.html"), "x").expect("write");
        }
        // A file under such a name (nothing of ours makes one, but it is in our namespace),
        // and a link, which goes without what it points at.
        std::fs::write(dir.path().join(".dist.new-4244-3"), "x").expect("write");
        let target = dir.path().join("target");
        std::fs::create_dir(&target).expect("mkdir");
        std::fs::write(target.join("keep.txt"), "keep").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, dir.path().join(".dist.old-4245-4")).expect("link");
        // Another output's staging folder is not ours to remove.
        std::fs::create_dir(dir.path().join(".site.new-1-1")).expect("mkdir");
        let written = write_atomically(&out, &files(&[("index.html", "2")])).expect("second");
        assert_eq!(written.warnings, Vec::<String>::new());
        assert_eq!(leftovers(dir.path()), vec![".site.new-1-1".to_string()]);
        assert!(target.join("keep.txt").is_file());
        assert_eq!(
            read_tree(&out).expect("read"),
            files(&[("index.html", "2")])
        );
    }

    #[test]
    fn readers_never_see_the_output_missing_during_swaps() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        write_atomically(&out, &files(&[("index.html", "0")])).expect("first");
        let stop = AtomicBool::new(false);
        let (reads, misses) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    reads.fetch_add(1, Ordering::Relaxed);
                    if std::fs::read(out.join("index.html")).is_err() {
                        misses.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            for i in 1..=50 {
                let body = i.to_string();
                write_atomically(&out, &files(&[("index.html", &body)])).expect("swap");
            }
            // Keep swapping until the reader has had a fair share of the time.
            while reads.load(Ordering::Relaxed) < 1000 {
                write_atomically(&out, &files(&[("index.html", "x")])).expect("swap");
            }
            stop.store(true, Ordering::Relaxed);
        });
        assert_eq!(misses.load(Ordering::Relaxed), 0, "index.html was missing");
    }

    #[test]
    fn concurrent_writers_are_serialised_and_leave_one_whole_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        let trees: Vec<BTreeMap<String, Vec<u8>>> = (0..24)
            .map(|i| {
                let tag = format!("build {i}");
                (0..20)
                    .map(|f| (format!("d{}/f{f}.html", f % 3), tag.clone().into_bytes()))
                    .collect()
            })
            .collect();
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = trees
                .iter()
                .map(|tree| scope.spawn(|| write_atomically(&out, tree)))
                .collect();
            handles.into_iter().map(|h| h.join()).collect()
        });
        for result in results {
            let written = result.expect("no panic").expect("every build succeeds");
            assert!(written.warnings.is_empty(), "{:?}", written.warnings);
        }
        let final_tree = read_tree(&out).expect("read");
        assert!(
            trees.contains(&final_tree),
            "dist/ is exactly one build's tree, not a mix"
        );
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_write_failing_part_way_keeps_the_old_tree_byte_identical() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        let old = files(&[("index.html", "old"), ("a/b.html", "old b"), ("z.css", "z")]);
        write_atomically(&out, &old).expect("first");
        // `a` is written as a file, then `a/b.html` needs `a` to be a directory: the staging
        // write fails after some files are already on disk.
        let clash = files(&[("0.html", "new"), ("a", "file"), ("a/b.html", "new b")]);
        let err = write_atomically(&out, &clash).expect_err("the clash fails the write");
        assert!(matches!(err, OutputError::Io(..)), "{err}");
        // The message names the path that failed (`a`, in the staging folder) and the error.
        let message = err.to_string();
        assert!(message.contains(".dist.new-"), "{message}");
        assert!(
            message.contains(&format!("{}a: ", std::path::MAIN_SEPARATOR)),
            "{message}"
        );
        assert_eq!(read_tree(&out).expect("read"), old);
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
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
        let err = write_atomically(&out, &files(&[("../escape.html", "bad")]))
            .expect_err("a path outside the output is refused");
        // What the editor reads names the offending path and why.
        let message = err.to_string();
        assert!(message.starts_with("refusing to replace "), "{message}");
        assert!(message.contains("escape.html"), "{message}");
        assert!(
            message.ends_with(": the path leaves the output directory"),
            "{message}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("index.html"))
                .ok()
                .as_deref(),
            Some("old")
        );
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    /// Each marker alone is enough for the guard to refuse, and the directory is left alone.
    #[test]
    fn refuses_to_replace_a_source_tree_for_each_marker() {
        for (marker, is_dir) in [
            ("content", true),
            ("Cargo.toml", false),
            (".git", true),
            (".git", false), // a worktree's .git is a file
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let out = dir.path().join("site");
            std::fs::create_dir(&out).expect("mkdir");
            if is_dir {
                std::fs::create_dir(out.join(marker)).expect("mkdir marker");
            } else {
                std::fs::write(out.join(marker), "x").expect("write marker");
            }
            std::fs::write(out.join("keep.txt"), "mine").expect("write");
            let before = read_tree(&out).expect("read");
            let err = write_atomically(&out, &files(&[("index.html", "x")]));
            assert!(
                matches!(err, Err(OutputError::Refused(..))),
                "{marker} (dir: {is_dir}) must be refused: {err:?}"
            );
            assert_eq!(read_tree(&out).expect("read"), before, "{marker}");
            assert!(out.join(marker).exists());
        }
    }

    #[test]
    fn a_staged_build_puts_its_files_in_place_and_hands_over_the_old_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        write_atomically(&out, &files(&[("index.html", "old")])).expect("first");
        let staging = Staging::begin(&out).expect("begin");
        staging.write("index.html", b"new").expect("write");
        staging
            .write("a/b/c.css", b"c")
            .expect("write below new folders");
        assert!(matches!(
            staging.write("../x.html", b"x"),
            Err(OutputError::Refused(..))
        ));
        let mut committed = staging.commit().expect("commit");
        assert_eq!(committed.take_warnings(), Vec::<String>::new());
        assert_eq!(
            read_tree(&out).expect("read"),
            files(&[("a/b/c.css", "c"), ("index.html", "new")])
        );
        let old = committed.old_tree().expect("the old tree").to_path_buf();
        assert_eq!(
            std::fs::read_to_string(old.join("index.html"))
                .ok()
                .as_deref(),
            Some("old")
        );
        remove_old_tree(&old).expect("the old tree goes");
        assert!(!old.exists());
        remove_old_tree(&old).expect("already gone (a later build removed it) is fine");
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    /// `remove_old_tree` runs in a background process on a path it is handed: it must not
    /// become a general `rm -rf`.
    #[test]
    fn remove_old_tree_removes_nothing_but_a_staging_folder_beside_an_output_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        write_atomically(&out, &files(&[("index.html", "x")])).expect("build");
        let keep = |path: &Path| {
            std::fs::create_dir_all(path).expect("mkdir");
            std::fs::write(path.join("mine.txt"), "mine").expect("write");
        };
        let refused = |path: &Path, why: &str| {
            let err = remove_old_tree(path).expect_err("refused");
            assert!(err.to_string().ends_with(why), "{err}");
        };
        // Not named like a staging folder, or named for no output.
        for name in ["dist", "site", ".dist.lock.d", "..new-1"] {
            let path = dir.path().join(name);
            if name != "dist" {
                keep(&path);
            }
            refused(&path, "not a staging folder");
        }
        std::fs::write(dir.path().join("..lock"), "").expect("write");
        refused(&dir.path().join("..new-1"), "not a staging folder");
        // Named like one, but no output's lock file beside it.
        let stray = dir.path().join(".other.new-1");
        keep(&stray);
        refused(&stray, "no output lock file beside it");
        // Beside the lock, but a file or a link rather than a folder: the link's target stays.
        let file = dir.path().join(".dist.old-1");
        std::fs::write(&file, "x").expect("write");
        refused(&file, "not a folder");
        let target = dir.path().join("elsewhere");
        keep(&target);
        #[cfg(unix)]
        {
            let link = dir.path().join(".dist.old-2");
            std::os::unix::fs::symlink(&target, &link).expect("symlink");
            refused(&link, "not a folder");
        }
        // Already gone (the next build removed it as a leftover) is done; any other failure to
        // look at it is an error, here a name longer than a file name may be.
        assert!(remove_old_tree(&dir.path().join(".dist.old-3")).is_ok());
        let too_long = dir.path().join(format!(".dist.old-{}", "9".repeat(300)));
        assert!(remove_old_tree(&too_long).is_err());
        for path in [
            "site",
            ".dist.lock.d",
            "..new-1",
            ".other.new-1",
            "elsewhere",
        ] {
            assert!(dir.path().join(path).join("mine.txt").is_file(), "{path}");
        }
        assert!(file.is_file());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html"))
                .ok()
                .as_deref(),
            Some("x")
        );
    }

    #[test]
    fn refuses_to_replace_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dist");
        std::fs::write(&out, "not a dir").expect("write");
        let err = write_atomically(&out, &files(&[("index.html", "x")]));
        assert!(matches!(err, Err(OutputError::Refused(..))), "{err:?}");
        assert_eq!(
            std::fs::read_to_string(&out).ok().as_deref(),
            Some("not a dir")
        );
    }

    #[test]
    fn a_file_is_written_only_at_a_plain_path_inside_the_staging_folder() {
        let root = Path::new("/staging");
        for plain in ["index.html", "en/kontakt/index.html", "a.b/..c/d..e"] {
            assert_eq!(inside(root, plain).ok(), Some(root.join(plain)), "{plain}");
        }
        // Each kind of part that could leave the folder, or name it twice, on its own.
        for refused in ["../x", "a/../../x", "./x", "a/./x", "", "/x", "a//x", "a/"] {
            let e = inside(root, refused).expect_err(refused);
            assert!(
                e.to_string()
                    .contains("the path leaves the output directory"),
                "{refused}: {e}"
            );
        }
    }
}
