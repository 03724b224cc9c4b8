//! Workspace-wide checks: ids, project ids and domains unique across
//! services; `let`s and imports that nothing uses.

use std::collections::{BTreeSet, HashMap};

use super::service::Summary;
use crate::diagnostics::{Code, Diagnostic, FileId, Span};
use crate::syntax::{Entry, Expr, ExprKind, Item, Record, StrPart, TextRange};

/// `summaries` in a stable order (file path, then position): the first
/// occurrence is the original, later ones are reported.
pub fn uniqueness(summaries: &[&Summary]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut ids: HashMap<&str, Span> = HashMap::new();
    let mut projects: HashMap<&str, (usize, String, Span)> = HashMap::new();
    let mut domains: HashMap<&str, (usize, Span)> = HashMap::new();
    for (i, s) in summaries.iter().enumerate() {
        if let Some((id, span)) = &s.id {
            match ids.get(id.as_str()) {
                Some(first) => out.push(
                    Diagnostic::new(Code::DuplicateService, *span, format!("a service with id `{id}` already exists"))
                        .with_label("duplicate id")
                        .with_secondary(*first, "first declared here")
                        .with_help("service ids must be unique in the workspace"),
                ),
                None => {
                    ids.insert(id, *span);
                }
            }
        }
        for (env, label, project, span) in &s.project_ids {
            match projects.get(project.as_str()) {
                Some((j, first_env, first)) if *j != i || first_env != env => {
                    // Both from `defaults`: point at the environment, not the shared line.
                    let at = if first == span { *label } else { *span };
                    let d = Diagnostic::new(
                        Code::DuplicateProjectId,
                        at,
                        format!(
                            "project `{project}` is already the project of {}",
                            if *j == i {
                                format!("environment `{first_env}`")
                            } else {
                                "another service's environment".into()
                            }
                        ),
                    )
                    .with_label(format!("project of environment `{env}`"))
                    .with_help("every environment needs its own GCP project");
                    out.push(if first == span {
                        d.with_secondary(*span, "set here for both")
                    } else {
                        d.with_secondary(*first, "first used here")
                    });
                }
                Some(_) => {}
                None => {
                    projects.insert(project, (i, env.clone(), *span));
                }
            }
        }
        for (env, _, dns, span) in &s.domains {
            match domains.get(dns.as_str()) {
                // Within one service the `duplicate-domain` rule already reports it.
                Some((j, first)) if *j != i => out.push(
                    Diagnostic::new(
                        Code::DuplicateDomain,
                        *span,
                        format!("`{dns}` is already the domain of another service"),
                    )
                    .with_label(format!("domain of environment `{env}`"))
                    .with_secondary(*first, "first used here")
                    .with_help("each environment needs its own DNS name"),
                ),
                Some(_) => {}
                None => {
                    domains.insert(dns, (i, *span));
                }
            }
        }
    }
    out
}

/// Names a file refers to: first segments of paths, and `alias.member` pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileRefs {
    pub names: BTreeSet<String>,
    pub members: BTreeSet<(String, String)>,
}

pub fn file_refs(ast: &crate::syntax::Ast) -> FileRefs {
    let mut refs = FileRefs::default();
    for item in &ast.items {
        match item {
            Item::Let(l) => expr_refs(&l.value, &mut refs),
            Item::Decl(d) => record_refs(&d.body, &mut refs),
            _ => {}
        }
    }
    refs
}

fn path_refs(segs: &[crate::syntax::Ident], refs: &mut FileRefs) {
    refs.names.insert(segs[0].name.clone());
    if let Some(m) = segs.get(1) {
        refs.members.insert((segs[0].name.clone(), m.name.clone()));
    }
}

fn record_refs(r: &Record, refs: &mut FileRefs) {
    for e in &r.entries {
        match e {
            Entry::Field(f) => expr_refs(&f.value, refs),
            Entry::Labeled(l) => record_refs(&l.body, refs),
            Entry::Spread(s) => expr_refs(&s.expr, refs),
            Entry::Error(_) => {}
        }
    }
}

fn expr_refs(e: &Expr, refs: &mut FileRefs) {
    match &e.kind {
        ExprKind::Path(segs) => path_refs(segs, refs),
        ExprKind::Str(parts) => {
            for p in parts {
                if let StrPart::Interp(segs, _) = p {
                    path_refs(segs, refs);
                }
            }
        }
        ExprKind::List(items) | ExprKind::Call { args: items, .. } => items.iter().for_each(|i| expr_refs(i, refs)),
        ExprKind::Record(r) | ExprKind::Tagged { body: r, .. } => record_refs(r, refs),
        _ => {}
    }
}

/// What `unused_bindings` needs to know of one file: its top-level names
/// and the names it uses. Built from salsa (`db::facts`) or from stored facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bindings {
    pub file: FileId,
    pub refs: FileRefs,
    /// Each `let` in scope: its name and where the name is written.
    pub lets: Vec<(String, TextRange)>,
    /// Each import in scope: its alias, where the alias is written, and the
    /// imported file when it exists.
    pub imports: Vec<(String, TextRange, Option<FileId>)>,
}

/// W0009 for every `let` and `import` that no file uses.
pub fn unused_bindings(files: &[&Bindings]) -> Vec<Diagnostic> {
    let mut used_members: HashMap<FileId, BTreeSet<&str>> = HashMap::new();
    for f in files {
        for (alias, member) in &f.refs.members {
            if let Some((_, _, Some(target))) = f.imports.iter().find(|(a, _, _)| a == alias) {
                used_members.entry(*target).or_default().insert(member);
            }
        }
    }
    let mut out = Vec::new();
    for f in files {
        for (name, range) in &f.lets {
            let imported = used_members.get(&f.file).is_some_and(|m| m.contains(name.as_str()));
            if !f.refs.names.contains(name) && !imported {
                out.push(
                    Diagnostic::new(Code::UnusedBinding, Span::new(f.file, *range), format!("`{name}` is never used"))
                        .with_label("unused")
                        .with_help("remove it, or use it"),
                );
            }
        }
        for (alias, range, _) in &f.imports {
            if !f.refs.names.contains(alias) {
                out.push(
                    Diagnostic::new(
                        Code::UnusedBinding,
                        Span::new(f.file, *range),
                        format!("import `{alias}` is never used"),
                    )
                    .with_label("unused")
                    .with_help("remove the import"),
                );
            }
        }
    }
    out
}
