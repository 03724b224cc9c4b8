//! Change review: what a change of the specs does to the infrastructure,
//! from two builds' output alone (`mspc diff`).
//!
//! `changes` compares the files two builds generate, stack by stack, block by
//! block (`hcl.rs` reads mspc's own printing), and says of each resource
//! whether it is created, updated (which arguments, old → new), replaced
//! (an argument that forces a new resource changed, by the emitter's table
//! `emit::terraform::replace`, or one such argument takes a value from a
//! resource that is itself replaced or created) or deleted, and what a
//! resource holding state loses. `causes.rs` names the spec lines behind
//! each change. Rendering is `render.rs`'s.
//!
//! This layer reads back ends' output and the syntax tree of the specs; no
//! back end reads it.

pub mod causes;
pub mod hcl;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::emit::OutputFile;
use crate::emit::terraform::replace;
use hcl::{Block, Kind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }
}

/// One argument that differs. `None`: not set on that side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttrChange {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// Changing it makes Terraform replace the resource.
    pub forces_replacement: bool,
}

/// A change of one block of one stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub service: String,
    pub environment: String,
    pub stack: String,
    pub address: String,
    /// The resource or data source type; empty for other blocks.
    #[serde(rename = "type")]
    pub ty: String,
    pub kind: Kind,
    pub action: Action,
    /// For updates and replacements: the arguments that differ.
    pub attributes: Vec<AttrChange>,
    /// For a replacement that no argument of its own forces: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_because: Option<String>,
    /// For a deleted or replaced resource that holds state: what is lost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loses: Option<&'static str>,
    /// The spec lines that caused it (filled by `causes`).
    pub spans: Vec<causes::Cause>,
}

impl Change {
    /// A deleted or replaced resource that holds state.
    pub fn dangerous(&self) -> bool {
        self.loses.is_some()
    }

    /// A change of real infrastructure (not an output, a local, a data
    /// source read or the Terraform settings).
    pub fn is_resource(&self) -> bool {
        self.kind == Kind::Resource
    }
}

/// A changed page of the docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocChange {
    pub path: String,
    /// The service whose page it is; `None` for the index and other pages.
    pub service: Option<String>,
    pub action: Action,
    pub lines_added: usize,
    pub lines_removed: usize,
    pub spans: Vec<causes::Cause>,
}

/// What changed between two builds' files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub docs: Vec<DocChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.docs.is_empty()
    }

    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.is_resource() && c.action == action).count()
    }
}

/// `terraform/<service>/<env>/<stack>/<file>` → its parts.
fn stack_of(path: &str) -> Option<(&str, &str, &str, &str)> {
    let mut parts = path.strip_prefix("terraform/")?.splitn(4, '/');
    Some((parts.next()?, parts.next()?, parts.next()?, parts.next()?))
}

type StackKey = (String, String, String);

/// Every block of every stack: `.tf` files block by block, other files as
/// one value each.
fn stacks(files: &[OutputFile]) -> BTreeMap<StackKey, BTreeMap<String, Block>> {
    let mut out: BTreeMap<StackKey, BTreeMap<String, Block>> = BTreeMap::new();
    for f in files {
        let Some((service, env, stack, file)) = stack_of(&f.path) else { continue };
        let blocks = out.entry((service.into(), env.into(), stack.into())).or_default();
        if file.ends_with(".tf") {
            for b in hcl::blocks(&f.contents) {
                blocks.insert(b.address.clone(), b);
            }
        } else {
            let args = BTreeMap::from([("content".to_string(), f.contents.clone())]);
            let address = format!("file.{file}");
            blocks.insert(address.clone(), Block { kind: Kind::File, address, ty: String::new(), args });
        }
    }
    out
}

/// Arguments that tell Terraform how to manage a resource, not what it is:
/// changing them changes nothing in the cloud.
fn meta(path: &str) -> bool {
    ["lifecycle", "depends_on", "provider"].iter().any(|m| path == *m || path.starts_with(&format!("{m}.")))
}

