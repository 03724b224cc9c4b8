//! A tolerant lexer for text being typed. The parser recovers per line, but
//! the text around the cursor is usually exactly what it could not read
//! (`postgres = {` with no closing brace, `region =` with nothing after it),
//! so the editor features read tokens instead: every input lexes, and the
//! lexer says whether the text ends inside a string, an interpolation or a
//! comment.

use crate::syntax::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// Names may hold `-`: `us-central1`.
    Ident,
    /// Digits and any letters after them: `30s`, `1Gi`, `-1`.
    Number,
    /// A whole string, quotes included (unclosed ones end at their line).
    Str,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Eq,
    Comma,
    Dot,
    DotDot,
    Newline,
    /// Anything else, one character.
    Other,
    /// Not produced by the lexer: stands for a closed bracket group in an entry.
    Group,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub range: TextRange,
}

/// Where lexed text ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    Code,
    /// Inside a `//` comment.
    Comment,
    /// Inside a string that is still open: where its quotes start, where its
    /// text starts, and where the path of an open `${` starts.
    Str {
        start: u32,
        content: u32,
        interp: Option<u32>,
    },
}

/// Tokens of `text`, with offsets shifted by `base` (the position of `text`
/// in its file), and where the text ends.
pub fn lex(text: &str, base: u32) -> (Vec<Token>, Tail) {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| base + i as u32;
    let mut push =
        |kind: Tok, s: usize, e: usize| out.push(Token { kind, range: TextRange { start: at(s), end: at(e) } });
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                push(Tok::Newline, i, i + 1);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => match b[i..].iter().position(|&x| x == b'\n') {
                Some(n) => i += n,
                None => return (out, Tail::Comment),
            },
            b'"' => match string(b, i) {
                Ok(end) => {
                    push(Tok::Str, i, end);
                    i = end;
                }
                Err((content, interp)) => {
                    let interp = interp.map(at);
                    return (out, Tail::Str { start: at(i), content: at(content), interp });
                }
            },
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let e = ident_end(b, i);
                push(Tok::Ident, i, e);
                i = e;
            }
            b'0'..=b'9' => {
                let e = number_end(b, i);
                push(Tok::Number, i, e);
                i = e;
            }
            b'-' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let e = number_end(b, i + 1);
                push(Tok::Number, i, e);
                i = e;
            }
            b'.' if b.get(i + 1) == Some(&b'.') => {
                push(Tok::DotDot, i, i + 2);
                i += 2;
            }
            _ => {
                let kind = match c {
                    b'{' => Tok::LBrace,
                    b'}' => Tok::RBrace,
                    b'[' => Tok::LBracket,
                    b']' => Tok::RBracket,
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b'=' => Tok::Eq,
                    b',' => Tok::Comma,
                    b'.' => Tok::Dot,
                    _ => Tok::Other,
                };
                // `i` is at a character boundary here: every token ends at one.
                let len = text.get(i..).and_then(|s| s.chars().next()).map_or(1, char::len_utf8);
                push(kind, i, i + len);
                i += len;
            }
        }
    }
    (out, Tail::Code)
}

pub fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Where the identifier characters from byte `i` of `b` end (`i` itself if
/// there are none).
pub fn ident_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ident_byte(b[i]) {
        i += 1;
    }
    i
}

fn number_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
        i += 1;
    }
    i
}

/// The string starting at `start` (a `"`): its end, or, when the text ends
/// inside it, where its text starts and where an open `${`'s path starts.
/// Only ASCII bytes end anything, so every offset returned is a character
/// boundary.
fn string(b: &[u8], start: usize) -> Result<usize, (usize, Option<usize>)> {
    let triple = b[start..].starts_with(b"\"\"\"");
    let content = start + if triple { 3 } else { 1 };
    let mut j = content;
    loop {
        let Some(&c) = b.get(j) else { return Err((content, None)) };
        match c {
            b'"' if !triple => return Ok(j + 1),
            b'"' if b[j..].starts_with(b"\"\"\"") => return Ok(j + 3),
            // A one-line string ends at its line even when unclosed.
            b'\n' if !triple => return Ok(j),
            b'\\' => j += 2,
            b'$' if b.get(j + 1) == Some(&b'{') => {
                let path = j + 2;
                let mut k = path;
                loop {
                    match b.get(k) {
                        None => return Err((content, Some(path))),
                        Some(b'}') => {
                            j = k + 1;
                            break;
                        }
                        Some(b'"' | b'\n') => {
                            j = k;
                            break;
                        }
                        Some(_) => k += 1,
                    }
                }
            }
            _ => j += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text, 0).0.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn names_numbers_and_punctuation() {
        use Tok::*;
        assert_eq!(kinds("region = us-west1"), vec![Ident, Eq, Ident]);
        assert_eq!(kinds("memory = 1Gi, x = -1"), vec![Ident, Eq, Number, Comma, Ident, Eq, Number]);
        assert_eq!(
            kinds("{ ..base }\n[a.b]"),
            vec![LBrace, DotDot, Ident, RBrace, Newline, LBracket, Ident, Dot, Ident, RBracket]
        );
    }

    #[test]
    fn strings_comments_and_where_the_text_ends() {
        let (toks, tail) = lex(r#"a = "x // y" // c"#, 0);
        assert_eq!(toks.iter().map(|t| t.kind).collect::<Vec<_>>(), vec![Tok::Ident, Tok::Eq, Tok::Str]);
        assert_eq!(tail, Tail::Comment);
        // An unclosed one-line string ends at its line; the next line is code.
        let (toks, tail) = lex("a = \"open\nb = 1", 0);
        assert_eq!(toks.len(), 7);
        assert_eq!(tail, Tail::Code);
        let text = "x = \"https://${environment.pro";
        let (_, tail) = lex(text, 10);
        assert_eq!(
            tail,
            Tail::Str { start: 14, content: 15, interp: Some(10 + text.find("environment").unwrap() as u32) }
        );
        // A closed `${…}` and an escaped quote stay inside the string.
        let (toks, tail) = lex(r#""a ${b} \" c""#, 0);
        assert_eq!((toks.len(), tail), (1, Tail::Code));
        // Triple-quoted strings span lines and hold single quotes.
        let (toks, tail) = lex("\"\"\"\n a \" b\n\"\"\" x", 0);
        assert_eq!(toks.iter().map(|t| t.kind).collect::<Vec<_>>(), vec![Tok::Str, Tok::Ident]);
        assert_eq!(tail, Tail::Code);
        assert!(matches!(lex("\"\"\"\n open", 0).1, Tail::Str { content: 3, interp: None, .. }));
    }

    #[test]
    fn multibyte_text_keeps_character_boundaries() {
        let text = "é = \"🎉\\é\" ü ${";
        let (toks, _) = lex(text, 0);
        for t in toks {
            assert!(text.is_char_boundary(t.range.start as usize) && text.is_char_boundary(t.range.end as usize));
        }
    }
}
