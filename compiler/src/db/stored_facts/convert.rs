//! Facts to their stored form and back: `FileId`s (which follow load
//! order) become paths, and stored diagnostics and summaries become values
//! again with the current ids.

use super::keys::names_of;
use super::{
    Key, Range, StoredChecked, StoredDecl, StoredDiagnostic, StoredFile, StoredFix, StoredSpan, StoredSummary,
};
use crate::check::service::Summary;
use crate::check::stdlib::Stdlib;
use crate::check::workspace::{Bindings, FileRefs};
use crate::db::facts::{DeclFacts, FileFacts};
use crate::db::queries::FileIndex;
use crate::db::{Db, SourceFile, Workspace};
use crate::diagnostics::{Code, Diagnostic, FileId, Fix, Label, Severity, Span};
use crate::syntax::TextRange;

/// Translates between `FileId`s and stored paths.
pub(super) struct Ids<'a> {
    pub(super) db: &'a dyn Db,
    pub(super) ws: Workspace,
    pub(super) index: &'a FileIndex,
}

impl Ids<'_> {
    /// What to store of a file's check: the diagnostics pointing elsewhere,
    /// with spans whose files are numbered in the entry's own table.
    fn store_checked(&self, file: SourceFile, f: &FileFacts) -> StoredChecked {
        let own = file.id(self.db);
        let mut w = SpanWriter { ids: self, files: Vec::new() };
        let foreign = |w: &mut SpanWriter, ds: &[Diagnostic]| {
            ds.iter().filter(|d| d.primary.span.file != own).map(|d| w.diag(d)).collect()
        };
        let diagnostics = foreign(&mut w, &f.diagnostics);
        let mut decls = Vec::new();
        for d in &f.decls {
            decls.push(StoredDecl {
                summary: w.summary(&d.summary),
                diagnostics: foreign(&mut w, &d.diagnostics),
                has_error: d.has_error,
                complete: d.complete,
                internal_error: d.internal_error.clone(),
            });
        }
        StoredChecked { files: w.files, diagnostics, has_error: f.has_error, decls }
    }

    /// A file's entry: its names, and what its check found.
    pub(super) fn entry(&self, file: SourceFile, text: Key, context: Key, fresh: &FileFacts) -> StoredFile {
        let names = names_of(self.db, self.ws, file);
        StoredFile { text, names, context, checked: self.store_checked(file, fresh) }
    }

    /// Whether every file the entry's spans point into still exists.
    pub(super) fn usable(&self, s: &StoredFile) -> bool {
        s.checked.files.iter().all(|p| self.index.by_path.contains_key(p))
    }

    /// The facts of `path` from its stored entry, which is `usable`; `None`
    /// if the entry does not make sense (a cache damaged, yet still JSON).
    pub(super) fn file_facts(&self, path: &str, s: StoredFile) -> Option<FileFacts> {
        let id = |p: &str| self.index.by_path.get(p).map(|f| f.id(self.db));
        let files = s.checked.files.iter().map(|p| id(p)).collect::<Option<Vec<FileId>>>()?;
        let r = SpanReader { files: &files };
        // What the file contributes to other files' unused-binding checks:
        // every import counts as used, and it has no `let`s, so that it
        // reports nothing of its own.
        let names = s.names;
        let bindings = Bindings {
            file: id(path)?,
            refs: FileRefs {
                names: names.imports.iter().map(|(alias, _)| alias.clone()).collect(),
                members: names.uses,
            },
            lets: Vec::new(),
            imports: names
                .imports
                .into_iter()
                .map(|(alias, to)| (alias, TextRange::default(), to.and_then(|p| id(&p))))
                .collect(),
        };
        let decls = s
            .checked
            .decls
            .into_iter()
            .map(|d| {
                Some(DeclFacts {
                    summary: r.summary(d.summary)?,
                    diagnostics: r.diags(d.diagnostics)?,
                    has_error: d.has_error,
                    complete: d.complete,
                    internal_error: d.internal_error,
                    ir: None,
                })
            })
            .collect::<Option<_>>()?;
        Some(FileFacts {
            path: path.to_string(),
            bindings,
            diagnostics: r.diags(s.checked.diagnostics)?,
            has_error: s.checked.has_error,
            decls,
        })
    }
}

