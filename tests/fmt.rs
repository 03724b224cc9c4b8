//! The formatter and `mspc fmt`: golden pairs in `tests/fixtures/fmt/`
//! (`MSPC_BLESS=1` rewrites the `.out.msp` files, to be read before
//! committing), the examples and stdlib as fixed points, property tests
//! (formatting is idempotent, keeps the tree, every comment between the
//! same tokens, and the IR), and the binary. Property cases:
//! `MSPC_PROPTEST_CASES` (default 256).

mod common;

use std::path::PathBuf;

use common::{TempDir, code, mspc, stderr, stdout};
use mspc_compiler::fmt::{FormatError, compare, format};
use mspc_compiler::syntax::parse;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("MSPC_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

fn fmt(text: &str) -> String {
    match format(text) {
        Ok(out) => out,
        Err(e) => panic!("{e}: {e:?}\n--- input ---\n{text}"),
    }
}

// ------------------------------------------------------------------ tokens

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Word,
    Str,
    Comment,
    Punct,
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// A rough lexer, independent of the formatter's: enough to find the gaps
/// between tokens and what each comment sits between.
fn tokens(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let kind = if text[i..].starts_with('\u{FEFF}') || matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += if b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r' || b[i] == b'\n' { 1 } else { 3 };
            continue;
        } else if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(b.len(), |n| i + n);
            Kind::Comment
        } else if text[i..].starts_with("\"\"\"") {
            i += 3;
            while i < b.len() && !text[i..].starts_with("\"\"\"") {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 3).min(b.len());
            Kind::Str
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            Kind::Str
        } else if b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.') {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.')) {
                i += 1;
            }
            Kind::Word
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            Kind::Punct
        };
        out.push(Tok { kind, start, end: i });
    }
    out
}

/// For each comment, in order: its text and the tokens before and after it,
/// commas aside (the formatter drops and adds them).
fn comment_places(text: &str) -> Vec<(String, String, String)> {
    let toks: Vec<Tok> = tokens(text).into_iter().filter(|t| &text[t.start..t.end] != ",").collect();
    let code = |t: Option<&Tok>| t.map_or(String::new(), |t| text[t.start..t.end].to_string());
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.kind == Kind::Comment {
            let before = toks[..i].iter().rev().find(|t| t.kind != Kind::Comment);
            let after = toks[i + 1..].iter().find(|t| t.kind != Kind::Comment);
            out.push((text[t.start..t.end].trim_end().to_string(), code(before), code(after)));
        }
    }
    out
}

/// What formatting `before` into `after` must keep: no syntax errors, the
/// same tree, and every comment between the same two tokens.
fn assert_keeps_meaning(before: &str, after: &str) {
    let (b, a) = (parse(before), parse(after));
    assert!(a.errors.is_empty(), "the output does not parse: {:?}\n{after}", a.errors);
    assert_eq!(compare::shape(&a.ast), compare::shape(&b.ast), "the tree changed:\n{before}\n--- became ---\n{after}");
    assert_eq!(compare::comment_texts(after, &a.ast), compare::comment_texts(before, &b.ast));
    assert_eq!(comment_places(after), comment_places(before), "a comment moved:\n{before}\n--- became ---\n{after}");
}

// ------------------------------------------------------------------ golden pairs

fn fixture_dir() -> PathBuf {
    common::repo_root().join("tests/fixtures/fmt")
}

