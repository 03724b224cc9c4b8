//! A small vocabulary for generated Terraform, rendered through hcl-rs and
//! then aligned the way `terraform fmt` aligns (hcl-rs does not align `=`).
//!
//! User-provided text only ever enters as `Expr::Str` (escaped by hcl-rs) or
//! as the literal parts of a template (escaped here). References are built
//! from names the generator chose, checked by `Ref::new`.

use hcl::expr::{FuncCall, TemplateExpr, Variable};
use hcl::{Attribute, Block, Body, Expression, Identifier, Number, Object, ObjectKey};

/// A reference to something the generator named: `google_project.project.project_id`,
/// `each.value`, `local.labels`, `google_sql_database.databases["x"].name`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ref(String);

impl Ref {
    /// Panics on text that is not a plain traversal: references are written
    /// by this crate from fixed names, so a bad one is a bug here, never input.
    pub fn new(text: impl Into<String>) -> Ref {
        let text = text.into();
        assert!(is_traversal(&text), "not a traversal: {text:?}");
        Ref(text)
    }

    /// `self.attr`
    pub fn dot(&self, attr: &str) -> Ref {
        Ref::new(format!("{}.{attr}", self.0))
    }

    /// `self[i]`
    pub fn at(&self, i: usize) -> Ref {
        Ref::new(format!("{}[{i}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_traversal(s: &str) -> bool {
    let mut rest = s;
    let mut first = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { return false };
            let inner = &r[..end];
            let ok = inner.chars().all(|c| c.is_ascii_digit()) && !inner.is_empty()
                || inner.len() >= 2
                    && inner.starts_with('"')
                    && inner.ends_with('"')
                    && !inner[1..inner.len() - 1].contains(['"', '\\', '$', '%']);
            if !ok || first {
                return false;
            }
            rest = &r[end + 1..];
        } else {
            let r = if first {
                rest
            } else if let Some(r) = rest.strip_prefix('.') {
                r
            } else {
                return false;
            };
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if !is_ident(&r[..end]) {
                return false;
            }
            rest = &r[end..];
        }
        first = false;
    }
    !first
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Ref(Ref),
    /// `"text ${ref} text"`
    Template(Vec<Part>),
    List(Vec<Expr>),
    /// Keys are written as identifiers when they can be, else quoted.
    Object(Vec<(String, Expr)>),
    Call(&'static str, Vec<Expr>),
    /// A multi-line string as a heredoc (`<<-EOT`).
    Heredoc(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    Ref(Ref),
}

pub fn s(v: impl Into<String>) -> Expr {
    Expr::Str(v.into())
}

pub fn r(v: impl Into<String>) -> Expr {
    Expr::Ref(Ref::new(v))
}

pub fn b(v: bool) -> Expr {
    Expr::Bool(v)
}

pub fn n(v: impl Into<i64>) -> Expr {
    Expr::Int(v.into())
}

pub fn list(items: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::List(items.into_iter().collect())
}

pub fn strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Expr {
    Expr::List(items.into_iter().map(|i| s(i.as_ref())).collect())
}

pub fn obj<K: Into<String>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Expr {
    Expr::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

pub fn call(f: &'static str, args: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Call(f, args.into_iter().collect())
}

/// A template from literal text and references: `tpl([lit("projects/"), rf(x)])`.
pub fn tpl(parts: impl IntoIterator<Item = Part>) -> Expr {
    Expr::Template(parts.into_iter().collect())
}

pub fn lit(v: impl Into<String>) -> Part {
    Part::Lit(v.into())
}

pub fn rf(v: impl Into<String>) -> Part {
    Part::Ref(Ref::new(v))
}

/// Escapes literal template text as HCL reads it inside quotes.
fn escape_template_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("$$"),
            '%' if chars.peek() == Some(&'{') => out.push_str("%%"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

impl Expr {
    fn to_hcl(&self) -> Expression {
        match self {
            Expr::Str(v) => Expression::String(v.clone()),
            Expr::Int(v) => Expression::Number(Number::from(*v)),
            Expr::Float(v) => Number::from_f64(*v).map_or(Expression::Null, Expression::Number),
            Expr::Bool(v) => Expression::Bool(*v),
            Expr::Null => Expression::Null,
            Expr::Ref(r) => Expression::Variable(Variable::unchecked(r.0.clone())),
            Expr::Template(parts) => {
                // A template that is one reference is just the reference.
                if let [Part::Ref(r)] = parts.as_slice() {
                    return Expr::Ref(r.clone()).to_hcl();
                }
                let mut text = String::new();
                for p in parts {
                    match p {
                        Part::Lit(l) => text.push_str(&escape_template_literal(l)),
                        Part::Ref(r) => {
                            text.push_str("${");
                            text.push_str(&r.0);
                            text.push('}');
                        }
                    }
                }
                Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(text)))
            }
            Expr::List(items) => Expression::Array(items.iter().map(Expr::to_hcl).collect()),
            Expr::Object(entries) => {
                let mut o = Object::new();
                for (k, v) in entries {
                    let key = if is_ident(k) {
                        ObjectKey::Identifier(Identifier::unchecked(k.clone()))
                    } else {
                        ObjectKey::Expression(Expression::String(k.clone()))
                    };
                    o.insert(key, v.to_hcl());
                }
                Expression::Object(o)
            }
            Expr::Call(f, args) => {
                let mut c = FuncCall::builder(Identifier::unchecked(*f));
                for a in args {
                    c = c.arg(a.to_hcl());
                }
                Expression::FuncCall(Box::new(c.build()))
            }
            Expr::Heredoc(text) => {
                // Heredocs keep `${` literal only when escaped.
                let mut body = text.replace("${", "$${").replace("%{", "%%{");
                if !body.ends_with('\n') {
                    body.push('\n');
                }
                let heredoc = hcl::expr::Heredoc::new(Identifier::unchecked("EOT"), body)
                    .with_strip_mode(hcl::expr::HeredocStripMode::Indent);
                Expression::TemplateExpr(Box::new(TemplateExpr::Heredoc(heredoc)))
            }
        }
    }
}

/// A block under construction: attributes and nested blocks, in order.
#[derive(Clone, Debug, Default)]
pub struct Blk {
    ident: String,
    labels: Vec<String>,
    items: Vec<Item>,
}

#[derive(Clone, Debug)]
enum Item {
    Attr(String, Expr),
    Block(Blk),
    /// A `# comment` line before the next item.
    Comment(String),
}

impl Blk {
    pub fn new(ident: &str) -> Blk {
        Blk { ident: ident.to_string(), ..Blk::default() }
    }

    pub fn labeled(ident: &str, labels: &[&str]) -> Blk {
        Blk { ident: ident.to_string(), labels: labels.iter().map(|l| l.to_string()).collect(), items: Vec::new() }
    }

    /// `resource "type" "name" { … }`
    pub fn resource(ty: &str, name: &str) -> Blk {
        Blk::labeled("resource", &[ty, name])
    }

    /// `data "type" "name" { … }`
    pub fn data(ty: &str, name: &str) -> Blk {
        Blk::labeled("data", &[ty, name])
    }

    pub fn set(mut self, key: &str, value: Expr) -> Blk {
        self.items.push(Item::Attr(key.to_string(), value));
        self
    }

    /// Sets `key` only when there is a value.
    pub fn set_opt(self, key: &str, value: Option<Expr>) -> Blk {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    pub fn block(mut self, child: Blk) -> Blk {
        self.items.push(Item::Block(child));
        self
    }

    pub fn block_if(self, cond: bool, child: impl FnOnce() -> Blk) -> Blk {
        if cond { self.block(child()) } else { self }
    }

    pub fn blocks(mut self, children: impl IntoIterator<Item = Blk>) -> Blk {
        self.items.extend(children.into_iter().map(Item::Block));
        self
    }

    /// A `# …` comment above what is added next (e.g. `# checkov:skip=…`).
    pub fn comment(mut self, text: &str) -> Blk {
        self.items.push(Item::Comment(text.to_string()));
        self
    }

    /// `lifecycle { prevent_destroy = … }` etc.
    pub fn lifecycle(self, lifecycle: Blk) -> Blk {
        self.block(lifecycle)
    }

    /// A comment becomes a sentinel attribute at its exact place (hcl-rs
    /// has no comments); `restore_comments` turns it back into `# …`.
    fn to_hcl(&self, comments: &mut Vec<String>) -> Block {
        let mut b = Block::builder(Identifier::unchecked(self.ident.clone()));
        for l in &self.labels {
            b = b.add_label(l.as_str());
        }
        for item in &self.items {
            match item {
                Item::Attr(k, v) => {
                    b = b.add_attribute(Attribute::new(Identifier::unchecked(k.clone()), v.to_hcl()));
                }
                Item::Block(child) => b = b.add_block(child.to_hcl(comments)),
                Item::Comment(c) => {
                    let key = format!("{COMMENT_SENTINEL}{}", comments.len());
                    comments.push(c.clone());
                    b = b.add_attribute(Attribute::new(Identifier::unchecked(key), Expression::Null));
                }
            }
        }
        b.build()
    }
}

/// No generated attribute starts with this, and it is a valid identifier.
const COMMENT_SENTINEL: &str = "__mspc_comment_";

/// Replaces each sentinel line with its comment, at the same indentation.
fn restore_comments(text: &str, comments: &[String]) -> String {
    if comments.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        let index = trimmed
            .strip_prefix(COMMENT_SENTINEL)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok());
        match index.and_then(|i| comments.get(i)) {
            Some(c) => {
                let indent = &line[..line.len() - trimmed.len()];
                out.push_str(&format!("{indent}# {c}\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// A whole file: top-level blocks with optional comments above them.
#[derive(Clone, Debug, Default)]
pub struct File {
    header: Vec<String>,
    blocks: Vec<(Vec<String>, Blk)>,
}

impl File {
    pub fn new() -> File {
        File::default()
    }

    /// A comment at the top of the file.
    pub fn header(mut self, line: &str) -> File {
        self.header.push(line.to_string());
        self
    }

    pub fn add(&mut self, block: Blk) {
        self.blocks.push((Vec::new(), block));
    }

    /// Adds a block with `# comment` lines above it.
    pub fn add_commented(&mut self, comments: &[&str], block: Blk) {
        self.blocks.push((comments.iter().map(|c| c.to_string()).collect(), block));
    }

    pub fn extend(&mut self, blocks: impl IntoIterator<Item = Blk>) {
        for b in blocks {
            self.add(b);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Renders the file as `terraform fmt` would format it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for h in &self.header {
            out.push_str(&format!("# {h}\n"));
        }
        if !self.header.is_empty() {
            out.push('\n');
        }
        for (i, (comments, blk)) in self.blocks.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for c in comments {
                out.push_str(&format!("# {c}\n"));
            }
            let mut inner_comments = Vec::new();
            let body = Body::builder().add_block(blk.to_hcl(&mut inner_comments)).build();
            let text = hcl::format::to_string(&body).unwrap_or_default();
            out.push_str(&empty_blocks(&restore_comments(&text, &inner_comments)));
        }
        super::align::align(&out)
    }
}

/// `auto {    }` → `auto {}`, as `terraform fmt` writes an empty block.
fn empty_blocks(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_end();
            match t.strip_suffix('}').map(str::trim_end).and_then(|x| x.strip_suffix('{')) {
                Some(head) if !head.trim().is_empty() && !head.contains('=') => format!("{} {{}}", head.trim_end()),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_checked() {
        assert!(is_traversal("google_project.project.project_id"));
        assert!(is_traversal("google_sql_database.databases[\"a-b\"].name"));
        assert!(is_traversal("data.terraform_remote_state.iam.outputs.cloud_run_service_account"));
        assert!(is_traversal("x[0].y"));
        assert!(!is_traversal("a.b c"));
        assert!(!is_traversal("\"${x}\""));
        assert!(!is_traversal("[0]"));
        assert!(!is_traversal("a[\"${x}\"]"));
    }

    #[test]
    fn templates_escape_their_literal_parts() {
        let e = tpl([lit("a \"q\" ${not} "), rf("local.x"), lit("\n")]);
        let mut f = File::new();
        f.add(Blk::new("locals").set("v", e));
        assert_eq!(f.render(), "locals {\n  v = \"a \\\"q\\\" $${not} ${local.x}\\n\"\n}\n");
    }

    #[test]
    fn comments_stay_above_the_item_they_were_added_before() {
        let blk = Blk::new("a")
            .comment("first")
            .set("secret", s("x"))
            .set("version", s("1"))
            .comment("second")
            .set("secret", s("y"))
            .block(Blk::new("inner").comment("third").set("k", n(1)));
        let mut f = File::new();
        f.add(blk);
        assert_eq!(
            f.render(),
            "a {\n  # first\n  secret  = \"x\"\n  version = \"1\"\n  # second\n  secret = \"y\"\n\n  inner {\n    # third\n    k = 1\n  }\n}\n"
        );
    }

    #[test]
    fn plain_strings_are_escaped_by_hcl() {
        let mut f = File::new();
        f.add(Blk::new("locals").set("v", s("${x} \"y\"")));
        assert_eq!(f.render(), "locals {\n  v = \"$${x} \\\"y\\\"\"\n}\n");
    }
}
