//! The structure runs one way: each layer of `src/` imports only what is
//! below it, and no files import each other in a circle.
//!
//! wire → model → world → scenario_file → services → scenario → control →
//! server → main (DESIGN.md, "Layout to grow into"): the scenario file and
//! the tools to apply it sit below the services, which map their own kinds;
//! applying and exporting a whole world sits above them.
//!
//! Read from the source text: every `use` and every path through `crate::`,
//! `super::`, `self::` or a child module, resolved to the file of the deepest
//! module it names. Test modules (`#[cfg(test)]`) are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the ground up, by module path prefix (the longest prefix
/// decides).
const LAYERS: &[(&str, u8)] = &[
    ("wire", 0),
    ("model", 1),
    ("world", 2),
    // What a service's scenario mapping uses: the file format and its tools.
    ("scenario_file", 3),
    ("services", 4),
    ("scenario", 5),
    ("control", 6),
    // The PrivateLink data plane: real traffic, beside the control API.
    ("dataplane", 6),
    ("server", 7),
    ("main", 8),
    // The fuzz targets' entry points: above everything they exercise,
    // imported by nothing.
    ("fuzzing", 8),
];

fn layer(module: &[String]) -> u8 {
    let path = module.join("::");
    LAYERS
        .iter()
        .filter(|(p, _)| path == *p || path.starts_with(&format!("{p}::")))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module {path} is in no layer: add it to LAYERS"))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path, // ::
    Open,
    Close,
    Comma,
    Semi,
    Hash,
    Star,
    Other,
}

/// Tokens of Rust source without comments, strings and character literals.
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied().unwrap_or('\0');
        if ch == '/' && next == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == 'r' && (next == '"' || next == '#') && {
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            let mut hashes = 0;
            i += 1;
            while c[i] == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push(Tok::Other);
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Other);
        } else if ch == '\'' {
            // A character literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if next == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
            out.push(Tok::Other);
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                if c[i] == '.' && !c.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                    break;
                }
                i += 1;
            }
            out.push(Tok::Other);
        } else {
            if ch == ':' && next == ':' {
                out.push(Tok::Path);
                i += 2;
                continue;
            }
            out.push(match ch {
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                ';' => Tok::Semi,
                '#' => Tok::Hash,
                '*' => Tok::Star,
                c if c.is_whitespace() => {
                    i += 1;
                    continue;
                }
                _ => Tok::Other,
            });
            i += 1;
        }
    }
    out
}

