//! Diagnostics that belong to a file rather than a service: syntax errors,
//! imports (missing, outside the root, cycles), duplicate names, misplaced
//! declarations, and errors inside `let` values.

use std::collections::{BTreeSet, VecDeque};

use super::eval::{Evaluator, Scope};
use super::platform::PLATFORM_FILE;
use crate::db::{self, Db, ImportError, SourceFile, Workspace};
use crate::diagnostics::{self, Code, Diagnostic, FileId, Span};
use crate::limits::{self, MAX_FILES, MAX_WORKSPACE_BYTES};
use crate::syntax::{DeclKind, Item, SyntaxError, TextRange};

pub fn file_diagnostics(db: &dyn Db, ws: Workspace, file: SourceFile) -> Vec<Diagnostic> {
    let fid = file.id(db);
    let at = |r| Span::new(fid, r);
    let parse = db::parse(db, file);
    let load_problem = load_problem(db, file);
    let mut out: Vec<Diagnostic> = parse.errors.iter().map(|e| syntax_diagnostic(fid, e)).collect();
    let is_platform_file = file.path(db) == PLATFORM_FILE;
    let mut platform_seen = None;
    for item in &parse.ast.items {
        match item {
            Item::Schema(s) => out.push(stdlib_only(at(s.name.range), "schema")),
            Item::Enum(e) => out.push(stdlib_only(at(e.name.range), "enum")),
            Item::Union(u) => out.push(stdlib_only(at(u.name.range), "union")),
            Item::Decl(d) if d.kind == DeclKind::Platform => {
                if !is_platform_file {
                    out.push(
                        Diagnostic::new(
                            Code::MisplacedPlatform,
                            at(d.keyword),
                            "the `platform` block belongs in the root `platform.msp`",
                        )
                        .with_label("not in platform.msp")
                        .with_help("move it to `platform.msp` at the workspace root"),
                    );
                } else if let Some(first) = platform_seen {
                    out.push(
                        Diagnostic::new(Code::MisplacedPlatform, at(d.keyword), "`platform` is declared twice")
                            .with_label("declared again")
                            .with_secondary(first, "first declared here"),
                    );
                } else {
                    platform_seen = Some(at(d.keyword));
                }
            }
            _ => {}
        }
    }
    if parse.ast.items.is_empty() && parse.errors.is_empty() && load_problem.is_none() && !is_platform_file {
        out.push(
            Diagnostic::new(Code::EmptyFile, at(TextRange::empty(0)), "this file declares nothing")
                .with_label("empty")
                .with_help("declare a `service`, a `job` or shared `let`s here, or delete the file"),
        );
    }
    out.extend(load_problem);
    let scope = db::file_scope(db, ws, file);
    for (name, again, first) in &scope.duplicates {
        out.push(
            Diagnostic::new(Code::DuplicateDefinition, at(*again), format!("`{name}` is defined twice in this file"))
                .with_label("defined again")
                .with_secondary(at(*first), "first defined here")
                .with_help("rename one of them"),
        );
    }
    for import in scope.imports.values() {
        let path_span = at(import.path_range);
        match &import.target {
            Err(ImportError::NotFound(resolved)) => {
                let mut d =
                    Diagnostic::new(Code::ImportNotFound, path_span, format!("`{}` does not exist", import.path))
                        .with_label(format!("no file at `{resolved}`"));
                let known: Vec<&str> =
                    db::file_index(db, ws).by_path.keys().filter(|p| p.ends_with(".msp")).map(String::as_str).collect();
                if let Some(c) = diagnostics::suggest::closest(resolved, known) {
                    d = d.with_help(format!("did you mean `{c}`? (paths are relative to this file)"));
                } else {
                    d = d.with_note("import paths are relative to the importing file");
                }
                out.push(d);
            }
            Err(ImportError::OutsideRoot) => out.push(
                Diagnostic::new(
                    Code::ImportOutsideRoot,
                    path_span,
                    format!("`{}` is outside the workspace", import.path),
                )
                .with_label("leaves the workspace root")
                .with_help("imports must stay inside the folder that holds `platform.msp`"),
            ),
            Err(ImportError::Unreadable) => {}
            Err(ImportError::NotMsp) => out.push(
                Diagnostic::new(Code::ImportNotFound, path_span, format!("`{}` is not a `.msp` file", import.path))
                    .with_label("not a .msp file")
                    .with_help("only `.msp` files can be imported"),
            ),
            Ok(target) => {
                if let Some(chain) = cycle_through(db, ws, *target, file) {
                    out.push(
                        Diagnostic::new(
                            Code::ImportCycle,
                            path_span,
                            format!("importing `{}` creates a cycle", import.path),
                        )
                        .with_label("part of an import cycle")
                        .with_note(format!("the cycle: {} → {}", file.path(db), chain.join(" → ")))
                        .with_help("move the shared `let`s into a file that imports nothing from this one"),
                    );
                }
            }
        }
    }
    // Errors inside `let` values, reported once here even if no service uses them.
    let mut ev = Evaluator::for_file(db, ws);
    for item in &parse.ast.items {
        if let Item::Let(l) = item
            && scope.lets.get(&l.name.name).is_some_and(|&i| parse.ast.items.get(i as usize) == Some(item))
        {
            ev.expr(&l.value, Scope { file, defaults: None });
        }
    }
    out.extend(ev.take_diagnostics());
    diagnostics::normalize(&mut out);
    out
}

