//! Walks the YAML along the mapping table and builds the `.msp` model,
//! reporting every key it does not know and every value it cannot convert.

use super::comments::{Comment, Path, Seg};
use super::mapping::{BLOCKS, Conv, MINUTES, NON_EMPTY, RULES, Rule, YSeg, yaml_segments};
use super::model::{Entry, Item, Record, Value};
use super::schema_path::lookup;
use super::yaml::{Node, NodeKind, Scalar};
use crate::check::schema::{FieldDef, Subject, Ty, Violation, violations};
use crate::check::stdlib::stdlib;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Code, Diagnostic, FileId, Span};
use crate::syntax::ExprKind;
use crate::syntax::TextRange;
use crate::syntax::literals::{escape, format_duration, format_size, parse_number};

/// Stands for `{{ .ServiceDnsName }}` until it is known whether the
/// environment has a domain (NUL cannot come from the YAML: control
/// characters are refused).
pub const DNS_NAME: &str = "\u{0}dns\u{0}";

#[derive(Clone, Debug, PartialEq, Eq)]
enum MSeg {
    Field(String),
    /// A union field, in the named variant (`*`: the one the YAML names).
    Variant(String, String),
    Index(usize),
}

pub struct Converter<'a> {
    file: FileId,
    /// The YAML text, for the keys kept as comments.
    source: &'a str,
    notion_base: &'a str,
    pub diagnostics: Vec<Diagnostic>,
    pub body: Record,
    pub id: Option<String>,
    pub job: bool,
    /// Comments attached to the declaration itself.
    pub decl_comments: Vec<Comment>,
    /// Environment ids by position in `environments`.
    pub env_ids: Vec<Option<String>>,
    /// Environments whose spec names a BigQuery dataset (`bigQueryDataset`
    /// or `bigQueryTable`), as opposed to one only `locations.gcpLocation`
    /// implies.
    pub bigquery_named: Vec<String>,
    /// Table schemas older specs wrote inline (`bigQueryTable.schema`), as
    /// the JSON of `<table>.bigquerytable.json`: (table, JSON).
    pub schemas: Vec<(String, String)>,
    comments: Vec<(Path, Comment)>,
    /// The YAML path being converted (`apply`), for keys ignored inside a value.
    at: Path,
    /// Keys MSP does not define, which it ignores: where they were, and the
    /// comment lines that keep them in the `.msp`.
    ignored: Vec<(Path, Vec<Comment>)>,
}

fn span_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn matches(pattern: &[YSeg], path: &[Seg]) -> bool {
    pattern.len() == path.len()
        && pattern.iter().zip(path).all(|(p, s)| match (p, s) {
            (YSeg::Key(k), Seg::Key(n)) => k == n,
            (YSeg::AnyKey, Seg::Key(_)) | (YSeg::AnyIndex, Seg::Index(_)) => true,
            _ => false,
        })
}

impl<'a> Converter<'a> {
    pub fn new(file: FileId, source: &'a str, notion_base: &'a str, comments: Vec<(Path, Comment)>) -> Self {
        Converter {
            file,
            source,
            notion_base,
            diagnostics: Vec::new(),
            body: Record::default(),
            id: None,
            job: false,
            decl_comments: Vec::new(),
            env_ids: Vec::new(),
            bigquery_named: Vec::new(),
            schemas: Vec::new(),
            comments,
            at: Vec::new(),
            ignored: Vec::new(),
        }
    }