fn fixture_inputs() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.strip_suffix(".in.msp")?.to_string();
            Some((name, std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    v.sort();
    assert!(v.len() >= 6, "fixtures missing");
    v
}

#[test]
fn fixture_pairs() {
    let bless = std::env::var_os("MSPC_BLESS").is_some();
    for (name, input) in fixture_inputs() {
        let out = fmt(&input);
        let golden = fixture_dir().join(format!("{name}.out.msp"));
        if bless {
            std::fs::write(&golden, &out).unwrap();
        } else {
            let want = std::fs::read_to_string(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
            assert_eq!(out, want, "{name}: the output differs from {name}.out.msp");
        }
        assert_eq!(fmt(&out), out, "{name}: formatting its output changes it again");
        assert_keeps_meaning(&input, &out);
    }
}

#[test]
fn every_comment_position_keeps_its_comment() {
    for name in ["comments", "declaration-comments"] {
        let input = std::fs::read_to_string(fixture_dir().join(format!("{name}.in.msp"))).unwrap();
        let out = fmt(&input);
        let places = comment_places(&input);
        assert!(places.len() >= 30, "{name}: only {} comments", places.len());
        assert_eq!(comment_places(&out), places);
        // Doc comments still document what they documented.
        assert_keeps_meaning(&input, &out);
        assert!(parse(&out).errors.is_empty());
    }
}

// ------------------------------------------------------------------ real files

/// Every `.msp` file of the examples, the valid fixtures and the stdlib.
fn real_files() -> Vec<(PathBuf, String)> {
    let root = common::repo_root();
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures/valid", "stdlib"] {
        for (rel, abs) in mspc_compiler::db::load::collect(&root.join(dir)).unwrap() {
            if rel.ends_with(".msp") {
                out.push((PathBuf::from(dir).join(rel), std::fs::read_to_string(abs).unwrap()));
            }
        }
    }
    assert!(out.len() > 20);
    out
}

#[test]
fn the_examples_and_the_stdlib_are_formatted() {
    for (path, text) in real_files() {
        let out = fmt(&text);
        if !path.starts_with("tests") {
            assert_eq!(out, text, "{} is not formatted", path.display());
        }
        assert_eq!(fmt(&out), out, "{}: not idempotent", path.display());
        assert_keeps_meaning(&text, &out);
    }
}

/// The text with its layout flattened: no indentation, no alignment, no
/// spaces where the grammar needs none; line breaks (at most two) kept.
fn squash(text: &str) -> String {
    let toks = tokens(text);
    let mut out = String::new();
    let mut prev: Option<Tok> = None;
    for t in toks {
        let gap = &text[prev.map_or(0, |p| p.end)..t.start];
        let newlines = gap.matches('\n').count().min(2);
        let tight = prev.is_some_and(|p| p.kind == Kind::Punct || t.kind == Kind::Punct);
        if newlines > 0 {
            out.push_str(&"\n".repeat(newlines));
        } else if prev.is_some() && !tight {
            out.push(' ');
        }
        out.push_str(&text[t.start..t.end]);
        prev = Some(t);
    }
    out
}

fn workspace_outcome(
    files: Vec<(String, String)>,
) -> (Vec<(String, String)>, Vec<std::sync::Arc<mspc_compiler::ir::Service>>) {
    let ws = common::load(files);
    let r = ws.result();
    assert!(r.internal_errors.is_empty(), "{:?}", r.internal_errors);
    let diags = r.diagnostics.iter().map(|d| (d.code.as_str().to_string(), d.message.clone())).collect();
    (diags, r.services.clone())
}

fn examples_workspace() -> Vec<(String, String)> {
    let root = common::repo_root().join("examples");
    mspc_compiler::db::load::collect(&root)
        .unwrap()
        .into_iter()
        .map(|(rel, abs)| (rel, std::fs::read_to_string(abs).unwrap_or_default()))
        .collect()
}

#[test]
fn any_layout_of_an_example_formats_back_to_it_with_the_same_ir() {
    let files = examples_workspace();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".msp")) {
        let flat = squash(text);
        assert_ne!(&flat, text, "{path}: squash changed nothing");
        let out = fmt(&flat);
        assert_eq!(&out, text, "{path}: the squashed file formats differently");
        let with = |t: &str| {
            let mut v = files.clone();
            v.iter_mut().filter(|(p, _)| p == path).for_each(|(_, old)| *old = t.to_string());
            workspace_outcome(v)
        };
        let (flat_diags, flat_ir) = with(&flat);
        let (out_diags, out_ir) = with(&out);
        assert_eq!(flat_diags, out_diags, "{path}");
        assert_eq!(flat_ir, out_ir, "{path}");
        assert!(!out_ir.is_empty());
    }
}

// ------------------------------------------------------------------ properties

const INSERTS: &[&str] = &[" ", "", "\t  ", "\n", "\n\n\n", " // note\n", "\n// own line\n", "\n/// doc\n", "\r\n"];

/// Replaces the space before token `at` of `text` with one of `INSERTS`,
/// where the grammar allows it (no line break or comment beside `=`, which
/// must share the value's line; no empty gap between two words).
fn perturb(text: &str, edits: &[(prop::sample::Index, usize)]) -> String {
    let mut text = text.to_string();
    for (at, what) in edits {
        let toks = tokens(&text);
        if toks.is_empty() {
            return text;
        }
        let i = at.index(toks.len() + 1);
        let prev = i.checked_sub(1).map(|j| toks[j]);
        let next = toks.get(i).copied();
        let from = prev.map_or(0, |p| p.end);
        let to = next.map_or(text.len(), |n| n.start);
        let near_equals = [prev, next].iter().flatten().any(|t| &text[t.start..t.end] == "=");
        let after_comment = prev.is_some_and(|p| p.kind == Kind::Comment);
        let insert = INSERTS[*what % INSERTS.len()];
        let words = prev.is_some_and(|p| p.kind != Kind::Punct) && next.is_some_and(|n| n.kind != Kind::Punct);
        let breaks = insert.contains('\n');
        if (near_equals && breaks) || (insert.is_empty() && (words || after_comment)) || (after_comment && !breaks) {
            continue;
        }
        text.replace_range(from..to, insert);
    }
    text
}

