//! The output as lines, and the one pass that aligns them. Alignment needs
//! the widest key of a run before any of its lines can be written, so the
//! printer records lines with their keys marked, and `finish` pads them.

/// One output line: indentation, code and an optional `//` comment after it
/// (or alone, when the code is empty). Code holding a `"""` string spans
/// several physical lines; such a line is never aligned.
#[derive(Debug, Default)]
struct Line {
    indent: usize,
    code: String,
    comment: Option<String>,
    align: Option<Align>,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.code.is_empty() && self.comment.is_none()
    }
}

/// Where a `key = value` line is padded: after `key_end` bytes of its code,
/// which are `key_width` characters wide.
#[derive(Debug, Clone, Copy)]
struct Align {
    run: usize,
    key_end: usize,
    key_width: usize,
}

/// A place in the output: a line and a byte offset in its code.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    pub line: usize,
    pub at: usize,
}

#[derive(Debug)]
pub(super) struct Writer {
    lines: Vec<Line>,
    indent: usize,
    runs: usize,
    /// Nothing written since a block opened (or the file began): a blank
    /// line here would only push the content down.
    fresh: bool,
}

pub(super) const INDENT: usize = 2;

impl Writer {
    pub fn new() -> Writer {
        Writer { lines: Vec::new(), indent: 0, runs: 0, fresh: true }
    }

    /// Starts a line at the current indentation.
    pub fn line(&mut self) {
        self.lines.push(Line { indent: self.indent, ..Line::default() });
        self.fresh = false;
    }

    /// Appends code. A line that already ends in a comment cannot take more
    /// code, so it continues on a new line; at the start of a line the
    /// separating spaces are dropped.
    pub fn text(&mut self, s: &str) {
        if self.lines.last().is_none_or(|l| l.comment.is_some()) {
            self.line();
        }
        let Some(cur) = self.lines.last_mut() else { return };
        let s = if cur.code.is_empty() { s.trim_start_matches(' ') } else { s };
        cur.code.push_str(s);
    }

    /// Puts a comment at the end of the current line, if it has code and no
    /// comment yet.
    pub fn trailing_comment(&mut self, text: &str) -> bool {
        match self.lines.last_mut() {
            Some(cur) if !cur.code.is_empty() && cur.comment.is_none() => {
                cur.comment = Some(text.to_string());
                true
            }
            _ => false,
        }
    }

    /// Puts a comment on a line of its own.
    pub fn own_line_comment(&mut self, text: &str) {
        self.line();
        if let Some(cur) = self.lines.last_mut() {
            cur.comment = Some(text.to_string());
        }
    }

    /// A blank line, unless one is already there or a block just opened.
    /// Returns whether one is there now.
    pub fn blank(&mut self) -> bool {
        match self.lines.last() {
            Some(l) if l.is_blank() => true,
            Some(_) if !self.fresh => {
                self.lines.push(Line::default());
                true
            }
            _ => false,
        }
    }

    pub fn open(&mut self) {
        self.indent += INDENT;
        self.fresh = true;
    }

    pub fn close(&mut self) {
        self.indent = self.indent.saturating_sub(INDENT);
        self.fresh = false;
    }

    pub fn new_run(&mut self) -> usize {
        self.runs += 1;
        self.runs - 1
    }

    /// Where the code written so far on the current line ends.
    pub fn mark(&self) -> Mark {
        Mark { line: self.lines.len().saturating_sub(1), at: self.lines.last().map_or(0, |l| l.code.len()) }
    }

    /// Whether everything since `mark` is on its line, which holds no line
    /// break (a `"""` string) and no comment yet.
    pub fn one_line_since(&self, mark: Mark) -> bool {
        self.lines.len() == mark.line + 1
            && self.lines.last().is_some_and(|l| l.comment.is_none() && !l.code.contains('\n'))
    }

