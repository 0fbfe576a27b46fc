//! Hostile files in a site: links out of it, special files, loops, oversized and mis-encoded
//! files, page names that are not names, and URLs that would break the sitemap. Each is run
//! through the real binary with a deadline (a hang fails the test instead of stalling it), and
//! each asserts the message, that the file is named, that no byte from outside the site shows up
//! in the output or in dist/, and that dist/ is left as it was.
#![cfg(unix)]

mod common;

use proptest::prelude::*;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above a normal build's time; only a hang gets near it.
const DEADLINE: Duration = Duration::from_secs(120);

/// A marker that only ever exists outside the site (or in the environment); it must never
/// appear in the output, the messages or dist/.
const SECRET: &str = "SECRET-7f3a91-outside-the-site";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `samtykke --root <site> <args>`, killed and failed if it outlives [`DEADLINE`].
fn samtykke(site: &Path, args: &[&str]) -> Run {
    let logs = tempfile::tempdir().expect("tempdir");
    let out_path = logs.path().join("stdout");
    let err_path = logs.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .arg("--root")
        .arg(site)
        .args(args)
        .env("SAMTYKKE_TEST_SECRET", SECRET)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("run samtykke");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("samtykke {args:?} did not finish within {DEADLINE:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

/// The minimal site, built once, with the snapshot of its dist/ and a file with [`SECRET`]
/// beside (outside) the site.
struct Built {
    /// Holds the site (`<tmp>/site`) and the outside file (`<tmp>/outside/secret.md`).
    dir: tempfile::TempDir,
    before: Vec<(PathBuf, Vec<u8>)>,
}

impl Built {
    fn new() -> Built {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = common::site_with(&[]);
        common::copy_dir(site.path(), &dir.path().join("site"));
        std::fs::create_dir_all(dir.path().join("outside")).expect("mkdir");
        std::fs::write(
            dir.path().join("outside/secret.md"),
            format!("+++\ntitle = \"{SECRET}\"\ndescription = \"{SECRET}\"\n+++\n{SECRET}\n"),
        )
        .expect("write secret");
        let built = samtykke(&dir.path().join("site"), &["build", "--no-widget"]);
        assert_eq!(built.code, Some(0), "{}", built.stderr);
        let before = common::snapshot(&dir.path().join("site/dist"));
        assert!(!before.is_empty());
        Built { dir, before }
    }

    fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.site().join(relative)
    }

    /// `build` and `check` both fail, each with `expected` in its messages, [`SECRET`] in
    /// neither, and dist/ as it was. Returns build's messages.
    fn fails_with(&self, expected: &[&str]) -> String {
        let build = samtykke(&self.site(), &["build", "--no-widget"]);
        let check = samtykke(&self.site(), &["check"]);
        for (what, run) in [("build", &build), ("check", &check)] {
            assert_eq!(run.code, Some(1), "{what}: {}", run.all());
            let all = run.all();
            for text in expected {
                assert!(all.contains(text), "{what} should say {text:?}:\n{all}");
            }
            assert!(!all.contains(SECRET), "{what} shows outside bytes:\n{all}");
            assert!(!all.contains("panicked"), "{what}:\n{all}");
        }
        self.dist_unchanged();
        build.stderr
    }

    fn dist_unchanged(&self) {
        let after = common::snapshot(&self.path("dist"));
        assert!(
            after == self.before,
            "dist/ changed (or holds outside bytes)"
        );
    }

    fn builds(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let build = samtykke(&self.site(), &["build", "--no-widget"]);
        assert_eq!(build.code, Some(0), "{}", build.all());
        common::snapshot(&self.path("dist"))
    }
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo");
}

const PAGE: &str = "+++\ntitle = \"Om oss\"\ndescription = \"Om oss.\"\n+++\nOm oss.\n";

// Finding 2: files outside the site.

#[test]
fn a_page_linked_to_a_file_three_levels_up_is_refused_without_its_bytes() {
    let site = Built::new();
    std::fs::create_dir_all(site.path("content/om/eldre")).expect("mkdir");
    symlink(
        "../../../../outside/secret.md",
        site.path("content/om/eldre/leak.md"),
    )
    .expect("link");
    site.fails_with(&[
        "content/om/eldre/leak.md",
        "symbolic link that leads outside content/",
    ]);
}

#[test]
fn site_toml_linked_to_proc_self_environ_is_refused_without_its_bytes() {
    let site = Built::new();
    std::fs::remove_file(site.path("content/site.toml")).expect("rm");
    symlink("/proc/self/environ", site.path("content/site.toml")).expect("link");
    site.fails_with(&["content/site.toml", "leads outside content/"]);
}

#[test]
fn a_link_to_a_site_file_outside_content_is_refused() {
    // Inside the site but outside content/: what a link to `.git/config` would be.
    let site = Built::new();
    std::fs::create_dir_all(site.path(".git")).expect("mkdir");
    std::fs::write(
        site.path(".git/config"),
        format!("[http]\nextraheader = {SECRET}\n"),
    )
    .expect("write");
    symlink("../.git/config", site.path("content/config.md")).expect("link");
    site.fails_with(&["content/config.md", "leads outside content/"]);
}

#[test]
fn a_symlinked_file_inside_content_is_published_like_any_other() {
    let site = Built::new();
    std::fs::create_dir_all(site.path("content/arkiv")).expect("mkdir");
    std::fs::write(site.path("content/arkiv/om.md"), PAGE).expect("write");
    symlink("arkiv/om.md", site.path("content/om-oss.md")).expect("link");
    let dist = site.builds();
    let names: Vec<String> = dist.iter().map(|(p, _)| p.display().to_string()).collect();
    assert!(names.contains(&"om-oss/index.html".to_owned()), "{names:?}");
    assert!(
        names.contains(&"arkiv/om/index.html".to_owned()),
        "{names:?}"
    );
}

#[test]
fn the_serve_overlay_text_of_an_outside_link_holds_none_of_its_bytes() {
    // serve's overlay is `Diagnostics::to_plain_string` of the failed load, as the terminal.
    let site = Built::new();
    symlink("../../outside/secret.md", site.path("content/leak.md")).expect("link");
    let errors = samtykke_site::model::load(&site.site()).expect_err("refused");
    let overlay = errors.to_plain_string();
    assert!(overlay.contains("content/leak.md"), "{overlay}");
    assert!(overlay.contains("leads outside content/"), "{overlay}");
    assert!(!overlay.contains(SECRET), "{overlay}");
}

#[test]
fn a_theme_static_file_linked_out_of_the_site_is_never_copied() {
    let site = Built::new();
    std::fs::create_dir_all(site.path("themes/hesbynett/static/img")).expect("mkdir");
    symlink(
        "../../../../../outside/secret.md",
        site.path("themes/hesbynett/static/img/logo.svg"),
    )
    .expect("link");
    site.fails_with(&[
        "themes/hesbynett/static/img/logo.svg",
        "leads outside themes/hesbynett/",
    ]);
}

#[test]
fn a_theme_template_linked_out_of_the_site_is_never_rendered() {
    let site = Built::new();
    // An override of the built-in theme's partial, linked out of the site.
    let partial = site.path("themes/hesbynett/templates/partials/banner.html");
    std::fs::create_dir_all(partial.parent().expect("parent")).expect("mkdir");
    symlink("../../../../../outside/secret.md", &partial).expect("link");
    site.fails_with(&[
        "themes/hesbynett/templates/partials/banner.html",
        "leads outside themes/hesbynett/",
    ]);
}

#[test]
fn a_symlinked_static_file_inside_the_theme_is_copied() {
    let site = Built::new();
    std::fs::write(site.path("themes/hesbynett/static/icon.svg"), "<svg/>").expect("write");
    // Hesbynett's theme has a favicon of its own: the link replaces it.
    let _ = std::fs::remove_file(site.path("themes/hesbynett/static/favicon.svg"));
    symlink("icon.svg", site.path("themes/hesbynett/static/favicon.svg")).expect("link");
    let dist = site.builds();
    let favicon = dist
        .iter()
        .find(|(p, _)| p == Path::new("favicon.svg"))
        .expect("copied");
    assert_eq!(favicon.1, b"<svg/>");
}

// Finding 3: special files, loops and sizes.

#[test]
fn a_fifo_as_cookies_toml_is_an_error_not_a_hang() {
    let site = Built::new();
    std::fs::remove_file(site.path("content/cookies.toml")).expect("rm");
    mkfifo(&site.path("content/cookies.toml"));
    site.fails_with(&[
        "content/cookies.toml",
        "a named pipe (FIFO), not a regular file",
    ]);
}

#[test]
fn a_socket_page_is_an_error() {
    let site = Built::new();
    let _socket =
        std::os::unix::net::UnixListener::bind(site.path("content/sokkel.md")).expect("socket");
    site.fails_with(&["content/sokkel.md", "a socket, not a regular file"]);
}

#[test]
fn a_character_device_linked_from_a_page_is_refused_unread() {
    let site = Built::new();
    symlink("/dev/urandom", site.path("content/stoy.md")).expect("link");
    site.fails_with(&["content/stoy.md", "leads outside content/"]);
}

#[test]
fn a_fifo_in_the_theme_static_folder_is_an_error_not_a_hang() {
    let site = Built::new();
    mkfifo(&site.path("themes/hesbynett/static/pipe.woff2"));
    site.fails_with(&["themes/hesbynett/static/pipe.woff2", "a named pipe (FIFO)"]);
}

#[test]
fn a_symlinked_folder_is_not_followed() {
    // A link to a parent two levels up: followed, it would walk the whole site, and loop.
    let site = Built::new();
    std::fs::create_dir_all(site.path("content/del")).expect("mkdir");
    symlink("../..", site.path("content/del/opp")).expect("link");
    site.fails_with(&[
        "content/del/opp",
        "symbolic link to a folder; folders are not followed",
    ]);
}

#[test]
fn many_links_to_the_same_folder_end_at_once() {
    // Followed, these would be an exponential walk: 2^depth paths.
    let site = Built::new();
    for name in ["x", "y", "z"] {
        symlink("..", site.path(&format!("content/{name}"))).expect("link");
    }
    let stderr = site.fails_with(&["content/x", "content/y", "content/z", "not followed"]);
    assert_eq!(stderr.matches("not followed").count(), 3, "{stderr}");
}

#[test]
fn a_symlinked_folder_in_the_theme_is_not_followed() {
    let site = Built::new();
    symlink("/usr/share", site.path("themes/hesbynett/static/share")).expect("link");
    site.fails_with(&["themes/hesbynett/static/share", "folders are not followed"]);
}

#[test]
fn a_symlink_chain_that_loops_names_the_file() {
    let site = Built::new();
    symlink("b.md", site.path("content/a.md")).expect("link");
    symlink("c.md", site.path("content/b.md")).expect("link");
    symlink("a.md", site.path("content/c.md")).expect("link");
    site.fails_with(&[
        "content/a.md",
        "content/b.md",
        "content/c.md",
        "symbolic links",
    ]);
}

#[test]
fn a_dangling_link_names_the_file() {
    let site = Built::new();
    symlink("borte.md", site.path("content/vekk.md")).expect("link");
    site.fails_with(&["content/vekk.md", "cannot read the file"]);
}

#[test]
fn an_over_cap_toml_file_is_refused_naming_the_limit() {
    let site = Built::new();
    let mut text = std::fs::read_to_string(site.path("content/cookies.toml")).expect("read");
    let line = "# padding padding padding padding padding padding padding padding\n";
    while text.len() <= 10 * 1024 * 1024 {
        text.push_str(line);
    }
    std::fs::write(site.path("content/cookies.toml"), &text).expect("write");
    site.fails_with(&[
        "content/cookies.toml",
        "larger than the limit of 10 MB per file",
    ]);
}

#[test]
fn an_over_cap_static_file_is_refused_from_its_size_alone() {
    let site = Built::new();
    // Sparse: its size says 20 MB + 1 byte without the disk holding it.
    let file =
        std::fs::File::create(site.path("themes/hesbynett/static/video.mp4")).expect("create");
    file.set_len(20 * 1024 * 1024 + 1).expect("size");
    site.fails_with(&[
        "themes/hesbynett/static/video.mp4",
        "larger than the limit of 20 MB per file",
    ]);
}

// Finding 7, file level: every content error names a file.

#[test]
fn invalid_utf8_is_reported_at_its_byte_line_and_column() {
    let site = Built::new();
    // Latin-1 `ø` (0xF8) on the fourth line, after `Kontakt `.
    let mut bytes = b"+++\ntitle = \"Om\"\ndescription = \"Om.\"\n+++\nKontakt ".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xF8st\n");
    std::fs::write(site.path("content/om.md"), &bytes).expect("write");
    let stderr = site.fails_with(&[
        &format!("byte offset {offset} (line 5, column 9)"),
        "content/om.md:5:9",
        "the file is not UTF-8",
    ]);
    assert!(
        stderr.contains("save the file with the encoding UTF-8"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_language_in_a_file_name_names_the_file() {
    let site = Built::new();
    std::fs::write(site.path("content/om.sv.md"), PAGE).expect("write");
    site.fails_with(&["unknown language `sv` in the file name", "content/om.sv.md"]);
}

// Finding 8: page names.

#[test]
fn page_names_outside_the_rule_get_one_clear_error_in_check_and_build() {
    for name in [
        "..en.md",
        "....md",
        "Om Oss.md",
        "KONTAKT.md",
        "vilkår.md",
        "a'b&c.md",
        "-strek.md",
        "x..md",
        "om.en.nb.md",
        "Tjenester/backup.md",
        "under mappe/side.md",
    ] {
        let site = Built::new();
        let path = site.path(&format!("content/{name}"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, PAGE).expect("write");
        let stderr = site.fails_with(&[
            &format!("`{name}` is not a valid page name"),
            &format!("--> content/{name}"),
            "only lowercase letters a-z, digits and `-`",
        ]);
        assert_eq!(
            stderr.matches("error:").count(),
            2,
            "{name}: one error:\n{stderr}"
        );
    }
}

#[test]
fn a_near_miss_name_gets_the_name_it_should_have() {
    let site = Built::new();
    std::fs::write(site.path("content/Vilkår og Priser.en.md"), PAGE).expect("write");
    site.fails_with(&["rename the file to `vilkar-og-priser.en.md`"]);
}

/// The sitemap and robots.txt as rendered for `base_url` (the `--base-url` override, which
/// nothing before the renderer checks).
fn rendered_with_base_url(site: &Built, base_url: &str) -> (String, String) {
    let loaded = samtykke_site::model::load(&site.site()).expect("the site loads");
    let options = samtykke_site::render::Options {
        base_url: Some(base_url.to_owned()),
        ..Default::default()
    };
    let rendered = samtykke_site::render::render(&loaded, &options).expect("renders");
    let text = |name: &str| {
        String::from_utf8(rendered.files.get(name).cloned().unwrap_or_default()).expect("UTF-8")
    };
    (text("sitemap.xml"), text("robots.txt"))
}

#[test]
fn the_sitemap_stays_well_formed_with_a_hostile_base_url() {
    let site = Built::new();
    let hostile = "https://x.test/a&b<c>\"d'e]]>\u{1}\n</loc><loc>";
    let (xml, robots) = rendered_with_base_url(&site, hostile);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(locs.len(), 3, "{xml}");
    assert!(
        locs.iter()
            .all(|l| l.starts_with("https://x.test/a&b<c>\"d'e]]>%01%0A</loc><loc>/")),
        "{locs:?}"
    );
    assert_eq!(robots.lines().count(), 4, "one Sitemap line:\n{robots}");
    assert!(robots.contains("%0A</loc>"), "{robots}");
}

#[test]
fn translated_pages_keep_the_sitemap_well_formed() {
    let site = Built::new();
    let toml = std::fs::read_to_string(site.path("content/site.toml")).expect("read");
    std::fs::write(
        site.path("content/site.toml"),
        toml.replace(
            "[languages.nb]",
            "[languages.en]\nname = \"English\"\n\n[languages.nb]",
        ),
    )
    .expect("write");
    std::fs::write(site.path("content/index.en.md"), PAGE).expect("write");
    let (xml, _) = rendered_with_base_url(&site, "https://x.test/?a=1&b='2'\"");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let hrefs: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("href"))
        .collect();
    assert_eq!(
        hrefs.into_iter().collect::<Vec<_>>(),
        [
            "https://x.test/?a=1&b='2'\"/",
            "https://x.test/?a=1&b='2'\"/en/"
        ],
        "{xml}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any text, escaped, reads back from an element and from either kind of attribute as
    /// itself, with only the characters XML cannot hold percent-encoded.
    #[test]
    fn escaped_text_reads_back_as_itself(text in any::<String>()) {
        let escaped = samtykke_site::render::xml_text(&text);
        let xml = format!("<a b=\"{escaped}\" c='{escaped}'>{escaped}</a>");
        let doc = roxmltree::Document::parse(&xml)
            .map_err(|e| TestCaseError::fail(format!("{e}: {xml:?}")))?;
        let expected: String = text
            .chars()
            .map(|c| {
                if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' {
                    let mut buffer = [0u8; 4];
                    c.encode_utf8(&mut buffer)
                        .bytes()
                        .map(|b| format!("%{b:02X}"))
                        .collect()
                } else {
                    c.to_string()
                }
            })
            .collect();
        let root = doc.root_element();
        prop_assert_eq!(root.text().unwrap_or(""), expected.as_str());
        prop_assert_eq!(root.attribute("b"), Some(expected.as_str()));
        prop_assert_eq!(root.attribute("c"), Some(expected.as_str()));
    }
}
