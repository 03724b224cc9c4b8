//! Skeletons of new services and jobs, for `mspc init`.
//!
//! Which fields a skeleton sets comes from the stdlib schema: every required
//! field of the kind. The few whose meaning is known here (owners,
//! description, image, project ids, categories) get chosen values; any other
//! required field gets a placeholder built from its type, so a field the
//! stdlib makes required later still appears instead of being forgotten.
//! What the user passes (ids, owners, environments) is checked against the
//! same schema's constraints before anything is generated. No I/O: the caller
//! finds the workspace, supplies the random project-id suffixes and writes.

use crate::check::schema::{Constraint, FieldDef, SchemaIndex, Subject, Ty, Violation, violations};
use crate::check::stdlib::stdlib;
use crate::syntax::DeclKind;
use crate::syntax::literals::quote;

/// What to generate.
pub struct Request {
    /// `Service` or `Job`.
    pub kind: DeclKind,
    pub id: String,
    /// Empty: a placeholder owner that still checks.
    pub owners: Vec<String>,
    /// Environment ids, in order.
    pub environments: Vec<String>,
}

/// The owner written when none is given: it checks, and it is plainly not a
/// real Opsgenie team, so it is found before anything is applied.
pub const PLACEHOLDER_OWNER: &str = "TODO-owning-team";

/// How many hex characters follow `<id>-<env>-` in a project id (the
/// platform's default suffix length).
pub const SUFFIX_LEN: usize = 4;

/// Why a request cannot become a skeleton, in words shown to the user as
/// they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The user's input breaks a constraint of the schema.
    Input(String),
    /// The stdlib lacks what a skeleton is built from, or the skeleton does
    /// not format: a bug in mspc, not in the input.
    Internal(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Input(m) | Refusal::Internal(m) => f.write_str(m),
        }
    }
}

/// `<id>-<env>-<suffix>`, the platform's project id format.
pub fn project_id(id: &str, env: &str, suffix: &str) -> String {
    format!("{id}-{env}-{suffix}")
}

/// `test` for environments named like development or testing, `internal`
/// (production for internal users) otherwise: the safe guess for anything
/// that might be production, and what `external` services start from.
pub fn category(env: &str) -> &'static str {
    const TEST_LIKE: [&str; 7] = ["dev", "test", "stag", "stg", "qa", "sandbox", "preview"];
    if TEST_LIKE.iter().any(|p| env.starts_with(p)) { "test" } else { "internal" }
}

/// Checks the request against the stdlib's constraints on service ids,
/// environment ids, owners and project ids (with a `SUFFIX_LEN` suffix).
pub fn validate(req: &Request) -> Result<(), Refusal> {
    let index = &stdlib().index;
    let service = field(index, "Service", "id")?;
    let kind = req.kind.keyword();
    if let Some(p) = problem(service, &req.id, false) {
        return Err(Refusal::Input(format!("`{}` is not a valid {kind} id: {p}", req.id)));
    }
    let owners = field(index, "Service", "owners")?;
    for (i, o) in req.owners.iter().enumerate() {
        if let Some(p) = problem(owners, o, true) {
            return Err(Refusal::Input(format!("owner `{o}` is not valid: {p}")));
        }
        if req.owners[..i].contains(o) {
            return Err(Refusal::Input(format!("owner `{o}` is given twice")));
        }
    }
    if req.environments.is_empty() {
        return Err(Refusal::Input(format!("a {kind} needs at least one environment")));
    }
    let env_id = field(index, "Environment", "id")?;
    let project = field(index, "Environment", "project_id")?;
    let longest = max_len(project);
    for (i, env) in req.environments.iter().enumerate() {
        if let Some(p) = problem(env_id, env, false) {
            return Err(Refusal::Input(format!("`{env}` is not a valid environment id: {p}")));
        }
        if req.environments[..i].contains(env) {
            return Err(Refusal::Input(format!("environment `{env}` is given twice")));
        }
        let example = project_id(&req.id, env, &"0".repeat(SUFFIX_LEN));
        if let Some(p) = problem(project, &example, false) {
            let shown = project_id(&req.id, env, &"x".repeat(SUFFIX_LEN));
            let mut msg =
                format!("environment `{env}` of `{}` would get the invalid project id `{shown}`: {p}", req.id);
            if let Some(max) = longest {
                let room = max.saturating_sub(env.chars().count() + SUFFIX_LEN + 2);
                if example.chars().count() > max {
                    msg.push_str(&format!(
                        "; GCP project ids have at most {max} characters, so with environment `{env}` the {kind} id may have at most {room}"
                    ));
                }
            }
            return Err(Refusal::Input(msg));
        }
    }
    Ok(())
}

