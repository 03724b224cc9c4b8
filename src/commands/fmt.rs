//! `mspc fmt`: formats `.msp` files in place, or says which would change.
//! Needs no workspace: each file is formatted on its own.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mspc_compiler::check::file::{load_problem_diagnostic, syntax_diagnostic};
use mspc_compiler::db::load;
use mspc_compiler::diagnostics::render::{self, Format};
use mspc_compiler::diagnostics::{Diagnostic, FileId};
use mspc_compiler::fmt::{self, FormatError};

use super::{CliError, Output};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Write nothing; name the files that would change.
    Check,
    /// Write nothing; print what would change as a unified diff.
    Diff,
}

/// Files refused for syntax errors, shown with the renderers `mspc check` uses.
struct Refused {
    files: Vec<(String, String)>,
    diagnostics: Vec<Diagnostic>,
}

pub fn run(paths: &[PathBuf], mode: Mode, out: Output) -> Result<ExitCode, CliError> {
    let default = [PathBuf::from(".")];
    let paths: &[PathBuf] = if paths.is_empty() { &default } else { paths };
    let mut files = Vec::new();
    for p in paths {
        files.extend(msp_files(p)?);
    }
    // The same file named twice (`.` and `./a.msp`) is formatted once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|(f, _)| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));

    let mut refused = Refused { files: Vec::new(), diagnostics: Vec::new() };
    let mut changed = 0usize;
    for (path, root) in &files {
        let shown = display(path);
        let (text, problem) = match root {
            Some(root) => load::read_file(root, path),
            None => load::read_named(path),
        };
        if let Some(problem) = problem {
            let id = FileId(refused.files.len() as u32);
            refused.diagnostics.push(load_problem_diagnostic(id, &problem));
            refused.files.push((shown, text));
            continue;
        }
        let formatted = match fmt::format(&text) {
            Ok(f) => f,
            Err(FormatError::Syntax(errors)) => {
                let id = FileId(refused.files.len() as u32);
                refused.diagnostics.extend(errors.iter().map(|e| syntax_diagnostic(id, e)));
                refused.files.push((shown, text));
                continue;
            }
            Err(e @ FormatError::Changed(_)) => {
                return Err(CliError::Internal(format!("{shown}: {e}")));
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        match mode {
            Mode::Write => {
                // Through a link (one inside the folder, as read): the file it names.
                let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                crate::write::replace(&target, formatted.as_bytes())?
            }
            Mode::Check => super::err(&format!("would reformat: {shown}")),
            Mode::Diff => super::out(&unified_diff(&shown, &text, &formatted)),
        }
    }

    if !refused.diagnostics.is_empty() {
        let report = render::render(out.format, &refused.diagnostics, &refused.files, out.color);
        // With `--diff`, stdout is a patch; the errors must not corrupt it.
        if mode == Mode::Diff {
            super::err(report.trim_end());
        } else {
            super::out(&report);
        }
    }
    if matches!(out.format, Format::Terminal) && mode == Mode::Write && changed > 0 {
        super::err(&format!("formatted {changed} file{}", if changed == 1 { "" } else { "s" }));
    }
    let failed = !refused.files.is_empty() || (mode != Mode::Write && changed > 0);
    Ok(ExitCode::from(u8::from(failed)))
}

/// A file, or the `.msp` files under a folder (walked as a workspace is),
/// each with the folder it may be read from: a folder's files are confined
/// to it as a workspace's are; a file named explicitly (`None`) is read
/// wherever it is.
fn msp_files(path: &Path) -> Result<Vec<(PathBuf, Option<PathBuf>)>, CliError> {
    let meta = std::fs::metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => CliError::NoSuchPath(path.to_path_buf()),
        _ => CliError::Io { path: path.to_path_buf(), error },
    })?;
    if !meta.is_dir() || path.extension().is_some_and(|e| e == "msp") {
        return Ok(vec![(path.to_path_buf(), None)]);
    }
    let root = std::fs::canonicalize(path).map_err(|error| CliError::Io { path: path.to_path_buf(), error })?;
    let found = load::collect(path)?;
    Ok(found.into_iter().filter(|(rel, _)| rel.ends_with(".msp")).map(|(_, abs)| (abs, Some(root.clone()))).collect())
}

/// The path as the user would write it: without a leading `./`.
fn display(path: &Path) -> String {
    let shown = path.strip_prefix(".").unwrap_or(path);
    shown.to_string_lossy().into_owned()
}

fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(path, path).to_string()
}
