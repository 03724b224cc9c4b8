//! A YAML document as a tree with byte ranges, built from saphyr's event
//! stream rather than its own loader so that aliases can be budgeted: an
//! alias is a copy, and a few nested aliases ("billion laughs") would
//! otherwise expand to gigabytes before anything could object.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::syntax::TextRange;

use crate::limits::{
    MAX_FILE_BYTES, MAX_STRING_BYTES, MAX_YAML_BYTES as MAX_BYTES, MAX_YAML_DEPTH as MAX_DEPTH,
    MAX_YAML_NODES as MAX_NODES,
};

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub range: TextRange,
    /// Nodes in this subtree, itself included, and the bytes of its
    /// scalars, so an alias's cost is known before it is copied.
    size: usize,
    bytes: usize,
}

impl Node {
    /// A plain integer scalar at `range`, for a value read from another form.
    pub fn int(value: u64, range: TextRange) -> Node {
        let text = value.to_string();
        let bytes = text.len();
        Node { kind: NodeKind::Scalar { text, plain: true }, range, size: 1, bytes }
    }

    /// The empty string where `self` is: what yaml.v3 reads a `null` map
    /// value into when the map holds strings.
    pub fn empty_string(&self) -> Node {
        Node { kind: NodeKind::Scalar { text: String::new(), plain: false }, range: self.range, size: 1, bytes: 0 }
    }
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    /// `plain`: unquoted, so `true`, `3` and `~` are not strings.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A resolved scalar, by YAML 1.2's core schema (what gopkg.in/yaml.v3 reads).
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub range: TextRange,
    pub message: String,
}

impl Node {
    pub fn scalar(&self) -> Option<Scalar<'_>> {
        let NodeKind::Scalar { text, plain } = &self.kind else { return None };
        if !plain {
            return Some(Scalar::Str(text));
        }
        Some(match text.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
            "true" | "True" | "TRUE" => Scalar::Bool(true),
            "false" | "False" | "FALSE" => Scalar::Bool(false),
            t => {
                if let Some(i) = parse_int(t) {
                    Scalar::Int(i)
                } else if let Some(f) = parse_float(t) {
                    Scalar::Float(f)
                } else {
                    Scalar::Str(t)
                }
            }
        })
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// A key's text, if the key is a scalar.
    pub fn key_text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// "a string", "a list", for messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
            NodeKind::Scalar { .. } => match self.scalar() {
                Some(Scalar::Null) => "an empty value",
                Some(Scalar::Bool(_)) => "a boolean",
                Some(Scalar::Int(_)) => "an integer",
                Some(Scalar::Float(_)) => "a number",
                _ => "a string",
            },
        }
    }
}

/// Resolves YAML merge keys as yaml.v3 does: `<<: *base` (a mapping) or
/// `<<: [*a, *b]` (mappings) adds their entries to the mapping, unless the
/// mapping sets the key itself, and among several sources the first wins.
fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, YamlError> {
    let is_merge = |k: &Node| matches!(&k.kind, NodeKind::Scalar { text, plain: true } if text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(entries);
    }
    let explicit: Vec<String> =
        entries.iter().filter(|(k, _)| !is_merge(k)).filter_map(|(k, _)| k.key_text().map(str::to_string)).collect();
    let mut merged: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        if !is_merge(&k) {
            out.push((k, v));
            continue;
        }
        let sources: Vec<Node> = match v.kind {
            NodeKind::Map(_) => vec![v],
            NodeKind::Seq(items) if items.iter().all(|i| matches!(i.kind, NodeKind::Map(_))) => items,
            _ => {
                return Err(YamlError {
                    range: v.range,
                    message: "a merge key `<<` takes a mapping or a list of mappings".into(),
                });
            }
        };
        for source in sources {
            let NodeKind::Map(pairs) = source.kind else { continue };
            for (mk, mv) in pairs {
                let Some(name) = mk.key_text().map(str::to_string) else { continue };
                if !explicit.contains(&name) && !merged.contains(&name) {
                    merged.push(name);
                    out.push((mk, mv));
                }
            }
        }
    }
    Ok(out)
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

fn parse_float(t: &str) -> Option<f64> {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let numeric = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if numeric { t.parse().ok() } else { None }
}

/// Byte offsets of saphyr's character indices.
struct Offsets(Vec<u32>);

impl Offsets {
    fn new(text: &str) -> Offsets {
        let mut v: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
        v.push(text.len() as u32);
        Offsets(v)
    }
    fn byte(&self, char_index: usize) -> u32 {
        self.0.get(char_index).copied().unwrap_or_else(|| *self.0.last().unwrap_or(&0))
    }
    fn range(&self, span: Span) -> TextRange {
        let start = self.byte(span.start.index());
        TextRange { start, end: self.byte(span.end.index()).max(start) }
    }
}

enum Frame {
    Seq { items: Vec<Node>, start: u32, anchor: usize, size: usize, bytes: usize },
    Map { entries: Vec<(Node, Node)>, key: Option<Node>, start: u32, anchor: usize, size: usize, bytes: usize },
}