/// Writes spans with their file as an index into `files`, the entry's own
/// table of paths (so an entry can be reused as it is when others change),
/// or, for the stdlib's files, as their reserved id.
struct SpanWriter<'a> {
    ids: &'a Ids<'a>,
    files: Vec<String>,
}

impl SpanWriter<'_> {
    fn span(&mut self, s: Span) -> StoredSpan {
        let file = match self.ids.index.by_id.get(&s.file) {
            Some(f) => {
                let path = f.path(self.ids.db);
                match self.files.iter().position(|p| p == path) {
                    Some(i) => i as u32,
                    None => {
                        self.files.push(path.clone());
                        self.files.len() as u32 - 1
                    }
                }
            }
            None => s.file.0,
        };
        (file, s.range.start, s.range.end)
    }

    fn summary(&mut self, s: &Summary) -> StoredSummary {
        let mut each = |v: &[(String, Span, String, Span)]| {
            v.iter()
                .map(|(env, at, value, set)| (env.clone(), self.span(*at), value.clone(), self.span(*set)))
                .collect()
        };
        let project_ids = each(&s.project_ids);
        let domains = each(&s.domains);
        StoredSummary { id: s.id.as_ref().map(|(id, at)| (id.clone(), self.span(*at))), project_ids, domains }
    }

    fn diag(&mut self, d: &Diagnostic) -> StoredDiagnostic {
        let mut label = |l: &Label| (self.span(l.span), l.message.clone());
        let primary = label(&d.primary);
        let secondary = d.secondary.iter().map(label).collect();
        StoredDiagnostic {
            code: d.code.as_str().to_string(),
            error: d.is_error(),
            message: d.message.clone(),
            primary,
            secondary,
            notes: d.notes.clone(),
            help: d.help.clone(),
            fix: d.fix.as_ref().map(|f| StoredFix {
                message: f.message.clone(),
                edits: f.edits.iter().map(|(s, t)| (self.span(*s), t.clone())).collect(),
                entry: f.entry,
            }),
        }
    }
}

/// Reads what `SpanWriter` wrote, with the entry's files' current ids.
struct SpanReader<'a> {
    files: &'a [FileId],
}

impl SpanReader<'_> {
    fn span(&self, (file, start, end): &StoredSpan) -> Option<Span> {
        let id = if Stdlib::is_stdlib(FileId(*file)) { FileId(*file) } else { *self.files.get(*file as usize)? };
        Some(Span::new(id, text_range((*start, *end))))
    }

    fn summary(&self, s: StoredSummary) -> Option<Summary> {
        let each = |v: Vec<(String, StoredSpan, String, StoredSpan)>| {
            v.into_iter()
                .map(|(env, at, value, set)| Some((env, self.span(&at)?, value, self.span(&set)?)))
                .collect::<Option<Vec<_>>>()
        };
        let id = match s.id {
            Some((id, at)) => Some((id, self.span(&at)?)),
            None => None,
        };
        Some(Summary { id, project_ids: each(s.project_ids)?, domains: each(s.domains)? })
    }

    fn diags(&self, ds: Vec<StoredDiagnostic>) -> Option<Vec<Diagnostic>> {
        ds.into_iter().map(|d| self.diag(d)).collect()
    }

    fn diag(&self, d: StoredDiagnostic) -> Option<Diagnostic> {
        let label = |(s, message): (StoredSpan, String)| Some(Label { span: self.span(&s)?, message });
        let fix = match d.fix {
            Some(f) => Some(Fix {
                message: f.message,
                edits: f.edits.into_iter().map(|(s, t)| Some((self.span(&s)?, t))).collect::<Option<_>>()?,
                entry: f.entry,
            }),
            None => None,
        };
        Some(Diagnostic {
            code: Code::parse(&d.code)?,
            severity: if d.error { Severity::Error } else { Severity::Warning },
            message: d.message,
            primary: label(d.primary)?,
            secondary: d.secondary.into_iter().map(label).collect::<Option<_>>()?,
            notes: d.notes,
            help: d.help,
            fix,
        })
    }
}

fn text_range((start, end): Range) -> TextRange {
    TextRange { start, end }
}
