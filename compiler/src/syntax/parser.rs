//! pest → owned AST. Parsing never fails: the grammar's `bad_*` rules absorb
//! broken text, and each becomes a [`SyntaxError`] here, explained by a strict
//! re-parse of just that chunk.

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::*;
use super::literals;
use super::trivia::{self, DocIndex};
use crate::diagnostics::Code;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/msp.pest"]
struct MspParser;

// Deeper nesting is refused before pest sees it, which keeps every
// recursive pass below on a bounded stack.
pub use crate::limits::MAX_NESTING as MAX_DEPTH;
use crate::limits::{MAX_FILE_BYTES, MAX_STRING_BYTES};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    pub code: Code,
    pub range: TextRange,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Parse {
    pub ast: Ast,
    pub errors: Vec<SyntaxError>,
}

pub fn parse(text: &str) -> Parse {
    if text.len() > MAX_FILE_BYTES {
        let (message, help) = crate::limits::file_too_large(text.len() as u64);
        return Parse {
            ast: Ast { items: Vec::new(), comments: Vec::new() },
            errors: vec![SyntaxError {
                code: Code::FileTooLarge,
                range: TextRange::empty(0),
                message,
                label: "not read".into(),
                help: Some(help.into()),
            }],
        };
    }
    let trivia::Scan { comments, too_deep } = trivia::scan(text, MAX_DEPTH);
    if let Some(at) = too_deep {
        return Parse {
            ast: Ast { items: Vec::new(), comments },
            errors: vec![SyntaxError {
                code: Code::TooDeep,
                range: TextRange::new(at, at + 1),
                message: format!("brackets are nested more than {MAX_DEPTH} levels deep"),
                label: "too deep".into(),
                help: Some("flatten the value with `let` bindings".into()),
            }],
        };
    }
    let mut lower = Lower { text, docs: DocIndex::new(text, &comments), errors: Vec::new() };
    let items = match MspParser::parse(Rule::file, text) {
        Ok(mut pairs) => lower.file(pairs.next().expect("file rule yields one pair")),
        Err(e) => {
            // Only reachable through pest's own resource limits.
            let at = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            lower.error(Code::Syntax, TextRange::new(at, at), "the file could not be parsed", "here", None);
            Vec::new()
        }
    };
    let mut errors = lower.errors;
    blame_unclosed_brace(text, &items, &mut errors);
    Parse { ast: Ast { items, comments }, errors }
}

/// An unclosed `{` takes the next `}` as its own, so the error surfaces at an
/// outer block. Indentation tells the real culprit: a record whose `}` is
/// indented less than the line that opens it closed someone else's block.
/// When one is found, it replaces the outer "unclosed" errors.
fn blame_unclosed_brace(text: &str, items: &[Item], errors: &mut Vec<SyntaxError>) {
    if !errors.iter().any(|e| e.code == Code::UnclosedBrace) {
        return;
    }
    let indent_of_line = |at: usize| {
        let start = text[..at].rfind('\n').map_or(0, |p| p + 1);
        text[start..].len() - text[start..].trim_start_matches([' ', '\t']).len()
    };
    // The first brace taken by the wrong block is the one that closes earliest.
    let mut culprit: Option<(usize, TextRange)> = None;
    let mut visit = |r: &Record| {
        let (open, end) = (r.range.start as usize, r.range.end as usize);
        let closes_with_brace = text[..end].ends_with('}');
        let multi_line = text[open..end].contains('\n');
        if closes_with_brace
            && multi_line
            && indent_of_line(end - 1) < indent_of_line(open)
            && culprit.is_none_or(|(e, _)| end < e)
        {
            culprit = Some((end, TextRange::new(open, open + 1)));
        }
    };
    for item in items {
        if let Item::Decl(d) = item {
            walk_records(&d.body, &mut visit);
        }
    }
    if let Some((_, at)) = culprit {
        let line = text[..at.start as usize].matches('\n').count() + 1;
        errors.retain(|e| e.code != Code::UnclosedBrace);
        errors.push(SyntaxError {
            code: Code::UnclosedBrace,
            range: at,
            message: "this `{` is never closed".into(),
            label: "unclosed".into(),
            help: Some(format!(
                "add the missing `}}`: the brace that now closes it, less indented than line {line}, belongs to an enclosing block"
            )),
        });
        errors.sort_by_key(|e| e.range.start);
    }
}

