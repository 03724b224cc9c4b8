//! A small vocabulary for generated Terraform, and its printer.
//!
//! The printer writes each line as hcl-rs 0.20's formatter wrote it when it
//! rendered these files, and `align::Lines` lays the lines out as they
//! arrive (comments, empty blocks, `=` columns) into one buffer sized up
//! front. Building hcl-rs's tree (a copy of every string), formatting it and
//! re-reading the text line by line three times took more than half of a
//! build's CPU. The output is the same byte for byte: the old renderer is
//! kept as the tests' oracle (`mod oracle`).
//!
//! User-provided text only ever enters as `Expr::Str` (escaped when written)
//! or as the literal parts of a template (escaped here). References are built
//! from names the generator chose, checked by `Ref::new`.

use std::fmt::Write;

use super::align::{Lines, strip_cr};

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

impl Expr {
    /// About the length of the value rendered, `depth` levels in.
    fn size_hint(&self, depth: usize) -> usize {
        let indent = 2 * depth;
        match self {
            Expr::Str(v) => v.len() + 2,
            Expr::Int(_) | Expr::Float(_) | Expr::Bool(_) | Expr::Null => 5,
            Expr::Ref(r) => r.0.len(),
            Expr::Template(parts) => {
                let text: usize = parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(l) => l.len(),
                        Part::Ref(r) => r.0.len() + 3,
                    })
                    .sum();
                text + 2
            }
            Expr::List(items) => indent + 2 + items.iter().map(|i| indent + 4 + i.size_hint(depth + 1)).sum::<usize>(),
            Expr::Object(entries) => {
                indent + 2 + entries.iter().map(|(k, v)| indent + k.len() + 8 + v.size_hint(depth + 1)).sum::<usize>()
            }
            Expr::Call(f, args) => f.len() + 2 + args.iter().map(|a| a.size_hint(depth) + 2).sum::<usize>(),
            Expr::Heredoc(text) => text.len() + indent + 12,
        }
    }
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

    /// About the length of the block rendered, a little over as a rule.
    fn size_hint(&self, depth: usize) -> usize {
        let indent = 2 * depth;
        let head = indent + self.ident.len() + self.labels.iter().map(|l| l.len() + 3).sum::<usize>() + 4;
        let items: usize = self
            .items
            .iter()
            .map(|item| match item {
                // Indentation, ` = `, some alignment and the line break.
                Item::Attr(key, value) => indent + key.len() + 10 + value.size_hint(depth + 1),
                Item::Block(child) => child.size_hint(depth + 1) + 1,
                Item::Comment(c) => indent + c.len() + 5,
            })
            .sum();
        head + items + indent + 2
    }

    /// Every comment in the block and the blocks inside it, in order.
    fn comments<'a>(&'a self, out: &mut Vec<&'a str>) {
        for item in &self.items {
            match item {
                Item::Attr(..) => {}
                Item::Block(child) => child.comments(out),
                Item::Comment(c) => out.push(c),
            }
        }
    }
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
        let mut p = Printer { lines: Lines::with_capacity(self.size_hint()), ..Printer::default() };
        for h in &self.header {
            p.lines.outer_comment(h);
        }
        if !self.header.is_empty() {
            p.lines.outer_blank();
        }
        for (i, (comments, blk)) in self.blocks.iter().enumerate() {
            if i > 0 {
                p.lines.outer_blank();
            }
            for c in comments {
                p.lines.outer_comment(c);
            }
            p.top_block(blk);
        }
        p.lines.finish()
    }

    /// About the length of the file rendered, and a sixteenth more (the
    /// estimate is within a few percent of it), so that the buffer is
    /// allocated once instead of grown and copied a dozen times.
    fn size_hint(&self) -> usize {
        let comments = |c: &[String]| c.iter().map(|c| c.len() + 3).sum::<usize>();
        let blocks: usize = self.blocks.iter().map(|(c, b)| comments(c) + b.size_hint(0) + 1).sum();
        let estimate = comments(&self.header) + 1 + blocks;
        estimate + estimate / 16
    }
}

