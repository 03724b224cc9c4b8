//! Comments, found by a small scanner beside the grammar (which skips them),
//! so they keep their exact ranges for doc comments and the formatter.

use super::ast::{Comment, TextRange};

pub fn scan_comments(text: &str) -> Vec<Comment> {
    scan(text, usize::MAX).comments
}

/// What one pass over the text finds outside strings and comments.
pub struct Scan {
    pub comments: Vec<Comment>,
    /// Where brackets first nest deeper than the limit, if they do.
    pub too_deep: Option<usize>,
}

/// Comments, and the first bracket nested deeper than `max_depth`, in one
/// pass (this runs before every parse). Brackets inside strings and comments
/// do not count.
pub fn scan(text: &str, max_depth: usize) -> Scan {
    let bytes = text.as_bytes();
    let mut out = Scan { comments: Vec::new(), too_deep: None };
    let mut depth = 0usize;
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
                out.comments.push(Comment { range: TextRange::new(start, i), doc });
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max_depth && out.too_deep.is_none() {
                    out.too_deep = Some(i);
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
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
    fn depth_counts_brackets_outside_strings_and_comments() {
        assert_eq!(scan("{[(", 2).too_deep, Some(2));
        assert_eq!(scan("{ \"[[[\" // [[[\n \"\"\"\n{{{\n\"\"\" }", 1).too_deep, None);
        // A string ends at its line's end: an unclosed quote hides nothing below.
        assert_eq!(scan("a = \"open\n{{", 1).too_deep, Some(11));
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
