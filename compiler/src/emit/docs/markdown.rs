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
    format!("[{}]({})", link_text(text), url.replace(' ', "%20").replace(')', "%29"))
}

fn link_text(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
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

/// Marks a link to one of the page's own headings until `resolve_anchors`
/// knows the anchor it ends up with. A private-use character: it cannot come
/// from user text that went through `text` or `code` unnoticed, and an
/// unresolved one fails the tests loudly.
const LOCAL: char = '\u{E000}';

/// A link to a heading the generator writes on the same page.
pub fn local_link(text: &str, heading: &str) -> String {
    format!("[{}](#{LOCAL}{}{LOCAL})", link_text(text), anchor(heading))
}

/// Replaces `local_link` targets with the anchors GitHub gives the headings.
/// Headings in `foreign` (the embedded README) count, since GitHub numbers
/// repeated anchors (`rollouts`, `rollouts-1`) across the whole page, but a
/// link always means the generator's own heading: the first one outside
/// `foreign` with that anchor.
pub fn resolve_anchors(page: &str, foreign: std::ops::Range<usize>) -> String {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut ours: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (offset, heading) in headings(page) {
        let base = anchor(&heading_text(&heading));
        let n = seen.entry(base.clone()).or_insert(0);
        let final_anchor = if *n == 0 { base.clone() } else { format!("{base}-{n}") };
        *n += 1;
        if !foreign.contains(&offset) {
            ours.entry(base).or_insert(final_anchor);
        }
    }
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find(LOCAL) {
        out.push_str(&rest[..start]);
        let after = &rest[start + LOCAL.len_utf8()..];
        let Some(end) = after.find(LOCAL) else {
            break;
        };
        let base = &after[..end];
        out.push_str(ours.get(base).map_or(base, String::as_str));
        rest = &after[end + LOCAL.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The headings of a page (ATX `#` and setext `===`/`---` ones, outside code
/// fences), with the byte offset of their line.
fn headings(page: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut offset = 0;
    let mut previous: Option<(usize, &str)> = None;
    for line in page.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
            previous = None;
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
            previous = None;
            continue;
        }
        let hashes = trimmed.len() - trimmed.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && line.len() - trimmed.len() < 4 {
            let body = &trimmed[hashes..];
            if body.is_empty() || body.starts_with(' ') {
                let body = body.trim().trim_end_matches('#').trim_end();
                out.push((start, body.to_string()));
                previous = None;
                continue;
            }
        }
        let underline = !trimmed.is_empty()
            && (trimmed.trim_end().chars().all(|c| c == '=') || trimmed.trim_end().chars().all(|c| c == '-'));
        match previous {
            Some((at, text)) if underline => {
                out.push((at, text.trim().to_string()));
                previous = None;
            }
            _ => {
                let paragraph = !trimmed.is_empty()
                    && !trimmed.starts_with(['>', '|', '-', '*', '+', '<'])
                    && !trimmed.chars().next().is_some_and(|c| c.is_ascii_digit());
                previous = paragraph.then_some((start, line));
            }
        }
    }
    out
}

/// A heading's visible text: links by their text, code spans without
/// backticks (the anchor drops punctuation anyway).
fn heading_text(heading: &str) -> String {
    let mut out = String::new();
    let mut rest = heading;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
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
    fn local_links_skip_readme_headings_with_the_same_anchor() {
        let readme = "### Rollouts\n\nSee [below](#rollouts).\n\nEnvironments\n---\n\n";
        let head = "# Page\n\n";
        let tail = format!(
            "## Rollouts\n\n{}\n\n## Environments\n\n{}\n",
            local_link("r", "Rollouts"),
            local_link("e", "Environments")
        );
        let page = format!("{head}{readme}{tail}");
        let out = resolve_anchors(&page, head.len()..head.len() + readme.len());
        // The README's own link is its business; ours get GitHub's `-1`.
        assert!(out.contains("[below](#rollouts)"), "{out}");
        assert!(out.contains("[r](#rollouts-1)"), "{out}");
        assert!(out.contains("[e](#environments-1)"), "{out}");
        assert!(!out.contains(LOCAL));
    }

    #[test]
    fn headings_ignore_code_and_read_setext_and_links() {
        let page = "# A\n```\n# not\n```\nB\n===\n\n- item\n---\n## [C](http://x) `d`\n";
        let found: Vec<String> = headings(page).into_iter().map(|(_, h)| anchor(&heading_text(&h))).collect();
        assert_eq!(found, ["a", "b", "c-d"]);
    }

    #[test]
    fn tables_escape_cells() {
        assert_eq!(table(["A", "B"], &[("k".into(), "a|b".into())]), "| A | B |\n| --- | --- |\n| k | a\\|b |\n");
    }
}
