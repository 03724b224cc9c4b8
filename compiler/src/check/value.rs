//! Raw values: what an expression means once names, imports and spreads are
//! resolved, before it is checked against a type. Strings keep references to
//! `service.*` / `environment.*` unresolved, because a value in `defaults` or
//! in a `let` takes each environment's values in turn.

use indexmap::IndexMap;

use crate::diagnostics::Span;

#[derive(Clone, Debug)]
pub struct Raw {
    pub kind: RawKind,
    /// Where the value is written.
    pub span: Span,
    /// Where it was used through a name (`let`, import, `defaults.x`), if so.
    pub via: Option<Span>,
}

impl Raw {
    pub fn new(kind: RawKind, span: Span) -> Self {
        Raw { kind, span, via: None }
    }

    /// Where diagnostics about this value point: the use site if it came
    /// through a name, otherwise where it is written.
    pub fn site(&self) -> Span {
        self.via.unwrap_or(self.span)
    }

    pub fn error(span: Span) -> Self {
        Raw::new(RawKind::Error, span)
    }

    /// "a string", "an integer": what the value is, for type errors.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            RawKind::Str(_) => "a string",
            RawKind::Int(_) => "an integer",
            RawKind::Float(_) => "a number",
            RawKind::Bool(_) => "a boolean",
            RawKind::Duration(_) => "a duration",
            RawKind::Size(_) => "a size",
            RawKind::List(_) => "a list",
            RawKind::Record(_) => "a record",
            RawKind::Tagged { .. } => "a tagged value",
            RawKind::Name { value: Some(v), .. } => v.describe(),
            RawKind::Name { .. } => "a name",
            RawKind::Secret(_) => "a secret reference",
            RawKind::Error => "an invalid value",
        }
    }

    /// What copying the value costs: its values, itself included, plus the
    /// bytes of its text.
    pub fn weight(&self) -> usize {
        1 + match &self.kind {
            RawKind::Str(parts) => parts
                .iter()
                .map(|p| match p {
                    RawPart::Text(t) => t.len(),
                    RawPart::Ref { .. } => 1,
                })
                .sum(),
            RawKind::List(items) => items.iter().map(Raw::weight).sum(),
            RawKind::Record(r) | RawKind::Tagged { body: r, .. } => r.fields.values().map(|f| f.value.weight()).sum(),
            RawKind::Name { value: Some(v), .. } | RawKind::Secret(v) => v.weight(),
            _ => 0,
        }
    }

    /// Follows a bare name bound by `let` to its value.
    pub fn resolved(&self) -> &Raw {
        match &self.kind {
            RawKind::Name { value: Some(v), .. } => v.resolved(),
            _ => self,
        }
    }
}

#[derive(Clone, Debug)]
pub enum RawKind {
    Str(Vec<RawPart>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Duration(u64),
    Size(u64),
    List(Vec<Raw>),
    Record(RawRecord),
    /// `cloudflare { … }`
    Tagged {
        tag: String,
        tag_span: Span,
        body: RawRecord,
    },
    /// A bare name: an enum variant, a union tag, an environment name, or a
    /// `let` (then `value` holds what it is bound to). The expected type decides.
    Name {
        name: String,
        value: Option<Box<Raw>>,
    },
    /// `secret(…)` and its argument.
    Secret(Box<Raw>),
    /// Already reported.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RawPart {
    Text(String),
    /// `${service.id}`, `${environment.dns_name}`
    Ref {
        root: CtxRoot,
        field: String,
        field_span: Span,
        span: Span,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxRoot {
    Service,
    Environment,
}

impl CtxRoot {
    /// The root a path starts with: `service` or `environment`.
    pub fn from_name(name: &str) -> Option<CtxRoot> {
        match name {
            "service" => Some(CtxRoot::Service),
            "environment" => Some(CtxRoot::Environment),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CtxRoot::Service => "service",
            CtxRoot::Environment => "environment",
        }
    }

    /// The stdlib schema declaring the fields this root offers.
    pub fn schema_name(self) -> &'static str {
        match self {
            CtxRoot::Service => "ServiceContext",
            CtxRoot::Environment => "EnvironmentContext",
        }
    }
}

#[derive(Clone, Debug)]
pub struct RawRecord {
    pub fields: IndexMap<String, RawField>,
    /// The `{ … }`.
    pub span: Span,
    /// A parse error inside: skip "missing field" errors that would only repeat it.
    pub has_errors: bool,
}

impl RawRecord {
    pub fn empty(span: Span) -> Self {
        RawRecord { fields: IndexMap::new(), span, has_errors: false }
    }
}

#[derive(Clone, Debug)]
pub struct RawField {
    pub key_span: Span,
    pub value: Raw,
    /// Written as `key label { … }` (the value is then a map of labels).
    pub labeled: bool,
}

/// Deep merge for `defaults`: records merge field by field, tagged values
/// with the same tag merge their bodies, anything else is replaced by `over`.
pub fn merge(base: &Raw, over: &Raw) -> Raw {
    match (&base.resolved().kind, &over.resolved().kind) {
        (RawKind::Record(b), RawKind::Record(o)) => {
            Raw { kind: RawKind::Record(merge_records(b, o)), span: over.span, via: over.via }
        }
        // `deploy = manual` over `manual { tag = "v1" }`: the same variant keeps its settings.
        (RawKind::Tagged { tag, .. }, RawKind::Name { name, value: None }) if tag == name => {
            Raw { kind: base.resolved().kind.clone(), span: over.span, via: over.via }
        }
        (RawKind::Tagged { tag: bt, body: bb, .. }, RawKind::Tagged { tag: ot, tag_span, body: ob }) if bt == ot => {
            Raw {
                kind: RawKind::Tagged { tag: ot.clone(), tag_span: *tag_span, body: merge_records(bb, ob) },
                span: over.span,
                via: over.via,
            }
        }
        _ => over.clone(),
    }
}

pub fn merge_records(base: &RawRecord, over: &RawRecord) -> RawRecord {
    let mut fields = base.fields.clone();
    for (k, f) in &over.fields {
        let merged = match fields.get(k) {
            Some(b) => RawField { key_span: f.key_span, value: merge(&b.value, &f.value), labeled: f.labeled },
            None => f.clone(),
        };
        fields.insert(k.clone(), merged);
    }
    RawRecord { fields, span: over.span, has_errors: base.has_errors || over.has_errors }
}
