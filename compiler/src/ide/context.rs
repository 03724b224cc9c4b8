//! What is at the cursor: the chain of enclosing keys from the top-level
//! declaration down, resolved against the stdlib's schema, and whether the
//! cursor is at a key, a value, a label, in a string or an interpolation.
//!
//! It reads tokens (`lex`), not the syntax tree, because the text around a
//! cursor is usually half-typed: an unclosed `{`, a `key =` with nothing
//! after it, garbage a few lines up. Unmatched `{` / `[` before the cursor
//! are the enclosing entries; each one's header (`key = {`, `key {`,
//! `key label {`, `key = tag {`, `key = [`) names the field it opens.

pub mod lex;

use indexmap::IndexMap;

use self::lex::{Tail, Tok, Token, ident_end, is_ident_byte, lex};
use crate::check::schema::{FieldDef, SchemaDef, Ty};
use crate::check::stdlib::stdlib;
use crate::check::value::CtxRoot;
use crate::syntax::{DeclKind, TextRange};

/// What the innermost bracket around the cursor holds, by the schema.
#[derive(Clone, Debug)]
pub enum Container {
    /// The top level of the file.
    File,
    /// A record: a schema's fields, or a union variant's (`name` is then `Deploy.subscription`).
    Record { name: String, fields: &'static IndexMap<String, FieldDef> },
    /// The entries of a `map<T>`: any key, values of `T`.
    Map(Ty),
    /// The items of a `list<T>`.
    List(Ty),
    /// Something the schema does not describe: a `let`'s value, a call's
    /// arguments, a field that does not exist.
    Unknown,
}

/// Where in an entry the cursor is.
#[derive(Clone, Debug)]
pub enum At {
    /// Where an entry starts (or a top-level item, in `Container::File`).
    Key,
    /// After `key =` on the same line, an item of a list, or after `..`.
    /// `field` is the schema field being set, when known; `ty` the expected type.
    Value {
        field: Option<&'static FieldDef>,
        ty: Option<Ty>,
    },
    /// After `key ` where a label goes: `environment pr|`.
    Label {
        key: String,
    },
    /// Inside a string literal. `content` starts after the opening quotes;
    /// `interp` is the path typed so far after an open `${`.
    Str {
        content: u32,
        import: bool,
        interp: Option<TextRange>,
    },
    Comment,
    /// Anywhere else: after a complete value, inside a number, in garbage.
    Other,
}

/// Which environment the cursor's values belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvScope {
    Outside,
    /// The declaration's `@defaults_of` field (`defaults`).
    Defaults,
    /// An entry of the map `defaults` applies to: `environment prod { … }`.
    Env(String),
}

/// One enclosing bracket: the key it is the value of, its label
/// (`environment prod {`), its union tag (`deploy = manual {`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Empty for an item of a list.
    pub key: String,
    pub label: Option<String>,
    pub tag: Option<String>,
    pub list: bool,
}

#[derive(Clone, Debug)]
pub struct CursorContext {
    /// The cursor, moved into the text and back to a character boundary.
    pub offset: u32,
    /// The declaration the cursor is in; `None` at the top level or in a `let`.
    pub decl: Option<DeclKind>,
    /// Inside `let x = …`, whose type is unknown.
    pub in_let: bool,
    /// The enclosing brackets below the declaration, outermost first.
    pub steps: Vec<Step>,
    pub container: Container,
    pub at: At,
    /// The partial name at the cursor (what a completion replaces): the
    /// identifier around the cursor, possibly empty.
    pub word: TextRange,
    /// The path before the word: `teams` in `teams.co|`.
    pub qualifier: Vec<String>,
    pub env: EnvScope,
    /// Keys of the innermost enclosing record or environment (below
    /// `defaults` or the environment label), outermost first; `None` when a
    /// list or something unknown lies between.
    pub env_path: Option<Vec<String>>,
    /// Keys already written in the innermost record, before and after the
    /// cursor (not the word itself), and whether each was a labeled block.
    pub written: Vec<(String, bool)>,
    /// Names already listed in the innermost list.
    pub listed: Vec<String>,
    /// The labels of the declaration's entries of the map its `defaults`
    /// apply to: the environments of the service.
    pub environments: Vec<String>,
    /// The tokens of the current entry before the word, as written.
    pub before: Vec<String>,
}

