//! YAML comments, which the parser drops: found by line and attached to a key.
//!
//! A `#` starts a comment at the start of a line or after a space, unless it
//! is inside a scalar (the parser's scalar ranges say where those are, which
//! also covers quoted strings over several lines and block scalars). A comment
//! after code attaches to the first key on its line; a comment on a line of
//! its own attaches to the next key below it.

use super::yaml::{Node, NodeKind};
use crate::syntax::TextRange;

/// A path into the YAML document: map keys and list indices.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub type Path = Vec<Seg>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Without the `#` and the space after it.
    pub text: String,
    /// Written after code on the same line.
    pub trailing: bool,
}

/// Every key of the document with its path and start offset, in text order.
fn keys(root: &Node) -> Vec<(u32, Path)> {
    fn walk(node: &Node, path: &mut Path, out: &mut Vec<(u32, Path)>) {
        match &node.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let Some(name) = k.key_text() else { continue };
                    path.push(Seg::Key(name.to_string()));
                    out.push((k.range.start, path.clone()));
                    walk(v, path, out);
                    path.pop();
                }
            }
            NodeKind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    // The first key of a list item stands for the item: a
                    // comment above `- id: prod` is about the environment.
                    let before = out.len();
                    walk(item, path, out);
                    if let Some(first) = out.get_mut(before) {
                        first.1.truncate(path.len());
                    }
                    path.pop();
                }
            }
            NodeKind::Scalar { .. } => {}
        }
    }
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), &mut out);
    out.sort_by_key(|(at, _)| *at);
    out
}

fn scalar_ranges(root: &Node, out: &mut Vec<TextRange>) {
    match &root.kind {
        NodeKind::Scalar { .. } => out.push(root.range),
        NodeKind::Seq(items) => items.iter().for_each(|i| scalar_ranges(i, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            scalar_ranges(k, out);
            scalar_ranges(v, out);
        }),
    }
}

/// Comments by the path of the key they attach to, in text order. Tool
/// directives (`# yaml-language-server: …`) mean nothing in `.msp` and are dropped.
pub fn attach(text: &str, root: &Node) -> Vec<(Path, Comment)> {
    let keys = keys(root);
    let mut scalars = Vec::new();
    scalar_ranges(root, &mut scalars);
    let in_scalar = |at: u32| scalars.iter().any(|r| r.start <= at && at < r.end);
    let mut out = Vec::new();
    let mut line_start = 0usize;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let bytes = line.as_bytes();
        let Some(hash) = (0..bytes.len()).find(|&i| {
            bytes[i] == b'#'
                && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t')
                && !in_scalar((start + i) as u32)
        }) else {
            continue;
        };
        let body = line[hash + 1..].trim_end();
        let body = body.strip_prefix(' ').unwrap_or(body).to_string();
        if body.trim_start().starts_with("yaml-language-server:") {
            continue;
        }
        let trailing = !line[..hash].trim().is_empty();
        let line_end = (start + line.len()) as u32;
        let target = if trailing {
            keys.iter()
                .find(|(at, _)| (start as u32) <= *at && *at < line_end)
                .or_else(|| keys.iter().rev().find(|(at, _)| *at < start as u32))
        } else {
            keys.iter().find(|(at, _)| *at >= line_end)
        };
        if let Some((_, path)) = target {
            out.push((path.clone(), Comment { text: body, trailing }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Seg {
        Seg::Key(s.into())
    }

    #[test]
    fn comments_attach_to_their_key() {
        let text = "# yaml-language-server: $schema=x\n# about the service\nservice:\n  id: a # the id\n  name: \"x # not a comment\"\nlist:\n  # first item\n  - id: p\n    tag: |\n      # inside a block scalar\n";
        let root = super::super::yaml::parse(text).unwrap().unwrap();
        let got = attach(text, &root);
        assert_eq!(
            got,
            vec![
                (vec![key("service")], Comment { text: "about the service".into(), trailing: false }),
                (vec![key("service"), key("id")], Comment { text: "the id".into(), trailing: true }),
                (vec![key("list"), Seg::Index(0)], Comment { text: "first item".into(), trailing: false }),
            ]
        );
    }
}
