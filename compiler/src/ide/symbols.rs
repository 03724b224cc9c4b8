//! The outline of a file (declarations, their environments and blocks,
//! `let`s and imports) and the workspace's services, jobs and environments
//! for "go to symbol".

use super::Location;
use super::names;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::syntax::{DeclKind, Entry, Expr, ExprKind, Item, Record, TextRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Service,
    Job,
    Platform,
    Environment,
    Block,
    Field,
    Let,
    Import,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole item or entry.
    pub range: TextRange,
    /// Its name, inside `range`.
    pub selection: TextRange,
    pub children: Vec<Symbol>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The service or job an environment belongs to.
    pub container: Option<String>,
    pub location: Location,
}

/// How much of a value the outline shows beside a field's name.
const DETAIL_CHARS: usize = 48;

pub fn document_symbols(db: &dyn Db, file: SourceFile) -> Vec<Symbol> {
    let text = file.text(db);
    let ast = &db::parse(db, file).ast;
    let mut out = Vec::new();
    for item in &ast.items {
        match item {
            Item::Import(im) => out.push(Symbol {
                name: im.alias.name.clone(),
                detail: im.path.clone(),
                kind: SymbolKind::Import,
                range: im.range,
                selection: im.alias.range,
                children: Vec::new(),
            }),
            Item::Let(l) => out.push(Symbol {
                name: l.name.name.clone(),
                detail: value_detail(text, &l.value),
                kind: SymbolKind::Let,
                range: l.range,
                selection: l.name.range,
                children: value_children(text, &l.value),
            }),
            Item::Decl(d) => {
                let kind = match d.kind {
                    DeclKind::Service => SymbolKind::Service,
                    DeclKind::Job => SymbolKind::Job,
                    DeclKind::Platform => SymbolKind::Platform,
                };
                let (name, selection) = match &d.label {
                    Some(l) => (l.name.clone(), l.range),
                    None => (d.kind.keyword().to_string(), d.keyword),
                };
                // A service's human-readable name, as its checker reads it.
                let detail =
                    written(&d.body, "name").filter(|_| d.kind != DeclKind::Platform).and_then(Expr::as_plain_str);
                let envs = names::environments(d.kind, &d.body);
                out.push(Symbol {
                    name,
                    detail,
                    kind,
                    range: d.range,
                    selection,
                    children: entries(text, &d.body, &envs),
                });
            }
            Item::Schema(_) | Item::Enum(_) | Item::Union(_) | Item::Error(_) => {}
        }
    }
    out
}

/// The value written for `key` directly in a record.
fn written<'a>(rec: &'a Record, key: &str) -> Option<&'a Expr> {
    rec.entries.iter().find_map(|e| match e {
        Entry::Field(f) if f.key.name == key => Some(&f.value),
        _ => None,
    })
}

fn entries(text: &str, rec: &Record, envs: &[names::EnvEntry]) -> Vec<Symbol> {
    let mut out = Vec::new();
    for e in &rec.entries {
        match e {
            Entry::Labeled(l) => {
                if envs.iter().any(|env| env.range == l.range) {
                    out.push(environment(text, &l.label.name, l.range, l.label.range, &l.body));
                } else {
                    out.push(Symbol {
                        name: format!("{} {}", l.key.name, l.label.name),
                        detail: None,
                        kind: SymbolKind::Block,
                        range: l.range,
                        selection: l.label.range,
                        children: entries(text, &l.body, &[]),
                    });
                }
            }
            Entry::Field(f) => {
                let inner: Vec<&names::EnvEntry> = envs
                    .iter()
                    .filter(|env| f.range.start <= env.range.start && env.range.end <= f.range.end)
                    .collect();
                let children = if inner.is_empty() {
                    value_children(text, &f.value)
                } else {
                    inner
                        .iter()
                        .map(|env| environment(text, &env.label.name, env.range, env.label.range, env.body))
                        .collect()
                };
                let block = matches!(f.value.kind, ExprKind::Record(_) | ExprKind::Tagged { .. });
                out.push(Symbol {
                    name: f.key.name.clone(),
                    detail: value_detail(text, &f.value),
                    kind: if block { SymbolKind::Block } else { SymbolKind::Field },
                    range: f.range,
                    selection: f.key.range,
                    children,
                });
            }
            Entry::Spread(_) | Entry::Error(_) => {}
        }
    }
    out
}

