//! Tidy checks as tests (rust-analyzer's `tidy.rs`): the rules of `shared/style.md` that a
//! machine can check, so that review does not have to.
//!
//! - every source file opens with a module doc (`//!`);
//! - no source file is longer than [`MAX_LINES`] lines, unless it is listed in
//!   [`LONG_FILES`] with the reason;
//! - no `TODO`, `FIXME` or `XXX` without an issue reference (`TODO(#31)`);
//! - inside each crate, modules import one way: no two files import each other, directly or
//!   through others ([`modules_import_one_way`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod source;
use source::{is_ident, split_top};

/// The longest a source file may grow without a stated reason (`style.md`: "no file over
/// ~600 lines without a reason").
const MAX_LINES: usize = 600;

/// Files that are longer, each with the reason. A file that shrinks below the limit must
/// leave the list (the test says so).
const LONG_FILES: &[(&str, &str)] = &[
    (
        "crates/casework-sled/src/store.rs",
        "one engine's EventStore: append, reads, import and the vault of one sled layout",
    ),
    (
        "crates/casework-redb/src/store.rs",
        "one engine's EventStore: append, reads, import and the vault of one redb layout",
    ),
    (
        "crates/casework-postgres/src/store.rs",
        "one engine's EventStore: append, reads, import and sealing against one schema",
    ),
    (
        "crates/casework-process/src/model/event.rs",
        "the event enum (31 documented variants) with its tag-first decoder and schema table",
    ),
    (
        "crates/casework-sim/src/script.rs",
        "one deployment's script: the simulated year of every case, in the order it happens",
    ),
    (
        "crates/casework-testkit/src/conformance.rs",
        "the store conformance suite: every EventStore must pass the same list of cases",
    ),
    (
        "crates/casework-testkit/src/strategies/guided.rs",
        "the guided generator: one command per phase and family, chosen from the state",
    ),
    (
        "crates/casework-testkit/src/strategies/mod.rs",
        "the proptest strategies of every command and its values",
    ),
    (
        "crates/casework-testkit/src/conformance/privacy.rs",
        "the privacy conformance cases: sealing, redaction and erasure on every store",
    ),
    (
        "crates/casework-testkit/src/model.rs",
        "the model harness with its variants and checks",
    ),
    (
        "crates/casework-store/src/store.rs",
        "the store contract: the EventStore and Store traits and their documented defaults",
    ),
];

/// The library and binary sources the rules apply to.
fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        dirs.push(entry.unwrap().path().join("src"));
    }
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| relative(&p))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a module doc (`//!`): {missing:#?}"
    );
}

