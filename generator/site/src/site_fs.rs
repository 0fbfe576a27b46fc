//! Reading the site's own files, and nothing else: every page, `site.toml`, `cookies.toml`, theme
//! template and theme static file is read through here.
//!
//! The rules, for a *folder* being read (`content/`, or the theme's `themes/<name>/`):
//! - **Inside only.** A file is read only if its real location, after every symbolic link is
//!   resolved, lies inside that folder. A symlinked *file* whose target stays inside is read like
//!   any other; one that leads out is an error naming the link, and none of the target's bytes are
//!   read, so none can be published or shown in an error excerpt. The folder and not the whole
//!   site, because a site's root also holds `.git/config` (with a CI token, on GitHub Actions) and
//!   `.env` files, which a page must never be able to publish.
//! - **Symlinked folders are not followed.** A walk that meets a symbolic link to a folder reports
//!   it as an error instead of entering it, so `ln -s / content/x` or `ln -s . content/loop` ends
//!   at once and never duplicates pages. Real folders cannot form cycles; a depth limit stops
//!   a pathologically deep tree.
//! - **Regular files only.** A FIFO, socket or device is an error, decided from metadata before
//!   anything is opened (opening a FIFO blocks; opening some devices has effects) and checked
//!   again on the open handle.
//! - **A size cap per file**, checked from metadata before reading and enforced while reading
//!   (`Read::take`), so a file that grows in between cannot get past it.
//!
//! The checks after opening (same file as the one checked, still inside the folder, per
//! `/proc/self/fd` on Linux) close the window between checking a path and opening it.

use std::collections::BTreeMap;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Largest page, `site.toml`, `cookies.toml` or template: 10 MB. Far above any real policy page,
/// and small enough that reading and rendering one stays a small multiple of it in memory.
pub const TEXT_LIMIT: u64 = 10 * 1024 * 1024;

/// Largest file in a theme's `static/` (images, fonts, CSS): 20 MB.
pub const STATIC_LIMIT: u64 = 20 * 1024 * 1024;

/// Deepest folder nesting a walk enters. Without symlinked folders a tree is finite; this only
/// bounds a tree that is absurdly deep.
const MAX_DEPTH: usize = 32;

/// Why a file was not read, with the path as the editor knows it.
#[derive(Debug)]
pub struct FsError {
    /// Relative to the site root where possible.
    pub path: PathBuf,
    pub problem: Problem,
}

#[derive(Debug)]
pub enum Problem {
    /// A symbolic link (or a path through one) whose target is outside `area`.
    Outside {
        area: String,
    },
    SymlinkedFolder,
    /// Not a regular file; the string says what it is instead.
    NotRegular(&'static str),
    TooLarge {
        limit: u64,
        size: Option<u64>,
    },
    TooDeep,
    /// The file was replaced between being checked and being opened.
    Changed,
    Io(io::Error),
}

impl FsError {
    /// What went wrong, without the path: for diagnostics that show the path themselves.
    pub fn message(&self) -> String {
        match &self.problem {
            Problem::Outside { area } => {
                format!("this is a symbolic link that leads outside {area}; it was not read")
            }
            Problem::SymlinkedFolder => {
                "this is a symbolic link to a folder; folders are not followed".to_owned()
            }
            Problem::NotRegular(what) => {
                format!("this is {what}, not a regular file; only regular files are read")
            }
            Problem::TooLarge { limit, size } => {
                let size = size.map_or(String::new(), |s| format!(" (it has {s} bytes)"));
                format!(
                    "the file is larger than the limit of {} per file{size}",
                    megabytes(*limit)
                )
            }
            Problem::TooDeep => format!("folders are nested more than {MAX_DEPTH} levels deep"),
            Problem::Changed => "the file changed while it was being read".to_owned(),
            Problem::Io(e) => format!("cannot read the file: {e}"),
        }
    }

