//! The line rules every rendered line goes through on its way into the file:
//! an empty block's `{  }` closes up to `{}`, and `=` signs are aligned the
//! way `terraform fmt` aligns them (within a body or object, a run of
//! consecutive one-line attributes at the same indentation gets its `=`
//! signs in one column; a line opening a multi-line value with `{`, `[` or
//! `(`, a comment, a blank line or a line at another indentation ends the
//! run; the body of a heredoc assigned to a key is copied untouched).
//!
//! They look at lines, not at the tree the lines came from, because the
//! output has always been made so, byte for byte, heredoc text included: a
//! query line `up{}` is written `up {}`, a text line `EOT` ends the copying
//! of the heredoc early, the lines of a heredoc in a list are aligned. They
//! run as the lines arrive, with one reused buffer for the run being
//! aligned.

use std::ops::Range;

/// Receives the rendered lines, without their `\n`, and builds the file.
#[derive(Default)]
pub struct Lines {
    aligner: Aligner,
    /// Reused for lines that have to be put together before aligning.
    scratch: String,
}

impl Lines {
    pub fn with_capacity(bytes: usize) -> Lines {
        Lines { aligner: Aligner { out: String::with_capacity(bytes), ..Aligner::default() }, scratch: String::new() }
    }

    /// A line of a rendered block, where an empty block may be closed up.
    pub fn inner(&mut self, line: &str) {
        // Once for the empty-block pass, once for alignment.
        let line = strip_cr(line);
        match empty_block_head(line) {
            Some(head) => {
                self.scratch.clear();
                self.scratch.push_str(head);
                self.scratch.push_str(" {}");
                self.aligner.line(&self.scratch);
            }
            None => self.aligner.line(strip_cr(line)),
        }
    }

    /// A comment above a block or atop the file (which may span lines).
    pub fn outer_comment(&mut self, text: &str) {
        self.scratch.clear();
        self.scratch.push_str("# ");
        self.scratch.push_str(text);
        for line in self.scratch.split('\n') {
            self.aligner.line(strip_cr(line));
        }
    }

    pub fn outer_blank(&mut self) {
        self.aligner.line("");
    }

    pub fn finish(mut self) -> String {
        self.aligner.flush();
        if self.aligner.out.is_empty() {
            // Nothing to render still renders as one empty line.
            self.aligner.out.push('\n');
        }
        self.aligner.out
    }
}

/// Each stage of the rendering used to split its text with `str::lines`,
/// which drops one `\r` before every `\n`; the stages still do.
pub fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

/// `auto {    }` → `Some("auto")`, to be written `auto {}` as `terraform fmt`
/// writes an empty block.
fn empty_block_head(line: &str) -> Option<&str> {
    let t = line.trim_end();
    let head = t.strip_suffix('}')?.trim_end().strip_suffix('{')?;
    (!head.trim().is_empty() && !head.contains('=')).then(|| head.trim_end())
}

/// Aligns runs of `key = value` lines; lines of the run wait in `run` until
/// a line ends it and their column is known.
#[derive(Default)]
struct Aligner {
    out: String,
    /// The run's lines, each followed by `\n` and by the lines of a heredoc
    /// it opens.
    run: String,
    members: Vec<Member>,
    /// While a heredoc of the last member is open: its delimiter, in `run`.
    heredoc: Option<Range<usize>>,
}

/// A line of the run, by offsets into `Aligner::run`.
struct Member {
    start: usize,
    /// The indentation is `start..key_start`.
    key_start: usize,
    key_end: usize,
    key_chars: usize,
    /// Just after the `=`.
    rest_start: usize,
}