impl CursorContext {
    pub fn is_written(&self, key: &str) -> bool {
        self.written.iter().any(|(k, _)| k == key)
    }
}

/// A byte offset an editor sent, made safe to slice at: inside the text and
/// on a character boundary.
pub fn clamp(text: &str, offset: u32) -> usize {
    let mut o = (offset as usize).min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// The identifier around `offset` (touching it on either side), if any.
pub fn word_at(text: &str, offset: u32) -> Option<TextRange> {
    let o = clamp(text, offset);
    let b = text.as_bytes();
    let mut s = o;
    while s > 0 && is_ident_byte(b[s - 1]) {
        s -= 1;
    }
    let e = ident_end(b, o);
    // An identifier starts with a letter or `_`; `30s` is a number.
    (s < e && (b[s].is_ascii_alphabetic() || b[s] == b'_')).then(|| TextRange::new(s, e))
}

/// The context at `offset` of `text`.
pub fn cursor_context(text: &str, offset: u32) -> CursorContext {
    let offset = clamp(text, offset);
    let (mut tokens, tail) = lex(&text[..offset], 0);
    let mut word = TextRange::empty(offset);
    if tail == Tail::Code
        && let Some(last) = tokens.last()
        && last.kind == Tok::Ident
        && last.range.end as usize == offset
    {
        word = last.range;
        tokens.pop();
    }
    if tail == Tail::Code {
        word.end = ident_end(text.as_bytes(), word.end as usize) as u32;
    }

    let mut walk = Walk::new(text);
    for t in &tokens {
        walk.token(*t);
    }
    if tail == Tail::Code {
        walk.rest(word.end as usize);
    }

    let top = walk.stack.last().expect("the file frame is never popped");
    let mut stmt: &[Token] = &top.stmt;
    let mut qualifier = Vec::new();
    while let [rest @ .., name, dot] = stmt
        && name.kind == Tok::Ident
        && dot.kind == Tok::Dot
    {
        qualifier.insert(0, text[name.range.as_usize()].to_string());
        stmt = rest;
    }
    let kinds: Vec<Tok> = stmt.iter().map(|t| t.kind).collect();
    let word_text = |i: usize| key_text(text, stmt[i]);
    let at = match tail {
        Tail::Comment => At::Comment,
        Tail::Str { content, interp, .. } => {
            let import = top.open == Tok::Newline && kinds == [Tok::Ident] && word_text(0) == "import";
            At::Str { content, import, interp: interp.map(|p| TextRange::new(p as usize, offset)) }
        }
        Tail::Code => match (top.open, kinds.as_slice()) {
            (Tok::Newline, []) if qualifier.is_empty() => At::Key,
            (Tok::Newline, [Tok::Ident, Tok::Ident, Tok::Eq]) if word_text(0) == "let" => {
                At::Value { field: None, ty: None }
            }
            (Tok::LBrace, []) if qualifier.is_empty() => At::Key,
            (Tok::LBrace, [Tok::Ident | Tok::Str, Tok::Eq]) => {
                let key = word_text(0);
                match &top.container {
                    Container::Record { fields, .. } => match fields.get(&key) {
                        Some(f) => At::Value { field: Some(f), ty: Some(f.ty.clone()) },
                        None => At::Value { field: None, ty: None },
                    },
                    Container::Map(t) => At::Value { field: None, ty: Some(t.clone()) },
                    _ => At::Value { field: None, ty: None },
                }
            }
            (Tok::LBrace, [Tok::DotDot]) => At::Value { field: None, ty: None },
            (Tok::LBrace, [Tok::Ident]) if qualifier.is_empty() => At::Label { key: word_text(0) },
            (Tok::LBracket, []) => match &top.container {
                Container::List(t) => At::Value { field: None, ty: Some(t.clone()) },
                _ => At::Value { field: None, ty: None },
            },
            _ => At::Other,
        },
    };
    let before = stmt.iter().map(|t| text[t.range.as_usize()].to_string()).collect();
    let decl_frame = walk.stack.iter().position(|f| f.decl.is_some());
    let steps = walk.stack.iter().filter_map(|f| f.step.clone()).collect();
    CursorContext {
        offset: offset as u32,
        decl: top.decl,
        in_let: top.in_let,
        steps,
        container: top.container.clone(),
        at,
        word,
        qualifier,
        env: top.env.clone(),
        env_path: top.env_path.clone(),
        written: top.written.clone(),
        listed: top.listed.clone(),
        environments: decl_frame.map(|i| walk.stack[i].env_labels.clone()).unwrap_or_default(),
        before,
    }
}

/// A key or label as written, without quotes.
fn key_text(text: &str, t: Token) -> String {
    let s = &text[t.range.as_usize()];
    if t.kind == Tok::Str { s.trim_matches('"').to_string() } else { s.to_string() }
}

/// What the tokens of an entry before a `{` or `[` say it opens.
#[derive(Debug)]
enum Header {
    /// Nothing: an item of a list, or a stray bracket.
    None,
    Assign(String),
    Block(String),
    Labeled(String, String),
    Tagged(String, String),
    Decl(DeclKind),
    Let,
    /// `schema X {`, `enum X {`, `union X {`: the stdlib's declarations.
    SchemaDecl,
    Unknown,
}

fn header(text: &str, stmt: &[Token]) -> Header {
    use Tok::*;
    let t = |i: usize| key_text(text, stmt[i]);
    let kinds: Vec<Tok> = stmt.iter().map(|t| t.kind).collect();
    match kinds.as_slice() {
        [] => Header::None,
        [Ident] if DeclKind::from_keyword(&t(0)) == Some(DeclKind::Platform) => Header::Decl(DeclKind::Platform),
        [Ident | Str] => Header::Block(t(0)),
        [Ident | Str, Eq] => Header::Assign(t(0)),
        [Ident, Ident | Str] => match (DeclKind::from_keyword(&t(0)), t(0).as_str()) {
            (Some(kind @ (DeclKind::Service | DeclKind::Job)), _) => Header::Decl(kind),
            (_, "schema" | "enum" | "union") => Header::SchemaDecl,
            _ => Header::Labeled(t(0), t(1)),
        },
        [Ident | Str, Eq, Ident] => Header::Tagged(t(0), t(2)),
        [Ident, Ident, Eq, ..] if t(0) == "let" => Header::Let,
        [Ident, Ident, ..] if matches!(t(0).as_str(), "schema" | "enum" | "union") => Header::SchemaDecl,
        _ => Header::Unknown,
    }
}

struct Frame {
    /// `{`, `[` or `(`; `Newline` for the file itself.
    open: Tok,
    container: Container,
    step: Option<Step>,
    /// The current entry's tokens (a closed bracket group is one `Group`).
    stmt: Vec<Token>,
    written: Vec<(String, bool)>,
    listed: Vec<String>,
    decl: Option<DeclKind>,
    in_let: bool,
    env: EnvScope,
    env_path: Option<Vec<String>>,
    /// Only in a declaration's frame: the labels of its environments.
    env_labels: Vec<String>,
}

impl Frame {
    fn file() -> Frame {
        Frame {
            open: Tok::Newline,
            container: Container::File,
            step: None,
            stmt: Vec::new(),
            written: Vec::new(),
            listed: Vec::new(),
            decl: None,
            in_let: false,
            env: EnvScope::Outside,
            env_path: None,
            env_labels: Vec::new(),
        }
    }
}

/// The forward walk over tokens, keeping the stack of open brackets.
struct Walk<'a> {
    text: &'a str,
    stack: Vec<Frame>,
    defaults: Option<(&'static str, &'static str)>,
}

