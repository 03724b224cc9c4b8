//! Keys MSP requires, found missing by walking the built `.msp` against the
//! stdlib schema (a required `.msp` field is a required YAML key) and named
//! by their YAML spelling through the mapping table.

use indexmap::IndexMap;

use super::mapping::{MSP_REQUIRED, RULES, YSeg, yaml_segments};
use super::model::{Record, Value};
use super::yaml::{Node, NodeKind, Scalar};
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

/// The keys of `MSP_REQUIRED` missing from the YAML, each reported once at
/// the block that lacks it.
pub fn msp_required(root: &Node, file: FileId, out: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashMap::new();
    for (block, keys, why) in MSP_REQUIRED {
        let mut found = Vec::new();
        blocks(root, &yaml_segments(block), String::new(), &mut found);
        for (shown, node) in found {
            let mut at = node;
            let mut path = shown;
            for key in keys.split('.') {
                path = if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
                let next = match &at.kind {
                    NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.key_text() == Some(key)).map(|(_, v)| v),
                    _ if at.scalar() == Some(Scalar::Null) => None,
                    // Another type is the converter's error.
                    _ => break,
                };
                match next {
                    Some(v) if v.scalar() != Some(Scalar::Null) => at = v,
                    _ => {
                        // A block's first line, not its whole body.
                        let range = match at.as_map() {
                            Some([(first, _), ..]) => TextRange { start: at.range.start, end: first.range.end },
                            _ => at.range,
                        };
                        let message = format!("`{path}` is missing");
                        match seen.get(&(message.clone(), range)) {
                            Some(&i) => {
                                let d: &mut Diagnostic = &mut out[i];
                                d.notes.push((*why).to_string());
                            }
                            None => {
                                seen.insert((message.clone(), range), out.len());
                                let mut d = Diagnostic::new(Code::MissingYamlKey, Span::new(file, range), message);
                                d.primary.message = "required here".into();
                                d.notes.push((*why).to_string());
                                out.push(d);
                            }
                        }
                        break;
                    }
                }
            }
        }
    }
}

/// The nodes at `pattern`, each with its path as messages show it (relative
/// to its environment, like the mapping's keys).
fn blocks<'n>(node: &'n Node, pattern: &[YSeg], shown: String, out: &mut Vec<(String, &'n Node)>) {
    let Some((first, rest)) = pattern.split_first() else {
        out.push((shown, node));
        return;
    };
    let join = |part: &str| if shown.is_empty() { part.to_string() } else { format!("{shown}.{part}") };
    match first {
        YSeg::Key(key) => {
            if let Some((_, v)) = node.as_map().and_then(|m| m.iter().find(|(k, _)| k.key_text() == Some(key))) {
                let shown = if *key == "environments" { String::new() } else { join(key) };
                blocks(v, rest, shown, out);
            }
        }
        YSeg::AnyIndex => {
            for (i, item) in node.as_seq().unwrap_or_default().iter().enumerate() {
                let shown = if shown.is_empty() { shown.clone() } else { format!("{shown}[{i}]") };
                blocks(item, rest, shown, out);
            }
        }
        YSeg::AnyKey => {
            for (k, v) in node.as_map().unwrap_or_default() {
                blocks(v, rest, join(k.key_text().unwrap_or_default()), out);
            }
        }
    }
}
