//! The `.msp` being built: values as they will be written, each with the YAML
//! comments that attach to it and the YAML range it came from.

use indexmap::IndexMap;

use super::comments::Comment;
use crate::syntax::TextRange;

#[derive(Clone, Debug)]
pub enum Value {
    /// A string's body as `.msp` source: escaped, interpolations written out.
    Str(String),
    /// Written as is: numbers, booleans, sizes, durations, enum variants,
    /// environment names.
    Lit(String),
    /// `secret("…")`, its argument escaped like `Str`.
    Secret(String),
    List(Vec<Item>),
    Record(Record),
    /// A union value: the tag, and its settings when it has any.
    Variant(String, Record),
}

#[derive(Clone, Debug)]
pub struct Item {
    pub value: Value,
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, Default)]
pub struct Record {
    pub entries: IndexMap<String, Entry>,
    /// The YAML mapping it was made from, for "missing key" diagnostics.
    pub range: Option<TextRange>,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub value: Value,
    pub comments: Vec<Comment>,
    /// The YAML key it was made from.
    pub range: TextRange,
}

impl Value {
    /// The same value, comments and origins aside.
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) | (Value::Lit(a), Value::Lit(b)) | (Value::Secret(a), Value::Secret(b)) => {
                a == b
            }
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.value.same(&y.value))
            }
            (Value::Record(a), Value::Record(b)) => a.same(b),
            (Value::Variant(t, a), Value::Variant(u, b)) => t == u && a.same(b),
            _ => false,
        }
    }

    /// Whether it or anything in it carries a comment (then it cannot be
    /// written on one line: a `//` comment runs to the end of it).
    pub fn has_comments(&self) -> bool {
        match self {
            Value::List(items) => items.iter().any(|i| !i.comments.is_empty() || i.value.has_comments()),
            Value::Record(r) | Value::Variant(_, r) => r.has_comments(),
            _ => false,
        }
    }
}

impl Record {
    pub fn same(&self, other: &Record) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().all(|(k, e)| other.entries.get(k).is_some_and(|o| e.value.same(&o.value)))
    }

    pub fn has_comments(&self) -> bool {
        self.entries.values().any(|e| !e.comments.is_empty() || e.value.has_comments())
    }

    pub fn record(&self, key: &str) -> Option<&Record> {
        match self.entries.get(key).map(|e| &e.value) {
            Some(Value::Record(r)) => Some(r),
            _ => None,
        }
    }
}