impl<'a> Walk<'a> {
    fn new(text: &'a str) -> Self {
        Walk { text, stack: vec![Frame::file()], defaults: stdlib().index.defaults_field() }
    }

    fn top(&mut self) -> &mut Frame {
        self.stack.last_mut().expect("the file frame is never popped")
    }

    /// A new top-level item starts: whatever is open ends before it, as in the grammar.
    fn reset(&mut self) {
        self.stack.truncate(1);
    }

    fn token(&mut self, t: Token) {
        let text = self.text;
        match t.kind {
            Tok::Newline | Tok::Comma => self.top().stmt.clear(),
            Tok::LBrace | Tok::LBracket | Tok::LParen => self.open(t),
            Tok::RBrace | Tok::RBracket | Tok::RParen => self.close(t),
            Tok::Eq => {
                let top = self.top();
                top.stmt.push(t);
                match top.stmt.as_slice() {
                    [l, n, _] if l.kind == Tok::Ident && n.kind == Tok::Ident && &text[l.range.as_usize()] == "let" => {
                        let stmt = std::mem::take(&mut top.stmt);
                        self.reset();
                        self.top().stmt = stmt;
                    }
                    [k, _] if matches!(k.kind, Tok::Ident | Tok::Str) => {
                        let key = key_text(text, *k);
                        top.written.push((key, false));
                    }
                    _ => {}
                }
            }
            Tok::Str => {
                let top = self.top();
                let import =
                    matches!(top.stmt.as_slice(), [k] if k.kind == Tok::Ident && &text[k.range.as_usize()] == "import");
                top.stmt.push(t);
                if import && self.stack.len() > 1 {
                    let stmt = std::mem::take(&mut self.top().stmt);
                    self.reset();
                    self.top().stmt = stmt;
                }
            }
            _ => {
                let top = self.top();
                if top.open == Tok::LBracket && t.kind == Tok::Ident && top.stmt.is_empty() {
                    top.listed.push(text[t.range.as_usize()].to_string());
                }
                top.stmt.push(t);
            }
        }
    }

