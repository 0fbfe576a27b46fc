//! The output swap under a real `samtykke build`: killed at each step, run 20 at a time, and
//! with the old tree impossible to delete. `dist/` must always be one whole build, old or new,
//! byte for byte, and nothing may be left beside it once a later build has run.
//!
//! Builds are killed with the failpoints in `output.rs` (`SAMTYKKE_FAILPOINT=<step>` aborts
//! the process at that step); `SAMTYKKE_NO_EXCHANGE` forces the two-rename fallback.

mod common;

use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

type Tree = Vec<(PathBuf, Vec<u8>)>;

const OLD: &str = "https://old.example";
const NEW: &str = "https://new.example";

fn build(root: &Path, base: &str, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .arg("--root")
        .arg(root)
        .args(["build", "--no-widget", "--base-url", base])
        .envs(env.iter().copied())
        .output()
        .expect("run samtykke")
}

fn ok(output: &Output) {
    assert!(
        output.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn tree(dir: &Path) -> Tree {
    let mut files = common::snapshot(dir);
    files.sort();
    files
}

/// The site, and what a whole old build and a whole new build of it hold.
fn site() -> (tempfile::TempDir, Tree, Tree) {
    let site = common::site_with(&[]);
    ok(&build(site.path(), NEW, &[]));
    let new = tree(&site.path().join("dist"));
    ok(&build(site.path(), OLD, &[]));
    let old = tree(&site.path().join("dist"));
    assert_ne!(old, new, "the two builds differ, so a mix would show");
    (site, old, new)
}

/// Staging and retired folders beside `dist/`.
fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".dist.new-") || n.starts_with(".dist.old-"))
        .collect()
}

