//! Keys MSP requires, found missing by walking the built `.msp` against the
//! stdlib schema (a required `.msp` field is a required YAML key) and named
//! by their YAML spelling through the mapping table.

use indexmap::IndexMap;

use super::mapping::RULES;
use super::model::{Record, Value};
use crate::check::schema::{FieldDef, Ty};
use crate::check::stdlib::stdlib;
use crate::diagnostics::{Code, Diagnostic, FileId, Span};
use crate::syntax::TextRange;

pub struct Missing<'a> {
    pub file: FileId,
    /// Where to point when a record has no YAML range of its own.
    pub fallback: TextRange,
    pub out: &'a mut Vec<Diagnostic>,
}

impl Missing<'_> {
    pub fn service(&mut self, body: &Record) {
        self.record(body, &stdlib().index.schema("Service").fields, "");
    }

    /// `pattern` is the record's `.msp` path in the mapping table's notation.
    fn record(&mut self, record: &Record, fields: &IndexMap<String, FieldDef>, pattern: &str) {
        let range = record.range.unwrap_or(self.fallback);
        for (name, def) in fields {
            let field_pattern = if pattern.is_empty() { name.clone() } else { format!("{pattern}.{name}") };
            let Some(entry) = record.entries.get(name) else {
                if def.required() && name != "defaults" {
                    self.missing(range, &field_pattern);
                }
                continue;
            };
            self.value(&entry.value, &def.ty, &field_pattern, entry.range);
        }
    }

    fn value(&mut self, value: &Value, ty: &Ty, pattern: &str, range: TextRange) {
        let index = &stdlib().index;
        match (value, ty) {
            (Value::Record(r), Ty::Schema(n)) => self.record(r, &index.schema(n).fields, pattern),
            (Value::Record(r), Ty::Map(t)) => {
                let wildcard = if pattern == "environment" { "<env>" } else { "*" };
                for entry in r.entries.values() {
                    self.value(&entry.value, t, &format!("{pattern}.{wildcard}"), entry.range);
                }
            }
            (Value::List(items), Ty::List(t)) => {
                for item in items {
                    self.value(&item.value, t, &format!("{pattern}.[]"), range);
                }
            }
            (Value::Variant(tag, r), Ty::Union(u)) => {
                if tag.is_empty() {
                    self.missing(r.range.unwrap_or(range), pattern);
                    return;
                }
                if let Some(fields) = index.enum_def(u).variant(tag).and_then(|v| v.fields.as_ref()) {
                    let with_variant = format!("{pattern}:{tag}");
                    self.record(r, fields, &with_variant);
                }
            }
            _ => {}
        }
    }

    fn missing(&mut self, range: TextRange, msp_pattern: &str) {
        let any_variant: Vec<String> = msp_pattern
            .split('.')
            .map(|seg| match seg.split_once(':') {
                Some((field, _)) => format!("{field}:*"),
                None => seg.to_string(),
            })
            .collect();
        let any_variant = any_variant.join(".");
        let rule = RULES.iter().find(|r| r.msp == msp_pattern || r.msp == any_variant);
        let key = match rule {
            Some(r) => r.yaml.strip_prefix("environments[].").unwrap_or(r.yaml),
            // A record with no key of its own (`environments`) is required as a whole.
            None if msp_pattern == "environment" => "environments",
            None => msp_pattern,
        };
        let mut d = Diagnostic::new(Code::MissingYamlKey, Span::new(self.file, range), format!("`{key}` is missing"));
        d.primary.message = "required here".into();
        self.out.push(d);
    }
}