    fn diag(&mut self, code: Code, range: TextRange, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::new(code, Span::new(self.file, range), message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn run(&mut self, root: &Node) {
        if root.as_map().is_none() {
            self.diag(Code::YamlType, root.range, format!("an MSP spec is a mapping, found {}", root.describe()))
                .help = Some("start with `service:`, `build:` and `environments:`".into());
            return;
        }
        self.scan_environment_ids(root);
        self.visit(root, &mut Vec::new());
        self.place_ignored();
    }

    /// A key MSP does not define: MSP ignores it (yaml.v3 skips fields its
    /// structs lack), and so does the import, with a warning at its line and
    /// the key kept as a comment. `path`: where it is.
    fn ignore(&mut self, path: Path, key: TextRange, value: TextRange, message: String) -> &mut Diagnostic {
        let start = key.start as usize;
        let end = (value.end.max(key.end) as usize).min(self.source.len());
        let written = self.source.get(start..end).unwrap_or_default();
        // Lines after the first lose the key's own indentation.
        let column = start - self.source[..start.min(self.source.len())].rfind('\n').map_or(0, |i| i + 1);
        let header = format!("`{}` is not an MSP key; MSP ignores it, and so did `mspc import`:", span_text(&path));
        let mut lines = vec![Comment { text: header, trailing: false }];
        for (i, line) in written.lines().enumerate() {
            let indent = line.len() - line.trim_start().len();
            let line = if i == 0 { line } else { &line[indent.min(column)..] };
            lines.push(Comment { text: format!("  {}", line.trim_end()), trailing: false });
        }
        self.ignored.push((path, lines));
        self.diag(Code::UnknownYamlKey, key, message)
    }

    /// The ignored keys' comments: on their environment, or on the service.
    fn place_ignored(&mut self) {
        for (path, lines) in std::mem::take(&mut self.ignored) {
            let env = match path.as_slice() {
                [Seg::Key(e), Seg::Index(i), ..] if e == "environments" => self.env_ids.get(*i).cloned().flatten(),
                _ => None,
            };
            let slot = env.and_then(|id| match self.body.entries.get_mut("environment").map(|e| &mut e.value) {
                Some(Value::Record(envs)) => envs.entries.get_mut(&id).map(|e| &mut e.comments),
                _ => None,
            });
            match slot {
                Some(comments) => comments.extend(lines),
                None => self.decl_comments.extend(lines),
            }
        }
    }

    /// Environments are named by their `id`, which may come after keys
    /// that need it.
    fn scan_environment_ids(&mut self, root: &Node) {
        let Some(envs) = root.as_map().and_then(|m| m.iter().find(|(k, _)| k.key_text() == Some("environments")))
        else {
            return;
        };
        let Some(items) = envs.1.as_seq() else { return };
        let mut seen: Vec<String> = Vec::new();
        for item in items {
            let id = item.as_map().and_then(|m| m.iter().find(|(k, _)| k.key_text() == Some("id")));
            let value = id.and_then(|(_, v)| match v.scalar() {
                Some(Scalar::Str(s)) if !s.is_empty() => Some(s.to_string()),
                _ => None,
            });
            match (&value, id) {
                (None, None) => {
                    self.diag(Code::MissingYamlKey, item.range, "an environment has no `id`").help =
                        Some("add `id: dev` (lowercase letters and digits)".into());
                }
                (None, Some((_, v))) => {
                    self.diag(Code::YamlValue, v.range, "an environment's `id` must be a non-empty string");
                }
                (Some(s), Some((_, v))) if seen.contains(s) => {
                    self.diag(Code::YamlValue, v.range, format!("two environments have the id `{s}`"));
                }
                _ => {}
            }
            let value = value.filter(|s| !seen.contains(s));
            if let Some(s) = &value {
                seen.push(s.clone());
            }
            self.env_ids.push(value);
        }
    }

    fn visit(&mut self, node: &Node, path: &mut Path) {
        match &node.kind {
            NodeKind::Map(entries) => {
                let mut seen: Vec<&str> = Vec::new();
                // A union's `type` first, so its settings know their variant.
                let mut order: Vec<&(Node, Node)> = entries.iter().collect();
                order.sort_by_key(|(k, _)| k.key_text() != Some("type"));
                for (k, v) in order {
                    let Some(name) = k.key_text() else {
                        self.diag(Code::YamlType, k.range, "keys of an MSP spec are strings");
                        continue;
                    };
                    if seen.contains(&name) {
                        self.diag(Code::YamlSyntax, k.range, format!("`{name}` is set twice in one mapping"));
                        continue;
                    }
                    seen.push(name);
                    path.push(Seg::Key(name.to_string()));
                    self.child(k.range, v, path);
                    path.pop();
                }
            }
            NodeKind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    self.child(item.range, item, path);
                    path.pop();
                }
            }
            NodeKind::Scalar { .. } => {}
        }
    }

    fn child(&mut self, key_range: TextRange, node: &Node, path: &mut Path) {
        if let [Seg::Key(envs), Seg::Index(i), Seg::Key(resources), Seg::Key(kind)] = path.as_slice()
            && envs == "environments"
            && resources == "resources"
            && (kind == "bigQueryDataset" || kind == "bigQueryTable")
            && let Some(Some(id)) = self.env_ids.get(*i)
        {
            self.bigquery_named.push(id.clone());
            if kind == "bigQueryTable" {
                self.inline_schema(node, path);
            }
        }
        if let Some(rule) = RULES.iter().find(|r| matches(&yaml_segments(r.yaml), path)) {
            if node.scalar() != Some(Scalar::Null) {
                self.apply(rule, key_range, node, path);
            } else if rule.conv == Conv::Template {
                // `env: {X: }`: yaml.v3 stores a null map value as "".
                self.apply(rule, key_range, &node.empty_string(), path);
            }
            return;
        }
        let next: Vec<YSeg> = RULES
            .iter()
            .filter_map(|r| {
                let segs = yaml_segments(r.yaml);
                (segs.len() > path.len() && matches(&segs[..path.len()], path)).then(|| segs[path.len()])
            })
            .collect();
        if next.is_empty() {
            self.unknown_key(key_range, node, path);
            return;
        }
        let want_list = next.contains(&YSeg::AnyIndex);
        let ok = match &node.kind {
            NodeKind::Seq(_) => want_list,
            NodeKind::Map(_) => !want_list,
            NodeKind::Scalar { .. } => node.scalar() == Some(Scalar::Null),
        };
        if !ok {
            let want = if want_list { "a list" } else { "a mapping" };
            self.diag(
                Code::YamlType,
                node.range,
                format!("`{}` takes {want}, found {}", span_text(path), node.describe()),
            );
            return;
        }
        if let NodeKind::Seq(items) = &node.kind
            && items.is_empty()
            && let Some((_, why)) = NON_EMPTY.iter().find(|(y, _)| matches(&yaml_segments(y), path))
        {
            let d = self.diag(Code::YamlValue, node.range, format!("`{}` is empty: {why}", span_text(path)));
            d.help = Some("list them, or remove the key".into());
            return;
        }
        let empty = match &node.kind {
            NodeKind::Map(entries) => entries.is_empty(),
            NodeKind::Scalar { .. } => true,
            NodeKind::Seq(_) => false,
        };
        if empty {
            self.empty_block(key_range, node, path);
        }
        self.visit(node, path);
    }

    /// An MSP optional block written empty (`{}` or `null`): the `.msp`
    /// block, with its defaults.
    fn empty_block(&mut self, key_range: TextRange, node: &Node, path: &Path) {
        let Some((yaml, msp)) = BLOCKS.iter().find(|(y, _)| matches(&yaml_segments(y), path)) else { return };
        let rule = Rule { yaml, msp, conv: Conv::Typed };
        let Some(target) = self.resolve(&rule, path) else { return };
        let block = Value::Record(Record { range: Some(node.range), ..Record::default() });
        if let Err(d) = self.set(&target, block, key_range, &span_text(path)) {
            self.diagnostics.push(*d);
            return;
        }
        self.place_comments(path, &target);
    }

