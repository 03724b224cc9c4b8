//! Property: parsing and checking never panic, whatever the input, and
//! neither does generating Terraform and docs from what checks clean.
//! Two generators: token soup built from the language's own tokens, and
//! random edits of real files (the examples and valid fixtures), checked in
//! their real workspace so imports resolve. 10,000 cases each by default
//! (`MSPC_PROPTEST_CASES` overrides).

mod common;

use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "service",
    "job",
    "platform",
    "let",
    "import",
    "as",
    "environment",
    "defaults",
    "rollout",
    "monitoring",
    "schema",
    "enum",
    "union",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    ",",
    ".",
    "..",
    ":",
    "?",
    "@",
    "\"",
    "\"\"\"",
    "${",
    "//",
    "///",
    "\n",
    " ",
    "\t",
    "x",
    "prod",
    "dev",
    "test",
    "internal",
    "manual",
    "rollout",
    "cloudflare",
    "none",
    "secret",
    "secret(\"a\")",
    "\"str\"",
    "\"${environment.dns_name}\"",
    "\"${service.id}\"",
    "1",
    "-1",
    "0.5",
    "10m",
    "512Mi",
    "99999999999999999999",
    "true",
    "false",
    "project_id",
    "category",
    "deploy",
    "instances",
    "cpu",
    "memory",
    "scaling",
    "postgres",
    "databases",
    "domain",
    "subdomain",
    "zone",
    "env",
    "secret_env",
    "stages",
    "owners",
    "image",
    "description",
    "schedule",
    "cron",
    "\"0 * * * *\"",
    "\\",
    "é",
    "🦀",
    "\u{0}",
    "}}}}",
    "{{{{",
];

fn cases() -> u32 {
    std::env::var("MSPC_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

/// A file to mutate, with the other files of its workspace.
struct Seed {
    path: String,
    text: String,
    workspace: Vec<(String, String)>,
}

/// Every `.msp` file of the examples and valid fixtures, read once.
fn seeds() -> &'static [Seed] {
    static SEEDS: std::sync::OnceLock<Vec<Seed>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = common::repo_root();
        let read_all = |dir: &std::path::Path| -> Vec<(String, String)> {
            mspc_compiler::db::load::collect(dir)
                .unwrap()
                .into_iter()
                .map(|(p, a)| (p, std::fs::read_to_string(a).unwrap_or_default()))
                .collect()
        };
        let mut out = Vec::new();
        // The examples are one workspace: mutate each file inside it.
        let examples = read_all(&root.join("examples"));
        for (path, text) in &examples {
            if path.ends_with(".msp") {
                out.push(Seed { path: path.clone(), text: text.clone(), workspace: examples.clone() });
            }
        }
        // Each valid fixture is its own workspace.
        for entry in common::entries(&root.join("tests/fixtures/valid")) {
            let files = common::fixture_files(&entry);
            for (path, text) in &files {
                if path.ends_with(".msp") && path != "platform.msp" {
                    out.push(Seed { path: path.clone(), text: text.clone(), workspace: files.clone() });
                }
            }
        }
        assert!(!out.is_empty());
        out
    })
}

fn shared_platform() -> &'static str {
    static P: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    P.get_or_init(common::shared_platform)
}

fn check_text(path: &str, text: &str, others: Vec<(String, String)>) {
    let mut files = others;
    files.retain(|(p, _)| p != path);
    files.push((path.to_string(), text.to_string()));
    if !files.iter().any(|(p, _)| p == "platform.msp") {
        files.push(("platform.msp".into(), shared_platform().to_string()));
    }
    let ws = common::load(files);
    let r = ws.result();
    assert!(r.internal_errors.is_empty(), "internal error on input:\n{text}\n{:?}", r.internal_errors);
    // Rendering must not panic either, on any span.
    let _ = mspc_compiler::diagnostics::render::terminal(&r.diagnostics, &ws, false);
    // Nor generating, from the services of the edited file that still check.
    if let Some(platform) = r.platform.as_ref() {
        let edited: Vec<_> = r.services.iter().filter(|s| s.spec_path == path).cloned().collect();
        if !edited.is_empty() {
            let files = mspc_compiler::emit::build(platform, &edited, &Default::default(), &Default::default(), 1);
            assert!(files.iter().any(|f| f.path == "docs/index.md"));
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: f64, len: usize },
    Insert { at: f64, token: usize },
    Duplicate { at: f64, len: usize },
    Swap { a: f64, b: f64, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..1.0f64, 1..20usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        (0.0..1.0f64, 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert { at, token }),
        (0.0..1.0f64, 1..40usize).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        (0.0..1.0f64, 0.0..1.0f64, 1..10usize).prop_map(|(a, b, len)| Edit::Swap { a, b, len }),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let n = chars.len();
        let pos = |f: f64| ((f * n as f64) as usize).min(n);
        match e {
            Edit::Delete { at, len } => {
                let s = pos(*at);
                let end = (s + len).min(n);
                chars.drain(s..end);
            }
            Edit::Insert { at, token } => {
                let s = pos(*at);
                chars.splice(s..s, TOKENS[*token].chars());
            }
            Edit::Duplicate { at, len } => {
                let s = pos(*at);
                let end = (s + len).min(n);
                let copy: Vec<char> = chars[s..end].to_vec();
                chars.splice(end..end, copy);
            }
            Edit::Swap { a, b, len } => {
                let (x, y) = (pos(*a), pos(*b));
                let (x, y) = (x.min(y), x.max(y));
                if y + len <= n && x + len <= y {
                    for i in 0..*len {
                        chars.swap(x + i, y + i);
                    }
                }
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(0..TOKENS.len(), 0..120)) {
        let text: String = tokens.iter().map(|&i| TOKENS[i]).collect::<Vec<_>>().join("");
        check_text("services/soup.msp", &text, Vec::new());
    }

    #[test]
    fn edited_real_files_never_panic(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..8)) {
        let seeds = seeds();
        let seed = &seeds[seed.index(seeds.len())];
        check_text(&seed.path, &apply(&seed.text, &edits), seed.workspace.clone());
    }
}

#[test]
fn pathological_inputs() {
    for text in [
        "{".repeat(10_000),
        "[".repeat(10_000),
        "\"".repeat(10_001),
        "service a { x = ".to_string() + &"{ a = ".repeat(5_000),
        (0..2_000).map(|i| format!("let a{i} = a{}\n", i + 1)).collect::<String>(),
        (0..200).map(|i| format!("let a{i} = {{ x = a{} }}\n", i + 1)).collect::<String>()
            + "service s { owners = a0 }",
        "service s { env = { K = \"${".to_string() + &"a.".repeat(3_000) + "b}\" } }",
        "\u{feff}service 🦀 { é = \"\\u{0}\" }".to_string(),
    ] {
        check_text("services/p.msp", &text, Vec::new());
    }
}
