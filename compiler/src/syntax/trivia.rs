//! Comments, found by a small scanner beside the grammar (which skips them),
//! so they keep their exact ranges for doc comments and the formatter.

use super::ast::{Comment, TextRange};

pub fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                let doc = bytes[start..].starts_with(b"///") && !bytes[start..].starts_with(b"////");
                out.push(Comment { range: TextRange::new(start, i), doc });
            }
            _ => i += 1,
        }
    }
    out
}

/// Finds the `///` lines directly above `offset` (only blank space between),
/// and joins their text. Used to attach docs to the declaration that follows.
pub struct DocIndex<'a> {
    text: &'a str,
    comments: &'a [Comment],
}

impl<'a> DocIndex<'a> {
    pub fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        DocIndex { text, comments }
    }

    pub fn doc_before(&self, offset: usize) -> Option<String> {
        let idx = self.comments.partition_point(|c| (c.range.end as usize) <= offset);
        let mut lines = Vec::new();
        let mut cursor = offset;
        for c in self.comments[..idx].iter().rev() {
            let between = &self.text[c.range.end as usize..cursor];
            if !c.doc || !between.chars().all(char::is_whitespace) || between.matches('\n').count() > 1 {
                break;
            }
            // The comment must start its line: `x = 1 /// doc` documents nothing.
            let line_start = self.text[..c.range.start as usize].rfind('\n').map_or(0, |p| p + 1);
            if !self.text[line_start..c.range.start as usize].trim().is_empty() {
                break;
            }
            let body = &self.text[c.range.start as usize + 3..c.range.end as usize];
            lines.push(body.strip_prefix(' ').unwrap_or(body).trim_end().to_string());
            cursor = c.range.start as usize;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_inside_strings_are_not_comments() {
        let text = "a = \"http://x\" // real\n/// doc\nb = \"\"\"\n // no\n\"\"\"";
        let found: Vec<_> = scan_comments(text).iter().map(|c| &text[c.range.as_usize()]).collect();
        assert_eq!(found, vec!["// real", "/// doc"]);
    }

    #[test]
    fn doc_attaches_only_across_one_line_break() {
        let text = "/// one\n/// two\nx = 1\n/// far\n\ny = 2";
        let comments = scan_comments(text);
        let idx = DocIndex::new(text, &comments);
        assert_eq!(idx.doc_before(text.find("x =").unwrap()).as_deref(), Some("one\ntwo"));
        assert_eq!(idx.doc_before(text.find("y =").unwrap()), None);
    }
}