    fn open(&mut self, t: Token) {
        let text = self.text;
        let h = header(text, &self.top().stmt);
        if matches!(h, Header::Decl(_) | Header::SchemaDecl) && self.stack.len() > 1 {
            let stmt = std::mem::take(&mut self.top().stmt);
            self.reset();
            self.top().stmt = stmt;
        }
        let defaults = self.defaults;
        let parent = self.stack.last().expect("the file frame is never popped");
        let mut child = Frame {
            open: t.kind,
            container: Container::Unknown,
            step: None,
            stmt: Vec::new(),
            written: Vec::new(),
            listed: Vec::new(),
            decl: parent.decl,
            in_let: parent.in_let,
            env: parent.env.clone(),
            env_path: None,
            env_labels: Vec::new(),
        };
        let mut written = None;
        let mut env_label = None;
        match (t.kind, &h) {
            (Tok::LBrace, Header::Decl(kind)) => {
                child.decl = Some(*kind);
                child.container = record(stdlib().index.decl_schema(*kind));
            }
            (Tok::LBrace, Header::Let) => child.in_let = true,
            (Tok::LBrace, Header::Assign(k) | Header::Block(k)) => {
                written = Some((k.clone(), false));
                child.step = Some(Step { key: k.clone(), label: None, tag: None, list: false });
                child.container = match (&parent.container, &h) {
                    // `tag {` as an item of a list of union values.
                    (Container::List(Ty::Union(u)), Header::Block(tag)) => variant(u, tag),
                    _ => parent.elem(k).map_or(Container::Unknown, |ty| brace(&ty)),
                };
                if parent.decl.is_some() && is_decl_frame(parent) && defaults.is_some_and(|(d, _)| d == k) {
                    child.env = EnvScope::Defaults;
                    child.env_path = Some(Vec::new());
                }
            }
            (Tok::LBrace, Header::Labeled(k, l)) => {
                written = Some((k.clone(), true));
                child.step = Some(Step { key: k.clone(), label: Some(l.clone()), tag: None, list: false });
                child.container = match parent.elem(k) {
                    Some(Ty::Map(t)) => brace(&t),
                    _ => Container::Unknown,
                };
                if is_decl_frame(parent) && defaults.is_some_and(|(_, m)| m == k) {
                    child.env = EnvScope::Env(l.clone());
                    child.env_path = Some(Vec::new());
                    env_label = Some(l.clone());
                }
            }
            (Tok::LBrace, Header::Tagged(k, tag)) => {
                child.step = Some(Step { key: k.clone(), label: None, tag: Some(tag.clone()), list: false });
                child.container = match parent.elem(k) {
                    Some(Ty::Union(u)) => variant(&u, tag),
                    _ => Container::Unknown,
                };
            }
            (Tok::LBrace, Header::None) => {
                child.step = Some(Step { key: String::new(), label: None, tag: None, list: true });
                if let Container::List(t) = &parent.container {
                    child.container = brace(t);
                }
            }
            (Tok::LBracket, Header::Assign(k)) => {
                child.step = Some(Step { key: k.clone(), label: None, tag: None, list: true });
                if let Some(Ty::List(t)) = parent.elem(k) {
                    child.container = Container::List(*t);
                }
            }
            (Tok::LBracket, Header::None) => {
                if let Container::List(Ty::List(t)) = &parent.container {
                    child.container = Container::List((**t).clone());
                }
            }
            _ => {}
        }
        // The path below an environment goes through records only.
        if child.env_path.is_none()
            && let (Some(path), Some(step)) = (&parent.env_path, &child.step)
            && !step.list
            && matches!(child.container, Container::Record { .. })
        {
            let mut p = path.clone();
            p.push(step.key.clone());
            child.env_path = Some(p);
        }
        let parent = self.top();
        if let Some(w) = written {
            parent.written.push(w);
        }
        if let Some(l) = env_label {
            parent.env_labels.push(l);
        }
        self.stack.push(child);
    }

