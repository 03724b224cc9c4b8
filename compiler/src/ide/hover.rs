//! Hover: the stdlib's documentation of what is under the cursor (a field,
//! a variant, a declaration keyword, an interpolated name), the doc comment
//! of a `let`, and, inside a service, where an environment's values come from.

pub mod provenance;

use std::fmt::Write;

use self::provenance::{DeclValues, Effective, Source};
use super::completion::field_detail;
use super::context::{self, At, Container, CursorContext, EnvScope};
use crate::check::schema::{Constraint, EnumDef, FieldDef, SchemaDef, Ty};
use crate::check::stdlib::stdlib;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::diagnostics::line_col;
use crate::emit::docs::markdown::{cell, code};
use crate::syntax::{DeclKind, Item, TextRange, trivia};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub range: TextRange,
    pub markdown: String,
}

pub fn hover(db: &dyn Db, ws: Workspace, file: SourceFile, offset: u32) -> Option<Hover> {
    let text = file.text(db);
    let range = context::word_at(text, offset)?;
    let word = &text[range.as_usize()];
    let ctx = context::cursor_context(text, range.start);
    let h = Hovering { db, ws, file, text, ctx: &ctx, word, range };
    let markdown = match &ctx.at {
        At::Key => match &ctx.container {
            Container::File => h.keyword(),
            Container::Record { fields, .. } => h.field(fields.get(word)?),
            _ => None,
        },
        At::Label { key } => h.label(key),
        At::Value { ty, .. } => h.value(ty.as_ref()),
        At::Str { interp: Some(path), .. } => h.interpolation(*path),
        _ if ctx.before == ["let"] && matches!(ctx.container, Container::File) => h.let_doc(file, word, None),
        _ => None,
    }?;
    Some(Hover { range, markdown })
}

struct Hovering<'a> {
    db: &'a dyn Db,
    ws: Workspace,
    file: SourceFile,
    text: &'a str,
    ctx: &'a CursorContext,
    word: &'a str,
    range: TextRange,
}

