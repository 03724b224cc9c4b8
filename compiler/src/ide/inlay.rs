//! Inlay hints: after each `environment <id> {`, what the environment gets
//! without writing it: values inherited from `defaults` and the stdlib's
//! defaults, as the checker evaluates them.

use super::hover::provenance::{DeclValues, Effective, Source};
use crate::check::schema::{FieldDef, Ty};
use crate::check::stdlib::stdlib;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::emit::docs::markdown::code;
use crate::syntax::{DeclKind, Entry, Item, TextRange};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    pub offset: u32,
    pub label: String,
    pub tooltip: Option<String>,
    pub padding_left: bool,
}

/// How many values the hint itself shows; the tooltip has them all.
const MAX_SHOWN: usize = 4;
/// Characters of one value in the hint.
const MAX_VALUE: usize = 24;

pub fn inlay_hints(db: &dyn Db, ws: Workspace, file: SourceFile, range: TextRange) -> Vec<InlayHint> {
    let parse = db::parse(db, file);
    // A broken file evaluates to partial values: better no hint than a wrong one.
    if !parse.errors.is_empty() {
        return Vec::new();
    }
    let Some((_, map)) = stdlib().index.defaults_field() else { return Vec::new() };
    let (lo, hi) = (range.start.min(range.end), range.start.max(range.end));
    let mut out = Vec::new();
    for (i, item) in parse.ast.items.iter().enumerate() {
        let Item::Decl(decl) = item else { continue };
        if decl.kind == DeclKind::Platform || decl.range.end < lo || decl.range.start > hi {
            continue;
        }
        let mut values = None;
        for entry in &decl.body.entries {
            let Entry::Labeled(l) = entry else { continue };
            let at = l.body.range.start + 1;
            if l.key.name != map || at < lo || at > hi {
                continue;
            }
            let Some(v) = values.get_or_insert_with(|| DeclValues::evaluate(db, ws, file, i)) else { break };
            out.extend(hint(v, &l.label.name, at));
        }
    }
    out
}

fn hint(values: &DeclValues, env: &str, at: u32) -> Option<InlayHint> {
    let schema = stdlib().index.environment_schema()?;
    let mut inherited: Vec<(&FieldDef, Effective)> = schema
        .fields
        .values()
        .filter(|f| !f.label && f.allowed_in(values.kind))
        .filter_map(|f| Some((f, values.effective(env, std::slice::from_ref(&f.name))?)))
        .filter(|(_, e)| matches!(e.source, Source::Defaults | Source::Stdlib) && e.value.is_some())
        .collect();
    if inherited.is_empty() {
        return None;
    }
    // What the service chose in `defaults` says more than the stdlib's defaults.
    inherited.sort_by_key(|(_, e)| e.source != Source::Defaults);
    let notable: Vec<&(&FieldDef, Effective)> = inherited.iter().filter(|(f, _)| is_scalar(&f.ty)).collect();
    let mut label: Vec<String> = notable
        .iter()
        .take(MAX_SHOWN)
        .map(|(f, e)| {
            let marker = if e.source == Source::Defaults { " (defaults)" } else { "" };
            format!("{}: {}{marker}", f.name, short(e.value.as_deref().unwrap_or_default()))
        })
        .collect();
    if notable.len() < inherited.len() || notable.len() > MAX_SHOWN {
        label.push("…".into());
    }
    // Markdown: one item per line.
    let tooltip = inherited
        .iter()
        .map(|(f, e)| {
            let from = match (e.source, &e.via_let) {
                (Source::Defaults, Some((name, path))) => format!("from `defaults`, through `let {name}` in `{path}`"),
                (Source::Defaults, None) => "from `defaults`".into(),
                _ => "stdlib default".into(),
            };
            format!("- `{}` = {} ({from})", f.name, code(e.value.as_deref().unwrap_or_default()))
        })
        .collect::<Vec<_>>()
        .join("\n");
    Some(InlayHint { offset: at, label: label.join(" · "), tooltip: Some(tooltip), padding_left: true })
}

/// Values short enough to read in a hint: not records, maps or lists.
fn is_scalar(ty: &Ty) -> bool {
    !matches!(ty, Ty::Schema(_) | Ty::Map(_) | Ty::List(_))
}

