//! What the workspace-wide checks need to know of each `.msp` file, and the
//! one place those facts become a workspace's result (`aggregate`).
//!
//! The whole-workspace check (`workspace_result`) builds every file's facts
//! from salsa queries; `mspc lint FILE` builds the named files' from salsa and
//! takes the others' from a previous run (`stored_facts`). Both go through
//! `aggregate`, so the ordering, the workspace rules and the internal-error
//! logic cannot drift apart.

use std::borrow::Borrow;
use std::sync::Arc;

use super::queries::{WorkspaceResult, check_service, file_decls, file_diagnostics, file_refs, file_scope, parse};
use super::{Db, SourceFile, Workspace};
use crate::check::platform::CheckedPlatform;
use crate::check::service::Summary;
use crate::check::workspace::{self, Bindings};
use crate::diagnostics::{self, Diagnostic};
use crate::ir;
use crate::syntax::Item;

/// One `.msp` file's part of the workspace result.
#[derive(Clone, Debug, PartialEq)]
pub struct FileFacts {
    pub path: String,
    pub bindings: Bindings,
    /// `file_diagnostics`. Facts read back from a cache keep only those
    /// pointing into other files: the file's own are not shown unless it is
    /// checked afresh.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether `file_diagnostics` holds an error (kept even when the
    /// diagnostics are not: the "incomplete service" check needs it).
    pub has_error: bool,
    /// Its services and jobs, in the order they are written.
    pub decls: Vec<DeclFacts>,
}

/// One service's or job's part of the workspace result.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclFacts {
    pub summary: Summary,
    /// `check_service`'s diagnostics (from a cache: only those pointing into
    /// other files, as for `FileFacts::diagnostics`).
    pub diagnostics: Vec<Diagnostic>,
    pub has_error: bool,
    pub complete: bool,
    pub internal_error: Option<String>,
    /// Only from a fresh check: a cache holds no IR.
    pub ir: Option<Arc<ir::Service>>,
}

impl FileFacts {
    /// A file's facts from the salsa queries (memoized: cheap when the
    /// workspace was already checked).
    pub fn fresh(db: &dyn Db, ws: Workspace, file: SourceFile) -> FileFacts {
        let diagnostics = file_diagnostics(db, ws, file).clone();
        let decls = file_decls(db, file)
            .iter()
            .map(|&(item, _)| {
                let checked = check_service(db, ws, file, item);
                DeclFacts {
                    summary: checked.summary.clone(),
                    diagnostics: checked.diagnostics.clone(),
                    has_error: checked.diagnostics.iter().any(Diagnostic::is_error),
                    complete: checked.complete,
                    internal_error: checked.internal_error.clone(),
                    ir: checked.ir.clone(),
                }
            })
            .collect();
        FileFacts {
            path: file.path(db).clone(),
            bindings: bindings(db, ws, file),
            has_error: diagnostics.iter().any(Diagnostic::is_error),
            diagnostics,
            decls,
        }
    }
}

/// A file's `let`s, imports and references, from its parse.
pub fn bindings(db: &dyn Db, ws: Workspace, file: SourceFile) -> Bindings {
    let scope = file_scope(db, ws, file);
    let ast = &parse(db, file).ast;
    let lets = scope
        .lets
        .iter()
        .filter_map(|(name, &idx)| match ast.items.get(idx as usize) {
            Some(Item::Let(l)) => Some((name.clone(), l.name.range)),
            _ => None,
        })
        .collect();
    let imports = scope
        .imports
        .iter()
        .map(|(alias, i)| (alias.clone(), i.alias_range, i.target.as_ref().ok().map(|t| t.id(db))))
        .collect();
    Bindings { file: file.id(db), refs: file_refs(db, file).clone(), lets, imports }
}

/// The workspace's result from the platform's check, the problems reading
/// files that are not sources (`load_problems`), and every `.msp` file's
/// facts. Summaries are compared in file path order, then in the order the
/// declarations are written: the first of two duplicates is the original.
///
/// The facts are only read (owned, or borrowed from salsa's memos): the
/// language server re-runs this after every edit, and copying every file's
/// facts each time was most of an edit's cost in a large workspace.
pub fn aggregate<F: Borrow<FileFacts>>(
    platform: &CheckedPlatform,
    load_problems: Vec<Diagnostic>,
    files: Vec<F>,
) -> WorkspaceResult {
    aggregate_with_rules(platform, load_problems, files, None)
}

/// The workspace-wide rules over every service's summary and every file's
/// bindings, both in file path order (then in the order written).
pub fn workspace_rules(summaries: &[&Summary], bindings: &[&Bindings]) -> Vec<Diagnostic> {
    let mut out = workspace::uniqueness(summaries);
    out.extend(workspace::unused_bindings(bindings));
    out
}

/// `aggregate`, with the result of `workspace_rules` over these files when
/// the caller has it already (memoized by salsa: it changes far more rarely
/// than the files' diagnostics).
pub fn aggregate_with_rules<F: Borrow<FileFacts>>(
    platform: &CheckedPlatform,
    load_problems: Vec<Diagnostic>,
    mut files: Vec<F>,
    rules: Option<Vec<Diagnostic>>,
) -> WorkspaceResult {
    files.sort_by(|a, b| a.borrow().path.cmp(&b.borrow().path));
    let files: Vec<&FileFacts> = files.iter().map(Borrow::borrow).collect();
    let mut out = WorkspaceResult {
        diagnostics: platform.diagnostics.clone(),
        platform: platform.ir.clone(),
        has_platform: platform.found,
        internal_errors: platform.internal_error.iter().cloned().collect(),
        ..WorkspaceResult::default()
    };
    out.diagnostics.extend(load_problems);
    // Facts from a cache lack the file's own diagnostics, so whether there is
    // an error anywhere is gathered from the flags, not from `out.diagnostics`.
    let mut any_error = false;
    let mut incomplete = Vec::new();
    for f in &files {
        out.diagnostics.extend(f.diagnostics.iter().cloned());
        any_error |= f.has_error;
        for d in &f.decls {
            out.diagnostics.extend(d.diagnostics.iter().cloned());
            any_error |= d.has_error;
            out.internal_errors.extend(d.internal_error.iter().map(|e| format!("{}: {e}", f.path)));
            if !d.complete {
                incomplete.push(f.path.clone());
            }
            out.services.extend(d.ir.clone());
        }
    }
    out.diagnostics.extend(match rules {
        Some(rules) => rules,
        None => {
            let summaries: Vec<&Summary> = files.iter().flat_map(|f| f.decls.iter().map(|d| &d.summary)).collect();
            let bindings: Vec<&Bindings> = files.iter().map(|f| &f.bindings).collect();
            workspace_rules(&summaries, &bindings)
        }
    });
    diagnostics::normalize(&mut out.diagnostics);
    any_error |= out.diagnostics.iter().any(Diagnostic::is_error);
    // A service that failed to check must have an error somewhere saying why.
    if !any_error {
        for path in incomplete {
            out.internal_errors.push(format!("{path}: a service failed to check, but no error says why"));
        }
    }
    out.services.sort_by(|a, b| a.id.cmp(&b.id));
    // Services that checked clean themselves stay readable when the
    // workspace has errors elsewhere, but an id declared twice names neither.
    let mut by_id: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in &out.services {
        *by_id.entry(s.id.as_str()).or_default() += 1;
    }
    out.checked_services = out.services.iter().filter(|s| by_id[s.id.as_str()] == 1).cloned().collect();
    // A duplicate id makes two services claim the same outputs: keep neither.
    if any_error || !out.internal_errors.is_empty() {
        out.services.clear();
    }
    out
}