/// The skeleton's text, formatted. `suffix` is asked once per environment,
/// in order, for the random end of its project id.
pub fn skeleton(req: &Request, suffix: &mut dyn FnMut() -> String) -> Result<String, Refusal> {
    validate(req)?;
    let index = &stdlib().index;
    let service = index.schemas.get("Service").ok_or_else(|| missing("Service"))?;
    let environment = index.schemas.get("Environment").ok_or_else(|| missing("Environment"))?;
    let kind = req.kind.keyword();
    let id = &req.id;
    let ph = Placeholders { index, first_env: req.environments.first().map_or("dev", String::as_str) };

    // Required environment fields other than the two that differ per
    // environment are the same everywhere: they go into `defaults`.
    let shared: Vec<String> = applicable(environment.fields.values(), req.kind)
        .filter(|f| f.name != "project_id" && f.name != "category")
        .map(|f| format!("{} = {}", f.name, ph.value(&f.ty, 0)))
        .collect();

    let mut body: Vec<String> = Vec::new();
    for f in service.fields.values().filter(|f| f.allowed_in(req.kind)) {
        match f.name.as_str() {
            "owners" => {
                let owners: Vec<String> =
                    if req.owners.is_empty() { vec![PLACEHOLDER_OWNER.to_string()] } else { req.owners.clone() };
                let list = owners.iter().map(|o| quote(o)).collect::<Vec<_>>().join(", ");
                let note =
                    if req.owners.is_empty() { " // TODO: the Opsgenie teams that own it (--owner)" } else { "" };
                body.push(format!("owners = [{list}]{note}"));
            }
            "description" => body.push(format!("description = {}", quote(&format!("TODO: what {id} does")))),
            "image" => body.push(format!(
                "image = {} // TODO: the image repository, without a tag",
                quote(&format!("us.gcr.io/todo/{id}"))
            )),
            // A job without a schedule only runs when started by hand.
            "schedule" if req.kind == DeclKind::Job => {
                body.push("schedule = { cron = \"0 3 * * *\" } // TODO: when it runs (UTC)".into())
            }
            "defaults" if !shared.is_empty() => {
                body.push(String::new());
                body.push("defaults {".into());
                body.extend(shared.iter().cloned());
                body.push("}".into());
            }
            "environment" => {
                for env in &req.environments {
                    body.push(String::new());
                    body.push(format!("environment {env} {{"));
                    body.push(format!("project_id = {}", quote(&project_id(id, env, &suffix()))));
                    body.push(format!("category = {}", category(env)));
                    body.push("}".into());
                }
            }
            _ if f.required() => body.push(format!("{} = {} // TODO", f.name, ph.value(&f.ty, 0))),
            _ => {}
        }
    }
    if !service.fields.contains_key("defaults") && !shared.is_empty() {
        return Err(Refusal::Internal("the stdlib's `Service` has no `defaults`".into()));
    }
    let text = format!("{kind} {id} {{\n{}\n}}\n", body.join("\n"));
    crate::fmt::format(&text).map_err(|e| Refusal::Internal(format!("the skeleton does not format: {e}")))
}

fn missing(schema: &str) -> Refusal {
    Refusal::Internal(format!("the stdlib has no `{schema}` schema"))
}

fn field<'a>(index: &'a SchemaIndex, schema: &str, name: &str) -> Result<&'a FieldDef, Refusal> {
    index
        .schemas
        .get(schema)
        .and_then(|s| s.fields.get(name))
        .ok_or_else(|| Refusal::Internal(format!("the stdlib has no `{schema}.{name}`")))
}

/// Required fields a declaration of `kind` may set.
fn applicable<'a>(fields: impl Iterator<Item = &'a FieldDef>, kind: DeclKind) -> impl Iterator<Item = &'a FieldDef> {
    fields.filter(move |f| f.required() && f.allowed_in(kind))
}

/// What is wrong with `value` for `def`, in words; `item`: `def` is a list
/// and `value` one of its items, so only per-item constraints apply.
fn problem(def: &FieldDef, value: &str, item: bool) -> Option<String> {
    violations(&def.constraints, Subject::Str(value), item).find_map(|v| match v {
        Violation::TooShort { n, min, max: Some(max) } | Violation::TooLong { n, min, max } => {
            Some(format!("it has {n} characters; {min} to {max} are allowed"))
        }
        Violation::TooShort { n, min, max: None } => Some(format!("it has {n} characters; at least {min} are needed")),
        Violation::NoMatch(p) => Some(format!("it must be {}", p.what)),
        Violation::OutOfRange { .. } | Violation::NotMultiple(_) => None,
    })
}

fn max_len(def: &FieldDef) -> Option<usize> {
    def.constraints.iter().find_map(|c| match c {
        Constraint::Len(_, hi) => *hi,
        _ => None,
    })
}

/// Values of a type that check, for required fields nobody chose a value for.
struct Placeholders<'a> {
    index: &'a SchemaIndex,
    first_env: &'a str,
}

