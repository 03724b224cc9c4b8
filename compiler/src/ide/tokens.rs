//! Semantic highlighting: the names of `names.rs` coloured by what they
//! refer to (a bare `internal` is a variant where `Category` is expected and
//! a variable where a `let` of that name is meant), literals, and comments.
//! Tokens are sorted, never overlap and never span a line break: editors
//! without multi-line token support would drop them.

use super::names::{self, Occurrence, Role, Target};
use crate::check::stdlib::Stdlib;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::syntax::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Keyword,
    Type,
    Property,
    EnumMember,
    Variable,
    Namespace,
    Function,
    String,
    Number,
    Comment,
    Operator,
    Decorator,
    Parameter,
}

/// The legend: each kind and the standard LSP token type it is sent as.
pub const TOKEN_KINDS: &[(TokenKind, &str)] = &[
    (TokenKind::Keyword, "keyword"),
    (TokenKind::Type, "type"),
    (TokenKind::Property, "property"),
    (TokenKind::EnumMember, "enumMember"),
    (TokenKind::Variable, "variable"),
    (TokenKind::Namespace, "namespace"),
    (TokenKind::Function, "function"),
    (TokenKind::String, "string"),
    (TokenKind::Number, "number"),
    (TokenKind::Comment, "comment"),
    (TokenKind::Operator, "operator"),
    (TokenKind::Decorator, "decorator"),
    (TokenKind::Parameter, "parameter"),
];

/// The modifier legend; bit `i` of `Token::modifiers` is `MODIFIERS[i]`.
pub const MODIFIERS: &[&str] = &["declaration", "documentation", "defaultLibrary", "readonly"];

pub const DECLARATION: u32 = 1 << 0;
pub const DOCUMENTATION: u32 = 1 << 1;
pub const DEFAULT_LIBRARY: u32 = 1 << 2;
pub const READONLY: u32 = 1 << 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    pub range: TextRange,
    pub kind: TokenKind,
    pub modifiers: u32,
}

pub fn semantic_tokens(db: &dyn Db, ws: Workspace, file: SourceFile) -> Vec<Token> {
    let text = file.text(db);
    let occurrences = names::occurrences(db, ws, file);
    // The interpolations, by position: each string finds its own by search.
    let mut holes: Vec<TextRange> = occurrences.iter().filter(|o| o.role == Role::Interp).map(|o| o.range).collect();
    holes.sort();
    let mut raw: Vec<Token> = Vec::new();
    for o in occurrences {
        match o.role {
            Role::Str => string_pieces(o.range, &holes, &mut raw),
            Role::Interp => {
                // `${` and `}` around the path, whose names are tokens of their own.
                for (range, word) in [
                    (TextRange { start: o.range.start, end: o.range.start.saturating_add(2) }, "${"),
                    (TextRange { start: o.range.end.saturating_sub(1), end: o.range.end }, "}"),
                ] {
                    if text.get(range.as_usize()) == Some(word) {
                        raw.push(Token { range, kind: TokenKind::Operator, modifiers: 0 });
                    }
                }
            }
            _ => raw.push(classify(o)),
        }
    }
    for c in &db::parse(db, file).ast.comments {
        let modifiers = if c.doc { DOCUMENTATION } else { 0 };
        raw.push(Token { range: c.range, kind: TokenKind::Comment, modifiers });
    }
    let mut lines: Vec<Token> = Vec::with_capacity(raw.len());
    for t in raw {
        for range in split_lines(text, t.range) {
            lines.push(Token { range, ..t });
        }
    }
    lines.sort_by_key(|t| (t.range.start, std::cmp::Reverse(t.range.end)));
    let mut out: Vec<Token> = Vec::with_capacity(lines.len());
    for t in lines {
        // Only a file the parser and the comment scanner read differently
        // could overlap; the first token wins.
        if out.last().is_none_or(|last| t.range.start >= last.range.end) {
            out.push(t);
        }
    }
    out
}