fn walk_records(r: &Record, f: &mut impl FnMut(&Record)) {
    f(r);
    for e in &r.entries {
        match e {
            Entry::Field(field) => walk_expr(&field.value, f),
            Entry::Labeled(l) => walk_records(&l.body, f),
            Entry::Spread(sp) => walk_expr(&sp.expr, f),
            Entry::Error(_) => {}
        }
    }
}

fn walk_expr(e: &Expr, f: &mut impl FnMut(&Record)) {
    match &e.kind {
        ExprKind::Record(r) | ExprKind::Tagged { body: r, .. } => walk_records(r, f),
        ExprKind::List(items) | ExprKind::Call { args: items, .. } => items.iter().for_each(|i| walk_expr(i, f)),
        _ => {}
    }
}

/// pest records what it expected only with its process-wide "error detail"
/// flag, which costs a third of parse time. It is on only for re-parsing a
/// broken chunk, under this lock, so every explanation is made with it on;
/// a normal parse that overlaps one merely runs slower, with the same result.
static ERROR_DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn strict_parse(rule: Rule, text: &str) -> Result<(), pest::error::Error<Rule>> {
    let _guard = ERROR_DETAIL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    pest::set_error_detail(true);
    let result = MspParser::parse(rule, text).map(|_| ());
    pest::set_error_detail(false);
    result
}

struct Lower<'a> {
    text: &'a str,
    docs: DocIndex<'a>,
    errors: Vec<SyntaxError>,
}

/// A pair's range without trailing whitespace, which pest keeps after a
/// repetition that ended (`a.b` followed by a newline).
fn range(pair: &Pair<'_, Rule>) -> TextRange {
    let s = pair.as_span();
    let trimmed = s.as_str().trim_end_matches([' ', '\t', '\r', '\n']);
    TextRange::new(s.start(), s.start() + trimmed.len())
}

impl<'a> Lower<'a> {
    fn error(
        &mut self,
        code: Code,
        range: TextRange,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let range = range.on_chars(self.text);
        self.errors.push(SyntaxError { code, range, message: message.into(), label: label.into(), help });
    }

    fn doc(&self, pair: &Pair<'_, Rule>) -> Option<String> {
        self.docs.doc_before(pair.as_span().start())
    }

