//! Phase 2: raw values checked against the schema's types and constraints,
//! with defaults applied. Produces JSON in the schema's shape (deserialized
//! into `spec` types next) and a map from field paths to source spans, so
//! later rules can point at the value they judge.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::{Map, Number, Value as Json};

use super::schema::*;
use super::stdlib::stdlib;
use super::value::*;
use crate::diagnostics::{Code, Diagnostic, Span, suggest};
use crate::syntax::{DeclKind, Expr, ExprKind, StrPart, literals};

/// Field paths (`environment.prod.instances.cpu`) → spans of what was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spans {
    values: HashMap<String, Span>,
    keys: HashMap<String, Span>,
}

impl Spans {
    /// The span of the value at `path`, if it was written (not defaulted).
    pub fn value(&self, path: &str) -> Option<Span> {
        self.values.get(path).copied()
    }
    /// The span of the key at `path` (`instances` in `instances = …`).
    pub fn key(&self, path: &str) -> Option<Span> {
        self.keys.get(path).copied()
    }
    pub fn is_set(&self, path: &str) -> bool {
        self.values.contains_key(path)
    }
    /// The value at `path`, or the nearest written ancestor: where to point
    /// about a value that may have come from a default.
    pub fn nearest(&self, path: &str) -> Option<Span> {
        let mut p = path;
        loop {
            if let Some(s) = self.values.get(p) {
                return Some(*s);
            }
            p = &p[..p.rfind('.')?];
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServiceCtx {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct EnvValues {
    pub id: String,
    pub label: Span,
    pub project_id: Option<String>,
    pub dns_name: Option<String>,
    pub region: Option<String>,
    pub category: Option<String>,
}

#[derive(Clone, Debug)]
pub enum EnvCtx {
    /// Not inside an environment.
    Outside,
    /// In `defaults`, checked once for all environments.
    Any,
    In(EnvValues),
}

pub struct Checker<'a> {
    pub index: &'static SchemaIndex,
    pub kind: DeclKind,
    pub service: Option<ServiceCtx>,
    pub env: EnvCtx,
    /// Names `env`-typed values may take.
    pub env_names: Vec<String>,
    /// Skip "missing field" (checking `defaults`).
    pub partial: bool,
    pub diags: &'a mut Vec<Diagnostic>,
    pub spans: &'a mut Spans,
    /// When false, spans are not recorded (checking stdlib defaults).
    record_spans: bool,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

impl<'a> Checker<'a> {
    pub fn new(kind: DeclKind, diags: &'a mut Vec<Diagnostic>, spans: &'a mut Spans) -> Self {
        Checker {
            index: &stdlib().index,
            kind,
            service: None,
            env: EnvCtx::Outside,
            env_names: Vec::new(),
            partial: false,
            diags,
            spans,
            record_spans: true,
        }
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn mismatch(&mut self, raw: &Raw, ty: &Ty) -> Option<Json> {
        let mut d = Diagnostic::new(
            Code::TypeMismatch,
            raw.site(),
            format!("expected {}, found {}", ty.describe(), raw.describe()),
        )
        .with_label(format!("expected {}", ty.describe()));
        if raw.via.is_some() {
            d = d.with_secondary(raw.resolved().span, "the value is written here");
        }
        let r = raw.resolved();
        match (ty, &r.kind) {
            (Ty::Duration, RawKind::Int(i)) => {
                d = d.with_help(format!("add a unit: `{i}s`, `{i}m` or `{i}h`")).with_fix(
                    "add seconds",
                    r.span,
                    format!("{i}s"),
                );
            }
            (Ty::Size, RawKind::Int(i)) => {
                d = d.with_help(format!("add a unit: `{i}Mi` or `{i}Gi`")).with_fix("add Gi", r.span, format!("{i}Gi"));
            }
            (Ty::Secret, RawKind::Str(parts)) => {
                if let Some(s) = plain(parts) {
                    d = d.with_help("wrap the secret's name in `secret(…)`").with_fix(
                        "wrap in secret(…)",
                        r.span,
                        format!("secret({s:?})"),
                    );
                }
            }
            (Ty::String, RawKind::Name { name, value: None }) => {
                d = d.with_help(format!("strings are quoted: `\"{name}\"`")).with_fix(
                    "quote it",
                    r.span,
                    format!("{name:?}"),
                );
            }
            (Ty::Int | Ty::Float, RawKind::Str(parts)) if plain(parts).is_some_and(|s| s.parse::<f64>().is_ok()) => {
                let s = plain(parts).unwrap();
                d = d.with_help(format!("numbers are not quoted: `{s}`")).with_fix("unquote", r.span, s);
            }
            (Ty::Bool, RawKind::Str(parts)) if matches!(plain(parts).as_deref(), Some("true" | "false")) => {
                let s = plain(parts).unwrap();
                d = d.with_help(format!("booleans are not quoted: `{s}`")).with_fix("unquote", r.span, s);
            }
            _ => {}
        }
        self.push(d);
        None
    }

    /// Checks a value against a type and the field's constraints.
    pub fn check(&mut self, raw: &Raw, ty: &Ty, cons: &[Constraint], path: &str, owner: Span) -> Option<Json> {
        if self.record_spans {
            self.spans.values.insert(path.to_string(), raw.site());
        }
        if matches!(raw.resolved().kind, RawKind::Error) {
            return None;
        }
        let json = self.check_type(raw, ty, cons, path, owner)?;
        self.constraints(raw, ty, cons, &json, path);
        Some(json)
    }

    fn check_type(&mut self, raw: &Raw, ty: &Ty, cons: &[Constraint], path: &str, owner: Span) -> Option<Json> {
        // Names first: `category = internal` is a variant even if a `let internal` exists.
        if let RawKind::Name { name, value } = &raw.kind {
            match ty {
                Ty::Enum(e) | Ty::Union(e) => {
                    let def = self.index.enum_def(e);
                    if def.variant(name).is_some() || value.is_none() {
                        return self.variant(raw, name, None, def);
                    }
                }
                Ty::Env if value.is_none() => return self.env_name(raw, name),
                _ => {}
            }
            match value {
                Some(v) => {
                    let mut v = (**v).clone();
                    v.via = Some(raw.site());
                    return self.check_type(&v, ty, cons, path, owner);
                }
                None => {
                    if !matches!(ty, Ty::String) {
                        let d = Diagnostic::new(Code::UnknownName, raw.site(), format!("unknown name `{name}`"))
                            .with_label("not defined")
                            .with_note(format!("expected {} here", ty.describe()));
                        self.push(d);
                        return None;
                    }
                    return self.mismatch(raw, ty);
                }
            }
        }
        let r = raw.resolved();
        match (ty, &r.kind) {
            (Ty::String, RawKind::Str(parts)) => self.render(parts).map(Json::String),
            (Ty::Int, RawKind::Int(i)) => Some(Json::from(*i)),
            (Ty::Float, RawKind::Int(i)) => Some(Json::from(*i as f64)),
            (Ty::Float, RawKind::Float(f)) => Number::from_f64(*f).map(Json::Number),
            (Ty::Bool, RawKind::Bool(b)) => Some(Json::Bool(*b)),
            (Ty::Duration, RawKind::Duration(s)) | (Ty::Size, RawKind::Size(s)) => Some(Json::from(*s)),
            (Ty::Secret, RawKind::Secret(arg)) => match &arg.resolved().kind {
                RawKind::Str(parts) => self.render(parts).map(Json::String),
                _ => None,
            },
            (Ty::Env, RawKind::Str(parts)) => {
                let mut d =
                    Diagnostic::new(Code::TypeMismatch, raw.site(), "expected an environment name, found a string")
                        .with_label("expected an environment name");
                if let Some(s) = plain(parts) {
                    d = d.with_help(format!("environment names are not quoted: `{s}`")).with_fix("unquote", r.span, s);
                }
                self.push(d);
                None
            }
            (Ty::Enum(e) | Ty::Union(e), RawKind::Str(parts)) => {
                let def = self.index.enum_def(e);
                let mut d = Diagnostic::new(
                    Code::TypeMismatch,
                    raw.site(),
                    format!("expected {}, found a string", ty.describe()),
                )
                .with_label(format!("expected one of {}", list_names(def.variant_names())));
                if let Some(s) = plain(parts).filter(|s| def.variant(s).is_some()) {
                    d = d.with_help(format!("variants are not quoted: `{s}`")).with_fix("unquote", r.span, s);
                }
                self.push(d);
                None
            }
            (Ty::Union(u), RawKind::Tagged { tag, tag_span, body }) => {
                let def = self.index.enum_def(u);
                let tag_raw =
                    Raw { kind: RawKind::Name { name: tag.clone(), value: None }, span: *tag_span, via: None };
                self.variant(&tag_raw, tag, Some((body, path)), def)
            }
            (Ty::List(t), RawKind::List(items)) => {
                let item_cons: Vec<Constraint> = cons.iter().filter(|c| applies_to_items(c)).cloned().collect();
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.check(item, t, &item_cons, &format!("{path}[{i}]"), owner) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Json::Array(out))
            }
            (Ty::Map(t), RawKind::Record(rec)) => {
                let mut out = Map::new();
                let mut ok = true;
                for (k, f) in &rec.fields {
                    let p = join(path, k);
                    if self.record_spans {
                        self.spans.keys.insert(p.clone(), f.key_span);
                    }
                    for c in cons {
                        if let Constraint::KeyPattern(pat) = c {
                            if !pat.regex.is_match(k) {
                                self.push(
                                    Diagnostic::new(Code::InvalidKey, f.key_span, format!("`{k}` is not {}", pat.what))
                                        .with_label(format!("expected {}", pat.what)),
                                );
                                ok = false;
                            }
                        }
                    }
                    let item_cons: Vec<Constraint> = cons.iter().filter(|c| applies_to_items(c)).cloned().collect();
                    match self.check_map_entry(f, t, &item_cons, &p, k) {
                        Some(v) => {
                            out.insert(k.clone(), v);
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(Json::Object(out))
            }
            (Ty::Schema(s), RawKind::Record(rec)) => {
                let def = self.index.schema(s);
                self.record(rec, &def.fields, &def.name, path, owner, None)
            }
            _ => self.mismatch(raw, ty),
        }
    }

    /// A map entry: records in a map of schemas take their key as `@label`.
    fn check_map_entry(&mut self, f: &RawField, t: &Ty, cons: &[Constraint], path: &str, key: &str) -> Option<Json> {
        if let (Ty::Schema(s), RawKind::Record(rec)) = (t, &f.value.resolved().kind) {
            if self.record_spans {
                self.spans.values.insert(path.to_string(), f.value.site());
            }
            let def = self.index.schema(s);
            return self.record(rec, &def.fields, &def.name, path, f.key_span, Some((key, f.key_span)));
        }
        self.check(&f.value, t, cons, path, f.key_span)
    }

    fn env_name(&mut self, raw: &Raw, name: &str) -> Option<Json> {
        if self.env_names.iter().any(|n| n == name) {
            return Some(Json::String(name.to_string()));
        }
        let d = Diagnostic::new(Code::UnknownEnvironment, raw.site(), format!("there is no environment `{name}`"))
            .with_label("unknown environment")
            .with_help_opt(suggest::did_you_mean(name, self.env_names.iter().map(String::as_str)))
            .with_note(format!(
                "this service's environments: {}",
                list_names(self.env_names.iter().map(String::as_str))
            ));
        self.push(d);
        None
    }

    fn variant(&mut self, raw: &Raw, tag: &str, body: Option<(&RawRecord, &str)>, def: &EnumDef) -> Option<Json> {
        let Some(v) = def.variant(tag) else {
            let d = Diagnostic::new(Code::UnknownVariant, raw.site(), format!("`{tag}` is not a `{}`", def.name))
                .with_label(format!("expected one of {}", list_names(def.variant_names())))
                .with_help_opt(suggest::did_you_mean(tag, def.variant_names()));
            let d = match suggest::closest(tag, def.variant_names()) {
                Some(c) => d.with_fix(format!("replace with `{c}`"), raw.site(), c),
                None => d,
            };
            self.push(d);
            return None;
        };
        if !def.is_union {
            return Some(Json::String(tag.to_string()));
        }
        let mut obj = Map::new();
        obj.insert("type".into(), Json::String(tag.to_string()));
        match (&v.fields, body) {
            (None, Some((b, _))) => {
                self.push(
                    Diagnostic::new(Code::VariantPayload, b.span, format!("`{tag}` takes no settings"))
                        .with_label("remove this block")
                        .with_secondary(raw.site(), format!("`{tag}` is a bare variant"))
                        .with_fix(
                            "remove the block",
                            Span::new(
                                b.span.file,
                                crate::syntax::TextRange { start: raw.site().range.end, end: b.span.range.end },
                            ),
                            "",
                        ),
                );
                None
            }
            (Some(fields), None) if !v.bare_ok() => {
                let needed: Vec<&str> = fields.values().filter(|f| f.required()).map(|f| f.name.as_str()).collect();
                self.push(
                    Diagnostic::new(Code::VariantPayload, raw.site(), format!("`{tag}` needs settings"))
                        .with_label(format!("missing {}", list_names(needed.iter().copied())))
                        .with_help(format!("write `{tag} {{ {} = … }}`", needed[0])),
                );
                None
            }
            (Some(fields), b) => {
                let empty = RawRecord::empty(raw.site());
                let (rec, path) = b.unwrap_or((&empty, ""));
                let path = path.to_string();
                let Json::Object(inner) = self.record(rec, fields, tag, &path, raw.site(), None)? else {
                    return None;
                };
                obj.extend(inner);
                Some(Json::Object(obj))
            }
            (None, None) => Some(Json::Object(obj)),
        }
    }

    /// Checks a record against fields; applies defaults; reports unknown and
    /// missing fields. `label` is the block's name, for the `@label` field.
    pub fn record(
        &mut self,
        rec: &RawRecord,
        fields: &IndexMap<String, FieldDef>,
        what: &str,
        path: &str,
        owner: Span,
        label: Option<(&str, Span)>,
    ) -> Option<Json> {
        let mut values: HashMap<&str, Json> = HashMap::new();
        let mut ok = true;
        // The map whose entries inherit a `@defaults_of` field, and that field's value.
        let inherits = fields.values().find_map(|f| f.defaults_of.as_deref());
        let defaults = fields
            .values()
            .find_map(|f| f.defaults_of.as_ref().map(|t| (f.name.as_str(), t.as_str())))
            .and_then(|(name, target)| rec.fields.get(name).map(|f| (f, target)));
        for (name, rf) in &rec.fields {
            let Some(def) = fields.get(name) else {
                let d = Diagnostic::new(Code::UnknownField, rf.key_span, format!("`{what}` has no field `{name}`"))
                    .with_label("unknown field");
                let d = match suggest::closest(name, fields.values().filter(|f| !f.label).map(|f| f.name.as_str())) {
                    Some(c) => {
                        d.with_help(format!("did you mean `{c}`?")).with_fix(format!("rename to `{c}`"), rf.key_span, c)
                    }
                    None => d.with_note(format!(
                        "`{what}` has {}",
                        list_names(fields.values().filter(|f| !f.label).map(|f| f.name.as_str()))
                    )),
                };
                self.push(d);
                ok = false;
                continue;
            };
            let p = join(path, name);
            if self.record_spans {
                self.spans.keys.insert(p.clone(), rf.key_span);
            }
            if def.label {
                self.push(
                    Diagnostic::new(Code::LabelField, rf.key_span, format!("`{name}` is given by the block's name"))
                        .with_label("cannot be set here")
                        .with_help(format!("rename the block instead of setting `{name}`")),
                );
                ok = false;
                continue;
            }
            if let Some(only) = def.only {
                if only != self.kind && self.kind != DeclKind::Platform {
                    self.push(
                        Diagnostic::new(
                            Code::KindOnlyField,
                            rf.key_span,
                            format!("`{name}` is only for {}s; this is a {}", only.keyword(), self.kind.keyword()),
                        )
                        .with_label(format!("{}s only", only.keyword()))
                        .with_help(format!("remove `{name}`, or declare a `{}`", only.keyword())),
                    );
                    ok = false;
                    continue;
                }
            }
            if def.defaults_of.is_some() {
                // Checked on its own by the caller, in partial mode.
                continue;
            }
            if let (Some(target), Ty::Map(elem)) = (inherits, &def.ty) {
                if target == name {
                    let base = defaults.map(|(d, _)| &d.value);
                    match self.inherited_map(base, rf, elem, &p) {
                        Some(v) => {
                            values.insert(name, v);
                        }
                        None => ok = false,
                    }
                    self.constraints_len(rf, def, &p);
                    continue;
                }
            }
            match self.field_value(rf, def, &p) {
                Some(v) => {
                    values.insert(name, v);
                }
                None => ok = false,
            }
        }
        let mut out = Map::new();
        for def in fields.values() {
            if let Some(v) = values.remove(def.name.as_str()) {
                out.insert(def.name.clone(), v);
                continue;
            }
            if rec.fields.contains_key(&def.name) || def.defaults_of.is_some() {
                continue;
            }
            if def.label {
                if let Some((l, span)) = label {
                    let p = join(path, &def.name);
                    if self.record_spans {
                        self.spans.values.insert(p.clone(), span);
                    }
                    let raw = Raw::new(RawKind::Str(vec![RawPart::Text(l.to_string())]), span);
                    if let Some(v) = self.check(&raw, &def.ty, &def.constraints, &p, span) {
                        out.insert(def.name.clone(), v);
                    } else {
                        ok = false;
                    }
                }
                continue;
            }
            if def.only.is_some_and(|k| k != self.kind) {
                continue;
            }
            if let Some(default) = &def.default {
                if let Some(v) = self.default_value(default, def, &join(path, &def.name)) {
                    out.insert(def.name.clone(), v);
                }
                continue;
            }
            if def.optional || self.partial || rec.has_errors {
                continue;
            }
            ok = false;
            let mut d = Diagnostic::new(
                Code::MissingField,
                owner,
                format!("missing field `{}` in {}", def.name, describe_owner(what, label)),
            )
            .with_label(format!("`{}` is required", def.name));
            d = d.with_help(self.how_to_set(def));
            if let Some(doc) = def.doc.as_deref().and_then(|d| d.lines().next()) {
                d = d.with_note(format!("`{}`: {doc}", def.name));
            }
            self.push(d);
        }
        ok.then_some(Json::Object(out))
    }

    fn how_to_set(&self, def: &FieldDef) -> String {
        match &def.ty {
            Ty::Enum(e) | Ty::Union(e) => {
                format!(
                    "add `{} = {}`",
                    def.name,
                    self.index.enum_def(e).variant_names().collect::<Vec<_>>().join(" | ")
                )
            }
            Ty::Map(t) if matches!(**t, Ty::Schema(_)) => {
                format!("add a block: `{} <name> {{ … }}`", def.name)
            }
            Ty::Schema(_) => format!("add `{} {{ … }}`", def.name),
            Ty::List(_) => format!("add `{} = [ … ]`", def.name),
            _ => format!("add `{} = …`", def.name),
        }
    }

    fn field_value(&mut self, rf: &RawField, def: &FieldDef, path: &str) -> Option<Json> {
        self.check(&rf.value, &def.ty, &def.constraints, path, rf.key_span)
    }

    fn constraints_len(&mut self, rf: &RawField, def: &FieldDef, path: &str) {
        if let RawKind::Record(r) = &rf.value.resolved().kind {
            let json = Json::Object(r.fields.keys().map(|k| (k.clone(), Json::Null)).collect());
            let cons: Vec<Constraint> =
                def.constraints.iter().filter(|c| matches!(c, Constraint::Len(..))).cloned().collect();
            self.constraints(&rf.value, &def.ty, &cons, &json, path);
        }
    }

    /// The entries of the map that inherits `defaults`: each merged over the
    /// defaults, then checked in its own environment context.
    fn inherited_map(&mut self, defaults: Option<&Raw>, rf: &RawField, elem: &Ty, path: &str) -> Option<Json> {
        let Ty::Schema(s) = elem else { return None };
        let def = self.index.schema(s);
        let RawKind::Record(map) = &rf.value.resolved().kind else {
            return self.mismatch(&rf.value, &Ty::Map(Box::new(elem.clone())));
        };
        let empty = RawRecord::empty(rf.key_span);
        let base = match defaults.map(|d| &d.resolved().kind) {
            Some(RawKind::Record(b)) => b,
            Some(RawKind::Error) => return None,
            Some(_) => {
                let d = defaults.expect("matched");
                return self.mismatch(d, elem);
            }
            None => &empty,
        };
        let mut out = Map::new();
        let mut ok = true;
        for (label, entry) in &map.fields {
            let p = join(path, label);
            if self.record_spans {
                self.spans.keys.insert(p.clone(), entry.key_span);
                self.spans.values.insert(p.clone(), entry.value.site());
            }
            let RawKind::Record(own) = &entry.value.resolved().kind else {
                self.mismatch(&entry.value, elem);
                ok = false;
                continue;
            };
            let merged = merge_records(base, own);
            let saved = std::mem::replace(
                &mut self.env,
                EnvCtx::In(env_values(label, entry.key_span, &merged, self.service.as_ref())),
            );
            let checked =
                self.record(&merged, &def.fields, &def.name, &p, entry.key_span, Some((label, entry.key_span)));
            self.env = saved;
            match checked {
                Some(v) => {
                    out.insert(label.clone(), v);
                }
                None => ok = false,
            }
        }
        ok.then_some(Json::Object(out))
    }

    fn default_value(&mut self, expr: &Expr, def: &FieldDef, path: &str) -> Option<Json> {
        let raw = literal_raw(expr, def.span);
        let saved = self.record_spans;
        self.record_spans = false;
        let v = self.check(&raw, &def.ty, &[], path, def.span);
        self.record_spans = saved;
        v
    }

    /// Resolves `${…}` references against the current service and environment.
    fn render(&mut self, parts: &[RawPart]) -> Option<String> {
        let mut out = String::new();
        let mut ok = true;
        for p in parts {
            match p {
                RawPart::Text(t) => out.push_str(t),
                RawPart::Ref { root, field, field_span, span } => match self.lookup(*root, field, *field_span, *span) {
                    Some(v) => out.push_str(&v),
                    None => ok = false,
                },
            }
        }
        ok.then_some(out)
    }

    fn lookup(&mut self, root: CtxRoot, field: &str, field_span: Span, span: Span) -> Option<String> {
        let schema = match root {
            CtxRoot::Service => "ServiceContext",
            CtxRoot::Environment => "EnvironmentContext",
        };
        let fields = &self.index.schema(schema).fields;
        if !fields.contains_key(field) {
            let d = Diagnostic::new(
                Code::UnknownContextField,
                field_span,
                format!("`{}` has no field `{field}`", root.as_str()),
            )
            .with_label("unknown field")
            .with_help_opt(suggest::did_you_mean(field, fields.keys().map(String::as_str)))
            .with_note(format!(
                "`{}` has {}",
                root.as_str(),
                list_names(fields.keys().map(String::as_str))
            ));
            self.push(d);
            return None;
        }
        match root {
            CtxRoot::Service => match &self.service {
                Some(s) => Some(if field == "id" { s.id.clone() } else { s.name.clone() }),
                None => {
                    self.push(
                        Diagnostic::new(Code::ContextUnavailable, span, "`service` is not available here")
                            .with_label("outside a service")
                            .with_note("`${service.…}` can be used inside a `service` or `job`"),
                    );
                    None
                }
            },
            CtxRoot::Environment => match &self.env {
                EnvCtx::Outside => {
                    self.push(
                        Diagnostic::new(
                            Code::ContextUnavailable,
                            span,
                            format!("`environment.{field}` is not available here"),
                        )
                        .with_label("outside an environment")
                        .with_help("move this value into an `environment` block or `defaults`"),
                    );
                    None
                }
                EnvCtx::Any => Some(format!("${{environment.{field}}}")),
                EnvCtx::In(v) => {
                    let value = match field {
                        "id" => Some(v.id.clone()),
                        "project_id" => v.project_id.clone(),
                        "dns_name" => v.dns_name.clone(),
                        "region" => v.region.clone(),
                        "category" => v.category.clone(),
                        _ => None,
                    };
                    if value.is_none() && field == "dns_name" {
                        let id = v.id.clone();
                        let label = v.label;
                        self.push(
                            Diagnostic::new(
                                Code::ContextUnavailable,
                                span,
                                format!("environment `{id}` has no domain, so `environment.dns_name` is not available"),
                            )
                            .with_label("no DNS name in this environment")
                            .with_secondary(label, format!("environment `{id}` has no `domain`"))
                            .with_help("add a `domain` to the environment, or set this value only where there is one"),
                        );
                    }
                    // Other missing values are already reported where they are set.
                    value
                }
            },
        }
    }

    fn constraints(&mut self, raw: &Raw, ty: &Ty, cons: &[Constraint], json: &Json, path: &str) {
        let site = raw.site();
        for c in cons {
            match c {
                Constraint::Range(lo, hi) => {
                    if let Some(x) = json.as_f64() {
                        if x < lo.value || x > hi.value {
                            let shown = show(ty, x);
                            self.push(
                                Diagnostic::new(
                                    Code::OutOfRange,
                                    site,
                                    format!(
                                        "{shown} is out of range: `{}` must be between {} and {}",
                                        last(path),
                                        lo.text,
                                        hi.text
                                    ),
                                )
                                .with_label(format!("not in {}..{}", lo.text, hi.text)),
                            );
                        }
                    }
                }
                Constraint::MultipleOf(step) => {
                    if let Some(x) = json.as_f64() {
                        if step.value > 0.0 && (x / step.value).fract() != 0.0 {
                            self.push(
                                Diagnostic::new(
                                    Code::NotMultiple,
                                    site,
                                    format!(
                                        "`{}` must be a whole number of {}, found {}",
                                        last(path),
                                        step.text,
                                        show(ty, x)
                                    ),
                                )
                                .with_label(format!("not a multiple of {}", step.text)),
                            );
                        }
                    }
                }
                Constraint::Len(lo, hi) => {
                    let (n, unit) = match json {
                        Json::String(s) => (s.chars().count(), "characters"),
                        Json::Array(a) => (a.len(), "items"),
                        Json::Object(o) => (o.len(), "entries"),
                        _ => continue,
                    };
                    let bad = n < *lo || hi.is_some_and(|h| n > h);
                    if bad {
                        let msg = match (lo, hi) {
                            (1, None) if n == 0 => format!("`{}` must not be empty", last(path)),
                            (lo, None) => {
                                format!("`{}` needs at least {lo} {unit}, found {n}", last(path))
                            }
                            (_, Some(h)) if n > *h => {
                                format!("`{}` has {n} {unit}; at most {h} are allowed", last(path))
                            }
                            (lo, Some(h)) => {
                                format!("`{}` has {n} {unit}; it needs {lo} to {h}", last(path))
                            }
                        };
                        self.push(Diagnostic::new(Code::BadLength, site, msg).with_label(format!("{n} {unit}")));
                    }
                }
                Constraint::Pattern(p) => {
                    if let Json::String(s) = json {
                        if !p.regex.is_match(s) {
                            self.push(
                                Diagnostic::new(Code::PatternMismatch, site, format!("`{s}` is not {}", p.what))
                                    .with_label(format!("expected {}", p.what))
                                    .with_note(format!("`{}` must match `{}`", last(path), p.regex.as_str())),
                            );
                        }
                    }
                }
                Constraint::Unique | Constraint::UniqueBy(_) => {
                    let (Json::Array(items), RawKind::List(raws)) = (json, &raw.resolved().kind) else {
                        continue;
                    };
                    let mut seen: HashMap<String, usize> = HashMap::new();
                    for (i, item) in items.iter().enumerate() {
                        let key = match c {
                            Constraint::UniqueBy(f) => item.get(f).map(|v| v.to_string()),
                            _ => Some(item.to_string()),
                        };
                        let Some(key) = key else { continue };
                        if let Some(&first) = seen.get(&key) {
                            let what = match c {
                                Constraint::UniqueBy(f) => format!("{f} {key}"),
                                _ => key.clone(),
                            };
                            self.push(
                                Diagnostic::new(
                                    Code::DuplicateItem,
                                    raws[i].site(),
                                    format!("{what} appears twice in `{}`", last(path)),
                                )
                                .with_label("repeated here")
                                .with_secondary(raws[first].site(), "first here"),
                            );
                        } else {
                            seen.insert(key, i);
                        }
                    }
                }
                Constraint::KeyPattern(_) => {}
            }
        }
    }
}

fn applies_to_items(c: &Constraint) -> bool {
    matches!(c, Constraint::Pattern(_) | Constraint::Range(..) | Constraint::MultipleOf(_))
}

fn last(path: &str) -> &str {
    let p = path.rsplit('.').next().unwrap_or(path);
    p.split('[').next().unwrap_or(p)
}

fn show(ty: &Ty, x: f64) -> String {
    match ty {
        Ty::Duration => literals::format_duration(x as u64),
        Ty::Size => literals::format_size(x as u64),
        Ty::Int => format!("{}", x as i64),
        _ => format!("{x}"),
    }
}

fn describe_owner(what: &str, label: Option<(&str, Span)>) -> String {
    match (what, label) {
        ("Environment", Some((l, _))) => format!("environment `{l}`"),
        ("Service", Some((l, _))) => format!("`{l}`"),
        (w, _) => format!("`{w}`"),
    }
}

pub fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.len() {
        0 => "nothing".into(),
        1 => names[0].clone(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

fn plain(parts: &[RawPart]) -> Option<String> {
    let mut s = String::new();
    for p in parts {
        match p {
            RawPart::Text(t) => s.push_str(t),
            RawPart::Ref { .. } => return None,
        }
    }
    Some(s)
}

/// The `${environment.…}` values of one environment, read from its merged
/// raw record before it is checked (its strings may use them).
pub fn env_values(id: &str, label: Span, rec: &RawRecord, service: Option<&ServiceCtx>) -> EnvValues {
    let text = |field: &str| -> Option<String> {
        match &rec.fields.get(field)?.value.resolved().kind {
            RawKind::Str(parts) => render_service_only(parts, service),
            _ => None,
        }
    };
    let name = |field: &str| -> Option<String> {
        match &rec.fields.get(field)?.value.resolved().kind {
            RawKind::Name { name, .. } => Some(name.clone()),
            _ => None,
        }
    };
    let region = name("region").or_else(|| {
        let def = &stdlib().index.schema("Environment").fields["region"];
        def.default.as_ref().and_then(|d| match &d.kind {
            ExprKind::Path(p) => Some(p[0].name.clone()),
            _ => None,
        })
    });
    let dns_name = rec.fields.get("domain").and_then(|f| match &f.value.resolved().kind {
        RawKind::Tagged { tag, body, .. } if tag == "cloudflare" => {
            let get = |k: &str| match &body.fields.get(k)?.value.resolved().kind {
                RawKind::Str(parts) => render_service_only(parts, service),
                _ => None,
            };
            Some(format!("{}.{}", get("subdomain")?, get("zone")?))
        }
        _ => None,
    });
    EnvValues {
        id: id.to_string(),
        label,
        project_id: text("project_id"),
        dns_name,
        region,
        category: name("category"),
    }
}

fn render_service_only(parts: &[RawPart], service: Option<&ServiceCtx>) -> Option<String> {
    let mut s = String::new();
    for p in parts {
        match p {
            RawPart::Text(t) => s.push_str(t),
            RawPart::Ref { root: CtxRoot::Service, field, .. } => {
                let svc = service?;
                s.push_str(if field == "id" { &svc.id } else { &svc.name });
            }
            RawPart::Ref { .. } => return None,
        }
    }
    Some(s)
}

/// A stdlib default (a literal) as a raw value.
pub fn literal_raw(e: &Expr, at: Span) -> Raw {
    let kind = match &e.kind {
        ExprKind::Str(parts) => RawKind::Str(
            parts
                .iter()
                .filter_map(|p| match p {
                    StrPart::Text(t) => Some(RawPart::Text(t.clone())),
                    StrPart::Interp(..) => None,
                })
                .collect(),
        ),
        ExprKind::Int(i) => RawKind::Int(*i),
        ExprKind::Float(f) => RawKind::Float(f.0),
        ExprKind::Bool(b) => RawKind::Bool(*b),
        ExprKind::Duration(d) => RawKind::Duration(*d),
        ExprKind::Size(s) => RawKind::Size(*s),
        ExprKind::List(items) => RawKind::List(items.iter().map(|i| literal_raw(i, at)).collect()),
        ExprKind::Record(r) if r.entries.is_empty() => RawKind::Record(RawRecord::empty(at)),
        ExprKind::Path(p) if p.len() == 1 => RawKind::Name { name: p[0].name.clone(), value: None },
        _ => RawKind::Error,
    };
    Raw::new(kind, at)
}
