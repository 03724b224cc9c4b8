//! The blocks of a Terraform file as mspc prints it, each flattened to its
//! arguments by path, for comparing two builds.
//!
//! This reads mspc's own output only, whose layout `emit/terraform/hcl.rs`
//! fixes: top-level blocks start at column 0 and end with a `}` line at
//! column 0; a body's items sit two spaces deeper than their block; an
//! argument's value runs on over lines indented deeper, or starting with a
//! closing bracket at the argument's own depth, or to the end of a heredoc;
//! a nested block is `name {` (or `name "label" {`) closed by `}` at its
//! depth. Alignment is not meaning: runs of spaces outside strings count as
//! one. It is not a general HCL parser and need not be: both sides of a
//! comparison come from the printer.

use std::collections::BTreeMap;

/// What a top-level block declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Resource,
    Data,
    Output,
    Variable,
    Locals,
    Provider,
    Terraform,
    /// Another generated file of the stack (a table's schema, a rollout's
    /// configuration), compared as one value.
    File,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub kind: Kind,
    /// `google_redis_instance.redis`, `data.x.y`, `output.x`, `locals`.
    pub address: String,
    /// The resource or data source type; empty for the others.
    pub ty: String,
    /// Arguments by path (`settings.ip_configuration.ipv4_enabled`; a
    /// repeated block by its `name` argument, `env["KEY"]`, or position,
    /// `rule[1]`), values normalised. A nested block's own path maps to
    /// [`BLOCK`], so adding or removing one is a change of its path.
    pub args: BTreeMap<String, String>,
}

/// The value recorded for a nested block's own path.
pub const BLOCK: &str = "{ … }";

/// The blocks of `text`, in order. Addresses repeated in one file (which
/// the generator never writes) get a `#2` suffix rather than hide each other.
pub fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<Block> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let Some(header) = line.strip_suffix('{').filter(|h| !h.starts_with([' ', '#', '/', '}'])) else {
            i += 1;
            continue;
        };
        let end = (i + 1..lines.len()).find(|&j| lines[j] == "}").unwrap_or(lines.len());
        let words = header_words(header);
        let (kind, ty, mut address) = match words.as_slice() {
            [k, t, n] if k == "resource" => (Kind::Resource, t.clone(), format!("{t}.{n}")),
            [k, t, n] if k == "data" => (Kind::Data, t.clone(), format!("data.{t}.{n}")),
            [k, n] if k == "output" => (Kind::Output, String::new(), format!("output.{n}")),
            [k, n] if k == "variable" => (Kind::Variable, String::new(), format!("var.{n}")),
            [k, n] if k == "provider" => (Kind::Provider, String::new(), format!("provider.{n}")),
            [k] if k == "locals" => (Kind::Locals, String::new(), "locals".to_string()),
            [k] if k == "terraform" => (Kind::Terraform, String::new(), "terraform".to_string()),
            _ => (Kind::Terraform, String::new(), words.join(".")),
        };
        let n = seen.entry(address.clone()).or_default();
        *n += 1;
        if *n > 1 {
            address = format!("{address}#{n}");
        }
        let mut args = BTreeMap::new();
        body(&lines[i + 1..end], 2, "", &mut args);
        // A provider's alias tells two configurations of one provider apart.
        if kind == Kind::Provider
            && let Some(alias) = args.get("alias")
        {
            address = format!("{address}.{}", alias.trim_matches('"'));
        }
        out.push(Block { kind, address, ty, args });
        i = end + 1;
    }
    out
}

