//! Text → owned AST with byte ranges. No salsa, no I/O: `parse` is a pure
//! function and never fails (errors come back beside the tree).

pub mod ast;
pub mod literals;
mod parser;
pub mod trivia;

pub use ast::*;
pub use parser::{MAX_DEPTH, Parse, SyntaxError, parse};

/// The grammar's keywords (its `kw_*` rules). A name spelled like one is
/// still a name where the grammar expects one, but not where an item starts.
pub const KEYWORDS: &[&str] = &["import", "as", "let", "service", "job", "platform", "schema", "enum", "union"];

/// Whether `text` is a name as the grammar reads one: a letter or `_`, then
/// letters, digits, `_` or `-`. (Keywords are names by this rule.)
pub fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_the_grammars() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../grammar/msp.pest");
        let grammar = std::fs::read_to_string(path).expect("the grammar");
        let mut in_grammar: Vec<&str> = grammar
            .lines()
            .filter_map(|l| l.strip_prefix("kw_"))
            .filter_map(|l| Some(l.split_once('"')?.1.split_once('"')?.0))
            .collect();
        let mut ours = KEYWORDS.to_vec();
        in_grammar.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, in_grammar);
    }

    #[test]
    fn names() {
        for name in ["a", "_x", "us-central1", "a_b-c9", "service"] {
            assert!(is_ident(name), "{name}");
        }
        for not in ["", "1a", "-a", "a.b", "a b", "é", "a\"", "${a}"] {
            assert!(!is_ident(not), "{not}");
        }
    }
}
