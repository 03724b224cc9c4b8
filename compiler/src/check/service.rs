//! Checking one `service` or `job` declaration, start to finish:
//! phase 1 (names) → phase 2 (types, defaults) → spec → rules → IR.

use std::sync::Arc;

use super::eval::{Evaluator, Scope};
use super::lower::{self, Inputs};
use super::rules::{self, RuleCtx};
use super::spec;
use super::stdlib::stdlib;
use super::typeck::{Checker, EnvCtx, ServiceCtx, Spans, env_values};
use super::value::{Raw, RawField, RawKind, RawPart, RawRecord, merge_records};
use crate::db::{self, Db, SourceFile, Workspace};
use crate::diagnostics::{self, Code, Diagnostic, Span};
use crate::ir;
use crate::syntax::{self, DeclKind, Item};

/// What the workspace needs to know of a service for uniqueness checks,
/// gathered even when the service has errors.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    pub id: Option<(String, Span)>,
    /// Each environment's project id: (environment, its label, project id, where it is set)
    pub project_ids: Vec<(String, Span, String, Span)>,
    /// Each environment's domain: (environment, its label, DNS name, where it is set)
    pub domains: Vec<(String, Span, String, Span)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CheckedService {
    pub ir: Option<Arc<ir::Service>>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Every value checked. (When not, some error explains why, maybe in
    /// another file: the workspace makes sure of it.)
    pub complete: bool,
    /// Schema fields and variants this declaration sets (see `Checker::used`).
    pub used: std::collections::BTreeSet<String>,
    /// A disagreement between the stdlib and the compiler: a bug, not the user's.
    pub internal_error: Option<String>,
}

pub fn check_service(db: &dyn Db, ws: Workspace, file: SourceFile, item: u32) -> CheckedService {
    let parse = db::parse(db, file);
    let Some(Item::Decl(decl)) = parse.ast.items.get(item as usize) else {
        return CheckedService {
            ir: None,
            diagnostics: Vec::new(),
            summary: Summary::default(),
            complete: false,
            used: Default::default(),
            internal_error: Some("no declaration at this index".into()),
        };
    };
    let fid = file.id(db);
    let kind = decl.kind;
    let index = &stdlib().index;
    let schema = index.decl_schema(DeclKind::Service).expect("the stdlib declares the service schema");
    let defaults_field = index.defaults_field();
    let mut ev = Evaluator::new(db, ws);
    let body = DeclBody::evaluate(&mut ev, file, &decl.body);
    let mut diags = ev.take_diagnostics();
    let rec = &body.rec;
    let decl_span = Span::new(fid, decl.name_range());
    let id = decl.label.as_ref().map(|l| (l.name.clone(), Span::new(fid, l.range)));
    let service_id = id.as_ref().map_or_else(String::new, |(n, _)| n.clone());
    let name = rec
        .fields
        .get("name")
        .and_then(|f| match &f.value.resolved().kind {
            RawKind::Str(parts) => parts
                .iter()
                .map(|p| if let RawPart::Text(t) = p { Some(t.as_str()) } else { None })
                .collect::<Option<String>>(),
            _ => None,
        })
        .unwrap_or_else(|| service_id.clone());
    let service_ctx = ServiceCtx { id: service_id.clone(), name };
    let env_names: Vec<String> = body.environments().iter().flat_map(|m| m.fields.keys().cloned()).collect();

    // Uniqueness facts, from the raw values so they exist even with errors.
    let mut summary = Summary { id: id.clone(), ..Summary::default() };
    for (env, entry, _, merged) in body.merged_environments() {
        let v = env_values(env, entry.key_span, &merged, Some(&service_ctx));
        if let (Some(p), Some(f)) = (v.project_id, merged.fields.get("project_id")) {
            summary.project_ids.push((env.clone(), entry.key_span, p, f.value.site()));
        }
        if let (Some(d), Some(f)) = (v.dns_name, merged.fields.get("domain")) {
            summary.domains.push((env.clone(), entry.key_span, d, f.value.site()));
        }
    }

    let mut spans = Spans::default();
    let json = {
        let mut checker = Checker::new(kind, &mut diags, &mut spans);
        checker.service = Some(service_ctx);
        checker.env_names = env_names;
        if let (Some(d), Some((field, _))) = (&body.defaults, defaults_field)
            && let RawKind::Record(r) = &d.resolved().kind
        {
            // Checked once, for what is wrong in every environment alike.
            checker.partial = true;
            checker.env = EnvCtx::Any;
            let env_schema = index.environment_schema().expect("the stdlib declares the environment schema");
            let key = rec.fields.get(field).map_or(decl_span, |f| f.key_span);
            checker.record(r, &env_schema.fields, "Environment", field, key, None);
            checker.partial = false;
            checker.env = EnvCtx::Outside;
        }
        let label = id.as_ref().map(|(n, s)| (n.as_str(), *s));
        if label.is_none() {
            // The missing name is a syntax error; check the body without `@label`.
            checker.partial = true;
        }
        let result = checker.record_fields(rec, &schema.fields, "Service", "", decl_span, label);
        (result, std::mem::take(&mut checker.used))
    };
    let ((complete, json), used) = json;

    let spec_path = file.path(db).clone();
    let spec_dir = spec_path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let index_files = db::file_index(db, ws);
    let read = |p: &str| index_files.by_path.get(p).map(|f| f.text(db).clone());
    let mut internal_error = None;
    let mut spec_value = None;
    if id.is_some() {
        match spec::Service::from_checked(json) {
            Ok(s) => spec_value = Some(s),
            Err(e) => internal_error = Some(format!("the checked service does not fit the spec types: {e}")),
        }
    }
    // Rules judge a service by its id: with an invalid one they would only mislead.
    if let Some(s) = spec_value.as_ref().filter(|s| !s.id.is_empty()) {
        let platform = db::check_platform(db, ws).ir.clone();
        let mut ctx = RuleCtx {
            spec: s,
            spans: &spans,
            kind,
            decl_span,
            platform: platform.as_deref(),
            spec_dir: &spec_dir,
            read: &read,
            diags: Vec::new(),
        };
        rules::run(&mut ctx);
        diags.extend(ctx.diags);
        readme_lint(s, &spec_dir, decl_span, &read, &index_files.by_path, &mut diags);
    }
    diagnostics::normalize(&mut diags);
    let clean = complete && !diags.iter().any(Diagnostic::is_error);

    let ir = match (&spec_value, clean) {
        (Some(s), true) => {
            let k = if kind == DeclKind::Job { ir::Kind::Job } else { ir::Kind::Service };
            Some(Arc::new(lower::lower(s, k, &Inputs { spec_path: &spec_path, spec_dir: &spec_dir, read: &read })))
        }
        _ => None,
    };
    CheckedService { ir, diagnostics: diags, summary, complete, used, internal_error }
}

/// A service's or job's body after phase 1 (names, `let`s, spreads), with
/// its `defaults` read as a value the environments inherit: what checking
/// starts from, and what the editor shows environments' values from.
pub struct DeclBody {
    pub rec: RawRecord,
    /// The value of the `@defaults_of` field (`defaults`), as written.
    pub defaults: Option<Raw>,
    /// The map field `defaults` applies to (`environment`).
    target: Option<&'static str>,
}

impl DeclBody {
    pub fn evaluate(ev: &mut Evaluator, file: SourceFile, body: &syntax::Record) -> Self {
        let defaults_field = stdlib().index.defaults_field();
        let (rec, defaults) = ev.decl_body(body, Scope { file, defaults: None }, defaults_field);
        DeclBody { rec, defaults, target: defaults_field.map(|(_, target)| target) }
    }

    /// The map of environments, by label, when it is one.
    pub fn environments(&self) -> Option<&RawRecord> {
        match &self.rec.fields.get(self.target?)?.value.resolved().kind {
            RawKind::Record(r) => Some(r),
            _ => None,
        }
    }

    /// `defaults`, when it is a record.
    pub fn defaults_record(&self) -> Option<&RawRecord> {
        match &self.defaults.as_ref()?.resolved().kind {
            RawKind::Record(r) => Some(r),
            _ => None,
        }
    }

    /// Each environment that is a record: its label, its entry, its own
    /// record, and that record merged over `defaults` (what it checks as).
    pub fn merged_environments(&self) -> impl Iterator<Item = (&String, &RawField, &RawRecord, RawRecord)> {
        let base = self.defaults_record();
        self.environments().into_iter().flat_map(|map| &map.fields).filter_map(move |(env, entry)| {
            let RawKind::Record(own) = &entry.value.resolved().kind else { return None };
            let merged = match base {
                Some(b) => merge_records(b, own),
                None => own.clone(),
            };
            Some((env, entry, own, merged))
        })
    }
}

fn readme_lint(
    s: &spec::Service,
    dir: &str,
    decl_span: Span,
    read: &dyn Fn(&str) -> Option<String>,
    files: &std::collections::BTreeMap<String, SourceFile>,
    diags: &mut Vec<Diagnostic>,
) {
    let path = lower::readme_path(dir);
    let Some(text) = read(&path) else { return };
    let _ = files;
    let name = s.name.as_deref().unwrap_or(&s.id);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.trim() != format!("# {name}") {
        diags.push(
            Diagnostic::new(Code::ReadmeHeading, decl_span, format!("`{path}` should start with `# {name}`"))
                .with_label("the README beside this service")
                .with_note(format!("it starts with `{}`", first.trim()))
                .with_help("the heading is replaced by the operations page's own; other README headings are kept"),
        );
    }
}
