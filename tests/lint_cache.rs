//! `mspc lint FILE…` checks the named files and takes the other files' facts
//! from the cache of a previous run (`.mspc-cache/`). Whatever the cache
//! holds — nothing, facts of the current files, stale facts, garbage — it
//! must print exactly what the whole-workspace lint prints for those files.
//! Each test compares the two (`--format json`) across edits of the other
//! files that change what the named file shows.

mod common;

use std::path::{Path, PathBuf};

use common::{TempDir, code, mspc, stderr, stdout};
use serde_json::Value;

const ALPHA: &str = "services/alpha/alpha.msp";
const MID: &str = "services/mid/mid.msp";
const ZETA: &str = "services/zeta/zeta.msp";
const TEAMS: &str = "teams.msp";

/// A service importing the shared `teams.msp`. `project` is an expression
/// (a string, or a `let` of `teams.msp`); `extra` goes into its environment.
fn service(id: &str, project: &str, subdomain: &str, extra: &str) -> String {
    format!(
        r#"import "../../teams.msp" as teams

service {id} {{
  owners      = [teams.owner]
  description = "Service {id}"
  image       = "us.gcr.io/example/{id}"
  environment dev {{
    project_id = {project}
    category   = test
    deploy     = manual
    domain     = cloudflare {{ subdomain = "{subdomain}", zone = teams.zone }}
    {extra}
  }}
}}
"#
    )
}

fn teams(alpha_project: &str) -> String {
    format!(
        r#"// Shared values.
let owner         = "core-services"
let alpha_project = "{alpha_project}"
let zone          = "example.com"
let spare         = "nothing uses this"
let bad_env       = {{ LOG_LEVEL = 5 }}
"#
    )
}

/// Cross-file problems: zeta repeats alpha's project (which alpha takes from
/// teams.msp) and mid's domain, and reads a member teams.msp lacks; mid uses
/// a `let` of teams.msp whose value has the wrong type (reported in
/// teams.msp by mid's check); teams.msp has an unused `let`.
fn problems() -> Ws {
    Ws::new(&[
        (ALPHA, service("alpha", "teams.alpha_project", "alpha", "")),
        (MID, service("mid", "\"mid-dev-1a2b\"", "shared", "env = { ..teams.bad_env }")),
        (ZETA, service("zeta", "\"alpha-dev-1a2b\"", "shared", "env = { X = teams.missing_member }")),
        (TEAMS, teams("alpha-dev-1a2b")),
    ])
}

/// `problems()` after one lint of `file`, and the cache file that run wrote.
fn problems_cached(file: &str) -> (Ws, PathBuf) {
    let ws = problems();
    ws.assert_same(&[file], &[], "cold");
    let cache = ws.cache_files().pop().expect("the first lint writes the cache");
    (ws, cache)
}

struct Ws {
    dir: TempDir,
    /// The user's cache folder (`XDG_CACHE_HOME`), where the cache's key is.
    user_cache: TempDir,
}

impl Ws {
    fn new(files: &[(&str, String)]) -> Ws {
        let dir = TempDir::new("lint-cache");
        let mut all: Vec<(String, String)> = files.iter().map(|(p, t)| (p.to_string(), t.clone())).collect();
        all.push(("platform.msp".into(), common::shared_platform()));
        dir.write(&all);
        Ws { dir, user_cache: TempDir::new("lint-cache-user") }
    }

    /// The key this user's mspc signs its cache with.
    fn key(&self) -> Vec<u8> {
        let hex = std::fs::read_to_string(self.user_cache.path().join("mspc/lint-cache.key")).unwrap();
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }

    /// Writes a cache file holding `facts` under the header of `original`,
    /// signed with `key`, as mspc would.
    fn forge(&self, file: &Path, original: &[u8], facts: &str, key: &[u8]) {
        use hmac::{Hmac, KeyInit, Mac};
        let header = &original[..original.iter().position(|&b| b == b'\n').unwrap()];
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap();
        mac.update(header);
        mac.update(b"\n");
        mac.update(facts.as_bytes());
        let tag: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let mut bytes = header.to_vec();
        bytes.extend(format!("\n{tag}\n{facts}").bytes());
        std::fs::write(file, bytes).unwrap();
    }

