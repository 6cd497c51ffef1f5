//! Dependencies point one way inside every crate too: no file-level import cycle.
//!
//! Each source file of `crates/*/src` is a node; an edge goes from a file to every file
//! whose module it names — in a `use` (trees expanded) or in a path (`crate::x::y`,
//! `super::x`, `self::x`, or a child module `x::y`). Naming an item through the crate
//! root's re-exports (`crate::Item`) is an edge to the root, so a child that does so
//! while the root re-exports it is a cycle: import by module path instead.
//!
//! The graph of each crate is written to `target/module-graph/<crate>.dot` (draw it with
//! `dot -Tsvg`); the test fails with every cycle it finds, edges included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Source text without comments, string literals and char literals (lifetimes stay).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let (mut out, mut i) = (String::with_capacity(src.len()), 0);
    let word_before = |i: usize| i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_');
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && !word_before(i) && matches!(next, Some('"' | '#')) {
            let hashes = b[i + 1..].iter().take_while(|c| **c == '#').count();
            if b.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < b.len()
                && !(b[i] == '"' && b[i + 1..].iter().take(hashes).filter(|c| **c == '#').count() == hashes)
            {
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'); otherwise a lifetime.
            let end = if next == Some('\\') {
                b[i + 2..].iter().position(|c| *c == '\'').map(|p| i + 2 + p)
            } else {
                (b.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            match end {
                Some(e) => {
                    out.push_str("' '");
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn tokens(src: &str) -> Vec<Tok> {
    let b: Vec<char> = src.chars().collect();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        let c = b[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Punct(c));
            }
            i += 1;
        }
    }
    out
}

fn is(t: Option<&Tok>, word: &str) -> bool {
    matches!(t, Some(Tok::Ident(w)) if w == word)
}

/// Inside an inline `mod name { ... }`, `super` is the file's own module.
fn inline_modules_as_self(toks: &mut [Tok]) {
    let mut i = 0;
    while i + 2 < toks.len() {
        if is(toks.get(i), "mod") && matches!(toks[i + 1], Tok::Ident(_)) && toks[i + 2] == Tok::Punct('{') {
            let mut depth = 0;
            for t in toks[i + 2..].iter_mut() {
                match t {
                    Tok::Punct('{') => depth += 1,
                    Tok::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Ident(w) if w == "super" => *w = "self".into(),
                    _ => {}
                }
            }
        }
        i += 1;
    }
}

/// Expands the use tree starting at `toks[*i]` under `prefix`; stops after the tree.
fn use_tree(toks: &[Tok], i: &mut usize, prefix: &ModPath, out: &mut Vec<ModPath>) {
    let mut path = prefix.clone();
    while *i < toks.len() {
        match &toks[*i] {
            Tok::Ident(w) if w == "as" => *i += 2,
            Tok::Ident(w) => {
                path.push(w.clone());
                *i += 1;
            }
            Tok::PathSep => *i += 1,
            Tok::Punct('{') => {
                *i += 1;
                while *i < toks.len() && toks[*i] != Tok::Punct('}') {
                    use_tree(toks, i, &path, out);
                    if toks.get(*i) == Some(&Tok::Punct(',')) {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            Tok::Punct('*') => *i += 1,
            _ => break,
        }
    }
    out.push(path);
}

/// Every module path a file names, unresolved.
fn named_paths(toks: &[Tok], children: &BTreeSet<String>) -> Vec<ModPath> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if is(toks.get(i), "use") {
            i += 1;
            let mut trees = Vec::new();
            use_tree(toks, &mut i, &Vec::new(), &mut trees);
            out.extend(trees);
            continue;
        }
        let starts_path = match &toks[i] {
            Tok::Ident(w) => ["crate", "super", "self"].contains(&w.as_str()) || children.contains(w),
            _ => false,
        };
        let after_sep = i > 0 && toks[i - 1] == Tok::PathSep;
        if starts_path && !after_sep && toks.get(i + 1) == Some(&Tok::PathSep) {
            let mut path = Vec::new();
            while let Some(Tok::Ident(w)) = toks.get(i) {
                path.push(w.clone());
                if toks.get(i + 1) != Some(&Tok::PathSep) {
                    break;
                }
                i += 2;
            }
            out.push(path);
        }
        i += 1;
    }
    out
}

/// The module path of a file under `src`.
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: ModPath = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("lib" | "main" | "mod")) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The file-level import graph of one crate: module → modules it names.
fn graph(src: &Path) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<ModPath, PathBuf> = files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        let mut toks = tokens(&strip(&std::fs::read_to_string(file).expect("readable source")));
        inline_modules_as_self(&mut toks);
        let children: BTreeSet<String> = toks
            .windows(3)
            .filter_map(|w| match w {
                [Tok::Ident(m), Tok::Ident(name), Tok::Punct(';')] if m == "mod" => Some(name.clone()),
                _ => None,
            })
            .collect();
        let mut targets = BTreeSet::new();
        for path in named_paths(&toks, &children) {
            let (mut base, rest): (ModPath, &[String]) = match path[0].as_str() {
                "crate" => (Vec::new(), &path[1..]),
                "self" => (module.clone(), &path[1..]),
                "super" => {
                    let supers = path.iter().take_while(|s| *s == "super").count();
                    (module[..module.len().saturating_sub(supers)].to_vec(), &path[supers..])
                }
                _ => (module.clone(), &path[..]),
            };
            for segment in rest {
                let mut next = base.clone();
                next.push(segment.clone());
                if !modules.contains_key(&next) {
                    break;
                }
                base = next;
            }
            if &base != module && modules.contains_key(&base) {
                targets.insert(base);
            }
        }
        edges.insert(module.clone(), targets);
    }
    edges
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        g: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a ModPath) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in &s.g[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.out.push(component);
            }
        }
    }
    let mut s = State { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), out: Vec::new() };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn name(m: &ModPath) -> String {
    if m.is_empty() { "crate".into() } else { m.join("::") }
}

