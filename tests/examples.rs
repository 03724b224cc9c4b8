//! The examples are the product's showcase and the main job's input: they
//! must check without a single diagnostic, and together use every field and
//! every variant the stdlib declares (so every field reaches the back ends).

mod common;

use std::collections::BTreeSet;

use mspc_compiler::check::stdlib::stdlib;
use mspc_compiler::db::{self, load::Loaded};

fn examples() -> Loaded {
    Loaded::from_disk(&common::repo_root().join("examples")).expect("examples/ is readable")
}

#[test]
fn examples_check_without_any_diagnostic() {
    let ws = examples();
    let r = ws.result();
    assert!(r.internal_errors.is_empty(), "{:?}", r.internal_errors);
    let shown = mspc_compiler::diagnostics::render::short(&r.diagnostics, &ws);
    assert!(r.diagnostics.is_empty(), "examples/ has diagnostics:\n{shown}");
    assert!(r.services.len() >= 5, "only {} services", r.services.len());
    assert!(r.services.iter().any(|s| s.kind == mspc_compiler::ir::Kind::Job));
}

#[test]
fn examples_use_every_stdlib_field_and_variant() {
    let ws = examples();
    let mut used: BTreeSet<String> = db::check_platform(&ws.db, ws.workspace).used.clone();
    for f in ws.workspace.files(&ws.db) {
        for &(item, _) in db::file_decls(&ws.db, *f) {
            used.extend(db::check_service(&ws.db, ws.workspace, *f, item).used.iter().cloned());
        }
    }
    let index = &stdlib().index;
    let mut declared = BTreeSet::new();
    for (name, schema) in &index.schemas {
        // Context schemas are computed, never written.
        if name.ends_with("Context") {
            continue;
        }
        for (field, def) in &schema.fields {
            if !def.label {
                declared.insert(format!("{name}.{field}"));
            }
        }
    }
    for (name, e) in &index.enums {
        // Regions are data, not shapes: every one reaches the back ends by the
        // same path, so the examples need several (checked below), not forty.
        if name == "Region" {
            continue;
        }
        for v in &e.variants {
            declared.insert(format!("{name}::{}", v.name));
            for field in v.fields.iter().flat_map(|f| f.keys()) {
                declared.insert(format!("{name}::{}.{field}", v.name));
            }
        }
    }
    let regions = used.iter().filter(|u| u.starts_with("Region::")).count();
    assert!(regions >= 3, "examples/ uses {regions} regions");
    let missing: Vec<&String> = declared.difference(&used).collect();
    assert!(missing.is_empty(), "examples/ never sets: {missing:#?}");
}