    /// The facts of a cache file (its third line on).
    fn facts(bytes: &[u8]) -> String {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        text.splitn(3, '\n').nth(2).unwrap().to_string()
    }

    fn write(&self, rel: &str, text: &str) {
        self.dir.write(&[(rel.to_string(), text.to_string())]);
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join(rel)).unwrap();
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join(".mspc-cache")
    }

    /// The cache files (one per workspace).
    fn cache_files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.cache_dir()) else { return Vec::new() };
        let mut v: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("lint-"))
            .collect();
        v.sort();
        v
    }

    fn run(&self, args: &[&str]) -> (Value, i32) {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &Path)]) -> (Value, i32) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mspc"));
        cmd.current_dir(self.dir.path()).args(args).env("NO_COLOR", "1").env("XDG_CACHE_HOME", self.user_cache.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().expect("run mspc");
        let json = serde_json::from_str(&stdout(&o))
            .unwrap_or_else(|e| panic!("mspc {args:?}: {e}\n{}{}", stdout(&o), stderr(&o)));
        (json, code(&o))
    }

    /// What the whole-workspace lint (no cache) reports in `files`, and the
    /// exit code that implies.
    fn expected(&self, files: &[&str]) -> (Value, i32) {
        let (all, code) = self.run(&["lint", "--no-cache", "--format", "json"]);
        assert_ne!(code, 2, "{all}");
        let kept: Vec<Value> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| files.contains(&d["location"]["file"].as_str().unwrap()))
            .cloned()
            .collect();
        let errors = kept.iter().any(|d| d["severity"] == "error");
        (Value::Array(kept), i32::from(errors))
    }

    fn lint(&self, files: &[&str], extra: &[&str]) -> (Value, i32) {
        let mut args = vec!["lint", "--format", "json"];
        args.extend(extra);
        args.extend(files);
        self.run(&args)
    }

    /// `mspc lint FILES` (with `extra` flags) prints what the whole lint
    /// prints for them; returns how many diagnostics that is.
    fn assert_same(&self, files: &[&str], extra: &[&str], when: &str) -> usize {
        let expected = self.expected(files);
        let got = self.lint(files, extra);
        assert_eq!(got, expected, "{when}: mspc lint {extra:?} {files:?}");
        expected.0.as_array().unwrap().len()
    }
}

fn codes(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect()
}

#[test]
fn a_named_file_shows_the_whole_lints_diagnostics_cold_warm_and_without_cache() {
    let ws = problems();
    for files in [&[ZETA][..], &[ALPHA], &[MID], &[TEAMS], &["platform.msp"], &[ZETA, TEAMS], &[MID, ALPHA]] {
        let _ = std::fs::remove_dir_all(ws.cache_dir());
        ws.assert_same(files, &[], "no cache");
        assert_eq!(ws.cache_files().len(), 1, "the first run stores the other files' facts");
        ws.assert_same(files, &[], "warm cache");
        ws.assert_same(files, &["--no-cache"], "--no-cache");
    }
    // The problems are all there, so the comparisons above compare something.
    assert_eq!(codes(&ws.lint(&[ZETA], &[]).0), ["E0320", "E0321", "E0110"]);
    // mid's check reports the bad `let` in teams.msp: from the cache here.
    assert_eq!(codes(&ws.lint(&[TEAMS], &[]).0), ["W0009", "E0202"]);
}