/// `resource "a" "b" ` → `["resource", "a", "b"]`.
fn header_words(header: &str) -> Vec<String> {
    header.split_whitespace().map(|w| w.trim_matches('"').to_string()).collect()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Reads the items of a body whose items sit at `depth`.
fn body(lines: &[&str], depth: usize, prefix: &str, out: &mut BTreeMap<String, String>) {
    // Nested blocks are keyed once all are read: by name alone when it is
    // the only one of its name, else by label, `name` argument or position.
    let mut nested: Vec<(String, Option<String>, BTreeMap<String, String>)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let rest = line.trim_start_matches(' ');
        if rest.is_empty() || rest.starts_with('#') || rest.starts_with("//") || indent(line) != depth {
            i += 1;
            continue;
        }
        if let Some((key, value)) = argument(rest) {
            let mut value_lines = vec![value.to_string()];
            let mut j = i + 1;
            if let Some(tag) = heredoc_tag(value) {
                while j < lines.len() {
                    value_lines.push(lines[j].to_string());
                    j += 1;
                    if lines[j - 1].trim() == tag {
                        break;
                    }
                }
            } else {
                while j < lines.len() && continues(lines[j], depth) {
                    value_lines.push(lines[j].trim_start().to_string());
                    j += 1;
                }
            }
            out.insert(join(prefix, key), normalise(&value_lines));
            i = j;
        } else if let Some(head) = rest.strip_suffix('{') {
            let end = (i + 1..lines.len())
                .find(|&j| indent(lines[j]) == depth && lines[j].trim() == "}")
                .unwrap_or(lines.len());
            let mut words = header_words(head).into_iter();
            let name = words.next().unwrap_or_default();
            let mut inner = BTreeMap::new();
            body(&lines[i + 1..end], depth + 2, "", &mut inner);
            nested.push((name, words.next(), inner));
            i = end + 1;
        } else {
            i += 1;
        }
    }
    let mut positions: BTreeMap<&str, usize> = BTreeMap::new();
    let total = |name: &str| nested.iter().filter(|(n, ..)| n == name).count();
    for (name, label, inner) in &nested {
        let seen = positions.entry(name.as_str()).or_default();
        let key = if let Some(label) = label {
            format!("{name}[\"{label}\"]")
        } else if total(name) == 1 {
            name.clone()
        } else if let Some(n) = inner.get("name").filter(|n| n.starts_with('"')) {
            format!("{name}[{n}]")
        } else {
            format!("{name}[{seen}]")
        };
        *seen += 1;
        let path = join(prefix, &key);
        out.insert(path.clone(), BLOCK.to_string());
        for (k, v) in inner {
            out.insert(format!("{path}.{k}"), v.clone());
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

/// `name = value` (the name a plain identifier; alignment spaces allowed).
fn argument(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim_end();
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    // `==` is an expression, never an argument.
    (plain && !value.starts_with('=')).then(|| (key, value.trim()))
}

/// The closing tag of a value that opens a heredoc (`<<-EOT`).
fn heredoc_tag(value: &str) -> Option<&str> {
    let tag = value.rsplit_once("<<")?.1.trim_start_matches('-');
    (!tag.is_empty() && tag.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')).then_some(tag)
}

/// Whether `line` goes on with the value of an argument at `depth`.
fn continues(line: &str, depth: usize) -> bool {
    let rest = line.trim_start_matches(' ');
    if rest.is_empty() {
        return false;
    }
    indent(line) > depth || (indent(line) == depth && rest.starts_with(['}', ']', ')']))
}

/// A value's lines with runs of spaces outside strings made one: the
/// printer's alignment changes with its neighbours' names.
fn normalise(lines: &[String]) -> String {
    if lines.len() > 1 && heredoc_tag(&lines[0]).is_some() {
        return lines.join("\n");
    }
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut in_string = false;
        let mut escaped = false;
        let mut space = false;
        for c in line.chars() {
            if in_string {
                out.push(c);
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            if c == ' ' {
                space = true;
                continue;
            }
            if space && !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            space = false;
            out.push(c);
            in_string = c == '"';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TF: &str = r#"# Generated by mspc
terraform {
  required_version = "~> 1.3.10"

  cloud {
    organization = "sourcegraph"

    workspaces {
      name = "msp-x-dev-cloudrun"
    }
  }
}

provider "google" {
  project = "p"
}

resource "google_redis_instance" "redis" {
  name           = "redis"
  memory_size_gb = 1
  labels = {
    service  = "x"
    "a b"    = "c  d"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_cloud_run_v2_service" "x" {
  template {
    containers {
      env {
        name  = "A"
        value = "1"
      }
      env {
        name  = "B"
        value = "2"
      }
    }
    volumes {
      name = "v"
    }
  }
}

resource "google_monitoring_alert_policy" "p" {
  documentation {
    content = <<-EOT
      Text  with  spaces
      }
    EOT
  }
  enabled = true
}
"#;

    #[test]
    fn blocks_flatten_to_argument_paths() {
        let b = blocks(TF);
        let addresses: Vec<&str> = b.iter().map(|b| b.address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "terraform",
                "provider.google",
                "google_redis_instance.redis",
                "google_cloud_run_v2_service.x",
                "google_monitoring_alert_policy.p"
            ]
        );
        assert_eq!(b[0].args["cloud.workspaces.name"], "\"msp-x-dev-cloudrun\"");
        assert_eq!(b[0].args["cloud.workspaces"], BLOCK);
        let redis = &b[2];
        assert_eq!((redis.kind, redis.ty.as_str()), (Kind::Resource, "google_redis_instance"));
        assert_eq!(redis.args["memory_size_gb"], "1");
        // Alignment is gone; spaces inside strings stay.
        assert_eq!(redis.args["labels"], "{\nservice = \"x\"\n\"a b\" = \"c  d\"\n}");
        assert_eq!(redis.args["lifecycle.create_before_destroy"], "true");
        let run = &b[3];
        assert_eq!(run.args["template.containers.env[\"A\"].value"], "\"1\"");
        assert_eq!(run.args["template.containers.env[\"B\"].value"], "\"2\"");
        // The only block of its name: no key.
        assert_eq!(run.args["template.volumes.name"], "\"v\"");
        let alert = &b[4];
        assert!(alert.args["documentation.content"].contains("Text  with  spaces\n      }"));
        assert_eq!(alert.args["enabled"], "true");
    }

    #[test]
    fn unnamed_repeated_blocks_are_numbered() {
        let tf = "resource \"t\" \"n\" {\n  rule {\n    action = \"a\"\n  }\n  rule {\n    action = \"b\"\n  }\n}\n";
        let b = blocks(tf);
        assert_eq!(b[0].args["rule[0].action"], "\"a\"");
        assert_eq!(b[0].args["rule[1].action"], "\"b\"");
    }
}