fn classify(o: &Occurrence) -> Token {
    let declared = if o.decl { DECLARATION } else { 0 };
    let from_stdlib = match &o.target {
        Some(Target::Stdlib(span)) if Stdlib::is_stdlib(span.file) => DEFAULT_LIBRARY,
        _ => 0,
    };
    let (kind, modifiers) = match o.role {
        Role::Keyword => (TokenKind::Keyword, 0),
        Role::DeclLabel | Role::Alias => (TokenKind::Namespace, declared),
        Role::EnvLabel | Role::EnvUse | Role::Defaults | Role::Unresolved => (TokenKind::Variable, declared),
        Role::Let => (TokenKind::Variable, declared | READONLY),
        Role::Label | Role::Field | Role::Key | Role::Member | Role::FieldDecl => (TokenKind::Property, declared),
        Role::ContextField => (TokenKind::Property, from_stdlib),
        Role::Context => (TokenKind::Variable, from_stdlib),
        Role::Variant | Role::VariantDecl => (TokenKind::EnumMember, declared | from_stdlib),
        Role::ImportPath | Role::Str | Role::Interp => (TokenKind::String, 0),
        Role::Function => (TokenKind::Function, DEFAULT_LIBRARY),
        Role::Number => (TokenKind::Number, 0),
        Role::Operator => (TokenKind::Operator, 0),
        Role::Decorator => (TokenKind::Decorator, 0),
        Role::TypeName => (TokenKind::Type, declared | from_stdlib),
        Role::AttrArg => (TokenKind::Parameter, 0),
    };
    Token { range: o.range, kind, modifiers }
}

/// A string literal without the interpolations inside it. `holes`: every
/// interpolation of the file, sorted.
fn string_pieces(string: TextRange, holes: &[TextRange], out: &mut Vec<Token>) {
    let first = holes.partition_point(|h| h.start < string.start);
    let inside = holes[first..].iter().take_while(|h| h.start < string.end).filter(|h| h.end <= string.end).copied();
    let mut at = string.start;
    for hole in inside.chain([TextRange::empty(string.end as usize)]) {
        if hole.start > at {
            out.push(Token { range: TextRange { start: at, end: hole.start }, kind: TokenKind::String, modifiers: 0 });
        }
        at = at.max(hole.end);
    }
}