/// Seeds for perturbation: the real files and the fixtures' inputs.
fn seeds() -> &'static [(String, String)] {
    static SEEDS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut v: Vec<(String, String)> =
            real_files().into_iter().map(|(p, t)| (p.to_string_lossy().into_owned(), t)).collect();
        v.extend(fixture_inputs());
        v
    })
}

fn check_property(text: &str) -> Result<(), TestCaseError> {
    let parsed = parse(text);
    prop_assume!(parsed.errors.is_empty());
    let once = match format(text) {
        Ok(o) => o,
        Err(e) => return Err(TestCaseError::fail(format!("{e}\n{text}"))),
    };
    prop_assert_eq!(&fmt(&once), &once, "not idempotent on:\n{}", text);
    assert_keeps_meaning(text, &once);
    Ok(())
}

// ------------------------------------------------------------------ generated files

const KEYS: &[&str] = &["a", "name", "b_c", "x-y", "\"quoted key\"", "env", "T"];

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("1".to_string()),
        Just("-2.5".to_string()),
        Just("5m".to_string()),
        Just("1Gi".to_string()),
        Just("\"s\"".to_string()),
        Just("\"a ${b.c} \\\" d\"".to_string()),
        Just("\"\"\"\n  two\n    lines\n  \"\"\"".to_string()),
        Just("true".to_string()),
        Just("teams.core".to_string()),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..4), any::<bool>(), any::<bool>())
                .prop_map(|(items, multi, comment)| container("[", "]", ",", items, multi, comment)),
            (prop::collection::vec(entry(inner.clone()), 0..4), any::<bool>(), any::<bool>())
                .prop_map(|(entries, multi, comment)| container("{", "}", "", entries, multi, comment)),
            (prop::collection::vec(entry(inner.clone()), 0..3), any::<bool>())
                .prop_map(|(entries, multi)| format!("cloudflare {}", container("{", "}", "", entries, multi, false))),
            (prop::collection::vec(inner, 0..3), any::<bool>())
                .prop_map(|(args, multi)| format!("secret{}", container("(", ")", ",", args, multi, false))),
        ]
    })
}

fn entry(value: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (0..KEYS.len(), value, 0..4usize, any::<bool>()).prop_map(|(k, v, spaces, spread)| {
        if spread {
            format!("..base.{}", KEYS[k].trim_matches('"').replace(' ', "_"))
        } else {
            format!("{}{}={}{v}", KEYS[k], " ".repeat(spaces), " ".repeat(spaces % 2))
        }
    })
}

/// Items on one line, or one a line with some comments among them.
fn container(open: &str, close: &str, sep: &str, items: Vec<String>, multi: bool, comment: bool) -> String {
    if !multi || items.is_empty() {
        return format!("{open}{}{close}", items.join(&format!("{sep} ")));
    }
    let mut s = format!("{open}\n");
    for (i, item) in items.iter().enumerate() {
        if comment && i == 1 {
            s.push_str("  // among the items\n\n");
        }
        s.push_str(&format!("{}{item}{sep}", " ".repeat(i % 3)));
        if comment && i == 0 {
            s.push_str(" // after the first");
        }
        s.push('\n');
    }
    s.push_str(close);
    s
}

fn file() -> impl Strategy<Value = String> {
    let item = prop_oneof![
        (0..KEYS.len(), value())
            .prop_map(|(k, v)| format!("let {} = {v}", KEYS[k].trim_matches('"').replace(' ', "_"))),
        (prop::collection::vec(entry(value()), 0..5), any::<bool>()).prop_map(|(entries, multi)| format!(
            "/// A service.\nservice s {}",
            container("{", "}", "", entries, multi, true)
        )),
        Just("import \"x.msp\" as x // why".to_string()),
    ];
    (prop::collection::vec((item, 0..3usize), 0..5)).prop_map(|items| {
        items.into_iter().map(|(item, blanks)| format!("{item}{}", "\n".repeat(blanks + 1))).collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_global_rejects: cases() * 4,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn perturbed_real_files_format_the_same_way_twice(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..INSERTS.len()), 1..6),
    ) {
        let seeds = seeds();
        let (_, text) = &seeds[seed.index(seeds.len())];
        check_property(&perturb(text, &edits))?;
    }

    #[test]
    fn generated_files_format_the_same_way_twice(text in file()) {
        prop_assert!(parse(&text).errors.is_empty(), "the generator made a broken file:\n{}", text);
        check_property(&text)?;
    }

}