impl Placeholders<'_> {
    fn value(&self, ty: &Ty, depth: usize) -> String {
        // The stdlib's schemas are not recursive; the bound keeps a mistake
        // there from recursing forever.
        if depth > 8 {
            return "{}".into();
        }
        match ty {
            Ty::String => quote("TODO"),
            Ty::Int => "0".into(),
            Ty::Float => "0.0".into(),
            Ty::Bool => "false".into(),
            Ty::Duration => "1m".into(),
            Ty::Size => "512Mi".into(),
            Ty::Secret => format!("secret({})", quote("TODO")),
            Ty::Env => self.first_env.to_string(),
            Ty::List(_) => "[]".into(),
            Ty::Map(_) => "{}".into(),
            Ty::Schema(name) => match self.index.schemas.get(name) {
                Some(s) => self.record(s.fields.values().filter(|f| f.required()), depth),
                None => "{}".into(),
            },
            Ty::Enum(name) | Ty::Union(name) => {
                let Some(v) = self.index.enums.get(name).and_then(|e| e.variants.first()) else {
                    return quote("TODO");
                };
                // A union's variant is written with its fields spelled out
                // (`manual { tag = "insiders" }`): the defaults are shown
                // where the user will change them.
                match &v.fields {
                    Some(fields) if !fields.is_empty() => {
                        let shown = fields.values().filter(|f| f.required() || f.default.is_some());
                        format!("{} {}", v.name, self.record(shown, depth))
                    }
                    _ => v.name.clone(),
                }
            }
        }
    }

    fn record<'f>(&self, fields: impl Iterator<Item = &'f FieldDef>, depth: usize) -> String {
        let entries: Vec<String> = fields
            .map(|f| {
                let value = match f.default_text() {
                    Some(text) => text,
                    None => self.value(&f.ty, depth + 1),
                };
                format!("{} = {value}", f.name)
            })
            .collect();
        if entries.is_empty() { "{}".into() } else { format!("{{ {} }}", entries.join(", ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(kind: DeclKind, id: &str, envs: &[&str]) -> Request {
        Request { kind, id: id.into(), owners: Vec::new(), environments: envs.iter().map(|e| e.to_string()).collect() }
    }

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("{n:04x}")
        }
    }

    #[test]
    fn every_required_field_of_the_schema_is_set() {
        let text = skeleton(&request(DeclKind::Service, "billing", &["dev", "prod"]), &mut counter()).unwrap();
        let index = &stdlib().index;
        for f in applicable(index.schemas["Service"].fields.values(), DeclKind::Service) {
            assert!(text.contains(&format!("\n  {} ", f.name)), "`{}` missing from:\n{text}", f.name);
        }
        for f in applicable(index.schemas["Environment"].fields.values(), DeclKind::Service) {
            assert!(text.contains(&format!(" {} ", f.name)), "`{}` missing from:\n{text}", f.name);
        }
        assert!(text.contains("project_id = \"billing-dev-0001\""), "{text}");
        assert!(text.contains("project_id = \"billing-prod-0002\""), "{text}");
        assert!(text.contains("deploy = manual { tag = \"insiders\" }"), "{text}");
        assert_eq!(crate::fmt::format(&text).as_deref(), Ok(text.as_str()), "the skeleton is formatted");
    }

    #[test]
    fn a_job_gets_a_schedule_and_a_service_does_not() {
        let job = skeleton(&request(DeclKind::Job, "nightly", &["dev"]), &mut counter()).unwrap();
        assert!(job.starts_with("job nightly {") && job.contains("schedule"), "{job}");
        let service = skeleton(&request(DeclKind::Service, "nightly", &["dev"]), &mut counter()).unwrap();
        assert!(!service.contains("schedule"), "{service}");
    }

    #[test]
    fn categories_follow_environment_names() {
        for (env, want) in
            [("dev", "test"), ("test", "test"), ("staging", "test"), ("prod", "internal"), ("eu", "internal")]
        {
            assert_eq!(category(env), want, "{env}");
        }
    }

    #[test]
    fn input_breaking_the_schema_is_refused_with_the_reason() {
        let bad_id = validate(&request(DeclKind::Service, "Billing", &["dev"])).unwrap_err();
        assert!(bad_id.to_string().contains("lowercase letters, digits and hyphens"), "{bad_id}");
        let bad_env = validate(&request(DeclKind::Service, "billing", &["pro-d"])).unwrap_err();
        assert!(bad_env.to_string().contains("not a valid environment id"), "{bad_env}");
        let twice = validate(&request(DeclKind::Service, "billing", &["dev", "dev"])).unwrap_err();
        assert!(twice.to_string().contains("given twice"), "{twice}");
        // 20 characters is a valid id, but `-production-xxxx` leaves no room in 30.
        let long = validate(&request(DeclKind::Job, "abcdefghijklmnopqrst", &["production"])).unwrap_err();
        assert!(
            long.to_string().contains("at most 30 characters") && long.to_string().contains("at most 14"),
            "{long}"
        );
        let owner = Request { owners: vec![" core".into()], ..request(DeclKind::Service, "billing", &["dev"]) };
        assert!(validate(&owner).unwrap_err().to_string().contains("owner ` core`"));
    }
}
