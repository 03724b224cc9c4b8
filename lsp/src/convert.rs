//! Compiler values (byte offsets, `FileId`s, neutral diagnostics) → protocol
//! values (UTF-16 positions, URIs). Runs on the blocking thread that holds the
//! snapshot, since it reads file texts from the database.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::str::FromStr;

use mspc_compiler::check::stdlib::stdlib;
use mspc_compiler::db::{self, Database, Workspace};
use mspc_compiler::diagnostics::{self, FileId, Severity, render::DOCS_URL};
use mspc_compiler::ide;
use mspc_compiler::syntax::TextRange;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::ls_types::Uri;

use crate::line_index::LineIndex;

/// Where the embedded stdlib's files are shown: the editor asks for their
/// text with `mspc/stdlibFile`.
pub const STDLIB_SCHEME: &str = "mspc-stdlib";

pub struct Files<'a> {
    db: &'a Database,
    ws: Workspace,
    root: &'a Path,
    /// Line indexes of the files converted so far: one diagnostics run
    /// converts many ranges of the same files.
    indexes: RefCell<HashMap<FileId, Rc<LineIndex<'a>>>>,
}

impl<'a> Files<'a> {
    pub fn new(db: &'a Database, ws: Workspace, root: &'a Path) -> Self {
        Files { db, ws, root, indexes: RefCell::default() }
    }

    /// The text and URI of a workspace or stdlib file.
    pub fn get(&self, file: FileId) -> Option<(&'a str, Uri)> {
        if let Some(f) = stdlib().file(file) {
            let name = f.path.trim_start_matches("<stdlib>/");
            return Some((f.text, Uri::from_str(&format!("{STDLIB_SCHEME}:///{name}")).ok()?));
        }
        let db = self.db;
        let f = db::file_index(db, self.ws).by_id.get(&file)?;
        let uri = Uri::from_file_path(self.root.join(f.path(db)))?;
        Some((f.text(db).as_str(), uri))
    }

    fn index(&self, file: FileId, text: &'a str) -> Rc<LineIndex<'a>> {
        self.indexes.borrow_mut().entry(file).or_insert_with(|| Rc::new(LineIndex::new(text))).clone()
    }

    /// A range of a file, and the file's URI.
    fn range(&self, file: FileId, range: TextRange) -> Option<(Uri, lsp::Range)> {
        let (text, uri) = self.get(file)?;
        Some((uri, self.index(file, text).range(range)))
    }

    pub fn location(&self, loc: ide::Location) -> Option<lsp::Location> {
        let (uri, range) = self.range(loc.file, loc.range)?;
        Some(lsp::Location { uri, range })
    }

    /// Edits grouped per document.
    pub fn workspace_edit(&self, edits: &[ide::TextEdit]) -> lsp::WorkspaceEdit {
        let mut changes: HashMap<Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for e in edits {
            let Some((uri, range)) = self.range(e.file, e.range) else { continue };
            changes.entry(uri).or_default().push(lsp::TextEdit { range, new_text: e.new_text.clone() });
        }
        lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }
    }

    /// A diagnostic in its primary file, with its other labels as related
    /// information and a link to its code's page.
    pub fn diagnostic(&self, d: &diagnostics::Diagnostic) -> Option<(Uri, lsp::Diagnostic)> {
        let (uri, range) = self.range(d.primary.span.file, d.primary.span.range)?;
        let mut message = d.message.clone();
        if !d.primary.message.is_empty() {
            message.push_str(&format!(" ({})", d.primary.message));
        }
        for n in &d.notes {
            message.push_str(&format!("\nnote: {n}"));
        }
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .secondary
            .iter()
            .filter_map(|l| {
                let location = self.location(ide::Location { file: l.span.file, range: l.span.range })?;
                Some(lsp::DiagnosticRelatedInformation { location, message: l.message.clone() })
            })
            .collect();
        Some((
            uri,
            lsp::Diagnostic {
                range,
                severity: Some(severity(d.severity)),
                code: Some(lsp::NumberOrString::String(d.code.as_str().into())),
                code_description: Uri::from_str(&format!("{DOCS_URL}/{}.md", d.code.as_str()))
                    .ok()
                    .map(|href| lsp::CodeDescription { href }),
                source: Some("mspc".into()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                tags: None,
                data: None,
            },
        ))
    }

    /// Copies of a diagnostic (`primary`: as `diagnostic` converted it) for
    /// the other workspace files its labels point into, so a clash between
    /// two files (a project id used twice) shows in both. Marked in `data`
    /// so clients and tests can tell them apart.
    pub fn mirrors(
        &self,
        d: &diagnostics::Diagnostic,
        primary: &(Uri, lsp::Diagnostic),
    ) -> Vec<(Uri, lsp::Diagnostic)> {
        let (primary_uri, primary_diag) = primary;
        let mut out = Vec::new();
        for l in &d.secondary {
            if l.span.file == d.primary.span.file || stdlib().file(l.span.file).is_some() {
                continue;
            }
            let Some((uri, range)) = self.range(l.span.file, l.span.range) else { continue };
            let label = if l.message.is_empty() { String::new() } else { format!(" ({})", l.message) };
            out.push((
                uri,
                lsp::Diagnostic {
                    range,
                    severity: primary_diag.severity,
                    code: primary_diag.code.clone(),
                    code_description: primary_diag.code_description.clone(),
                    source: Some("mspc".into()),
                    message: format!("{}{label}", d.message),
                    related_information: Some(vec![lsp::DiagnosticRelatedInformation {
                        location: lsp::Location { uri: primary_uri.clone(), range: primary_diag.range },
                        message: "reported here".into(),
                    }]),
                    tags: None,
                    data: Some(serde_json::json!({ "mirror": true })),
                },
            ));
        }
        out
    }
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
    }
}

/// The text of a stdlib file named by its `mspc-stdlib:` URI.
pub fn stdlib_text(uri: &str) -> Option<&'static str> {
    let name = uri.strip_prefix(STDLIB_SCHEME)?.trim_start_matches(':').trim_start_matches('/');
    stdlib().files.iter().find(|f| f.path.trim_start_matches("<stdlib>/") == name).map(|f| f.text)
}
