//! One neutral diagnostic type, produced by every layer and rendered by
//! several front ends (terminal, JSON, SARIF, GitHub annotations, short lines,
//! and later the language server).

pub mod codes;
mod fix;
pub mod render;
pub mod suggest;

mod pages {
    include!(concat!(env!("OUT_DIR"), "/diagnostic_pages.rs"));

    pub fn page(code: &str) -> Option<&'static str> {
        let name = format!("{code}.md");
        DIAGNOSTIC_PAGES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    pub fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
        DIAGNOSTIC_PAGES.iter().map(|(n, p)| (n.trim_end_matches(".md"), *p))
    }
}

pub use codes::Code;
pub use pages::all as all_pages;

use crate::syntax::TextRange;

/// Identifies a source file inside one workspace (stable for its lifetime).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub range: TextRange,
}

impl Span {
    pub fn new(file: FileId, range: TextRange) -> Self {
        Span { file, range }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A mechanical fix: replacing each span's text. The language server offers it
/// as a quick fix. Consumers apply `Fix::laid_out`, not `edits` directly.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    pub message: String,
    pub edits: Vec<(Span, String)>,
    /// The edit adds an entry to a record: an empty span at its closing `}`,
    /// placed to match the record's layout.
    pub entry: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            primary: Label { span, message: String::new() },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    /// The text under the primary caret.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label { span, message: message.into() });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn with_fix(mut self, message: impl Into<String>, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix { message: message.into(), edits: vec![(span, replacement.into())], entry: false });
        self
    }

    /// A fix adding `entry` (`key = value`) to the record whose closing `}`
    /// is at `record_close`.
    pub fn with_entry_fix(mut self, message: impl Into<String>, record_close: Span, entry: impl Into<String>) -> Self {
        self.fix = Some(Fix { message: message.into(), edits: vec![(record_close, entry.into())], entry: true });
        self
    }

    pub fn span(&self) -> Span {
        self.primary.span
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Sort key: file, position, then code, so output is stable.
    pub fn sort_key(&self) -> (FileId, u32, u32, Code, &str) {
        let s = self.primary.span;
        (s.file, s.range.start, s.range.end, self.code, &self.message)
    }
}

/// Sorts and drops exact repeats (the same code, place and message), which
/// arise when a value in `defaults` is checked once per environment.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup_by(|a, b| a.code == b.code && a.primary.span == b.primary.span && a.message == b.message);
}

/// What a renderer needs to know about files.
pub trait SourceMap {
    fn path(&self, file: FileId) -> String;
    fn text(&self, file: FileId) -> &str;
}

/// Files as `(path, text)` pairs, a file's id being its index, for front ends
/// that read the files themselves (`mspc fmt`, `mspc import`).
impl SourceMap for Vec<(String, String)> {
    fn path(&self, file: FileId) -> String {
        self.get(file.0 as usize).map_or_else(|| "<unknown>".into(), |f| f.0.clone())
    }
    fn text(&self, file: FileId) -> &str {
        self.get(file.0 as usize).map_or("", |f| f.1.as_str())
    }
}

/// 1-based line and column (columns in characters) of a byte offset.
pub fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(text.len());
    let offset = (0..=offset).rev().find(|&o| text.is_char_boundary(o)).unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, before[line_start..].chars().count() + 1)
}