    fn unknown_key(&mut self, range: TextRange, node: &Node, path: &Path) {
        let Some(Seg::Key(name)) = path.last() else { return };
        let parent = &path[..path.len() - 1];
        let siblings: Vec<&'static str> = RULES
            .iter()
            .filter_map(|r| {
                let segs = yaml_segments(r.yaml);
                match segs.get(parent.len()) {
                    Some(YSeg::Key(k)) if segs.len() > parent.len() && matches(&segs[..parent.len()], parent) => {
                        Some(*k)
                    }
                    _ => None,
                }
            })
            .collect();
        // A key written the `.msp` way (`project_id`) gets MSP's name for it.
        let from_msp = RULES.iter().find_map(|r| {
            let segs = yaml_segments(r.yaml);
            let last = r.msp.rsplit('.').next()?.split(':').next()?;
            match segs.get(parent.len()) {
                Some(YSeg::Key(k))
                    if last == name && segs.len() > parent.len() && matches(&segs[..parent.len()], parent) =>
                {
                    Some(format!("did you mean `{k}`?"))
                }
                _ => None,
            }
        });
        let where_ =
            if parent.is_empty() { "at the top level".to_string() } else { format!("in `{}`", span_text(parent)) };
        let help = from_msp.or_else(|| did_you_mean(name, siblings.iter().copied()));
        let mut known = siblings.clone();
        known.dedup();
        let message = format!("MSP specs have no key `{name}` {where_}; it is ignored");
        let d = self.ignore(path.clone(), range, node.range, message);
        d.help = help;
        if !known.is_empty() {
            d.notes.push(format!("known keys here: {}", known.join(", ")));
        }
    }

    /// YAML wildcards' values, in order, for the `.msp` path.
    fn resolve(&self, rule: &Rule, path: &Path) -> Option<Vec<MSeg>> {
        let segs = yaml_segments(rule.yaml);
        let mut bindings = segs.iter().zip(path).filter(|(p, _)| !matches!(p, YSeg::Key(_))).map(|(_, s)| s);
        let mut out = Vec::new();
        for seg in rule.msp.split('.').filter(|s| !s.is_empty()) {
            match seg {
                "<env>" => match bindings.next()? {
                    Seg::Index(i) => out.push(MSeg::Field(self.env_ids.get(*i)?.clone()?)),
                    Seg::Key(_) => return None,
                },
                "*" => match bindings.next()? {
                    Seg::Key(k) => out.push(MSeg::Field(k.clone())),
                    Seg::Index(_) => return None,
                },
                "[]" => match bindings.next()? {
                    Seg::Index(i) => out.push(MSeg::Index(*i)),
                    Seg::Key(_) => return None,
                },
                s => match s.split_once(':') {
                    Some((f, v)) => out.push(MSeg::Variant(f.into(), v.into())),
                    None => out.push(MSeg::Field(s.into())),
                },
            }
        }
        Some(out)
    }

    fn apply(&mut self, rule: &Rule, key_range: TextRange, node: &Node, path: &Path) {
        let Some(target) = self.resolve(rule, path) else { return };
        self.at = path.clone();
        let key = span_text(path);
        let value = match self.convert(rule, &key, node) {
            Ok(v) => v,
            Err(d) => {
                self.diagnostics.push(*d);
                return;
            }
        };
        if let Some(value) = value
            && let Err(d) = self.set(&target, value, key_range, &key)
        {
            self.diagnostics.push(*d);
            return;
        }
        self.place_comments(path, &target);
    }

    /// Comments of this key, and of enclosing keys no field has taken yet
    /// (`resources:` has no `.msp` field of its own), go to the field made
    /// from it, or to the nearest enclosing `.msp` field.
    fn place_comments(&mut self, path: &Path, target: &[MSeg]) {
        let env = matches!(path.first(), Some(Seg::Key(k)) if k == "environments") && path.len() >= 2;
        for k in 1..=path.len() {
            let prefix = &path[..k];
            let taken: Vec<Comment> = {
                let mut taken = Vec::new();
                self.comments.retain(|(p, c)| {
                    if p.as_slice() == prefix {
                        taken.push(c.clone());
                        false
                    } else {
                        true
                    }
                });
                taken
            };
            if taken.is_empty() {
                continue;
            }
            if prefix.len() == 1 && matches!(&prefix[0], Seg::Key(k) if k == "service") {
                self.decl_comments.extend(taken);
                continue;
            }
            // `environments` ↔ `environment`, `environments[i]` ↔ `environment.<id>`;
            // below that, and everywhere else, align the paths from their ends.
            let depth = if env && k <= 2 {
                k
            } else {
                let base = if env { 2 } else { 0 };
                let rest_y = path.len() - base;
                let rest_m = target.len().saturating_sub(base);
                base + (rest_m + (k - base)).saturating_sub(rest_y).max(1)
            };
            let depth = depth.min(target.len());
            if depth == 0 {
                self.decl_comments.extend(taken);
            } else if let Some(slot) = comment_slot(&mut self.body, &target[..depth]) {
                slot.extend(taken);
            }
        }
    }