    fn close(&mut self, t: Token) {
        let open = match t.kind {
            Tok::RBrace => Tok::LBrace,
            Tok::RBracket => Tok::LBracket,
            _ => Tok::LParen,
        };
        // A closer with no opener of its kind is garbage: ignore it.
        if let Some(i) = self.stack.iter().rposition(|f| f.open == open)
            && i > 0
        {
            self.stack.truncate(i);
            self.top().stmt.push(Token { kind: Tok::Group, range: t.range });
        }
    }

    /// Reads on after the cursor for what the innermost record and the
    /// declaration hold there: keys written below the cursor, environments
    /// declared further down. Stops where the declaration closes or a new
    /// top-level item starts.
    fn rest(&mut self, from: usize) {
        let Some(tail) = self.text.get(from..) else { return };
        let (tokens, _) = lex(tail, from as u32);
        let text = self.text;
        let inner = self.stack.len() - 1;
        let decl = self.stack.iter().position(is_decl_frame);
        let defaults = self.defaults;
        // One entry per open bracket, as in the stack; the cursor is in the
        // middle of an entry at every level, hence the placeholder.
        let mid = Token { kind: Tok::Other, range: TextRange::empty(from) };
        let mut levels: Vec<Vec<Token>> = vec![vec![mid]; inner + 1];
        let mut inner_open = true;
        for t in tokens {
            let depth = levels.len() - 1;
            let at_inner = inner_open && depth == inner;
            let at_decl = Some(depth) == decl;
            let stmt = levels.last_mut().expect("never empty");
            match t.kind {
                Tok::Newline | Tok::Comma => stmt.clear(),
                Tok::LBrace | Tok::LBracket | Tok::LParen => {
                    match header(text, stmt) {
                        Header::Decl(_) | Header::SchemaDecl => return,
                        Header::Block(k) if at_inner => self.stack[inner].written.push((k, false)),
                        Header::Labeled(k, l) => {
                            if at_inner {
                                self.stack[inner].written.push((k.clone(), true));
                            }
                            if at_decl
                                && let Some(d) = decl
                                && defaults.is_some_and(|(_, m)| m == k)
                            {
                                self.stack[d].env_labels.push(l);
                            }
                        }
                        _ => {}
                    }
                    stmt.push(Token { kind: Tok::Group, range: t.range });
                    levels.push(Vec::new());
                }
                Tok::RBrace | Tok::RBracket | Tok::RParen => {
                    if at_decl || depth == 0 {
                        return;
                    }
                    if depth == inner {
                        inner_open = false;
                    }
                    levels.pop();
                }
                _ => {
                    stmt.push(t);
                    if starts_item(text, stmt) {
                        return;
                    }
                    if at_inner
                        && t.kind == Tok::Eq
                        && let [k, _] = stmt.as_slice()
                        && matches!(k.kind, Tok::Ident | Tok::Str)
                    {
                        self.stack[inner].written.push((key_text(text, *k), false));
                    }
                    if at_inner && t.kind == Tok::Ident && self.stack[inner].open == Tok::LBracket && stmt.len() == 1 {
                        self.stack[inner].listed.push(text[t.range.as_usize()].to_string());
                    }
                }
            }
        }
    }
}

/// `let x =` or `import "…"`: a top-level item, which ends every open bracket.
fn starts_item(text: &str, stmt: &[Token]) -> bool {
    let first = |s: &str| stmt.first().is_some_and(|t| t.kind == Tok::Ident && &text[t.range.as_usize()] == s);
    let kinds: Vec<Tok> = stmt.iter().map(|t| t.kind).collect();
    (first("let") && kinds == [Tok::Ident, Tok::Ident, Tok::Eq]) || (first("import") && kinds == [Tok::Ident, Tok::Str])
}

