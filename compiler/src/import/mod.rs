//! `mspc import`: an MSP `service.yaml` becomes a `.msp` file.
//!
//! `yaml` reads the document with ranges; `comments` finds its comments;
//! `convert` walks it along the one table of names (`mapping`), typing each
//! value by the stdlib schema (`schema_path`) into a `model` of the `.msp`;
//! `required` reports required keys that are missing; `lift` moves what the
//! environments share into `defaults`; `print` writes the text, which the
//! formatter then lays out.
//!
//! Diagnostics point into the YAML (`file`), so the ordinary renderers show
//! YAML lines.

pub mod comments;
mod convert;
mod lift;
pub mod mapping;
mod model;
mod print;
mod required;
mod schema_path;
pub mod yaml;

use indexmap::IndexMap;

use crate::check::schema::{FieldDef, Ty};
use crate::check::stdlib::stdlib;
use crate::diagnostics::{Code, Diagnostic, FileId, Span};
use crate::syntax::TextRange;
use model::{Entry, Record, Value};

/// Where MSP's handbook pages live: a `notionPageID` becomes `<base><id>`.
pub const NOTION_BASE: &str = "https://sourcegraph.notion.site/";

#[derive(Clone, Debug)]
pub struct Options {
    /// Prefix of handbook page URLs; see `NOTION_BASE`.
    pub notion_base: String,
}

impl Default for Options {
    fn default() -> Self {
        Options { notion_base: NOTION_BASE.into() }
    }
}

#[derive(Clone, Debug)]
pub struct Imported {
    /// The service id, when the spec has a usable one.
    pub id: Option<String>,
    /// The `.msp` text, formatted; only when there are no errors.
    pub msp: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// BigQuery tables the spec names: their `<table>.bigquerytable.json`
    /// files go along with the `.msp` file.
    pub bigquery_tables: Vec<String>,
    /// Files the import writes beside the `.msp` file: (name, contents).
    /// Older specs' inline table schemas.
    pub generated: Vec<(String, String)>,
}

/// Converts one spec. `file` is the id diagnostics use for the YAML text.
pub fn import(text: &str, file: FileId, options: &Options) -> Imported {
    let mut out =
        Imported { id: None, msp: None, diagnostics: Vec::new(), bigquery_tables: Vec::new(), generated: Vec::new() };
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            out.diagnostics.push(
                Diagnostic::new(Code::MissingYamlKey, Span::new(file, TextRange::empty(0)), "the spec is empty")
                    .with_help("an MSP spec has `service:`, `build:` and `environments:`"),
            );
            return out;
        }
        Err(e) => {
            out.diagnostics.push(
                Diagnostic::new(Code::YamlSyntax, Span::new(file, e.range), format!("invalid YAML: {}", e.message))
                    .with_label("here"),
            );
            return out;
        }
    };
    let comments = comments::attach(text, &root);
    let mut conv = convert::Converter::new(file, text, &options.notion_base, comments);
    conv.run(&root);
    out.id = conv.id.clone();
    out.generated = conv.schemas.iter().map(|(t, json)| (format!("{t}.bigquerytable.json"), json.clone())).collect();
    if let Some(Value::Record(envs)) = conv.body.entries.get_mut("environment").map(|e| &mut e.value) {
        for (id, env) in envs.entries.iter_mut() {
            if let Value::Record(r) = &mut env.value {
                tidy_environment(r, conv.bigquery_named.contains(id), &mut out.bigquery_tables);
            }
        }
    }
    let start = TextRange::empty(root.range.start as usize);
    if conv.id.is_none() && !conv.diagnostics.iter().any(|d| d.code != Code::MissingYamlKey) {
        conv.diagnostics.push(
            Diagnostic::new(Code::MissingYamlKey, Span::new(file, start), "`service.id` is missing")
                .with_help("add `service: {id: my-service, …}`: lowercase letters, digits and hyphens"),
        );
    }
    // A key whose value was refused is absent from the model; saying it is
    // missing too would be noise.
    if !conv.diagnostics.iter().any(Diagnostic::is_error) {
        required::Missing { file, fallback: start, out: &mut conv.diagnostics }.service(&conv.body);
    }
    required::msp_required(&root, file, &mut conv.diagnostics);
    crate::diagnostics::normalize(&mut conv.diagnostics);
    out.diagnostics = std::mem::take(&mut conv.diagnostics);
    if out.diagnostics.iter().any(Diagnostic::is_error) {
        return out;
    }
    let Some(id) = conv.id.clone() else { return out };

    let mut body = conv.body;
    if let Some(Value::Record(envs)) = body.entries.get_mut("environment").map(|e| &mut e.value) {
        let mut views: Vec<&mut Record> = envs
            .entries
            .values_mut()
            .filter_map(|e| match &mut e.value {
                Value::Record(r) => Some(r),
                _ => None,
            })
            .collect();
        let defaults = lift::lift(&mut views);
        if !defaults.entries.is_empty() {
            let range = defaults.range.unwrap_or_default();
            body.entries
                .insert("defaults".into(), Entry { value: Value::Record(defaults), comments: Vec::new(), range });
        }
    }
    // Once, after lifting: `order` is a stable sort and lifting never depends
    // on the order of a record's fields, so sorting before it changed nothing.
    order(&mut body, &stdlib().index.schema("Service").fields);
    let labeled = schema_path::labeled_fields();
    let keyword = if conv.job { "job" } else { "service" };
    let text = print::Printer::new(&labeled).declaration(keyword, &id, &conv.decl_comments, &body);
    match crate::fmt::format(&text) {
        Ok(formatted) => out.msp = Some(formatted),
        Err(e) => out.diagnostics.push(Diagnostic::new(
            Code::YamlValue,
            Span::new(file, start),
            format!("internal error: the generated `.msp` does not format ({e:?}); please report this spec"),
        )),
    }
    out
}