/// Waits until no staging or old tree is left beside `dist/`: `samtykke build` removes the old
/// tree in a background process after it has reported. Fails with what is left after 60 s.
fn no_leftovers_soon(root: &Path, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let left = leftovers(root);
        if left.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: still left after 60 s: {left:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Builds NEW over OLD, killed at `step`; checks what is left, then that the next build
/// recovers completely.
fn killed_at(step: &str, fallback: bool, expect: impl Fn(&Path, &Tree, &Tree)) {
    let (site, old, new) = site();
    let mut env = vec![("SAMTYKKE_FAILPOINT", step)];
    if fallback {
        env.push(("SAMTYKKE_NO_EXCHANGE", "1"));
    }
    let killed = build(site.path(), NEW, &env);
    assert_eq!(
        killed.status.signal(),
        Some(6),
        "{step}: the build aborts there ({:?}, {})",
        killed.status,
        String::from_utf8_lossy(&killed.stderr)
    );
    expect(site.path(), &old, &new);

    let next = build(site.path(), NEW, &[]);
    ok(&next);
    assert_eq!(tree(&site.path().join("dist")), new, "{step}: recovered");
    no_leftovers_soon(site.path(), step);
    assert!(
        !String::from_utf8_lossy(&next.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
}

#[test]
fn killed_after_staging_the_old_tree_stays_whole() {
    for fallback in [false, true] {
        killed_at("after-stage", fallback, |root, old, _| {
            assert_eq!(&tree(&root.join("dist")), old);
            assert_eq!(leftovers(root).len(), 1, "the staged tree is left");
        });
    }
}

#[test]
fn killed_after_the_exchange_the_new_tree_is_whole() {
    for fallback in [false, true] {
        killed_at("after-exchange", fallback, |root, old, new| {
            assert_eq!(&tree(&root.join("dist")), new);
            let left = leftovers(root);
            assert_eq!(left.len(), 1, "the old tree is left: {left:?}");
            assert_eq!(&tree(&root.join(&left[0])), old);
        });
    }
}

/// The fallback's documented gap: between its two renames there is no `dist/`, but the old
/// tree is whole beside it and the next build puts a whole tree back.
#[test]
fn killed_between_the_fallbacks_renames_nothing_is_mixed() {
    killed_at("between-renames", true, |root, old, _| {
        assert!(!root.join("dist").exists());
        let left: Vec<String> = leftovers(root)
            .into_iter()
            .filter(|n| n.starts_with(".dist.old-"))
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(&tree(&root.join(&left[0])), old);
    });
}

/// With the exchange, the step between the renames does not exist: the failpoint is never
/// reached and the build completes.
#[test]
fn the_exchange_has_no_moment_without_dist() {
    let (site, _, new) = site();
    ok(&build(
        site.path(),
        NEW,
        &[("SAMTYKKE_FAILPOINT", "between-renames")],
    ));
    assert_eq!(tree(&site.path().join("dist")), new);
}

#[test]
fn twenty_concurrent_builds_all_succeed_and_leave_one_whole_tree() {
    let (site, old, new) = site();
    let children: Vec<_> = (0..20)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_samtykke"))
                .arg("--root")
                .arg(site.path())
                .args(["build", "--no-widget", "--base-url"])
                .arg(if i % 2 == 0 { OLD } else { NEW })
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        ok(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("warning"), "{stderr}");
    }
    let dist = tree(&site.path().join("dist"));
    assert!(dist == old || dist == new, "dist/ is one whole build");
    no_leftovers_soon(site.path(), "twenty builds");
}

/// The build returns before the old tree is gone (a background process removes it), and the
/// old tree does go: a rebuild does not wait for the removal, and leaves nothing behind.
#[test]
fn the_old_tree_is_removed_after_the_build_has_returned() {
    let (site, _, new) = site();
    let out = build(site.path(), NEW, &[]);
    ok(&out);
    assert_eq!(tree(&site.path().join("dist")), new);
    no_leftovers_soon(site.path(), "rebuild");

    // The background half refuses anything but an output's staging folder beside its lock.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let victim = elsewhere.path().join(".dist.new-1-2");
    std::fs::create_dir_all(victim.join("keep")).expect("mkdir");
    for path in [victim.clone(), site.path().join("content")] {
        let refused = Command::new(env!("CARGO_BIN_EXE_samtykke"))
            .arg("__remove-old-tree")
            .arg(&path)
            .output()
            .expect("run");
        assert_eq!(refused.status.code(), Some(1), "{}", path.display());
        assert!(path.exists(), "{} is kept", path.display());
    }
}

/// A build of NEW under strace, with every `renameat2` (only the exchange uses it; the other
/// renames are `rename`) failing with `errno`.
fn build_with_exchange_failing(root: &Path, errno: &str) -> Output {
    build_under_strace(root, "renameat2", &format!("renameat2:error={errno}"))
}

/// A build of NEW under `strace -f`, tracing the system calls `trace` and injecting `inject`.
fn build_under_strace(root: &Path, trace: &str, inject: &str) -> Output {
    let build: [&OsStr; 6] = [
        "--root".as_ref(),
        root.as_os_str(),
        "build".as_ref(),
        "--no-widget".as_ref(),
        "--base-url".as_ref(),
        NEW.as_ref(),
    ];
    under_strace(None, trace, inject, &build)
}

/// `samtykke ARGS` under `strace -f` (which follows, and waits for, any process it starts),
/// tracing the system calls `trace` and injecting `inject`; with `only`, only in calls that
/// use that path (`-P`).
fn under_strace(only: Option<&Path>, trace: &str, inject: &str, args: &[&OsStr]) -> Output {
    let mut strace = Command::new("strace");
    strace.args(["-f", "-o", "/dev/null"]);
    if let Some(path) = only {
        strace.arg("-P").arg(path);
    }
    strace
        .arg("-e")
        .arg(format!("trace={trace}"))
        .arg("-e")
        .arg(format!("inject={inject}"))
        .arg(env!("CARGO_BIN_EXE_samtykke"))
        .args(args)
        .output()
        .expect("run strace")
}

/// The exchange failing for a reason two renames would not fix (EXDEV, EPERM) is a failed build
/// that leaves the old tree; a kernel or file system without it (EINVAL, ENOSYS) gets the
/// two-rename fallback and the new tree.
#[test]
fn only_an_exchange_the_system_lacks_falls_back_to_two_renames() {
    let (site, old, new) = site();
    let dist = site.path().join("dist");
    for errno in ["EXDEV", "EPERM"] {
        let failed = build_with_exchange_failing(site.path(), errno);
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert_eq!(failed.status.code(), Some(1), "{errno}: {stderr}");
        assert!(stderr.contains("dist"), "{errno}: {stderr}");
        assert_eq!(tree(&dist), old, "{errno}: the old tree stays");
        no_leftovers_soon(site.path(), errno);
    }
    for errno in ["EINVAL", "ENOSYS"] {
        ok(&build_with_exchange_failing(site.path(), errno));
        assert_eq!(
            tree(&dist),
            new,
            "{errno}: the fallback put the new tree in place"
        );
        no_leftovers_soon(site.path(), errno);
        ok(&build(site.path(), OLD, &[]));
    }
}

/// The background removal says why it could not remove an old tree: here a folder that cannot
/// be opened (strace fails the `openat` of that one path), not the "not empty" that would follow.
#[test]
fn a_failure_to_list_the_old_tree_is_reported_as_itself() {
    let (site, _, _) = site();
    let staged = site.path().join(".dist.old-1-2");
    std::fs::create_dir_all(staged.join("sub")).expect("mkdir");
    std::fs::write(staged.join("sub").join("page.html"), "x").expect("write");
    // Opening it fails, or reading its entries does.
    for (syscall, errno, says) in [
        ("openat", "EACCES", "Permission denied"),
        ("getdents64", "EIO", "Input/output error"),
    ] {
        let out = under_strace(
            Some(&staged),
            syscall,
            &format!("{syscall}:error={errno}"),
            &["__remove-old-tree".as_ref(), staged.as_os_str()],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{syscall}: {stderr}");
        assert!(stderr.contains(says), "{syscall}: {stderr}");
        assert!(staged.join("sub").join("page.html").is_file());
    }
}

/// `--out dist`, relative to the working directory: the output's folder is then `.` (not an
/// empty path), and what a killed build left beside it is found and removed as with any other.
#[test]
fn a_relative_output_path_clears_what_killed_builds_left_beside_it() {
    let (site, _, new) = site();
    std::fs::create_dir_all(site.path().join(".dist.new-1-2").join("half")).expect("mkdir");
    let out = Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .current_dir(site.path())
        .args(["build", "--no-widget", "--base-url", NEW, "--out", "dist"])
        .output()
        .expect("run samtykke");
    ok(&out);
    assert_eq!(tree(&site.path().join("dist")), new);
    no_leftovers_soon(site.path(), "relative --out");
}

/// Builds NEW under strace, with every way to remove a file or folder failing (the old tree is
/// removed on all cores with unlink/rmdir, other paths use unlinkat); `-f` follows, and waits
/// for, the background process that removes the old tree.
fn build_unable_to_delete(root: &Path) -> Output {
    build_under_strace(
        root,
        "unlink,unlinkat,rmdir",
        "unlink,unlinkat,rmdir:error=EACCES",
    )
}

/// strace's fault injection makes every `unlinkat` fail, as on a tree someone else owns: the
/// old tree cannot be deleted. The new site is in place, so that is a warning, not a failure.
#[test]
fn an_old_tree_that_cannot_be_deleted_is_a_warning() {
    let strace = Command::new("strace").arg("-V").output();
    assert!(
        strace.is_ok_and(|o| o.status.success()),
        "this test needs strace (apt-get install strace) to inject the deletion failure"
    );
    let (site, old, new) = site();
    let out = build_unable_to_delete(site.path());
    ok(&out);
    // The old tree is removed by a background process, whose failure (strace follows it with
    // -f, and waits for it) leaves the old tree whole for the next build to remove.
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("built "),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(tree(&site.path().join("dist")), new);
    let left = leftovers(site.path());
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(tree(&site.path().join(&left[0])), old);

    // A next build that cannot remove it either says so, and is still a success.
    let again = build_unable_to_delete(site.path());
    ok(&again);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("warning: cannot remove") && stderr.contains("that an earlier build left"),
        "{stderr}"
    );

    // The next build clears it.
    ok(&build(site.path(), NEW, &[]));
    no_leftovers_soon(site.path(), "after the failed removals");
}
