//! `mspc diff`'s three forms: the terminal, a pull-request comment
//! (Markdown), and JSON. Each shows what holds state first.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::causes::{Cause, Side};
use super::{Action, Change, Diff};
use crate::emit::docs::markdown::{cell, code, text};

/// What the two sides are, in words (`HEAD (1a2b3c4)`, `the working tree`).
pub struct Sides<'a> {
    pub base: &'a str,
    pub now: &'a str,
}

/// Changes of one service, environment by environment.
type Grouped<'a> = BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a Change>>>;

fn grouped(diff: &Diff) -> Grouped<'_> {
    let mut g: Grouped = BTreeMap::new();
    for c in &diff.changes {
        g.entry(&c.service).or_default().entry(&c.environment).or_default().push(c);
    }
    g
}

/// Resources only: `[create, update, replace, delete]`.
fn counts<'a>(changes: impl IntoIterator<Item = &'a Change>) -> [usize; 4] {
    let mut n = [0; 4];
    for c in changes.into_iter().filter(|c| c.is_resource()) {
        n[c.action as usize] += 1;
    }
    n
}

fn summary_line(diff: &Diff, sides: &Sides) -> String {
    let g = grouped(diff);
    let envs: usize = g.values().map(BTreeMap::len).sum();
    let [c, u, r, d] = counts(&diff.changes);
    if diff.is_empty() {
        return format!("No changes from {} to {}.", sides.base, sides.now);
    }
    format!(
        "From {} to {}: {} in {} of {}: {c} to create, {u} to update, {r} to replace, {d} to delete; {} changed.",
        sides.base,
        sides.now,
        plural(diff.changes.iter().filter(|c| c.is_resource()).count(), "resource change"),
        plural(envs, "environment"),
        plural(g.len(), "service"),
        plural(diff.docs.len(), "page"),
    )
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn symbol(a: Action) -> &'static str {
    match a {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
    }
}

/// `services/x/x.msp:12-14`, and `(base)` for lines that were removed.
fn span(c: &Cause) -> String {
    let lines =
        if c.start_line >= c.end_line { c.start_line.to_string() } else { format!("{}-{}", c.start_line, c.end_line) };
    let side = if c.side == Side::Base { " (removed)" } else { "" };
    format!("{}:{lines}{side}", c.file)
}

/// Longest value shown whole on one line.
const WIDE: usize = 72;
/// Characters kept around where two long values differ.
const CONTEXT: usize = 24;

