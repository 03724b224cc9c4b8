//! Snapshots of every file `mspc build examples` generates, one snapshot per
//! file under `tests/snapshots/examples/`. A change in generated Terraform
//! shows up as a reviewable diff; a snapshot of a file no longer generated
//! fails the test.

mod common;

use std::collections::BTreeSet;

use common::tf::Build;

fn snapshot_name(path: &str) -> String {
    path.replace('/', "__")
}

#[test]
fn every_generated_file_matches_its_snapshot() {
    let build = Build::examples();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/examples");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (path, contents) in &build.files {
            insta::assert_snapshot!(snapshot_name(path), contents);
        }
    });
    let expected: BTreeSet<String> = build.files.keys().map(|p| format!("{}.snap", snapshot_name(p))).collect();
    let dir = common::repo_root().join("tests/snapshots/examples");
    let stale: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snap") && !expected.contains(n))
        .collect();
    assert!(stale.is_empty(), "snapshots of files no longer generated (delete them): {stale:?}");
}
