//! Writes the built `.msp` as text. Layout decisions only (one line or a
//! block); alignment is left to the formatter, which the result goes through.

use super::comments::Comment;
use super::model::{Entry, Item, Record, Value};
use crate::syntax::{self, literals};

/// Past this a record or list is written over several lines.
const WIDTH: usize = 100;

/// Besides the grammar's keywords, names a key cannot be written as bare.
const LITERALS: &[&str] = &["true", "false"];

pub struct Printer<'a> {
    /// Fields of type `map<record>`, written as labeled blocks (`environment dev { … }`).
    pub labeled: &'a [String],
    out: String,
}

/// A key or label: bare when it is a name, quoted otherwise.
pub fn key(name: &str) -> String {
    if syntax::is_ident(name) && !syntax::KEYWORDS.contains(&name) && !LITERALS.contains(&name) {
        name.to_string()
    } else {
        literals::quote(name)
    }
}

fn comment_lines(out: &mut String, indent: usize, comments: &[Comment]) {
    for c in comments.iter().filter(|c| !c.trailing) {
        push_comment(out, indent, &c.text);
    }
}

fn push_comment(out: &mut String, indent: usize, text: &str) {
    out.push_str(&" ".repeat(indent));
    if text.is_empty() {
        out.push_str("//\n");
    } else {
        out.push_str("// ");
        out.push_str(text);
        out.push('\n');
    }
}

/// Trailing comments go after the first line of what they belong to.
fn end_line(out: &mut String, comments: &[Comment]) {
    let trailing: Vec<&str> = comments.iter().filter(|c| c.trailing).map(|c| c.text.as_str()).collect();
    if !trailing.is_empty() {
        out.push_str(" // ");
        out.push_str(&trailing.join(" "));
    }
    out.push('\n');
}

impl<'a> Printer<'a> {
    pub fn new(labeled: &'a [String]) -> Self {
        Printer { labeled, out: String::new() }
    }

    pub fn declaration(mut self, keyword: &str, id: &str, comments: &[Comment], body: &Record) -> String {
        comment_lines(&mut self.out, 0, comments);
        self.out.push_str(&format!("{keyword} {} {{", key(id)));
        end_line(&mut self.out, comments);
        self.body(2, body, true);
        self.out.push_str("}\n");
        self.out
    }

    /// Entries one per line. In the service body, blocks are separated by a
    /// blank line as the examples are.
    fn body(&mut self, indent: usize, record: &Record, top: bool) {
        let mut previous_block = false;
        for (i, (name, entry)) in record.entries.iter().enumerate() {
            let block = self.is_block(indent, name, entry, top);
            if top && i > 0 && (block || previous_block) {
                self.out.push('\n');
            }
            previous_block = block;
            self.entry(indent, name, entry, top);
        }
    }

    fn is_block(&self, indent: usize, name: &str, entry: &Entry, top: bool) -> bool {
        match &entry.value {
            Value::Record(r) => {
                self.labeled.iter().any(|l| l == name) && !r.entries.is_empty()
                    || top && always_block(name)
                    || self.inline_entry(indent, name, &entry.value).is_none()
            }
            v => self.inline_entry(indent, name, v).is_none(),
        }
    }

