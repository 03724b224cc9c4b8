//! Editor features over the same queries as the build: completion, hover,
//! navigation, symbols, highlighting, folding, inlay hints, quick fixes and
//! previews. Everything here works in byte offsets of one file's text and
//! returns plain values; the language server (`lsp/`) converts positions to
//! UTF-16 and speaks the protocol. Nothing here catches `salsa::Cancelled`:
//! that is the server's one boundary.

pub mod actions;
pub mod completion;
pub mod context;
#[cfg(test)]
pub mod fixture;
pub mod folding;
pub mod hover;
pub mod inlay;
pub mod names;
pub mod navigation;
pub mod preview;
pub mod symbols;
pub mod tokens;

use crate::diagnostics::FileId;
use crate::syntax::TextRange;

/// A place in the workspace or in the stdlib (whose files have reserved
/// `FileId`s, see `check::stdlib`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    pub range: TextRange,
}

/// One replacement of a range of a file's text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextEdit {
    pub file: FileId,
    pub range: TextRange,
    pub new_text: String,
}
