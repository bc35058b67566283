//! The public API, listed: every item a user of the library crates can name — modules,
//! types, traits with their methods, functions, constants, re-exports, and the public
//! methods of public types — is written to `docs/public-api.txt`, and this test fails when
//! the code and the list differ, so that a change to the API shows in review.
//!
//! After a deliberate change, write the list anew with
//! `CASEWORK_BLESS=1 cargo test --test public_api` and commit it with the change.
//!
//! The list is made by reading the sources (stable Rust has no rustdoc JSON): items of
//! public modules and `pub use` lines, not what a glob brings in; `pub(crate)` and
//! `#[cfg(test)]` items are left out. Items under an `internals` module are the engines'
//! shared parts and are marked as such.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod source;
use source::{is_ident, split_top};

/// The source with comments, string and char literals blanked, so that braces count.
fn blank(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == 'r'
            && (next == Some('#') || next == Some('"'))
            && (i == 0 || !is_ident(chars[i - 1]))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                j += 1;
                loop {
                    if j >= chars.len() {
                        break;
                    }
                    if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
                continue;
            }
        }
        if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                if chars[j] == '\\' {
                    j += 1;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j + 1;
            continue;
        }
        if c == '\'' {
            // a char literal: 'x' or '\x..'; a lifetime has no closing quote nearby
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                out.push_str("' '");
                i = j + 1;
                continue;
            }
            if chars.get(i + 2) == Some(&'\'') {
                out.push_str("' '");
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The top-level items of a module's code: `(text before the body or `;`, body)`.
fn items(code: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut head = String::new();
    let mut depth = 0;
    let mut body = String::new();
    let mut use_depth = 0;
    for c in code.chars() {
        if depth == 0 {
            let (h, _) = clean(&head);
            let is_use = h.starts_with("use ") || h.contains(" use ") && h.starts_with("pub");
            if is_use {
                match c {
                    '{' => use_depth += 1,
                    '}' => use_depth -= 1,
                    ';' if use_depth == 0 => {
                        out.push((std::mem::take(&mut head), None));
                        continue;
                    }
                    _ => {}
                }
                head.push(c);
                continue;
            }
        }
        match c {
            '{' => {
                if depth > 0 {
                    body.push(c);
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push((std::mem::take(&mut head), Some(std::mem::take(&mut body))));
                } else {
                    body.push(c);
                }
            }
            ';' if depth == 0 => out.push((std::mem::take(&mut head), None)),
            _ if depth > 0 => body.push(c),
            _ => head.push(c),
        }
    }
    out
}

/// The head without attributes, in one line.
fn clean(head: &str) -> (String, Vec<String>) {
    let mut attrs = Vec::new();
    let mut rest = head.trim().to_owned();
    while rest.starts_with("#") {
        let end = rest.find(']').map_or(rest.len(), |e| e + 1);
        attrs.push(rest[..end].to_owned());
        rest = rest[end..].trim_start().to_owned();
    }
    (rest.split_whitespace().collect::<Vec<_>>().join(" "), attrs)
}

fn name_after(head: &str, keyword: &str) -> Option<String> {
    let at = head.find(keyword)? + keyword.len();
    let name: String = head[at..].chars().take_while(|c| is_ident(*c)).collect();
    (!name.is_empty()).then_some(name)
}

/// The names a `use` tree brings in, with what they point at.
fn use_names(tree: &str) -> Vec<(String, String)> {
    match tree.find('{') {
        None => {
            let (path, alias) = match tree.split_once(" as ") {
                Some((p, a)) => (p.trim(), a.trim()),
                None => (tree.trim(), tree.trim().rsplit("::").next().unwrap_or(tree)),
            };
            vec![(alias.to_owned(), path.to_owned())]
        }
        Some(open) => {
            let prefix = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            split_top(inner)
                .iter()
                .flat_map(|item| use_names(item))
                .map(|(name, path)| {
                    let path = if path == "self" {
                        prefix.trim_end_matches("::").to_owned()
                    } else {
                        format!("{prefix}{path}")
                    };
                    (name, path)
                })
                .collect()
        }
    }
}

struct Crate {
    name: String,
    src: PathBuf,
}

#[derive(Default)]
struct Api {
    lines: BTreeSet<String>,
    /// public type and trait names, for their methods
    types: BTreeMap<String, BTreeSet<String>>,
    /// traits already listed with their items (declared in a public module)
    traits: BTreeSet<String>,
}

fn module_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

/// Walks a module: its public items, and its public submodules.
fn walk(code: &str, path: &str, dir: &Path, api: &mut Api) {
    for (head, body) in items(code) {
        let (head, attrs) = clean(&head);
        if attrs
            .iter()
            .any(|a| a.contains("cfg(test)") || a.contains("cfg(doctest)"))
        {
            continue;
        }
        let Some(rest) = head.strip_prefix("pub ") else {
            continue;
        };
        let internal = path.contains("::internals");
        let mark = if internal { " [internals]" } else { "" };
        if let Some(tree) = rest.strip_prefix("use ") {
            for (name, target) in use_names(tree) {
                if name == "*" {
                    api.lines
                        .insert(format!("{path}::* (glob of {target}){mark}"));
                } else {
                    api.lines
                        .insert(format!("{path}::{name} (re-export of {target}){mark}"));
                    if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                        // methods are found by the defining name, shown at this path
                        let defined = target.rsplit("::").next().unwrap_or(&target).to_owned();
                        let shown = format!("{path}::{name}");
                        api.types.entry(defined).or_default().insert(shown);
                    }
                }
            }
            continue;
        }
        if let Some(name) = name_after(rest, "mod ") {
            let sub = format!("{path}::{name}");
            api.lines.insert(format!("{sub} (module){mark}"));
            match body {
                Some(inline) => walk(&inline, &sub, &dir.join(&name), api),
                None => {
                    if let Some(file) = module_file(dir, &name) {
                        let text = blank(&std::fs::read_to_string(&file).unwrap());
                        let sub_dir = if file.ends_with("mod.rs") {
                            file.parent().unwrap().to_path_buf()
                        } else {
                            dir.join(&name)
                        };
                        walk(&text, &sub, &sub_dir, api);
                    }
                }
            }
            continue;
        }
        for kind in [
            "fn", "struct", "enum", "trait", "const", "static", "type", "union", "macro",
        ] {
            let keyword = format!("{kind} ");
            let starts = rest.starts_with(&keyword)
                || rest.starts_with(&format!("const {keyword}"))
                || rest.starts_with(&format!("async {keyword}"))
                || rest.starts_with(&format!("unsafe {keyword}"));
            if !starts {
                continue;
            }
            if let Some(name) = name_after(rest, &keyword) {
                api.lines.insert(format!("{path}::{name} ({kind}){mark}"));
                if matches!(kind, "struct" | "enum" | "trait" | "type" | "union") {
                    let shown = format!("{path}::{name}");
                    api.types.entry(name.clone()).or_default().insert(shown);
                }
                if kind == "trait" {
                    api.traits.insert(name.clone());
                    for item in trait_items(body.as_deref().unwrap_or("")) {
                        api.lines.insert(format!("{path}::{name}::{item}{mark}"));
                    }
                }
            }
            break;
        }
    }
}