    fn convert(&mut self, rule: &Rule, key: &str, node: &Node) -> Result<Option<Value>, Box<Diagnostic>> {
        let file = self.file;
        let err =
            |code: Code, range: TextRange, msg: String| Box::new(Diagnostic::new(code, Span::new(file, range), msg));
        let field =
            || lookup(rule.msp).ok_or_else(|| err(Code::YamlValue, node.range, format!("`{key}` has no `.msp` field")));
        let typed = |me: &Self, unit: Option<u64>, template: bool| -> Result<Option<Value>, Box<Diagnostic>> {
            let (def, ty) = field()?;
            me.typed(key, def, &ty, node, Reading { unit, template, item: false }).map(Some)
        };
        match rule.conv {
            Conv::Typed => typed(self, None, false),
            Conv::Unit(u) => typed(self, Some(u), false),
            Conv::Template => typed(self, None, true),
            Conv::Label => {
                let s = self.string(key, node)?;
                if rule.msp.is_empty() {
                    let def = &stdlib().index.schema("Service").fields["id"];
                    self.check_string(key, def, node, &s, false)?;
                    self.id = Some(s);
                } else if let Some(Some(id)) = self.env_ids.iter().find(|i| i.as_deref() == Some(s.as_str())) {
                    let def = &stdlib().index.schema("Environment").fields["id"];
                    self.check_string(key, def, node, &s, false)?;
                    let envs = self.body.entries.entry("environment".into()).or_insert_with(|| Entry {
                        value: Value::Record(Record::default()),
                        comments: Vec::new(),
                        range: node.range,
                    });
                    if let Value::Record(r) = &mut envs.value {
                        r.entries.entry(id.clone()).or_insert_with(|| Entry {
                            value: Value::Record(Record { range: Some(node.range), ..Record::default() }),
                            comments: Vec::new(),
                            range: node.range,
                        });
                    }
                }
                Ok(None)
            }
            Conv::Kind => {
                match self.string(key, node)?.as_str() {
                    "service" | "" => self.job = false,
                    "job" => self.job = true,
                    other => {
                        let mut d = err(Code::YamlValue, node.range, format!("`{other}` is not a kind"));
                        d.help = Some("`kind` is `service` or `job`".into());
                        return Err(d);
                    }
                }
                Ok(None)
            }
            Conv::NotionPage => {
                let id = self.string(key, node)?;
                if id.is_empty() || id.contains(".notion.") || id.contains('?') {
                    let mut d = err(Code::YamlValue, node.range, format!("`{id}` is not a Notion page id"));
                    d.help = Some("MSP takes the page's id, not its URL: the hex string at the end of the URL".into());
                    return Err(d);
                }
                let url = format!("{}{id}", self.notion_base);
                let (def, _) = lookup(rule.msp).expect("handbook_page is in the stdlib");
                self.check_string(key, def, node, &url, false)?;
                Ok(Some(Value::Str(escape(&url))))
            }
            Conv::Generation => match node.scalar() {
                Some(Scalar::Int(n @ (1 | 2))) => Ok(Some(Value::Lit(format!("gen{n}")))),
                _ => {
                    let mut d = err(Code::YamlValue, node.range, format!("`{key}` is 1 or 2"));
                    d.help = Some("Cloud Run's execution environments are generation 1 and 2".into());
                    Err(d)
                }
            },
            Conv::RedisTier => match self.string(key, node)?.as_str() {
                "STANDARD_HA" => Ok(Some(Value::Lit("true".into()))),
                "BASIC" => Ok(Some(Value::Lit("false".into()))),
                other => {
                    let mut d = err(Code::YamlValue, node.range, format!("`{other}` is not a Redis tier"));
                    d.help = Some("the tiers are `STANDARD_HA` and `BASIC`".into());
                    Err(d)
                }
            },
            Conv::Negated => match node.scalar() {
                Some(Scalar::Bool(b)) => Ok(Some(Value::Lit((!b).to_string()))),
                _ => Err(err(
                    Code::YamlType,
                    node.range,
                    format!("`{key}` takes `true` or `false`, found {}", node.describe()),
                )),
            },
            Conv::Tag => {
                let tag = self.string(key, node)?;
                let (_, ty) = lookup(rule.msp).expect("tags name unions of the stdlib");
                let Ty::Union(u) = ty else { return Err(no_equivalent(node, self.file)) };
                let union = stdlib().index.enum_def(&u);
                let names: Vec<&str> = union.variant_names().collect();
                let found = if tag.is_empty() {
                    names.iter().find(|n| **n == "none").copied()
                } else {
                    names.iter().find(|n| n.eq_ignore_ascii_case(&tag)).copied()
                };
                match found {
                    Some(v) => Ok(Some(Value::Variant(v.to_string(), Record::default()))),
                    None => {
                        let shown = if tag.is_empty() { "an empty type".to_string() } else { format!("`{tag}`") };
                        let mut d = err(Code::YamlValue, node.range, format!("{shown} is not a valid `{key}`"));
                        d.help = Some(format!("one of: {}", names.join(", ")));
                        Err(d)
                    }
                }
            }
            Conv::Authentication => {
                let Some(entries) = node.as_map() else {
                    return Err(err(
                        Code::YamlType,
                        node.range,
                        format!("`{key}` takes a mapping, found {}", node.describe()),
                    ));
                };
                let mut organization = false;
                let mut ignored = Vec::new();
                for (k, v) in entries {
                    match (k.key_text(), v.scalar()) {
                        (Some("sourcegraph"), Some(Scalar::Bool(b))) => organization = b,
                        (Some("sourcegraph"), Some(Scalar::Null)) => {}
                        (Some("sourcegraph"), _) => {
                            return Err(err(
                                Code::YamlType,
                                v.range,
                                format!("`{key}.sourcegraph` takes `true` or `false`, found {}", v.describe()),
                            ));
                        }
                        (name, _) => ignored.push((k.range, v.range, name.unwrap_or("?").to_string())),
                    }
                }
                for (k, v, name) in ignored {
                    let message = format!("MSP specs have no key `{name}` in `{key}`; it is ignored");
                    let mut path = self.at.clone();
                    path.push(Seg::Key(name));
                    self.ignore(path, k, v, message).notes.push("known keys here: sourcegraph".into());
                }
                let tag = if organization { "organization" } else { "restricted" };
                Ok(Some(Value::Variant(tag.into(), Record::default())))
            }
            Conv::Stage => {
                let env = node.as_map().and_then(|m| m.iter().find(|(k, _)| k.key_text() == Some("environment")));
                for (k, v) in
                    node.as_map().unwrap_or_default().iter().filter(|(k, _)| k.key_text() != Some("environment"))
                {
                    let message = format!(
                        "MSP specs have no key `{}` in a rollout stage; it is ignored",
                        k.key_text().unwrap_or("?")
                    );
                    let mut path = self.at.clone();
                    path.push(Seg::Key(k.key_text().unwrap_or("?").to_string()));
                    self.ignore(path, k.range, v.range, message).notes.push("known keys here: environment".into());
                }
                let Some((_, v)) = env else {
                    let mut d =
                        err(Code::MissingYamlKey, node.range, "a rollout stage has no `environment`".to_string());
                    d.help = Some("write stages as `- environment: dev`".into());
                    return Err(d);
                };
                let name = self.string("environment", v)?;
                if !self.env_ids.iter().any(|i| i.as_deref() == Some(name.as_str())) {
                    let known: Vec<&str> = self.env_ids.iter().flatten().map(String::as_str).collect();
                    let mut d =
                        err(Code::YamlValue, v.range, format!("the rollout stage `{name}` is not an environment"));
                    d.help = did_you_mean(&name, known.iter().copied())
                        .or(Some(format!("the environments are: {}", known.join(", "))));
                    return Err(d);
                }
                Ok(Some(Value::Lit(super::print::key(&name))))
            }
            Conv::Ignored => Ok(None),
            // Written as a file of its own: see `inline_schema`.
            Conv::InlineSchema => Ok(None),
            Conv::BigQueryLocation => {
                let location = self.string(key, node)?;
                match location.to_ascii_lowercase().as_str() {
                    "us" => Ok(Some(Value::Lit("us".into()))),
                    "eu" | "europe" => Ok(Some(Value::Lit("europe".into()))),
                    _ => {
                        let mut d = err(
                            Code::YamlValue,
                            node.range,
                            format!("`{location}` has no `.msp` equivalent for `{key}`"),
                        );
                        d.help = Some("the dataset's multi-region: `US` or `EU`".into());
                        Err(d)
                    }
                }
            }
            Conv::GoDuration => {
                let text = self.string(key, node)?;
                let Some(seconds) = go_duration_seconds(&text).filter(|s| *s > 0 && s % 60 == 0) else {
                    let mut d = err(Code::YamlValue, node.range, format!("`{text}` is not a whole number of minutes"));
                    d.help = Some("MSP took a duration such as `60s` or `5m`, a multiple of 60s".into());
                    return Err(d);
                };
                let (def, ty) = field()?;
                let minutes = Node::int(seconds / 60, node.range);
                self.typed(key, def, &ty, &minutes, Reading { unit: Some(MINUTES), template: false, item: false })
                    .map(Some)
            }
            Conv::OneItem => {
                let (def, ty) = field()?;
                let Ty::List(item) = ty else { return Err(no_equivalent(node, self.file)) };
                let value = self.typed(key, def, &item, node, Reading { unit: None, template: false, item: true })?;
                Ok(Some(Value::List(vec![Item { value, comments: Vec::new() }])))
            }
            Conv::OnlyFalse(why) => match node.scalar() {
                Some(Scalar::Bool(false)) => Ok(None),
                Some(Scalar::Bool(true)) => {
                    let mut d = err(Code::YamlValue, node.range, format!("`{key}: true` has no `.msp` equivalent"));
                    d.notes.push(why.to_string());
                    Err(d)
                }
                _ => Err(err(
                    Code::YamlType,
                    node.range,
                    format!("`{key}` takes `true` or `false`, found {}", node.describe()),
                )),
            },
            Conv::Unsupported(why) => {
                let mut d = err(Code::YamlValue, node.range, format!("`{key}` has no `.msp` equivalent"));
                d.notes.push(why.to_string());
                Err(d)
            }
        }
    }