/// hcl-rs has no comments, so the renderer before this one wrote each as
/// `__mspc_comment_N = null` and then turned every line starting so into
/// comment N: a line of heredoc text or an object key that starts so too.
/// No generated attribute does, and such a line still becomes that comment,
/// so that the output is what it was.
const COMMENT_SENTINEL: &str = "__mspc_comment_";

/// The comment a line that looked like a comment sentinel stood for.
fn sentinel_index(line: &str) -> Option<usize> {
    line.trim_start()
        .strip_prefix(COMMENT_SENTINEL)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<usize>().ok())
}

/// Where hcl-rs's formatter was between items of a body; it decides the
/// blank lines.
#[derive(Clone, Copy, Default, PartialEq)]
enum State {
    #[default]
    Start,
    AfterAttribute,
    AfterBlock,
    BodyStart,
}

/// Writes blocks as hcl-rs 0.20's formatter did, line by line into `Lines`.
#[derive(Default)]
struct Printer<'a> {
    lines: Lines,
    /// The line being written.
    line: String,
    /// In steps of two spaces.
    indent: usize,
    state: State,
    /// The comments of the top-level block being written, for lines that
    /// look like a sentinel.
    comments: Vec<&'a str>,
}

impl<'a> Printer<'a> {
    fn top_block(&mut self, blk: &'a Blk) {
        self.comments.clear();
        blk.comments(&mut self.comments);
        self.state = State::Start;
        self.indent = 0;
        self.block(blk);
    }

    fn block(&mut self, blk: &Blk) {
        self.begin_item(true);
        self.raw(&blk.ident);
        for l in &blk.labels {
            self.line.push(' ');
            write_quoted(&mut self.line, l);
        }
        self.line.push_str(" {");
        self.indent += 1;
        self.state = State::BodyStart;
        for item in &blk.items {
            match item {
                Item::Attr(key, value) => self.attribute(key, value),
                Item::Block(child) => self.block(child),
                Item::Comment(c) => self.comment(c),
            }
        }
        self.indent -= 1;
        self.state = State::AfterBlock;
        self.write_indent();
        self.line.push('}');
        self.end_line();
    }

    fn attribute(&mut self, key: &str, value: &Expr) {
        self.begin_item(false);
        self.raw(key);
        self.line.push_str(" = ");
        self.expr(value, false);
        self.state = State::AfterAttribute;
        self.end_line();
    }

    /// Stands where its sentinel attribute stood, so it spaces items alike.
    fn comment(&mut self, text: &str) {
        self.begin_item(false);
        self.comment_lines(text);
        self.state = State::AfterAttribute;
    }

    /// A blank line between a block and its neighbours (hcl-rs's non-dense
    /// layout), and the line break after a block's `{`.
    fn begin_item(&mut self, is_block: bool) {
        let newline = match self.state {
            State::Start => false,
            State::AfterAttribute => is_block,
            State::AfterBlock | State::BodyStart => true,
        };
        if newline {
            self.end_line();
        }
        self.write_indent();
    }

    /// `# text` after the indentation already in `line`; a comment that
    /// spans lines continues unindented.
    fn comment_lines(&mut self, text: &str) {
        self.line.push_str("# ");
        self.line.push_str(text);
        for l in self.line.split('\n') {
            self.lines.inner(l);
        }
        self.line.clear();
    }

    fn end_line(&mut self) {
        if self.comments.is_empty() {
            self.lines.inner(&self.line);
        } else {
            // The comment pass split lines too, dropping a `\r` more.
            let line = strip_cr(&self.line);
            match sentinel_index(line).and_then(|i| self.comments.get(i).copied()) {
                Some(c) => {
                    let indent = line.len() - line.trim_start().len();
                    self.line.truncate(indent);
                    self.comment_lines(c);
                }
                None => self.lines.inner(line),
            }
        }
        self.line.clear();
    }