/// A trait's methods, associated types and constants.
fn trait_items(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (item, _) in items(body) {
        let (item, _) = clean(&item);
        if let Some(method) = name_after(&item, "fn ") {
            out.push(format!("{method} (trait fn)"));
        } else if item.starts_with("type ") {
            out.extend(name_after(&item, "type ").map(|t| format!("{t} (trait type)")));
        } else if item.starts_with("const ") {
            out.extend(name_after(&item, "const ").map(|c| format!("{c} (trait const)")));
        }
    }
    out
}

/// The public methods of public types, from every `impl Type { .. }` in the crate, and
/// the items of public traits declared in private modules.
fn methods(src: &Path, api: &Api) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let file = entry.unwrap().path();
            if file.is_dir() {
                dirs.push(file);
                continue;
            }
            if file.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = blank(&std::fs::read_to_string(&file).unwrap());
            collect_impls(&text, api, &mut out);
        }
    }
    out
}

/// An enum's variant names, or a struct's public field names (with their type, so that a
/// changed type shows too).
fn members(body: &str, is_enum: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0i32, String::new());
    // an arrow's `>` closes nothing
    for ch in body.replace("->", "\u{2192}").chars() {
        match ch {
            '{' | '(' | '[' | '<' => depth += 1,
            '}' | ')' | ']' | '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    parts.push(cur);
    parts
        .iter()
        .map(|p| clean(p).0)
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            if is_enum {
                let name: String = p.chars().take_while(|c| is_ident(*c)).collect();
                (!name.is_empty()).then_some(name)
            } else {
                p.strip_prefix("pub ").map(|f| f.replace(" :", ":"))
            }
        })
        .collect()
}