impl Aligner {
    fn line(&mut self, line: &str) {
        if let Some(delimiter) = &self.heredoc {
            if line.trim() == &self.run[delimiter.clone()] {
                self.heredoc = None;
            }
            self.run.push_str(line);
            self.run.push('\n');
            return;
        }
        let Some(attr) = split_attribute(line) else {
            self.write_alone(line);
            return;
        };
        let rest = &line[attr.rest_start..];
        if rest.trim_end().ends_with(['{', '[', '(']) {
            self.write_alone(line);
            return;
        }
        // Indentation compares as text: a tab is not two spaces.
        let indent = &line[..attr.indent];
        if self.members.last().is_some_and(|m| &self.run[m.start..m.key_start] != indent) {
            self.flush();
        }
        let start = self.run.len();
        self.run.push_str(line);
        self.run.push('\n');
        let shift = start + attr.rest_start;
        self.heredoc = heredoc_delimiter(rest).map(|d| d.start + shift..d.end + shift);
        self.members.push(Member {
            start,
            key_start: start + attr.indent,
            key_end: start + attr.key_end,
            key_chars: line[attr.indent..attr.key_end].chars().count(),
            rest_start: start + attr.rest_start,
        });
    }

    fn write_alone(&mut self, line: &str) {
        self.flush();
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn flush(&mut self) {
        let width = self.members.iter().map(|m| m.key_chars).max().unwrap_or(0);
        for (i, m) in self.members.iter().enumerate() {
            let end = self.members.get(i + 1).map_or(self.run.len(), |next| next.start);
            self.out.push_str(&self.run[m.start..m.key_end]);
            self.out.extend(std::iter::repeat_n(' ', width - m.key_chars));
            self.out.push_str(" =");
            self.out.push_str(&self.run[m.rest_start..end]);
        }
        self.members.clear();
        self.run.clear();
    }
}

/// Offsets in a `  key = value` line; keys may be quoted.
struct Attr {
    indent: usize,
    key_end: usize,
    rest_start: usize,
}

fn split_attribute(line: &str) -> Option<Attr> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let key_len = if let Some(rest) = trimmed.strip_prefix('"') {
        let mut escaped = false;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i + 2);
                    break;
                }
                _ => escaped = false,
            }
        }
        end?
    } else {
        let first = trimmed.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(trimmed.len())
    };
    let after = trimmed[key_len..].trim_start_matches(' ');
    let rest = after.strip_prefix('=')?;
    if rest.starts_with('=') {
        return None;
    }
    Some(Attr { indent, key_end: indent + key_len, rest_start: line.len() - rest.len() })
}

/// Where in a value that opens a heredoc (`<<-EOT`) its delimiter is.
fn heredoc_delimiter(value: &str) -> Option<Range<usize>> {
    let v = value.trim();
    let m = v.strip_prefix("<<-").or_else(|| v.strip_prefix("<<"))?;
    let start = value.len() - value.trim_start().len() + v.len() - m.len();
    (!m.is_empty() && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| start..start + m.len())
}

#[cfg(test)]
mod tests {
    use super::Lines;

    fn align(text: &str) -> String {
        let mut lines = Lines::default();
        text.lines().for_each(|l| lines.inner(l));
        lines.finish()
    }

    #[test]
    fn aligns_runs_and_breaks_them_where_terraform_does() {
        let input = "\
resource \"a\" \"b\" {
  name = \"x\"
  project_id = \"y\"
  labels = {
    a = \"1\"
    bbb = \"2\"
  }
  z = 1

  quoted_key = 2
  k = <<-EOT
    a = b
  EOT
  kk = 3
  o = {
    \"User-Agent\" = 1
    b = 2
  }
}
";
        let expected = "\
resource \"a\" \"b\" {
  name       = \"x\"
  project_id = \"y\"
  labels = {
    a   = \"1\"
    bbb = \"2\"
  }
  z = 1

  quoted_key = 2
  k          = <<-EOT
    a = b
  EOT
  kk         = 3
  o = {
    \"User-Agent\" = 1
    b            = 2
  }
}
";
        assert_eq!(align(input), expected);
    }

    #[test]
    fn empty_blocks_close_up() {
        assert_eq!(align("a {\n  b {  }\n  c \"x=y\" {  }\n}"), "a {\n  b {}\n  c \"x=y\" {  }\n}\n");
    }
}