    fn write_indent(&mut self) {
        for _ in 0..self.indent {
            self.line.push_str("  ");
        }
    }

    fn newline_indent(&mut self) {
        self.end_line();
        self.write_indent();
    }

    /// Unchecked text (keys, block types, function names), which hcl-rs
    /// wrote as given.
    fn raw(&mut self, text: &str) {
        let mut parts = text.split('\n');
        self.line.push_str(parts.next().unwrap_or_default());
        for part in parts {
            self.end_line();
            self.line.push_str(part);
        }
    }

    /// Inside a function call's arguments (`compact`), lists and objects
    /// stay on one line.
    fn expr(&mut self, e: &Expr, compact: bool) {
        match e {
            Expr::Str(v) => write_quoted(&mut self.line, v),
            Expr::Int(v) => {
                let _ = write!(self.line, "{v}");
            }
            Expr::Float(v) => write_float(&mut self.line, *v),
            Expr::Bool(v) => self.line.push_str(if *v { "true" } else { "false" }),
            Expr::Null => self.line.push_str("null"),
            Expr::Ref(r) => self.line.push_str(&r.0),
            Expr::Template(parts) => write_template(&mut self.line, parts),
            Expr::List(items) => self.list(items, compact),
            Expr::Object(entries) => self.object(entries, compact),
            Expr::Call(f, args) => {
                self.raw(f);
                self.line.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.line.push_str(", ");
                    }
                    self.expr(a, true);
                }
                self.line.push(')');
            }
            Expr::Heredoc(text) => self.heredoc(text),
        }
    }

    /// `[a, b]` when compact, else one item a line without a trailing comma.
    fn list(&mut self, items: &[Expr], compact: bool) {
        self.line.push('[');
        if compact {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.line.push_str(", ");
                }
                self.expr(item, true);
            }
        } else {
            self.indent += 1;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.line.push(',');
                }
                self.newline_indent();
                self.expr(item, false);
            }
            self.indent -= 1;
            if !items.is_empty() {
                self.newline_indent();
            }
        }
        self.line.push(']');
    }

    /// `{ a = 1, b = 2 }` when compact, else one entry a line.
    fn object(&mut self, entries: &[(String, Expr)], compact: bool) {
        self.line.push('{');
        let mut any = false;
        if !compact {
            self.indent += 1;
        }
        for (key, value) in unique_entries(entries) {
            if compact {
                self.line.push_str(if any { ", " } else { " " });
            } else {
                self.newline_indent();
            }
            any = true;
            write_key(&mut self.line, key);
            self.line.push_str(" = ");
            self.expr(value, compact);
        }
        if compact {
            if any {
                self.line.push(' ');
            }
        } else {
            self.indent -= 1;
            if any {
                self.newline_indent();
            }
        }
        self.line.push('}');
    }

    /// `<<-EOT`, the text as it is but for `${`/`%{` (which would be
    /// interpolated), and `EOT` at the current indentation.
    fn heredoc(&mut self, text: &str) {
        self.line.push_str("<<-EOT");
        self.end_line();
        for l in text.strip_suffix('\n').unwrap_or(text).split('\n') {
            write_doubling_markers(&mut self.line, l, false);
            self.end_line();
        }
        self.write_indent();
        self.line.push_str("EOT");
    }
}

/// An object's entries as hcl-rs's map kept them: a repeated key keeps its
/// first place and takes its last value. (Objects are small: comparing
/// keys pairwise costs less than hashing them.)
fn unique_entries(entries: &[(String, Expr)]) -> impl Iterator<Item = (&str, &Expr)> {
    entries.iter().enumerate().filter_map(|(i, (key, first))| {
        if entries[..i].iter().any(|(k, _)| k == key) {
            return None;
        }
        let last = entries[i + 1..].iter().rev().find(|(k, _)| k == key).map_or(first, |(_, v)| v);
        Some((key.as_str(), last))
    })
}