/// `template.containers.env["A"].value` → `template.containers.env.value`:
/// the path the replacement table is written in.
pub fn schema_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    let mut in_string = false;
    for c in path.chars() {
        match c {
            '"' if depth > 0 => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The arguments that differ between `old` and `new`, meta-arguments left out.
fn attr_changes(ty: &str, old: &Block, new: &Block) -> Vec<AttrChange> {
    let keys: BTreeSet<&String> = old.args.keys().chain(new.args.keys()).collect();
    keys.into_iter()
        .filter(|k| !meta(k))
        .filter_map(|k| {
            let (o, n) = (old.args.get(k), new.args.get(k));
            (o != n).then(|| AttrChange {
                path: k.clone(),
                old: o.cloned(),
                new: n.cloned(),
                forces_replacement: !ty.is_empty() && replace::forces_new(ty, &schema_path(k)),
            })
        })
        .collect()
}

/// The blocks two builds generate, compared.
pub fn changes(base: &[OutputFile], now: &[OutputFile]) -> Diff {
    let (before, after) = (stacks(base), stacks(now));
    let keys: BTreeSet<&StackKey> = before.keys().chain(after.keys()).collect();
    let empty = BTreeMap::new();
    let mut changes = Vec::new();
    for key in keys {
        let (old, new) = (before.get(key).unwrap_or(&empty), after.get(key).unwrap_or(&empty));
        changes.extend(stack_changes(key, old, new));
    }
    Diff { changes, docs: doc_changes(base, now) }
}

fn stack_changes(key: &StackKey, old: &BTreeMap<String, Block>, new: &BTreeMap<String, Block>) -> Vec<Change> {
    let (service, environment, stack) = key.clone();
    let change = |b: &Block, action, attributes| Change {
        service: service.clone(),
        environment: environment.clone(),
        stack: stack.clone(),
        address: b.address.clone(),
        ty: b.ty.clone(),
        kind: b.kind,
        action,
        attributes,
        replaced_because: None,
        loses: None,
        spans: Vec::new(),
    };
    let mut out: Vec<Change> = Vec::new();
    for (addr, b) in old {
        if !new.contains_key(addr) {
            out.push(change(b, Action::Delete, Vec::new()));
        }
    }
    for (addr, b) in new {
        match old.get(addr) {
            None => out.push(change(b, Action::Create, Vec::new())),
            Some(o) => {
                let attrs = attr_changes(&b.ty, o, b);
                if attrs.is_empty() {
                    continue;
                }
                let replaced = b.kind == Kind::Resource && attrs.iter().any(|a| a.forces_replacement);
                out.push(change(b, if replaced { Action::Replace } else { Action::Update }, attrs));
            }
        }
    }
    cascade(&mut out, new);
    for c in &mut out {
        if c.kind == Kind::Resource && matches!(c.action, Action::Delete | Action::Replace) {
            c.loses = replace::loses(&c.ty);
        }
    }
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}

/// Resources replaced because an argument that forces a new resource takes
/// its value from a resource that is replaced or created, whose attributes
/// are then unknown until it exists (a Cloud SQL instance named after a
/// `random_id` whose keepers changed). Arguments the configuration sets are
/// known at plan time, so a reference to one of them carries nothing over.
fn cascade(out: &mut Vec<Change>, new: &BTreeMap<String, Block>) {
    loop {
        let renewed: BTreeSet<String> = out
            .iter()
            .filter(|c| c.kind == Kind::Resource && matches!(c.action, Action::Replace | Action::Create))
            .map(|c| c.address.clone())
            .collect();
        let mut found: Option<(String, String, String)> = None;
        'blocks: for (addr, b) in new {
            if b.kind != Kind::Resource || renewed.contains(addr) {
                continue;
            }
            for (path, value) in &b.args {
                if !replace::forces_new(&b.ty, &schema_path(path)) {
                    continue;
                }
                if let Some(source) = unknown_source(value, new, &renewed, 0) {
                    found = Some((addr.clone(), path.clone(), source));
                    break 'blocks;
                }
            }
        }
        let Some((addr, path, source)) = found else { return };
        let why = format!("{path} takes {source}, which is known only once that is created again");
        match out.iter_mut().find(|c| c.address == addr) {
            Some(c) => {
                c.action = Action::Replace;
                c.replaced_because = Some(why);
            }
            None => {
                let b = &new[&addr];
                let template = out.first().expect("something was renewed").clone();
                out.push(Change {
                    address: addr.clone(),
                    ty: b.ty.clone(),
                    kind: b.kind,
                    action: Action::Replace,
                    attributes: Vec::new(),
                    replaced_because: Some(why),
                    loses: None,
                    spans: Vec::new(),
                    ..template
                });
            }
        }
    }
}

/// The first attribute `value` reads that is unknown at plan time: an
/// attribute of a renewed resource that its configuration does not set, or
/// sets from another unknown one.
fn unknown_source(
    value: &str,
    new: &BTreeMap<String, Block>,
    renewed: &BTreeSet<String>,
    depth: usize,
) -> Option<String> {
    for r in renewed {
        let Some(attr) = reference(value, r) else { continue };
        match new.get(r).and_then(|b| b.args.get(attr)) {
            None => return Some(format!("{r}.{attr}")),
            // Configured, from something unknown (bounded: references
            // between resources cannot loop, but a malformed file might).
            Some(v) if depth < 8 => {
                if unknown_source(v, new, renewed, depth + 1).is_some() {
                    return Some(format!("{r}.{attr}"));
                }
            }
            Some(_) => {}
        }
    }
    None
}

/// The attribute of `address` that `value` reads (`random_id.x.hex` → `hex`),
/// if it reads one.
fn reference<'a>(value: &'a str, address: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = value[from..].find(address) {
        let start = from + i;
        let before_ok =
            value[..start].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        let rest = &value[start + address.len()..];
        if before_ok && let Some(attr) = rest.strip_prefix('.') {
            let end = attr.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(attr.len());
            if end > 0 {
                return Some(&attr[..end]);
            }
        }
        from = start + address.len();
    }
    None
}

