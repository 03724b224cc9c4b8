//! Walks the file's comments in step with the printer. The printer passes
//! through the source in order; before each token it takes the comments that
//! start earlier, so every comment comes out between the same two tokens it
//! sat between.

use crate::syntax::Comment;

/// A comment the printer is about to place.
#[derive(Debug)]
pub(super) struct Pending<'a> {
    /// The comment without trailing blanks.
    pub text: &'a str,
    /// Code comes before it on its line (`x = 1 // why`).
    pub trailing: bool,
    /// A blank line (or a break a doc comment must keep) separates it from
    /// what came before.
    pub blank_before: bool,
}

pub(super) struct Cursor<'a> {
    src: &'a str,
    comments: &'a [Comment],
    next: usize,
    /// The end of the last token or comment passed.
    last_end: usize,
    /// The last thing passed is a `///` comment on a line of its own: what
    /// separates it from the next one decides what it documents.
    after_doc: bool,
}

/// Whitespace as the grammar counts it.
pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a str, comments: &'a [Comment]) -> Self {
        Cursor { src, comments, next: 0, last_end: 0, after_doc: false }
    }

    /// Notes that the printer has written source up to `end`.
    pub fn advance(&mut self, end: usize) {
        if end > self.last_end {
            self.last_end = end.min(self.src.len());
            self.after_doc = false;
        }
    }

    /// Drops the comments inside text that is copied as written.
    pub fn skip_to(&mut self, end: usize) {
        while self.comments.get(self.next).is_some_and(|c| (c.range.start as usize) < end) {
            self.next += 1;
        }
        self.advance(end);
    }

    pub fn any_before(&self, pos: usize) -> bool {
        self.comments.get(self.next).is_some_and(|c| (c.range.start as usize) < pos)
    }

    /// Takes the next comment if it starts before `pos`.
    pub fn next_before(&mut self, pos: usize) -> Option<Pending<'a>> {
        let c = self.comments.get(self.next).filter(|c| (c.range.start as usize) < pos)?;
        self.next += 1;
        let (start, end) = (c.range.start as usize, (c.range.end as usize).min(self.src.len()));
        let line_start = self.src[..start].rfind('\n').map_or(0, |p| p + 1);
        let trailing = !self.src[line_start..start].chars().all(is_space);
        let blank_before = self.blank_before(start);
        self.last_end = self.last_end.max(end);
        self.after_doc = c.doc && !trailing;
        Some(Pending { text: self.src[start..end].trim_end(), trailing, blank_before })
    }

    /// Whether the text from the last token or comment to `pos` holds a
    /// blank line. After a `///` comment, anything but a single line break
    /// counts too (a stray comma): the formatter drops it, and the comment
    /// must not come to document what follows.
    pub fn blank_before(&self, pos: usize) -> bool {
        let Some(between) = self.src.get(self.last_end..pos) else { return false };
        between.matches('\n').count() >= 2 || (self.after_doc && !between.chars().all(is_space))
    }

    /// The offset of the next `want` at or after `from`, past spaces,
    /// comments and commas; `from` when something else comes first.
    pub fn find(&self, from: usize, want: char) -> usize {
        let bytes = self.src.as_bytes();
        let mut i = from;
        while i < bytes.len() {
            match bytes[i] {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i = self.src[i..].find('\n').map_or(bytes.len(), |n| i + n);
                }
                _ if self.src[i..].starts_with('\u{FEFF}') => i += '\u{FEFF}'.len_utf8(),
                _ if self.src[i..].starts_with(want) => return i,
                _ => return from,
            }
        }
        from
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::trivia::scan_comments;

    #[test]
    fn comments_are_told_apart_by_what_precedes_them() {
        let src = "a = 1 // after\n\n// alone\nb = 2";
        let comments = scan_comments(src);
        let mut c = Cursor::new(src, &comments);
        c.advance(5);
        let first = c.next_before(src.len()).unwrap();
        assert!(first.trailing && !first.blank_before);
        let second = c.next_before(src.len()).unwrap();
        assert!(!second.trailing && second.blank_before);
        assert_eq!(second.text, "// alone");
        assert!(c.next_before(src.len()).is_none());
        assert!(!c.blank_before(src.find('b').unwrap()));
    }

    #[test]
    fn a_comma_after_a_doc_comment_is_a_break() {
        let src = "/// doc\n, b = 2";
        let comments = scan_comments(src);
        let mut c = Cursor::new(src, &comments);
        c.next_before(src.len()).unwrap();
        assert!(c.blank_before(src.find('b').unwrap()));
    }

    #[test]
    fn find_skips_comments_and_commas() {
        let src = "x // c\n , {";
        let comments = scan_comments(src);
        let c = Cursor::new(src, &comments);
        assert_eq!(c.find(1, '{'), src.len() - 1);
        assert_eq!(c.find(1, '('), 1);
    }
}
