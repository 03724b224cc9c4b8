//! The spec lines behind each change.
//!
//! The workspace's files at both revisions are compared line by line; each
//! changed run of lines (a hunk) is placed by the syntax tree of its side:
//! the declaration it is in (so the service it belongs to) and the field
//! path it is under (`environment.prod.resources.redis`), which says which
//! environments it can affect. A hunk outside every declaration of a service
//! file (its imports, its `let`s) and any hunk of a file that declares no
//! service (the platform, the teams, shared `let`s) can affect every service
//! that reads it; a README or table schema belongs to the service beside it.
//!
//! A change is then given the hunks that can have caused it: those of its
//! service and environment, narrowed to the ones whose changed values appear
//! in the change's old or new arguments (a region, an image, a variable's
//! value) when any do. This is matching, not a record kept while emitting:
//! a value the generator derives beyond recognition (a size in other units)
//! falls back to every hunk that can have caused it, which is never empty
//! when the service's sources changed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Diff, hcl::BLOCK};
use crate::syntax::{self, Entry, ExprKind, Item, Record};

/// Which revision a span's lines are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The base revision (lines that were removed).
    Base,
    /// The workspace now.
    Now,
}

/// A changed run of lines of one spec file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// Workspace-relative path.
    pub file: String,
    pub side: Side,
    /// 1-based, inclusive.
    pub start_line: usize,
    pub end_line: usize,
    /// The field path the lines are under (`environment.prod.region`); empty
    /// outside every field.
    pub path: String,
    /// The first changed line, trimmed.
    pub text: String,
    /// Whom it concerns and under which field, placed on each side that
    /// has lines (a renamed service is the old one's and the new one's).
    #[serde(skip)]
    places: Vec<(Owner, String)>,
    #[serde(skip)]
    old_lines: Vec<String>,
    #[serde(skip)]
    new_lines: Vec<String>,
}

/// Whom a hunk can affect.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Owner {
    /// Every service (a shared file, or a service file outside its declarations).
    All,
    Service(String),
}

/// One revision of the workspace: its files and where each service is declared.
pub struct Sources<'a> {
    /// Workspace-relative path → text.
    pub files: &'a BTreeMap<String, String>,
    /// Service id → the path of the file that declares it.
    pub services: BTreeMap<String, String>,
}

/// Fills each change's and each page's `spans`.
pub fn attribute(diff: &mut Diff, base: &Sources, now: &Sources) {
    let hunks = hunks(base, now);
    for c in &mut diff.changes {
        let values: Vec<&str> = c
            .attributes
            .iter()
            .flat_map(|a| [a.old.as_deref(), a.new.as_deref()])
            .flatten()
            .filter(|v| *v != BLOCK)
            .collect();
        let candidates: Vec<&Cause> = hunks
            .iter()
            .filter(|h| {
                h.places.iter().any(|(o, path)| concerns(o, &c.service) && in_environment(path, &c.environment))
            })
            .collect();
        c.spans = narrow(candidates, &values);
    }
    for d in &mut diff.docs {
        let candidates: Vec<&Cause> = match &d.service {
            Some(s) => hunks.iter().filter(|h| h.places.iter().any(|(o, _)| concerns(o, s))).collect(),
            None => hunks.iter().collect(),
        };
        d.spans = candidates.into_iter().cloned().collect();
    }
}

fn concerns(owner: &Owner, service: &str) -> bool {
    match owner {
        Owner::All => true,
        Owner::Service(s) => s == service,
    }
}

/// Whether a hunk under `path` can affect the environment `env`.
fn in_environment(path: &str, env: &str) -> bool {
    match path.strip_prefix("environment.") {
        Some(rest) => rest.split('.').next() == Some(env),
        None => true,
    }
}

/// The candidates whose changed values appear among `values`, or all of
/// them when none do.
fn narrow(candidates: Vec<&Cause>, values: &[&str]) -> Vec<Cause> {
    let lowered: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
    let matching: Vec<&Cause> = candidates
        .iter()
        .copied()
        .filter(|h| {
            let tokens = changed_tokens(&h.old_lines, &h.new_lines);
            tokens.iter().any(|t| lowered.iter().any(|v| v.contains(t.as_str())))
        })
        .collect();
    let chosen = if matching.is_empty() { candidates } else { matching };
    chosen.into_iter().cloned().collect()
}

/// The values a hunk changes: the words right of `=` on its lines that are
/// not on both sides (so `region = "us"` → `region = "eu"` gives `us`, `eu`),
/// lowercased; `true`, `false` and one-character words say too little.
fn changed_tokens(old: &[String], new: &[String]) -> Vec<String> {
    let words = |lines: &[String]| -> Vec<String> {
        let mut out = Vec::new();
        for l in lines {
            let value = l.split_once('=').map_or(l.as_str(), |(_, v)| v);
            let value = value.split("//").next().unwrap_or("");
            for w in value.split(|c: char| !(c.is_alphanumeric() || "_-./:@".contains(c))) {
                let w = w.trim_matches(|c| c == '.' || c == ':').to_lowercase();
                if w.chars().count() > 1 && w != "true" && w != "false" {
                    out.push(w);
                }
            }
        }
        out
    };
    let (o, n) = (words(old), words(new));
    let mut out: Vec<String> = o.iter().filter(|w| !n.contains(w)).cloned().collect();
    out.extend(n.iter().filter(|w| !o.contains(w)).cloned());
    out.sort();
    out.dedup();
    out
}

