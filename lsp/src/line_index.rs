//! Byte offsets ↔ LSP positions (line, UTF-16 column). Editors send any
//! position, including past the end of a line or the file; they are clamped.

use tower_lsp_server::ls_types::{Position, Range};

use mspc_compiler::syntax::TextRange;

pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of each line's first character.
    starts: Vec<u32>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        LineIndex { text, starts }
    }

    pub fn position(&self, offset: u32) -> Position {
        let mut offset = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.starts[line] as usize;
        let character = self.text[start..offset].encode_utf16().count() as u32;
        Position { line: line as u32, character }
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range { start: self.position(range.start), end: self.position(range.end) }
    }

    pub fn offset(&self, pos: Position) -> u32 {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len() as u32;
        };
        let end = self.starts.get(pos.line as usize + 1).map_or(self.text.len(), |&e| e as usize - 1);
        let line = &self.text[start as usize..end];
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= pos.character {
                return start + i as u32;
            }
            units += c.len_utf16() as u32;
        }
        // Past the end of the line (or inside the last character's surrogates).
        start + line.len() as u32
    }

    pub fn text_range(&self, range: Range) -> TextRange {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        TextRange::new(a.min(b) as usize, a.max(b) as usize)
    }

    /// The line of an offset (0-based).
    pub fn line(&self, offset: u32) -> u32 {
        self.position(offset).line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_and_clamping() {
        let text = "a = \"é😀x\"\nb\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        // `é` is one UTF-16 unit, the emoji two.
        assert_eq!(idx.position(x), Position { line: 0, character: 8 });
        assert_eq!(idx.offset(Position { line: 0, character: 8 }), x);
        // Inside the emoji's surrogate pair: the emoji's start.
        let emoji = text.find('😀').unwrap() as u32;
        assert_eq!(idx.offset(Position { line: 0, character: 7 }), x);
        assert_eq!(idx.offset(Position { line: 0, character: 6 }), emoji);
        // Inside a multi-byte character: clamped back to its start.
        assert_eq!(idx.position(emoji + 1), idx.position(emoji));
        assert_eq!(idx.offset(Position { line: 0, character: 99 }), text.find('\n').unwrap() as u32);
        assert_eq!(idx.offset(Position { line: 9, character: 0 }), text.len() as u32);
        assert_eq!(idx.position(999), Position { line: 2, character: 0 });
        assert_eq!(idx.offset(Position { line: 1, character: 1 }), text.rfind('b').unwrap() as u32 + 1);
    }
}