/// The parts of `range` on each line, without line breaks.
fn split_lines(text: &str, range: TextRange) -> Vec<TextRange> {
    let Some(slice) = text.get(range.as_usize()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start = range.start as usize;
    for line in slice.split('\n') {
        let trimmed = line.strip_suffix('\r').unwrap_or(line);
        if !trimmed.is_empty() {
            out.push(TextRange::new(start, start + trimmed.len()));
        }
        start += line.len() + 1;
    }
    out
}

/// Checks what editors rely on: sorted, non-overlapping, non-empty tokens,
/// each on one line, on character boundaries of `text`.
#[cfg(test)]
pub(crate) fn assert_valid(text: &str, tokens: &[Token]) {
    let mut end = 0;
    for t in tokens {
        let slice = text.get(t.range.as_usize());
        assert!(slice.is_some(), "{t:?} is outside the text or splits a character");
        let slice = slice.unwrap_or_default();
        assert!(!slice.is_empty(), "{t:?} is empty");
        assert!(!slice.contains('\n'), "{t:?} spans lines: {slice:?}");
        assert!(t.range.start >= end, "{t:?} overlaps or is out of order");
        assert!(t.modifiers < 1 << MODIFIERS.len(), "{t:?} has an unknown modifier");
        end = t.range.end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    const FILE: &str = r#"import "../teams.msp" as teams

/// The port.
/// (Two doc lines.)
let port = 8080

// An ordinary comment
// over two lines.
service a {
  owners      = [teams.core]
  description = """
    Listens on ${port}
    for ${service.id}.
    """
  image       = "us.gcr.io/example/a"

  environment dev {
    project_id = "a-dev-1a2b"
    category   = test
    deploy     = manual
    instances  = { memory = 1Gi }
    secret_env = { TOKEN = secret("a-token") }
  }
  rollout { stages = [dev] }
}
"#;

    fn tokens() -> (Fixture, Vec<Token>) {
        let fx = Fixture::new(&format!("//- teams.msp\nlet core = \"core\"\n//- services/a.msp\n$0{FILE}"));
        let tokens = semantic_tokens(fx.db(), fx.ws(), fx.file);
        (fx, tokens)
    }

    /// The tokens whose text is `word`.
    fn find<'a>(fx: &Fixture, tokens: &'a [Token], word: &str) -> Vec<&'a Token> {
        tokens.iter().filter(|t| fx.text().get(t.range.as_usize()) == Some(word)).collect()
    }

    fn one(fx: &Fixture, tokens: &[Token], word: &str) -> (TokenKind, u32) {
        let found = find(fx, tokens, word);
        assert_eq!(found.len(), 1, "one token `{word}`: {found:?}");
        (found[0].kind, found[0].modifiers)
    }

    #[test]
    fn tokens_are_valid_for_the_editor() {
        let (fx, tokens) = tokens();
        assert_valid(fx.text(), &tokens);
        // The `"""` string is cut around its interpolations and at each line.
        let strings: Vec<&str> = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::String)
            .filter_map(|t| fx.text().get(t.range.as_usize()))
            .collect();
        assert!(strings.contains(&"\"\"\""), "{strings:?}");
        assert!(strings.contains(&"    Listens on "), "{strings:?}");
        assert!(strings.contains(&"    for "), "{strings:?}");
        assert!(strings.contains(&"    \"\"\""), "{strings:?}");
        assert_eq!(find(&fx, &tokens, "${").len(), 2);
    }

    #[test]
    fn comments_and_doc_comments() {
        let (fx, tokens) = tokens();
        assert_eq!(one(&fx, &tokens, "/// The port."), (TokenKind::Comment, DOCUMENTATION));
        assert_eq!(one(&fx, &tokens, "/// (Two doc lines.)"), (TokenKind::Comment, DOCUMENTATION));
        assert_eq!(one(&fx, &tokens, "// over two lines."), (TokenKind::Comment, 0));
    }

    #[test]
    fn names_are_coloured_by_what_they_mean() {
        let (fx, tokens) = tokens();
        assert_eq!(one(&fx, &tokens, "import"), (TokenKind::Keyword, 0));
        assert_eq!(one(&fx, &tokens, "\"../teams.msp\""), (TokenKind::String, 0));
        let aliases: Vec<(TokenKind, u32)> =
            find(&fx, &tokens, "teams").iter().map(|t| (t.kind, t.modifiers)).collect();
        assert_eq!(aliases, [(TokenKind::Namespace, DECLARATION), (TokenKind::Namespace, 0)]);
        let ports: Vec<(TokenKind, u32)> = find(&fx, &tokens, "port").iter().map(|t| (t.kind, t.modifiers)).collect();
        assert_eq!(ports, [(TokenKind::Variable, DECLARATION | READONLY), (TokenKind::Variable, READONLY)]);
        assert_eq!(one(&fx, &tokens, "8080"), (TokenKind::Number, 0));
        assert_eq!(one(&fx, &tokens, "1Gi"), (TokenKind::Number, 0));
        assert_eq!(one(&fx, &tokens, "a"), (TokenKind::Namespace, DECLARATION));
        assert_eq!(one(&fx, &tokens, "owners"), (TokenKind::Property, 0));
        assert_eq!(one(&fx, &tokens, "TOKEN"), (TokenKind::Property, 0));
        assert_eq!(one(&fx, &tokens, "test"), (TokenKind::EnumMember, DEFAULT_LIBRARY));
        assert_eq!(one(&fx, &tokens, "manual"), (TokenKind::EnumMember, DEFAULT_LIBRARY));
        assert_eq!(one(&fx, &tokens, "secret"), (TokenKind::Function, DEFAULT_LIBRARY));
        let devs: Vec<(TokenKind, u32)> = find(&fx, &tokens, "dev").iter().map(|t| (t.kind, t.modifiers)).collect();
        assert_eq!(devs, [(TokenKind::Variable, DECLARATION), (TokenKind::Variable, 0)]);
        // `${service.id}`: the compiler's context, and its field.
        let services: Vec<(TokenKind, u32)> =
            find(&fx, &tokens, "service").iter().map(|t| (t.kind, t.modifiers)).collect();
        assert_eq!(services, [(TokenKind::Keyword, 0), (TokenKind::Variable, DEFAULT_LIBRARY)]);
        assert_eq!(one(&fx, &tokens, "id"), (TokenKind::Property, DEFAULT_LIBRARY));
        assert_eq!(find(&fx, &tokens, "=").len(), 12);
    }

    #[test]
    fn schema_declarations_get_types_and_decorators() {
        let fx = Fixture::new(
            "$0schema Thing @x {\n  /// Doc.\n  size: list<Region>? = [] @range(1, 2) @only(service)\n}\n",
        );
        let tokens = semantic_tokens(fx.db(), fx.ws(), fx.file);
        assert_valid(fx.text(), &tokens);
        assert_eq!(one(&fx, &tokens, "schema"), (TokenKind::Keyword, 0));
        assert_eq!(one(&fx, &tokens, "Thing"), (TokenKind::Type, DECLARATION));
        assert_eq!(one(&fx, &tokens, "Region"), (TokenKind::Type, DEFAULT_LIBRARY));
        assert_eq!(one(&fx, &tokens, "list"), (TokenKind::Type, 0));
        assert_eq!(one(&fx, &tokens, "size"), (TokenKind::Property, DECLARATION));
        assert_eq!(one(&fx, &tokens, "@range"), (TokenKind::Decorator, 0));
        assert_eq!(one(&fx, &tokens, "service"), (TokenKind::Parameter, 0));
    }

    #[test]
    fn broken_lines_get_no_tokens_and_the_rest_still_does() {
        let fx = Fixture::new("$0let a = {\nlet b = ]]] \"open\nlet c = 1\n");
        let tokens = semantic_tokens(fx.db(), fx.ws(), fx.file);
        assert_valid(fx.text(), &tokens);
        assert_eq!(one(&fx, &tokens, "c"), (TokenKind::Variable, DECLARATION | READONLY));
        assert!(find(&fx, &tokens, "]]]").is_empty());
    }

    #[test]
    fn the_legend_covers_every_kind_and_modifier() {
        use TokenKind::*;
        let every = [
            Keyword, Type, Property, EnumMember, Variable, Namespace, Function, String, Number, Comment, Operator,
            Decorator, Parameter,
        ];
        for kind in every {
            // A new kind breaks this match: add it to `every` and the legend.
            match kind {
                Keyword | Type | Property | EnumMember | Variable | Namespace | Function | String | Number
                | Comment | Operator | Decorator | Parameter => {}
            }
            assert_eq!(TOKEN_KINDS.iter().filter(|(k, _)| *k == kind).count(), 1, "{kind:?} in the legend once");
        }
        assert_eq!(TOKEN_KINDS.len(), every.len());
        let names: std::collections::BTreeSet<&str> = TOKEN_KINDS.iter().map(|(_, n)| *n).collect();
        assert_eq!(names.len(), TOKEN_KINDS.len());
        for (bit, name) in [
            (DECLARATION, "declaration"),
            (DOCUMENTATION, "documentation"),
            (DEFAULT_LIBRARY, "defaultLibrary"),
            (READONLY, "readonly"),
        ] {
            assert_eq!(MODIFIERS[bit.trailing_zeros() as usize], name);
        }
    }
}