impl Hovering<'_> {
    /// `service`, `job`, `platform`: the schema of the declaration.
    fn keyword(&self) -> Option<String> {
        let kind = DeclKind::from_keyword(self.word)?;
        let schema = stdlib().index.decl_schema(kind)?;
        let mut md = format!("```msp\n{} {{ … }}\n```\n", kind.keyword());
        push_doc(&mut md, schema.doc.as_deref());
        let _ = write!(md, "\nThe fields of `{}` (`stdlib`).", schema.name);
        Some(md)
    }

    fn field(&self, def: &FieldDef) -> Option<String> {
        let mut md = field_markdown(def);
        match &self.ctx.env {
            EnvScope::Env(env) => {
                let mut path = self.ctx.env_path.clone()?;
                path.push(def.name.clone());
                if let Some(e) = self.values().and_then(|v| v.effective(env, &path)) {
                    let _ = write!(md, "\n---\nIn `{env}`: {}", sentence(&e));
                }
            }
            EnvScope::Defaults => {
                let mut path = self.ctx.env_path.clone()?;
                path.push(def.name.clone());
                if let Some(v) = self.values() {
                    let (own, inherit) = v.overrides(&path);
                    md.push_str("\n---\n");
                    if !inherit.is_empty() {
                        let _ = writeln!(md, "Inherited by {}.", names(&inherit));
                    }
                    if !own.is_empty() {
                        let _ = writeln!(md, "Set by {} itself.", names(&own));
                    }
                }
            }
            EnvScope::Outside => {}
        }
        Some(md)
    }

    /// `environment prod`: every field's effective value in that environment.
    fn label(&self, key: &str) -> Option<String> {
        let (_, map) = stdlib().index.defaults_field()?;
        if key != map || !matches!(self.ctx.steps.as_slice(), []) {
            return None;
        }
        let values = self.values()?;
        let env = self.word;
        let schema = stdlib().index.environment_schema()?;
        let mut md = format!("**`{key} {env}`**: effective values\n\n| field | value | from |\n|---|---|---|\n");
        for def in schema.fields.values().filter(|f| !f.label && f.allowed_in(values.kind)) {
            let e = values.effective(env, std::slice::from_ref(&def.name))?;
            let value = e.value.as_deref().map_or_else(|| "—".to_string(), |v| cell(&code(v)));
            let _ = writeln!(md, "| `{}` | {value} | {} |", def.name, from(&e).replace('|', "\\|"));
        }
        Some(md)
    }

    fn value(&self, ty: Option<&Ty>) -> Option<String> {
        match self.ctx.qualifier.as_slice() {
            [] => {}
            [root] => return self.member(root),
            _ => return None,
        }
        if let Some(Ty::Enum(e) | Ty::Union(e)) = ty
            && let Some(def) = stdlib().index.enums.get(e)
            && def.variant(self.word).is_some()
        {
            return variant_markdown(def, self.word);
        }
        if let Some(Ty::Env) = ty
            && self.ctx.environments.iter().any(|e| e == self.word)
        {
            return Some(format!("Environment `{}` of this service.", self.word));
        }
        self.name()
    }

    /// A bare name: a `let` or an import of this file.
    fn name(&self) -> Option<String> {
        let scope = db::file_scope(self.db, self.ws, self.file);
        if scope.lets.contains_key(self.word) {
            return self.let_doc(self.file, self.word, None);
        }
        let import = scope.imports.get(self.word)?;
        let mut md = format!("```msp\nimport \"{}\" as {}\n```\n", import.path, self.word);
        if let Ok(target) = import.target {
            let lets: Vec<String> =
                db::file_scope(self.db, self.ws, target).lets.keys().map(|l| format!("`{l}`")).collect();
            let _ = write!(
                md,
                "\n`{}` defines {}.",
                target.path(self.db),
                if lets.is_empty() { "nothing".into() } else { lets.join(", ") }
            );
        }
        Some(md)
    }

    /// The word after `root.`: an imported `let`, or a `service.` /
    /// `environment.` field.
    fn member(&self, root: &str) -> Option<String> {
        if let Some(schema) = context::context_schema(root) {
            return context_field(schema, root, self.word);
        }
        let scope = db::file_scope(self.db, self.ws, self.file);
        let target = scope.imports.get(root)?.target.clone().ok()?;
        self.let_doc(target, self.word, Some(root))
    }

    fn interpolation(&self, path: TextRange) -> Option<String> {
        let typed = self.text.get(path.as_usize())?;
        match typed.strip_suffix('.') {
            None if typed.is_empty() => match context::context_schema(self.word) {
                Some(schema) => {
                    let mut md = format!("```msp\n${{{}.…}}\n```\n", self.word);
                    push_doc(&mut md, schema.doc.as_deref());
                    Some(md)
                }
                None => self.name(),
            },
            Some(root) if !root.contains('.') => self.member(root),
            _ => None,
        }
    }

    fn let_doc(&self, file: SourceFile, name: &str, alias: Option<&str>) -> Option<String> {
        let idx = *db::file_scope(self.db, self.ws, file).lets.get(name)?;
        let Some(Item::Let(l)) = db::parse(self.db, file).ast.items.get(idx as usize) else { return None };
        let text = file.text(self.db);
        let value = text.get(l.value.range.as_usize()).map(one_line).unwrap_or_default();
        let shown = alias.map_or_else(|| name.to_string(), |a| format!("{a}.{name}"));
        let mut md = format!("```msp\nlet {shown} = {value}\n```\n");
        push_doc(&mut md, l.doc.as_deref());
        let (line, _) = line_col(text, l.name.range.start);
        let _ = write!(md, "\nDefined in `{}`, line {line}.", file.path(self.db));
        Some(md)
    }

    /// The declaration around the cursor, evaluated.
    fn values(&self) -> Option<DeclValues<'_>> {
        let ast = &db::parse(self.db, self.file).ast;
        // The last declaration starting before the word is the one it is in.
        let item = ast.items.iter().rposition(|i| matches!(i, Item::Decl(_)) && i.range().start <= self.range.start)?;
        DeclValues::evaluate(self.db, self.ws, self.file, item)
    }
}