/// A syntax error of `file` as a diagnostic.
pub fn syntax_diagnostic(file: FileId, e: &SyntaxError) -> Diagnostic {
    Diagnostic::new(e.code, Span::new(file, e.range), e.message.clone())
        .with_label(e.label.clone())
        .with_help_opt(e.help.clone())
}

/// A file that could not be read cleanly (any workspace file, not only `.msp`).
pub fn load_problem(db: &dyn Db, file: SourceFile) -> Option<Diagnostic> {
    file.problem(db).as_ref().map(|p| load_problem_diagnostic(file.id(db), p))
}

/// What a problem reading `file` is reported as.
pub fn load_problem_diagnostic(file: FileId, problem: &db::LoadProblem) -> Diagnostic {
    let at = |r| Span::new(file, r);
    match problem {
        db::LoadProblem::NotUtf8 { at: offset } => Diagnostic::new(
            Code::UnreadableFile,
            at(TextRange::new(*offset as usize, *offset as usize + 3)),
            "this file is not valid UTF-8",
        )
        .with_label("invalid bytes, shown as �")
        .with_help("save the file as UTF-8"),
        db::LoadProblem::NotAFile => {
            Diagnostic::new(Code::UnreadableFile, at(TextRange::empty(0)), "this is not a file, though it is named like one")
                .with_label("not a regular file")
                .with_help("rename it: mspc reads the files named `*.msp`, `README.md` and `*.bigquerytable.json`, and does not look inside folders named so")
        }
        db::LoadProblem::TooLarge { bytes } => {
            let (message, help) = limits::file_too_large(*bytes);
            Diagnostic::new(Code::FileTooLarge, at(TextRange::empty(0)), message).with_label("not read").with_help(help)
        }
        db::LoadProblem::OutsideWorkspace { target } => Diagnostic::new(
            Code::OutsideWorkspace,
            at(TextRange::empty(0)),
            format!("this file links to `{target}`, outside the workspace; it is not read"),
        )
        .with_label("not read")
        .with_help("copy the file into the workspace, or link to one inside it"),
        db::LoadProblem::WorkspaceTooLarge { files, bytes } => Diagnostic::new(
            Code::WorkspaceTooLarge,
            at(TextRange::empty(0)),
            if *files > MAX_FILES {
                format!("this workspace holds more than {MAX_FILES} files, the most mspc loads; it was not loaded")
            } else {
                format!(
                    "this workspace's files hold {}, more than the {} mspc loads; it was not loaded",
                    limits::size(*bytes),
                    limits::size(MAX_WORKSPACE_BYTES as u64)
                )
            },
        )
        .with_label("workspace root")
        .with_help("split it into several workspaces (each a folder with its own `platform.msp`), or move files that are not part of it elsewhere"),
        db::LoadProblem::Unreadable(why) => {
            Diagnostic::new(Code::UnreadableFile, at(TextRange::empty(0)), format!("this file cannot be read: {why}"))
                .with_label("unreadable")
                .with_help("check the file's permissions, or remove it from the workspace")
        }
    }
}

fn stdlib_only(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(Code::StdlibOnly, span, format!("`{what}` declarations belong to the stdlib"))
        .with_label("not allowed in a workspace")
        .with_help("describe values with `let`, `service`, `job` and `platform`; the schema is fixed by mspc")
}

/// If `from` leads back to `to` through imports, the files on the way.
fn cycle_through(db: &dyn Db, ws: Workspace, from: SourceFile, to: SourceFile) -> Option<Vec<String>> {
    let mut queue = VecDeque::from([(from, vec![from.path(db).clone()])]);
    let mut seen = BTreeSet::new();
    while let Some((f, chain)) = queue.pop_front() {
        if f == to {
            return Some(chain);
        }
        if !seen.insert(f.id(db)) {
            continue;
        }
        for import in db::file_scope(db, ws, f).imports.values() {
            if let Ok(t) = import.target {
                let mut c = chain.clone();
                c.push(t.path(db).clone());
                queue.push_back((t, c));
            }
        }
    }
    None
}