#[test]
fn edits_of_other_files_reach_the_named_file() {
    let ws = problems();
    ws.assert_same(&[ZETA], &[], "cold");
    // Another service stops repeating zeta's project, then repeats it again.
    ws.write(ALPHA, &service("alpha", "\"alpha-dev-9999\"", "alpha", ""));
    ws.assert_same(&[ZETA], &[], "the duplicate project removed");
    ws.write(ALPHA, &service("alpha", "teams.alpha_project", "alpha", ""));
    ws.assert_same(&[ZETA], &[], "the duplicate project back");
    // Only teams.msp changes, and with it alpha's project: alpha's stored
    // summary is stale though alpha.msp is not (the key covers imports).
    ws.write(TEAMS, &teams("alpha-dev-0000"));
    assert_eq!(ws.assert_same(&[ZETA], &[], "alpha's project changed in teams.msp"), 2);
    ws.write(TEAMS, &teams("alpha-dev-1a2b"));
    assert_eq!(ws.assert_same(&[ZETA], &[], "alpha's project changed back in teams.msp"), 3);
    // A duplicate service id, from a new file before zeta.
    ws.write("services/beta/beta.msp", &service("zeta", "\"beta-dev-1a2b\"", "beta", ""));
    ws.assert_same(&[ZETA], &[], "a new file");
    assert!(codes(&ws.lint(&[ZETA], &[]).0).contains(&"E0319"), "zeta is now the duplicate id");
    // Deleting files: the duplicates go.
    ws.remove("services/beta/beta.msp");
    ws.assert_same(&[ZETA], &[], "the new file deleted");
    ws.remove(ALPHA);
    ws.remove(MID);
    ws.assert_same(&[ZETA], &[], "the other services deleted");
    ws.assert_same(&[TEAMS], &[], "nothing uses the bad let any more");
    // The shared file deleted: zeta's import fails.
    ws.remove(TEAMS);
    ws.assert_same(&[ZETA], &[], "teams.msp deleted");
    ws.write(TEAMS, &teams("alpha-dev-1a2b"));
    ws.assert_same(&[ZETA], &[], "teams.msp back");
}

#[test]
fn edits_of_the_named_file_itself() {
    let ws = problems();
    ws.assert_same(&[ZETA], &[], "cold");
    ws.write(ZETA, &(service("zeta", "\"zeta-dev-1a2b\"", "zeta", "") + "// a comment\n"));
    assert_eq!(ws.assert_same(&[ZETA], &[], "zeta fixed"), 0);
    ws.assert_same(&[ALPHA], &[], "alpha, with zeta's entry stale");
    ws.write(TEAMS, &(teams("alpha-dev-1a2b") + "let owner = \"again\"\n"));
    ws.assert_same(&[TEAMS], &[], "teams.msp defines a name twice");
    ws.assert_same(&[ZETA, ALPHA, MID], &[], "every service");
}

#[test]
fn a_damaged_or_foreign_cache_is_ignored() {
    let (ws, file) = problems_cached(ZETA);
    let good = std::fs::read(&file).unwrap();
    let newline = good.iter().position(|&b| b == b'\n').unwrap();
    let header = String::from_utf8(good[..newline].to_vec()).unwrap();
    let body = String::from_utf8(good[newline + 1..].to_vec()).unwrap();
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("garbage", b"\x00\xffnot a cache".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("header only", good[..=newline].to_vec()),
        ("another build", format!("mspc lint cache 1 0.0.0 1 1\n{body}").into_bytes()),
        ("other JSON", format!("{header}\n{{\"files\": 3}}").into_bytes()),
        // Well-formed, with spans into files that the entry does not list.
        (
            "nonsense spans",
            format!("{header}\n{}", body.replace("\"files\":[\"", "\"files\":[\"nowhere/")).into_bytes(),
        ),
        ("an unknown code", format!("{header}\n{}", body.replace("\"E0202\"", "\"E9999\"")).into_bytes()),
    ];
    assert!(body.contains("\"E0202\""), "the cache holds mid's diagnostic in teams.msp");
    for (what, bytes) in damaged {
        std::fs::write(&file, &bytes).unwrap();
        ws.assert_same(&[TEAMS], &[], what);
        std::fs::write(&file, &bytes).unwrap();
        ws.assert_same(&[ZETA], &[], what);
    }
    // Not a file at all.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    ws.assert_same(&[ZETA], &[], "a folder in its place");
}

#[test]
fn without_a_writable_cache_folder_lint_works_and_stores_nothing() {
    let ws = problems();
    // A file where the folder should be: nothing can be written.
    std::fs::write(ws.cache_dir(), "not a folder").unwrap();
    ws.assert_same(&[ZETA], &[], "unwritable");
    ws.assert_same(&[TEAMS], &[], "unwritable, again");
    assert_eq!(std::fs::read_to_string(ws.cache_dir()).unwrap(), "not a folder");
    // MSPC_CACHE_DIR where no folder can be made.
    let below_a_file = ws.cache_dir().join("cache");
    let got = ws.run_with(&["lint", "--format", "json", ZETA], &[("MSPC_CACHE_DIR", &below_a_file)]);
    assert_eq!(got, ws.expected(&[ZETA]));
}