/// Identifiers as they are, except the words HCL reads as values.
fn write_key(out: &mut String, key: &str) {
    if is_ident(key) && !matches!(key, "true" | "false" | "null" | "for") {
        out.push_str(key);
    } else {
        write_quoted(out, key);
    }
}

/// A quoted string as hcl-rs escapes it: its `escape_markers` doubles the
/// `$` or `%` of `${` and `%{`, though from its first marker on it reads two
/// characters at a time (so of `$${` only the first is taken as `$`
/// followed by something else); then JSON's escapes.
fn write_quoted(out: &mut String, text: &str) {
    out.push('"');
    let first_marker = text.as_bytes().windows(2).position(|w| matches!(w, b"${" | b"%{"));
    match first_marker {
        None => write_escaped(out, text),
        Some(at) => {
            write_escaped(out, &text[..at]);
            let mut chars = text[at..].chars();
            while let Some(c) = chars.next() {
                write_escaped_char(out, c);
                if c == '$' || c == '%' {
                    match chars.next() {
                        Some('{') => {
                            out.push(c);
                            out.push('{');
                        }
                        Some(next) => write_escaped_char(out, next),
                        None => break,
                    }
                }
            }
        }
    }
    out.push('"');
}

/// `"text ${ref} text"`; a template that is one reference is just the
/// reference.
fn write_template(out: &mut String, parts: &[Part]) {
    if let [Part::Ref(r)] = parts {
        out.push_str(&r.0);
        return;
    }
    out.push('"');
    for p in parts {
        match p {
            Part::Lit(l) => write_doubling_markers(out, l, true),
            Part::Ref(r) => {
                out.push_str("${");
                out.push_str(&r.0);
                out.push('}');
            }
        }
    }
    out.push('"');
}

/// Writes `text` with every `$` or `%` that comes before a `{` doubled, so
/// HCL reads it as text; `escape` for text inside quotes.
fn write_doubling_markers(out: &mut String, text: &str, escape: bool) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if (c == '$' || c == '%') && chars.peek() == Some(&'{') {
            out.push(c);
        }
        if escape {
            write_escaped_char(out, c);
        } else {
            out.push(c);
        }
    }
}

/// JSON's escapes, which hcl-rs uses for quoted strings.
fn write_escaped(out: &mut String, text: &str) {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.push_str(&text[from..i]);
            write_escaped_char(out, char::from(b));
            from = i + 1;
        }
    }
    out.push_str(&text[from..]);
}

fn write_escaped_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => out.push(c),
    }
}

/// A float as hcl-rs's `Number` writes it: `null` unless finite, a whole
/// number that fits `i64` or `u64` as that integer, else the shortest digits
/// that read back the same, laid out as the `ryu` crate lays them out.
fn write_float(out: &mut String, v: f64) {
    const I64_MIN: f64 = -9_223_372_036_854_775_808.0;
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    let whole = v.fract() == 0.0;
    if !v.is_finite() {
        out.push_str("null");
    } else if whole && (I64_MIN..0.0).contains(&v) {
        let _ = write!(out, "{}", v as i64);
    } else if whole && (0.0..U64_END).contains(&v) {
        let _ = write!(out, "{}", v as u64);
    } else {
        write_shortest(out, v);
    }
}

