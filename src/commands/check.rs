//! `mspc check` and `mspc lint`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mspc_compiler::diagnostics::render::{self, Format};
use mspc_compiler::diagnostics::{Diagnostic, SourceMap};

use super::{CliError, Output, Session};

pub fn run(paths: &[PathBuf], out: Output, lints: bool, deny_warnings: bool) -> Result<ExitCode, CliError> {
    let default = [PathBuf::from(".")];
    let paths: &[PathBuf] = if paths.is_empty() { &default } else { paths };
    // Paths may lie in different workspaces: check each once.
    let mut sessions: Vec<(Session, Vec<String>)> = Vec::new();
    for p in paths {
        let s = Session::open(p)?;
        let rel = s.relative(p).unwrap_or_default();
        match sessions.iter_mut().find(|(o, _)| o.loaded.root == s.loaded.root) {
            Some((_, rels)) => rels.push(rel),
            None => sessions.push((s, vec![rel])),
        }
    }
    let mut code = 0u8;
    let (mut errors, mut warnings) = (0usize, 0usize);
    for (session, rels) in &sessions {
        let result = session.result()?;
        let shown: Vec<Diagnostic> = result
            .diagnostics
            .iter()
            .filter(|d| lints || d.is_error())
            .filter(|d| within(&session.loaded.path(d.primary.span.file), rels))
            .cloned()
            .collect();
        errors += shown.iter().filter(|d| d.is_error()).count();
        warnings += shown.iter().filter(|d| !d.is_error()).count();
        super::out(&render::render(out.format, &shown, session as &dyn SourceMap, out.color));
        if !result.has_platform {
            return Err(CliError::NoWorkspace(session.loaded.root.clone()));
        }
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        code = 1;
    }
    if matches!(out.format, Format::Terminal) {
        summary(errors, warnings);
    }
    Ok(ExitCode::from(code))
}

fn within(file: &str, rels: &[String]) -> bool {
    rels.iter().any(|r| r.is_empty() || file == r || Path::new(file).starts_with(r))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary(errors: usize, warnings: usize) {
    match (errors, warnings) {
        (0, 0) => super::err("ok: no problems found"),
        (e, 0) => super::err(&format!("{} found", plural(e, "error"))),
        (0, w) => super::err(&format!("{} found", plural(w, "warning"))),
        (e, w) => super::err(&format!("{} and {} found", plural(e, "error"), plural(w, "warning"))),
    }
}