/// A cache mspc did not write on this machine changes no result: facts
/// rewritten in place (a message that no check gives, a diagnostic dropped),
/// and a whole cache written by another user's mspc (valid, under another
/// key).
#[test]
fn an_edited_or_foreign_cache_changes_no_result() {
    let (ws, file) = problems_cached(TEAMS);
    let good = std::fs::read(&file).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    assert!(text.contains("expected a string, found an integer"), "the cache holds mid's diagnostic in teams.msp");
    let altered = text.replace("expected a string, found an integer", "an error that does not exist");
    std::fs::write(&file, &altered).unwrap();
    let n = ws.assert_same(&[TEAMS], &[], "a message rewritten in the cache");
    assert!(n > 0);
    // The diagnostic's code renamed to one that is only a warning: the error
    // would be hidden (the exit code too) if the cache were believed.
    std::fs::write(&file, text.replace("\"E0202\"", "\"W0009\"")).unwrap();
    ws.assert_same(&[TEAMS], &[], "a stored error turned into a warning");
    // Another user's mspc, with its own key, wrote it.
    let other = TempDir::new("lint-cache-other-user");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mspc"));
    cmd.current_dir(ws.dir.path()).args(["lint", "--format", "json", ZETA]).env("XDG_CACHE_HOME", other.path());
    assert_ne!(common::code(&cmd.output().unwrap()), 2);
    let foreign = std::fs::read(&file).unwrap();
    ws.forge(&file, &foreign, &Ws::facts(&foreign).replace("expected a string", "forged elsewhere"), &[7; 32]);
    ws.assert_same(&[TEAMS], &[], "a cache signed with another key");
}

/// The tests above would pass with a cache never read; this one shows it is,
/// and that the MAC is what stands between an edit and the result: the same
/// altered facts, signed with this user's key, are believed.
#[test]
fn the_cache_is_read_when_its_keys_and_mac_match() {
    let (ws, file) = problems_cached(TEAMS);
    let good = std::fs::read(&file).unwrap();
    let facts = Ws::facts(&good).replace("expected a string, found an integer", "altered in the cache");
    ws.forge(&file, &good, &facts, &ws.key());
    let (got, _) = ws.lint(&[TEAMS], &[]);
    assert!(got.to_string().contains("altered in the cache"), "{got}");
    ws.assert_same(&[TEAMS], &["--no-cache"], "--no-cache does not read it");
}

