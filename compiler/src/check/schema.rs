//! The schema model: `schema`, `enum` and `union` declarations of the stdlib,
//! resolved into types and constraints. Everything that knows which fields
//! exist (checking, completion, hover, docs) reads this.

use indexmap::IndexMap;

use super::value::CtxRoot;
use crate::diagnostics::Span;
use crate::syntax::{DeclKind, Expr, ExprKind};

#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    String,
    Int,
    Float,
    Bool,
    /// Seconds.
    Duration,
    /// Bytes.
    Size,
    /// `secret("…")`
    Secret,
    /// The name of one of the service's environments.
    Env,
    List(Box<Ty>),
    /// String-keyed.
    Map(Box<Ty>),
    Schema(String),
    Enum(String),
    Union(String),
}

impl Ty {
    /// "a string", "a list of strings", "a `Redis` record", for messages.
    pub fn describe(&self) -> String {
        match self {
            Ty::String => "a string".into(),
            Ty::Int => "an integer".into(),
            Ty::Float => "a number".into(),
            Ty::Bool => "`true` or `false`".into(),
            Ty::Duration => "a duration (e.g. `30s`)".into(),
            Ty::Size => "a size (e.g. `512Mi`)".into(),
            Ty::Secret => "a secret reference (`secret(\"name\")`)".into(),
            Ty::Env => "an environment name".into(),
            Ty::List(t) => format!("a list of {}", t.plural()),
            Ty::Map(t) => format!("a map of {}", t.plural()),
            Ty::Schema(n) => format!("{} `{n}` record", article(n)),
            Ty::Enum(n) => format!("{} `{n}` value", article(n)),
            Ty::Union(n) => format!("{} `{n}` variant", article(n)),
        }
    }

    fn plural(&self) -> String {
        match self {
            Ty::String => "strings".into(),
            Ty::Int => "integers".into(),
            Ty::Float => "numbers".into(),
            Ty::Bool => "booleans".into(),
            Ty::Duration => "durations".into(),
            Ty::Size => "sizes".into(),
            Ty::Secret => "secret references".into(),
            Ty::Env => "environment names".into(),
            Ty::List(t) => format!("lists of {}", t.plural()),
            Ty::Map(t) => format!("maps of {}", t.plural()),
            Ty::Schema(n) => format!("`{n}` records"),
            Ty::Enum(n) | Ty::Union(n) => format!("`{n}` values"),
        }
    }

