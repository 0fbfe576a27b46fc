//! The hash of everything the widget is compiled from, as `BUILD.toml`'s `inputs_sha256`.
//!
//! Inputs: `widget/Cargo.toml`, `widget/contract/Cargo.toml`, every file under `widget/src/` and
//! `widget/contract/src/`, and the `Cargo.lock` entries of the packages `samtykke-widget` reaches
//! (its dev-dependencies included, as the lock file does not tell them apart). The hash is
//! SHA-256 over one line per file, `<path> <sha256 of its bytes>\n`, in path order, with the lock
//! entries as the pseudo-file `Cargo.lock#widget`.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn walk(root: &Path, dir: &str, files: &mut BTreeMap<String, Vec<u8>>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root.join(dir))? {
        let entry = entry?;
        let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            walk(root, &name, files)?;
        } else {
            files.insert(name, std::fs::read(entry.path())?);
        }
    }
    Ok(())
}

/// The `[[package]]` entries of Cargo.lock reachable from `samtykke-widget`, as TOML text in
/// name order.
fn lock_entries(lock: &str) -> Result<String, String> {
    let lock: toml::Table = lock.parse().map_err(|e| format!("Cargo.lock: {e}"))?;
    let packages = lock
        .get("package")
        .and_then(|p| p.as_array())
        .ok_or("Cargo.lock has no [[package]]")?;
    let key = |p: &toml::Value| {
        let name = p.get("name").and_then(|v| v.as_str()).unwrap_or_default();
        let version = p
            .get("version")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        (name.to_owned(), version.to_owned())
    };
    // A dependency is written `name` when only one version is locked, else `name version` (and
    // a source in brackets when two sources share it).
    let find = |dep: &str| {
        let mut parts = dep.split(' ');
        let name = parts.next().unwrap_or_default();
        let version = parts.next();
        packages
            .iter()
            .filter(|p| {
                let (n, v) = key(p);
                n == name && version.is_none_or(|want| want == v)
            })
            .collect::<Vec<_>>()
    };
    let mut seen = BTreeSet::new();
    let mut todo = find("samtykke-widget");
    let mut out = BTreeMap::new();
    while let Some(package) = todo.pop() {
        if !seen.insert(key(package)) {
            continue;
        }
        out.insert(
            key(package),
            toml::to_string(package).map_err(|e| e.to_string())?,
        );
        for dep in package
            .get("dependencies")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
        {
            todo.extend(find(dep.as_str().unwrap_or_default()));
        }
    }
    if out.is_empty() {
        return Err("Cargo.lock has no package `samtykke-widget`".to_owned());
    }
    Ok(out.into_values().collect::<Vec<_>>().join("\n"))
}

/// The hash of the widget's inputs in the repository at `root`.
pub fn inputs_sha256(root: &Path) -> Result<String, String> {
    let mut files = BTreeMap::new();
    for dir in ["widget/src", "widget/contract/src"] {
        walk(root, dir, &mut files).map_err(|e| format!("{dir}: {e}"))?;
    }
    for file in ["widget/Cargo.toml", "widget/contract/Cargo.toml"] {
        let bytes = std::fs::read(root.join(file)).map_err(|e| format!("{file}: {e}"))?;
        files.insert(file.to_owned(), bytes);
    }
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    files.insert(
        "Cargo.lock#widget".to_owned(),
        lock_entries(&lock)?.into_bytes(),
    );
    let mut listing = String::new();
    for (path, bytes) in &files {
        listing.push_str(&format!("{path} {}\n", hex(&Sha256::digest(bytes))));
    }
    Ok(hex(&Sha256::digest(listing.as_bytes())))
}

/// The repository this crate sits in (`widget/compiled/` → `.`).
pub fn repo_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