    /// How to fix it, where there is something to say.
    pub fn help(&self) -> Option<String> {
        match &self.problem {
            Problem::Outside { area } => Some(format!(
                "copy the file into {area} instead of linking to it; symbolic links are followed only to files inside {area}"
            )),
            Problem::SymlinkedFolder => Some(
                "move or copy the folder here; a symbolic link to a single file inside the same folder tree is allowed".to_owned(),
            ),
            Problem::TooLarge { .. } => Some("split it into smaller files".to_owned()),
            Problem::Changed => Some("try again once the file is saved".to_owned()),
            _ => None,
        }
    }
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message())?;
        if let Some(help) = self.help() {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FsError {}

/// `10485760` → `10 MB`.
fn megabytes(bytes: u64) -> String {
    if bytes % (1024 * 1024) == 0 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// A folder of the site that files may be read from.
#[derive(Debug, Clone)]
pub struct Folder {
    /// As given, for walking and for the paths shown.
    dir: PathBuf,
    /// Resolved, for the "inside" check.
    real: PathBuf,
    /// Paths in messages are relative to this (the site root).
    shown_from: PathBuf,
    /// `content/`, `themes/hesbynett/`: what the messages call the folder.
    area: String,
}

impl Folder {
    /// `dir` must exist and resolve inside `root`, which paths in messages are relative to.
    pub fn new(root: &Path, dir: &Path) -> Result<Folder, FsError> {
        let shown = crate::diagnostics::display_path(root, dir);
        let area = if shown.as_os_str().is_empty() {
            format!("{}/", dir.display())
        } else {
            format!("{}/", shown.display())
        };
        let at = |problem| FsError {
            path: shown.clone(),
            problem,
        };
        let real_root = fs::canonicalize(root).map_err(|e| at(Problem::Io(e)))?;
        let real = fs::canonicalize(dir).map_err(|e| at(Problem::Io(e)))?;
        if !real.starts_with(&real_root) {
            return Err(at(Problem::Outside {
                area: "the site's folder".to_owned(),
            }));
        }
        if !real.is_dir() {
            return Err(at(Problem::Io(io::Error::other("not a folder"))));
        }
        Ok(Folder {
            dir: dir.to_path_buf(),
            real,
            shown_from: root.to_path_buf(),
            area,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path` as messages show it: relative to the site root.
    pub fn shown(&self, path: &Path) -> PathBuf {
        crate::diagnostics::display_path(&self.shown_from, path)
    }

    fn error(&self, path: &Path, problem: Problem) -> FsError {
        FsError {
            path: self.shown(path),
            problem,
        }
    }

    /// The bytes of the regular file at `path` (below this folder), at most `limit` of them.
    pub fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
        let fail = |problem| self.error(path, problem);
        let real = fs::canonicalize(path).map_err(|e| fail(Problem::Io(e)))?;
        if !real.starts_with(&self.real) {
            return Err(fail(Problem::Outside {
                area: self.area.clone(),
            }));
        }
        let checked = fs::metadata(&real).map_err(|e| fail(Problem::Io(e)))?;
        if let Some(what) = not_regular(&checked) {
            return Err(fail(Problem::NotRegular(what)));
        }
        if checked.len() > limit {
            return Err(fail(Problem::TooLarge {
                limit,
                size: Some(checked.len()),
            }));
        }
        let file = open_no_block(&real).map_err(|e| fail(Problem::Io(e)))?;
        let opened = file.metadata().map_err(|e| fail(Problem::Io(e)))?;
        if let Some(what) = not_regular(&opened) {
            return Err(fail(Problem::NotRegular(what)));
        }
        if !same_file(&checked, &opened) || !opened_inside(&file, &self.real) {
            return Err(fail(Problem::Changed));
        }
        // The length is a hint for the allocation only; `take` is the limit.
        let hint = usize::try_from(opened.len().min(limit)).unwrap_or(0);
        let mut bytes = Vec::with_capacity(hint);
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(Problem::Io(e)))?;
        if bytes.len() as u64 > limit {
            return Err(fail(Problem::TooLarge { limit, size: None }));
        }
        Ok(bytes)
    }

    /// Every file below `start` (this folder or a folder in it) for which `wanted` holds,
    /// sorted, and everything the walk refused. Symlinked folders are refused, not entered;
    /// symlinked and special files are listed, so that [`Folder::read`] reports them.
    pub fn walk(
        &self,
        start: &Path,
        wanted: impl Fn(&Path) -> bool,
    ) -> (Vec<PathBuf>, Vec<FsError>) {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        match fs::canonicalize(start) {
            Ok(real) if real.starts_with(&self.real) => {}
            Ok(_) => {
                errors.push(self.error(
                    start,
                    Problem::Outside {
                        area: self.area.clone(),
                    },
                ));
                return (files, errors);
            }
            Err(e) => {
                errors.push(self.error(start, Problem::Io(e)));
                return (files, errors);
            }
        }
        let mut stack = vec![(start.to_path_buf(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                errors.push(self.error(&dir, Problem::TooDeep));
                continue;
            }
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) => {
                    errors.push(self.error(&dir, Problem::Io(e)));
                    continue;
                }
            };
            for entry in entries {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        errors.push(self.error(&dir, Problem::Io(e)));
                        continue;
                    }
                };
                let path = entry.path();
                // `file_type` does not follow symbolic links.
                let kind = match entry.file_type() {
                    Ok(kind) => kind,
                    Err(e) => {
                        errors.push(self.error(&path, Problem::Io(e)));
                        continue;
                    }
                };
                if kind.is_dir() {
                    stack.push((path, depth + 1));
                } else if kind.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                    errors.push(self.error(&path, Problem::SymlinkedFolder));
                } else if wanted(&path) {
                    files.push(path);
                }
            }
        }
        files.sort();
        (files, errors)
    }

    /// Every file below `start`, keyed by its `/`-separated path relative to `start`, each at
    /// most `limit` bytes. Fails with every refusal if there is any, so nothing of a refused
    /// tree is used.
    pub fn read_tree(
        &self,
        start: &Path,
        limit: u64,
    ) -> Result<BTreeMap<String, Vec<u8>>, Vec<FsError>> {
        let (paths, mut errors) = self.walk(start, |_| true);
        let mut files = BTreeMap::new();
        for path in paths {
            match self.read(&path, limit) {
                Ok(bytes) => {
                    if let Ok(relative) = path.strip_prefix(start) {
                        files.insert(relative.to_string_lossy().replace('\\', "/"), bytes);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(files)
        } else {
            Err(errors)
        }
    }
}

/// What a non-regular file is, in words; `None` for a regular file.
fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
    }
    Some("a special file")
}

/// Opens for reading without blocking on a FIFO, becoming its controlling terminal or
/// following a symbolic link that replaced the checked file, should any of that swap in after
/// the checks.
fn open_no_block(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW);
    }
    options.open(path)
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    true
}

/// Where the open handle really points, when the system says (Linux's `/proc`): inside `real`.
#[cfg(target_os = "linux")]
fn opened_inside(file: &File, real: &Path) -> bool {
    use std::os::fd::AsRawFd;
    match fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        Ok(target) => target.starts_with(real),
        // Without /proc the checks on the path before opening stand.
        Err(_) => true,
    }
}

#[cfg(not(target_os = "linux"))]
fn opened_inside(_: &File, _: &Path) -> bool {
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn site() -> (tempfile::TempDir, Folder) {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(dir.path().join("content/sub")).expect("mkdir");
        fs::write(dir.path().join("content/a.md"), "inside").expect("write");
        fs::write(dir.path().join("secret.txt"), "outside").expect("write");
        let folder = Folder::new(dir.path(), &dir.path().join("content")).expect("folder");
        (dir, folder)
    }

    #[test]
    fn a_symlinked_file_inside_is_read_and_one_outside_is_not() {
        let (dir, folder) = site();
        let content = dir.path().join("content");
        symlink("../a.md", content.join("sub/b.md")).expect("link");
        symlink("../../secret.txt", content.join("sub/c.md")).expect("link");
        assert_eq!(
            folder.read(&content.join("sub/b.md"), 100).expect("inside"),
            b"inside"
        );
        let err = folder
            .read(&content.join("sub/c.md"), 100)
            .expect_err("outside");
        assert!(matches!(err.problem, Problem::Outside { .. }), "{err}");
        assert_eq!(err.path, Path::new("content/sub/c.md"));
        assert!(!err.to_string().contains("outside\n"), "{err}");
    }

    #[test]
    fn the_limit_is_checked_before_and_while_reading() {
        let (dir, folder) = site();
        let path = dir.path().join("content/a.md");
        let err = folder.read(&path, 3).expect_err("over the limit");
        assert!(
            matches!(
                err.problem,
                Problem::TooLarge {
                    limit: 3,
                    size: Some(6)
                }
            ),
            "{err}"
        );
        assert_eq!(folder.read(&path, 6).expect("at the limit"), b"inside");
    }

    #[test]
    fn a_fifo_is_refused_without_opening_it() {
        let (dir, folder) = site();
        let fifo = dir.path().join("content/pipe.md");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        let err = folder.read(&fifo, 100).expect_err("a FIFO");
        assert!(
            matches!(err.problem, Problem::NotRegular("a named pipe (FIFO)")),
            "{err}"
        );
    }

    #[test]
    fn walks_refuse_symlinked_folders_and_list_the_rest_once() {
        let (dir, folder) = site();
        let content = dir.path().join("content");
        symlink(".", content.join("loop")).expect("link");
        symlink("/", content.join("rootfs")).expect("link");
        symlink("../a.md", content.join("sub/b.md")).expect("link");
        let (files, errors) = folder.walk(&content, |p| p.extension().is_some_and(|e| e == "md"));
        assert_eq!(files, vec![content.join("a.md"), content.join("sub/b.md")]);
        let mut refused: Vec<_> = errors
            .iter()
            .map(|e| (e.path.display().to_string(), e.message()))
            .collect();
        refused.sort();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert_eq!(refused[0].0, "content/loop");
        assert_eq!(refused[1].0, "content/rootfs");
        assert!(refused.iter().all(|(_, m)| m.contains("not followed")));
    }

    #[test]
    fn a_folder_outside_the_site_is_refused() {
        let (dir, _) = site();
        let other = tempfile::tempdir().expect("tempdir");
        symlink(other.path(), dir.path().join("elsewhere")).expect("link");
        let err = Folder::new(dir.path(), &dir.path().join("elsewhere")).expect_err("outside");
        assert!(matches!(err.problem, Problem::Outside { .. }), "{err}");
    }
}
