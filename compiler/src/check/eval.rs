//! Phase 1: expressions → raw values. Resolves `let`s (lazily, with cycle
//! detection), imports, `defaults.…`, spreads and interpolation of names.
//! Types are not known here; phase 2 (`typeck`) checks raw values against the
//! schema.

use std::collections::HashMap;

use super::value::*;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::diagnostics::{Code, Diagnostic, FileId, Span, suggest};
use crate::syntax::{self, Entry, Expr, ExprKind, Ident, StrPart, TextRange};

use crate::limits::MAX_EXPANSION;
/// How many `let`s may be followed to reach a value. With the syntax's
/// bracket limit this bounds how deep any value can nest.
pub use crate::limits::MAX_LET_DEPTH;

#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub file: SourceFile,
    /// Inside an environment: the service's `defaults`, readable as `defaults.…`.
    pub defaults: Option<&'a Raw>,
}

pub struct Evaluator<'db> {
    db: &'db dyn Db,
    ws: Workspace,
    diags: Vec<Diagnostic>,
    /// Each `let` evaluated so far, with its weight (`Raw::weight`).
    cache: HashMap<(FileId, String), (Raw, usize)>,
    /// What copies of `let`s and `defaults` may still cost (`MAX_EXPANSION`).
    budget: usize,
    /// The `let`s being evaluated, with where each was used.
    stack: Vec<((FileId, String), Span)>,
    /// Report problems inside `let` values. The file that owns a `let`
    /// evaluates it with this on; a service using it does not, so each
    /// problem is reported once, where the `let` is.
    report_lets: bool,
}

impl<'db> Evaluator<'db> {
    /// For checking a file's own `let`s: every problem is reported.
    pub fn for_file(db: &'db dyn Db, ws: Workspace) -> Self {
        Evaluator {
            db,
            ws,
            diags: Vec::new(),
            cache: HashMap::new(),
            budget: MAX_EXPANSION,
            stack: Vec::new(),
            report_lets: true,
        }
    }

