//! Small Markdown writing helpers: tables, code spans, GitHub heading anchors.

/// A two-column property table (`| PROPERTY | DETAILS |`), in markdownlint's
/// compact style. Cells are escaped; rows with an empty key are skipped.
pub fn table(headers: [&str; 2], rows: &[(String, String)]) -> String {
    let mut out = format!("| {} | {} |\n| --- | --- |\n", headers[0], headers[1]);
    for (k, v) in rows {
        if k.is_empty() {
            continue;
        }
        out.push_str(&format!("| {} | {} |\n", cell(k), cell(v)));
    }
    out
}

/// A table cell: one line, `|` escaped.
pub fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

/// `` `text` ``, with enough backticks for any inside.
pub fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `[text](url)`, with the text's brackets escaped.
pub fn link(text: &str, url: &str) -> String {
    format!("[{}]({})", text.replace('[', "\\[").replace(']', "\\]"), url.replace(' ', "%20").replace(')', "%29"))
}

/// Escapes text that is written inside a line of Markdown prose (a heading,
/// a sentence, a cell): one line, with inline markup escaped. Nothing mspc
/// writes starts a line with user text, so `#` and `-` need no escape.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The anchor GitHub (and markdownlint's MD051) gives a heading: lowercase,
/// punctuation other than `-` and `_` dropped, spaces as `-`.
pub fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Percent-encodes a URL component (RFC 3986 unreserved characters stay).
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A service README's body nested under the page's own headings: every
/// heading one level deeper (outside code fences), so `## Runbook` becomes
/// `### Runbook`.
pub fn nest_headings(body: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<String> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
        } else if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
        } else if trimmed.starts_with('#') && trimmed.trim_start_matches('#').starts_with(' ') {
            let level = trimmed.len() - trimmed.trim_start_matches('#').len();
            if level < 6 {
                out.push_str(&format!("#{trimmed}\n"));
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_githubs() {
        assert_eq!(anchor("prod PostgreSQL instance"), "prod-postgresql-instance");
        assert_eq!(anchor("Cloud SQL - CPU Utilization"), "cloud-sql---cpu-utilization");
        assert_eq!(anchor("`x` (y)"), "x-y");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
    }

    #[test]
    fn readme_headings_go_one_level_down_outside_code() {
        let body = "## Runbook\ntext\n```sh\n# not a heading\n```\n### Deeper\n";
        assert_eq!(nest_headings(body), "### Runbook\ntext\n```sh\n# not a heading\n```\n#### Deeper\n");
    }

    #[test]
    fn tables_escape_cells() {
        assert_eq!(table(["A", "B"], &[("k".into(), "a|b".into())]), "| A | B |\n| --- | --- |\n| k | a\\|b |\n");
    }
}