/// A value's source text on one line, for hovers, details and hints:
/// comments dropped, entries on separate lines joined with commas, runs of
/// spaces outside strings collapsed, and cut after a few dozen characters.
pub fn one_line(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    let mut last = 0;
    for c in trivia::scan_comments(text) {
        code.push_str(text.get(last..c.range.start as usize).unwrap_or(""));
        last = c.range.end as usize;
    }
    code.push_str(text.get(last..).unwrap_or(""));
    let mut joined = String::new();
    for line in code.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !joined.is_empty() {
            let open = joined.ends_with(['{', '[', '(', ',']) || line.starts_with(['}', ']', ')']);
            joined.push_str(if open { " " } else { ", " });
        }
        joined.push_str(line);
    }
    let mut out = String::new();
    let mut in_str = false;
    let mut escaped = false;
    for ch in joined.chars() {
        if in_str {
            in_str = escaped || ch != '"';
            escaped = !escaped && ch == '\\';
        } else if ch == '"' {
            in_str = true;
        } else if ch == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(ch);
    }
    const MAX: usize = 40;
    if out.chars().count() <= MAX {
        return out;
    }
    let cut: String = out.chars().take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

/// A field's declaration, doc, constraints and kind.
pub fn field_markdown(def: &FieldDef) -> String {
    let mut md = format!("```msp\n{}: {}\n```\n", def.name, field_detail(def));
    push_doc(&mut md, def.doc.as_deref());
    let mut notes: Vec<String> = def.constraints.iter().map(constraint).collect();
    if def.required() {
        notes.insert(0, "Required.".into());
    } else if def.optional && def.default_text().is_none() {
        notes.insert(0, "Optional: absent means none.".into());
    }
    if let Some(only) = def.only {
        notes.push(format!("Only in `{}` declarations.", only.keyword()));
    }
    if let Some(target) = &def.defaults_of {
        notes.push(format!("Every `{target}` entry inherits it; their own values win."));
    }
    if !notes.is_empty() {
        md.push('\n');
        for n in notes {
            let _ = writeln!(md, "- {n}");
        }
    }
    md
}

fn constraint(c: &Constraint) -> String {
    match c {
        Constraint::Range(lo, hi) => format!("Between `{}` and `{}`.", lo.text, hi.text),
        Constraint::Len(lo, Some(hi)) if lo == hi => format!("Length exactly {lo}."),
        Constraint::Len(lo, Some(hi)) => format!("Length {lo} to {hi}."),
        Constraint::Len(lo, None) => format!("Length at least {lo}."),
        Constraint::Pattern(p) => format!("Must be {}.", p.what),
        Constraint::MultipleOf(n) => format!("A multiple of `{}`.", n.text),
        Constraint::Unique => "Items are unique.".into(),
        Constraint::UniqueBy(f) => format!("Items have distinct `{f}`s."),
        Constraint::KeyPattern(p) => format!("Keys must be {}.", p.what),
    }
}

fn variant_markdown(def: &EnumDef, name: &str) -> Option<String> {
    let v = def.variant(name)?;
    let what = if def.is_union { "union" } else { "enum" };
    let mut md = format!("```msp\n{}.{}\n```\n", def.name, v.name);
    push_doc(&mut md, v.doc.as_deref());
    if let Some(fields) = &v.fields {
        md.push_str("\nSettings:\n");
        for f in fields.values() {
            let _ = writeln!(md, "- `{}: {}`", f.name, field_detail(f));
        }
    }
    let _ = write!(md, "\n---\n`{}` ({what}): ", def.name);
    push_doc(&mut md, def.doc.as_deref());
    let _ =
        write!(md, "\nOne of {}.", def.variants.iter().map(|v| format!("`{}`", v.name)).collect::<Vec<_>>().join(", "));
    Some(md)
}

fn context_field(schema: &SchemaDef, root: &str, name: &str) -> Option<String> {
    let f = schema.fields.get(name)?;
    let mut md = format!("```msp\n{root}.{}: {}\n```\n", f.name, f.ty.syntax());
    push_doc(&mut md, f.doc.as_deref());
    Some(md)
}

fn push_doc(md: &mut String, doc: Option<&str>) {
    if let Some(d) = doc {
        md.push_str(d);
        md.push('\n');
    }
}

/// Where an effective value comes from, as a phrase.
fn from(e: &Effective) -> String {
    format!("{}{}", e.source.describe(), extras(e))
}

/// How the value got there, beyond its source: a merge, a `let`.
fn extras(e: &Effective) -> String {
    let mut s = String::new();
    if e.merged {
        s.push_str(", merged with `defaults`");
    }
    if let Some((name, path)) = &e.via_let {
        let _ = write!(s, ", through `let {name}` (`{path}`)");
    }
    s
}

