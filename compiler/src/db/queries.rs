//! Tracked queries. Each is a thin, memoized wrapper over a pure function in
//! `syntax` or `check`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::facts::{FileFacts, aggregate_with_rules};
use super::{Db, SourceFile, Workspace};
use crate::check::service::{CheckedService, Summary};
use crate::check::workspace::{Bindings, FileRefs};
use crate::check::{self, platform::CheckedPlatform};
use crate::diagnostics::{Diagnostic, FileId};
use crate::ir;
use crate::syntax::{self, DeclKind, Item, Parse, TextRange};

#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parse {
    syntax::parse(file.text(db))
}

/// Files by path and id. Reads only paths, so editing text never invalidates it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FileIndex {
    pub by_path: BTreeMap<String, SourceFile>,
    pub by_id: BTreeMap<FileId, SourceFile>,
}

#[salsa::tracked(returns(ref))]
pub fn file_index(db: &dyn Db, ws: Workspace) -> FileIndex {
    let mut idx = FileIndex::default();
    for f in ws.files(db) {
        idx.by_path.insert(f.path(db).clone(), *f);
        idx.by_id.insert(f.id(db), *f);
    }
    idx
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
    /// The resolved path, which no file has.
    NotFound(String),
    OutsideRoot,
    NotMsp,
    /// The path itself is invalid (already reported).
    Unreadable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportInfo {
    pub path: String,
    pub path_range: TextRange,
    pub alias_range: TextRange,
    pub target: Result<SourceFile, ImportError>,
}

/// A file's top-level names: `let`s (by item index) and imports.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FileScope {
    pub lets: BTreeMap<String, u32>,
    pub imports: BTreeMap<String, ImportInfo>,
    /// (name, where defined again, where first defined)
    pub duplicates: Vec<(String, TextRange, TextRange)>,
}

#[salsa::tracked(returns(ref))]
pub fn file_scope(db: &dyn Db, ws: Workspace, file: SourceFile) -> FileScope {
    let ast = &parse(db, file).ast;
    let index = file_index(db, ws);
    let mut scope = FileScope::default();
    let mut first: BTreeMap<String, TextRange> = BTreeMap::new();
    for (i, item) in ast.items.iter().enumerate() {
        let (name, range) = match item {
            Item::Let(l) => (&l.name.name, l.name.range),
            Item::Import(im) => (&im.alias.name, im.alias.range),
            _ => continue,
        };
        if let Some(f) = first.get(name) {
            scope.duplicates.push((name.clone(), range, *f));
            continue;
        }
        first.insert(name.clone(), range);
        match item {
            Item::Let(_) => {
                scope.lets.insert(name.clone(), i as u32);
            }
            Item::Import(im) => {
                let target = match &im.path {
                    Some(path) => resolve_import(file.path(db), path)
                        .and_then(|p| index.by_path.get(&p).copied().ok_or(ImportError::NotFound(p))),
                    None => Err(ImportError::Unreadable),
                };
                scope.imports.insert(
                    name.clone(),
                    ImportInfo {
                        path: im.path.clone().unwrap_or_default(),
                        path_range: im.path_range,
                        alias_range: im.alias.range,
                        target,
                    },
                );
            }
            _ => {}
        }
    }
    scope
}

/// `../teams.msp` from `services/a.msp` → `teams.msp`.
pub fn resolve_import(from: &str, rel: &str) -> Result<String, ImportError> {
    if !rel.ends_with(".msp") {
        return Err(ImportError::NotMsp);
    }
    if rel.starts_with('/') || rel.contains('\\') || rel.contains(':') {
        return Err(ImportError::OutsideRoot);
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(ImportError::OutsideRoot);
                }
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

#[salsa::tracked(returns(ref))]
pub fn file_refs(db: &dyn Db, file: SourceFile) -> FileRefs {
    check::workspace::file_refs(&parse(db, file).ast)
}

/// The service and job declarations of a file: (item index, kind).
#[salsa::tracked(returns(ref))]
pub fn file_decls(db: &dyn Db, file: SourceFile) -> Vec<(u32, DeclKind)> {
    parse(db, file)
        .ast
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Decl(d) if d.kind != DeclKind::Platform => Some((i as u32, d.kind)),
            _ => None,
        })
        .collect()
}

