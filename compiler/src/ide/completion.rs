//! Completion: what may be written at the cursor, read from the stdlib's
//! schema model (field names, types, docs, defaults, variants) and from the
//! workspace (`let`s, imports, files, the service's environments).

use indexmap::IndexMap;

use super::context::{self, At, Container, CursorContext, EnvScope};
use super::hover::one_line;
use crate::check::platform::PLATFORM_FILE;
use crate::check::schema::{FieldDef, SchemaDef, Ty};
use crate::check::stdlib::stdlib;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::syntax::{DeclKind, Item, TextRange};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    /// The type and default (`duration = 30s`, `Redis?`), or where a name comes from.
    pub detail: Option<String>,
    /// Markdown, from the stdlib's (or the `let`'s) doc comment.
    pub documentation: Option<String>,
    pub insert_text: String,
    /// `insert_text` uses LSP snippet syntax (`$1`, `${1:x}`, `${1|a,b|}`, `$0`).
    pub is_snippet: bool,
    /// What the item replaces: the partial word at the cursor.
    pub replace: TextRange,
    pub sort_text: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    Field,
    /// A field whose value is a record, map or labeled block.
    Block,
    EnumVariant,
    UnionTag,
    Let,
    Module,
    Environment,
    File,
    Snippet,
    Keyword,
}

pub fn completions(db: &dyn Db, ws: Workspace, file: SourceFile, offset: u32) -> Vec<CompletionItem> {
    let text = file.text(db);
    let ctx = context::cursor_context(text, offset);
    let mut out = Items { items: Vec::new(), replace: ctx.word };
    match &ctx.at {
        At::Key => match &ctx.container {
            Container::File => top_level(&mut out, file.path(db)),
            Container::Record { fields, .. } => field_names(&mut out, &ctx, fields),
            _ => {}
        },
        At::Value { field, ty } => match ctx.qualifier.as_slice() {
            [] => {
                if let Some(ty) = ty {
                    values(&mut out, &ctx, *field, ty);
                }
                names(&mut out, db, ws, file);
            }
            [first] => members(&mut out, db, ws, file, first),
            _ => {}
        },
        At::Str { import: true, content, .. } => import_paths(&mut out, db, ws, file, text, *content, ctx.offset),
        At::Str { interp: Some(path), .. } => interpolation(&mut out, db, ws, file, &ctx, text, *path),
        _ => {}
    }
    out.items
}

struct Items {
    items: Vec<CompletionItem>,
    replace: TextRange,
}

impl Items {
    fn push(
        &mut self,
        label: &str,
        kind: CompletionKind,
        insert: String,
        snippet: bool,
        sort: String,
    ) -> &mut CompletionItem {
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail: None,
            documentation: None,
            insert_text: insert,
            is_snippet: snippet,
            replace: self.replace,
            sort_text: Some(sort),
        });
        self.items.last_mut().expect("just pushed")
    }
}

/// A field's type as the stdlib writes it, with its default: `Region = us-central1`, `Redis?`.
pub fn field_detail(def: &FieldDef) -> String {
    let mut s = def.ty.syntax();
    if def.optional {
        s.push('?');
    }
    if let Some(d) = def.default_text() {
        s.push_str(" = ");
        s.push_str(&d);
    }
    s
}

/// The schema of a `map<T>` field written as labeled blocks, when `T` is a
/// record with a `@label` field (`environment <id> { … }`).
fn labeled_schema(def: &FieldDef) -> Option<&'static SchemaDef> {
    let Ty::Map(t) = &def.ty else { return None };
    let Ty::Schema(n) = &**t else { return None };
    stdlib().index.schemas.get(n).filter(|s| s.fields.values().any(|f| f.label))
}