#[test]
fn no_source_file_is_long_without_a_reason() {
    let listed: BTreeMap<&str, &str> = LONG_FILES.iter().copied().collect();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for path in sources() {
        let name = relative(&path);
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        match (lines > MAX_LINES, listed.contains_key(name.as_str())) {
            (true, false) => problems.push(format!(
                "{name} has {lines} lines (more than {MAX_LINES}): split it by concept, or list it in LONG_FILES with the reason"
            )),
            (false, true) => problems.push(format!(
                "{name} has {lines} lines now: remove it from LONG_FILES"
            )),
            _ => {}
        }
        seen.insert(name);
    }
    for name in listed.keys() {
        if !seen.contains(*name) {
            problems.push(format!("{name} is listed in LONG_FILES but does not exist"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn no_todo_without_an_issue_reference() {
    let mut problems = Vec::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            for marker in ["TODO", "FIXME", "XXX"] {
                if let Some(at) = line.find(marker) {
                    let rest = &line[at + marker.len()..];
                    if !rest.starts_with("(#") {
                        problems.push(format!("{}:{}: {}", relative(&path), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "a TODO names its issue, as `TODO(#31)`: {problems:#?}"
    );
}

/// A crate's modules as files: `lib.rs` and `main.rs` are the root `""`, `a.rs` and
/// `a/mod.rs` are `a`, `a/b.rs` is `a::b`.
fn module_name(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments and without its inline test module.
fn code(text: &str) -> String {
    // leave out each `#[cfg(test)]` item (a test module's braces, or up to its `;`)
    let mut kept = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        kept.push_str(&rest[..at]);
        let item = &rest[at..];
        let end = match (item.find('{'), item.find(';')) {
            (Some(open), semi) if semi.is_none_or(|s| open < s) => {
                let mut depth = 0;
                let mut end = item.len();
                for (i, c) in item[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (_, Some(semi)) => semi + 1,
            _ => item.len(),
        };
        rest = &item[end..];
    }
    kept.push_str(rest);
    let text = kept.as_str();
    let mut code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    // inside an inline `mod name { .. }`, `super` is the file's own module
    let mut from = 0;
    while let Some(at) = code[from..].find("mod ").map(|a| a + from) {
        from = at + 4;
        let rest = &code[from..];
        let name_len = rest.chars().take_while(|c| is_ident(*c)).count();
        if name_len == 0 || !rest[name_len..].trim_start().starts_with('{') {
            continue;
        }
        let open = from + name_len + rest[name_len..].find('{').unwrap_or(0);
        let mut depth = 0;
        let mut close = code.len();
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = code[open..close].replace("super::", "self::");
        code.replace_range(open..close, &inner);
    }
    code
}

/// Expands a use tree `a::{b, c::{d}}` into the paths it names.
fn expand(tree: &str) -> Vec<String> {
    match tree.find('{') {
        None => vec![tree.split(" as ").next().unwrap_or(tree).trim().to_owned()],
        Some(open) => {
            let prefix = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            split_top(inner)
                .iter()
                .flat_map(|item| expand(item))
                .map(|p| format!("{prefix}{p}"))
                .collect()
        }
    }
}

/// Every path in `code` that starts with one of `heads` (`crate`, `super`, a child
/// module's name), with use trees expanded.
fn paths(code: &str, heads: &[String]) -> Vec<String> {
    let bytes: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == ':');
        if starts {
            for head in heads {
                let h: Vec<char> = head.chars().collect();
                let end = i + h.len();
                if end + 2 <= bytes.len()
                    && bytes[i..end] == h[..]
                    && bytes[end] == ':'
                    && bytes[end + 1] == ':'
                {
                    // the path runs on through identifiers, `::`, and one balanced use tree
                    let mut j = end;
                    let mut depth = 0;
                    while j < bytes.len() {
                        let c = bytes[j];
                        if c == '{' {
                            depth += 1;
                        } else if c == '}' {
                            if depth == 0 {
                                break;
                            }
                            depth -= 1;
                            if depth == 0 {
                                j += 1;
                                break;
                            }
                        } else if depth == 0 && !(is_ident(c) || c == ':') {
                            break;
                        }
                        j += 1;
                    }
                    let text: String = bytes[i..j].iter().collect();
                    out.extend(expand(&text));
                    i = j;
                    break;
                }
            }
        }
        i += 1;
    }
    out
}

/// The modules of one crate and, for each, the modules it imports.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let modules: BTreeMap<String, String> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            (module_name(src, f), code(&text))
        })
        .collect();
    let children = |m: &str| -> Vec<String> {
        modules
            .keys()
            .filter_map(|k| {
                let rest = if m.is_empty() {
                    Some(k.as_str())
                } else {
                    k.strip_prefix(m).and_then(|r| r.strip_prefix("::"))
                };
                rest.filter(|r| !r.is_empty() && !r.contains("::"))
                    .map(str::to_owned)
            })
            .collect()
    };
    // what each module re-exports: name -> absolute path
    let absolute = |m: &str, path: &str| -> Option<Vec<String>> {
        let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let mut base: Vec<String> = if m.is_empty() {
            Vec::new()
        } else {
            m.split("::").map(str::to_owned).collect()
        };
        match segs.first().copied() {
            Some("crate") => {
                base.clear();
                segs.remove(0);
            }
            Some("super") => {
                while segs.first() == Some(&"super") {
                    base.pop()?;
                    segs.remove(0);
                }
            }
            Some("self") => {
                segs.remove(0);
            }
            _ => {}
        }
        base.extend(segs.iter().map(|s| (*s).to_owned()));
        Some(base)
    };
    let mut reexports: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (m, text) in &modules {
        let mut heads = vec!["crate".to_owned(), "super".to_owned(), "self".to_owned()];
        heads.extend(children(m));
        for stmt in text.split(';') {
            let stmt = stmt.trim();
            let Some(tree) = stmt
                .strip_prefix("pub use ")
                .or_else(|| stmt.strip_prefix("pub(crate) use "))
                .or_else(|| stmt.strip_prefix("pub(super) use "))
            else {
                continue;
            };
            if !heads
                .iter()
                .any(|h| tree.starts_with(&format!("{h}::")) || tree.starts_with(h.as_str()))
            {
                continue;
            }
            for path in expand(&tree.split_whitespace().collect::<Vec<_>>().join(" ")) {
                let name = path.rsplit("::").next().unwrap_or(&path).to_owned();
                if let Some(abs) = absolute(m, &path) {
                    reexports.entry(m.clone()).or_default().insert(name, abs);
                }
            }
        }
    }
    // resolves a path to the module that defines what it names
    let resolve = |abs: Vec<String>| -> Option<String> {
        let mut abs = abs;
        for _ in 0..8 {
            let mut module = String::new();
            let mut used = 0;
            for (i, _) in abs.iter().enumerate() {
                let candidate = abs[..=i].join("::");
                if modules.contains_key(&candidate) {
                    module = candidate;
                    used = i + 1;
                }
            }
            let Some(next) = abs.get(used) else {
                return Some(module);
            };
            match reexports.get(&module).and_then(|r| r.get(next)) {
                Some(target) if target != &abs => {
                    let mut again = target.clone();
                    again.extend(abs[used + 1..].iter().cloned());
                    abs = again;
                }
                _ => return Some(module),
            }
        }
        None
    };
    let mut graph = BTreeMap::new();
    for (m, text) in &modules {
        let mut heads = vec!["crate".to_owned(), "super".to_owned(), "self".to_owned()];
        heads.extend(children(m));
        let mut edges = BTreeSet::new();
        for path in paths(text, &heads) {
            if let Some(target) = absolute(m, &path).and_then(&resolve) {
                // the crate root is the facade of re-exports; a module is no edge to itself
                if !target.is_empty() && &target != m {
                    edges.insert(target);
                }
            }
        }
        if !m.is_empty() {
            graph.insert(m.clone(), edges);
        }
    }
    graph
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|s| s == next).unwrap_or(0);
                    let mut found = stack[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(_) => {}
                None => {
                    if let Some(found) = visit(next, graph, state, stack) {
                        return Some(found);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node) {
            if let Some(found) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

/// Imports that run back against a crate's layering and close a cycle, found when this
/// test was written (issue 30) in crates other than `casework-core` and
/// `casework-process`, which have none. Each is `(crate, from, to)`; the list may only
/// shrink: an edge that no longer exists must leave it (the test says so).
const KNOWN_BACK_EDGES: &[(&str, &str, &str)] = &[
    // the report modules use the case book's helpers, which the book re-exports
    ("casework-reports", "closed", "book"),
    ("casework-reports", "entry_planning", "book"),
    ("casework-reports", "evaluation", "book"),
    ("casework-reports", "evaluation", "closed"),
    ("casework-reports", "half_year", "book"),
    ("casework-reports", "half_year", "closed"),
    ("casework-reports", "outcomes", "book"),
    ("casework-reports", "voucher_monitoring", "book"),
    ("casework-reports", "html", "render"),
    // the store's value types and their parse errors name each other
    ("casework-store", "types", "error"),
    ("casework-store", "hash", "types"),
    ("casework-store", "store", "checkpoint"),
    // conformance and strategy submodules use their parent's shared helpers
    ("casework-testkit", "conformance::privacy", "conformance"),
    ("casework-testkit", "conformance::provable", "conformance"),
    ("casework-testkit", "strategies::guided", "strategies"),
];

/// Inside a crate, modules import one way (`style.md` 16): a generic contract never
/// imports what implements it, and no two modules import each other, directly or through
/// others. A module's file is one node; a parent that re-exports its children imports
/// them, so a child imports its siblings, never the parent's re-exports.
#[test]
fn modules_import_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut crates = 0;
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let src = dir.join("src");
        let mut graph = module_graph(&src);
        for (_, from, to) in KNOWN_BACK_EDGES.iter().filter(|(c, ..)| *c == name) {
            let removed = graph.get_mut(*from).is_some_and(|e| e.remove(*to));
            if !removed {
                problems.push(format!(
                    "{name}: {from} -> {to} no longer exists: remove it from KNOWN_BACK_EDGES"
                ));
            }
        }
        // every cycle, one at a time: report it, then cut its last edge
        while let Some(found) = cycle(&graph) {
            problems.push(format!("{}: {}", relative(&src), found.join(" -> ")));
            let (from, to) = (&found[found.len() - 2], &found[found.len() - 1]);
            if let Some(edges) = graph.get_mut(from) {
                edges.remove(to);
            }
        }
        crates += 1;
    }
    assert!(crates >= 10, "the crates were found ({crates})");
    assert!(
        problems.is_empty(),
        "modules that import each other: {problems:#?}"
    );
}

/// The walk sees imports: a made-up pair of modules that import each other is a cycle.
#[test]
fn the_module_walk_finds_a_cycle() {
    let dir = std::env::temp_dir().join(format!("casework-tidy-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("b")).unwrap();
    std::fs::write(src.join("lib.rs"), "//! x\nmod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("a.rs"), "//! a\nuse crate::b::{c::Thing};\n").unwrap();
    std::fs::write(src.join("b/mod.rs"), "//! b\nmod c;\npub use c::Thing;\n").unwrap();
    std::fs::write(
        src.join("b/c.rs"),
        "//! c\npub struct Thing;\nfn f() { crate::a::g() }\n",
    )
    .unwrap();
    let graph = module_graph(&src);
    let found = cycle(&graph);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        graph
            .get("a")
            .map(|e| e.iter().cloned().collect::<Vec<_>>()),
        Some(vec!["b::c".to_owned()])
    );
    assert!(found.is_some(), "a -> b::c -> a is a cycle: {graph:#?}");
}