/// Parses the first document. `Ok(None)` for an empty document.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(YamlError {
            range: TextRange { start: 0, end: 0 },
            message: format!(
                "the spec is {}; specs over {} are refused",
                crate::limits::size(text.len() as u64),
                crate::limits::size(MAX_FILE_BYTES as u64)
            ),
        });
    }
    let offsets = Offsets::new(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut total = 0usize;
    let mut total_bytes = 0usize;
    let mut root: Option<Node> = None;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let at = offsets.byte(e.marker().index());
            YamlError { range: TextRange { start: at, end: at }, message: e.info().to_string() }
        })?;
        let range = offsets.range(span);
        let mut alias = false;
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError { range, message: "a spec is one YAML document; this is a second".into() });
                }
                continue;
            }
            Event::Scalar(value, style, anchor, _) => {
                let plain = style == ScalarStyle::Plain;
                if value.len() > MAX_STRING_BYTES {
                    return Err(YamlError {
                        range,
                        message: format!(
                            "a value of {}; values over {} are refused",
                            crate::limits::size(value.len() as u64),
                            crate::limits::size(MAX_STRING_BYTES as u64)
                        ),
                    });
                }
                let bytes = value.len();
                let node = Node { kind: NodeKind::Scalar { text: value.into_owned(), plain }, range, size: 1, bytes };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => {
                alias = true;
                let Some(target) = anchors.get(&id) else {
                    return Err(YamlError { range, message: "an alias names no anchor".into() });
                };
                if total + target.size > MAX_NODES {
                    return Err(YamlError {
                        range,
                        message: format!("aliases expand to more than {MAX_NODES} values; refusing to expand them"),
                    });
                }
                if total_bytes + target.bytes > MAX_BYTES {
                    return Err(YamlError {
                        range,
                        message: format!(
                            "aliases expand to more than {} of text; refusing to expand them",
                            crate::limits::size(MAX_BYTES as u64)
                        ),
                    });
                }
                Node { range, ..target.clone() }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError { range, message: format!("nested deeper than {MAX_DEPTH} levels") });
                }
                let start = range.start;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq { items: Vec::new(), start, anchor, size: 1, bytes: 0 }
                } else {
                    Frame::Map { entries: Vec::new(), key: None, start, anchor, size: 1, bytes: 0 }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (kind, start, anchor, size, bytes) = match stack.pop() {
                    Some(Frame::Seq { items, start, anchor, size, bytes }) => {
                        (NodeKind::Seq(items), start, anchor, size, bytes)
                    }
                    Some(Frame::Map { entries, start, anchor, size, bytes, .. }) => {
                        (NodeKind::Map(merge_keys(entries)?), start, anchor, size, bytes)
                    }
                    None => return Err(YamlError { range, message: "unbalanced collection".into() }),
                };
                let node = Node { kind, range: TextRange { start, end: range.end.max(start) }, size, bytes };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
        };
        total += node.size;
        // Text is counted once, where it enters: a scalar or an alias's copy.
        if !matches!(node.kind, NodeKind::Seq(_) | NodeKind::Map(_)) || alias {
            total_bytes += node.bytes;
        }
        if total > MAX_NODES {
            return Err(YamlError { range, message: format!("more than {MAX_NODES} values") });
        }
        if total_bytes > MAX_BYTES {
            return Err(YamlError {
                range,
                message: format!("more than {} of text", crate::limits::size(MAX_BYTES as u64)),
            });
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, size, bytes, .. }) => {
                *size += node.size;
                *bytes += node.bytes;
                items.push(node);
            }
            Some(Frame::Map { entries, key, size, bytes, .. }) => {
                *size += node.size;
                *bytes += node.bytes;
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_bytes_and_scalars_resolve() {
        let text = "é: x\nn: 3\nq: \"3\"\nb: true\nl: [a, b]\n";
        let root = parse(text).unwrap().unwrap();
        let m = root.as_map().unwrap();
        assert_eq!(&text[m[0].1.range.as_usize()], "x");
        assert_eq!(m[1].1.scalar(), Some(Scalar::Int(3)));
        assert_eq!(m[2].1.scalar(), Some(Scalar::Str("3")));
        assert_eq!(m[3].1.scalar(), Some(Scalar::Bool(true)));
        assert_eq!(m[4].1.as_seq().unwrap().len(), 2);
    }

    /// yaml.v3's merge keys: the mapping's own keys win, then the first
    /// source's.
    #[test]
    fn merge_keys_are_resolved() {
        let text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nm: {<<: [*a, *b], x: 0}\nn:\n  <<: *b\n  w: 3\n";
        let root = parse(text).unwrap().unwrap();
        let get = |name: &str| -> Vec<(String, i64)> {
            let (_, v) = root.as_map().unwrap().iter().find(|(k, _)| k.key_text() == Some(name)).unwrap();
            v.as_map()
                .unwrap()
                .iter()
                .map(|(k, v)| match v.scalar() {
                    Some(Scalar::Int(i)) => (k.key_text().unwrap().to_string(), i),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let mut m = get("m");
        m.sort();
        assert_eq!(m, [("x".into(), 0), ("y".into(), 1), ("z".into(), 2)]);
        let mut n = get("n");
        n.sort();
        assert_eq!(n, [("w".into(), 3), ("y".into(), 2), ("z".into(), 2)]);
        assert!(parse("m: {<<: 3}\n").unwrap_err().message.contains("merge key"));
        // A quoted "<<" is an ordinary key.
        assert_eq!(parse("m: {\"<<\": 1}\n").unwrap().unwrap().as_map().unwrap()[0].1.as_map().unwrap().len(), 1);
    }

    #[test]
    fn alias_bombs_are_refused_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&text).unwrap_err().message.contains("nested deeper"));
        // Far deeper, the scanner's own limit answers first; either way, an error.
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&text).is_err());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.range.start > 0);
    }
}