fn top_level(out: &mut Items, path: &str) {
    let index = &stdlib().index;
    let mut decl = |kind: DeclKind, sort: &str| {
        let Some(schema) = index.decl_schema(kind) else { return };
        let mut s = Snippet::default();
        let body = s.body(&schema.fields, Some(kind), 1, 0);
        let head = match schema.fields.values().find(|f| f.label) {
            Some(label) => format!("{} ${{{}:{}}}", kind.keyword(), s.stop(), label.name),
            None => kind.keyword().to_string(),
        };
        // The label's tab stop comes first: renumber so it is `$1`.
        let insert = renumber(&format!("{head} {{\n{body}\t$0\n}}"));
        out.push(kind.keyword(), CompletionKind::Snippet, insert, true, sort.into()).documentation = schema.doc.clone();
    };
    decl(DeclKind::Service, "0");
    decl(DeclKind::Job, "1");
    if path == PLATFORM_FILE {
        decl(DeclKind::Platform, "2");
    }
    out.push("let", CompletionKind::Snippet, "let ${1:name} = $0".into(), true, "3".into()).detail =
        Some("a named value, visible in the whole file".into());
    out.push("import", CompletionKind::Snippet, "import \"$1\" as ${2:name}".into(), true, "4".into()).detail =
        Some("another file's `let`s, as `name.<let>`".into());
}

fn field_names(out: &mut Items, ctx: &CursorContext, fields: &IndexMap<String, FieldDef>) {
    // Nothing is required in `defaults`: each environment completes it.
    let partial = ctx.env == EnvScope::Defaults;
    for (i, def) in fields.values().enumerate() {
        if def.label || !ctx.decl.is_none_or(|k| def.allowed_in(k)) {
            continue;
        }
        let labeled = labeled_schema(def);
        // Maps written as labeled blocks take more (`environment dev {…}`, `environment prod {…}`).
        let repeats = matches!(def.ty, Ty::Map(_));
        if ctx.written.iter().any(|(k, l)| *k == def.name && !(repeats && *l)) {
            continue;
        }
        let mut s = Snippet::default();
        let (kind, insert) = match (&def.ty, labeled) {
            (_, Some(schema)) => {
                let label = schema.fields.values().find(|f| f.label).map_or("label", |f| f.name.as_str());
                let head = format!("{} ${{{}:{label}}}", def.name, s.stop());
                let body = s.body(&schema.fields, ctx.decl, 1, 0);
                (CompletionKind::Block, format!("{head} {{\n{body}\t$0\n}}"))
            }
            (Ty::Schema(_), None) => (CompletionKind::Block, format!("{} {{\n\t$0\n}}", def.name)),
            (Ty::Map(_), None) => (CompletionKind::Block, format!("{} = {{\n\t$0\n}}", def.name)),
            (Ty::List(_), None) => (CompletionKind::Field, format!("{} = [$0]", def.name)),
            (Ty::String, None) => (CompletionKind::Field, format!("{} = \"$0\"", def.name)),
            (Ty::Secret, None) => (CompletionKind::Field, format!("{} = secret(\"$0\")", def.name)),
            _ => (CompletionKind::Field, format!("{} = $0", def.name)),
        };
        let required = def.required() && !partial;
        let item = out.push(&def.name, kind, insert, true, format!("{}{i:03}", if required { 0 } else { 1 }));
        item.detail = Some(field_detail(def));
        item.documentation = def.doc.clone();
    }
}

/// Values of the expected type: variants, tags, booleans, environments.
fn values(out: &mut Items, ctx: &CursorContext, field: Option<&FieldDef>, ty: &Ty) {
    let default = field.and_then(FieldDef::default_text);
    match ty {
        Ty::Enum(e) | Ty::Union(e) => {
            let Some(def) = stdlib().index.enums.get(e) else { return };
            for (i, v) in def.variants.iter().enumerate() {
                let (kind, insert, snippet) = match &v.fields {
                    Some(_) if !v.bare_ok() => (CompletionKind::UnionTag, format!("{} {{\n\t$0\n}}", v.name), true),
                    _ if def.is_union => (CompletionKind::UnionTag, v.name.clone(), false),
                    _ => (CompletionKind::EnumVariant, v.name.clone(), false),
                };
                let item = out.push(&v.name, kind, insert, snippet, format!("0{i:03}"));
                item.detail = Some(if default.as_deref() == Some(v.name.as_str()) {
                    format!("{e} (default)")
                } else {
                    e.clone()
                });
                item.documentation = v.doc.clone();
            }
        }
        Ty::Bool => {
            for b in ["true", "false"] {
                let item = out.push(b, CompletionKind::Keyword, b.into(), false, "0".into());
                if default.as_deref() == Some(b) {
                    item.detail = Some("bool (default)".into());
                }
            }
        }
        Ty::Secret => {
            out.push("secret(…)", CompletionKind::Snippet, "secret(\"$1\")".into(), true, "0".into()).detail =
                Some("a Secret Manager secret".into());
        }
        Ty::Env => {
            for (i, env) in ctx.environments.iter().enumerate() {
                if ctx.listed.contains(env) {
                    continue;
                }
                out.push(env, CompletionKind::Environment, env.clone(), false, format!("0{i:03}")).detail =
                    Some("environment".into());
            }
        }
        _ => {}
    }
}