    fn file(&mut self, pair: Pair<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            let item = match p.as_rule() {
                Rule::import_decl => self.import(p),
                Rule::let_decl => self.let_decl(p),
                Rule::decl => Some(Item::Decl(self.decl(p))),
                Rule::schema_decl => Some(Item::Schema(self.schema(p))),
                Rule::enum_decl => Some(Item::Enum(self.enum_decl(p))),
                Rule::union_decl => Some(Item::Union(self.union_decl(p))),
                Rule::bad_item => {
                    let r = range(&p);
                    self.explain(
                        Rule::strict_item,
                        r,
                        "a declaration (`service`, `job`, `platform`, `let` or `import`)",
                    );
                    Some(Item::Error(r))
                }
                _ => None,
            };
            items.extend(item);
        }
        items
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident { name: pair.as_str().to_string(), range: range(&pair) }
    }

    /// An identifier, or a string used as a name (labels, keys, import paths).
    fn name(&mut self, pair: Pair<'_, Rule>) -> Ident {
        match pair.as_rule() {
            Rule::string => {
                let r = range(&pair);
                let parts = self.string(pair);
                let mut name = String::new();
                for part in parts {
                    match part {
                        StrPart::Text(t) => name.push_str(&t),
                        StrPart::Interp(_, ir) => self.error(
                            Code::InterpolationNotAllowed,
                            ir,
                            "interpolation is not allowed in a name",
                            "not allowed here",
                            Some("names, keys, labels and import paths are plain strings".into()),
                        ),
                    }
                }
                Ident { name, range: r }
            }
            _ => self.ident(pair),
        }
    }

    fn import(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let r = range(&pair);
        let mut inner = pair.into_inner().filter(|p| !matches!(p.as_rule(), Rule::kw_import | Rule::kw_as));
        let before = self.errors.len();
        let path = self.name(inner.next()?);
        // A path with `${…}` is reported; resolving what is left would only add noise.
        let readable = self.errors.len() == before;
        let alias = self.ident(inner.next()?);
        Some(Item::Import(Import { path: readable.then_some(path.name), path_range: path.range, alias, range: r }))
    }

    fn let_decl(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let r = range(&pair);
        let doc = self.doc(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(inner.next()?);
        let value = self.expr(inner.next()?);
        Some(Item::Let(Let { name, value, doc, range: r }))
    }

    fn decl(&mut self, pair: Pair<'_, Rule>) -> Decl {
        let r = range(&pair);
        let doc = self.doc(&pair);
        let mut inner = pair.into_inner();
        let kw = inner.next().expect("decl_kw");
        let keyword = range(&kw);
        let kind = match kw.as_str() {
            "service" => DeclKind::Service,
            "job" => DeclKind::Job,
            _ => DeclKind::Platform,
        };
        let mut label = None;
        let mut body = None;
        for p in inner {
            match p.as_rule() {
                Rule::record => body = Some(self.record(p)),
                _ => label = Some(self.name(p)),
            }
        }
        let body = body.expect("decl has a record");
        match (kind, &label) {
            (DeclKind::Platform, Some(l)) => self.error(
                Code::MissingLabel,
                l.range,
                "`platform` takes no name",
                "remove this name",
                Some("write `platform { … }`".into()),
            ),
            (DeclKind::Service | DeclKind::Job, None) => self.error(
                Code::MissingLabel,
                keyword,
                format!("this {} has no id", kind.keyword()),
                "expected an id after this",
                Some(format!("write `{} my-service {{ … }}`", kind.keyword())),
            ),
            _ => {}
        }
        Decl { kind, keyword, label, body, doc, range: r }
    }

    fn record(&mut self, pair: Pair<'_, Rule>) -> Record {
        let r = range(&pair);
        let mut entries = Vec::new();
        let mut has_errors = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::record_close => {
                    if p.as_str() != "}" {
                        has_errors = true;
                        self.error(
                            Code::UnclosedBrace,
                            TextRange::new(r.start as usize, r.start as usize + 1),
                            "this `{` is never closed",
                            "unclosed",
                            Some("add the missing `}`".into()),
                        );
                    }
                }
                Rule::bad_entry => {
                    has_errors = true;
                    let er = range(&p);
                    self.explain(Rule::strict_entry, er, "a field (`name = value`)");
                    entries.push(Entry::Error(er));
                }
                _ => {
                    let entry = self.entry(p);
                    has_errors |= entry_has_errors(&entry);
                    entries.push(entry);
                }
            }
        }
        Record { entries, range: r, has_errors }
    }

    fn entry(&mut self, pair: Pair<'_, Rule>) -> Entry {
        let r = range(&pair);
        let doc = self.doc(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        match rule {
            Rule::spread => Entry::Spread(Spread { expr: self.expr(inner.next().expect("spread expr")), range: r }),
            Rule::assign => {
                let key = self.name(inner.next().expect("key"));
                let value = self.expr(inner.next().expect("value"));
                Entry::Field(Field { key, value, block: false, doc, range: r })
            }
            Rule::named_block => {
                let key = self.name(inner.next().expect("key"));
                let rec = inner.next().expect("record");
                let rr = range(&rec);
                let body = self.record(rec);
                Entry::Field(Field {
                    key,
                    value: Expr { kind: ExprKind::Record(body), range: rr },
                    block: true,
                    doc,
                    range: r,
                })
            }
            Rule::labeled_block => {
                let key = self.ident(inner.next().expect("key"));
                let label = self.name(inner.next().expect("label"));
                let body = self.record(inner.next().expect("record"));
                Entry::Labeled(Labeled { key, label, body, doc, range: r })
            }
            other => unreachable!("not an entry: {other:?}"),
        }
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        if pair.as_rule() == Rule::value {
            return self.expr(pair.into_inner().next().expect("value holds an expression"));
        }
        let r = range(&pair);
        let kind = match pair.as_rule() {
            Rule::string => ExprKind::Str(self.string(pair)),
            Rule::number => match literals::parse_number(pair.as_str()) {
                Ok(k) => k,
                Err(e) => {
                    self.error(Code::InvalidLiteral, r, e.message, "invalid literal", e.help);
                    ExprKind::Error
                }
            },
            Rule::list => {
                let mut items = Vec::new();
                let open = pair.as_span().start();
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::list_close {
                        if p.as_str() != "]" {
                            self.error(
                                Code::Syntax,
                                TextRange::new(open, open + 1),
                                "this `[` is never closed",
                                "unclosed",
                                Some("add the missing `]`".into()),
                            );
                        }
                    } else if p.as_rule() == Rule::bad_list_item {
                        let er = range(&p);
                        self.explain(Rule::strict_list_item, er, "a value");
                        items.push(Expr { kind: ExprKind::Error, range: er });
                    } else {
                        items.push(self.expr(p));
                    }
                }
                ExprKind::List(items)
            }
            Rule::record => ExprKind::Record(self.record(pair)),
            Rule::call => {
                let mut inner = pair.into_inner();
                let func = self.ident(inner.next().expect("func"));
                let args = inner.map(|p| self.expr(p)).collect();
                ExprKind::Call { func, args }
            }
            Rule::tagged => {
                let mut inner = pair.into_inner();
                let tag = self.ident(inner.next().expect("tag"));
                let body = self.record(inner.next().expect("body"));
                ExprKind::Tagged { tag, body }
            }
            Rule::path => {
                let segs: Vec<Ident> = pair.into_inner().map(|p| self.ident(p)).collect();
                match (segs.len(), segs[0].name.as_str()) {
                    (1, "true") => ExprKind::Bool(true),
                    (1, "false") => ExprKind::Bool(false),
                    _ => ExprKind::Path(segs),
                }
            }
            other => unreachable!("not an expression: {other:?}"),
        };
        Expr { kind, range: r }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Vec<StrPart> {
        let whole = range(&pair);
        if whole.len() as usize > MAX_STRING_BYTES {
            self.error(
                Code::StringTooLong,
                TextRange::new(whole.start as usize, whole.start as usize + 1),
                format!(
                    "this string is {} long; strings over {} are refused",
                    crate::limits::size(whole.len() as u64),
                    crate::limits::size(MAX_STRING_BYTES as u64)
                ),
                "starts here",
                Some("keep long text out of the spec: prose belongs in the service's README.md".into()),
            );
        }
        let inner = pair.into_inner().next().expect("string body");
        let triple = inner.as_rule() == Rule::triple_string;
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, s: &str| match parts.last_mut() {
            Some(StrPart::Text(t)) => t.push_str(s),
            _ => parts.push(StrPart::Text(s.to_string())),
        };
        for p in inner.into_inner() {
            match p.as_rule() {
                Rule::str_text | Rule::triple_text => push_text(&mut parts, p.as_str()),
                Rule::escape => {
                    let c = p.as_str().chars().nth(1).unwrap_or('\\');
                    match literals::unescape(c) {
                        // Escapes are marked so dedenting a `"""` string leaves them alone.
                        Some(ch) => push_text(&mut parts, &format!("\u{0}{ch}")),
                        None => self.error(
                            Code::InvalidEscape,
                            range(&p),
                            format!("unknown escape `{}`", p.as_str()),
                            "unknown escape",
                            Some("the escapes are \\n, \\t, \\r, \\\", \\\\ and \\$".into()),
                        ),
                    }
                }
                Rule::interp => {
                    let ir = range(&p);
                    let path = p.into_inner().next().expect("interp path");
                    let segs = path.into_inner().map(|s| self.ident(s)).collect();
                    parts.push(StrPart::Interp(segs, ir));
                }
                _ => {}
            }
        }
        if triple {
            dedent(&mut parts);
        }
        for part in &mut parts {
            if let StrPart::Text(t) = part
                && t.contains('\u{0}')
            {
                *t = t.replace('\u{0}', "");
            }
        }
        parts
    }

    fn schema(&mut self, pair: Pair<'_, Rule>) -> SchemaDecl {
        let r = range(&pair);
        let doc = self.doc(&pair);
        let mut name = None;
        let mut attrs = Vec::new();
        let mut fields = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::attr => attrs.push(self.attr(p)),
                Rule::field_decl => fields.push(self.field_decl(p)),
                _ => {}
            }
        }
        SchemaDecl { name: name.expect("schema name"), attrs, fields, doc, range: r }
    }

    fn field_decl(&mut self, pair: Pair<'_, Rule>) -> FieldDecl {
        let r = range(&pair);
        let doc = self.doc(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("field name"));
        let ty = self.type_expr(inner.next().expect("type"));
        let mut default = None;
        let mut attrs = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::attr => attrs.push(self.attr(p)),
                _ => default = Some(self.expr(p)),
            }
        }
        FieldDecl { name, ty, default, attrs, doc, range: r }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> TypeExpr {
        let r = range(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("type name"));
        let mut arg = None;
        let mut optional = false;
        for p in inner {
            match p.as_rule() {
                Rule::type_expr => arg = Some(Box::new(self.type_expr(p))),
                Rule::optional_mark => optional = true,
                _ => {}
            }
        }
        TypeExpr { name, arg, optional, range: r }
    }

    fn attr(&mut self, pair: Pair<'_, Rule>) -> Attr {
        let r = range(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("attr name"));
        let args = inner.map(|p| self.expr(p)).collect();
        Attr { name, args, range: r }
    }

    fn enum_decl(&mut self, pair: Pair<'_, Rule>) -> EnumDecl {
        let r = range(&pair);
        let doc = self.doc(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(inner.next().expect("enum name"));
        let variants = inner.map(|p| Variant { doc: self.doc(&p), name: self.ident(p), fields: None }).collect();
        EnumDecl { name, variants, doc, range: r }
    }

    fn union_decl(&mut self, pair: Pair<'_, Rule>) -> UnionDecl {
        let r = range(&pair);
        let doc = self.doc(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(inner.next().expect("union name"));
        let variants = inner
            .map(|p| {
                let doc = self.doc(&p);
                let end = range(&p).end as usize;
                let mut vi = p.into_inner();
                let vname = self.ident(vi.next().expect("variant name"));
                let fields: Vec<FieldDecl> = vi.map(|f| self.field_decl(f)).collect();
                // The variant's own text past its name holds `{` only if it has a
                // body (a comment between the name and `{` included).
                let has_body = !fields.is_empty() || self.text[vname.range.end as usize..end].contains('{');
                Variant { name: vname, fields: has_body.then_some(fields), doc }
            })
            .collect();
        UnionDecl { name, variants, doc, range: r }
    }

    /// Re-parses a chunk the grammar could only skip, to say what was expected.
    fn explain(&mut self, strict: Rule, chunk: TextRange, wanted: &str) {
        let text = &self.text[chunk.as_usize()];
        let first_word: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
        let keyword_help = (strict == Rule::strict_item)
            .then(|| crate::diagnostics::suggest::closest(&first_word, ["service", "job", "platform", "let", "import"]))
            .flatten()
            .map(|k| format!("did you mean `{k}`?"));
        let (at, expected) = match strict_parse(strict, text) {
            Ok(()) => (0, None),
            Err(e) => {
                let pos = match e.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((s, _)) => s,
                };
                (
                    pos,
                    e.parse_attempts().map(|a| {
                        // pest does not export these types by name, so they are read here.
                        let tokens: Vec<String> = a.expected_tokens().iter().map(|t| t.to_string()).collect();
                        describe_expected(&tokens)
                    }),
                )
            }
        };
        if let Some(at) = unclosed_interpolation(text) {
            let start = chunk.start as usize + at;
            self.error(
                Code::Syntax,
                TextRange::new(start, start + 2),
                "this `${` is never closed",
                "unclosed interpolation",
                Some("write `${environment.dns_name}`; a literal `$` is written `\\$`".into()),
            );
            return;
        }
        if let Some(q) = unterminated_string(text) {
            let start = chunk.start as usize + q;
            let end = self.text[start..].find('\n').map_or(self.text.len(), |n| start + n);
            self.error(
                Code::Syntax,
                TextRange::new(start, end),
                "this string is never closed",
                "unterminated string",
                Some("add the closing `\"`; use `\"\"\"` for text over several lines".into()),
            );
            return;
        }
        // `name "x"`: a field missing its `=` reads better than pest's guess.
        if strict == Rule::strict_entry && !first_word.is_empty() {
            let after = &text[first_word.len()..];
            let rest = after.trim_start();
            if !rest.is_empty() && !rest.starts_with(['=', '{', '.']) && !rest.contains('{') {
                let pos = chunk.start as usize + first_word.len() + (after.len() - rest.len());
                let tok = found_token(&self.text[pos..]).unwrap_or("");
                let rest_of_line = self.text[pos..].lines().next().unwrap_or("").trim_end();
                self.error(
                    Code::Syntax,
                    TextRange::new(pos, pos + tok.len()),
                    format!("expected `=` after `{first_word}`, found `{tok}`"),
                    "expected `=`",
                    Some(format!("write `{first_word} = {rest_of_line}`")),
                );
                return;
            }
        }
        // pest reports the position before the whitespace it would skip.
        let from = chunk.start as usize + at;
        let at = at + (self.text[from..].len() - self.text[from..].trim_start_matches([' ', '\t']).len());
        // A lone stray token (`"x" "y"`): point at it rather than past it.
        if strict == Rule::strict_entry && at >= text.trim_end().len() && !text.contains('=') && !text.contains('{') {
            let tok = found_token(text).unwrap_or(text);
            let start = chunk.start as usize;
            self.error(
                Code::Syntax,
                TextRange::new(start, start + tok.len()),
                format!("expected a field (`name = value`), found `{tok}`"),
                "unexpected",
                Some("fields are written `name = value`; separate list items with `,` inside `[ … ]`".into()),
            );
            return;
        }
        let abs = chunk.start as usize + at;
        let found = found_token(&self.text[abs..]);
        let (message, range) = match (&expected, found) {
            (Some(exp), Some(tok)) if !exp.is_empty() => {
                (format!("expected {exp}, found `{tok}`"), TextRange::new(abs, abs + tok.len()))
            }
            (Some(exp), None) if !exp.is_empty() => (format!("expected {exp}"), TextRange::new(abs, abs)),
            _ => (format!("expected {wanted}"), chunk),
        };
        let range = if at == 0 && strict == Rule::strict_item {
            TextRange::new(abs, abs + first_word.len().max(1))
        } else {
            range
        };
        self.error(Code::Syntax, range, message, "unexpected", keyword_help);
    }
}

