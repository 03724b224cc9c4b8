//! Docs that contain `.msp` must be true:
//! - every diagnostic code has `docs/diagnostics/<CODE>.md`, titled
//!   `# <CODE>: <name>`, with at least one ```` ```msp wrong ```` block that
//!   produces the code and one ```` ```msp right ```` block that produces
//!   neither it nor any error;
//! - every ```` ```msp ```` block of `docs/language.md` checks without errors;
//! - the import codes (E04xx, W0013) show MSP YAML instead: ```` ```yaml wrong ````
//!   gives the code, ```` ```yaml right ```` imports into a file that checks.
//!
//! A block is one file (`services/example.msp`) unless it holds
//! `// file: <path>` lines, which start the files of a small workspace.
//! A block without its own `platform.msp` gets the fixtures' platform.

mod common;

use mspc_compiler::diagnostics::{Code, Severity, all_pages, render};

struct Block {
    info: String,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) => {
                current = Some(Block { info: line.trim_start()[3..].trim().to_string(), text: String::new() })
            }
            (Some(_), true) => out.push(current.take().unwrap()),
            (Some(b), false) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, false) => {}
        }
    }
    out
}

fn files_of(block: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if let Some(path) = line.trim().strip_prefix("// file:") {
            files.push((path.trim().to_string(), String::new()));
            continue;
        }
        if files.is_empty() {
            files.push(("services/example.msp".into(), String::new()));
        }
        let last = files.last_mut().unwrap();
        last.1.push_str(line);
        last.1.push('\n');
    }
    if !files.iter().any(|(p, _)| p == "platform.msp") {
        files.push(("platform.msp".into(), common::shared_platform()));
    }
    files
}

/// `\xNN` in an example stands for one raw byte (to show a file that is not UTF-8).
fn with_raw_bytes(text: &str) -> (String, Option<mspc_compiler::db::LoadProblem>) {
    let mut bytes = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("\\x") {
        bytes.extend_from_slice(&rest.as_bytes()[..i]);
        match u8::from_str_radix(rest.get(i + 2..i + 4).unwrap_or(""), 16) {
            Ok(b) => {
                bytes.push(b);
                rest = &rest[i + 4..];
            }
            Err(_) => {
                bytes.extend_from_slice(b"\\x");
                rest = &rest[i + 2..];
            }
        }
    }
    bytes.extend_from_slice(rest.as_bytes());
    mspc_compiler::db::load::decode(bytes)
}

fn check(block: &str) -> (Vec<(Code, Severity)>, String) {
    let files = files_of(block)
        .into_iter()
        .map(|(p, t)| {
            let (text, problem) = with_raw_bytes(&t);
            (p, text, problem)
        })
        .collect();
    let loaded = mspc_compiler::db::load::Loaded::with_problems(
        mspc_compiler::db::Database::default(),
        std::path::PathBuf::from("/docs"),
        files,
    );
    let r = loaded.result();
    assert!(r.internal_errors.is_empty(), "internal error: {:?}\n{block}", r.internal_errors);
    let codes = r.diagnostics.iter().map(|d| (d.code, d.severity)).collect();
    (codes, render::short(&r.diagnostics, &loaded))
}

#[test]
fn every_code_has_a_page_whose_examples_are_true() {
    let mut problems = Vec::new();
    for code in Code::ALL {
        let Some(page) = code.page() else {
            problems.push(format!("{code}: no docs/diagnostics/{code}.md"));
            continue;
        };
        let title = format!("# {}: {}", code.as_str(), code.name());
        if page.lines().next() != Some(title.as_str()) {
            problems.push(format!("{code}: the first line must be `{title}`"));
        }
        let bs = blocks(page);
        if is_import_code(*code) {
            problems.extend(import_examples(*code, &bs));
            continue;
        }
        if common::BUILT_BY_HOSTILE_TESTS.contains(&code.as_str()) {
            if !bs.iter().any(|b| b.info == "text" && b.text.contains(code.as_str())) {
                problems.push(format!("{code}: needs a ```text block showing the diagnostic"));
            }
            continue;
        }
        let wrong: Vec<&Block> = bs.iter().filter(|b| b.info == "msp wrong").collect();
        let right: Vec<&Block> = bs.iter().filter(|b| b.info == "msp right").collect();
        if wrong.is_empty() || right.is_empty() {
            problems.push(format!("{code}: needs a ```msp wrong and a ```msp right block"));
        }
        for b in wrong {
            let (codes, shown) = check(&b.text);
            if !codes.iter().any(|(c, _)| c == code) {
                problems.push(format!("{code}: a `wrong` example does not produce {code}; it gives:\n{shown}"));
            }
        }
        for b in right {
            let (codes, shown) = check(&b.text);
            if codes.iter().any(|(c, s)| c == code || *s == Severity::Error) {
                problems.push(format!("{code}: a `right` example still has problems:\n{shown}"));
            }
        }
    }
    for (name, _) in all_pages() {
        if Code::parse(name).is_none() {
            problems.push(format!("docs/diagnostics/{name}.md matches no code"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The import codes point into MSP YAML: their pages show ```` ```yaml wrong ````
/// and ```` ```yaml right ```` specs instead.
fn is_import_code(code: Code) -> bool {
    code.as_str().starts_with("E04") || code == Code::UnknownYamlKey
}

/// A `wrong` spec must give the code; a `right` one must import with no
/// diagnostic into a `.msp` file that checks without errors.
fn import_examples(code: Code, bs: &[Block]) -> Vec<String> {
    let mut problems = Vec::new();
    let wrong: Vec<&Block> = bs.iter().filter(|b| b.info == "yaml wrong").collect();
    let right: Vec<&Block> = bs.iter().filter(|b| b.info == "yaml right").collect();
    if wrong.is_empty() || right.is_empty() {
        problems.push(format!("{code}: needs a ```yaml wrong and a ```yaml right block"));
    }
    let import =
        |text: &str| mspc_compiler::import::import(text, mspc_compiler::diagnostics::FileId(0), &Default::default());
    for b in wrong {
        let got = import(&b.text);
        if !got.diagnostics.iter().any(|d| d.code == code) {
            let codes: Vec<&str> = got.diagnostics.iter().map(|d| d.code.as_str()).collect();
            problems.push(format!("{code}: a `wrong` spec does not produce {code}; it gives {codes:?}"));
        }
    }
    for b in right {
        let got = import(&b.text);
        match (got.msp, got.diagnostics.is_empty()) {
            (Some(msp), true) => {
                let (codes, shown) = check(&msp);
                if codes.iter().any(|(_, s)| *s == Severity::Error) {
                    problems.push(format!("{code}: a `right` spec imports to a file with errors:\n{shown}"));
                }
            }
            _ => problems.push(format!("{code}: a `right` spec does not import cleanly: {:?}", got.diagnostics)),
        }
    }
    problems
}

#[test]
fn language_guide_examples_check() {
    let path = common::repo_root().join("docs/language.md");
    let guide = std::fs::read_to_string(&path).expect("docs/language.md");
    let mut problems = Vec::new();
    let mut count = 0;
    for b in blocks(&guide).iter().filter(|b| b.info == "msp") {
        count += 1;
        let (codes, shown) = check(&b.text);
        if codes.iter().any(|(_, s)| *s == Severity::Error) {
            problems.push(format!("an example does not check:\n{}\n{shown}", b.text));
        }
    }
    assert!(count > 0, "docs/language.md has no ```msp examples");
    assert!(problems.is_empty(), "{}", problems.join("\n---\n"));
}