/// The file's `let`s and imports.
fn names(out: &mut Items, db: &dyn Db, ws: Workspace, file: SourceFile) {
    lets_of(out, db, ws, file, "5");
    for (alias, import) in &db::file_scope(db, ws, file).imports {
        let item = out.push(alias, CompletionKind::Module, format!("{alias}."), false, format!("6{alias}"));
        item.detail = Some(format!("import \"{}\"", import.path));
    }
}

/// The `let`s of a file, with their doc comments and values.
fn lets_of(out: &mut Items, db: &dyn Db, ws: Workspace, file: SourceFile, sort: &str) {
    let ast = &db::parse(db, file).ast;
    let text = file.text(db);
    for (name, idx) in &db::file_scope(db, ws, file).lets {
        let Some(Item::Let(l)) = ast.items.get(*idx as usize) else { continue };
        let item = out.push(name, CompletionKind::Let, name.clone(), false, format!("{sort}{name}"));
        item.detail = text.get(l.value.range.as_usize()).map(one_line);
        item.documentation = l.doc.clone();
    }
}

/// After `alias.` (an import): the imported file's `let`s. After
/// `service.` / `environment.`: what those offer.
fn members(out: &mut Items, db: &dyn Db, ws: Workspace, file: SourceFile, first: &str) {
    if let Some(schema) = context::context_schema(first) {
        for (i, f) in schema.fields.values().enumerate() {
            let item = out.push(&f.name, CompletionKind::Field, f.name.clone(), false, format!("0{i:03}"));
            item.detail = Some(f.ty.syntax());
            item.documentation = f.doc.clone();
        }
        return;
    }
    if let Some(import) = db::file_scope(db, ws, file).imports.get(first)
        && let Ok(target) = import.target
    {
        lets_of(out, db, ws, target, "0");
    }
}

fn interpolation(
    out: &mut Items,
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    ctx: &CursorContext,
    text: &str,
    path: TextRange,
) {
    let Some(typed) = text.get(path.as_usize()) else { return };
    let (qualifier, word) = match typed.rsplit_once('.') {
        Some((q, w)) => (Some(q), w),
        None => (None, typed),
    };
    let end = context::lex::ident_end(text.as_bytes(), path.end as usize);
    out.replace = TextRange::new(path.end as usize - word.len(), end);
    match qualifier {
        None => {
            let in_decl = matches!(ctx.decl, Some(DeclKind::Service | DeclKind::Job));
            for (root, ok, sort) in [
                ("service", in_decl || ctx.in_let, "0"),
                ("environment", ctx.env != EnvScope::Outside || ctx.in_let, "1"),
            ] {
                if ok && let Some(schema) = context::context_schema(root) {
                    let item = out.push(root, CompletionKind::Keyword, format!("{root}."), false, sort.into());
                    item.detail = Some(schema.name.clone());
                    item.documentation = schema.doc.clone();
                }
            }
            names(out, db, ws, file);
        }
        Some(q) if !q.contains('.') => members(out, db, ws, file, q),
        Some(_) => {}
    }
}

fn import_paths(out: &mut Items, db: &dyn Db, ws: Workspace, file: SourceFile, text: &str, content: u32, cursor: u32) {
    let rest = text.get(cursor as usize..).unwrap_or("");
    let end = cursor as usize + rest.find(['"', '\n']).unwrap_or(rest.len());
    out.replace = TextRange::new(content as usize, end);
    let from = file.path(db);
    for (path, target) in &db::file_index(db, ws).by_path {
        if path == from || !path.ends_with(".msp") {
            continue;
        }
        let rel = relative(from, path);
        if db::resolve_import(from, &rel).as_ref() != Ok(path) {
            continue;
        }
        let item =
            out.push(&rel, CompletionKind::File, rel.clone(), false, format!("{:02}{rel}", rel.matches("../").count()));
        item.detail = Some(path.clone());
        let lets: Vec<String> = db::file_scope(db, ws, *target).lets.keys().map(|l| format!("`{l}`")).collect();
        if !lets.is_empty() {
            item.documentation = Some(format!("Defines {}.", lets.join(", ")));
        }
    }
}