fn dot(krate: &str, g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> String {
    let mut out = format!("digraph \"{krate}\" {{\n  rankdir=LR;\n");
    for (from, tos) in g {
        out.push_str(&format!("  \"{}\";\n", name(from)));
        for to in tos {
            out.push_str(&format!("  \"{}\" -> \"{}\";\n", name(from), name(to)));
        }
    }
    out + "}\n"
}

#[test]
fn no_crate_has_a_file_level_import_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out_dir = root.join("target/module-graph");
    std::fs::create_dir_all(&out_dir).ok();
    let mut problems = Vec::new();
    let mut crates = 0;
    for entry in std::fs::read_dir(root.join("crates")).expect("crates/").flatten() {
        let src = entry.path().join("src");
        if !src.is_dir() {
            continue;
        }
        crates += 1;
        let krate = entry.file_name().to_string_lossy().into_owned();
        let g = graph(&src);
        std::fs::write(out_dir.join(format!("{krate}.dot")), dot(&krate, &g)).ok();
        for component in cycles(&g) {
            let members: BTreeSet<&ModPath> = component.iter().collect();
            let mut text = format!("{krate}: cycle through {} modules:", component.len());
            for m in &members {
                let inside: Vec<String> = g[*m].iter().filter(|t| members.contains(t)).map(name).collect();
                text.push_str(&format!("\n    {} -> {}", name(m), inside.join(", ")));
            }
            problems.push(text);
        }
    }
    assert!(crates >= 8, "only {crates} crates found under {}", root.display());
    assert!(problems.is_empty(), "file-level import cycles:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_the_kinds_of_edge_that_make_cycles() {
    let dir = std::env::temp_dir().join(format!("salespulse-modules-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("a")).unwrap();
    let files = [
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::Thing;\n// use crate::b::nothing;\n"),
        ("a/mod.rs", "mod inner;\nfn f() { inner::g(); }\n"),
        ("a/inner.rs", "use super::super::b::{self, X as Y};\n"),
        (
            "b.rs",
            "pub fn h() -> crate::a::Z { let s = \"crate::c::no\"; todo!() }\n#[cfg(test)]\nmod tests { use super::*; }\n",
        ),
        ("c.rs", "use crate::Thing;\npub struct Thing;\n"),
    ];
    for (f, text) in files {
        std::fs::write(src.join(f), text).unwrap();
    }
    let g = graph(&src);
    let m = |s: &str| -> ModPath { if s.is_empty() { vec![] } else { s.split("::").map(str::to_owned).collect() } };
    assert_eq!(g[&m("a")], BTreeSet::from([m("a::inner")]), "a child named in a path");
    assert_eq!(g[&m("a::inner")], BTreeSet::from([m("b")]), "super::super and a use tree");
    assert_eq!(g[&m("b")], BTreeSet::from([m("a")]), "a path in a type; strings, comments and inline super ignored");
    assert_eq!(g[&m("")], BTreeSet::from([m("c")]), "a re-export");
    let found: BTreeSet<BTreeSet<ModPath>> = cycles(&g).into_iter().map(|c| c.into_iter().collect()).collect();
    let want = BTreeSet::from([BTreeSet::from([m("a"), m("a::inner"), m("b")]), BTreeSet::from([m(""), m("c")])]);
    assert_eq!(found, want);
    std::fs::remove_dir_all(dir).ok();
}