fn is_decl_frame(f: &Frame) -> bool {
    f.decl.is_some() && f.step.is_none() && f.open == Tok::LBrace && matches!(f.container, Container::Record { .. })
}

impl Frame {
    /// The type of the value at `key` in this frame.
    fn elem(&self, key: &str) -> Option<Ty> {
        match &self.container {
            Container::Record { fields, .. } => fields.get(key).map(|f| f.ty.clone()),
            Container::Map(t) => Some(t.clone()),
            _ => None,
        }
    }
}

fn record(schema: Option<&'static SchemaDef>) -> Container {
    match schema {
        Some(s) => Container::Record { name: s.name.clone(), fields: &s.fields },
        None => Container::Unknown,
    }
}

fn variant(union: &str, tag: &str) -> Container {
    let v = stdlib().index.enums.get(union).and_then(|e| e.variant(tag));
    match v.and_then(|v| v.fields.as_ref().map(|f| (v, f))) {
        Some((v, fields)) => Container::Record { name: format!("{union}.{}", v.name), fields },
        None => Container::Unknown,
    }
}

/// What a `{` holds where a value of `ty` is expected.
fn brace(ty: &Ty) -> Container {
    match ty {
        Ty::Schema(n) => record(stdlib().index.schemas.get(n)),
        Ty::Map(t) => Container::Map((**t).clone()),
        _ => Container::Unknown,
    }
}