/// Pages that differ, with their lines added and removed.
fn doc_changes(base: &[OutputFile], now: &[OutputFile]) -> Vec<DocChange> {
    let pages = |files: &[OutputFile]| -> BTreeMap<String, String> {
        files
            .iter()
            .filter(|f| f.path.starts_with("docs/"))
            .map(|f| (f.path.clone(), crate::emit::docs::without_provenance(&f.contents)))
            .collect()
    };
    let (before, after) = (pages(base), pages(now));
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for path in keys {
        let (old, new) = (before.get(path), after.get(path));
        if old == new {
            continue;
        }
        let (o, n) = (old.map_or("", String::as_str), new.map_or("", String::as_str));
        let (mut added, mut removed) = (0, 0);
        for change in similar::TextDiff::from_lines(o, n).iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
        let action = match (old, new) {
            (None, _) => Action::Create,
            (_, None) => Action::Delete,
            _ => Action::Update,
        };
        let service = path
            .strip_prefix("docs/")
            .and_then(|p| p.strip_suffix(".md"))
            .filter(|s| *s != "index" && !s.contains('/'))
            .map(String::from);
        out.push(DocChange {
            path: path.clone(),
            service,
            action,
            lines_added: added,
            lines_removed: removed,
            spans: Vec::new(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> OutputFile {
        OutputFile { path: path.into(), contents: contents.into() }
    }

    #[test]
    fn schema_paths_drop_keys_and_indices() {
        assert_eq!(schema_path("template.containers.env[\"A.B]\"].value"), "template.containers.env.value");
        assert_eq!(schema_path("rule[1].action"), "rule.action");
        assert_eq!(schema_path("settings.tier"), "settings.tier");
    }

    #[test]
    fn references_name_the_attribute_read() {
        assert_eq!(reference("\"pg-${random_id.db.hex}\"", "random_id.db"), Some("hex"));
        assert_eq!(reference("random_id.dbx.hex", "random_id.db"), None);
        assert_eq!(reference("data.random_id.db.hex", "random_id.db"), None);
        assert_eq!(reference("random_id.db", "random_id.db"), None);
    }

    #[test]
    fn a_replaced_random_name_replaces_what_is_named_after_it() {
        let tf = |keeper: &str, tier: &str| {
            format!(
                "resource \"random_id\" \"db\" {{\n  byte_length = 2\n  keepers = {{\n    region = \"{keeper}\"\n  }}\n}}\n\n\
                 resource \"google_sql_database_instance\" \"db\" {{\n  name = \"pg-${{random_id.db.hex}}\"\n  \
                 settings {{\n    tier = \"{tier}\"\n  }}\n}}\n\n\
                 resource \"google_sql_user\" \"u\" {{\n  instance = google_sql_database_instance.db.name\n}}\n"
            )
        };
        let p = "terraform/s/prod/cloudrun/main.tf";
        let d = changes(&[file(p, &tf("us", "a"))], &[file(p, &tf("eu", "a"))]);
        let got: Vec<(&str, Action)> = d.changes.iter().map(|c| (c.address.as_str(), c.action)).collect();
        // The user reads the instance's name, which the configuration sets
        // from the unknown random value: unknown too, so replaced as well.
        assert_eq!(
            got,
            [
                ("google_sql_database_instance.db", Action::Replace),
                ("google_sql_user.u", Action::Replace),
                ("random_id.db", Action::Replace),
            ]
        );
        assert!(d.changes[0].dangerous());
        assert_eq!(
            d.changes[0].replaced_because.as_deref(),
            Some("name takes random_id.db.hex, which is known only once that is created again")
        );
        // An argument that updates in place.
        let d = changes(&[file(p, &tf("us", "a"))], &[file(p, &tf("us", "b"))]);
        assert_eq!(d.changes.len(), 1);
        assert_eq!(d.changes[0].action, Action::Update);
        assert_eq!(d.changes[0].attributes[0].path, "settings.tier");
        assert!(!d.changes[0].dangerous());
    }

    #[test]
    fn meta_arguments_and_alignment_change_nothing() {
        let p = "terraform/s/dev/x/main.tf";
        let a = "resource \"t\" \"n\" {\n  a  = 1\n  bb = 2\n}\n";
        let b = "resource \"t\" \"n\" {\n  a = 1\n  bb = 2\n\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n";
        assert!(changes(&[file(p, a)], &[file(p, b)]).is_empty());
    }
}