/// Every changed run of lines of every file, placed.
fn hunks(base: &Sources, now: &Sources) -> Vec<Cause> {
    let paths: std::collections::BTreeSet<&String> = base.files.keys().chain(now.files.keys()).collect();
    let mut out = Vec::new();
    for path in paths {
        let (old, new) =
            (base.files.get(path).map_or("", String::as_str), now.files.get(path).map_or("", String::as_str));
        if old == new {
            continue;
        }
        let diff = similar::TextDiff::from_lines(old, new);
        let (old_lines, new_lines): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
        for op in diff.ops() {
            let (o, n) = (op.old_range(), op.new_range());
            if matches!(op.tag(), similar::DiffTag::Equal) {
                continue;
            }
            let grab = |lines: &[&str], r: std::ops::Range<usize>| -> Vec<String> {
                lines.get(r).unwrap_or_default().iter().map(|l| l.to_string()).collect()
            };
            let (removed, added) = (grab(&old_lines, o.clone()), grab(&new_lines, n.clone()));
            // Placed on the side that still has lines: the new one, unless
            // lines were only removed.
            let (side, range, lines) =
                if n.is_empty() { (Side::Base, o.clone(), &removed) } else { (Side::Now, n.clone(), &added) };
            let mut places = Vec::new();
            let mut shown = String::new();
            for (which, text, range, lines) in [(Side::Base, old, &o, &removed), (Side::Now, new, &n, &added)] {
                let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) else { continue };
                let sources = if which == Side::Base { base } else { now };
                let offset =
                    line_offset(text, range.start + first) + (lines[first].len() - lines[first].trim_start().len());
                let (owner, field) = place(path, text, offset, sources);
                if which == side {
                    shown = field.clone();
                }
                places.push((owner, field));
            }
            let first = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
            out.push(Cause {
                file: path.clone(),
                side,
                start_line: range.start + 1,
                end_line: range.end,
                path: shown,
                text: lines.get(first).map_or(String::new(), |l| l.trim().to_string()),
                places,
                old_lines: removed.clone(),
                new_lines: added,
            });
        }
    }
    out
}

/// The byte offset where line `line` (0-based) of `text` starts.
fn line_offset(text: &str, line: usize) -> usize {
    if line == 0 {
        return 0;
    }
    text.match_indices('\n').nth(line - 1).map_or(text.len(), |(i, _)| i + 1)
}

/// Whom a change at `offset` of the file `path` concerns, and the field path there.
fn place(path: &str, text: &str, offset: usize, sources: &Sources) -> (Owner, String) {
    if !path.ends_with(".msp") {
        // A README or a table's schema: the service whose folder holds it.
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let owner = sources
            .services
            .iter()
            .filter(|(_, spec)| spec.rsplit_once('/').map_or("", |(d, _)| d) == dir)
            .map(|(id, _)| Owner::Service(id.clone()))
            .next()
            .unwrap_or(Owner::All);
        return (owner, String::new());
    }
    let declares_services = sources.services.values().any(|p| p == path);
    let ast = syntax::parse(text).ast;
    let offset = offset as u32;
    for item in &ast.items {
        if let Item::Decl(d) = item
            && d.range.contains(offset)
        {
            let mut fields = Vec::new();
            walk(&d.body, offset, &mut fields);
            let field = fields.join(".");
            return match &d.label {
                Some(l) if declares_services && sources.services.contains_key(&l.name) => {
                    (Owner::Service(l.name.clone()), field)
                }
                _ => (Owner::All, field),
            };
        }
    }
    (Owner::All, String::new())
}

/// The field names from `record` down to the innermost field holding `offset`.
fn walk(record: &Record, offset: u32, out: &mut Vec<String>) {
    for e in &record.entries {
        match e {
            Entry::Field(f) if f.range.contains(offset) => {
                out.push(f.key.name.clone());
                match &f.value.kind {
                    ExprKind::Record(r) => walk(r, offset, out),
                    ExprKind::Tagged { body, .. } => walk(body, offset, out),
                    _ => {}
                }
                return;
            }
            Entry::Labeled(l) if l.range.contains(offset) => {
                out.push(l.key.name.clone());
                out.push(l.label.name.clone());
                walk(&l.body, offset, out);
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_the_values_that_differ() {
        let l = |s: &str| vec![s.to_string()];
        assert_eq!(
            changed_tokens(&l("  region = \"us-central1\""), &l("  region = \"europe-west4\"")),
            ["europe-west4", "us-central1"]
        );
        assert_eq!(changed_tokens(&[], &l("redis = { tier = standard_ha }")), ["standard_ha", "tier"]);
        assert!(changed_tokens(&l("x = true"), &l("x = false")).is_empty());
    }

    #[test]
    fn environments_scope_their_hunks() {
        assert!(in_environment("environment.prod.region", "prod"));
        assert!(!in_environment("environment.prod.region", "dev"));
        assert!(in_environment("defaults.instances", "dev"));
        assert!(in_environment("", "dev"));
    }
}