    /// An older spec's table with its columns inline (`bigQueryTable:
    /// {tableID, schema: [{name, type, mode, description}]}`): the schema as
    /// the JSON file the `.msp` side reads, its keys as MSP's struct had them.
    fn inline_schema(&mut self, block: &Node, at: &Path) {
        let entries = block.as_map().unwrap_or_default();
        let find = |k: &str| entries.iter().find(|(key, _)| key.key_text() == Some(k)).map(|(_, v)| v);
        let (Some(table), Some(schema)) = (find("tableID"), find("schema")) else { return };
        let Ok(table) = self.string("bigQueryTable.tableID", table) else { return };
        let Some(columns) = schema.as_seq() else {
            self.diag(
                Code::YamlType,
                schema.range,
                format!("`bigQueryTable.schema` takes a list of columns, found {}", schema.describe()),
            );
            return;
        };
        let mut json = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            let Some(fields) = column.as_map() else {
                self.diag(
                    Code::YamlType,
                    column.range,
                    format!("a column of `bigQueryTable.schema` is a mapping, found {}", column.describe()),
                );
                return;
            };
            let mut out = serde_json::Map::new();
            for (k, v) in fields {
                let name = k.key_text().unwrap_or_default();
                if !["name", "type", "mode", "description"].contains(&name) {
                    let mut path = at.clone();
                    path.extend([Seg::Key("schema".into()), Seg::Index(i), Seg::Key(name.to_string())]);
                    let message = format!("MSP's table columns have no key `{name}`; it is ignored");
                    self.ignore(path, k.range, v.range, message)
                        .notes
                        .push("known keys here: name, type, mode, description".into());
                    continue;
                }
                match self.string(&format!("bigQueryTable.schema[].{name}"), v) {
                    Ok(s) => {
                        out.insert(name.to_string(), serde_json::Value::String(s));
                    }
                    Err(d) => {
                        self.diagnostics.push(*d);
                        return;
                    }
                }
            }
            json.push(serde_json::Value::Object(out));
        }
        let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
        self.schemas.push((table, text));
    }

    /// A scalar as text: yaml.v3 reads any scalar into a string field.
    fn string(&self, key: &str, node: &Node) -> Result<String, Box<Diagnostic>> {
        match (&node.kind, node.scalar()) {
            (_, Some(Scalar::Null)) | (NodeKind::Seq(_) | NodeKind::Map(_), _) => Err(Box::new(Diagnostic::new(
                Code::YamlType,
                Span::new(self.file, node.range),
                format!("`{key}` takes a string, found {}", node.describe()),
            ))),
            (NodeKind::Scalar { text, .. }, _) => {
                if let Some(c) = text.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
                    return Err(Box::new(Diagnostic::new(
                        Code::YamlValue,
                        Span::new(self.file, node.range),
                        format!(
                            "`{key}` contains the control character U+{:04X}, which `.msp` strings cannot hold",
                            c as u32
                        ),
                    )));
                }
                Ok(text.clone())
            }
        }
    }

    /// `item`: `s` is an item of the list `def` declares, so only the
    /// constraints on items apply (a list's `@len` counts its items).
    fn check_string(&self, key: &str, def: &FieldDef, node: &Node, s: &str, item: bool) -> Result<(), Box<Diagnostic>> {
        let bad = violations(&def.constraints, Subject::Str(s), item).find_map(|v| match v {
            Violation::NoMatch(p) => Some(format!("`{s}` is not {}", p.what)),
            Violation::TooShort { max: Some(max), min, .. } | Violation::TooLong { min, max, .. } => {
                Some(format!("`{key}` must be {min} to {max} characters long"))
            }
            Violation::TooShort { min: 1, max: None, .. } => Some(format!("`{key}` must not be empty")),
            Violation::TooShort { min, max: None, .. } => {
                Some(format!("`{key}` must be at least {min} characters long"))
            }
            Violation::OutOfRange { .. } | Violation::NotMultiple(_) => None,
        });
        if let Some(message) = bad {
            let mut d = Diagnostic::new(Code::YamlValue, Span::new(self.file, node.range), message);
            d.notes = def.doc.iter().filter_map(|d| d.lines().next()).map(|l| format!("`{key}`: {l}")).collect();
            return Err(Box::new(d));
        }
        Ok(())
    }

    /// `@range` only; `item` as for `check_string`.
    fn check_range(
        &self,
        key: &str,
        def: &FieldDef,
        node: &Node,
        value: f64,
        item: bool,
    ) -> Result<(), Box<Diagnostic>> {
        let bad = violations(&def.constraints, Subject::Num(value), item).find_map(|v| match v {
            Violation::OutOfRange { lo, hi } => Some(format!("`{key}` must be between {} and {}", lo.text, hi.text)),
            _ => None,
        });
        match bad {
            Some(message) => Err(Box::new(Diagnostic::new(Code::YamlValue, Span::new(self.file, node.range), message))),
            None => Ok(()),
        }
    }

    fn typed(&self, key: &str, def: &FieldDef, ty: &Ty, node: &Node, how: Reading) -> Result<Value, Box<Diagnostic>> {
        let Reading { unit, template, item } = how;
        let file = self.file;
        let mismatch = || {
            Box::new(Diagnostic::new(
                Code::YamlType,
                Span::new(file, node.range),
                format!("`{key}` takes {}, found {}", yaml_describe(ty, unit), node.describe()),
            ))
        };
        let value = |msg: String| Box::new(Diagnostic::new(Code::YamlValue, Span::new(file, node.range), msg));
        match ty {
            Ty::String | Ty::Secret => {
                let s = self.string(key, node)?;
                if template {
                    return template_string(&s).map(Value::Str).map_err(value);
                }
                self.check_string(key, def, node, &s, item)?;
                Ok(if *ty == Ty::Secret { Value::Secret(escape(&s)) } else { Value::Str(escape(&s)) })
            }
            Ty::Int => match node.scalar() {
                Some(Scalar::Int(i)) => {
                    self.check_range(key, def, node, i as f64, item)?;
                    Ok(Value::Lit(i.to_string()))
                }
                _ => Err(mismatch()),
            },
            Ty::Float => {
                let f = match node.scalar() {
                    Some(Scalar::Int(i)) => i as f64,
                    Some(Scalar::Float(f)) if f.is_finite() => f,
                    _ => return Err(mismatch()),
                };
                self.check_range(key, def, node, f, item)?;
                Ok(Value::Lit(format!("{f:?}")))
            }
            Ty::Bool => match node.scalar() {
                Some(Scalar::Bool(b)) => Ok(Value::Lit(b.to_string())),
                _ => Err(mismatch()),
            },
            Ty::Size | Ty::Duration => {
                let amount = match (unit, node.scalar()) {
                    (Some(u), Some(Scalar::Int(i))) => {
                        let i = u64::try_from(i).map_err(|_| value(format!("`{key}` cannot be negative")))?;
                        i.checked_mul(u).ok_or_else(|| value(format!("`{key}` is too large")))?
                    }
                    (None, Some(Scalar::Str(s))) if *ty == Ty::Size => match parse_number(s) {
                        Ok(ExprKind::Size(b)) => b,
                        Ok(_) => {
                            let mut d = value(format!("`{s}` has no unit"));
                            d.help = Some("memory is written in Kubernetes units: `512Mi`, `1Gi`".into());
                            return Err(d);
                        }
                        Err(e) => {
                            let mut d = value(e.message);
                            d.help = e.help;
                            return Err(d);
                        }
                    },
                    _ => return Err(mismatch()),
                };
                self.check_range(key, def, node, amount as f64, item)?;
                Ok(Value::Lit(if *ty == Ty::Size { format_size(amount) } else { format_duration(amount) }))
            }
            Ty::Enum(n) | Ty::Union(n) => {
                let s = self.string(key, node)?;
                let names: Vec<&str> = stdlib().index.enum_def(n).variant_names().collect();
                match names.iter().find(|v| v.eq_ignore_ascii_case(&s)) {
                    Some(v) => Ok(Value::Lit(v.to_string())),
                    None => {
                        let mut d = value(format!("`{s}` is not a valid `{key}`"));
                        d.help =
                            did_you_mean(&s, names.iter().copied()).or(Some(format!("one of: {}", names.join(", "))));
                        Err(d)
                    }
                }
            }
            Ty::List(elem) => {
                let Some(items) = node.as_seq() else { return Err(mismatch()) };
                let mut out = Vec::new();
                for element in items {
                    let value = self.typed(key, def, elem, element, Reading { item: true, ..how })?;
                    out.push(Item { value, comments: Vec::new() });
                }
                Ok(Value::List(out))
            }
            Ty::Env | Ty::Map(_) | Ty::Schema(_) => Err(mismatch()),
        }
    }

    fn set(&mut self, target: &[MSeg], value: Value, range: TextRange, key: &str) -> Result<(), Box<Diagnostic>> {
        let file = self.file;
        let conflict = |other: TextRange| {
            let mut d = Diagnostic::new(
                Code::YamlValue,
                Span::new(file, range),
                format!("`{key}` contradicts a value set before it"),
            );
            d.secondary.push(crate::diagnostics::Label { span: Span::new(file, other), message: "set here".into() });
            Box::new(d)
        };
        set_in(&mut self.body, target, value, range).map_err(|at| conflict(at.unwrap_or(range)))
    }
}

