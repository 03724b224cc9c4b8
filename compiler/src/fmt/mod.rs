//! The formatter: one canonical layout for `.msp` files, the one the
//! examples are written in.
//!
//! - Two spaces of indentation; one entry a line in a multi-line block.
//! - A record, list or call stays on one line when it was written on one
//!   line (spaced as `{ a = 1, b = [x, y] }`), and stays multi-line when it
//!   was not; multi-line lists and calls end every item with a comma,
//!   multi-line records and schemas use none. There is no width limit: where
//!   to break is the author's choice.
//! - In a run of consecutive one-line `key = value` entries (or `let`s),
//!   the `=` signs line up, and so do the comments at the ends of
//!   consecutive lines. A blank line, a multi-line entry, a block or a
//!   spread ends the run; a comment line does not.
//! - Blank lines between entries and items are kept, at most one; none
//!   after an opening brace, before a closing one, or at either end of the
//!   file.
//! - Literals, names and strings (escapes, `"""` strings and the lines in
//!   them) are copied exactly as written.
//! - Every comment stays between the same two tokens, on its line or after
//!   the code it followed.
//!
//! A file with syntax errors is refused, never half formatted. Before
//! returning, the output is parsed again and must give the same tree (ranges
//! aside) and the same comments in the same order.

mod comments;
pub mod compare;
mod decls;
mod lines;
mod print;

use crate::syntax::{self, SyntaxError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The file does not parse; it is left as it is.
    Syntax(Vec<SyntaxError>),
    /// The formatted text would not mean the same as the file (a formatter
    /// bug); the file is left as it is.
    Changed(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(errors) => write!(f, "the file has {} syntax error(s)", errors.len()),
            FormatError::Changed(what) => write!(f, "internal formatter error: the formatted text {what}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats one file's text.
pub fn format(text: &str) -> Result<String, FormatError> {
    let parse = syntax::parse(text);
    if !parse.errors.is_empty() {
        return Err(FormatError::Syntax(parse.errors));
    }
    let mut printer = print::Printer::new(text, &parse.ast);
    printer.file(&parse.ast);
    let out = printer.w.finish();

    let again = syntax::parse(&out);
    if !again.errors.is_empty() {
        return Err(FormatError::Changed(format!("does not parse: {}", again.errors[0].message)));
    }
    if compare::comment_texts(text, &parse.ast) != compare::comment_texts(&out, &again.ast) {
        return Err(FormatError::Changed("loses or reorders comments".into()));
    }
    if compare::shape(&again.ast) != compare::shape(&parse.ast) {
        return Err(FormatError::Changed("parses to a different tree".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
