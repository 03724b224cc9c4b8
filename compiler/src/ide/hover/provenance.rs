//! Where an environment's effective values come from: its own block,
//! `defaults`, a `let`, or the stdlib's default. Read from the checker's own
//! evaluation (`check::eval` and the `defaults` merge), so what an editor
//! shows is what `mspc` builds from.

use indexmap::IndexMap;

use crate::check::eval::Evaluator;
use crate::check::schema::{FieldDef, Ty};
use crate::check::service::DeclBody;
use crate::check::stdlib::stdlib;
use crate::check::value::{Raw, RawField, RawKind, RawRecord};
use crate::db::{self, Db, SourceFile, Workspace};
use crate::diagnostics::Span;
use crate::ide::hover::one_line;
use crate::syntax::{DeclKind, Item};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Written in the environment's own block.
    Environment,
    /// Inherited from the declaration's `defaults`.
    Defaults,
    /// The stdlib's default for the field.
    Stdlib,
    /// Not set, and the field has no default.
    Unset,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Source::Environment => "this environment",
            Source::Defaults => "`defaults`",
            Source::Stdlib => "stdlib default",
            Source::Unset => "not set",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective {
    pub source: Source,
    /// The value as written (or the stdlib's default), on one line.
    pub value: Option<String>,
    /// The `let` the value is written in, and that `let`'s file.
    pub via_let: Option<(String, String)>,
    /// Written in the environment and in `defaults`, merged (records, or
    /// the same union variant).
    pub merged: bool,
    /// Where the value is written.
    pub at: Option<Span>,
}

/// One declaration's evaluated environments and `defaults`.
pub struct DeclValues<'db> {
    db: &'db dyn Db,
    ws: Workspace,
    pub kind: DeclKind,
    /// Each environment's records, by label, in source order.
    envs: IndexMap<String, EnvRecords>,
    defaults: Option<RawRecord>,
}

struct EnvRecords {
    /// As written in the environment.
    own: RawRecord,
    /// Merged over `defaults`: what the environment checks as.
    merged: RawRecord,
}

impl<'db> DeclValues<'db> {
    /// The declaration at item `item` of `file`, evaluated as the checker does.
    pub fn evaluate(db: &'db dyn Db, ws: Workspace, file: SourceFile, item: usize) -> Option<Self> {
        let Some(Item::Decl(decl)) = db::parse(db, file).ast.items.get(item) else { return None };
        if decl.kind == DeclKind::Platform {
            return None;
        }
        stdlib().index.defaults_field()?;
        let body = DeclBody::evaluate(&mut Evaluator::new(db, ws), file, &decl.body);
        let envs = body
            .merged_environments()
            .map(|(label, _, own, merged)| (label.clone(), EnvRecords { own: own.clone(), merged }))
            .collect();
        Some(DeclValues { db, ws, kind: decl.kind, envs, defaults: body.defaults_record().cloned() })
    }

    pub fn environments(&self) -> impl Iterator<Item = &str> {
        self.envs.keys().map(String::as_str)
    }

    /// The effective value at `path` (field names from the environment
    /// down) in environment `env`, and where it comes from.
    pub fn effective(&self, env: &str, path: &[String]) -> Option<Effective> {
        let EnvRecords { own, merged } = self.envs.get(env)?;
        let Some(field) = field_at(merged, path) else {
            return Some(self.schema_default(merged, path));
        };
        let written = field.value.resolved();
        let own_field = field_at(own, path);
        let base_field = self.defaults.as_ref().and_then(|base| field_at(base, path));
        // `{ ..defaults.instances, … }` copies inherited fields, keys and all.
        let copied = own_field.zip(base_field).is_some_and(|(o, b)| o.key_span == b.key_span);
        let source = if own_field.is_some() && !copied { Source::Environment } else { Source::Defaults };
        let merged = source == Source::Environment
            && base_field.is_some()
            && own_field.is_some_and(|o| adds(&field.value, &o.value, 0));
        Some(Effective {
            source,
            value: self.text(written.span).map(|t| one_line(&t)),
            via_let: self.let_at(written.span),
            merged,
            at: Some(written.span),
        })
    }

