//! Hostile and odd input, through the real binary: every resource bound
//! (`compiler/src/limits.rs`), every confinement rule and every odd file
//! ends in its diagnostic code and a non-zero exit, quickly, never a crash.
//! (Interrupted builds: `tests/interrupted_build.rs`; fuzzing: `fuzz/`.)

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{TempDir, code, mspc, service_with as service, stdout};
use mspc_compiler::limits;

/// A workspace: the examples' platform, plus `files`.
fn workspace(tag: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new(tag);
    let platform = std::fs::read_to_string(common::repo_root().join("examples/platform.msp")).unwrap();
    let mut all = vec![("platform.msp".to_string(), platform)];
    all.extend(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    dir.write(&all);
    dir
}

/// `mspc lint --format short` in `dir`: the exit code, and each line's code
/// with its path (`services/a/a.msp E0009`).
fn lint(dir: &Path) -> (i32, Vec<String>, Duration) {
    let started = Instant::now();
    let out = mspc(dir, &["lint", ".", "--format", "short"]);
    let took = started.elapsed();
    let found = stdout(&out)
        .lines()
        .filter_map(|l| {
            let (path, rest) = l.split_once(": ")?;
            let path = path.split(':').next()?;
            Some(format!("{path} {}", rest.split_whitespace().next()?))
        })
        .collect();
    (code(&out), found, took)
}

fn assert_reports(dir: &Path, want: &str) {
    let (exit, found, took) = lint(dir);
    assert!(found.iter().any(|f| f == want), "expected `{want}`, got {found:?}");
    assert_eq!(exit, 1, "{found:?}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

// Resource bounds.

#[test]
fn a_file_over_the_size_bound_is_not_read() {
    let big = " ".repeat(limits::MAX_FILE_BYTES + 1);
    let dir = workspace(
        "big-file",
        &[("services/a/a.msp", &big), ("services/b/README.md", &big), ("services/c/c.msp", &service("c", "\"C\""))],
    );
    assert_reports(dir.path(), "services/a/a.msp E0009");
    assert_reports(dir.path(), "services/b/README.md E0009");
}

#[test]
fn a_workspace_over_the_file_count_bound_is_refused() {
    let dir = workspace("many-files", &[]);
    for i in 0..=limits::MAX_FILES {
        let folder = dir.path().join(format!("services/s{}", i / 500));
        if i % 500 == 0 {
            std::fs::create_dir_all(&folder).unwrap();
        }
        std::fs::write(folder.join(format!("t{i}.bigquerytable.json")), "[]").unwrap();
    }
    assert_reports(dir.path(), "platform.msp E0010");
}

#[test]
fn a_workspace_over_the_byte_bound_is_refused() {
    // Sparse files: their size counts, not the disk they take.
    let dir = workspace("many-bytes", &[]);
    let each = limits::MAX_FILE_BYTES as u64; // under the per-file bound
    for i in 0..=(limits::MAX_WORKSPACE_BYTES as u64 / each) {
        let path = dir.path().join(format!("services/s/t{i}.bigquerytable.json"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::File::create(&path).unwrap().set_len(each).unwrap();
    }
    let (exit, found, _) = lint(dir.path());
    assert_eq!(found, ["platform.msp E0010"], "only the workspace error, nothing was read");
    assert_eq!(exit, 1);
}

#[test]
fn brackets_nested_past_the_bound_are_refused_without_overflowing_the_stack() {
    for depth in [limits::MAX_NESTING + 1, 100_000] {
        let deep = format!("let x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let dir = workspace("deep", &[("services/a/a.msp", &deep)]);
        assert_reports(dir.path(), "services/a/a.msp E0006");
    }
}

#[test]
fn a_string_over_the_length_bound_is_refused() {
    let long = format!("\"{}\"", "x".repeat(limits::MAX_STRING_BYTES));
    let ok = format!("\"{}\"", "x".repeat(limits::MAX_STRING_BYTES - 2));
    let dir = workspace(
        "long-string",
        &[("services/a/a.msp", &service("a", &long)), ("services/b/b.msp", &service("b", &ok))],
    );
    let (_, found, _) = lint(dir.path());
    assert_eq!(found.iter().filter(|f| f.ends_with("E0011")).collect::<Vec<_>>(), ["services/a/a.msp E0011"]);
}

#[test]
fn interpolation_through_names_past_the_depth_bound_is_refused() {
    let mut text = String::from("let s0 = \"x\"\n");
    for i in 1..=limits::MAX_LET_DEPTH + 8 {
        text.push_str(&format!("let s{i} = \"${{s{}}}-\"\n", i - 1));
    }
    text.push_str(&service("a", &format!("s{}", limits::MAX_LET_DEPTH + 8)));
    let dir = workspace("interp-depth", &[("services/a/a.msp", &text)]);
    assert_reports(dir.path(), "services/a/a.msp E0006");
}

#[test]
fn names_that_double_are_refused_quickly_in_strings_lists_and_defaults() {
    let chain = |first: &str, step: &dyn Fn(usize) -> String| {
        let mut text = format!("let v0 = {first}\n");
        for i in 1..=40 {
            text.push_str(&format!("let v{i} = {}\n", step(i - 1)));
        }
        text
    };
    let strings = chain("\"0123456789abcdef\"", &|p| format!("\"${{v{p}}}${{v{p}}}\""));
    let lists = chain("[\"core\"]", &|p| format!("[v{p}, v{p}]"));
    let records = chain("{ a = 1 }", &|p| format!("{{ a = v{p}, b = v{p} }}"));
    let defaults = format!(
        "let v = [{}]\nservice d {{\n  owners = [\"core-services\"]\n  description = \"D\"\n  image = \"us.gcr.io/example/d\"\n  defaults {{\n    env = {{ A = \"${{v}}\" }}\n  }}\n{}}}\n",
        vec!["\"x\""; 2000].join(", "),
        (0..200).map(|i| format!("  environment e{i} {{\n    project_id = \"d-e{i}-1a2b\"\n    category = test\n    deploy = manual\n    env = {{ B = defaults.env.A }}\n  }}\n")).collect::<String>()
    );
    for (name, text) in [("strings", strings + &service("a", "v40")), ("lists", lists), ("records", records)] {
        let dir = workspace(name, &[("services/a/a.msp", &text)]);
        assert_reports(dir.path(), "services/a/a.msp E0012");
    }
    // Many environments each copying `defaults` is ordinary use, whatever
    // its errors: it must not be mistaken for a bomb.
    let dir = workspace("defaults", &[("services/d/d.msp", &defaults)]);
    let (_, found, took) = lint(dir.path());
    assert!(!found.iter().any(|f| f.ends_with("E0012")), "{found:?}");
    assert!(took < Duration::from_secs(20));
}

// MSP YAML (`mspc import`): hostile specs are refused quickly with E0401.

fn import(tag: &str, yaml: &str) -> (i32, String, Duration) {
    let dir = TempDir::new(tag);
    std::fs::write(dir.path().join("service.yaml"), yaml).unwrap();
    let started = Instant::now();
    let out = mspc(dir.path(), &["import", "--stdout", "--format", "short", "service.yaml"]);
    (code(&out), stdout(&out) + &common::stderr(&out), started.elapsed())
}

#[test]
fn hostile_yaml_is_refused_quickly() {
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        laughs.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{p}"); 10].join(", ")));
    }
    let big_scalar = "x".repeat(limits::MAX_STRING_BYTES / 2);
    let mut scalar_bomb = format!("a: &a \"{big_scalar}\"\nb: [");
    scalar_bomb.push_str(&vec!["*a"; 1000].join(", "));
    scalar_bomb.push_str("]\n");
    let cases = [
        ("alias-bomb", laughs),
        ("scalar-bomb", scalar_bomb),
        ("deep", format!("service: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000))),
        ("huge-scalar", format!("service:\n  id: \"{}\"\n", "x".repeat(limits::MAX_STRING_BYTES + 1))),
        ("huge-file", format!("# {}\nservice: {{}}\n", "x".repeat(limits::MAX_FILE_BYTES))),
    ];
    for (tag, yaml) in cases {
        let (exit, shown, took) = import(tag, &yaml);
        assert_eq!(exit, 1, "{tag}: {shown}");
        // A file over the size bound is not even read, as in a workspace.
        let want = if tag == "huge-file" { "E0009" } else { "E0401" };
        assert!(shown.contains(want), "{tag}: expected {want}, got:\n{}", &shown[..shown.len().min(2000)]);
        assert!(took < Duration::from_secs(10), "{tag}: took {took:?}");
    }
}

// Confinement: only files inside the workspace root are read.

#[cfg(unix)]
#[test]
fn links_out_of_the_workspace_are_not_followed() {
    let outside = TempDir::new("outside");
    outside.write(&[
        ("secret.msp".into(), "let token = \"outside-secret-value\"\n".into()),
        ("README.md".into(), "# Outside\n\noutside-secret-value\n".into()),
        ("t.bigquerytable.json".into(), "[]".into()),
        ("dir/x/x.msp".into(), service("x", "\"outside-secret-value\"")),
    ]);
    let dir = workspace(
        "links",
        &[("services/a/a.msp", &service("a", "\"A\"")), ("services/shared/values.msp", "let v = \"inside\"\n")],
    );
    let link = |from: &Path, to: &str| std::os::unix::fs::symlink(from, dir.path().join(to)).unwrap();
    link(&outside.path().join("secret.msp"), "services/a/secret.msp");
    link(&outside.path().join("README.md"), "services/a/README.md");
    link(&outside.path().join("t.bigquerytable.json"), "services/a/t.bigquerytable.json");
    link(&outside.path().join("dir"), "services/linked");
    // A link inside the workspace is read as usual.
    link(&dir.path().join("services/shared/values.msp"), "services/a/values.msp");
    let (exit, found, _) = lint(dir.path());
    for want in ["services/a/secret.msp E0013", "services/a/README.md E0013", "services/a/t.bigquerytable.json E0013"] {
        assert!(found.iter().any(|f| f == want), "expected `{want}`, got {found:?}");
    }
    assert!(!found.iter().any(|f| f.starts_with("services/a/values.msp") && !f.ends_with("W0009")), "{found:?}");
    // The linked folder is not entered: its service is not part of the workspace.
    assert!(!found.iter().any(|f| f.contains("linked")), "{found:?}");
    assert_eq!(exit, 1);
    let out = mspc(dir.path(), &["ir", "."]);
    assert!(!stdout(&out).contains("outside-secret-value"));
}

#[test]
fn imports_cannot_leave_the_workspace() {
    let dir = TempDir::new("escape");
    let platform = std::fs::read_to_string(common::repo_root().join("examples/platform.msp")).unwrap();
    dir.write(&[
        ("ws/platform.msp".into(), platform),
        ("ws/services/a/a.msp".into(), format!("import \"../../../outside.msp\" as o\n{}", service("a", "o.v"))),
        ("outside.msp".into(), "let v = \"outside\"\n".into()),
    ]);
    assert_reports(&dir.path().join("ws"), "services/a/a.msp E0104");
}

#[test]
fn imported_bigquery_table_names_cannot_name_paths() {
    let yaml = std::fs::read_to_string(common::repo_root().join("tests/fixtures/import/valid/fuller/service.yaml"))
        .unwrap()
        .replace("tables: [example]", "tables: [\"../../../etc/passwd\"]");
    assert!(yaml.contains("../../../etc/passwd"), "the fixture still names its table `example`");
    let (exit, shown, _) = import("bq-path", &yaml);
    assert_eq!(exit, 1);
    assert!(shown.contains("E0404"), "{shown}");
}

/// Checking, building and the language server never start another program:
/// only `src/programs.rs` may, for the operations commands an operator runs
/// by name (`mspc pg connect`, `--open`). Tests and the benchmark harness
/// aside.
#[test]
fn no_source_starts_a_process() {
    let mut offenders = Vec::new();
    let mut allowed_seen = false;
    for dir in ["src", "compiler/src", "lsp/src"] {
        let root = common::repo_root().join(dir);
        let files = mspc_compiler::db::load::walk(&root, |_| true, |n| n.ends_with(".rs"), usize::MAX).unwrap();
        for (rel, path) in files {
            if dir == "src" && rel == "programs.rs" {
                allowed_seen = true;
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for needle in ["process::Command", "Command::new", "libc::exec", "posix_spawn"] {
                if code.contains(needle) {
                    offenders.push(format!("{dir}/{rel}: {needle}"));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
    assert!(allowed_seen, "src/programs.rs moved: update this test");
}

// Odd files.

#[test]
fn odd_files_get_diagnostics() {
    let dir = workspace(
        "odd",
        &[
            ("services/a/a.msp", &service("a", "\"A\"")),
            ("services/empty/empty.msp", ""),
            ("services/comments/comments.msp", "// nothing yet\n"),
        ],
    );
    std::fs::write(dir.path().join("services/a/latin1.msp"), b"let note = \"caf\xe9\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("services/folder.msp/inner")).unwrap();
    std::fs::write(dir.path().join("services/folder.msp/inner/i.msp"), service("i", "\"I\"")).unwrap();
    #[cfg(unix)]
    {
        let fifo = dir.path().join("services/a/pipe.msp");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
        assert!(made, "mkfifo");
        std::os::unix::fs::symlink(dir.path().join("services/a/gone.msp"), dir.path().join("services/a/dangling.msp"))
            .unwrap();
    }
    let (exit, found, took) = lint(dir.path());
    let mut want = vec![
        "services/a/latin1.msp E0008",
        "services/folder.msp E0008",
        "services/empty/empty.msp W0012",
        "services/comments/comments.msp W0012",
    ];
    if cfg!(unix) {
        want.extend(["services/a/pipe.msp E0008", "services/a/dangling.msp E0008"]);
    }
    for w in want {
        assert!(found.iter().any(|f| f == w), "expected `{w}`, got {found:?}");
    }
    // The folder named like a file is not entered.
    assert!(!found.iter().any(|f| f.contains("inner")), "{found:?}");
    assert_eq!(exit, 1);
    assert!(took < Duration::from_secs(20), "a pipe must not be read (it would block): {took:?}");
}

#[cfg(unix)]
#[test]
fn fmt_reports_odd_files_and_does_not_read_out_of_its_folder() {
    let outside = TempDir::new("fmt-outside");
    outside.write(&[("x.msp".into(), "let   x = 1\n".into())]);
    let dir = workspace("fmt-odd", &[("services/a/a.msp", "let   a = 1\n")]);
    std::fs::create_dir_all(dir.path().join("services/folder.msp")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("x.msp"), dir.path().join("services/a/out.msp")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("services/a/a.msp"), dir.path().join("services/a/in.msp")).unwrap();
    let out = mspc(dir.path(), &["fmt", "--format", "short", "."]);
    let shown = stdout(&out);
    assert_eq!(code(&out), 1, "{shown}{}", common::stderr(&out));
    assert!(shown.contains("services/folder.msp:1:1: E0008"), "{shown}");
    assert!(shown.contains("services/a/out.msp:1:1: E0013"), "{shown}");
    // The file inside was formatted (once, though linked twice); the one outside was not touched.
    assert_eq!(std::fs::read_to_string(dir.path().join("services/a/a.msp")).unwrap(), "let a = 1\n");
    assert!(std::fs::symlink_metadata(dir.path().join("services/a/in.msp")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(outside.path().join("x.msp")).unwrap(), "let   x = 1\n");
}