/// A line of an item under an `internals` module, marked as such.
fn marked(line: String) -> String {
    if line.contains("::internals::") {
        format!("{line} [internals]")
    } else {
        line
    }
}

fn collect_impls(code: &str, api: &Api, out: &mut BTreeSet<String>) {
    for (head, body) in items(code) {
        let (head, attrs) = clean(&head);
        let Some(body) = body else { continue };
        if attrs.iter().any(|a| a.contains("cfg(test)")) {
            continue;
        }
        let bare = head.strip_prefix("pub ").unwrap_or(&head);
        if bare.starts_with("mod ") || bare.starts_with("pub(crate) mod ") {
            collect_impls(&body, api, out);
            continue;
        }
        if head.starts_with("pub enum ") || head.starts_with("pub struct ") {
            // the variants of a public enum, the public fields of a public struct
            let is_enum = head.starts_with("pub enum ");
            let name = name_after(&head, if is_enum { "enum " } else { "struct " });
            for shown in name.and_then(|n| api.types.get(&n)).into_iter().flatten() {
                for member in members(&body, is_enum) {
                    let kind = if is_enum { "variant" } else { "field" };
                    out.insert(marked(format!("{shown}::{member} ({kind})")));
                }
            }
            continue;
        }
        if let Some(name) = name_after(bare, "trait ") {
            // a trait of a private module that a public path re-exports
            let listed = api.traits.contains(&name);
            if !listed && head.starts_with("pub trait ") {
                for shown in api.types.get(&name).into_iter().flatten() {
                    for item in trait_items(&body) {
                        out.insert(marked(format!("{shown}::{item}")));
                    }
                }
            }
            continue;
        }
        let Some(rest) = head.strip_prefix("impl") else {
            continue;
        };
        if rest.contains(" for ") {
            continue;
        }
        // `impl<T: X> Type<T>` -> `Type`
        let mut rest = rest.trim_start();
        if rest.starts_with('<') {
            let mut depth = 0;
            for (i, c) in rest.char_indices() {
                match c {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            rest = rest[i + 1..].trim_start();
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        let ty: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        let Some(paths) = api.types.get(&ty) else {
            continue;
        };
        for (item, _) in items(&body) {
            let (item, _) = clean(&item);
            if let Some(rest) = item.strip_prefix("pub ") {
                if let Some(name) = name_after(rest, "fn ") {
                    for shown in paths {
                        out.insert(marked(format!("{shown}::{name} (method)")));
                    }
                } else if let Some(name) = name_after(rest, "const ") {
                    for shown in paths {
                        out.insert(marked(format!("{shown}::{name} (assoc const)")));
                    }
                }
            }
        }
    }
}

/// The public API of the workspace's library crates under `root`.
fn public_api(root: &Path) -> BTreeMap<String, Vec<String>> {
    let mut crates = vec![Crate {
        name: "casework".to_owned(),
        src: root.join("src"),
    }];
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        if dir.join("src/lib.rs").exists() {
            let name = dir.file_name().unwrap().to_string_lossy().replace('-', "_");
            crates.push(Crate {
                name,
                src: dir.join("src"),
            });
        }
    }
    let mut out = BTreeMap::new();
    for c in crates {
        let mut api = Api::default();
        let text = blank(&std::fs::read_to_string(c.src.join("lib.rs")).unwrap());
        walk(&text, &c.name, &c.src, &mut api);
        let mut lines: Vec<String> = api.lines.iter().cloned().collect();
        lines.extend(methods(&c.src, &api));
        out.insert(c.name, lines);
    }
    out
}

fn render(api: &BTreeMap<String, Vec<String>>) -> String {
    let mut text = String::from(
        "# The public API of casework's library crates, one item a line (tests/public_api.rs).\n\
         # Written by `CASEWORK_BLESS=1 cargo test --test public_api`; review changes to it.\n",
    );
    for (name, lines) in api {
        let internals = lines.iter().filter(|l| l.contains("[internals]")).count();
        let members = lines
            .iter()
            .filter(|l| l.contains(" (variant)") || l.contains(" (field)"))
            .count();
        text.push_str(&format!(
            "\n## {name}: {} items and {members} variants and fields ({internals} of all internals)\n",
            lines.len() - members
        ));
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

#[test]
fn the_public_api_is_the_reviewed_list() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let list = root.join("docs/public-api.txt");
    let now = render(&public_api(root));
    if std::env::var_os("CASEWORK_BLESS").is_some() {
        std::fs::write(&list, &now).unwrap();
        return;
    }
    let reviewed = std::fs::read_to_string(&list).unwrap_or_default();
    if reviewed != now {
        let old: BTreeSet<&str> = reviewed.lines().collect();
        let new: BTreeSet<&str> = now.lines().collect();
        let added: Vec<&&str> = new.difference(&old).collect();
        let removed: Vec<&&str> = old.difference(&new).collect();
        panic!(
            "the public API changed; if that is meant, run `CASEWORK_BLESS=1 cargo test --test public_api` and commit docs/public-api.txt\nadded: {added:#?}\nremoved: {removed:#?}"
        );
    }
}

/// The reader sees items, methods, re-exports and modules, and skips what is private.
#[test]
fn the_reader_sees_public_items_only() {
    let code = blank(
        "pub mod a { pub struct S; impl S { pub fn m(&self) {} fn hidden() {} }\n\
         pub enum E { A(u8, Vec<u8>), B { x: u8 }, C } pub struct F { pub f: Vec<u8>, g: u8 }\n\
         pub(crate) fn no() {} }\n\
         pub use a::{S as T, b::c};\n\
         #[cfg(test)] pub mod tests { pub fn t() {} }\n\
         pub trait Tr { fn go(&self); const X: u8; }\n\
         fn private() { let s = \"{ not a brace\"; let c = '{'; }\n",
    );
    let mut api = Api::default();
    walk(&code, "k", Path::new("/nonexistent"), &mut api);
    let mut lines: Vec<String> = api.lines.iter().cloned().collect();
    let mut found = BTreeSet::new();
    collect_impls(&code, &api, &mut found);
    lines.extend(found);
    assert_eq!(
        lines,
        vec![
            "k::T (re-export of a::S)",
            "k::Tr (trait)",
            "k::Tr::X (trait const)",
            "k::Tr::go (trait fn)",
            "k::a (module)",
            "k::a::E (enum)",
            "k::a::F (struct)",
            "k::a::S (struct)",
            "k::c (re-export of a::b::c)",
            "k::T::m (method)",
            "k::a::E::A (variant)",
            "k::a::E::B (variant)",
            "k::a::E::C (variant)",
            "k::a::F::f: Vec<u8> (field)",
            "k::a::S::m (method)",
        ]
    );
}

/// Counts the public API of another checkout (`CASEWORK_API_OF=/path/to/tree`), for
/// before/after comparisons.
#[test]
fn count_of_another_tree() {
    let Some(other) = std::env::var_os("CASEWORK_API_OF") else {
        return;
    };
    for (name, lines) in public_api(Path::new(&other)) {
        eprintln!("{name}: {}", lines.len());
    }
}