    fn entry(&mut self, indent: usize, name: &str, entry: &Entry, top: bool) {
        let pad = " ".repeat(indent);
        if let Value::Record(r) = &entry.value
            && self.labeled.iter().any(|l| l == name)
            && !r.entries.is_empty()
        {
            comment_lines(&mut self.out, indent, &entry.comments);
            for (i, (label, item)) in r.entries.iter().enumerate() {
                if top && i > 0 {
                    self.out.push('\n');
                }
                comment_lines(&mut self.out, indent, &item.comments);
                self.out.push_str(&format!("{pad}{name} {} {{", key(label)));
                end_line(&mut self.out, &item.comments);
                if let Value::Record(body) = &item.value {
                    self.body(indent + 2, body, false);
                }
                self.out.push_str(&format!("{pad}}}\n"));
            }
            return;
        }
        comment_lines(&mut self.out, indent, &entry.comments);
        let named_block = top && always_block(name);
        if let (Value::Record(r), true) = (&entry.value, named_block)
            && name != "defaults"
            && let Some(inline) = self.inline_record(r)
            && indent + name.len() + 1 + inline.len() <= WIDTH
        {
            self.out.push_str(&format!("{pad}{} {inline}", key(name)));
            end_line(&mut self.out, &entry.comments);
            return;
        }
        if !named_block && let Some(line) = self.inline_entry(indent, name, &entry.value) {
            self.out.push_str(&line);
            end_line(&mut self.out, &entry.comments);
            return;
        }
        match &entry.value {
            Value::Record(r) => {
                self.out.push_str(&format!("{pad}{} {{", key(name)));
                end_line(&mut self.out, &entry.comments);
                self.body(indent + 2, r, false);
                self.out.push_str(&format!("{pad}}}\n"));
            }
            Value::Variant(tag, r) => {
                self.out.push_str(&format!("{pad}{} = {tag} {{", key(name)));
                end_line(&mut self.out, &entry.comments);
                self.body(indent + 2, r, false);
                self.out.push_str(&format!("{pad}}}\n"));
            }
            Value::List(items) => {
                self.out.push_str(&format!("{pad}{} = [", key(name)));
                end_line(&mut self.out, &entry.comments);
                self.items(indent + 2, items);
                self.out.push_str(&format!("{pad}]\n"));
            }
            // Scalars always fit on their line.
            v => {
                self.out.push_str(&format!("{pad}{} = {}", key(name), self.inline(v).unwrap_or_default()));
                end_line(&mut self.out, &entry.comments);
            }
        }
    }

    fn items(&mut self, indent: usize, items: &[Item]) {
        let pad = " ".repeat(indent);
        for item in items {
            comment_lines(&mut self.out, indent, &item.comments);
            match (self.inline(&item.value), &item.value) {
                (Some(text), _) if indent + text.len() < WIDTH => {
                    self.out.push_str(&format!("{pad}{text},"));
                    end_line(&mut self.out, &item.comments);
                }
                (_, Value::Record(r)) => {
                    self.out.push_str(&format!("{pad}{{"));
                    end_line(&mut self.out, &item.comments);
                    self.body(indent + 2, r, false);
                    self.out.push_str(&format!("{pad}}},\n"));
                }
                (_, Value::Variant(tag, r)) => {
                    self.out.push_str(&format!("{pad}{tag} {{"));
                    end_line(&mut self.out, &item.comments);
                    self.body(indent + 2, r, false);
                    self.out.push_str(&format!("{pad}}},\n"));
                }
                (_, Value::List(inner)) => {
                    self.out.push_str(&format!("{pad}["));
                    end_line(&mut self.out, &item.comments);
                    self.items(indent + 2, inner);
                    self.out.push_str(&format!("{pad}],\n"));
                }
                (text, _) => {
                    self.out.push_str(&format!("{pad}{},", text.unwrap_or_default()));
                    end_line(&mut self.out, &item.comments);
                }
            }
        }
    }

    /// `key = value` on one line, if it fits and holds no comment.
    fn inline_entry(&self, indent: usize, name: &str, value: &Value) -> Option<String> {
        let line = format!("{}{} = {}", " ".repeat(indent), key(name), self.inline(value)?);
        (line.len() <= WIDTH).then_some(line)
    }

    fn inline_record(&self, r: &Record) -> Option<String> {
        if r.entries.is_empty() {
            return Some("{}".into());
        }
        let mut parts = Vec::new();
        for (name, e) in &r.entries {
            if !e.comments.is_empty() || self.labeled.iter().any(|l| l == name) {
                return None;
            }
            parts.push(format!("{} = {}", key(name), self.inline(&e.value)?));
        }
        Some(format!("{{ {} }}", parts.join(", ")))
    }

    fn inline(&self, value: &Value) -> Option<String> {
        if value.has_comments() {
            return None;
        }
        Some(match value {
            Value::Str(s) => format!("\"{s}\""),
            Value::Lit(s) => s.clone(),
            Value::Secret(s) => format!("secret(\"{s}\")"),
            Value::List(items) => {
                let parts: Option<Vec<String>> = items.iter().map(|i| self.inline(&i.value)).collect();
                format!("[{}]", parts?.join(", "))
            }
            Value::Record(r) => self.inline_record(r)?,
            Value::Variant(tag, r) if r.entries.is_empty() => tag.clone(),
            Value::Variant(tag, r) => format!("{tag} {}", self.inline_record(r)?),
        })
    }
}

/// Service-level sections written as blocks, as the guide writes them.
fn always_block(name: &str) -> bool {
    matches!(name, "defaults" | "rollout" | "monitoring")
}