/// `ryu`'s digits and layout: plain up to 16 digits before the point and 5
/// zeros after it (`123.45`, `0.0001`), else `1.5e-7`, `1e21`.
fn write_shortest(out: &mut String, v: f64) {
    // `{:e}` finds as few digits as ryu, but where two such read back as
    // `v` and are equally close it takes the larger, ryu the even one;
    // rounding to that many digits (ties to even) finds ryu's.
    let shortest = format!("{:e}", v.abs());
    let digits = shortest.bytes().take_while(|b| *b != b'e').filter(u8::is_ascii_digit).count();
    let even = format!("{:.*e}", digits - 1, v.abs());
    let sci = if even.parse() == Ok(v.abs()) { even } else { shortest };
    let (mantissa, exponent) = sci.split_once('e').expect("`{:e}` writes an exponent");
    let exponent: isize = exponent.parse().expect("`{:e}` writes an integer exponent");
    let (first, rest) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = || first.chars().chain(rest.chars());
    let length = (first.len() + rest.len()) as isize;
    // The point goes after `point` digits.
    let point = exponent + 1;
    if v.is_sign_negative() {
        out.push('-');
    }
    if point >= length && point <= 16 {
        out.extend(digits());
        out.extend(std::iter::repeat_n('0', (point - length) as usize));
        out.push_str(".0");
    } else if 0 < point && point <= 16 {
        out.extend(digits().take(point as usize));
        out.push('.');
        out.extend(digits().skip(point as usize));
    } else if -5 < point && point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', -point as usize));
        out.extend(digits());
    } else {
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(out, "e{}", point - 1);
    }
}

/// The renderer this printer replaced, kept to test it against: hcl-rs's
/// tree and formatter, then the comment, empty-block and alignment passes.
#[cfg(test)]
mod oracle {
    use super::{Blk, COMMENT_SENTINEL, Expr, File, Item, Part, is_ident};
    use hcl::expr::{FuncCall, TemplateExpr, Variable};
    use hcl::{Attribute, Block, Body, Expression, Identifier, Number, Object, ObjectKey};

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

    impl Blk {
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