    /// The environments that set `path` themselves, and those that inherit
    /// it from `defaults`.
    pub fn overrides(&self, path: &[String]) -> (Vec<String>, Vec<String>) {
        let mut own = Vec::new();
        let mut inherit = Vec::new();
        for env in self.envs.keys() {
            match self.effective(env, path).map(|e| e.source) {
                Some(Source::Environment) => own.push(env.clone()),
                Some(Source::Defaults) => inherit.push(env.clone()),
                _ => {}
            }
        }
        (own, inherit)
    }

    fn schema_default(&self, merged: &RawRecord, path: &[String]) -> Effective {
        let unset = Effective { source: Source::Unset, value: None, via_let: None, merged: false, at: None };
        let Some(mut fields) = stdlib().index.environment_schema().map(|s| &s.fields) else { return unset };
        let mut def: Option<&FieldDef> = None;
        for (i, key) in path.iter().enumerate() {
            let Some(d) = fields.get(key) else { return unset };
            def = Some(d);
            if i + 1 == path.len() {
                break;
            }
            let here = field_at(merged, &path[..=i]).map(|f| &f.value);
            // An optional record that is not there: nothing inside it applies.
            if here.is_none() && d.optional {
                return unset;
            }
            fields = match &d.ty {
                Ty::Schema(n) => match stdlib().index.schemas.get(n) {
                    Some(s) => &s.fields,
                    None => return unset,
                },
                Ty::Union(u) => {
                    let tag = here.map(|r| match &r.resolved().kind {
                        RawKind::Tagged { tag, .. } => tag.clone(),
                        RawKind::Name { name, .. } => name.clone(),
                        _ => String::new(),
                    });
                    let tag = tag.or_else(|| d.default_text());
                    let variant = tag.and_then(|t| stdlib().index.enums.get(u)?.variant(&t));
                    match variant.and_then(|v| v.fields.as_ref()) {
                        Some(f) => f,
                        None => return unset,
                    }
                }
                _ => return unset,
            };
        }
        match def.and_then(|d| d.default_text().map(|t| (d, t))) {
            Some((d, t)) => {
                Effective { source: Source::Stdlib, value: Some(t), via_let: None, merged: false, at: Some(d.span) }
            }
            None => unset,
        }
    }

    /// The text a span of a workspace or stdlib file covers.
    fn text(&self, span: Span) -> Option<String> {
        if let Some(f) = stdlib().file(span.file) {
            return f.text.get(span.range.as_usize()).map(str::to_string);
        }
        let f = db::file_index(self.db, self.ws).by_id.get(&span.file)?;
        f.text(self.db).get(span.range.as_usize()).map(str::to_string)
    }

    /// The `let` whose value holds `span`, and its file.
    fn let_at(&self, span: Span) -> Option<(String, String)> {
        let f = *db::file_index(self.db, self.ws).by_id.get(&span.file)?;
        db::parse(self.db, f).ast.items.iter().find_map(|item| match item {
            Item::Let(l) if l.value.range.start <= span.range.start && span.range.end <= l.value.range.end => {
                Some((l.name.name.clone(), f.path(self.db).clone()))
            }
            _ => None,
        })
    }
}

/// Whether the merged value holds something the environment's own does
/// not: settings `defaults` added to its record or union variant.
fn adds(merged: &Raw, own: &Raw, depth: usize) -> bool {
    let records = match (&merged.resolved().kind, &own.resolved().kind) {
        (RawKind::Record(m), RawKind::Record(o)) => (m, o),
        (RawKind::Tagged { body: m, .. }, RawKind::Tagged { body: o, .. }) => (m, o),
        (RawKind::Tagged { .. }, RawKind::Name { .. }) => return true,
        _ => return false,
    };
    let (m, o) = records;
    depth < MAX_DEPTH
        && m.fields.iter().any(|(k, mf)| match o.fields.get(k) {
            None => true,
            Some(of) => adds(&mf.value, &of.value, depth + 1),
        })
}

/// Values nest no deeper than the checker allows; this only guards the walk.
const MAX_DEPTH: usize = 64;