fn environment(text: &str, name: &str, range: TextRange, selection: TextRange, body: &Record) -> Symbol {
    // What tells environments apart at a glance: their category and project.
    let detail: Vec<String> = ["category", "project_id"]
        .iter()
        .filter_map(|key| written(body, key))
        .filter_map(|v| v.as_plain_str().or_else(|| single_line(text, v.range)))
        .collect();
    Symbol {
        name: name.to_string(),
        detail: (!detail.is_empty()).then(|| detail.join(" · ")),
        kind: SymbolKind::Environment,
        range,
        selection,
        children: entries(text, body, &[]),
    }
}

/// The entries of a record or tagged value; the record items of a list, by index.
fn value_children(text: &str, value: &Expr) -> Vec<Symbol> {
    match &value.kind {
        ExprKind::Record(r) | ExprKind::Tagged { body: r, .. } => entries(text, r, &[]),
        ExprKind::List(items) => items
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.kind, ExprKind::Record(_) | ExprKind::Tagged { .. }))
            .map(|(n, i)| Symbol {
                name: format!("[{n}]"),
                detail: value_detail(text, i),
                kind: SymbolKind::Block,
                range: i.range,
                selection: i.range,
                children: value_children(text, i),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A short form of a value: a tagged value's tag, or a one-line value as written.
fn value_detail(text: &str, value: &Expr) -> Option<String> {
    match &value.kind {
        ExprKind::Tagged { tag, .. } => Some(tag.name.clone()),
        ExprKind::Record(_) => None,
        _ => single_line(text, value.range),
    }
}

fn single_line(text: &str, range: TextRange) -> Option<String> {
    let s = text.get(range.as_usize())?;
    if s.contains('\n') {
        return None;
    }
    Some(match s.char_indices().nth(DETAIL_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    })
}

pub fn workspace_symbols(db: &dyn Db, ws: Workspace, query: &str) -> Vec<WorkspaceSymbol> {
    let mut files: Vec<SourceFile> = ws.files(db).iter().copied().filter(|f| f.path(db).ends_with(".msp")).collect();
    files.sort_by_key(|f| f.path(db).clone());
    let mut out = Vec::new();
    for file in files {
        let fid = file.id(db);
        for item in &db::parse(db, file).ast.items {
            let Item::Decl(d) = item else {
                continue;
            };
            let kind = match d.kind {
                DeclKind::Service => SymbolKind::Service,
                DeclKind::Job => SymbolKind::Job,
                DeclKind::Platform => continue,
            };
            let Some(label) = &d.label else {
                continue;
            };
            out.push(WorkspaceSymbol {
                name: label.name.clone(),
                kind,
                container: None,
                location: Location { file: fid, range: label.range },
            });
            for env in names::environments(d.kind, &d.body) {
                out.push(WorkspaceSymbol {
                    name: env.label.name.clone(),
                    kind: SymbolKind::Environment,
                    container: Some(label.name.clone()),
                    location: Location { file: fid, range: env.label.range },
                });
            }
        }
    }
    out.retain(|s| matches_query(&s.name, query));
    out
}

/// The query's characters appear in the name in order, ignoring case.
fn matches_query(name: &str, query: &str) -> bool {
    let mut chars = name.chars().flat_map(char::to_lowercase);
    query.chars().flat_map(char::to_lowercase).all(|q| chars.any(|c| c == q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    fn outline(symbols: &[Symbol], depth: usize, out: &mut String) {
        for s in symbols {
            let detail = s.detail.as_ref().map_or_else(String::new, |d| format!(" ({d})"));
            out.push_str(&format!("{}{:?} {}{detail}\n", "  ".repeat(depth), s.kind, s.name));
            assert!(
                s.range.start <= s.selection.start && s.selection.end <= s.range.end,
                "the selection of {} is inside its range",
                s.name
            );
            outline(&s.children, depth + 1, out);
        }
    }

    fn example() -> Fixture {
        let teams = include_str!("../../../examples/teams.msp");
        let service = include_str!("../../../examples/services/releaseregistry/releaseregistry.msp");
        Fixture::new(&format!("//- teams.msp\n{teams}//- services/releaseregistry/releaseregistry.msp\n$0{service}"))
    }

    #[test]
    fn outline_of_an_example_service() {
        let fx = example();
        let mut text = String::new();
        outline(&document_symbols(fx.db(), fx.file), 0, &mut text);
        let expected = r#"Import teams (../../teams.msp)
Service releaseregistry (Release Registry)
  Field name ("Release Registry")
  Field owners ([teams.dev_experience])
  Field description ("Release metadata API")
  Field handbook_page ("https://handbook.sourcegraph.com/departments/en…)
  Field protocol (http1)
  Field image ("us.gcr.io/sourcegraph-dev/releaseregistry")
  Block source
    Field repo ("github.com/sourcegraph/releaseregistry")
    Field dir (".")
  Block defaults
    Field deploy (rollout)
    Block instances
      Field cpu (1)
      Field memory (1Gi)
      Block scaling
        Field min (0)
        Field max (5)
    Block postgres
      Field databases (["releaseregistry"])
    Block health_probes
      Field timeout (3s)
    Block env
      Field EXTERNAL_URL ("https://${environment.dns_name}")
    Block secret_env
      Field API_TOKEN (secret("releaseregistry-api-token"))
  Environment prod (internal · releaseregistry-prod-5421)
    Field project_id ("releaseregistry-prod-5421")
    Field category (internal)
    Block domain (cloudflare)
      Field subdomain ("releaseregistry")
      Field zone ("sourcegraph.com")
    Block instances
      Block scaling
        Field min (1)
        Field max (10)
  Environment dev (test · releaseregistry-dev-6bac)
    Field project_id ("releaseregistry-dev-6bac")
    Field category (test)
    Block domain (cloudflare)
      Field subdomain ("releaseregistry")
      Field zone ("sgdev.org")
    Block env
      Field EXTERNAL_URL ("https://${environment.dns_name}")
  Block rollout
    Field stages ([dev, prod])
    Field initial_image_tag ("insiders")
  Block monitoring
    Field response_code_alerts
      Block [0]
        Field id ("server_errors")
        Field name ("Release Registry server errors")
        Field description ("More than 5% of requests fail with a 5xx: relea…)
        Field code_class ("5xx")
        Field ratio (0.05)
        Field duration (5m)
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn lets_with_records_and_environments_written_as_a_map() {
        let fx = Fixture::new(
            "$0let sizes = {\n  small = { cpu = 1 }\n}\nservice s {\n  environment = {\n    dev = { category = test }\n  }\n  \
             environment \"qa\" { project_id = \"s-qa-1\" }\n}\n",
        );
        let mut text = String::new();
        outline(&document_symbols(fx.db(), fx.file), 0, &mut text);
        assert_eq!(
            text,
            "Let sizes\n  Block small\n    Field cpu (1)\nService s\n  Block environment\n    Environment dev (test)\n      \
             Field category (test)\n  Environment qa (s-qa-1)\n    Field project_id (\"s-qa-1\")\n"
        );
    }

    #[test]
    fn workspace_symbols_match_subsequences() {
        let fx = Fixture::new(
            "//- services/a.msp\nservice release-registry {\n  environment dev {}\n  environment prod {}\n}\n\
             //- services/b.msp\njob nightly {\n  environment dev {}\n}\n",
        );
        let all = workspace_symbols(fx.db(), fx.ws(), "");
        let names: Vec<(&str, SymbolKind, Option<&str>)> =
            all.iter().map(|s| (s.name.as_str(), s.kind, s.container.as_deref())).collect();
        assert_eq!(
            names,
            [
                ("release-registry", SymbolKind::Service, None),
                ("dev", SymbolKind::Environment, Some("release-registry")),
                ("prod", SymbolKind::Environment, Some("release-registry")),
                ("nightly", SymbolKind::Job, None),
                ("dev", SymbolKind::Environment, Some("nightly")),
            ]
        );
        let l = all[3].location;
        assert_eq!((fx.path(l.file).as_str(), fx.text_at(l.file, l.range).as_str()), ("services/b.msp", "nightly"));
        let found: Vec<String> = workspace_symbols(fx.db(), fx.ws(), "RlsReg").into_iter().map(|s| s.name).collect();
        assert_eq!(found, ["release-registry"]);
        let found: Vec<String> = workspace_symbols(fx.db(), fx.ws(), "pd").into_iter().map(|s| s.name).collect();
        assert_eq!(found, ["prod"]);
        assert!(workspace_symbols(fx.db(), fx.ws(), "devx").is_empty());
    }
}