/// How `Converter::typed` reads a YAML value.
#[derive(Clone, Copy)]
struct Reading {
    /// The YAML number counts this unit (seconds, bytes), not a `.msp` literal.
    unit: Option<u64>,
    /// MSP's `{{ … }}` templates become interpolation.
    template: bool,
    /// The value is an item of the list the field declares.
    item: bool,
}

/// Puts `value` at `path` below `record`, making what is missing on the way.
/// `Err(range)`: it contradicts what is there (set at `range`, if known).
fn set_in(record: &mut Record, path: &[MSeg], value: Value, range: TextRange) -> Result<(), Option<TextRange>> {
    let Some((seg, rest)) = path.split_first() else { return Ok(()) };
    let fresh = |next: Option<&MSeg>| match next {
        Some(MSeg::Index(_)) => Value::List(Vec::new()),
        _ => Value::Record(Record { range: Some(range), ..Record::default() }),
    };
    let (name, variant) = match seg {
        MSeg::Field(n) => (n, None),
        MSeg::Variant(n, v) => (n, Some(v)),
        MSeg::Index(_) => return Ok(()),
    };
    if rest.is_empty() {
        match record.entries.get_mut(name) {
            None => {
                let value = match value {
                    Value::Variant(tag, mut r) => {
                        r.range = Some(range);
                        Value::Variant(tag, r)
                    }
                    v => v,
                };
                record.entries.insert(name.clone(), Entry { value, comments: Vec::new(), range });
            }
            Some(existing) => match (&mut existing.value, value) {
                // A union's `type` after its settings: name the variant.
                (Value::Variant(tag, _), Value::Variant(new, _)) if tag.is_empty() || *tag == new => *tag = new,
                (old, new) if old.same(&new) => {}
                _ => return Err(Some(existing.range)),
            },
        }
        return Ok(());
    }
    let entry = record.entries.entry(name.clone()).or_insert_with(|| Entry {
        value: match variant {
            Some(v) => Value::Variant(
                if v == "*" { String::new() } else { v.clone() },
                Record { range: Some(range), ..Record::default() },
            ),
            None => fresh(rest.first()),
        },
        comments: Vec::new(),
        range,
    });
    let at = entry.range;
    match (&mut entry.value, variant) {
        (Value::Variant(tag, r), Some(v)) => {
            if tag.is_empty() && v != "*" {
                *tag = v.clone();
            } else if v != "*" && tag != v {
                return Err(Some(at));
            }
            set_in(r, rest, value, range)
        }
        (Value::Record(r), None) => set_in(r, rest, value, range),
        (Value::List(items), None) => {
            let MSeg::Index(i) = rest[0] else { return Err(Some(at)) };
            if rest.len() == 1 {
                let item = Item { value, comments: Vec::new() };
                if i < items.len() {
                    items[i] = item;
                } else {
                    items.push(item);
                }
                return Ok(());
            }
            while items.len() <= i {
                items.push(Item { value: fresh(rest.get(1)), comments: Vec::new() });
            }
            match &mut items[i].value {
                Value::Record(r) => set_in(r, &rest[1..], value, range),
                _ => Err(Some(at)),
            }
        }
        _ => Err(Some(at)),
    }
}

