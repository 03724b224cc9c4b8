//! The owned syntax tree. Every node carries the byte range it was parsed from;
//! nothing here borrows the source text, so salsa can memoize it.

use std::fmt;

/// A half-open byte range into one file's text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        TextRange { start: start as u32, end: end as u32 }
    }
    pub fn empty(at: usize) -> Self {
        TextRange::new(at, at)
    }
    pub fn len(self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    pub fn as_usize(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    /// The range inside `text` and widened to whole characters: a range
    /// counted in bytes (`at..at + 1`) may end inside a multi-byte one.
    pub fn on_chars(self, text: &str) -> TextRange {
        let mut start = (self.start as usize).min(text.len());
        let mut end = (self.end as usize).clamp(start, text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        TextRange::new(start, end)
    }
}

impl fmt::Debug for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A float that compares by bits, so the tree can be `Eq + Hash`.
#[derive(Clone, Copy, Debug)]
pub struct F64(pub f64);

impl PartialEq for F64 {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}
impl Eq for F64 {}
impl std::hash::Hash for F64 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Ast {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Comment {
    pub range: TextRange,
    /// `///` rather than `//`.
    pub doc: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    Import(Import),
    Let(Let),
    Decl(Decl),
    Schema(SchemaDecl),
    Enum(EnumDecl),
    Union(UnionDecl),
    /// A line the parser could not read; its error is in `Parse::errors`.
    Error(TextRange),
}

impl Item {
    pub fn range(&self) -> TextRange {
        match self {
            Item::Import(i) => i.range,
            Item::Let(l) => l.range,
            Item::Decl(d) => d.range,
            Item::Schema(s) => s.range,
            Item::Enum(e) => e.range,
            Item::Union(u) => u.range,
            Item::Error(r) => *r,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Import {
    /// The path as written; `None` when it could not be read (already reported).
    pub path: Option<String>,
    pub path_range: TextRange,
    pub alias: Ident,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
    pub doc: Option<String>,
    pub range: TextRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeclKind {
    Service,
    Job,
    Platform,
}

impl DeclKind {
    /// The declaration a keyword starts: `service`, `job` or `platform`.
    pub fn from_keyword(word: &str) -> Option<DeclKind> {
        match word {
            "service" => Some(DeclKind::Service),
            "job" => Some(DeclKind::Job),
            "platform" => Some(DeclKind::Platform),
            _ => None,
        }
    }

    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Service => "service",
            DeclKind::Job => "job",
            DeclKind::Platform => "platform",
        }
    }
}

/// `service <id> { … }`, `job <id> { … }` or `platform { … }`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decl {
    pub kind: DeclKind,
    pub keyword: TextRange,
    pub label: Option<Ident>,
    pub body: Record,
    pub doc: Option<String>,
    pub range: TextRange,
}

impl Decl {
    /// The range diagnostics about the whole declaration point at.
    pub fn name_range(&self) -> TextRange {
        self.label.as_ref().map_or(self.keyword, |l| l.range)
    }
}

/// A `{ … }` body: a record value or a block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    pub entries: Vec<Entry>,
    pub range: TextRange,
    /// Whether an entry, directly or below, failed to parse. Checks that
    /// would only repeat the parse error (a "missing" field) are skipped.
    pub has_errors: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    /// `key = value` or `key { … }` (then `block` is true).
    Field(Field),
    /// `key label { … }`, e.g. `environment prod { … }`.
    Labeled(Labeled),
    /// `..base`
    Spread(Spread),
    Error(TextRange),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub key: Ident,
    pub value: Expr,
    pub block: bool,
    pub doc: Option<String>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Labeled {
    pub key: Ident,
    pub label: Ident,
    pub body: Record,
    pub doc: Option<String>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spread {
    pub expr: Expr,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    Str(Vec<StrPart>),
    Int(i64),
    Float(F64),
    Bool(bool),
    /// Seconds.
    Duration(u64),
    /// Bytes.
    Size(u64),
    List(Vec<Expr>),
    Record(Record),
    /// `cloudflare { … }`: a union variant with a payload.
    Tagged {
        tag: Ident,
        body: Record,
    },
    /// `secret("name")`
    Call {
        func: Ident,
        args: Vec<Expr>,
    },
    /// `name`, `teams.core`, `defaults.instances`
    Path(Vec<Ident>),
    /// A literal or item that failed to parse; the error is already reported.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StrPart {
    Text(String),
    /// `${a.b}`: the path and the range of the whole `${…}`.
    Interp(Vec<Ident>, TextRange),
}

impl Expr {
    /// The text of a string literal without interpolation.
    pub fn as_plain_str(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Str(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        StrPart::Text(t) => out.push_str(t),
                        StrPart::Interp(..) => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }
}

// ------------------------------------------------------------------ stdlib declarations

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SchemaDecl {
    pub name: Ident,
    pub attrs: Vec<Attr>,
    pub fields: Vec<FieldDecl>,
    pub doc: Option<String>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub attrs: Vec<Attr>,
    pub doc: Option<String>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeExpr {
    pub name: Ident,
    pub arg: Option<Box<TypeExpr>>,
    pub optional: bool,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attr {
    pub name: Ident,
    pub args: Vec<Expr>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<Variant>,
    pub doc: Option<String>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    pub name: Ident,
    /// Union variants only: `None` for a bare tag.
    pub fields: Option<Vec<FieldDecl>>,
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnionDecl {
    pub name: Ident,
    pub variants: Vec<Variant>,
    pub doc: Option<String>,
    pub range: TextRange,
}