fn sentence(e: &Effective) -> String {
    let value = e.value.as_deref().map(code).unwrap_or_default();
    match e.source {
        Source::Environment => format!("set here to {value}{}.", extras(e)),
        Source::Defaults => format!("{value} inherited from `defaults`{}.", extras(e)),
        Source::Stdlib => format!("{value}, the stdlib default."),
        Source::Unset => "not set, and there is no default.".into(),
    }
}

fn names(envs: &[String]) -> String {
    envs.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    fn hover_at(text: &str) -> Option<Hover> {
        let f = Fixture::new(text);
        hover(f.db(), f.ws(), f.file, f.offset)
    }

    fn hover_md(text: &str) -> String {
        hover_at(text).expect("a hover").markdown
    }

    fn env_field(name: &str) -> &'static FieldDef {
        &stdlib().index.schemas["Environment"].fields[name]
    }

    #[test]
    fn field_key_shows_doc_type_default_and_constraints_from_the_stdlib() {
        let h = hover_at("service s {\n  environment prod {\n    instances = { cp$0u = 2 }\n  }\n}").unwrap();
        let def = &stdlib().index.schemas["Instances"].fields["cpu"];
        assert!(h.markdown.contains(def.doc.as_deref().unwrap()));
        assert!(h.markdown.contains(&format!("cpu: {} = {}", def.ty.syntax(), def.default_text().unwrap())));
        let Some(Constraint::Range(lo, hi)) = def.constraints.first() else { panic!("cpu has a range") };
        assert!(h.markdown.contains(&format!("Between `{}` and `{}`", lo.text, hi.text)), "{}", h.markdown);
        let f = Fixture::new("service s {\n  environment prod {\n    instances = { cp$0u = 2 }\n  }\n}");
        assert_eq!(&f.text()[h.range.as_usize()], "cpu");
        // Patterns say what they want; `@only` is named.
        let m = hover_md("service s {\n  environment prod {\n    dom$0ain = none\n  }\n}");
        assert!(m.contains("Only in `service` declarations"));
        let m = hover_md("service s {\n  environment prod {\n    project_$0id = \"x\"\n  }\n}");
        let Some(Constraint::Pattern(p)) =
            env_field("project_id").constraints.iter().find(|c| matches!(c, Constraint::Pattern(_)))
        else {
            panic!()
        };
        assert!(m.contains(&p.what) && m.contains("Required."));
    }

    #[test]
    fn hover_works_in_broken_text() {
        let m = hover_md(
            "service s {\n  environment prod {\n    deploy = rollout x y\n    postgres = {\n      data$0bases = [\n",
        );
        assert!(m.contains(stdlib().index.schemas["Postgres"].fields["databases"].doc.as_deref().unwrap()));
    }

    #[test]
    fn variants_tags_and_keywords() {
        let m = hover_md("service s {\n  environment prod {\n    category = inte$0rnal\n  }\n}");
        let cat = &stdlib().index.enums["Category"];
        assert!(m.contains(cat.variant("internal").unwrap().doc.as_deref().unwrap()));
        assert!(m.contains(cat.doc.as_deref().unwrap()));
        let m = hover_md("service s {\n  environment prod {\n    deploy = subscr$0iption { tag = \"main\" }\n  }\n}");
        assert!(m.contains(stdlib().index.enums["Deploy"].variant("subscription").unwrap().doc.as_deref().unwrap()));
        let m = hover_md("ser$0vice s {\n}");
        assert!(m.contains(stdlib().index.schemas["Service"].doc.as_deref().unwrap()));
        assert!(hover_at("service s {\n  environment prod {\n    category = nope$0\n  }\n}").is_none());
    }

    #[test]
    fn lets_and_imported_members() {
        let text = "//- teams.msp\n/// The core team.\nlet core = \"core-services\"\n//- services/x.msp\nimport \"../teams.msp\" as teams\n/// Where logs go.\nlet log = \"info\"\nservice x {\n  owners = [teams.co$0re]\n  description = log\n}";
        let m = hover_md(text);
        assert!(m.contains("The core team.") && m.contains("`teams.msp`, line 2"), "{m}");
        assert!(m.contains("let teams.core = \"core-services\""));
        let m2 = md_at(text, "description = l", "og");
        assert!(m2.contains("Where logs go.") && m2.contains("`services/x.msp`, line 3"), "{m2}");
        let m3 = md_at(text, "owners = [te", "ams");
        assert!(m3.contains("import \"../teams.msp\" as teams") && m3.contains("`core`"), "{m3}");
        let m4 = md_at(text, "let l", "og =");
        assert!(m4.contains("Where logs go."));
    }

    /// Hovers where `before` ends in `text` (with the marker removed), `after` following.
    fn md_at(text: &str, before: &str, after: &str) -> String {
        let clean = text.replace("$0", "");
        let at = clean.find(&format!("{before}{after}")).expect("in the text") + before.len();
        let marked = format!("{}$0{}", &clean[..at], &clean[at..]);
        hover_md(&marked)
    }

    #[test]
    fn interpolated_names() {
        let m = hover_md("service s {\n  defaults {\n    env = { A = \"${environment.project$0_id}\" }\n  }\n}");
        let f = &stdlib().index.schemas["EnvironmentContext"].fields["project_id"];
        assert!(m.contains(f.doc.as_deref().unwrap()));
        let m = hover_md("service s {\n  description = \"${ser$0vice.id}\"\n}");
        assert!(m.contains(stdlib().index.schemas["ServiceContext"].doc.as_deref().unwrap()));
    }

    const SERVICE: &str = "let on_main = subscription { tag = \"main\" }\nservice s {\n  owners = [\"a\"]\n  description = \"d\"\n  image = \"us.gcr.io/p/s\"\n  defaults {\n    deploy = rollout\n    region = us-west1\n  }\n  environment dev {\n    project_id = \"s-dev-1234\"\n    category = test\n    deploy = on_main\n  }\n  environment prod {\n    project_id = \"s-prod-1234\"\n    category = internal\n  }\n}\n";

    #[test]
    fn where_environment_values_come_from() {
        // Through a `let`, written in the environment.
        let m = md_at(SERVICE, "    dep", "loy = on_main");
        assert!(m.contains("In `dev`: set here to `subscription { tag = \"main\" }`, through `let on_main`"), "{m}");
        // The label: each field's value and source.
        let m = md_at(SERVICE, "environment pr", "od");
        assert!(m.contains("| `deploy` | `rollout` | `defaults` |"), "{m}");
        assert!(m.contains("| `region` | `us-west1` | `defaults` |"));
        assert!(m.contains("| `category` | `internal` | this environment |"));
        let auth = env_field("authentication").default_text().unwrap();
        assert!(m.contains(&format!("| `authentication` | `{auth}` | stdlib default |")));
        assert!(m.contains("| `redis` | — | not set |"));
        // In `defaults`: who inherits it, who overrides it.
        let m = md_at(SERVICE, "    dep", "loy = rollout");
        assert!(m.contains("Inherited by `prod`.") && m.contains("Set by `dev` itself."), "{m}");
        // A job's environment has no service-only fields.
        let job = SERVICE.replace("service s", "job j").replace("deploy = rollout", "deploy = manual");
        let m = md_at(&job, "environment pr", "od");
        assert!(!m.contains("`domain`") && m.contains("`schedule`"));
    }

    #[test]
    fn values_with_backticks_stay_code_spans() {
        let text = SERVICE.replace("\"s-prod-1234\"", "\"s-`prod`|1\"");
        let m = md_at(&text, "environment pr", "od");
        assert!(m.contains("| `project_id` | ``\"s-`prod`\\|1\"`` | this environment |"), "{m}");
        let e = Effective {
            source: Source::Environment,
            value: Some("`x`".into()),
            via_let: None,
            merged: false,
            at: None,
        };
        assert_eq!(sentence(&e), "set here to `` `x` ``.");
    }

    #[test]
    fn values_on_one_line() {
        assert_eq!(one_line("{\n  a = 1   // one\n  b = \"x  //  y\"\n}"), "{ a = 1, b = \"x  //  y\" }");
        assert_eq!(one_line("[\n  \"a\",\n  \"b\",\n]"), "[ \"a\", \"b\", ]");
        let long = one_line(&format!("\"{}\"", "é".repeat(60)));
        assert_eq!((long.chars().count(), long.ends_with('…')), (40, true));
    }

    #[test]
    fn nothing_to_say() {
        assert!(hover_at("service s {\n  $0\n}").is_none());
        assert!(hover_at("service s {\n  name = \"a b$0c\"\n}").is_none());
        assert!(hover_at("service s {\n  environment dev { cpu$0x = 1 }\n}").is_none());
    }
}
