//! Fixture-driven checker tests.
//!
//! Every file under `tests/fixtures/invalid/` states the diagnostics it must
//! produce, inline, on the line after the code they point at:
//!
//! ```text
//!   regoin = "us-central1"
//! //^^^^^^ E0201
//! ```
//!
//! The carets give the columns of the primary span on the nearest line above
//! that is not an annotation (a span over several lines is matched on its
//! first line). Where a span starts in the first two columns, write the
//! position instead: `//~ E0001 @3:1` or `//~ E0001 @3:1-3:8` (1-based).
//! A folder is one workspace of several files, each with its own annotations.
//! The test fails on any missing, extra or misplaced diagnostic, and unless
//! every code in the registry has at least one fixture. Files under
//! `tests/fixtures/valid/` must produce no diagnostic at all.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use mspc_compiler::diagnostics::{Code, Diagnostic, SourceMap, line_col, render};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expect {
    file: String,
    code: String,
    line: usize,
    col: usize,
    /// End on the same line, when the annotation gives one.
    end: Option<(usize, usize)>,
    /// Line of the annotation itself, for messages.
    at: usize,
}

fn parse_annotations(file: &str, text: &str) -> Result<Vec<Expect>, String> {
    parse_annotations_with(file, text, "//")
}

/// `marker` starts a comment: `//` in `.msp`, `#` in the YAML of import fixtures.
fn parse_annotations_with(file: &str, text: &str, marker: &str) -> Result<Vec<Expect>, String> {
    let mut out = Vec::new();
    let mut target: Option<usize> = None;
    let tilde = format!("{marker}~");
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(tilde.as_str()) {
            let mut words = rest.split_whitespace();
            let code = words.next().ok_or(format!("{file}:{lineno}: `//~` needs a code"))?.to_string();
            let pos = words
                .next()
                .and_then(|w| w.strip_prefix('@'))
                .ok_or(format!("{file}:{lineno}: `//~ CODE @line:col`"))?;
            let (start, end) = match pos.split_once('-') {
                Some((s, e)) => (s, Some(e)),
                None => (pos, None),
            };
            let lc = |s: &str| -> Result<(usize, usize), String> {
                let (l, c) = s.split_once(':').ok_or(format!("{file}:{lineno}: bad position `{s}`"))?;
                Ok((
                    l.parse().map_err(|_| format!("{file}:{lineno}: bad line"))?,
                    c.parse().map_err(|_| format!("{file}:{lineno}: bad column"))?,
                ))
            };
            let (l, c) = lc(start)?;
            let end = end.map(lc).transpose()?;
            out.push(Expect { file: file.into(), code, line: l, col: c, end, at: lineno });
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix(marker)
            && rest.trim_start().starts_with('^')
        {
            let caret_start = line.find('^').unwrap();
            let carets = line[caret_start..].chars().take_while(|&c| c == '^').count();
            let code = line[caret_start + carets..]
                .split_whitespace()
                .next()
                .ok_or(format!("{file}:{lineno}: carets need a code"))?;
            let t = target.ok_or(format!("{file}:{lineno}: carets with no line above"))?;
            let col = line[..caret_start].chars().count() + 1;
            out.push(Expect {
                file: file.into(),
                code: code.into(),
                line: t,
                col,
                end: Some((t, col + carets)),
                at: lineno,
            });
            continue;
        }
        target = Some(lineno);
    }
    Ok(out)
}

fn matches(e: &Expect, d: &Diagnostic, map: &dyn SourceMap) -> bool {
    let text = map.text(d.primary.span.file);
    let (l, c) = line_col(text, d.primary.span.range.start);
    let (el, ec) = line_col(text, d.primary.span.range.end);
    if map.path(d.primary.span.file) != e.file || d.code.as_str() != e.code || (l, c) != (e.line, e.col) {
        return false;
    }
    match e.end {
        // Multi-line spans are matched on their start.
        Some(end) if el == l => (el, ec) == end,
        _ => true,
    }
}