/// The schema of `${service.…}` or `${environment.…}`, by the root as written.
pub fn context_schema(root: &str) -> Option<&'static SchemaDef> {
    stdlib().index.context_schema(CtxRoot::from_name(root)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text: &str) -> CursorContext {
        let at = text.find("$0").expect("a cursor mark");
        cursor_context(&text.replace("$0", ""), at as u32)
    }

    fn record_name(c: &CursorContext) -> Option<&str> {
        match &c.container {
            Container::Record { name, .. } => Some(name),
            _ => None,
        }
    }

    #[test]
    fn unclosed_blocks_resolve_through_the_schema() {
        let c = ctx("service x {\n  environment prod {\n    postgres = {\n      cp$0");
        assert_eq!(record_name(&c), Some("Postgres"));
        assert!(matches!(c.at, At::Key));
        assert_eq!(c.decl, Some(DeclKind::Service));
        assert_eq!(c.env, EnvScope::Env("prod".into()));
        assert_eq!(c.env_path, Some(vec!["postgres".to_string()]));
        assert_eq!(c.word, TextRange::new(c.offset as usize - 2, c.offset as usize));
        assert_eq!(c.steps.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["environment", "postgres"]);
    }

    #[test]
    fn value_after_equals_with_nothing_after_it() {
        let c = ctx("service x {\n  defaults {\n    region = $0\n    deploy = rollout\n  }\n}");
        let At::Value { field: Some(f), ty: Some(Ty::Enum(e)) } = &c.at else { panic!("{:?}", c.at) };
        assert_eq!((f.name.as_str(), e.as_str()), ("region", "Region"));
        assert_eq!(c.env, EnvScope::Defaults);
        // `deploy` below the cursor counts as written; `region` (being set) too.
        assert!(c.is_written("deploy") && c.is_written("region"));
    }

    #[test]
    fn garbage_above_does_not_hide_the_record() {
        let c = ctx("service x {\n  environment dev {\n    deploy = rollout x y\n    } ] ) %%\n    $0\n  }\n}");
        // `}` closed `environment dev`; the stray `]` and `)` are ignored.
        assert_eq!(record_name(&c), Some("Service"));
        assert!(matches!(c.at, At::Key));
        assert_eq!(c.environments, ["dev"]);
    }

    #[test]
    fn union_bodies_lists_and_labels() {
        let c = ctx("job j {\n  environment dev {\n    deploy = subscription {\n      $0");
        assert_eq!(record_name(&c), Some("Deploy.subscription"));
        assert_eq!(c.decl, Some(DeclKind::Job));
        let c = ctx("service x {\n  environment dev {}\n  rollout { stages = [dev, $0] }\n  environment prod {}\n}");
        assert!(matches!(&c.at, At::Value { ty: Some(Ty::Env), .. }), "{:?}", c.at);
        assert_eq!(c.listed, ["dev"]);
        assert_eq!(c.environments, ["dev", "prod"]);
        let c =
            ctx("service x {\n  monitoring {\n    custom_alerts = [\n      { condition = mql { $0 } }\n    ]\n  }\n}");
        assert_eq!(record_name(&c), Some("AlertCondition.mql"));
        let c = ctx("service x {\n  environment pr$0");
        assert!(matches!(&c.at, At::Label { key } if key == "environment"));
        let c = ctx("service x {\n  environment prod {\n    env = { A = \"1\", $0 }\n  }\n}");
        assert!(matches!(&c.container, Container::Map(Ty::String)));
        assert!(matches!(c.at, At::Key));
        assert_eq!(c.written, [("A".to_string(), false)]);
    }

    #[test]
    fn strings_imports_and_interpolation() {
        let c = ctx("import \"../te$0");
        assert!(matches!(c.at, At::Str { import: true, content: 8, interp: None }), "{:?}", c.at);
        let c = ctx("service x {\n  description = \"${service.na$0}\"\n}");
        let At::Str { import: false, interp: Some(r), .. } = c.at else { panic!("{:?}", c.at) };
        assert_eq!(r.len(), "service.na".len() as u32);
        assert!(matches!(ctx("service x { // a $0").at, At::Comment));
    }

    #[test]
    fn qualified_names_and_top_level_items() {
        let c = ctx("import \"t.msp\" as teams\nservice x {\n  owners = [teams.co$0]\n}");
        assert_eq!(c.qualifier, ["teams"]);
        assert!(matches!(c.at, At::Value { .. }));
        let c = ctx("service x {\n  environment dev {\n    region = us$0\n\nlet y = 1\n$0");
        assert!(matches!(c.at, At::Value { .. }));
        // `let` starts a new item even inside an unclosed block.
        let c = ctx("service x {\n  environment dev {\nlet y = $0");
        assert!(c.in_let || c.decl.is_none());
        assert!(matches!(c.container, Container::File));
        let c = ctx("let a = 1\n$0");
        assert!(matches!((&c.container, &c.at), (Container::File, At::Key)));
    }

    #[test]
    fn offsets_anywhere_are_safe() {
        let text = "let é = \"🎉\"";
        for o in 0..=text.len() as u32 + 3 {
            let c = cursor_context(text, o);
            assert!(text.is_char_boundary(c.offset as usize));
            let _ = word_at(text, o);
        }
        assert_eq!(word_at("a = us-west1 ", 6), Some(TextRange::new(4, 12)));
        assert_eq!(word_at("x = 30s", 6), None);
    }

    /// Every editor feature at every byte offset of every example file and
    /// of a file full of multi-byte characters (offsets inside them, and
    /// past the end): nothing panics.
    #[test]
    fn every_feature_survives_every_offset() {
        use crate::db::load::Loaded;
        use crate::ide::{completion::completions, hover::hover, inlay::inlay_hints};
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let mut workspaces = vec![Loaded::from_disk(&examples).expect("the examples load")];
        let multibyte = include_str!("testdata/multibyte.msp");
        assert!(multibyte.contains('é') && multibyte.contains('🎉'));
        workspaces.push(crate::ide::fixture::Fixture::new(&format!("//- services/m.msp\n{multibyte}")).loaded);
        let mut offsets_seen = 0;
        for ws in &workspaces {
            for &file in ws.workspace.files(&ws.db) {
                if !file.path(&ws.db).ends_with(".msp") {
                    continue;
                }
                let len = file.text(&ws.db).len() as u32;
                for o in 0..=len + 2 {
                    let _ = completions(&ws.db, ws.workspace, file, o);
                    let _ = hover(&ws.db, ws.workspace, file, o);
                    let _ = inlay_hints(&ws.db, ws.workspace, file, TextRange { start: o, end: o.saturating_add(7) });
                    offsets_seen += 1;
                }
                let _ = inlay_hints(&ws.db, ws.workspace, file, TextRange { start: 0, end: u32::MAX });
            }
        }
        assert!(offsets_seen > 30_000, "the examples were read: {offsets_seen}");
    }
}