fn entry_has_errors(entry: &Entry) -> bool {
    match entry {
        Entry::Error(_) => true,
        Entry::Labeled(l) => l.body.has_errors,
        Entry::Field(f) => expr_has_errors(&f.value),
        Entry::Spread(s) => expr_has_errors(&s.expr),
    }
}

fn expr_has_errors(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Error => true,
        ExprKind::Record(r) | ExprKind::Tagged { body: r, .. } => r.has_errors,
        ExprKind::List(items) => items.iter().any(expr_has_errors),
        ExprKind::Call { args, .. } => args.iter().any(expr_has_errors),
        _ => false,
    }
}

/// The token at the start of `rest`, for "found `x`".
fn found_token(rest: &str) -> Option<&str> {
    let c = rest.chars().next()?;
    if c == '\n' || c == '\r' {
        return None;
    }
    let len = if c == '"' {
        rest[1..].find(['"', '\n']).map_or(rest.len(), |n| n + 2).min(rest.len())
    } else if c.is_alphanumeric() || c == '_' {
        rest.find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-')).unwrap_or(rest.len())
    } else {
        c.len_utf8()
    };
    Some(&rest[..len])
}

/// Turns pest's expected tokens into words: a value, a name, or symbols.
/// (pest reports only the top rule of each attempt, so the tokens carry the meaning.)
fn describe_expected(tokens: &[String]) -> String {
    use std::collections::BTreeSet;
    let has = |t: &str| tokens.iter().any(|x| x == t);
    let value_start = has("0..9") && has("\"");
    let mut things: BTreeSet<String> = BTreeSet::new();
    for token in tokens {
        let is_value_token = matches!(token.as_str(), "\"" | "[" | "{" | "-");
        if value_start && is_value_token {
            continue;
        }
        if matches!(token.as_str(), "=" | "{" | "}" | "]" | ")" | "," | ":" | "\"" | ".." | "(" | "[" | "as") {
            things.insert(format!("`{token}`"));
        }
    }
    if value_start {
        things.insert("a value".into());
    } else if has("a..z") {
        things.insert("a name".into());
    }
    let mut list: Vec<String> = things.into_iter().collect();
    // Symbols first, then words: "`=` or a value".
    list.sort_by_key(|s| (!s.starts_with('`'), s.clone()));
    match list.len() {
        0 => String::new(),
        1 => list.remove(0),
        _ => {
            let last = list.pop().unwrap();
            format!("{} or {last}", list.join(", "))
        }
    }
}