/// The path of workspace file `to` relative to the folder of `from`.
fn relative(from: &str, to: &str) -> String {
    let mut dir: Vec<&str> = from.split('/').collect();
    dir.pop();
    let target: Vec<&str> = to.split('/').collect();
    let common = dir.iter().zip(&target[..target.len() - 1]).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; dir.len() - common];
    parts.extend(&target[common..]);
    parts.join("/")
}

/// Builds snippets that set a record's required fields, one tab stop each.
#[derive(Default)]
struct Snippet {
    stops: u32,
}

/// How deep required records are filled in (`platform` → `terraform_cloud` → …).
const MAX_SNIPPET_DEPTH: usize = 3;

impl Snippet {
    fn stop(&mut self) -> u32 {
        self.stops += 1;
        self.stops
    }

    /// Lines (each ending in `\n`) setting the required fields of `fields`
    /// at `indent` tabs: values first, aligned, then labeled blocks.
    fn body(
        &mut self,
        fields: &IndexMap<String, FieldDef>,
        kind: Option<DeclKind>,
        indent: usize,
        depth: usize,
    ) -> String {
        let tabs = "\t".repeat(indent);
        let required: Vec<&FieldDef> =
            fields.values().filter(|f| f.required() && kind.is_none_or(|k| f.allowed_in(k))).collect();
        let (blocks, values): (Vec<&FieldDef>, Vec<&FieldDef>) =
            required.into_iter().partition(|f| labeled_schema(f).is_some() || matches!(f.ty, Ty::Schema(_)));
        let width = values.iter().map(|f| f.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for f in values {
            out.push_str(&format!("{tabs}{:width$} = {}\n", f.name, self.value(&f.ty)));
        }
        if depth >= MAX_SNIPPET_DEPTH {
            return out;
        }
        for f in blocks {
            if !out.is_empty() {
                out.push('\n');
            }
            let head = match labeled_schema(f) {
                Some(schema) => {
                    let label = schema.fields.values().find(|l| l.label).map_or("label", |l| l.name.as_str());
                    let head = format!("{} ${{{}:{label}}}", f.name, self.stop());
                    (head, &schema.fields)
                }
                None => match &f.ty {
                    Ty::Schema(n) => match stdlib().index.schemas.get(n) {
                        Some(s) => (f.name.clone(), &s.fields),
                        None => continue,
                    },
                    _ => continue,
                },
            };
            let inner = self.body(head.1, kind, indent + 1, depth + 1);
            out.push_str(&format!("{tabs}{} {{\n{inner}{tabs}}}\n", head.0));
        }
        out
    }

    fn value(&mut self, ty: &Ty) -> String {
        let n = self.stop();
        match ty {
            Ty::String => format!("\"${n}\""),
            Ty::Secret => format!("secret(\"${n}\")"),
            Ty::List(_) => format!("[${n}]"),
            Ty::Schema(_) | Ty::Map(_) => format!("{{ ${n} }}"),
            Ty::Bool => format!("${{{n}|true,false|}}"),
            Ty::Enum(e) | Ty::Union(e) => match stdlib().index.enums.get(e) {
                Some(def) => format!("${{{n}|{}|}}", def.variant_names().collect::<Vec<_>>().join(",")),
                None => format!("${n}"),
            },
            _ => format!("${n}"),
        }
    }
}

/// Renumbers tab stops in order of appearance (`$0` stays last), so a
/// snippet built inside out still tabs from top to bottom.
fn renumber(s: &str) -> String {
    let mut map: Vec<(String, u32)> = Vec::new();
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (brace, digits_from) = if after.starts_with('{') { (true, 1) } else { (false, 0) };
        let digits: String = after[digits_from..].chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits == "0" {
            out.push('$');
            rest = after;
            continue;
        }
        let next = map.len() as u32 + 1;
        let n = match map.iter().find(|(d, _)| *d == digits) {
            Some((_, n)) => *n,
            None => {
                map.push((digits.clone(), next));
                next
            }
        };
        out.push('$');
        if brace {
            out.push('{');
        }
        out.push_str(&n.to_string());
        rest = &after[digits_from + digits.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    fn complete(text: &str) -> Vec<CompletionItem> {
        let f = Fixture::new(text);
        completions(f.db(), f.ws(), f.file, f.offset)
    }

    fn labels(items: &[CompletionItem]) -> Vec<&str> {
        items.iter().map(|i| i.label.as_str()).collect()
    }

    fn schema_fields(name: &str) -> &'static IndexMap<String, FieldDef> {
        &stdlib().index.schemas[name].fields
    }

    #[test]
    fn fields_inside_unclosed_blocks() {
        let items = complete("service x {\n  environment prod {\n    postgres = {\n      cp$0");
        // Exactly the Postgres fields, from the schema.
        let want: Vec<&str> = schema_fields("Postgres").keys().map(String::as_str).collect();
        let mut got = labels(&items);
        got.sort();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        assert_eq!(got, want_sorted);
        let cpu = items.iter().find(|i| i.label == "cpu").unwrap();
        let def = &schema_fields("Postgres")["cpu"];
        assert_eq!(cpu.documentation, def.doc);
        assert_eq!(cpu.detail.as_deref(), Some(format!("int = {}", def.default_text().unwrap()).as_str()));
        let f = Fixture::new("service x {\n  environment prod {\n    postgres = {\n      cp$0");
        assert_eq!(&f.text()[cpu.replace.as_usize()], "cp");
        // The required field sorts first.
        let mut sorted = items.clone();
        sorted.sort_by(|a, b| a.sort_text.cmp(&b.sort_text));
        assert_eq!(sorted[0].label, "databases");
    }

    #[test]
    fn values_after_equals_with_nothing_after_it_and_garbage_above() {
        let items = complete(
            "service x {\n  environment prod {\n    deploy = rollout x y\n    %% ]]\n    region = $0\n    category = test\n",
        );
        let regions: Vec<&str> = stdlib().index.enums["Region"].variant_names().collect();
        for r in &regions {
            assert!(labels(&items).contains(r), "{r} missing");
        }
        let default = items.iter().find(|i| i.label == "us-central1").unwrap();
        assert_eq!(default.detail.as_deref(), Some("Region (default)"));
        assert_eq!(default.kind, CompletionKind::EnumVariant);
        assert_eq!(default.replace, TextRange::empty(default.replace.start as usize));
    }

    #[test]
    fn fields_already_set_are_not_offered() {
        let items = complete(
            "service x {\n  environment prod {\n    project_id = \"x-prod-1\"\n    $0\n    category = test\n  }\n}",
        );
        let got = labels(&items);
        assert!(!got.contains(&"project_id") && !got.contains(&"category"), "{got:?}");
        assert!(got.contains(&"deploy") && got.contains(&"region"));
        // The label is not a field of the body.
        assert!(!got.contains(&"id"));
        // Environments repeat as labeled blocks; set fields do not.
        let got = complete("service x {\n  owners = []\n  environment dev {}\n  $0\n}");
        let got = labels(&got);
        assert!(got.contains(&"environment") && !got.contains(&"owners"), "{got:?}");
        let got = complete(
            "service x {\n  environment dev {\n    secret_volumes a { mount_path = \"/a\" }\n    env = {}\n    $0\n  }\n}",
        );
        let got = labels(&got);
        assert!(got.contains(&"secret_volumes") && !got.contains(&"env"), "{got:?}");
    }

    #[test]
    fn only_fields_of_the_declarations_kind() {
        let job = complete("job j {\n  environment prod {\n    $0\n  }\n}");
        let job = labels(&job);
        assert!(!job.contains(&"domain") && !job.contains(&"health_probes"));
        assert!(job.contains(&"schedule"));
        let service = complete("service s {\n  environment prod {\n    $0\n  }\n}");
        let service = labels(&service);
        assert!(service.contains(&"domain") && !service.contains(&"schedule"));
        // Every field `@only` allows a job, and none other, is offered.
        for (name, def) in schema_fields("Environment") {
            let expect = !def.label && def.only != Some(DeclKind::Service);
            assert_eq!(job.contains(&name.as_str()), expect, "{name}");
        }
    }

    #[test]
    fn defaults_offers_environment_fields_none_required() {
        let items = complete("service s {\n  defaults {\n    $0\n  }\n}");
        assert!(labels(&items).contains(&"project_id"));
        assert!(items.iter().all(|i| i.sort_text.as_deref().is_some_and(|s| s.starts_with('1'))));
    }

    #[test]
    fn enum_variants_and_union_tags() {
        let items = complete("service s {\n  environment prod {\n    category = $0\n  }\n}");
        let want: Vec<&str> = stdlib().index.enums["Category"].variant_names().collect();
        let variants: Vec<&str> =
            items.iter().filter(|i| i.kind == CompletionKind::EnumVariant).map(|i| i.label.as_str()).collect();
        assert_eq!(variants, want);
        let test = items.iter().find(|i| i.label == "test").unwrap();
        assert_eq!(test.documentation, stdlib().index.enums["Category"].variant("test").unwrap().doc);

        let items = complete("service s {\n  environment prod {\n    domain = $0\n  }\n}");
        let cf = items.iter().find(|i| i.label == "cloudflare").unwrap();
        assert_eq!(
            (cf.kind, cf.insert_text.as_str(), cf.is_snippet),
            (CompletionKind::UnionTag, "cloudflare {\n\t$0\n}", true)
        );
        let none = items.iter().find(|i| i.label == "none").unwrap();
        assert_eq!((none.insert_text.as_str(), none.is_snippet), ("none", false));
        // `manual` has only defaulted settings: a bare tag is fine.
        let items = complete("service s {\n  environment prod {\n    deploy = $0\n  }\n}");
        assert_eq!(items.iter().find(|i| i.label == "manual").unwrap().insert_text, "manual");
        assert!(items.iter().find(|i| i.label == "subscription").unwrap().is_snippet);
    }

    #[test]
    fn fields_inside_a_union_variant_body() {
        let items =
            complete("service s {\n  environment prod {\n    domain = cloudflare { subdomain = \"a\", $0 }\n  }\n}");
        let mut got = labels(&items);
        got.sort();
        assert_eq!(got, ["load_balancer_logging", "proxied", "zone"]);
    }

    #[test]
    fn booleans_secrets_lets_and_imports() {
        let items = complete("let on = true\nservice s {\n  environment prod {\n    allow_destroys = $0\n  }\n}");
        let got = labels(&items);
        assert!(got.contains(&"true") && got.contains(&"false") && got.contains(&"on"));
        let items = complete("service s {\n  environment prod {\n    secret_env = { A = $0 }\n  }\n}");
        assert_eq!(items.iter().find(|i| i.kind == CompletionKind::Snippet).unwrap().insert_text, "secret(\"$1\")");
    }

    #[test]
    fn imported_members_after_the_alias() {
        let items = complete(
            "//- teams.msp\n/// The core team.\nlet core = \"core\"\nlet data = \"data\"\n//- services/x.msp\nimport \"../teams.msp\" as teams\nservice x {\n  owners = [teams.$0]\n}",
        );
        assert_eq!(labels(&items), ["core", "data"]);
        assert_eq!(items[0].documentation.as_deref(), Some("The core team."));
        assert_eq!(items[0].detail.as_deref(), Some("\"core\""));
        // Before the dot: the alias itself, inserting `teams.`.
        let items = complete(
            "//- teams.msp\nlet core = 1\n//- services/x.msp\nimport \"../teams.msp\" as teams\nservice x {\n  owners = [$0]\n}",
        );
        let alias = items.iter().find(|i| i.label == "teams").unwrap();
        assert_eq!((alias.kind, alias.insert_text.as_str()), (CompletionKind::Module, "teams."));
    }

    #[test]
    fn environments_not_yet_in_the_rollout() {
        let items = complete(
            "service s {\n  environment dev {}\n  environment staging {}\n  rollout { stages = [dev, $0] }\n  environment prod {}\n}",
        );
        let envs: Vec<&str> =
            items.iter().filter(|i| i.kind == CompletionKind::Environment).map(|i| i.label.as_str()).collect();
        assert_eq!(envs, ["staging", "prod"]);
    }

    #[test]
    fn import_paths_relative_to_the_file() {
        let f = Fixture::new(
            "//- teams.msp\nlet a = 1\n//- services/a/b.msp\nlet x = 1\n//- services/x/x.msp\nimport \"../$0\" as t\n",
        );
        let items = completions(f.db(), f.ws(), f.file, f.offset);
        let mut got = labels(&items);
        got.sort();
        assert_eq!(got, ["../../platform.msp", "../../teams.msp", "../a/b.msp"]);
        let teams = items.iter().find(|i| i.label == "../../teams.msp").unwrap();
        assert_eq!(&f.text()[teams.replace.as_usize()], "../");
        assert_eq!(teams.documentation.as_deref(), Some("Defines `a`."));
    }

    #[test]
    fn interpolation_roots_and_fields() {
        let items = complete("service s {\n  environment prod {\n    env = { A = \"${$0}\" }\n  }\n}");
        let got = labels(&items);
        assert!(got.contains(&"service") && got.contains(&"environment"), "{got:?}");
        // Outside an environment there is no `environment`.
        let got = complete("service s {\n  description = \"${$0\"\n}");
        assert!(!labels(&got).contains(&"environment") && labels(&got).contains(&"service"));
        let items = complete("service s {\n  defaults {\n    env = { A = \"https://${environment.pr$0}\" }\n  }\n}");
        let want: Vec<&str> = schema_fields("EnvironmentContext").keys().map(String::as_str).collect();
        assert_eq!(labels(&items), want);
        let f = Fixture::new("service s {\n  defaults {\n    env = { A = \"https://${environment.pr$0}\" }\n  }\n}");
        assert_eq!(&f.text()[items[0].replace.as_usize()], "pr");
        let items = complete("service s {\n  description = \"${service.$0\"\n}");
        let want: Vec<&str> = schema_fields("ServiceContext").keys().map(String::as_str).collect();
        assert_eq!(labels(&items), want);
    }

    #[test]
    fn top_level_and_block_snippets() {
        let items = complete("let a = 1\n$0");
        let got = labels(&items);
        assert_eq!(got, ["service", "job", "let", "import"]);
        let service = &items[0];
        assert!(service.insert_text.starts_with("service ${1:id} {\n"), "{}", service.insert_text);
        // Every required field of Service and of Environment has a tab stop.
        for (schema, kind) in [("Service", DeclKind::Service), ("Environment", DeclKind::Service)] {
            for f in schema_fields(schema).values().filter(|f| f.required() && f.allowed_in(kind)) {
                assert!(service.insert_text.contains(&format!("{} ", f.name)), "{} missing", f.name);
            }
        }
        let items = complete("service s {\n  $0\n}");
        let env = items.iter().find(|i| i.label == "environment").unwrap();
        assert!(env.insert_text.starts_with("environment ${1:id} {\n\tproject_id = \"$2\"\n"), "{}", env.insert_text);
        assert!(env.insert_text.contains("${3|test,internal,external|}"));
        let postgres = complete("service s {\n  environment dev {\n    $0\n  }\n}");
        let postgres = postgres.iter().find(|i| i.label == "postgres").unwrap();
        assert_eq!((postgres.kind, postgres.insert_text.as_str()), (CompletionKind::Block, "postgres {\n\t$0\n}"));
        assert_eq!(postgres.detail.as_deref(), Some("Postgres?"));
        // `platform` only where the platform goes.
        let f = Fixture::new("//- platform.msp\n$0");
        let items = completions(f.db(), f.ws(), f.file, f.offset);
        let platform = items.iter().find(|i| i.label == "platform").unwrap();
        assert!(platform.insert_text.contains("folders {\n\t\ttest"), "{}", platform.insert_text);
    }

    #[test]
    fn nothing_in_comments_labels_or_after_a_value() {
        assert!(complete("service s { // $0\n}").is_empty());
        assert!(complete("service s {\n  environment de$0").is_empty());
        assert!(complete("service s {\n  environment dev {\n    category = test $0\n").is_empty());
    }

    #[test]
    fn renumbering_keeps_the_final_stop() {
        assert_eq!(renumber("a ${3:x} $1 ${2|a,b|} $0 $$"), "a ${1:x} $2 ${3|a,b|} $0 $$");
        assert_eq!(relative("services/x/x.msp", "teams.msp"), "../../teams.msp");
        assert_eq!(relative("a.msp", "b/c.msp"), "b/c.msp");
    }
}