/// The field at `path` in a record, through records and union bodies.
fn field_at<'r>(rec: &'r RawRecord, path: &[String]) -> Option<&'r RawField> {
    let (last, init) = path.split_last()?;
    let mut cur = rec;
    for key in init {
        cur = match &cur.fields.get(key)?.value.resolved().kind {
            RawKind::Record(r) => r,
            RawKind::Tagged { body, .. } => body,
            _ => return None,
        };
    }
    cur.fields.get(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    const SERVICE: &str = "//- teams.msp\nlet small = { cpu = 2, memory = 2Gi }\n//- services/s.msp\nimport \"../teams.msp\" as teams\nlet on_main = subscription { tag = \"main\" }\nservice s {\n  owners = [\"a\"]\n  description = \"d\"\n  image = \"us.gcr.io/p/s\"\n  defaults {\n    deploy = rollout\n    instances = teams.small\n    domain = cloudflare { zone = \"example.com\" }\n  }\n  environment dev {\n    project_id = \"s-dev-1234\"\n    category = test\n    deploy = on_main\n    domain = cloudflare { subdomain = \"s\" }\n  }\n  environment prod {\n    project_id = \"s-prod-1234\"\n    category = internal\n    instances = { ..defaults.instances, cpu = 4 }\n  }\n  rollout { stages = [prod] }\n}\n";

    fn values(f: &Fixture) -> DeclValues<'_> {
        let s = f.loaded.file("services/s.msp").unwrap();
        let item = db::parse(f.db(), s).ast.items.iter().position(|i| matches!(i, Item::Decl(_))).unwrap();
        DeclValues::evaluate(f.db(), f.ws(), s, item).unwrap()
    }

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_string).collect()
    }

    #[test]
    fn sources_of_effective_values() {
        let f = Fixture::new(SERVICE);
        let v = values(&f);
        assert_eq!(v.environments().collect::<Vec<_>>(), ["dev", "prod"]);
        let e = v.effective("dev", &path("category")).unwrap();
        assert_eq!((e.source, e.value.as_deref()), (Source::Environment, Some("test")));
        let e = v.effective("prod", &path("deploy")).unwrap();
        assert_eq!((e.source, e.value.as_deref()), (Source::Defaults, Some("rollout")));
        // Through a `let` of the same file, written in the environment.
        let e = v.effective("dev", &path("deploy")).unwrap();
        assert_eq!(e.source, Source::Environment);
        assert_eq!(e.via_let, Some(("on_main".into(), "services/s.msp".into())));
        // Through an imported `let`, used in `defaults`.
        let e = v.effective("dev", &path("instances.memory")).unwrap();
        assert_eq!((e.source, e.value.as_deref()), (Source::Defaults, Some("2Gi")));
        assert_eq!(e.via_let, Some(("small".into(), "teams.msp".into())));
        // A spread of `defaults.…` is still inherited; the field written beside it is not.
        assert_eq!(v.effective("prod", &path("instances.memory")).unwrap().source, Source::Defaults);
        assert_eq!(v.effective("prod", &path("instances.cpu")).unwrap().value.as_deref(), Some("4"));
        // The same union variant merges: the zone comes from `defaults`.
        let e = v.effective("dev", &path("domain.zone")).unwrap();
        assert_eq!((e.source, e.value.as_deref()), (Source::Defaults, Some("\"example.com\"")));
        assert!(v.effective("dev", &path("domain")).unwrap().merged);
    }

    #[test]
    fn stdlib_defaults_and_unset_fields() {
        let f = Fixture::new(SERVICE);
        let v = values(&f);
        let region = &stdlib().index.schemas["Environment"].fields["region"];
        let e = v.effective("dev", &path("region")).unwrap();
        assert_eq!((e.source, e.value), (Source::Stdlib, region.default_text()));
        let scaling = &stdlib().index.schemas["Scaling"].fields["max"];
        let e = v.effective("dev", &path("instances.scaling.max")).unwrap();
        assert_eq!((e.source, e.value), (Source::Stdlib, scaling.default_text()));
        // Inside the cloudflare variant both environments have.
        let proxied =
            &stdlib().index.enums["Domain"].variant("cloudflare").unwrap().fields.as_ref().unwrap()["proxied"];
        assert_eq!(v.effective("dev", &path("domain.proxied")).unwrap().value, proxied.default_text());
        assert_eq!(v.effective("dev", &path("postgres.cpu")).unwrap().source, Source::Unset);
        assert_eq!(v.effective("dev", &path("redis")).unwrap().source, Source::Unset);
        assert!(v.effective("nope", &path("region")).is_none());
        assert_eq!(v.overrides(&path("deploy")), (vec!["dev".to_string()], vec!["prod".to_string()]));
    }
}