/// A `${` inside a string whose `}` does not come before the string ends.
fn unclosed_interpolation(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'$' if in_string && bytes.get(i + 1) == Some(&b'{') => {
                let rest = &text[i + 2..];
                let close = rest.find('}');
                let end = rest.find(['"', '\n']);
                if close.is_none() || end.is_some_and(|e| close.unwrap() > e) {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The opening quote of a string that runs to the end of its line, if any.
fn unterminated_string(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            if i >= bytes.len() || bytes[i] == b'\n' {
                return Some(start);
            }
        }
        i += 1;
    }
    None
}

/// Strips the common indentation of a `"""` string, its first line break
/// and a last line holding only the closing quotes' indentation.
fn dedent(parts: &mut [StrPart]) {
    if let Some(StrPart::Text(t)) = parts.first_mut()
        && let Some(rest) = t.strip_prefix('\n').or_else(|| t.strip_prefix("\r\n"))
    {
        *t = rest.to_string();
    }
    if let Some(StrPart::Text(t)) = parts.last_mut()
        && let Some(nl) = t.rfind('\n')
        && t[nl + 1..].chars().all(|c| c == ' ' || c == '\t')
    {
        t.truncate(nl);
    }
    // Measure indentation over the lines as they appear: a line's indentation
    // is the blank space before its first text or interpolation.
    let mut min_indent = usize::MAX;
    let mut at_line_start = true;
    let mut line_ws = 0usize;
    for part in parts.iter() {
        match part {
            StrPart::Text(t) => {
                for (i, seg) in t.split('\n').enumerate() {
                    if i > 0 {
                        at_line_start = true;
                        line_ws = 0;
                    }
                    if at_line_start {
                        let ws = seg.len() - seg.trim_start_matches([' ', '\t']).len();
                        if ws < seg.len() {
                            min_indent = min_indent.min(line_ws + ws);
                            at_line_start = false;
                        } else {
                            line_ws += ws;
                        }
                    }
                }
            }
            StrPart::Interp(..) => {
                if at_line_start {
                    min_indent = min_indent.min(line_ws);
                    at_line_start = false;
                }
            }
        }
    }
    if min_indent == 0 || min_indent == usize::MAX {
        return;
    }
    let mut at_line_start = true;
    for part in parts.iter_mut() {
        match part {
            StrPart::Text(t) => {
                let mut out = String::with_capacity(t.len());
                for (i, line) in t.split('\n').enumerate() {
                    if i > 0 {
                        out.push('\n');
                        at_line_start = true;
                    }
                    if at_line_start && !line.is_empty() {
                        let strip = line.len() - line.trim_start_matches([' ', '\t']).len();
                        out.push_str(&line[strip.min(min_indent)..]);
                        at_line_start = false;
                    } else {
                        out.push_str(line);
                    }
                }
                *t = out;
            }
            StrPart::Interp(..) => at_line_start = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_of(src: &str) -> Vec<StrPart> {
        let p = parse(&format!("let x = {src}"));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        match &p.ast.items[0] {
            Item::Let(l) => match &l.value.kind {
                ExprKind::Str(parts) => parts.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_cover_whole_characters() {
        // Found by the `parse` fuzz target: a one-byte range at a stray `�`.
        for text in ["let a = b\u{fffd}\u{fffd}c\n", "\u{fffd}\n", "service a {\n  é = 1\n}\n", "let a = 1\n😀"] {
            let p = parse(text);
            assert!(!p.errors.is_empty(), "{text:?}");
            for e in &p.errors {
                let r = e.range.as_usize();
                assert!(text.get(r.clone()).is_some(), "{text:?}: {r:?} splits a character");
            }
        }
    }

    #[test]
    fn a_union_variant_body_after_a_comment_is_a_body() {
        let p = parse("union U {\n  a // note\n  {}\n  b\n  c { x: int }\n}\n");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let Item::Union(u) = &p.ast.items[0] else { panic!("{:?}", p.ast.items) };
        let bodies: Vec<_> =
            u.variants.iter().map(|v| (v.name.name.as_str(), v.fields.as_ref().map(Vec::len))).collect();
        assert_eq!(bodies, [("a", Some(0)), ("b", None), ("c", Some(1))]);
    }

    #[test]
    fn triple_strings_drop_common_indentation_even_before_interpolations() {
        let parts = string_of("\"\"\"\n    fetch a\n    ${b.c} d\n      e\n    \"\"\"");
        let text: String = parts
            .iter()
            .map(|p| match p {
                StrPart::Text(t) => t.clone(),
                StrPart::Interp(..) => "<i>".into(),
            })
            .collect();
        assert_eq!(text, "fetch a\n<i> d\n  e");
    }

    #[test]
    fn a_value_starts_on_the_line_of_its_equals_sign() {
        let p = parse("service a {\n  region =\n  category = test\n}\n");
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let Item::Decl(d) = &p.ast.items[0] else { panic!() };
        // `category = test` survives as its own field.
        assert!(d.body.entries.iter().any(|e| matches!(e, Entry::Field(f) if f.key.name == "category")));
    }

    #[test]
    fn an_unclosed_inner_brace_is_blamed_by_indentation() {
        let src = "service a {\n  environment dev {\n    instances = { cpu = 1\n  }\n}\n";
        let p = parse(src);
        let unclosed: Vec<_> = p.errors.iter().filter(|e| e.code == Code::UnclosedBrace).collect();
        assert_eq!(unclosed.len(), 1, "{:?}", p.errors);
        assert_eq!(unclosed[0].range.start as usize, src.find("{ cpu").unwrap());
    }

    #[test]
    fn a_path_span_stops_before_a_trailing_comment() {
        let src = "service a {\n  category = tset // note\n}\n";
        let p = parse(src);
        let Item::Decl(d) = &p.ast.items[0] else { panic!() };
        let Entry::Field(f) = &d.body.entries[0] else { panic!() };
        assert_eq!(&src[f.value.range.as_usize()], "tset");
    }
}
