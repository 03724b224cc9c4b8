//! The parser's work grows linearly with its input, also on broken input.
//! pest has no memoization: a rule that can fail after consuming input is
//! retried by every enclosing recovery rule, so one such rule makes nested
//! broken input exponential (the `parse` fuzz target found unclosed `[`s
//! taking 0.8 s for 115 bytes; `fuzz/regressions/parse/`). This counts
//! pest's rule calls instead of timing: its call limit, per byte, fails the
//! parse (as E0001 "could not be parsed") when exceeded. A test binary of
//! its own, since the limit is process-wide.

use mspc_compiler::syntax;

/// Rule calls per input byte that a linear parse stays under, with margin.
const CALLS_PER_BYTE: usize = 400;

fn within_budget(text: &str) -> Result<(), String> {
    pest::set_call_limit(std::num::NonZeroUsize::new(CALLS_PER_BYTE * text.len().max(64)));
    let parse = syntax::parse(text);
    pest::set_call_limit(None);
    match parse.errors.iter().find(|e| e.message.contains("could not be parsed")) {
        Some(e) => Err(format!("{} bytes exceeded {CALLS_PER_BYTE} rule calls per byte ({e:?})", text.len())),
        None => Ok(()),
    }
}

#[test]
fn broken_input_parses_in_linear_work() {
    // The check is only worth something if the limit does stop a parse.
    // (One test: the limit is process-wide, and tests run in parallel.)
    pest::set_call_limit(std::num::NonZeroUsize::new(10));
    let parse = syntax::parse("let a = [1, 2, 3]\n");
    pest::set_call_limit(None);
    assert!(parse.errors.iter().any(|e| e.message.contains("could not be parsed")), "{:?}", parse.errors);

    let mut cases: Vec<(String, String)> = Vec::new();
    let dir = mspc_compiler_root().join("fuzz/regressions/parse");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        cases.push((path.display().to_string(), String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned()));
    }
    // Unclosed brackets of every kind, nested to just under the nesting bound,
    // each level with a broken item after it.
    for open in ["[", "{", "(", "f(", "x {", "[\"a\", "] {
        let depth = mspc_compiler::limits::MAX_NESTING - 2;
        let text = format!(
            "let a = [\n{}\n",
            (0..depth).map(|i| format!("{open} \"b{i}\", = ,")).collect::<Vec<_>>().join("\n")
        );
        cases.push((format!("{depth} unclosed `{open}`"), text));
    }
    for file in walk("examples").into_iter().chain(walk("tests/fixtures")) {
        cases.push((file.clone(), std::fs::read_to_string(mspc_compiler_root().join(&file)).unwrap_or_default()));
    }
    let failures: Vec<String> =
        cases.iter().filter_map(|(name, text)| within_budget(text).err().map(|e| format!("{name}: {e}"))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn mspc_compiler_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn walk(dir: &str) -> Vec<String> {
    let root = mspc_compiler_root().join(dir);
    mspc_compiler::db::load::walk(&root, |_| true, |n| n.ends_with(".msp"), usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(rel, _)| format!("{dir}/{rel}"))
        .collect()
}