    /// How the type is written in the stdlib: `list<string>`.
    pub fn syntax(&self) -> String {
        match self {
            Ty::String => "string".into(),
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Duration => "duration".into(),
            Ty::Size => "size".into(),
            Ty::Secret => "secret".into(),
            Ty::Env => "env".into(),
            Ty::List(t) => format!("list<{}>", t.syntax()),
            Ty::Map(t) => format!("map<{}>", t.syntax()),
            Ty::Schema(n) | Ty::Enum(n) | Ty::Union(n) => n.clone(),
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

/// A bound of `@range` or step of `@multiple_of`, in the field's own unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Num {
    pub value: f64,
    /// As written in the stdlib, for messages: `512Mi`.
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub regex: regex::Regex,
    /// What a matching string is, in words.
    pub what: String,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.regex.as_str() == other.regex.as_str() && self.what == other.what
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Constraint {
    Range(Num, Num),
    Len(usize, Option<usize>),
    Pattern(Pattern),
    MultipleOf(Num),
    Unique,
    UniqueBy(String),
    KeyPattern(Pattern),
}

impl Constraint {
    /// Whether the constraint judges each item of a list (and each entry of
    /// a map) rather than the list itself: `@pattern`, `@range` and
    /// `@multiple_of` do; `@len` counts the items, `@unique` compares them.
    pub fn applies_to_items(&self) -> bool {
        matches!(self, Constraint::Pattern(_) | Constraint::Range(..) | Constraint::MultipleOf(_))
    }

    /// What is wrong with `value` by this constraint, if anything. A
    /// constraint on another kind of value (`@pattern` on a number) finds
    /// nothing, nor do those that compare several values (`@unique`,
    /// `@unique_by`) or judge keys (`@key_pattern`): their callers check those.
    pub fn violation(&self, value: Subject<'_>) -> Option<Violation<'_>> {
        match (self, value) {
            (Constraint::Len(min, max), Subject::Str(_) | Subject::Count(_)) => {
                let n = match value {
                    Subject::Str(s) => s.chars().count(),
                    Subject::Count(n) => n,
                    Subject::Num(_) => return None,
                };
                match *max {
                    Some(max) if n > max => Some(Violation::TooLong { n, min: *min, max }),
                    _ if n < *min => Some(Violation::TooShort { n, min: *min, max: *max }),
                    _ => None,
                }
            }
            (Constraint::Pattern(p), Subject::Str(s)) => (!p.regex.is_match(s)).then_some(Violation::NoMatch(p)),
            (Constraint::Range(lo, hi), Subject::Num(x)) => {
                (x < lo.value || x > hi.value).then_some(Violation::OutOfRange { lo, hi })
            }
            (Constraint::MultipleOf(step), Subject::Num(x)) => {
                (step.value > 0.0 && (x / step.value).fract() != 0.0).then_some(Violation::NotMultiple(step))
            }
            _ => None,
        }
    }
}

/// A value as the single-value constraints see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Subject<'v> {
    /// A string: `@len` counts its characters, `@pattern` matches it.
    Str(&'v str),
    /// A number, duration or size, in the field's unit.
    Num(f64),
    /// A list or map: `@len` counts its items or entries.
    Count(usize),
}

/// How a value breaks one constraint of its field. Each caller words it.
#[derive(Clone, Debug, PartialEq)]
pub enum Violation<'c> {
    /// `@len`: `n` characters, items or entries, fewer than `min`.
    TooShort { n: usize, min: usize, max: Option<usize> },
    /// `@len`: `n`, more than `max`.
    TooLong { n: usize, min: usize, max: usize },
    /// `@pattern`: the string does not match.
    NoMatch(&'c Pattern),
    /// `@range`: not between the bounds.
    OutOfRange { lo: &'c Num, hi: &'c Num },
    /// `@multiple_of`: not a whole number of steps.
    NotMultiple(&'c Num),
}

/// Every violation of `constraints` by `value`, in the constraints' order.
/// `item`: the value is an item of the list (or an entry of the map) the
/// constraints are declared on, so only those that apply to items count.
pub fn violations<'c>(
    constraints: &'c [Constraint],
    value: Subject<'_>,
    item: bool,
) -> impl Iterator<Item = Violation<'c>> {
    constraints.iter().filter(move |c| !item || c.applies_to_items()).filter_map(move |c| c.violation(value))
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    /// `T?`: may be absent, with no default.
    pub optional: bool,
    pub default: Option<Expr>,
    pub constraints: Vec<Constraint>,
    /// `@only(service)` / `@only(job)`.
    pub only: Option<DeclKind>,
    /// `@label`: given by the block's name.
    pub label: bool,
    /// `@defaults_of(field)`: a partial record inherited by that map's entries.
    pub defaults_of: Option<String>,
    pub doc: Option<String>,
    pub span: Span,
}

impl FieldDef {
    pub fn required(&self) -> bool {
        !self.optional && self.default.is_none() && !self.label
    }

    /// Whether a declaration of `kind` may set this field (`@only`).
    pub fn allowed_in(&self, kind: DeclKind) -> bool {
        self.only.is_none_or(|only| only == kind)
    }

    /// The default as written in the stdlib, for docs, hover and skeletons.
    pub fn default_text(&self) -> Option<String> {
        let text = super::stdlib::stdlib().text_of(self.span);
        self.default.as_ref().map(|d| text[d.range.as_usize()].to_string())
    }
}

/// The field among `fields` whose value every entry of another map field
/// inherits (`@defaults_of`: `defaults`), and that map field (`environment`).
pub fn defaults_field_of(fields: &IndexMap<String, FieldDef>) -> Option<(&str, &str)> {
    fields.values().find_map(|f| Some((f.name.as_str(), f.defaults_of.as_deref()?)))
}

#[derive(Clone, Debug)]
pub struct SchemaDef {
    pub name: String,
    pub fields: IndexMap<String, FieldDef>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct VariantDef {
    pub name: String,
    /// Union variants with a body; `None` for enum variants and bare tags.
    pub fields: Option<IndexMap<String, FieldDef>>,
    pub doc: Option<String>,
    pub span: Span,
}

impl VariantDef {
    /// A bare tag is accepted when the variant has no body or every field has a default.
    pub fn bare_ok(&self) -> bool {
        self.fields.as_ref().is_none_or(|f| f.values().all(|d| !d.required()))
    }
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<VariantDef>,
    /// Union (tagged, may carry a body) rather than enum.
    pub is_union: bool,
    pub doc: Option<String>,
    pub span: Span,
}

impl EnumDef {
    pub fn variant(&self, name: &str) -> Option<&VariantDef> {
        self.variants.iter().find(|v| v.name == name)
    }
    pub fn variant_names(&self) -> impl Iterator<Item = &str> {
        self.variants.iter().map(|v| v.name.as_str())
    }
}

#[derive(Clone, Debug, Default)]
pub struct SchemaIndex {
    pub schemas: IndexMap<String, SchemaDef>,
    /// Enums and unions.
    pub enums: IndexMap<String, EnumDef>,
}

impl SchemaIndex {
    pub fn schema(&self, name: &str) -> &SchemaDef {
        &self.schemas[name]
    }
    pub fn enum_def(&self, name: &str) -> &EnumDef {
        &self.enums[name]
    }

    /// The schema a declaration's body is checked against: `Service` for
    /// services and jobs, `Platform` for the platform.
    pub fn decl_schema(&self, kind: DeclKind) -> Option<&SchemaDef> {
        let name = match kind {
            DeclKind::Service | DeclKind::Job => "Service",
            DeclKind::Platform => "Platform",
        };
        self.schemas.get(name)
    }

    /// The field of a service's schema whose value every entry of another
    /// map field inherits (`defaults`), and that map field (`environment`).
    pub fn defaults_field(&self) -> Option<(&str, &str)> {
        defaults_field_of(&self.decl_schema(DeclKind::Service)?.fields)
    }

    /// The schema of the entries `defaults` applies to (`Environment`).
    pub fn environment_schema(&self) -> Option<&SchemaDef> {
        let (_, map) = self.defaults_field()?;
        let Ty::Map(t) = &self.decl_schema(DeclKind::Service)?.fields.get(map)?.ty else {
            return None;
        };
        let Ty::Schema(name) = &**t else { return None };
        self.schemas.get(name)
    }

    /// The schema of what `${service.…}` or `${environment.…}` can read.
    pub fn context_schema(&self, root: CtxRoot) -> Option<&SchemaDef> {
        self.schemas.get(root.schema_name())
    }
}

/// Reads `@range(1, 8)`-style arguments: a literal number, duration or size.
pub fn literal_num(e: &Expr, text: &str) -> Option<Num> {
    let value = match &e.kind {
        ExprKind::Int(i) => *i as f64,
        ExprKind::Float(f) => f.0,
        ExprKind::Duration(s) => *s as f64,
        ExprKind::Size(b) => *b as f64,
        _ => return None,
    };
    Some(Num { value, text: text[e.range.as_usize()].to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(value: f64) -> Num {
        Num { value, text: value.to_string() }
    }

    #[test]
    fn violations_say_how_a_value_breaks_its_constraints() {
        let word = Pattern { regex: regex::Regex::new("^[a-z]+$").unwrap(), what: "a word".into() };
        let cons = vec![Constraint::Len(2, Some(3)), Constraint::Pattern(word), Constraint::Unique];
        let all = |s: &str, item: bool| violations(&cons, Subject::Str(s), item).collect::<Vec<_>>();
        assert_eq!(all("ab", false), []);
        assert_eq!(all("a", false), [Violation::TooShort { n: 1, min: 2, max: Some(3) }]);
        assert!(
            matches!(all("ABCD", false).as_slice(), [Violation::TooLong { n: 4, min: 2, max: 3 }, Violation::NoMatch(p)] if p.what == "a word")
        );
        // An item of a list: `@len` counts the list's items, not the item's characters.
        assert_eq!(all("a", true), []);
        assert_eq!(all("A", true).len(), 1);
        assert_eq!(
            violations(&cons, Subject::Count(4), false).collect::<Vec<_>>(),
            [Violation::TooLong { n: 4, min: 2, max: 3 }]
        );

        let (lo, hi, step) = (num(1.0), num(8.0), num(2.0));
        let cons = vec![Constraint::Range(lo.clone(), hi.clone()), Constraint::MultipleOf(step.clone())];
        let all = |x: f64| violations(&cons, Subject::Num(x), false).collect::<Vec<_>>();
        assert_eq!(all(4.0), []);
        assert_eq!(all(9.0), [Violation::OutOfRange { lo: &lo, hi: &hi }, Violation::NotMultiple(&step)]);
        // Number constraints say nothing of strings, string constraints nothing of numbers.
        assert_eq!(violations(&cons, Subject::Str("x"), false).count(), 0);
        assert_eq!(Constraint::Len(1, None).violation(Subject::Num(0.0)), None);
        assert_eq!(
            Constraint::Len(1, None).violation(Subject::Count(0)),
            Some(Violation::TooShort { n: 0, min: 1, max: None })
        );
    }
}