fn ident(t: Option<&Tok>) -> Option<&str> {
    match t {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Drops `#[cfg(test)] mod name { … }` and returns the names of
/// `#[cfg(test)] mod name;` (files that are tests).
fn drop_tests(toks: Vec<Tok>) -> (Vec<Tok>, Vec<String>) {
    let mut out = Vec::new();
    let mut test_files = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let is_cfg_test = toks[i] == Tok::Hash
            && toks.get(i + 1) == Some(&Tok::Other) // [
            && ident(toks.get(i + 2)) == Some("cfg")
            && ident(toks.get(i + 4)) == Some("test");
        if is_cfg_test {
            // Past `#[cfg(test)]`, then the item: `mod x;` or `mod x { … }`.
            let mut j = i + 2;
            while j < toks.len() && !matches!(&toks[j], Tok::Ident(s) if s == "mod") {
                j += 1;
                if j > i + 8 {
                    break;
                }
            }
            if ident(toks.get(j)) == Some("mod") {
                let name = ident(toks.get(j + 1)).unwrap_or_default().to_string();
                if toks.get(j + 2) == Some(&Tok::Semi) {
                    test_files.push(name);
                    i = j + 3;
                    continue;
                }
                if toks.get(j + 2) == Some(&Tok::Open) {
                    let mut depth = 0;
                    let mut k = j + 2;
                    while k < toks.len() {
                        match toks[k] {
                            Tok::Open => depth += 1,
                            Tok::Close => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        k += 1;
                    }
                    i = k + 1;
                    continue;
                }
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    (out, test_files)
}

/// Expands a use tree starting at `i` into paths; returns the index past it.
fn use_tree(toks: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(i) {
            Some(Tok::Ident(s)) if s == "as" => {
                i += 2;
                break;
            }
            Some(Tok::Ident(s)) => {
                if s != "self" || path.is_empty() {
                    path.push(s.clone());
                }
                i += 1;
            }
            Some(Tok::Path) => i += 1,
            Some(Tok::Star) => {
                path.push("*".into());
                i += 1;
            }
            Some(Tok::Open) => {
                i += 1;
                while toks.get(i).is_some_and(|t| *t != Tok::Close) {
                    i = use_tree(toks, i, &path, out);
                    if toks.get(i) == Some(&Tok::Comma) {
                        i += 1;
                    }
                }
                return i + 1;
            }
            _ => break,
        }
    }
    if path.len() > prefix.len() {
        out.push(path);
    }
    i
}

struct Module {
    file: PathBuf,
    path: Vec<String>,
}

fn modules(src: &Path) -> Vec<Module> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = p.strip_prefix(src).unwrap();
            let mut path: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if path.last().map(String::as_str) == Some("mod") {
                path.pop();
            }
            if path == ["lib"] {
                path.clear();
            }
            out.push(Module { file: p, path });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// What one file says: the paths it names, the names it hands on (`pub
/// use`) and the items it defines.
#[derive(Default)]
struct Parsed {
    paths: Vec<Vec<String>>,
    faces: Vec<Vec<String>>,
    defines: BTreeSet<String>,
}

fn parse(toks: &[Tok]) -> Parsed {
    let mut p = Parsed::default();
    let mut i = 0;
    while i < toks.len() {
        match ident(toks.get(i)) {
            Some("use") => {
                // `pub use` (any visibility) hands names on.
                let public = toks[..i]
                    .iter()
                    .rev()
                    .take_while(|t| !matches!(t, Tok::Semi | Tok::Open | Tok::Close | Tok::Hash))
                    .any(|t| matches!(t, Tok::Ident(s) if s == "pub"));
                let before = p.paths.len();
                i = use_tree(toks, i + 1, &[], &mut p.paths);
                if public {
                    p.faces.extend(p.paths[before..].iter().cloned());
                }
                continue;
            }
            Some("struct" | "enum" | "fn" | "type" | "const" | "static" | "trait" | "union") => {
                if let Some(name) = ident(toks.get(i + 1)) {
                    p.defines.insert(name.to_string());
                }
            }
            _ => {}
        }
        let starts_path = matches!(toks.get(i + 1), Some(Tok::Path))
            && !matches!(i.checked_sub(1).and_then(|k| toks.get(k)), Some(Tok::Path));
        if let (true, Some(first)) = (starts_path, ident(toks.get(i))) {
            let mut path = vec![first.to_string()];
            let mut j = i + 1;
            while toks.get(j) == Some(&Tok::Path) {
                match ident(toks.get(j + 1)) {
                    Some(s) => path.push(s.to_string()),
                    None => break,
                }
                j += 2;
            }
            p.paths.push(path);
            i = j;
            continue;
        }
        i += 1;
    }
    p
}

struct Resolver {
    known: BTreeSet<Vec<String>>,
    parsed: BTreeMap<Vec<String>, Parsed>,
}

impl Resolver {
    /// The module a path written in `here` starts from, and the rest of it.
    fn start(&self, here: &[String], p: &[String]) -> Option<(Vec<String>, usize)> {
        let is_main = here == ["main"];
        match p.first().map(String::as_str) {
            Some("crate") if !is_main => Some((vec![], 1)),
            Some("awsemu") if is_main => Some((vec![], 1)),
            Some("self") => Some((here.to_vec(), 1)),
            Some("super") => {
                let mut b = here.to_vec();
                let mut k = 0;
                while p.get(k).map(String::as_str) == Some("super") {
                    b.pop();
                    k += 1;
                }
                Some((b, k))
            }
            Some(first) if !is_main => {
                // A child module of this one, written without `self::`.
                let mut child = here.to_vec();
                child.push(first.to_string());
                self.known.contains(&child).then(|| (here.to_vec(), 0))
            }
            _ => None,
        }
    }

    /// The file a path written in `here` leads to: its deepest module, or,
    /// where that module only hands the next name on, the file that
    /// defines it.
    fn resolve(&self, here: &[String], p: &[String], depth: usize) -> Option<Vec<String>> {
        let (mut base, skip) = self.start(here, p)?;
        let mut rest = p[skip..].iter();
        let mut item = None;
        for s in rest.by_ref() {
            let mut deeper = base.clone();
            deeper.push(s.clone());
            if self.known.contains(&deeper) {
                base = deeper;
            } else {
                item = Some(s.clone());
                break;
            }
        }
        if let (Some(item), true) = (item, depth < 8) {
            if let Some(parsed) = self.parsed.get(&base) {
                if !parsed.defines.contains(&item) {
                    for face in &parsed.faces {
                        let last = face.last().map(String::as_str);
                        if last == Some(item.as_str()) || last == Some("*") {
                            let target = if last == Some("*") {
                                let mut f = face[..face.len() - 1].to_vec();
                                f.push(item.clone());
                                f
                            } else {
                                face.clone()
                            };
                            if let Some(t) = self.resolve(&base, &target, depth + 1) {
                                let defines = self
                                    .parsed
                                    .get(&t)
                                    .is_some_and(|d| d.defines.contains(&item));
                                if last != Some("*") || defines {
                                    return Some(t);
                                }
                            }
                        }
                    }
                }
            }
        }
        Some(base)
    }
}

/// Every file's imports, as edges between module paths.
fn graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mods = modules(src);
    let mut tests: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut r = Resolver {
        known: mods.iter().map(|m| m.path.clone()).collect(),
        parsed: BTreeMap::new(),
    };
    for m in &mods {
        let text = std::fs::read_to_string(&m.file).unwrap();
        let (toks, test_files) = drop_tests(tokens(&text));
        for t in test_files {
            let mut p = m.path.clone();
            p.push(t);
            tests.insert(p);
        }
        r.parsed.insert(m.path.clone(), parse(&toks));
    }
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (here, parsed) in &r.parsed {
        if here.is_empty() || tests.contains(here) {
            continue;
        }
        let targets = edges.entry(here.clone()).or_default();
        for p in &parsed.paths {
            if let Some(t) = r.resolve(here, p, 0) {
                if t != *here && !t.is_empty() && !tests.contains(&t) {
                    targets.insert(t);
                }
            }
        }
    }
    edges
}

/// Files that import each other in a loop (strongly connected components of
/// more than one file), by Tarjan's algorithm.
fn circles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.edges.get(v).into_iter().flatten() {
            if !t.edges.contains_key(w) {
                continue;
            }
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_import_runs_down_a_layer_or_stays_on_it() {
    let edges = graph(&src());
    let mut up = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            if layer(to) > layer(from) {
                up.push(format!("{} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        up.is_empty(),
        "imports that run back up:\n{}",
        up.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let edges = graph(&src());
    let found = circles(&edges);
    // Each circle with the imports that tie it.
    let mut shown = Vec::new();
    for c in &found {
        shown.push(format!("circle: {}", c.join(", ")));
        for (from, targets) in &edges {
            for to in targets {
                if c.contains(&from.join("::")) && c.contains(&to.join("::")) {
                    shown.push(format!("  {} -> {}", from.join("::"), to.join("::")));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", shown.join("\n"));
}

#[test]
fn the_reader_sees_imports_circles_and_layers() {
    // The checks above must be able to fail: a small tree with a circle and
    // an import that runs up.
    let dir = std::env::temp_dir().join(format!("awsemu-layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("world")).unwrap();
    std::fs::create_dir_all(dir.join("services")).unwrap();
    let write = |p: &str, s: &str| std::fs::write(dir.join(p), s).unwrap();
    write("lib.rs", "pub mod world; pub mod services;");
    write(
        "world/mod.rs",
        "pub mod ids;\n// use crate::services::b; (a comment)\nuse crate::services::{a, b as c};\n#[cfg(test)]\nmod tests { use crate::services::x; }",
    );
    write(
        "world/ids.rs",
        "fn f() { let s = \"crate::services::a\"; super::g(); }",
    );
    // `services` hands on what `c` defines (a glob) and `Ctx` by name.
    write(
        "services/mod.rs",
        "pub mod a; pub mod b; mod c; pub use c::*; pub use b::Ctx;",
    );
    write(
        "services/a.rs",
        "use super::b::Thing; fn f<'a>(x: &'a str) {}",
    );
    write(
        "services/b.rs",
        "pub struct Ctx; fn g() { crate::services::a::h(); }",
    );
    write(
        "services/c.rs",
        "pub struct State; fn f(c: &crate::services::Ctx) -> crate::services::State {}",
    );
    let edges = graph(&dir);
    let to = |s: &str| -> Vec<String> { s.split("::").map(String::from).collect() };
    let set = |v: &[&str]| -> BTreeSet<Vec<String>> { v.iter().map(|s| to(s)).collect() };
    assert_eq!(edges[&to("world")], set(&["services::a", "services::b"]));
    assert_eq!(edges[&to("world::ids")], set(&["world"]));
    assert_eq!(edges[&to("services::a")], set(&["services::b"]));
    // Through the face to the files that define the names, not to the face
    // itself (and never to itself).
    assert_eq!(edges[&to("services::c")], set(&["services::b"]));
    assert_eq!(edges[&to("services")], set(&["services::b", "services::c"]));
    assert_eq!(
        circles(&edges),
        vec![vec!["services::a".to_string(), "services::b".to_string()]]
    );
    assert!(layer(&to("world")) < layer(&to("services::a")));
    let _ = std::fs::remove_dir_all(&dir);
}