fn no_equivalent(node: &Node, file: FileId) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(Code::YamlValue, Span::new(file, node.range), "this key has no `.msp` equivalent"))
}

/// The comment list of the `.msp` value at `path`, if it exists.
fn comment_slot<'m>(record: &'m mut Record, path: &[MSeg]) -> Option<&'m mut Vec<Comment>> {
    let (first, rest) = path.split_first()?;
    let name = match first {
        MSeg::Field(n) | MSeg::Variant(n, _) => n,
        MSeg::Index(_) => return None,
    };
    let entry = record.entries.get_mut(name)?;
    if rest.is_empty() {
        return Some(&mut entry.comments);
    }
    match (&mut entry.value, &rest[0]) {
        (Value::Record(r) | Value::Variant(_, r), _) => comment_slot(r, rest),
        (Value::List(items), MSeg::Index(i)) => {
            let item = items.get_mut(*i)?;
            if rest.len() == 1 {
                return Some(&mut item.comments);
            }
            match &mut item.value {
                Value::Record(r) => comment_slot(r, &rest[1..]),
                _ => None,
            }
        }
        _ => None,
    }
}

/// What a YAML key takes, in YAML's terms.
fn yaml_describe(ty: &Ty, unit: Option<u64>) -> String {
    match (ty, unit) {
        (Ty::Size, None) => "a size in Kubernetes units (`512Mi`, `1Gi`)".into(),
        (Ty::Size, Some(_)) => "a whole number of GB".into(),
        (Ty::Duration, Some(60)) => "a whole number of minutes".into(),
        (Ty::Duration, Some(_)) => "a whole number of seconds".into(),
        (Ty::Enum(_) | Ty::Union(_) | Ty::Secret, _) => "a string".into(),
        (Ty::List(t), _) => match **t {
            Ty::String | Ty::Secret | Ty::Enum(_) => "a list of strings".into(),
            Ty::Int => "a list of integers".into(),
            _ => "a list".into(),
        },
        (t, _) => t.describe(),
    }
}