/// Two values for one line each: themselves when short; else, for one-line
/// values, the part where they differ with some context, `…` for the rest;
/// else their first line and size.
fn short_pair(old: Option<&str>, new: Option<&str>) -> (String, String) {
    let long = |v: &str| v.chars().count() > WIDE;
    match (old, new) {
        (Some(o), Some(n)) if !o.contains('\n') && !n.contains('\n') && (long(o) || long(n)) => {
            let (oc, nc): (Vec<char>, Vec<char>) = (o.chars().collect(), n.chars().collect());
            let prefix = oc.iter().zip(&nc).take_while(|(a, b)| a == b).count();
            let suffix = oc[prefix..].iter().rev().zip(nc[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
            let cut = |cs: &[char]| {
                let start = prefix.saturating_sub(CONTEXT);
                let end = (cs.len() - suffix + CONTEXT).min(cs.len());
                let mut out = String::new();
                if start > 0 {
                    out.push('…');
                }
                out.extend(&cs[start..end]);
                if end < cs.len() {
                    out.push('…');
                }
                out
            };
            (cut(&oc), cut(&nc))
        }
        _ => (short(old), short(new)),
    }
}

/// A value for one line: itself when short, else its first line and size.
fn short(v: Option<&str>) -> String {
    match v {
        None => "(not set)".into(),
        Some(v) if v.contains('\n') || v.chars().count() > WIDE => {
            let first: String = v.lines().next().unwrap_or("").chars().take(40).collect();
            format!("{first}… ({} lines)", v.lines().count())
        }
        Some(v) => v.to_string(),
    }
}

/// The lines of a multi-line value that differ, `-`/`+` (at most `max`).
fn value_diff(old: &str, new: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    for ch in similar::TextDiff::from_lines(old, new).iter_all_changes() {
        let sign = match ch.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => continue,
        };
        out.push(format!("{sign} {}", ch.value().trim_end()));
    }
    if out.len() > max {
        let more = out.len() - max;
        out.truncate(max);
        out.push(format!("… {more} more lines"));
    }
    out
}

struct Paint(bool);

impl Paint {
    fn red(&self, s: &str) -> String {
        if self.0 { format!("\x1b[1;31m{s}\x1b[0m") } else { s.to_string() }
    }
    fn action(&self, a: Action, s: &str) -> String {
        if !self.0 {
            return s.to_string();
        }
        let code = match a {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace | Action::Delete => "31",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }
}

fn terminal_change(out: &mut String, c: &Change, p: &Paint, indent: &str) {
    out.push_str(&format!("{indent}{} {}\n", p.action(c.action, symbol(c.action)), c.address));
    for a in &c.attributes {
        let forced = if a.forces_replacement { "  (forces replacement)" } else { "" };
        let multi = [&a.old, &a.new].iter().any(|v| v.as_deref().is_some_and(|v| v.contains('\n')));
        if multi && a.old.is_some() && a.new.is_some() {
            out.push_str(&format!("{indent}    {}:{forced}\n", a.path));
            for l in value_diff(a.old.as_deref().unwrap_or(""), a.new.as_deref().unwrap_or(""), 12) {
                out.push_str(&format!("{indent}      {l}\n"));
            }
        } else {
            let (o, n) = short_pair(a.old.as_deref(), a.new.as_deref());
            out.push_str(&format!("{indent}    {}: {o} -> {n}{forced}\n", a.path));
        }
    }
    if let Some(why) = &c.replaced_because {
        out.push_str(&format!("{indent}    replaced: {why}\n"));
    }
    for s in &c.spans {
        out.push_str(&format!("{indent}    from {}: {}\n", span(s), s.text));
    }
}

/// For people at a terminal; `color` paints actions and the data at risk.
pub fn terminal(diff: &Diff, sides: &Sides, color: bool) -> String {
    let p = Paint(color);
    let mut out = summary_line(diff, sides);
    out.push('\n');
    let dangerous: Vec<&Change> = diff.changes.iter().filter(|c| c.dangerous()).collect();
    if !dangerous.is_empty() {
        out.push('\n');
        out.push_str(&p.red(&format!(
            "{} holding state {} replaced or deleted:",
            plural(dangerous.len(), "resource"),
            if dangerous.len() == 1 { "is" } else { "are" }
        )));
        out.push('\n');
        for c in &dangerous {
            let what = format!(
                "  {} {} in {}/{}/{}: loses {}",
                c.action.name(),
                c.address,
                c.service,
                c.environment,
                c.stack,
                c.loses.unwrap_or_default()
            );
            out.push_str(&p.red(&what));
            out.push('\n');
        }
    }
    for (service, envs) in grouped(diff) {
        for (env, changes) in envs {
            out.push_str(&format!("\n{service} / {env}\n"));
            let mut by_stack: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
            for c in changes {
                by_stack.entry(&c.stack).or_default().push(c);
            }
            for (stack, cs) in by_stack {
                out.push_str(&format!("  {stack}\n"));
                for c in cs.iter().filter(|c| c.is_resource()) {
                    terminal_change(&mut out, c, &p, "    ");
                }
                // Outputs, data sources, providers, settings: named, briefly.
                for c in cs.iter().filter(|c| !c.is_resource()) {
                    let paths: Vec<&str> = c.attributes.iter().map(|a| a.path.as_str()).take(4).collect();
                    let more = c.attributes.len().saturating_sub(4);
                    let what = match (paths.is_empty(), more) {
                        (true, _) => String::new(),
                        (false, 0) => format!(" ({})", paths.join(", ")),
                        (false, m) => format!(" ({}, and {m} more)", paths.join(", ")),
                    };
                    out.push_str(&format!("    {} {}{what}\n", p.action(c.action, symbol(c.action)), c.address));
                }
            }
        }
    }
    if !diff.docs.is_empty() {
        out.push_str("\ndocs\n");
        for d in &diff.docs {
            out.push_str(&format!(
                "  {} {} (+{} -{} lines)\n",
                p.action(d.action, symbol(d.action)),
                d.path,
                d.lines_added,
                d.lines_removed
            ));
            for s in d.spans.iter().take(5) {
                out.push_str(&format!("      from {}: {}\n", span(s), s.text));
            }
        }
    }
    out
}

fn md_change(c: &Change) -> String {
    let mut parts = Vec::new();
    for a in c.attributes.iter().take(8) {
        let forced = if a.forces_replacement { " (forces replacement)" } else { "" };
        let (o, n) = short_pair(a.old.as_deref(), a.new.as_deref());
        let show = |v: Option<&str>, s: String| if v.is_some() { code(&s) } else { s };
        parts.push(format!("{}: {} → {}{forced}", code(&a.path), show(a.old.as_deref(), o), show(a.new.as_deref(), n)));
    }
    if c.attributes.len() > 8 {
        parts.push(format!("and {} more", c.attributes.len() - 8));
    }
    if let Some(why) = &c.replaced_because {
        parts.push(format!("replaced: {}", text(why)));
    }
    let from: Vec<String> = c.spans.iter().take(4).map(|s| code(&span(s))).collect();
    let from = if from.is_empty() { String::new() } else { from.join(", ") };
    format!(
        "| {} | {} | {} | {} | {} |\n",
        c.action.name(),
        code(&c.address),
        code(&c.stack),
        cell(&parts.join("; ")),
        cell(&from)
    )
}

/// Where the comment stops adding sections: GitHub takes 65,536 characters,
/// and the docs section and the note of what was left out come after.
const COMMENT_BUDGET: usize = 60_000;
/// Data-at-risk entries listed in the comment.
const DANGER_SHOWN: usize = 40;

/// A pull-request comment: the summary table, what holds state first, the
/// rest in collapsible sections per service and environment.
pub fn markdown(diff: &Diff, sides: &Sides) -> String {
    let mut out = String::from("## mspc diff\n\n");
    out.push_str(&text(&summary_line(diff, sides)));
    out.push_str("\n\n");
    if diff.is_empty() {
        return out;
    }
    let g = grouped(diff);
    let docs_of = |s: &str| diff.docs.iter().filter(|d| d.service.as_deref() == Some(s)).count();
    out.push_str("| service | environments | create | update | replace | delete | pages |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (service, envs) in &g {
        let [c, u, r, d] = counts(envs.values().flatten().copied());
        let names: Vec<String> = envs.keys().map(|e| code(e)).collect();
        out.push_str(&format!(
            "| {} | {} | {c} | {u} | {} | {} | {} |\n",
            code(service),
            names.join(", "),
            if r > 0 { format!("**{r}**") } else { "0".into() },
            if d > 0 { format!("**{d}**") } else { "0".into() },
            docs_of(service)
        ));
    }
    let dangerous: Vec<&Change> = diff.changes.iter().filter(|c| c.dangerous()).collect();
    if !dangerous.is_empty() {
        out.push_str(&format!(
            "\n### :warning: Data at risk: {} holding state {} replaced or deleted\n\n",
            plural(dangerous.len(), "resource"),
            if dangerous.len() == 1 { "is" } else { "are" }
        ));
        for c in dangerous.iter().take(DANGER_SHOWN) {
            let from: Vec<String> = c.spans.iter().take(4).map(|s| code(&span(s))).collect();
            out.push_str(&format!(
                "- **{}** {} in {}: loses {}{}\n",
                c.action.name(),
                code(&c.address),
                code(&format!("{}/{}/{}", c.service, c.environment, c.stack)),
                text(c.loses.unwrap_or_default()),
                if from.is_empty() { String::new() } else { format!(" (from {})", from.join(", ")) }
            ));
        }
        if dangerous.len() > DANGER_SHOWN {
            out.push_str(&format!("- and {} more (the sections below list them)\n", dangerous.len() - DANGER_SHOWN));
        }
    }
    out.push_str("\n### Changes\n\n");
    let mut left_out: Vec<String> = Vec::new();
    for (service, envs) in &g {
        for (env, changes) in envs {
            let [c, u, r, d] = counts(changes.iter().copied());
            let others = changes.iter().filter(|c| !c.is_resource()).count();
            let mut section = format!(
                "<details><summary><b>{} / {}</b>: {c} create, {u} update, {r} replace, {d} delete{}</summary>\n\n",
                html(service),
                html(env),
                if others > 0 { format!("; {}", plural(others, "other block")) } else { String::new() }
            );
            section.push_str("| action | address | stack | changed | from |\n| --- | --- | --- | --- | --- |\n");
            let (resources, rest): (Vec<&&Change>, Vec<&&Change>) = changes.iter().partition(|c| c.is_resource());
            for c in resources.into_iter().chain(rest) {
                section.push_str(&md_change(c));
            }
            section.push_str("\n</details>\n\n");
            if out.len() + section.len() > COMMENT_BUDGET {
                left_out.push(format!("{service} / {env}"));
            } else {
                out.push_str(&section);
            }
        }
    }
    if !left_out.is_empty() {
        let names: Vec<String> = left_out.iter().take(50).map(|n| code(n)).collect();
        out.push_str(&format!(
            "Not shown, to stay within a pull-request comment's size: {}{}; `mspc diff` shows them.\n\n",
            names.join(", "),
            if left_out.len() > 50 { format!(" and {} more", left_out.len() - 50) } else { String::new() }
        ));
    }
    if !diff.docs.is_empty() {
        out.push_str("<details><summary>Docs: ");
        out.push_str(&plural(diff.docs.len(), "page"));
        out.push_str(" changed</summary>\n\n| page | action | lines |\n| --- | --- | --- |\n");
        for d in &diff.docs {
            out.push_str(&format!(
                "| {} | {} | +{} −{} |\n",
                code(&d.path),
                d.action.name(),
                d.lines_added,
                d.lines_removed
            ));
        }
        out.push_str("\n</details>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::hcl::Kind;

    fn change(service: &str, env: &str, n: usize, action: Action, ty: &str) -> Change {
        Change {
            service: service.into(),
            environment: env.into(),
            stack: "cloudrun".into(),
            address: format!("{ty}.r{n}"),
            ty: ty.into(),
            kind: Kind::Resource,
            action,
            attributes: vec![crate::diff::AttrChange {
                path: "labels".into(),
                old: Some("x".repeat(60)),
                new: Some("y".repeat(60)),
                forces_replacement: false,
            }],
            replaced_because: None,
            loses: (action == Action::Delete).then_some("everything"),
            spans: Vec::new(),
        }
    }

    #[test]
    fn a_huge_change_stays_within_a_comment_and_names_what_it_left_out() {
        let mut changes = Vec::new();
        for s in 0..45 {
            for n in 0..60 {
                changes.push(change(&format!("svc{s:02}"), "prod", n, Action::Update, "google_x"));
            }
            changes.push(change(&format!("svc{s:02}"), "prod", 99, Action::Delete, "google_sql_database_instance"));
        }
        let diff = Diff { changes, docs: Vec::new() };
        let md = markdown(&diff, &Sides { base: "main", now: "now" });
        assert!(md.len() <= 65_536, "{} characters", md.len());
        assert!(md.contains("| `svc00` | `prod` | 0 | 60 | 0 | **1** | 0 |"), "the summary table has every service");
        assert!(md.contains("Not shown, to stay within a pull-request comment's size: "));
        assert!(md.contains("`svc44 / prod`"), "the last section is named as left out");
        assert_eq!(md.matches("\n- **delete** ").count(), DANGER_SHOWN);
        assert!(md.contains("\n- and 5 more (the sections below list them)\n"));
        assert!(md.find("### :warning: Data at risk").unwrap() < md.find("### Changes").unwrap());
        // Small changes are whole.
        let small = Diff { changes: diff.changes[..3].to_vec(), docs: Vec::new() };
        assert!(!markdown(&small, &Sides { base: "main", now: "now" }).contains("Not shown"));
    }
}

/// Text inside HTML (a `<summary>`, where Markdown is not read).
fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The changes as data, for other tools.
pub fn json(diff: &Diff, sides: &Sides) -> Value {
    let [c, u, r, d] = counts(&diff.changes);
    json!({
        "base": sides.base,
        "now": sides.now,
        "summary": { "create": c, "update": u, "replace": r, "delete": d, "pages": diff.docs.len() },
        "changes": diff.changes,
        "docs": diff.docs,
    })
}
