//! Aligns `=` the way `terraform fmt` does, which hcl-rs does not: within a
//! body or object, a run of consecutive one-line attributes at the same
//! indentation gets its `=` signs in one column. A line that opens a
//! multi-line value (`{`, `[`, `(`), a comment, a blank line or a nested
//! line ends the run. Heredoc bodies are copied untouched.

pub fn align(text: &str) -> String {
    struct Line {
        indent: String,
        key: String,
        rest: String,
        /// A heredoc's body and terminator, which stay in the run.
        trailing: Vec<String>,
    }
    fn flush(run: &mut Vec<Line>, out: &mut Vec<String>) {
        let width = run.iter().map(|l| l.key.chars().count()).max().unwrap_or(0);
        for l in run.drain(..) {
            let pad = width - l.key.chars().count();
            out.push(format!("{}{}{} ={}", l.indent, l.key, " ".repeat(pad), l.rest));
            out.extend(l.trailing);
        }
    }

    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<Line> = Vec::new();
    let mut heredoc: Option<String> = None;
    for line in text.lines() {
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            run.last_mut().expect("a heredoc belongs to an attribute").trailing.push(line.to_string());
            continue;
        }
        let Some((indent, key, rest)) = split_attribute(line) else {
            flush(&mut run, &mut out);
            out.push(line.to_string());
            continue;
        };
        let r = rest.trim_end();
        if r.ends_with('{') || r.ends_with('[') || r.ends_with('(') {
            flush(&mut run, &mut out);
            out.push(line.to_string());
            continue;
        }
        if run.last().is_some_and(|l| l.indent != indent) {
            flush(&mut run, &mut out);
        }
        heredoc = heredoc_marker(&rest);
        run.push(Line { indent, key, rest, trailing: Vec::new() });
    }
    flush(&mut run, &mut out);
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// `  key = value` → ("  ", "key", " value"); keys may be quoted.
fn split_attribute(line: &str) -> Option<(String, String, String)> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
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
    let key = &trimmed[..key_len];
    let after = trimmed[key_len..].trim_start_matches(' ');
    let rest = after.strip_prefix('=')?;
    if rest.starts_with('=') {
        return None;
    }
    Some((indent.to_string(), key.to_string(), rest.to_string()))
}

fn heredoc_marker(rest: &str) -> Option<String> {
    let r = rest.trim();
    let m = r.strip_prefix("<<-").or_else(|| r.strip_prefix("<<"))?;
    (!m.is_empty() && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| m.to_string())
}

#[cfg(test)]
mod tests {
    use super::align;

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
}