    pub fn render(file: &File) -> String {
        let mut out = String::new();
        for h in &file.header {
            out.push_str(&format!("# {h}\n"));
        }
        if !file.header.is_empty() {
            out.push('\n');
        }
        for (i, (comments, blk)) in file.blocks.iter().enumerate() {
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
        align(&out)
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

    pub fn align(text: &str) -> String {
        struct Line {
            indent: String,
            key: String,
            rest: String,
            /// A heredoc's body and terminator, which stay in the run.
            trailing: Vec<String>,
        }
        fn flush(run: &mut Vec<Line>, out: &mut Vec<String>) {
            let width = run.iter().map(|l| l.key.chars().count()).max().unwrap_or(0);
            for l in run.drain(..) {
                let pad = width - l.key.chars().count();
                out.push(format!("{}{}{} ={}", l.indent, l.key, " ".repeat(pad), l.rest));
                out.extend(l.trailing);
            }
        }

        let mut out: Vec<String> = Vec::new();
        let mut run: Vec<Line> = Vec::new();
        let mut heredoc: Option<String> = None;
        for line in text.lines() {
            if let Some(end) = &heredoc {
                if line.trim() == end {
                    heredoc = None;
                }
                run.last_mut().expect("a heredoc belongs to an attribute").trailing.push(line.to_string());
                continue;
            }
            let Some((indent, key, rest)) = split_attribute(line) else {
                flush(&mut run, &mut out);
                out.push(line.to_string());
                continue;
            };
            let r = rest.trim_end();
            if r.ends_with('{') || r.ends_with('[') || r.ends_with('(') {
                flush(&mut run, &mut out);
                out.push(line.to_string());
                continue;
            }
            if run.last().is_some_and(|l| l.indent != indent) {
                flush(&mut run, &mut out);
            }
            heredoc = heredoc_marker(&rest);
            run.push(Line { indent, key, rest, trailing: Vec::new() });
        }
        flush(&mut run, &mut out);
        let mut s = out.join("\n");
        s.push('\n');
        s
    }

    /// `  key = value` → ("  ", "key", " value"); keys may be quoted.
    fn split_attribute(line: &str) -> Option<(String, String, String)> {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let key_len = if let Some(rest) = trimmed.strip_prefix('"') {
            let mut escaped = false;
            let mut end = None;
            for (i, c) in rest.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i + 2);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            end?
        } else {
            let first = trimmed.chars().next()?;
            if !(first.is_ascii_alphabetic() || first == '_') {
                return None;
            }
            trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(trimmed.len())
        };
        let key = &trimmed[..key_len];
        let after = trimmed[key_len..].trim_start_matches(' ');
        let rest = after.strip_prefix('=')?;
        if rest.starts_with('=') {
            return None;
        }
        Some((indent.to_string(), key.to_string(), rest.to_string()))
    }

    fn heredoc_marker(rest: &str) -> Option<String> {
        let r = rest.trim();
        let m = r.strip_prefix("<<-").or_else(|| r.strip_prefix("<<"))?;
        (!m.is_empty() && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| m.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    fn file_of(blk: Blk) -> File {
        let mut f = File::new();
        f.add(blk);
        f
    }

    /// What the line passes did to lines of heredoc text (terraform reads
    /// them back changed) they still do.
    #[test]
    fn heredoc_text_goes_through_the_same_line_rules() {
        let f = file_of(
            Blk::new("a")
                .comment("c")
                .set("q", Expr::Heredoc("sum by (x) up{}\n__mspc_comment_0\nEOT\nx    = 1\nyy = 2\r\n".into()))
                .set("l", list([Expr::Heredoc("k = 1\nkk = 2".into()), n(1)])),
        );
        let expected = "a {\n  # c\n  q = <<-EOT\nsum by (x) up {}\n# c\nEOT\nx  = 1\nyy = 2\n  EOT\n  \
            l = [\n    <<-EOT\nk  = 1\nkk = 2\n    EOT,\n    1\n  ]\n}\n";
        assert_eq!(oracle::render(&f), expected);
        assert_eq!(f.render(), expected);
    }

    #[test]
    fn numbers_are_written_as_hcl_rs_wrote_them() {
        let floats =
            [0.1, -0.0, 1e21, 1e-7, 1.5e-7, 123.456, -2.5, 1e15 + 0.5, 2f64.powi(63), 2f64.powi(64), -2f64.powi(63)];
        let ints = [0, -1, i64::MIN, i64::MAX];
        let mut blk = Blk::new("n").set("nan", Expr::Float(f64::NAN)).set("inf", Expr::Float(f64::NEG_INFINITY));
        for (i, v) in floats.iter().enumerate() {
            blk = blk.set(&format!("f{i}"), Expr::Float(*v));
        }
        for (i, v) in ints.iter().enumerate() {
            blk = blk.set(&format!("i{i}"), n(*v));
        }
        let f = file_of(blk);
        assert_eq!(f.render(), oracle::render(&f));
    }

    #[test]
    fn an_empty_file_is_one_empty_line() {
        assert_eq!(File::new().render(), "\n");
        assert_eq!(oracle::render(&File::new()), "\n");
    }

    // Random files, rendered by the printer and by the renderer it replaced.

    /// Pieces strings are made of: what needs escaping, what looks like HCL
    /// to the line rules, and text from everywhere.
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "a", "b", "x", " ", "  ", "\t", "\n", "\n", "\r", "\r\n", "\r\r\r\n", "\"", "\\", "$", "%", "{", "}", "${",
        "%{", "$${", "%%{", "$$", "${x}", "=", " = ", "==", "[", "(", "#", "\u{0}", "\u{1b}", "\u{7f}", "é", "日本",
        "😀", "\u{2028}", "\u{a0}", "EOT", "\nEOT\n", "  EOT", "<<-EOT", "<<EOF", "x {  }", "up{}", " {}",
        "__mspc_comment_0", "__mspc_comment_1", "__mspc_comment_", "User-Agent", "k = v", "a = <<-EOT", "\"q\" = 1",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|p| p.concat()),
            1 => any::<String>(),
        ]
    }

    /// Attribute keys and block types: mostly what the generator writes.
    fn name() -> impl Strategy<Value = String> {
        const NAMES: &[&str] = &["a", "name", "project_id", "b-c", "_x", "labels", "for_each", "x1", "true"];
        prop_oneof![8 => prop::sample::select(NAMES).prop_map(String::from), 1 => text()]
    }