#[salsa::tracked(returns(ref))]
pub fn check_service(db: &dyn Db, ws: Workspace, file: SourceFile, item: u32) -> CheckedService {
    check::service::check_service(db, ws, file, item)
}

#[salsa::tracked(returns(ref))]
pub fn check_platform(db: &dyn Db, ws: Workspace) -> CheckedPlatform {
    check::platform::check_platform(db, ws)
}

#[salsa::tracked(returns(ref))]
pub fn file_diagnostics(db: &dyn Db, ws: Workspace, file: SourceFile) -> Vec<Diagnostic> {
    check::file::file_diagnostics(db, ws, file)
}

/// Everything `mspc check` reports, and the IR of every clean service.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct WorkspaceResult {
    pub diagnostics: Vec<Diagnostic>,
    pub platform: Option<Arc<ir::Platform>>,
    /// Clean services, sorted by id; none when the workspace has errors.
    pub services: Vec<Arc<ir::Service>>,
    /// The services that checked clean themselves, sorted by id, also when
    /// the workspace has errors elsewhere (the operations commands read
    /// them; nothing is generated from them).
    pub checked_services: Vec<Arc<ir::Service>>,
    /// Whether the workspace has a `platform.msp`.
    pub has_platform: bool,
    pub internal_errors: Vec<String>,
}

impl WorkspaceResult {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error) || !self.internal_errors.is_empty()
    }
}

/// Not compared with its previous value (`no_eq`): nothing reads it but the
/// front ends, and comparing every service's IR after each edit cost more
/// than anything it could save.
#[salsa::tracked(returns(ref), no_eq)]
pub fn workspace_result(db: &dyn Db, ws: Workspace) -> WorkspaceResult {
    let files = msp_files(db, ws);
    let facts: Vec<&FileFacts> = files.iter().map(|f| file_facts(db, ws, *f)).collect();
    let rules = workspace_rule_diagnostics(db, ws).clone();
    aggregate_with_rules(check_platform(db, ws), load_problems(db, ws), facts, Some(rules))
}

/// The workspace's `.msp` files, by path.
fn msp_files(db: &dyn Db, ws: Workspace) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = ws.files(db).iter().copied().filter(|f| f.path(db).ends_with(".msp")).collect();
    files.sort_by(|a, b| a.path(db).cmp(b.path(db)));
    files
}

/// A file's part of the workspace result, memoized so that after an edit
/// only the edited file's facts are gathered again.
#[salsa::tracked(returns(ref))]
pub fn file_facts(db: &dyn Db, ws: Workspace, file: SourceFile) -> FileFacts {
    FileFacts::fresh(db, ws, file)
}

/// What of a file the workspace-wide rules read: its services' summaries
/// and its bindings. Most edits leave it equal, so salsa keeps
/// `workspace_rule_diagnostics` without running the rules again.
#[salsa::tracked(returns(ref))]
pub fn rule_facts(db: &dyn Db, ws: Workspace, file: SourceFile) -> (Vec<Summary>, Bindings) {
    let facts = file_facts(db, ws, file);
    (facts.decls.iter().map(|d| d.summary.clone()).collect(), facts.bindings.clone())
}

#[salsa::tracked(returns(ref))]
pub fn workspace_rule_diagnostics(db: &dyn Db, ws: Workspace) -> Vec<Diagnostic> {
    let facts: Vec<&(Vec<Summary>, Bindings)> = msp_files(db, ws).iter().map(|f| rule_facts(db, ws, *f)).collect();
    let summaries: Vec<&Summary> = facts.iter().flat_map(|(s, _)| s).collect();
    let bindings: Vec<&Bindings> = facts.iter().map(|(_, b)| b).collect();
    crate::db::facts::workspace_rules(&summaries, &bindings)
}

/// Problems reading the files that are not sources (READMEs, table schemas);
/// a source's are among its `file_diagnostics`.
pub fn load_problems(db: &dyn Db, ws: Workspace) -> Vec<Diagnostic> {
    ws.files(db)
        .iter()
        .filter(|f| !f.path(db).ends_with(".msp"))
        .filter_map(|f| check::file::load_problem(db, *f))
        .collect()
}