#[cfg(unix)]
#[test]
fn the_key_is_the_users_alone_and_a_planted_cache_file_is_not_written_through() {
    use std::os::unix::fs::PermissionsExt;
    let (ws, file) = problems_cached(ZETA);
    let key = ws.user_cache.path().join("mspc/lint-cache.key");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    // The cache file replaced by a link to a file elsewhere: the next run
    // neither reads nor writes through it.
    let victim = TempDir::new("lint-cache-victim");
    let target = victim.path().join("victim.json");
    std::fs::write(&target, "precious").unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    ws.assert_same(&[ZETA], &[], "the cache file is a link");
    ws.run(&["lint", "--format", "json"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
}

#[test]
fn the_cache_folder_is_marked_skipped_and_movable() {
    let ws = problems();
    ws.assert_same(&[ZETA], &[], "cold");
    let dir = ws.cache_dir();
    assert_eq!(std::fs::read_to_string(dir.join(".gitignore")).unwrap().lines().last(), Some("*"));
    assert!(
        std::fs::read_to_string(dir.join("CACHEDIR.TAG"))
            .unwrap()
            .starts_with("Signature: 8a477f597d28d172789f06886806bc55")
    );
    // The loader and the formatter skip it, like every dot-folder.
    std::fs::write(dir.join("stray.msp"), "this is { not msp").unwrap();
    let (all, _) = ws.run(&["lint", "--format", "json"]);
    assert!(!all.to_string().contains("stray.msp"), "{all}");
    let fmt = mspc(ws.dir.path(), &["fmt", "--check", "."]);
    assert!(!stderr(&fmt).contains("stray.msp"), "{}", stderr(&fmt));
    // A whole-workspace lint refreshes it; --no-cache neither reads nor writes.
    std::fs::remove_dir_all(&dir).unwrap();
    ws.run(&["lint", "--no-cache", "--format", "json"]);
    ws.lint(&[ZETA], &["--no-cache"]);
    assert!(!dir.exists());
    ws.run(&["lint", "--format", "json"]);
    assert_eq!(ws.cache_files().len(), 1);
    ws.assert_same(&[ZETA], &[], "after a whole-workspace lint");
    // MSPC_CACHE_DIR puts it elsewhere.
    std::fs::remove_dir_all(&dir).unwrap();
    let elsewhere = TempDir::new("lint-cache-dir");
    let got = ws.run_with(&["lint", "--format", "json", ZETA], &[("MSPC_CACHE_DIR", elsewhere.path())]);
    assert_eq!(got, ws.expected(&[ZETA]));
    assert!(!dir.exists());
    let stored: Vec<_> = std::fs::read_dir(elsewhere.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(stored.iter().filter(|n| n.to_string_lossy().starts_with("lint-")).count(), 1, "{stored:?}");
}

/// A small deterministic generator (xorshift), so a failure can be replayed
/// from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

#[test]
fn random_edits_keep_the_cached_lint_equal_to_the_whole_one() {
    const FOLDERS: [&str; 4] = ["a", "b", "c", "d"];
    let path = |f: &str| format!("services/{f}/{f}.msp");
    let seeds: u64 = std::env::var("MSPC_LINT_CACHE_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    for seed in 1..=seeds {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let ws = Ws::new(&[(TEAMS, teams("p-1"))]);
        for f in FOLDERS {
            ws.write(&path(f), &service(f, &format!("\"{f}-dev-1a2b\""), f, ""));
        }
        for step in 0..25 {
            let edit = match rng.below(10) {
                0..=4 => {
                    let f = rng.pick(&FOLDERS);
                    let id = rng.pick(&["a", "b", "c", "d", "e"]);
                    let project = rng.pick(&["\"p-1\"", "\"p-2\"", "teams.alpha_project", "teams.owner", "teams.nope"]);
                    let subdomain = rng.pick(&["x", "y", "z"]);
                    let extra = rng.pick(&["", "env = { ..teams.bad_env }", "env = { A = teams.spare }", "deploy = 3"]);
                    ws.write(&path(f), &service(id, project, subdomain, extra));
                    format!("{f}: {id} {project} {subdomain} {extra}")
                }
                5 | 6 => {
                    let p = rng.pick(&["p-1", "p-2", "p-3"]);
                    let more = rng.pick(&["", "let spare = 1\n", "let {\n", "let more = teams\n"]);
                    ws.write(TEAMS, &(teams(p) + more));
                    format!("teams.msp: {p} {more:?}")
                }
                7 => {
                    let f = rng.pick(&FOLDERS);
                    let _ = std::fs::remove_file(ws.dir.path().join(path(f)));
                    format!("{f} deleted")
                }
                8 => {
                    let f = rng.pick(&FOLDERS);
                    let text = std::fs::read_to_string(ws.dir.path().join(path(f))).unwrap_or_default();
                    ws.write(&path(f), &(text + "// edited\n"));
                    format!("{f} commented")
                }
                _ => {
                    if let Some(file) = ws.cache_files().pop() {
                        let text = std::fs::read(&file).unwrap();
                        std::fs::write(&file, &text[..rng.below(text.len() + 1)]).unwrap();
                    }
                    "cache truncated".into()
                }
            };
            let f = path(rng.pick(&FOLDERS));
            let named: Vec<&str> = match rng.below(3) {
                0 => vec![TEAMS],
                1 => vec![f.as_str(), TEAMS],
                _ => vec![f.as_str()],
            };
            let named: Vec<&str> = named.into_iter().filter(|p| ws.dir.path().join(p).exists()).collect();
            if !named.is_empty() {
                ws.assert_same(&named, &[], &format!("seed {seed}, step {step}, after {edit}"));
            }
        }
    }
}