/// MSP's `env` templates as interpolation. Only the two values MSP passes
/// exist; anything else in `{{ }}` would fail in MSP too.
pub fn template_string(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        out.push_str(&escape(&rest[..open]));
        let Some(close) = rest[open..].find("}}") else {
            return Err(format!("`{s}` has a `{{{{` without its `}}}}`"));
        };
        let inner = rest[open + 2..open + close].trim();
        let inner = inner.strip_prefix('-').unwrap_or(inner).strip_suffix('-').unwrap_or(inner).trim();
        match inner {
            ".ProjectID" => out.push_str("${environment.project_id}"),
            ".ServiceDnsName" => out.push_str(DNS_NAME),
            other => {
                return Err(format!(
                    "`{{{{ {other} }}}}` is not a value MSP templates have: only `{{{{ .ProjectID }}}}` and `{{{{ .ServiceDnsName }}}}`"
                ));
            }
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(&escape(rest));
    Ok(out)
}

/// Seconds of a Go duration string made of hours, minutes and seconds
/// (`1h30m`, `300s`), as `time.ParseDuration` reads them; `None` otherwise.
fn go_duration_seconds(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut any = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
        any = true;
    }
    (any && number.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::schema::{Constraint, Pattern};

    #[test]
    fn go_durations_read_as_go_reads_them() {
        assert_eq!(go_duration_seconds("300s"), Some(300));
        assert_eq!(go_duration_seconds("5m"), Some(300));
        assert_eq!(go_duration_seconds("1h30m"), Some(5400));
        for bad in ["", "5", "5x", "m", "1.5m", "-60s"] {
            assert_eq!(go_duration_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn templates_become_interpolation() {
        assert_eq!(template_string("{{ .ProjectID }}-x").unwrap(), "${environment.project_id}-x");
        assert_eq!(template_string("https://{{.ServiceDnsName}}/").unwrap(), format!("https://{DNS_NAME}/"));
        assert_eq!(template_string("a ${b} \"q\"").unwrap(), "a \\${b} \\\"q\\\"");
        assert!(template_string("{{ .Env }}").unwrap_err().contains(".Env"));
        assert!(template_string("{{ .ProjectID").is_err());
    }

    fn list_of_strings(constraints: Vec<Constraint>) -> FieldDef {
        FieldDef {
            name: "xs".into(),
            ty: Ty::List(Box::new(Ty::String)),
            optional: false,
            default: None,
            constraints,
            only: None,
            label: false,
            defaults_of: None,
            doc: None,
            span: Span::new(FileId(0), TextRange::empty(0)),
        }
    }

    fn read(def: &FieldDef, yaml: &str) -> Result<Value, Box<Diagnostic>> {
        let node = super::super::yaml::parse(yaml).unwrap().unwrap();
        let conv = Converter::new(FileId(0), "", "", Vec::new());
        conv.typed("xs", def, &def.ty, &node, Reading { unit: None, template: false, item: false })
    }

    #[test]
    fn a_lists_len_counts_its_items_not_their_characters() {
        // Two or three items, each a lowercase word: one-letter items are fine.
        let pattern = Pattern { regex: regex::Regex::new("^[a-z]+$").unwrap(), what: "a lowercase word".into() };
        let def = list_of_strings(vec![Constraint::Len(2, Some(3)), Constraint::Pattern(pattern)]);
        assert!(read(&def, "[a, b]").is_ok());
        // Item constraints still apply to each item.
        let err = read(&def, "[a, B]").unwrap_err();
        assert_eq!(err.message, "`B` is not a lowercase word");
        // The stdlib's `owners` is `@len(1)`: an empty owner is judged by its pattern,
        // not called an empty list.
        let owners = &stdlib().index.schema("Service").fields["owners"];
        let err = read(owners, "[\"\"]").unwrap_err();
        assert!(err.message.starts_with("`` is not "), "{}", err.message);
    }
}