proptest! {
    // Each case checks the whole examples workspace twice: a quarter of the cases.
    #![proptest_config(ProptestConfig {
        cases: (cases() / 4).max(16),
        max_global_rejects: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn formatting_a_perturbed_example_keeps_the_ir(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..INSERTS.len()), 1..6),
    ) {
        static FILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
        let files = FILES.get_or_init(examples_workspace);
        let msp: Vec<&(String, String)> = files.iter().filter(|(p, _)| p.ends_with(".msp")).collect();
        let (path, text) = msp[seed.index(msp.len())];
        let changed = perturb(text, &edits);
        prop_assume!(parse(&changed).errors.is_empty());
        let out = fmt(&changed);
        let with = |t: &str| {
            let mut v = files.clone();
            v.iter_mut().filter(|(p, _)| p == path).for_each(|(_, old)| *old = t.to_string());
            workspace_outcome(v)
        };
        let (before_diags, before_ir) = with(&changed);
        let (after_diags, after_ir) = with(&out);
        prop_assert_eq!(before_diags, after_diags);
        prop_assert!(before_ir == after_ir, "the IR changed for {}", path);
    }
}

// ------------------------------------------------------------------ the binary

const UGLY: &str = "service a {\nname=\"A\"\n    description = \"d\"\n}\n";
const PRETTY: &str = "service a {\n  name        = \"A\"\n  description = \"d\"\n}\n";

fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new("fmt");
    dir.write(&files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect::<Vec<_>>());
    dir
}

fn read(dir: &TempDir, rel: &str) -> String {
    std::fs::read_to_string(dir.path().join(rel)).unwrap()
}

#[test]
fn check_names_the_files_that_would_change_and_writes_nothing() {
    let dir = tree(&[("services/a.msp", UGLY), ("b.msp", PRETTY)]);
    let o = mspc(dir.path(), &["fmt", "--check"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stderr(&o), "would reformat: services/a.msp\n");
    assert_eq!(stdout(&o), "");
    assert_eq!(read(&dir, "services/a.msp"), UGLY);
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = tree(&[("a.msp", UGLY)]);
    let o = mspc(dir.path(), &["fmt", "--diff", "a.msp"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "--- a.msp\n+++ a.msp\n@@ -1,4 +1,4 @@\n service a {\n-name=\"A\"\n-    description = \"d\"\n+  name        = \"A\"\n+  description = \"d\"\n }\n"
    );
    assert_eq!(read(&dir, "a.msp"), UGLY);
}

#[test]
fn without_flags_files_are_rewritten_in_place() {
    let dir = tree(&[("x/a.msp", UGLY), ("x/b.msp", PRETTY), (".hidden/c.msp", UGLY), ("x/notes.txt", UGLY)]);
    let o = mspc(dir.path(), &["fmt", "x"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(read(&dir, "x/a.msp"), PRETTY);
    assert_eq!(read(&dir, "x/b.msp"), PRETTY);
    // Hidden folders are skipped as a workspace load skips them; other files are not ours.
    assert_eq!(read(&dir, ".hidden/c.msp"), UGLY);
    assert_eq!(read(&dir, "x/notes.txt"), UGLY);
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("x"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(code(&mspc(dir.path(), &["fmt", "--check", "x"])), 0);
}

#[test]
fn a_file_with_syntax_errors_is_reported_and_left_alone() {
    let broken = "service a {\n  name = \n}\n";
    let dir = tree(&[("broken.msp", broken), ("ok.msp", UGLY)]);
    let o = mspc(dir.path(), &["fmt"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("E0001"), "{}", stdout(&o));
    assert!(stdout(&o).contains("broken.msp:2:"), "{}", stdout(&o));
    assert_eq!(read(&dir, "broken.msp"), broken);
    assert_eq!(read(&dir, "ok.msp"), PRETTY, "the other file is still formatted");
    // The short format, as `mspc check --format short` writes it; with
    // `--diff` the errors go to stderr so the patch stays clean.
    let o = mspc(dir.path(), &["fmt", "--diff", "--format", "short", "broken.msp"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).starts_with("broken.msp:2:"), "{}", stderr(&o));
}

#[test]
fn a_clean_tree_exits_zero_and_a_missing_path_two() {
    let dir = tree(&[("a.msp", PRETTY), ("sub/b.msp", PRETTY)]);
    let o = mspc(dir.path(), &["fmt", "--check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let o = mspc(dir.path(), &["fmt", "--diff"]);
    assert_eq!((code(&o), stdout(&o)), (0, String::new()));
    let o = mspc(dir.path(), &["fmt", "nowhere.msp"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nowhere.msp"), "{}", stderr(&o));
}

#[test]
fn format_refuses_what_does_not_parse() {
    assert!(matches!(format("let = 1"), Err(FormatError::Syntax(e)) if !e.is_empty()));
}