/// Checks one fixture; returns the codes it covers, or a report of mismatches.
fn check_fixture(path: &Path) -> Result<BTreeSet<String>, String> {
    let (loaded, files) = common::fixture_workspace(path);
    let mut expects = Vec::new();
    for (p, text) in &files {
        if p.ends_with(".msp") {
            expects.extend(parse_annotations(p, text)?);
        }
    }
    let result = loaded.result();
    if let Some(e) = result.internal_errors.first() {
        return Err(format!("internal error: {e}"));
    }
    let diags = &result.diagnostics;
    let mut unmatched: Vec<&Diagnostic> = Vec::new();
    let mut open: Vec<Expect> = expects.clone();
    for d in diags {
        match open.iter().position(|e| matches(e, d, &loaded)) {
            Some(i) => {
                open.remove(i);
            }
            None => unmatched.push(d),
        }
    }
    if unmatched.is_empty() && open.is_empty() {
        return Ok(expects.into_iter().map(|e| e.code).collect());
    }
    let mut report = String::new();
    for e in &open {
        report.push_str(&format!(
            "  missing: {} at {}:{}:{}{} (annotation on line {})\n",
            e.code,
            e.file,
            e.line,
            e.col,
            e.end.map(|(l, c)| format!("-{l}:{c}")).unwrap_or_default(),
            e.at
        ));
    }
    for d in &unmatched {
        let text = loaded.text(d.primary.span.file);
        let (el, ec) = line_col(text, d.primary.span.range.end);
        report.push_str(&format!(
            "  unexpected: {}  (ends {el}:{ec})\n",
            render::short(std::slice::from_ref(*d), &loaded).trim_end()
        ));
    }
    Err(report)
}

fn run_dir(dir: &str) -> (BTreeSet<String>, usize) {
    let root = common::repo_root().join(dir);
    let mut failures = String::new();
    let mut covered = BTreeSet::new();
    let all = common::entries(&root);
    for path in &all {
        match check_fixture(path) {
            Ok(codes) => covered.extend(codes),
            Err(report) => {
                failures.push_str(&format!("{}:\n{report}", path.strip_prefix(common::repo_root()).unwrap().display()))
            }
        }
    }
    assert!(failures.is_empty(), "fixtures disagree with the checker:\n{failures}");
    (covered, all.len())
}

#[test]
fn invalid_fixtures_report_exactly_their_annotations() {
    let (mut covered, count) = run_dir("tests/fixtures/invalid");
    covered.extend(import_fixtures());
    covered.extend(common::BUILT_BY_HOSTILE_TESTS.map(String::from));
    let missing: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).filter(|c| !covered.contains(*c)).collect();
    assert!(missing.is_empty(), "codes without a fixture: {}", missing.join(", "));
    assert!(count >= 80, "only {count} invalid fixtures; the bar is 80");
}

#[test]
fn valid_fixtures_are_clean() {
    let (covered, _) = run_dir("tests/fixtures/valid");
    assert!(covered.is_empty(), "valid fixtures must not carry annotations");
}

#[test]
fn annotation_syntax() {
    let text = "a = 1\n  regoin = 2\n//^^^^^^ E0201\n//~ E0001 @1:1-1:2\n";
    let got = parse_annotations("f.msp", text).unwrap();
    assert_eq!(
        got[0],
        Expect { file: "f.msp".into(), code: "E0201".into(), line: 2, col: 3, end: Some((2, 9)), at: 3 }
    );
    assert_eq!((got[1].line, got[1].col, got[1].end), (1, 1, Some((1, 2))));
}

/// The import codes (E04xx) point into MSP YAML, so their fixtures are YAML
/// specs under `tests/fixtures/import/invalid/`, annotated with `#` comments
/// and checked the same way against `mspc_compiler::import`.
fn import_fixtures() -> BTreeSet<String> {
    struct Yaml<'a>(&'a str, &'a str);
    impl SourceMap for Yaml<'_> {
        fn path(&self, _: mspc_compiler::diagnostics::FileId) -> String {
            self.0.to_string()
        }
        fn text(&self, _: mspc_compiler::diagnostics::FileId) -> &str {
            self.1
        }
    }
    let dir = common::repo_root().join("tests/fixtures/import/invalid");
    let mut covered = BTreeSet::new();
    let mut failures = String::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let expects = parse_annotations_with(&name, &text, "#").unwrap_or_else(|e| panic!("{e}"));
        let got = mspc_compiler::import::import(&text, mspc_compiler::diagnostics::FileId(0), &Default::default());
        let map = Yaml(&name, &text);
        let mut open = expects.clone();
        let mut report = String::new();
        for d in &got.diagnostics {
            match open.iter().position(|e| matches(e, d, &map)) {
                Some(i) => {
                    open.remove(i);
                }
                None => report.push_str(&format!("  unexpected: {}", render::short(std::slice::from_ref(d), &map))),
            }
        }
        for e in &open {
            report.push_str(&format!("  missing: {} at {}:{} (annotation on line {})\n", e.code, e.line, e.col, e.at));
        }
        if got.msp.is_some() {
            report.push_str("  an invalid spec was converted\n");
        }
        if report.is_empty() {
            covered.extend(expects.into_iter().map(|e| e.code));
        } else {
            failures.push_str(&format!("{name}:\n{report}"));
        }
    }
    assert!(failures.is_empty(), "import fixtures disagree with the importer:\n{failures}");
    covered
}