    /// Makes the code before `mark` on its line the key of `run`.
    pub fn align(&mut self, mark: Mark, run: usize) {
        if let Some(l) = self.lines.get_mut(mark.line)
            && let Some(key) = l.code.get(..mark.at)
        {
            l.align = Some(Align { run, key_end: mark.at, key_width: key.chars().count() });
        }
    }

    /// Renders the lines: keys of a run padded to the widest, and the
    /// trailing comments of consecutive lines of a run put in one column.
    pub fn finish(self) -> String {
        let lines = self.lines;
        let mut widths = vec![0usize; self.runs];
        for a in lines.iter().filter_map(|l| l.align) {
            widths[a.run] = widths[a.run].max(a.key_width);
        }
        let pad = |l: &Line| l.align.map_or(0, |a| widths[a.run] - a.key_width);
        let width = |l: &Line| l.indent + l.code.chars().count() + pad(l);
        let run_with_comment = |l: &Line| l.align.filter(|_| l.comment.is_some()).map(|a| a.run);

        let mut out = String::new();
        // The comment column of the current block of aligned, commented lines, and where the block ends.
        let mut column = (0usize, 0usize);
        for (i, l) in lines.iter().enumerate() {
            if l.is_blank() {
                out.push('\n');
                continue;
            }
            if let Some(run) = run_with_comment(l)
                && i >= column.1
            {
                let end =
                    lines[i..].iter().position(|m| run_with_comment(m) != Some(run)).map_or(lines.len(), |n| i + n);
                column = (lines[i..end].iter().map(width).max().unwrap_or(0) + 1, end);
            }
            out.extend(std::iter::repeat_n(' ', l.indent));
            match l.align {
                Some(a) => {
                    out.push_str(&l.code[..a.key_end]);
                    out.extend(std::iter::repeat_n(' ', pad(l)));
                    out.push_str(&l.code[a.key_end..]);
                }
                None => out.push_str(&l.code),
            }
            if let Some(c) = &l.comment {
                if !l.code.is_empty() {
                    let at = if i < column.1 { column.0 } else { width(l) + 1 };
                    out.extend(std::iter::repeat_n(' ', at.saturating_sub(width(l)).max(1)));
                }
                out.push_str(c);
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_value(w: &mut Writer, run: usize, key: &str, value: &str, comment: Option<&str>) {
        w.line();
        w.text(key);
        let key_end = w.mark();
        w.text(" = ");
        w.text(value);
        assert!(w.one_line_since(key_end));
        w.align(key_end, run);
        if let Some(c) = comment {
            assert!(w.trailing_comment(c));
        }
    }

    #[test]
    fn keys_of_a_run_are_padded_to_the_widest_and_comments_share_a_column() {
        let mut w = Writer::new();
        let run = w.new_run();
        key_value(&mut w, run, "a", "1", Some("// one"));
        key_value(&mut w, run, "long", "22", Some("// two"));
        w.own_line_comment("// alone");
        key_value(&mut w, run, "é", "3", None);
        let other = w.new_run();
        key_value(&mut w, other, "x", "4", Some("// own run"));
        assert_eq!(w.finish(), "a    = 1  // one\nlong = 22 // two\n// alone\né    = 3\nx = 4 // own run\n");
    }

    #[test]
    fn no_blank_line_opens_a_block_or_doubles_another() {
        let mut w = Writer::new();
        assert!(!w.blank());
        w.text("a {");
        w.open();
        assert!(!w.blank());
        w.line();
        w.text("b = 1");
        assert!(w.blank());
        assert!(w.blank());
        w.line();
        w.text("c = 2");
        w.close();
        w.line();
        w.text("}");
        assert_eq!(w.finish(), "a {\n  b = 1\n\n  c = 2\n}\n");
    }

    #[test]
    fn code_after_a_comment_continues_on_the_next_line() {
        let mut w = Writer::new();
        w.text("service");
        assert!(w.trailing_comment("// why"));
        w.text(" x");
        assert_eq!(w.finish(), "service // why\nx\n");
    }
}
