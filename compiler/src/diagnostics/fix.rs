//! Laying out a fix's edits in the text they apply to. The checker knows what
//! a fix inserts but not the layout around it; every consumer of fixes (the
//! JSON and SARIF renderers, the language server's quick fixes) applies
//! `Fix::laid_out`, so they all write the same text.

use super::{FileId, Fix, Span};
use crate::syntax::TextRange;

impl Fix {
    /// The edits to apply. An entry added to a record (`entry`) goes on its
    /// own line, indented like its siblings, in a block; after a comma in a
    /// one-line record. `text` gives a file's text; an entry whose file it
    /// does not know is left as it is.
    pub fn laid_out<'t>(&self, text: impl Fn(FileId) -> Option<&'t str>) -> Vec<(Span, String)> {
        self.edits
            .iter()
            .map(|(span, new_text)| match text(span.file).filter(|_| self.entry) {
                Some(t) => place_entry(t, *span, new_text),
                None => (*span, new_text.clone()),
            })
            .collect()
    }
}

/// `span`: an empty range at a record's closing `}`.
fn place_entry(text: &str, span: Span, entry: &str) -> (Span, String) {
    let at = span.range.start as usize;
    if !span.range.is_empty() || text.as_bytes().get(at) != Some(&b'}') || !text.is_char_boundary(at) {
        return (span, entry.to_string());
    }
    let at_ = |offset: usize| Span::new(span.file, TextRange::empty(offset));
    let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    let before = &text[line_start..at];
    if before.trim().is_empty() {
        // `}` starts its line: a new line above it, one level deeper.
        return (at_(line_start), format!("{before}  {entry}\n"));
    }
    // One-line record: after the last entry.
    let last = text[..at].trim_end();
    let sep = if last.ends_with('{') || last.ends_with(',') { " " } else { ", " };
    let trailing = if last.ends_with('{') { " " } else { "" };
    (at_(last.len()), format!("{sep}{entry}{trailing}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry_fix(at: usize, entry: &str) -> Fix {
        Fix {
            message: String::new(),
            edits: vec![(Span::new(FileId(0), TextRange::empty(at)), entry.into())],
            entry: true,
        }
    }

    #[test]
    fn entries_follow_the_record_layout() {
        let laid = |text: &str, at: usize, entry: &str| entry_fix(at, entry).laid_out(|_| Some(text))[0].1.clone();
        assert_eq!(laid("a = { cpu = 1 }", 14, "memory = 1Gi"), ", memory = 1Gi");
        assert_eq!(laid("a = {}", 5, "cpu = 1"), " cpu = 1 ");
        assert_eq!(laid("x {\n    a = 1\n  }\n", 16, "b = 2"), "    b = 2\n");
        // Not an entry fix: as written.
        let plain = Fix { entry: false, ..entry_fix(5, "cpu = 1") };
        assert_eq!(plain.laid_out(|_| Some("a = {}"))[0].1, "cpu = 1");
    }
}
