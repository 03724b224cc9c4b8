//! What the fuzz targets share: turning fuzz input into a workspace, and
//! the checks every target makes on what comes back.

use mspc_compiler::db::load::Loaded;
use mspc_compiler::db::{Database, LoadProblem};
use mspc_compiler::diagnostics::{Diagnostic, SourceMap, render};
use mspc_compiler::syntax::TextRange;

/// The platform a single-file input is checked against.
pub const PLATFORM: &str = include_str!("../../examples/platform.msp");

/// Splits `//- path` headed sections into files, as the compiler's own IDE
/// fixtures do. Without a header the whole input is one service file, beside
/// the examples' `platform.msp`. Paths are taken as written (they may hold
/// `..`, absolute parts or odd bytes: the checker must cope).
pub fn files(text: &str) -> Vec<(String, String)> {
    if !text.starts_with("//- ") {
        return vec![
            ("platform.msp".into(), PLATFORM.into()),
            ("services/fuzz/fuzz.msp".into(), text.into()),
        ];
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for section in text.split("\n//- ").enumerate().map(|(i, s)| if i == 0 { &s[4..] } else { s }) {
        let (path, body) = section.split_once('\n').unwrap_or((section, ""));
        let path = path.trim();
        // The loader sees each path once; a repeated one keeps the last text.
        out.retain(|(p, _)| p != path);
        out.push((path.to_string(), body.to_string()));
    }
    out.sort();
    out
}

/// A workspace of `files`, each possibly marked unreadable or not UTF-8, as
/// a disk would give them.
pub fn workspace(files: Vec<(String, String)>) -> Loaded {
    let with_problems = files
        .into_iter()
        .map(|(path, text)| {
            // As `load::decode` marks a lossily decoded file.
            let problem = text.find('\u{fffd}').map(|at| LoadProblem::NotUtf8 { at: at as u32 });
            (path, text, problem)
        })
        .collect();
    Loaded::with_problems(Database::default(), "/fuzz".into(), with_problems)
}

/// A range must lie inside its text, on character boundaries.
pub fn assert_range_in(text: &str, range: TextRange, what: &str) {
    let (start, end) = (range.start as usize, range.end as usize);
    assert!(start <= end && end <= text.len(), "{what}: range {start}..{end} outside a text of {} bytes", text.len());
    assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "{what}: range {start}..{end} splits a character");
}

/// Every diagnostic points into its file, and every renderer copes with it.
pub fn check_diagnostics(diags: &[Diagnostic], map: &dyn SourceMap) {
    for d in diags {
        assert_range_in(map.text(d.primary.span.file), d.primary.span.range, d.code.as_str());
        for label in &d.secondary {
            assert_range_in(map.text(label.span.file), label.span.range, d.code.as_str());
        }
        if let Some(fix) = &d.fix {
            for (span, _) in fix.laid_out(|f| Some(map.text(f))) {
                assert_range_in(map.text(span.file), span.range, d.code.as_str());
            }
        }
    }
    for format in [render::Format::Terminal, render::Format::Short, render::Format::Json, render::Format::Sarif, render::Format::Github] {
        let _ = render::render(format, diags, map, false);
    }
}
