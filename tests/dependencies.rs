//! The crates depend on each other only in the documented direction
//! (docs/architecture.md, "Crates and the direction of dependencies"): a dependency added
//! against it fails here, naming the manifest and the line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What each manifest may depend on (normal dependencies, not dev-dependencies).
fn allowed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let set = |names: &[&'static str]| names.iter().copied().collect::<BTreeSet<_>>();
    BTreeMap::from([
        ("crates/casework-core", set(&[])),
        ("crates/casework-process", set(&["casework-core"])),
        ("crates/casework-store", set(&["casework-core"])),
        (
            "crates/casework-sled",
            set(&["casework-core", "casework-store"]),
        ),
        (
            "crates/casework-redb",
            set(&["casework-core", "casework-store"]),
        ),
        (
            "crates/casework-postgres",
            set(&["casework-core", "casework-store"]),
        ),
        (
            "crates/casework-case",
            set(&["casework-core", "casework-process", "casework-store"]),
        ),
        (
            "crates/casework-reports",
            set(&[
                "casework-core",
                "casework-process",
                "casework-store",
                "casework-case",
            ]),
        ),
        (
            "crates/casework-sim",
            set(&[
                "casework-core",
                "casework-process",
                "casework-store",
                "casework-case",
            ]),
        ),
        (
            "crates/casework-testkit",
            set(&[
                "casework-core",
                "casework-process",
                "casework-store",
                "casework-case",
                "casework-reports",
            ]),
        ),
        (
            "crates/casework-cli",
            set(&[
                "casework-core",
                "casework-process",
                "casework-store",
                "casework-case",
                "casework-sled",
                "casework-redb",
                "casework-postgres",
                "casework-reports",
                "casework-sim",
                "anyhow",
            ]),
        ),
        (
            ".",
            set(&[
                "casework-core",
                "casework-process",
                "casework-store",
                "casework-case",
                "casework-sled",
                "casework-redb",
                "casework-postgres",
                "casework-reports",
                "casework-sim",
            ]),
        ),
    ])
}

/// The names of the `[dependencies]` of a manifest (what is built into the crate), with
/// their line numbers.
fn dependencies(manifest: &str) -> Vec<(String, usize)> {
    let mut section = "";
    let mut out = Vec::new();
    for (i, line) in manifest.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section != "[dependencies]" || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once(['=', '.']) {
            out.push((name.trim().to_owned(), i + 1));
        }
    }
    out
}

#[test]
fn dependencies_point_the_documented_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for (dir, allowed) in allowed() {
        let path = root.join(dir).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).unwrap();
        for (name, line) in dependencies(&manifest) {
            let ours = name.starts_with("casework") || name == "anyhow";
            assert!(
                !ours || allowed.contains(name.as_str()),
                "{}:{line}: {name} points against the documented direction of dependencies",
                path.display()
            );
        }
        checked += 1;
    }
    // every crate of the workspace is in the table
    let crates = std::fs::read_dir(root.join("crates")).unwrap().count();
    assert_eq!(checked, crates + 1, "a crate is missing from the table");
}

/// The generic layers name no case type: the engine's contract (`casework-core`) is
/// implemented by the case process in `casework-process`, the store and its backends
/// persist any process's events, and only `casework-case` joins the case process to them.
#[test]
fn the_store_and_its_backends_know_no_case_types() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let case_items = [
        "CaseEvent",
        "CaseCommand",
        "CaseProcess",
        "CaseState",
        "CaseId",
        "case_codec",
        "casework_case",
        "casework_process",
        "Policy",
        "Role::",
        "Actor::",
        "Voucher",
        "Consent",
    ];
    let mut files = 0;
    for dir in [
        "crates/casework-core/src",
        "crates/casework-store/src",
        "crates/casework-sled/src",
        "crates/casework-redb/src",
        "crates/casework-postgres/src",
    ] {
        let mut stack = vec![root.join(dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            files += 1;
            for (i, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for item in case_items {
                    assert!(
                        !line.contains(item),
                        "{}:{}: `{item}` in a generic layer; case code belongs in casework-process or casework-case",
                        path.display(),
                        i + 1
                    );
                }
            }
        }
    }
    assert!(
        files > 10,
        "the generic layers' sources were found ({files} files)"
    );
}

#[test]
fn the_parser_sees_dependencies_and_nothing_else() {
    let manifest = "[package]\nname = \"x\"\n[dependencies]\ncasework-core.workspace = true\nanyhow = \"1\"\n# comment\n[dev-dependencies]\ncasework-testkit.workspace = true\n";
    let names: Vec<String> = dependencies(manifest).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["casework-core", "anyhow"]);
}

/// The workspace's `rust-version` is what its dependencies need: no package in the resolved
/// graph declares a newer one (a user on the declared version can build casework). Reads
/// `cargo metadata` of this workspace.
#[test]
fn no_dependency_needs_a_newer_rust_than_the_workspace_declares() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // the host's graph only: packages of other platforms are not downloaded on a machine
    // that never built for them, and `--offline` must not need them
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let host = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .unwrap();
    let host = String::from_utf8_lossy(&host.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host");
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = |v: &str| -> Vec<u32> {
        let mut parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
        parts.resize(3, 0);
        parts
    };
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let declared = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"'))
        .unwrap();
    let mut too_new = Vec::new();
    let mut checked = 0;
    for package in metadata["packages"].as_array().unwrap() {
        if let Some(needs) = package["rust_version"].as_str() {
            checked += 1;
            if version(needs) > version(declared) {
                too_new.push(format!(
                    "{} {} needs {needs}",
                    package["name"], package["version"]
                ));
            }
        }
    }
    assert!(
        checked > 20,
        "the packages' rust versions were read ({checked})"
    );
    assert!(
        too_new.is_empty(),
        "the workspace declares rust-version {declared}, but {too_new:#?}"
    );
}