/// Per-environment fixes that need the whole environment. `bigquery_named`:
/// the spec names a dataset (then one without tables is reported missing them).
fn tidy_environment(env: &mut Record, bigquery_named: bool, tables: &mut Vec<String>) {
    // `locations.gcpLocation` only places a BigQuery dataset; without one it
    // means nothing and must not conjure one.
    if !bigquery_named && env.record("bigquery").is_some_and(|b| !b.entries.contains_key("tables")) {
        env.entries.shift_remove("bigquery");
    }
    if let Some(Value::List(items)) = env.record("bigquery").and_then(|b| b.entries.get("tables")).map(|e| &e.value) {
        for item in items {
            if let Value::Str(name) = &item.value
                && !tables.contains(name)
            {
                tables.push(name.clone());
            }
        }
    }
    // MSP renders `{{ .ServiceDnsName }}` empty without a domain; mspc's
    // `${environment.dns_name}` would be an error there.
    let has_domain =
        matches!(env.entries.get("domain").map(|e| &e.value), Some(Value::Variant(t, _)) if t == "cloudflare");
    let replacement = if has_domain { "${environment.dns_name}" } else { "" };
    replace_in(env, convert::DNS_NAME, replacement);
}

fn replace_in(record: &mut Record, from: &str, to: &str) {
    for entry in record.entries.values_mut() {
        replace_value(&mut entry.value, from, to);
    }
}

fn replace_value(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Str(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Record(r) | Value::Variant(_, r) => replace_in(r, from, to),
        Value::List(items) => items.iter_mut().for_each(|i| replace_value(&mut i.value, from, to)),
        _ => {}
    }
}

/// Fields in the schema's order, the order the guide and the examples use.
fn order(record: &mut Record, fields: &IndexMap<String, FieldDef>) {
    let rank = |k: &String| fields.get_index_of(k).unwrap_or(usize::MAX);
    record.entries.sort_by(|a, _, b, _| rank(a).cmp(&rank(b)));
    for (name, entry) in record.entries.iter_mut() {
        if let Some(def) = fields.get(name) {
            order_value(&mut entry.value, &def.ty);
        }
    }
}

fn order_value(value: &mut Value, ty: &Ty) {
    let index = &stdlib().index;
    match (value, ty) {
        (Value::Record(r), Ty::Schema(n)) => order(r, &index.schema(n).fields),
        (Value::Record(r), Ty::Map(t)) => r.entries.values_mut().for_each(|e| order_value(&mut e.value, t)),
        (Value::List(items), Ty::List(t)) => items.iter_mut().for_each(|i| order_value(&mut i.value, t)),
        (Value::Variant(tag, r), Ty::Union(u)) => {
            if let Some(fields) = index.enum_def(u).variant(tag).and_then(|v| v.fields.as_ref()) {
                order(r, fields);
            }
        }
        _ => {}
    }
}