    /// For a declaration: problems inside `let`s it uses are left to their files.
    pub fn new(db: &'db dyn Db, ws: Workspace) -> Self {
        Evaluator { report_lets: false, ..Evaluator::for_file(db, ws) }
    }

    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diags)
    }

    fn report(&mut self, d: Diagnostic) {
        if self.report_lets || self.stack.is_empty() || d.code == Code::TooDeep {
            self.diags.push(d);
        }
    }

    /// Pays for a copy of a value. Every use of a name copies its value, so
    /// names that use names (`let b = [a, a]`) grow exponentially; past the
    /// budget the copy is refused, once with an error.
    fn charge(&mut self, weight: usize, at: Span) -> bool {
        if weight <= self.budget {
            self.budget -= weight;
            return true;
        }
        // Reported once; later copies fail quietly. A declaration reports
        // where it uses the `let` that grew too large; the `let`'s own file
        // reports inside it.
        if self.budget > 0 {
            self.budget = 0;
            let at = if self.report_lets { at } else { self.stack.first().map_or(at, |(_, used)| *used) };
            self.diags.push(
                Diagnostic::new(
                    Code::ValueTooLarge,
                    at,
                    format!(
                        "this use makes the values built from names exceed {MAX_EXPANSION} (values and bytes of text)"
                    ),
                )
                .with_label("too large once expanded")
                .with_note(
                    "every use of a `let` or of `defaults` copies its value, so names built from names grow fast",
                )
                .with_help("use each value directly where it is needed instead of nesting copies of it"),
            );
        }
        false
    }

    fn span(&self, scope: Scope, range: TextRange) -> Span {
        Span::new(scope.file.id(self.db), range)
    }

    /// A declaration's body. `defaults` names the field whose value the entries
    /// of `target` inherit (and can read as `defaults.…`).
    pub fn decl_body(
        &mut self,
        body: &syntax::Record,
        scope: Scope,
        defaults: Option<(&str, &str)>,
    ) -> (RawRecord, Option<Raw>) {
        let defaults_raw = defaults.and_then(|(field, _)| {
            body.entries.iter().find_map(|e| match e {
                Entry::Field(f) if f.key.name == field => Some(self.expr(&f.value, scope)),
                _ => None,
            })
        });
        let inner = Scope { file: scope.file, defaults: defaults_raw.as_ref() };
        let rec = self.record_with(body, scope, defaults.map(|(_, target)| (target, inner)));
        (rec, defaults_raw)
    }

    pub fn record(&mut self, rec: &syntax::Record, scope: Scope) -> RawRecord {
        self.record_with(rec, scope, None)
    }

    fn record_with(&mut self, rec: &syntax::Record, scope: Scope, target: Option<(&str, Scope)>) -> RawRecord {
        let mut out = RawRecord::empty(self.span(scope, rec.range));
        out.has_errors = rec.has_errors;
        // Spreads first: fields written in the record win over spread ones.
        for e in &rec.entries {
            if let Entry::Spread(s) = e {
                let base = self.expr(&s.expr, scope);
                match &base.resolved().kind {
                    RawKind::Record(r) => {
                        for (k, f) in &r.fields {
                            out.fields.insert(k.clone(), f.clone());
                        }
                        out.has_errors |= r.has_errors;
                    }
                    RawKind::Error => out.has_errors = true,
                    _ => self.report(
                        Diagnostic::new(
                            Code::BadSpread,
                            self.span(scope, s.expr.range),
                            format!("cannot spread {}", base.describe()),
                        )
                        .with_label("not a record")
                        .with_help("`..base` copies the fields of a record; `base` must be one"),
                    ),
                }
            }
        }
        let mut written: HashMap<String, Span> = HashMap::new();
        let mut labels: HashMap<(String, String), Span> = HashMap::new();
        for e in &rec.entries {
            match e {
                Entry::Spread(_) => {}
                Entry::Error(_) => out.has_errors = true,
                Entry::Field(f) => {
                    let key_span = self.span(scope, f.key.range);
                    if let Some(first) = written.get(&f.key.name) {
                        self.duplicate(&f.key.name, key_span, *first);
                        continue;
                    }
                    written.insert(f.key.name.clone(), key_span);
                    let value_scope = match target {
                        Some((t, s)) if t == f.key.name => s,
                        _ => scope,
                    };
                    let value = self.expr(&f.value, value_scope);
                    out.fields.insert(f.key.name.clone(), RawField { key_span, value, labeled: false });
                }
                Entry::Labeled(l) => {
                    let key_span = self.span(scope, l.key.range);
                    let label_span = self.span(scope, l.label.range);
                    if let Some(first) = written.get(&l.key.name)
                        && !out.fields.get(&l.key.name).is_some_and(|f| f.labeled)
                    {
                        self.duplicate(&l.key.name, key_span, *first);
                        continue;
                    }
                    let lkey = (l.key.name.clone(), l.label.name.clone());
                    if let Some(first) = labels.get(&lkey) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateField,
                                label_span,
                                format!("`{} {}` is declared twice", l.key.name, l.label.name),
                            )
                            .with_label("declared again here")
                            .with_secondary(*first, "first declared here"),
                        );
                        continue;
                    }
                    labels.insert(lkey, label_span);
                    written.entry(l.key.name.clone()).or_insert(key_span);
                    let body_scope = match target {
                        Some((t, s)) if t == l.key.name => s,
                        _ => scope,
                    };
                    let body = self.record(&l.body, body_scope);
                    let value = Raw::new(RawKind::Record(body), self.span(scope, l.range));
                    let map = out.fields.entry(l.key.name.clone()).or_insert_with(|| RawField {
                        key_span,
                        value: Raw::new(RawKind::Record(RawRecord::empty(key_span)), key_span),
                        labeled: true,
                    });
                    if !map.labeled {
                        // Replaces a map that only came through a spread.
                        *map = RawField {
                            key_span,
                            value: Raw::new(RawKind::Record(RawRecord::empty(key_span)), key_span),
                            labeled: true,
                        };
                    }
                    if let RawKind::Record(m) = &mut map.value.kind {
                        m.fields.insert(l.label.name.clone(), RawField { key_span: label_span, value, labeled: false });
                        m.has_errors |= l.body.has_errors;
                    }
                }
            }
        }
        out
    }

    fn duplicate(&mut self, key: &str, at: Span, first: Span) {
        self.report(
            Diagnostic::new(Code::DuplicateField, at, format!("`{key}` is set twice"))
                .with_label("set again here")
                .with_secondary(first, "first set here")
                .with_help("remove one of them"),
        );
    }

    pub fn expr(&mut self, e: &Expr, scope: Scope) -> Raw {
        let span = self.span(scope, e.range);
        let kind = match &e.kind {
            ExprKind::Str(parts) => RawKind::Str(self.string(parts, scope)),
            ExprKind::Int(i) => RawKind::Int(*i),
            ExprKind::Float(f) => RawKind::Float(f.0),
            ExprKind::Bool(b) => RawKind::Bool(*b),
            ExprKind::Duration(d) => RawKind::Duration(*d),
            ExprKind::Size(s) => RawKind::Size(*s),
            ExprKind::List(items) => RawKind::List(items.iter().map(|i| self.expr(i, scope)).collect()),
            ExprKind::Record(r) => RawKind::Record(self.record(r, scope)),
            ExprKind::Tagged { tag, body } => RawKind::Tagged {
                tag: tag.name.clone(),
                tag_span: self.span(scope, tag.range),
                body: self.record(body, scope),
            },
            ExprKind::Call { func, args } => return self.call(func, args, span, scope),
            ExprKind::Path(segs) => return self.path(segs, span, scope),
            ExprKind::Error => RawKind::Error,
        };
        Raw::new(kind, span)
    }

    fn call(&mut self, func: &Ident, args: &[Expr], span: Span, scope: Scope) -> Raw {
        if func.name != "secret" {
            let d = Diagnostic::new(
                Code::UnknownFunction,
                self.span(scope, func.range),
                format!("there is no function `{}`", func.name),
            )
            .with_label("unknown function")
            .with_help_opt(suggest::did_you_mean(&func.name, ["secret"]))
            .with_note("the only function is `secret(\"name\")`");
            self.report(d);
            return Raw::error(span);
        }
        if args.len() != 1 {
            self.report(
                Diagnostic::new(Code::WrongArguments, span, format!("`secret` takes 1 argument, found {}", args.len()))
                    .with_label("here")
                    .with_help("write `secret(\"name\")` or `secret(\"projects/<project>/secrets/<name>\")`"),
            );
            return Raw::error(span);
        }
        let arg = self.expr(&args[0], scope);
        if !matches!(arg.resolved().kind, RawKind::Str(_) | RawKind::Error) {
            self.report(
                Diagnostic::new(
                    Code::WrongArguments,
                    arg.site(),
                    format!("`secret` takes a string, found {}", arg.describe()),
                )
                .with_label("expected a string"),
            );
            return Raw::error(span);
        }
        Raw::new(RawKind::Secret(Box::new(arg)), span)
    }

    fn path(&mut self, segs: &[Ident], span: Span, scope: Scope) -> Raw {
        let first = &segs[0];
        let first_span = self.span(scope, first.range);
        if segs.len() >= 2
            && let Some(root) = CtxRoot::from_name(&first.name)
        {
            return Raw::new(RawKind::Str(vec![self.ctx_ref(root, segs, span, scope)]), span);
        }
        if first.name == "defaults"
            && let Some(defaults) = scope.defaults
        {
            // Only the field read is copied, and paid for.
            let Some(v) = self.field_at(defaults, &segs[1..], scope) else { return Raw::error(span) };
            if !self.charge(v.weight(), span) {
                return Raw::error(span);
            }
            return Raw { via: Some(span), ..v.clone() };
        }
        let items = db::file_scope(self.db, self.ws, scope.file);
        if items.lets.contains_key(&first.name) {
            let Some(value) = self.let_value(scope.file, &first.name, first_span) else {
                return Raw::error(span);
            };
            if segs.len() == 1 {
                return Raw {
                    kind: RawKind::Name { name: first.name.clone(), value: Some(Box::new(value)) },
                    span,
                    via: None,
                };
            }
            return self.navigate(value, &segs[1..], span, scope);
        }
        if let Some(import) = items.imports.get(&first.name) {
            let Ok(target) = import.target.clone() else {
                return Raw::error(span); // reported by the file's diagnostics
            };
            let Some(member) = segs.get(1) else {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        first_span,
                        format!("`{}` is an import, not a value", first.name),
                    )
                    .with_label("an import")
                    .with_help(format!("use one of its names: `{}.<name>`", first.name)),
                );
                return Raw::error(span);
            };
            let target_items = db::file_scope(self.db, self.ws, target);
            if !target_items.lets.contains_key(&member.name) {
                let d = Diagnostic::new(
                    Code::UnknownImportMember,
                    self.span(scope, member.range),
                    format!("`{}` does not define `{}`", import.path, member.name),
                )
                .with_label("not defined there")
                .with_help_opt(suggest::did_you_mean(&member.name, target_items.lets.keys().map(String::as_str)));
                self.report(d);
                return Raw::error(span);
            }
            let Some(value) = self.let_value(target, &member.name, span) else {
                return Raw::error(span);
            };
            return self.navigate(value, &segs[2..], span, scope);
        }
        if segs.len() == 1 {
            // An enum variant, union tag or environment name: phase 2 decides.
            return Raw::new(RawKind::Name { name: first.name.clone(), value: None }, span);
        }
        let mut candidates: Vec<&str> = items.lets.keys().chain(items.imports.keys()).map(String::as_str).collect();
        if scope.defaults.is_some() {
            candidates.push("defaults");
        }
        candidates.extend(["service", "environment"]);
        let d = Diagnostic::new(Code::UnknownName, first_span, format!("unknown name `{}`", first.name))
            .with_label("not defined")
            .with_help_opt(suggest::did_you_mean(&first.name, candidates));
        self.report(d);
        Raw::error(span)
    }

    fn ctx_ref(&mut self, root: CtxRoot, segs: &[Ident], span: Span, scope: Scope) -> RawPart {
        if segs.len() > 2 {
            self.report(
                Diagnostic::new(
                    Code::UnknownContextField,
                    self.span(scope, segs[2].range),
                    format!("`{}.{}` has no fields", root.as_str(), segs[1].name),
                )
                .with_label("not available")
                .with_help(format!("only `{}.<field>` can be interpolated", root.as_str())),
            );
        }
        RawPart::Ref { root, field: segs[1].name.clone(), field_span: self.span(scope, segs[1].range), span }
    }

    /// `value.a.b`, used at `span`.
    fn navigate(&mut self, value: Raw, rest: &[Ident], span: Span, scope: Scope) -> Raw {
        if rest.is_empty() {
            return Raw { via: Some(span), ..value };
        }
        match self.field_at(&value, rest, scope) {
            Some(v) => Raw { via: Some(span), ..v.clone() },
            None => Raw::error(span),
        }
    }

    /// `value.a.b`: field access into records, reporting a missing field.
    fn field_at<'v>(&mut self, mut value: &'v Raw, rest: &[Ident], scope: Scope) -> Option<&'v Raw> {
        for seg in rest {
            let next = match &value.resolved().kind {
                RawKind::Record(r) => match r.fields.get(&seg.name) {
                    Some(f) => Some(&f.value),
                    None => {
                        let d = Diagnostic::new(
                            Code::UnknownName,
                            self.span(scope, seg.range),
                            format!("no field `{}` here", seg.name),
                        )
                        .with_label("not set in this record")
                        .with_secondary(r.span, "the record")
                        .with_help_opt(suggest::did_you_mean(&seg.name, r.fields.keys().map(String::as_str)));
                        self.report(d);
                        None
                    }
                },
                RawKind::Error => None,
                _ => {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownName,
                            self.span(scope, seg.range),
                            format!("{} has no fields", value.describe()),
                        )
                        .with_label("cannot read a field here"),
                    );
                    None
                }
            };
            value = next?;
        }
        Some(value)
    }

    fn let_value(&mut self, file: SourceFile, name: &str, use_span: Span) -> Option<Raw> {
        let fid = file.id(self.db);
        let key = (fid, name.to_string());
        if let Some(&(_, weight)) = self.cache.get(&key) {
            if !self.charge(weight, use_span) {
                return None;
            }
            return self.cache.get(&key).map(|(v, _)| v.clone());
        }
        if let Some(pos) = self.stack.iter().position(|(k, _)| *k == key) {
            let chain: Vec<String> = self.stack[pos..].iter().map(|((_, n), _)| format!("`{n}`")).collect();
            self.report(
                Diagnostic::new(Code::RecursiveLet, use_span, format!("`{name}` is defined in terms of itself"))
                    .with_label("used here while being defined")
                    .with_note(format!("the cycle: {} → `{name}`", chain.join(" → "))),
            );
            return None;
        }
        if self.stack.len() >= MAX_LET_DEPTH {
            // Reported where the chain starts, once.
            let (first, start) = self.stack[0].clone();
            if !self.diags.iter().any(|d| d.code == Code::TooDeep && d.primary.span == start) {
                self.diags.push(
                    Diagnostic::new(
                        Code::TooDeep,
                        start,
                        format!("`{}` leads through more than {MAX_LET_DEPTH} nested `let`s", first.1),
                    )
                    .with_label("the chain starts here")
                    .with_note(format!("it reaches `{name}` through {} `let`s", self.stack.len()))
                    .with_help("refer to values more directly"),
                );
            }
            return None;
        }
        let items = db::file_scope(self.db, self.ws, file);
        let idx = *items.lets.get(name)?;
        let ast = &db::parse(self.db, file).ast;
        let syntax::Item::Let(l) = &ast.items[idx as usize] else {
            return None;
        };
        self.stack.push((key.clone(), use_span));
        let mut value = self.expr(&l.value, Scope { file, defaults: None });
        self.stack.pop();
        if self.budget == 0 {
            // Over budget while building it: the value is incomplete, and
            // keeping it would let the names above it grow on.
            value = Raw::error(use_span);
        }
        self.cache.insert(key, (value.clone(), value.weight()));
        Some(value)
    }

    fn string(&mut self, parts: &[StrPart], scope: Scope) -> Vec<RawPart> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                StrPart::Text(t) => out.push(RawPart::Text(t.clone())),
                StrPart::Interp(segs, range) => {
                    let span = self.span(scope, *range);
                    let first = segs[0].name.as_str();
                    if let Some(root) = CtxRoot::from_name(first) {
                        if segs.len() >= 2 {
                            out.push(self.ctx_ref(root, segs, span, scope));
                            continue;
                        }
                        self.report(
                            Diagnostic::new(
                                Code::UnknownContextField,
                                span,
                                format!("`{first}` alone cannot be interpolated"),
                            )
                            .with_label("needs a field")
                            .with_help(format!("write `${{{first}.id}}`")),
                        );
                        continue;
                    }
                    let v = self.path(segs, span, scope);
                    match &v.resolved().kind {
                        RawKind::Str(ps) => out.extend(ps.iter().cloned()),
                        RawKind::Int(i) => out.push(RawPart::Text(i.to_string())),
                        RawKind::Bool(b) => out.push(RawPart::Text(b.to_string())),
                        RawKind::Error => {}
                        RawKind::Name { value: None, name } => {
                            let items = db::file_scope(self.db, self.ws, scope.file);
                            let candidates = items
                                .lets
                                .keys()
                                .chain(items.imports.keys())
                                .map(String::as_str)
                                .chain(["service", "environment"]);
                            let d = Diagnostic::new(Code::UnknownName, span, format!("unknown name `{name}`"))
                                .with_label("not defined")
                                .with_help_opt(suggest::did_you_mean(name, candidates));
                            self.report(d);
                        }
                        _ => self.report(
                            Diagnostic::new(Code::TypeMismatch, span, format!("cannot interpolate {}", v.describe()))
                                .with_label("not a string")
                                .with_note("only strings, integers and booleans can be interpolated"),
                        ),
                    }
                }
            }
        }
        out
    }
}