/// A union value's tag without its settings, cut to a few characters.
fn short(value: &str) -> String {
    let v = value.split(" {").next().unwrap_or(value).trim();
    if v.chars().count() <= MAX_VALUE {
        return v.to_string();
    }
    let cut: String = v.chars().take(MAX_VALUE - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    const SERVICE: &str = "//- teams.msp\nlet on_main = subscription { tag = \"main\" }\n//- services/a.msp\nimport \"../teams.msp\" as teams\nservice s {\n  owners = [\"a\"]\n  description = \"d\"\n  image = \"us.gcr.io/p/s\"\n  defaults {\n    deploy = teams.on_main\n    region = us-west1\n    postgres = { databases = [\"a\"] }\n  }\n  environment dev {\n    project_id = \"s-dev-1234\"\n    category = test\n  }\n  environment prod {\n    project_id = \"s-prod-1234\"\n    category = internal\n    region = us-central1\n    deploy = manual\n    domain = none\n    authentication = public\n    allow_destroys = false\n  }\n}\n";

    fn hints(text: &str) -> (Fixture, Vec<InlayHint>) {
        let f = Fixture::new(text);
        let file = f.loaded.file("services/a.msp").unwrap();
        let len = file.text(f.db()).len();
        let h = inlay_hints(f.db(), f.ws(), file, TextRange::new(0, len));
        (f, h)
    }

    fn env_default(name: &str) -> String {
        stdlib().index.schemas["Environment"].fields[name].default_text().unwrap()
    }

    #[test]
    fn inherited_values_and_their_sources() {
        let (f, h) = hints(SERVICE);
        assert_eq!(h.len(), 2);
        let text = f.loaded.file("services/a.msp").unwrap().text(f.db()).clone();
        // After the `{` of each environment.
        assert!(text[..h[0].offset as usize].ends_with("environment dev {"));
        assert!(text[..h[1].offset as usize].ends_with("environment prod {"));
        let dev = &h[0];
        assert!(
            dev.label.starts_with("deploy: subscription (defaults) · region: us-west1 (defaults) · "),
            "{}",
            dev.label
        );
        assert!(dev.label.contains(&format!("domain: {}", env_default("domain"))));
        assert!(dev.label.ends_with('…'));
        let tip = dev.tooltip.as_deref().unwrap();
        assert!(
            tip.contains("- `deploy` = `subscription { tag = \"main\" }` (from `defaults`, through `let on_main` in `teams.msp`)\n"),
            "{tip}"
        );
        assert!(tip.contains("- `postgres` = `{ databases = [\"a\"] }` (from `defaults`)\n"));
        assert!(tip.contains(&format!("- `instances` = `{}` (stdlib default)", env_default("instances"))));
        // What the environment writes is not repeated; what nobody sets is not invented.
        assert!(!tip.contains("project_id") && !tip.contains("redis"));
        let prod = &h[1];
        assert!(!prod.label.contains("region") && !prod.label.contains("deploy"), "{}", prod.label);
        assert!(prod.tooltip.as_deref().unwrap().contains("postgres"));
    }

    #[test]
    fn only_in_range_and_only_for_files_that_parse() {
        let f = Fixture::new(SERVICE);
        let file = f.loaded.file("services/a.msp").unwrap();
        let text = file.text(f.db()).clone();
        let prod = text.find("environment prod").unwrap();
        let h = inlay_hints(f.db(), f.ws(), file, TextRange::new(prod, text.len()));
        assert_eq!(h.len(), 1);
        // A reversed range is read as the same range.
        assert_eq!(inlay_hints(f.db(), f.ws(), file, TextRange { start: text.len() as u32, end: prod as u32 }), h);
        let (_, broken) = hints(&SERVICE.replace("category = test", "category = test x y {"));
        assert!(broken.is_empty());
        // A job has no service-only fields.
        let (_, job) = hints(
            &SERVICE
                .replace("service s", "job s")
                .replace("on_main = subscription { tag = \"main\" }", "on_main = manual"),
        );
        assert!(job.iter().all(|h| !h.tooltip.as_deref().unwrap().contains("domain")));
    }
}