    /// Object keys, quoted unless identifiers, and repeated at times.
    fn key() -> impl Strategy<Value = String> {
        #[rustfmt::skip]
        const KEYS: &[&str] = &[
            "a", "bb", "a", "User-Agent", "a b", "1x", "", "true", "null", "for", "false", "x-y", "ключ", "${x}",
            "__mspc_comment_0",
        ];
        prop_oneof![3 => prop::sample::select(KEYS).prop_map(String::from), 1 => text()]
    }

    fn reference() -> impl Strategy<Value = String> {
        const REFS: &[&str] =
            &["local.x", "each.value", "google_project.p.project_id", "a[0].b", "x[\"k-1\"]", "v", "__mspc_comment_0"];
        prop::sample::select(REFS).prop_map(String::from)
    }

    /// Any float, small ones, and the ones hcl-rs writes in a way of their own.
    fn float() -> impl Strategy<Value = f64> {
        #[rustfmt::skip]
        const SPECIAL: &[f64] = &[
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e21, -0.0, 0.0, 0.1, 1e-7, 1e16, 9.3e18, 2e19, -9.3e18, 5e-324,
        ];
        prop_oneof![any::<f64>(), prop::sample::select(SPECIAL), -1e6..1e6f64]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            text().prop_map(Expr::Str),
            prop_oneof![any::<i64>(), Just(i64::MIN), -5i64..5].prop_map(Expr::Int),
            float().prop_map(Expr::Float),
            any::<bool>().prop_map(Expr::Bool),
            Just(Expr::Null),
            reference().prop_map(r),
            prop::collection::vec(
                prop_oneof![text().prop_map(Part::Lit), reference().prop_map(|v| Part::Ref(Ref::new(v)))],
                0..4
            )
            .prop_map(Expr::Template),
            text().prop_map(Expr::Heredoc),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Expr::List),
                prop::collection::vec((key(), inner.clone()), 0..5).prop_map(Expr::Object),
                (
                    prop::sample::select(&["merge", "jsonencode", "f", "__mspc_comment_0"][..]),
                    prop::collection::vec(inner, 0..4)
                )
                    .prop_map(|(f, args)| Expr::Call(f, args)),
            ]
        })
    }

    fn block() -> impl Strategy<Value = Blk> {
        let leaf = (name(), prop::collection::vec(text(), 0..3)).prop_map(|(ident, labels)| Blk {
            ident,
            labels,
            items: Vec::new(),
        });
        leaf.prop_recursive(3, 24, 6, |inner| {
            let item = prop_oneof![
                4 => (name(), expr()).prop_map(|(k, v)| Item::Attr(k, v)),
                // Short values under keys of different lengths: runs to align.
                2 => (prop::sample::select(&["a", "bb", "ccc"][..]), float())
                    .prop_map(|(k, v)| Item::Attr(k.into(), Expr::Float(v))),
                1 => inner.prop_map(Item::Block),
                1 => text().prop_map(Item::Comment),
            ];
            (name(), prop::collection::vec(text(), 0..3), prop::collection::vec(item, 0..8))
                .prop_map(|(ident, labels, items)| Blk { ident, labels, items })
        })
    }

    fn file() -> impl Strategy<Value = File> {
        (
            prop::collection::vec(text(), 0..3),
            prop::collection::vec((prop::collection::vec(text(), 0..3), block()), 0..4),
        )
            .prop_map(|(header, blocks)| File { header, blocks })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn renders_as_the_renderer_it_replaced(f in file()) {
            prop_assert_eq!(f.render(), oracle::render(&f));
        }
    }

    /// Any bits, and numbers with a few binary places, where a tie between
    /// two shortest decimals happens.
    fn any_float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            (any::<i64>(), 0..60i32).prop_map(|(i, places)| (i >> 11) as f64 * 2f64.powi(-places)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn floats_are_written_as_hcl_rs_wrote_them(v in any_float()) {
            let mut out = String::new();
            write_float(&mut out, v);
            prop_assert_eq!(out, hcl::Number::from_f64(v).map_or("null".to_string(), |n| n.to_string()));
        }
    }
}
