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
    let fence = "`".repeat(longest_backtick_run(text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `[label](url)`. The label is Markdown: user text in it must have gone
/// through `text` or `code`.
pub fn link(label: &str, url: &str) -> String {
    // What would end or unbalance the destination is percent-encoded.
    let mut dest = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => dest.push_str("%20"),
            '(' => dest.push_str("%28"),
            ')' => dest.push_str("%29"),
            '<' => dest.push_str("%3C"),
            '>' => dest.push_str("%3E"),
            c => dest.push(c),
        }
    }
    format!("[{label}]({dest})")
}

/// Escapes text that is written inside a line of Markdown prose (a heading,
/// a sentence, a cell): one line, with inline markup escaped. Nothing mspc
/// writes starts a line with user text, so `#` and `-` need no escape.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            // `|` only matters in tables, where `cell` escapes it.
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' => {
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

/// A link to a heading the generator writes on the same page, at `level`
/// (the level tells `## Rollouts` from an environment `### rollouts`).
pub fn local_link(label: &str, level: usize, heading: &str) -> String {
    format!("[{}](#{LOCAL}{level}:{}{LOCAL})", text(label), anchor(heading))
}

/// Replaces `local_link` targets with the anchors GitHub gives the headings.
/// Headings in `foreign` (the embedded README) count, since GitHub numbers
/// repeated anchors (`rollouts`, `rollouts-1`) across the whole page, but a
/// link always means the generator's own heading: the first one outside
/// `foreign` with that anchor and level.
pub fn resolve_anchors(page: &str, foreign: std::ops::Range<usize>) -> String {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut ours: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (offset, level, heading) in headings(page) {
        let base = anchor(&heading_text(&heading));
        let n = seen.entry(base.clone()).or_insert(0);
        let final_anchor = if *n == 0 { base.clone() } else { format!("{base}-{n}") };
        *n += 1;
        if !foreign.contains(&offset) {
            ours.entry(format!("{level}:{base}")).or_insert(final_anchor);
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
        let key = &after[..end];
        let fallback = key.split_once(':').map_or(key, |(_, base)| base);
        out.push_str(ours.get(key).map_or(fallback, String::as_str));
        rest = &after[end + LOCAL.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The headings of a page (ATX `#` and setext `===`/`---` ones, outside code
/// fences), with the byte offset of their line and their level.
fn headings(page: &str) -> Vec<(usize, usize, String)> {
    scan(page).0.into_iter().map(|h| (h.offset, h.level, h.text)).collect()
}

/// A heading found by `scan`.
struct Heading {
    /// The byte offset of its line (of its text line, for a setext heading).
    offset: usize,
    level: usize,
    /// Its text, without the `#`s or the underline.
    text: String,
    /// A setext heading: the line after its text is its underline.
    setext: bool,
}

/// The one heading scanner: the headings of a Markdown text, outside code
/// fences, and the fence left open at its end, if any.
fn scan(page: &str) -> (Vec<Heading>, Option<String>) {
    let mut out = Vec::new();
    let mut fence = Fence::default();
    let mut offset = 0;
    let mut previous: Option<(usize, &str)> = None;
    for line in page.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if fence.code(line) {
            previous = None;
            continue;
        }
        let hashes = trimmed.len() - trimmed.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && line.len() - trimmed.len() < 4 {
            let body = &trimmed[hashes..];
            if body.is_empty() || body.starts_with(' ') {
                let body = body.trim().trim_end_matches('#').trim_end();
                out.push(Heading { offset: start, level: hashes, text: body.to_string(), setext: false });
                previous = None;
                continue;
            }
        }
        let underline = !trimmed.is_empty()
            && (trimmed.trim_end().chars().all(|c| c == '=') || trimmed.trim_end().chars().all(|c| c == '-'));
        match previous {
            Some((at, text)) if underline => {
                let level = if trimmed.starts_with('=') { 1 } else { 2 };
                out.push(Heading { offset: at, level, text: text.trim().to_string(), setext: true });
                previous = None;
            }
            _ => {
                // A line indented four spaces or more is code, not a heading's text.
                let paragraph = !trimmed.is_empty()
                    && line.len() - trimmed.len() < 4
                    && !trimmed.starts_with(['>', '|', '-', '*', '+', '<'])
                    && !trimmed.chars().next().is_some_and(|c| c.is_ascii_digit());
                previous = paragraph.then_some((start, line));
            }
        }
    }
    (out, fence.open)
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

/// A service README's body nested under the page's own sections: its
/// highest headings become `###` and the rest keep their depth below them
/// (outside code fences), so `## Runbook` becomes `### Runbook` and cannot
/// sit beside the page's `## Rollouts`; setext headings (`Runbook` over
/// `===`) become `#` headings; a code fence left open is closed, so it cannot
/// swallow the page.
pub fn nest_headings(body: &str) -> String {
    let (found, open_fence) = scan(body);
    let top = found.iter().map(|h| h.level).min().unwrap_or(3);
    let nest = |level: usize| "#".repeat((level + 3 - top).min(6));
    let mut found = found.into_iter().peekable();
    let mut out = String::new();
    let mut offset = 0;
    let mut underline = false;
    for raw in body.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        // As `str::lines`: without `\n`, and then `\r`.
        let line = raw.strip_suffix('\n').map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
        if std::mem::take(&mut underline) {
            continue;
        }
        match found.next_if(|h| h.offset == start) {
            Some(h) if h.setext => {
                out.push_str(&format!("{} {}\n", nest(h.level), line.trim()));
                underline = true;
            }
            Some(h) => {
                let rest = &line.trim_start()[h.level..];
                out.push_str(&format!("{}{rest}\n", nest(h.level)));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if let Some(f) = open_fence {
        out.push_str(&f);
        out.push('\n');
    }
    out
}

/// Tracks fenced code blocks line by line, as CommonMark does: a fence is
/// three or more backticks or tildes, indented less than four spaces, and
/// only a fence of the same character, at least as long, closes it.
#[derive(Default)]
struct Fence {
    open: Option<String>,
}

impl Fence {
    /// Whether `line` is code or a fence (opening or closing one).
    fn code(&mut self, line: &str) -> bool {
        let trimmed = line.trim_start();
        let marker = (line.len() - trimmed.len() < 4)
            .then(|| trimmed.chars().next().filter(|c| *c == '`' || *c == '~'))
            .flatten()
            .map(|c| (c, trimmed.len() - trimmed.trim_start_matches(c).len()))
            .filter(|(_, n)| *n >= 3);
        match (&self.open, marker) {
            (Some(open), Some((c, n))) => {
                let closes = open.starts_with(c) && n >= open.len() && trimmed[n..].trim().is_empty();
                if closes {
                    self.open = None;
                }
                true
            }
            (Some(_), None) => true,
            (None, Some((c, n))) => {
                // A backtick fence's info string cannot hold backticks.
                if c == '`' && trimmed[n..].contains('`') {
                    return false;
                }
                self.open = Some(c.to_string().repeat(n));
                true
            }
            (None, None) => false,
        }
    }
}

/// A fenced block holding `text` as is: the fence is longer than any run of
/// backticks inside it.
pub fn fenced(info: &str, text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}{info}\n{}\n{fence}\n", text.trim_end())
}

/// The length of the longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
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
    fn readme_setext_headings_nest_and_open_fences_close() {
        let body = "Runbook\n=======\n\nSteps\n-----\n\n- item\n---\n````md\n```\n# still code\n";
        assert_eq!(nest_headings(body), "### Runbook\n\n#### Steps\n\n- item\n---\n````md\n```\n# still code\n````\n");
        // The highest headings always land at `###`, whatever they were.
        assert_eq!(nest_headings("#### A\n##### B\n"), "### A\n#### B\n");
    }

    /// `#hashtag` is no ATX heading (no space after the `#`), so over `---`
    /// it is a setext level-2 heading: it is nested like the README's other
    /// headings, not left a `##` beside the page's sections.
    #[test]
    fn a_setext_heading_starting_with_a_hash_is_nested() {
        assert_eq!(nest_headings("## Runbook\n\n#hashtag\n---\n"), "### Runbook\n\n### #hashtag\n");
        assert_eq!(nest_headings("#hashtag\n---\n\n### Deeper\n"), "### #hashtag\n\n#### Deeper\n");
    }

    /// Indented four spaces, a line is code: no heading's text, so the
    /// `---` under it stays a rule and counts for no level.
    #[test]
    fn an_indented_line_over_dashes_is_no_heading() {
        assert!(headings("    code\n---\n").is_empty());
        assert_eq!(nest_headings("    code\n---\n### A\n"), "    code\n---\n### A\n");
    }

    #[test]
    fn fences_outlast_backticks_inside() {
        assert_eq!(fenced("md", "a ``` b"), "````md\na ``` b\n````\n");
        assert_eq!(fenced("md", "plain"), "```md\nplain\n```\n");
    }

    #[test]
    fn local_links_skip_readme_headings_with_the_same_anchor() {
        let readme = "### Rollouts\n\nSee [below](#rollouts).\n\nEnvironments\n---\n\n";
        let head = "# Page\n\n";
        let tail = format!(
            "## Rollouts\n\n{}\n\n## Environments\n\n{}\n\n### rollouts\n\n{}\n",
            local_link("r", 2, "Rollouts"),
            local_link("e", 2, "Environments"),
            local_link("env", 3, "rollouts")
        );
        let page = format!("{head}{readme}{tail}");
        let out = resolve_anchors(&page, head.len()..head.len() + readme.len());
        // The README's own link is its business; ours get GitHub's `-1`.
        assert!(out.contains("[below](#rollouts)"), "{out}");
        assert!(out.contains("[r](#rollouts-1)"), "{out}");
        assert!(out.contains("[e](#environments-1)"), "{out}");
        // An environment named like a section keeps its own anchor.
        assert!(out.contains("[env](#rollouts-2)"), "{out}");
        assert!(!out.contains(LOCAL));
    }

    #[test]
    fn headings_ignore_code_and_read_setext_and_links() {
        let page = "# A\n```\n# not\n```\nB\n===\n\n- item\n---\n## [C](http://x) `d`\n";
        let found: Vec<(usize, String)> =
            headings(page).into_iter().map(|(_, l, h)| (l, anchor(&heading_text(&h)))).collect();
        assert_eq!(found, [(1, "a".into()), (1, "b".into()), (2, "c-d".into())]);
    }

    #[test]
    fn tables_escape_cells() {
        assert_eq!(table(["A", "B"], &[("k".into(), "a|b".into())]), "| A | B |\n| --- | --- |\n| k | a\\|b |\n");
    }
}
