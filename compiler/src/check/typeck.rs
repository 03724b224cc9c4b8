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
/// Filled for every value of every service: foldhash (seeded per process, so
/// still no crafted collisions) instead of SipHash, which was a tenth of
/// checking's time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spans {
    values: HashMap<String, Span, foldhash::fast::RandomState>,
    keys: HashMap<String, Span, foldhash::fast::RandomState>,
    ok: std::collections::HashSet<String, foldhash::fast::RandomState>,
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
    /// Whether the value at `path` checked (it is then in the spec).
    pub fn checked(&self, path: &str) -> bool {
        self.ok.contains(path)
    }
    /// The value at `path`, or the nearest written ancestor: where to point
    /// about a value that may have come from a default.
    pub fn nearest(&self, path: &str) -> Option<Span> {
        if let Some(s) = self.values.get(path) {
            return Some(*s);
        }
        let mut p = path;
        loop {
            p = &p[..p.rfind('.')?];
            if let Some(s) = self.keys.get(p).or_else(|| self.values.get(p)) {
                return Some(*s);
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServiceCtx {
    pub id: String,
    pub name: String,
}

/// One environment's `${environment.…}` values. `None` means unset or
/// invalid, which is reported where the value is set.
#[derive(Clone, Debug)]
pub struct EnvValues {
    pub id: String,
    pub label: Span,
    pub project_id: Option<String>,
    pub dns_name: Option<String>,
    pub has_domain: bool,
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
    depth: usize,
    /// A `${environment.…}` placeholder was rendered (in `defaults`).
    placeholder: bool,
    /// Schema fields and variants the checked text sets: `Environment.region`,
    /// `Deploy::manual`, `Deploy::manual.tag`.
    pub used: std::collections::BTreeSet<String>,
}

// Deeper values are refused rather than risk the stack.
use crate::limits::MAX_VALUE_DEPTH;

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
            depth: 0,
            placeholder: false,
            used: Default::default(),
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
                        format!("secret({})", literals::quote(&s)),
                    );
                }
            }
            (Ty::String, RawKind::Name { name, value: None }) => {
                d = d.with_help(format!("strings are quoted: `\"{name}\"`")).with_fix(
                    "quote it",
                    r.span,
                    literals::quote(name),
                );
            }
            (Ty::Int | Ty::Float, RawKind::Str(parts)) if plain(parts).is_some_and(|s| s.parse::<f64>().is_ok()) => {
                let s = plain(parts).unwrap();
                d = d.with_help(format!("numbers are not quoted: `{s}`")).with_fix("unquote", r.span, s);
            }
            (Ty::Duration | Ty::Size, RawKind::Str(parts))
                if plain(parts).and_then(|s| literals::parse_number(&s).ok()).is_some_and(|k| {
                    matches!((ty, k), (Ty::Duration, ExprKind::Duration(_)) | (Ty::Size, ExprKind::Size(_)))
                }) =>
            {
                let s = plain(parts).unwrap();
                d = d.with_help(format!("durations and sizes are not quoted: `{s}`")).with_fix("unquote", r.span, s);
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
        if self.depth >= MAX_VALUE_DEPTH {
            self.push(
                Diagnostic::new(
                    Code::TooDeep,
                    raw.site(),
                    format!("this value is nested more than {MAX_VALUE_DEPTH} levels deep"),
                )
                .with_label("nested too deeply"),
            );
            return None;
        }
        self.depth += 1;
        let outer = std::mem::replace(&mut self.placeholder, false);
        let out = self.check_inner(raw, ty, cons, path, owner);
        self.placeholder |= outer;
        self.depth -= 1;
        out
    }

    fn check_inner(&mut self, raw: &Raw, ty: &Ty, cons: &[Constraint], path: &str, owner: Span) -> Option<Json> {
        if self.record_spans {
            self.spans.values.insert(path.to_string(), raw.site());
        }
        if matches!(raw.resolved().kind, RawKind::Error) {
            return None;
        }
        let json = self.check_type(raw, ty, cons, path, owner)?;
        if self.record_spans {
            self.spans.ok.insert(path.to_string());
        }
        // `${environment.x}` left in while checking `defaults` alone: the
        // value is judged per environment, where it is complete.
        if !self.placeholder {
            self.constraints(raw, ty, cons, &json, path);
        }
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
            (Ty::String, RawKind::Str(parts)) => self.render(parts, path).map(Json::String),
            (Ty::Int, RawKind::Int(i)) => Some(Json::from(*i)),
            (Ty::Float, RawKind::Int(i)) => Some(Json::from(*i as f64)),
            (Ty::Float, RawKind::Float(f)) => Number::from_f64(*f).map(Json::Number),
            (Ty::Bool, RawKind::Bool(b)) => Some(Json::Bool(*b)),
            (Ty::Duration, RawKind::Duration(s)) | (Ty::Size, RawKind::Size(s)) => Some(Json::from(*s)),
            (Ty::Secret, RawKind::Secret(arg)) => match &arg.resolved().kind {
                RawKind::Str(parts) => self.render(parts, path).map(Json::String),
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
                let item_cons: Vec<Constraint> = cons.iter().filter(|c| c.applies_to_items()).cloned().collect();
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.check(item, t, &item_cons, &format!("{path}[{i}]"), item.site()) {
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
                        if let Constraint::KeyPattern(pat) = c
                            && !pat.regex.is_match(k)
                        {
                            self.push(
                                Diagnostic::new(Code::InvalidKey, f.key_span, format!("`{k}` is not {}", pat.what))
                                    .with_label(format!("expected {}", pat.what)),
                            );
                            ok = false;
                        }
                    }
                    let item_cons: Vec<Constraint> = cons.iter().filter(|c| c.applies_to_items()).cloned().collect();
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
        if self.record_spans {
            self.used.insert(format!("{}::{tag}", def.name));
        }
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
                if self.record_spans {
                    for k in rec.fields.keys().filter(|k| fields.contains_key(*k)) {
                        self.used.insert(format!("{}::{tag}.{k}", def.name));
                    }
                }
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
    /// `None` if anything in it failed.
    pub fn record(
        &mut self,
        rec: &RawRecord,
        fields: &IndexMap<String, FieldDef>,
        what: &str,
        path: &str,
        owner: Span,
        label: Option<(&str, Span)>,
    ) -> Option<Json> {
        let (ok, out) = self.record_fields(rec, fields, what, path, owner, label);
        ok.then_some(Json::Object(out))
    }

    /// Like `record`, but also returns what did check when something failed,
    /// with only the entries of the inherited map (environments) that checked
    /// clean: rules can still judge the rest of a service with errors.
    pub fn record_fields(
        &mut self,
        rec: &RawRecord,
        fields: &IndexMap<String, FieldDef>,
        what: &str,
        path: &str,
        owner: Span,
        label: Option<(&str, Span)>,
    ) -> (bool, Map<String, Json>) {
        let mut values: HashMap<&str, Json> = HashMap::new();
        let mut ok = true;
        // The map whose entries inherit a `@defaults_of` field, and that field's value.
        let defaults_field = defaults_field_of(fields);
        let inherits = defaults_field.map(|(_, target)| target);
        let defaults = defaults_field.and_then(|(name, target)| rec.fields.get(name).map(|f| (f, target)));
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
                        list_all(fields.values().filter(|f| !f.label).map(|f| f.name.as_str()))
                    )),
                };
                self.push(d);
                ok = false;
                continue;
            };
            let p = join(path, name);
            if self.record_spans {
                self.spans.keys.insert(p.clone(), rf.key_span);
                if self.index.schemas.contains_key(what) {
                    self.used.insert(format!("{what}.{name}"));
                }
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
            if let Some(only) = def.only
                && only != self.kind
                && self.kind != DeclKind::Platform
            {
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
            if def.defaults_of.is_some() {
                // Checked on its own by the caller, in partial mode.
                continue;
            }
            if let (Some(target), Ty::Map(elem)) = (inherits, &def.ty)
                && target == name
            {
                let base = defaults.map(|(d, _)| &d.value);
                let (all_ok, map) = self.inherited_map(base, rf, elem, &p);
                ok &= all_ok;
                values.insert(name, Json::Object(map));
                self.constraints_len(rf, def, &p);
                continue;
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
                    // An invalid name fails the record: rules would judge it by a name that cannot exist.
                    let before = self.diags.len();
                    match self.check(&raw, &def.ty, &def.constraints, &p, span) {
                        Some(v) if self.diags.len() == before => {
                            out.insert(def.name.clone(), v);
                        }
                        _ => ok = false,
                    }
                }
                continue;
            }
            if !def.allowed_in(self.kind) {
                continue;
            }
            if let Some(default) = &def.default {
                if let Some(v) = self.default_value(default, def, &join(path, &def.name)) {
                    out.insert(def.name.clone(), v);
                }
                continue;
            }
            if def.optional {
                continue;
            }
            // Missing, so the record is incomplete, even when the cause (a parse
            // error, or checking `defaults` alone) means nothing is reported.
            ok = false;
            if self.partial || rec.has_errors {
                continue;
            }
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
            // Offered only for a record written in the same file: inserting
            // into a shared `let` elsewhere would change its other users.
            if let Some(value) = self.starter_value(def).filter(|_| rec.span.file == owner.file) {
                let end = rec.span.range.end.saturating_sub(1) as usize;
                let at = Span::new(rec.span.file, crate::syntax::TextRange::empty(end));
                d = d.with_entry_fix(format!("add `{}`", def.name), at, format!("{} = {value}", def.name));
            }
            self.push(d);
        }
        (ok, out)
    }

    /// A value that satisfies a required field's type, for the "add the
    /// field" fix: the first variant of an enum, a bare union tag, an empty
    /// string or list. `None` where no value is a sensible start.
    fn starter_value(&self, def: &FieldDef) -> Option<String> {
        match &def.ty {
            Ty::Enum(e) => self.index.enum_def(e).variants.first().map(|v| v.name.clone()),
            Ty::Union(e) => self.index.enum_def(e).variants.iter().find(|v| v.bare_ok()).map(|v| v.name.clone()),
            Ty::String => Some("\"\"".into()),
            Ty::List(_) => Some("[]".into()),
            Ty::Bool => Some("false".into()),
            Ty::Secret => Some("secret(\"\")".into()),
            _ => None,
        }
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
    /// The entries of the map that inherits `defaults` (the environments):
    /// each merged over the defaults, then checked in its own environment
    /// context. Returns whether all checked, and those that did.
    fn inherited_map(
        &mut self,
        defaults: Option<&Raw>,
        rf: &RawField,
        elem: &Ty,
        path: &str,
    ) -> (bool, Map<String, Json>) {
        let mut out = Map::new();
        let Ty::Schema(s) = elem else { return (false, out) };
        let def = self.index.schema(s);
        let RawKind::Record(map) = &rf.value.resolved().kind else {
            self.mismatch(&rf.value, &Ty::Map(Box::new(elem.clone())));
            return (false, out);
        };
        let empty = RawRecord::empty(rf.key_span);
        let base = match defaults.map(|d| &d.resolved().kind) {
            Some(RawKind::Record(b)) => b,
            Some(RawKind::Error) => return (false, out),
            Some(_) => {
                self.mismatch(defaults.expect("matched"), elem);
                return (false, out);
            }
            None => &empty,
        };
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
            let values = env_values(label, entry.key_span, &merged, self.service.as_ref());
            let saved = std::mem::replace(&mut self.env, EnvCtx::In(values));
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
        (ok, out)
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
    fn render(&mut self, parts: &[RawPart], path: &str) -> Option<String> {
        let mut out = String::new();
        let mut ok = true;
        for p in parts {
            match p {
                RawPart::Text(t) => out.push_str(t),
                RawPart::Ref { root, field, field_span, span } => {
                    match self.lookup(*root, field, *field_span, *span, path) {
                        Some(v) => out.push_str(&v),
                        None => ok = false,
                    }
                }
            }
        }
        ok.then_some(out)
    }

    fn lookup(&mut self, root: CtxRoot, field: &str, field_span: Span, span: Span, path: &str) -> Option<String> {
        let fields = &self.index.schema(root.schema_name()).fields;
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
                EnvCtx::Any => {
                    self.placeholder = true;
                    Some(format!("${{environment.{field}}}"))
                }
                EnvCtx::In(v) => {
                    // The project id and the domain define values others use:
                    // they may only use what is known before them.
                    let in_project_id = path.ends_with(".project_id") && path.starts_with("environment.");
                    let in_domain = path.contains(".domain.") && path.starts_with("environment.");
                    if (in_project_id && matches!(field, "project_id" | "dns_name"))
                        || (in_domain && field == "dns_name")
                    {
                        let what = if in_project_id { "`project_id`" } else { "the domain" };
                        self.push(
                            Diagnostic::new(Code::ContextUnavailable, span, format!("{what} cannot use `environment.{field}`"))
                                .with_label("defined from this value")
                                .with_help(if in_project_id {
                                    "the project id may use `${environment.id}`, `${environment.region}`, `${environment.category}` and `${service.…}`"
                                } else {
                                    "the domain may use `${environment.id}`, `${environment.project_id}`, `${environment.region}`, `${environment.category}` and `${service.…}`"
                                }),
                        );
                        return None;
                    }
                    let value = match field {
                        "id" => Some(v.id.clone()),
                        "project_id" => v.project_id.clone(),
                        "dns_name" => v.dns_name.clone(),
                        "region" => v.region.clone(),
                        "category" => v.category.clone(),
                        _ => None,
                    };
                    if value.is_none() && field == "dns_name" && !v.has_domain {
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
        let number = json.as_f64().unwrap_or_default();
        let subject = match json {
            Json::String(s) => Some(Subject::Str(s)),
            Json::Array(a) => Some(Subject::Count(a.len())),
            Json::Object(o) => Some(Subject::Count(o.len())),
            _ => json.as_f64().map(Subject::Num),
        };
        let unit = match json {
            Json::Array(_) => "items",
            Json::Object(_) => "entries",
            _ => "characters",
        };
        for c in cons {
            match c {
                Constraint::Range(..) | Constraint::MultipleOf(_) | Constraint::Len(..) | Constraint::Pattern(_) => {
                    let Some(v) = subject.and_then(|s| c.violation(s)) else { continue };
                    let field = last(path);
                    let d = match v {
                        Violation::OutOfRange { lo, hi } => Diagnostic::new(
                            Code::OutOfRange,
                            site,
                            format!(
                                "{} is out of range: `{field}` must be between {} and {}",
                                show(ty, number),
                                lo.text,
                                hi.text
                            ),
                        )
                        .with_label(format!("not in {}..{}", lo.text, hi.text)),
                        Violation::NotMultiple(step) => Diagnostic::new(
                            Code::NotMultiple,
                            site,
                            format!("`{field}` must be a whole number of {}, found {}", step.text, show(ty, number)),
                        )
                        .with_label(format!("not a multiple of {}", step.text)),
                        Violation::TooShort { n, min: 1, max: None } if n == 0 => {
                            Diagnostic::new(Code::BadLength, site, format!("`{field}` must not be empty"))
                                .with_label(format!("{n} {unit}"))
                        }
                        Violation::TooShort { n, min, max: None } => Diagnostic::new(
                            Code::BadLength,
                            site,
                            format!("`{field}` needs at least {min} {unit}, found {n}"),
                        )
                        .with_label(format!("{n} {unit}")),
                        Violation::TooLong { n, max, .. } => Diagnostic::new(
                            Code::BadLength,
                            site,
                            format!("`{field}` has {n} {unit}; at most {max} are allowed"),
                        )
                        .with_label(format!("{n} {unit}")),
                        Violation::TooShort { n, min, max: Some(max) } => Diagnostic::new(
                            Code::BadLength,
                            site,
                            format!("`{field}` has {n} {unit}; it needs {min} to {max}"),
                        )
                        .with_label(format!("{n} {unit}")),
                        Violation::NoMatch(p) => {
                            let s = json.as_str().unwrap_or_default();
                            Diagnostic::new(Code::PatternMismatch, site, format!("`{s}` is not {}", p.what))
                                .with_label(format!("expected {}", p.what))
                                .with_note(format!("`{field}` must match `{}`", p.regex.as_str()))
                        }
                    };
                    self.push(d);
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

/// "`a`, `b` and `c`"
pub fn list_all<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.len() {
        0 => "none".into(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// "`a`, `b` or `c`"
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
/// raw record before it is checked (its strings may use them), in dependency
/// order: id, region and category first, then the project id (which may use
/// them), then the DNS name (which may also use the project id).
pub fn env_values(id: &str, label: Span, rec: &RawRecord, service: Option<&ServiceCtx>) -> EnvValues {
    let name = |field: &str| -> Option<String> {
        match &rec.fields.get(field)?.value.resolved().kind {
            RawKind::Name { name, .. } => Some(name.clone()),
            _ => None,
        }
    };
    let region = match rec.fields.get("region") {
        Some(_) => name("region"),
        None => {
            let def = &stdlib().index.schema("Environment").fields["region"];
            def.default.as_ref().and_then(|d| match &d.kind {
                ExprKind::Path(p) => Some(p[0].name.clone()),
                _ => None,
            })
        }
    };
    let mut v = EnvValues {
        id: id.to_string(),
        label,
        project_id: None,
        dns_name: None,
        has_domain: false,
        region,
        category: name("category"),
    };
    let text = |r: &RawRecord, field: &str, v: &EnvValues| -> Option<String> {
        match &r.fields.get(field)?.value.resolved().kind {
            RawKind::Str(parts) => render_known(parts, service, v),
            _ => None,
        }
    };
    v.project_id = text(rec, "project_id", &v);
    if let Some(f) = rec.fields.get("domain")
        && let RawKind::Tagged { tag, body, .. } = &f.value.resolved().kind
        && tag == "cloudflare"
    {
        v.has_domain = true;
        v.dns_name = text(body, "subdomain", &v).zip(text(body, "zone", &v)).map(|(s, z)| format!("{s}.{z}"));
    }
    v
}

/// Renders a string from the values known so far; `None` if it needs one
/// that is not (yet) known.
fn render_known(parts: &[RawPart], service: Option<&ServiceCtx>, v: &EnvValues) -> Option<String> {
    let mut s = String::new();
    for p in parts {
        match p {
            RawPart::Text(t) => s.push_str(t),
            RawPart::Ref { root: CtxRoot::Service, field, .. } => {
                let svc = service?;
                s.push_str(match field.as_str() {
                    "id" => &svc.id,
                    "name" => &svc.name,
                    _ => return None,
                });
            }
            RawPart::Ref { root: CtxRoot::Environment, field, .. } => {
                let value = match field.as_str() {
                    "id" => Some(&v.id),
                    "project_id" => v.project_id.as_ref(),
                    "dns_name" => v.dns_name.as_ref(),
                    "region" => v.region.as_ref(),
                    "category" => v.category.as_ref(),
                    _ => None,
                }?;
                s.push_str(value);
            }
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
