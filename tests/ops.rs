//! The operations commands on the examples: `mspc logs`, `console`,
//! `tfc view`, `pg connect` (with stand-in `cloud-sql-proxy` and `gcloud`
//! scripts that record their arguments), `tfc bootstrap` and `fleet`, and the
//! operations pages that show them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{TempDir, code, stderr, stdout};

fn examples() -> PathBuf {
    common::repo_root().join("examples")
}

/// Diagnostics as one line: miette wraps help text at the terminal's width.
fn flat(o: &Output) -> String {
    stderr(o).replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn run(args: &[&str]) -> Output {
    common::mspc(&examples(), args)
}

/// The examples' IR (`mspc ir`), read independently of the commands.
fn ir() -> &'static serde_json::Value {
    static IR: OnceLock<serde_json::Value> = OnceLock::new();
    IR.get_or_init(|| {
        let o = run(&["ir"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).expect("IR JSON")
    })
}

struct Env {
    service: String,
    env: String,
    job: bool,
    project: String,
    databases: Vec<String>,
}

fn environments() -> Vec<Env> {
    let mut out = Vec::new();
    for s in ir()["services"].as_array().unwrap() {
        for e in s["environments"].as_array().unwrap() {
            out.push(Env {
                service: s["id"].as_str().unwrap().into(),
                env: e["id"].as_str().unwrap().into(),
                job: s["kind"] == "job",
                project: e["project_id"].as_str().unwrap().into(),
                databases: e["postgres"]["databases"]
                    .as_array()
                    .map(|d| d.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default(),
            });
        }
    }
    out
}

/// `mspc build examples`, once: the operations pages and the stacks.
fn build_dir() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ops-build");
        let _ = std::fs::remove_dir_all(&out);
        let o = run(&["build", "--out", out.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        out
    })
}

fn page(service: &str) -> String {
    std::fs::read_to_string(build_dir().join(format!("docs/{service}.md"))).unwrap()
}

/// The `####` section of a page with this heading, up to the next heading.
fn section(page: &str, heading: &str) -> String {
    let start = page.find(&format!("#### {heading}\n")).unwrap_or_else(|| panic!("no section {heading}"));
    let rest = &page[start + 5..];
    // Code blocks hold `# comments`: only a heading's hashes and space end it.
    let end = ["\n## ", "\n### ", "\n#### "].iter().filter_map(|h| rest.find(h)).min().map_or(rest.len(), |i| i + 1);
    rest[..end].to_string()
}

fn printed_url(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(code(&o), 0, "mspc {args:?}: {}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one line: {out}");
    out.trim_end().to_string()
}

#[test]
fn logs_and_console_print_the_links_of_the_operations_pages() {
    let mut seen = BTreeSet::new();
    for e in environments() {
        let logs = printed_url(&["logs", &e.service, &e.env]);
        let console = printed_url(&["console", &e.service, &e.env]);
        let cloud_run = section(&page(&e.service), &format!("{} Cloud Run", e.env));
        assert!(
            cloud_run.contains(&format!("[GCP logging]({logs})")),
            "{}/{}: {logs} not in\n{cloud_run}",
            e.service,
            e.env
        );
        assert!(cloud_run.contains(&format!("]({console})")), "{}/{}: {console} not in\n{cloud_run}", e.service, e.env);
        assert!(cloud_run.contains(&format!("mspc logs {} {} --open\n", e.service, e.env)), "{cloud_run}");
        assert!(cloud_run.contains(&format!("mspc console {} {} --open\n", e.service, e.env)), "{cloud_run}");
        // The link is the environment's own, for its kind of workload.
        assert!(logs.ends_with(&format!("?project={}", e.project)), "{logs}");
        assert!(console.ends_with(&format!("?project={}", e.project)), "{console}");
        assert_eq!(logs.contains("cloud_run_job"), e.job, "{logs}");
        assert_eq!(console.contains("/run/jobs?"), e.job, "{console}");
        assert!(seen.insert(logs), "two environments with the same logs link");
    }
    assert!(seen.len() > 10);
}

#[test]
fn an_unknown_service_or_environment_is_an_error_with_a_suggestion() {
    let o = run(&["logs", "releaseregistri", "prod"]);
    assert_eq!(code(&o), 2);
    assert!(flat(&o).contains("no service `releaseregistri`") && flat(&o).contains("did you mean `releaseregistry`?"));
    assert!(o.stdout.is_empty());
    let o = run(&["console", "releaseregistry", "staging"]);
    assert_eq!(code(&o), 2);
    let err = flat(&o);
    assert!(err.contains("`releaseregistry` has no environment `staging`"), "{err}");
    assert!(err.contains("`prod`") && err.contains("`dev`"), "lists the environments: {err}");
    let o = run(&["tfc", "view", "nope"]);
    assert_eq!(code(&o), 2);
    assert!(flat(&o).contains("no service `nope`"));
}

#[test]
fn a_service_with_errors_is_left_out_and_others_still_answer() {
    let ws = TempDir::new("ops-errors");
    let good = common::service("good");
    let broken = common::service("broken").replace("owners", "ownerz");
    ws.write(&[
        ("platform.msp".into(), common::shared_platform()),
        ("services/good/good.msp".into(), good),
        ("services/broken/broken.msp".into(), broken),
    ]);
    let o = common::mspc(ws.path(), &["logs", "good", "dev"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = common::mspc(ws.path(), &["logs", "broken", "dev"]);
    assert_eq!(code(&o), 2);
    assert!(flat(&o).contains("services with errors are left out"), "{}", stderr(&o));
    let o = common::mspc(ws.path(), &["fleet"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("good") && !stdout(&o).contains("broken"));
    assert!(stderr(&o).contains("warning: the workspace has errors"));
}

/// A stand-in browser that records the link it was given.
#[cfg(unix)]
#[test]
fn open_runs_the_browser_with_the_printed_link() {
    let bin = Bin::new("open");
    let record = bin.dir.path().join("browser-args");
    bin.script("browser", &format!("printf '%s\\n' \"$@\" > '{}'", record.display()));
    let o = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(examples())
        .args(["logs", "sams", "prod", "--open"])
        .env("BROWSER", "browser")
        .env("PATH", bin.dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let printed = stdout(&o);
    assert_eq!(std::fs::read_to_string(&record).unwrap(), printed, "the browser got the printed link, as one argument");
    assert!(stderr(&o).contains("opened with `browser`"));

    // No browser at all: the printed link is the answer.
    let empty = TempDir::new("no-browser");
    let o = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(examples())
        .args(["console", "sams", "prod", "--open"])
        .env_remove("BROWSER")
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("https://console.cloud.google.com/run?project="));
    assert!(stderr(&o).contains("no browser found"), "{}", stderr(&o));

    // A browser that fails is reported.
    bin.script("broken-browser", "exit 3");
    let o = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(examples())
        .args(["tfc", "view", "--open"])
        .env("BROWSER", "broken-browser")
        .env("PATH", bin.dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("could not open the link"), "{}", stderr(&o));
}

/// A folder of stand-in programs.
struct Bin {
    dir: TempDir,
}

impl Bin {
    fn new(tag: &str) -> Bin {
        Bin { dir: TempDir::new(tag) }
    }

    #[cfg(unix)]
    fn script(&self, name: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.dir.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

/// `cloud-sql-proxy`, recording its arguments, and `gcloud`, answering
/// `secrets versions access` for the three outputs of `project` (and
/// recording each call).
#[cfg(unix)]
fn pg_bin(project: &str) -> Bin {
    let bin = Bin::new("pg");
    let d = bin.dir.path().display().to_string();
    bin.script("cloud-sql-proxy", &format!("printf '%s\\n' \"$@\" > '{d}/proxy-args'"));
    bin.script(
        "gcloud",
        &format!(
            "printf '%s\\n' \"$*\" >> '{d}/gcloud-calls'\n\
             [ \"$6\" = '--project={project}' ] || {{ echo \"ERROR: (gcloud) Permission denied on $6\" >&2; exit 1; }}\n\
             case \"$5\" in\n\
             --secret=cloudrun_cloudsql_connection_name) echo '{project}:us-central1:instance-1a' ;;\n\
             --secret=iam_operator_access_service_account) echo 'operatoraccess-9f8e@{project}.iam.gserviceaccount.com' ;;\n\
             --secret=iam_cloud_run_service_account) echo 'workload-sa@{project}.iam.gserviceaccount.com' ;;\n\
             *) echo 'ERROR: (gcloud.secrets.versions.access) NOT_FOUND' >&2; exit 1 ;;\n\
             esac"
        ),
    );
    bin
}

fn pg(bin: &Bin, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(examples())
        .args(["pg", "connect"])
        .args(args)
        .env("PATH", bin.dir.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn with_postgres() -> Env {
    environments().into_iter().find(|e| e.databases.len() >= 2).expect("an example environment with two databases")
}

#[cfg(unix)]
#[test]
fn pg_connect_runs_the_proxy_as_the_operator_and_prints_psql_for_each_database() {
    let e = with_postgres();
    let bin = pg_bin(&e.project);
    let o = pg(&bin, &[&e.service, &e.env]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let operator = format!("operatoraccess-9f8e@{}.iam.gserviceaccount.com", e.project);
    let connection = format!("{}:us-central1:instance-1a", e.project);
    assert_eq!(
        bin.read("proxy-args"),
        format!("--auto-iam-authn\n--impersonate-service-account={operator}\n--port=5433\n{connection}\n")
    );
    let user = format!("operatoraccess-9f8e@{}.iam", e.project);
    let expected: String =
        e.databases.iter().map(|db| format!("psql -U {user} -d {db} -h 127.0.0.1 -p 5433\n")).collect();
    assert_eq!(stdout(&o), expected);
    assert!(stderr(&o).contains("read-only"));
    // Both outputs come from the environment's own project.
    let calls = bin.read("gcloud-calls");
    assert_eq!(calls.lines().count(), 2, "{calls}");
    for secret in ["cloudrun_cloudsql_connection_name", "iam_operator_access_service_account"] {
        assert!(
            calls.contains(&format!("secrets versions access latest --secret={secret} --project={}", e.project)),
            "{calls}"
        );
    }
}

#[cfg(unix)]
#[test]
fn pg_connect_write_access_asks_first_then_impersonates_the_workload() {
    let e = with_postgres();
    let bin = pg_bin(&e.project);
    // No terminal to ask on: refused, and nothing run.
    let o = pg(&bin, &["--write-access", &e.service, &e.env]);
    assert_eq!(code(&o), 2);
    assert!(flat(&o).contains("pass --yes"), "{}", stderr(&o));
    assert_eq!(bin.read("proxy-args"), "");
    assert_eq!(bin.read("gcloud-calls"), "", "refused before reading anything");

    let db = e.databases.last().unwrap();
    let o = pg(&bin, &["--write-access", "--yes", "--port", "6000", "--database", db, &e.service, &e.env]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let workload = format!("workload-sa@{}.iam.gserviceaccount.com", e.project);
    assert!(bin.read("proxy-args").contains(&format!("--impersonate-service-account={workload}\n--port=6000\n")));
    assert_eq!(stdout(&o), format!("psql -U workload-sa@{}.iam -d {db} -h 127.0.0.1 -p 6000\n", e.project));
    assert!(stderr(&o).contains("WRITE access"));
}

#[cfg(unix)]
#[test]
fn pg_connect_answers_from_a_terminal() {
    // `script` gives the command a terminal; the answer is typed into it.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to run a terminal");
        return;
    }
    let e = with_postgres();
    let bin = pg_bin(&e.project);
    let mspc = env!("CARGO_BIN_EXE_mspc");
    for (answer, connected) in [("n", false), ("y", true)] {
        let _ = std::fs::remove_file(bin.dir.path().join("proxy-args"));
        let cmd = format!("{mspc} pg connect --write-access {} {}", e.service, e.env);
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(examples())
            .env("PATH", format!("{}:/usr/bin:/bin", bin.dir.path().display()))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(500));
            let _ = writeln!(stdin, "{answer}");
        }
        let o = child.wait_with_output().unwrap();
        let shown = String::from_utf8_lossy(&o.stdout);
        assert!(shown.contains("with WRITE access, as `workload-sa@"), "{shown}");
        assert_eq!(bin.read("proxy-args").contains("--impersonate-service-account=workload-sa@"), connected, "{shown}");
    }
}

#[cfg(unix)]
#[test]
fn pg_connect_errors_name_what_is_missing() {
    let e = with_postgres();
    // No proxy: the install step, before anything is read.
    let bin = Bin::new("no-proxy");
    let o = pg(&bin, &[&e.service, &e.env]);
    assert_eq!(code(&o), 2);
    let err = flat(&o);
    assert!(
        err.contains("`cloud-sql-proxy` is not on PATH") && err.contains("gcloud components install cloud-sql-proxy"),
        "{err}"
    );

    // A proxy but no gcloud: the flags make it unnecessary.
    bin.script("cloud-sql-proxy", &format!("printf '%s\\n' \"$@\" > '{}/proxy-args'", bin.dir.path().display()));
    let o = pg(&bin, &[&e.service, &e.env]);
    assert_eq!(code(&o), 2);
    assert!(flat(&o).contains("`gcloud` is not on PATH") && flat(&o).contains("--connection-name"), "{}", flat(&o));
    let o = pg(
        &bin,
        &["--connection-name", "p:r:i", "--service-account", "a@p.iam.gserviceaccount.com", &e.service, &e.env],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(bin.read("proxy-args").ends_with("--port=5433\np:r:i\n"));

    // gcloud refusing: its reason, and no proxy.
    let bin = pg_bin("another-project");
    let o = pg(&bin, &[&e.service, &e.env]);
    assert_eq!(code(&o), 2);
    assert!(flat(&o).contains("Permission denied"), "{}", stderr(&o));
    assert_eq!(bin.read("proxy-args"), "");

    // A value that is not a connection name is not passed on (nor printed raw).
    let o = pg(
        &bin,
        &["--connection-name", "x\u{1b}[2Jy", "--service-account", "a@p.iam.gserviceaccount.com", &e.service, &e.env],
    );
    assert_eq!(code(&o), 2);
    assert!(!stderr(&o).contains('\u{1b}'));
    assert_eq!(bin.read("proxy-args"), "");

    // Environments without PostgreSQL, and unknown databases.
    let bin = pg_bin(&e.project);
    let none = environments().into_iter().find(|x| x.databases.is_empty()).unwrap();
    let o = pg(&bin, &[&none.service, &none.env]);
    assert_eq!(code(&o), 2);
    assert!(flat(&o).contains(&format!("`{}` `{}` has no PostgreSQL instance", none.service, none.env)));
    let o = pg(&bin, &["--database", "nope", &e.service, &e.env]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains(&format!("`{}`", e.databases[0])), "lists the databases: {}", stderr(&o));
    assert_eq!(bin.read("proxy-args"), "");
}

#[test]
fn the_postgresql_sections_show_pg_connect() {
    for e in environments().into_iter().filter(|e| !e.databases.is_empty()) {
        let pg = section(&page(&e.service), &format!("{} PostgreSQL instance", e.env));
        assert!(pg.contains(&format!("\nmspc pg connect {} {}\n", e.service, e.env)), "{pg}");
        assert!(pg.contains(&format!("\nmspc pg connect --write-access {} {}\n", e.service, e.env)), "{pg}");
    }
}

/// The query's `tag`.
fn tag_of(url: &str) -> String {
    url.split_once("?tag=").expect("a tag filter").1.to_string()
}

/// The bootstrap module of the examples, parsed by hcl-rs.
fn bootstrap() -> &'static hcl::Body {
    static BODY: OnceLock<hcl::Body> = OnceLock::new();
    BODY.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ops-bootstrap");
        let _ = std::fs::remove_dir_all(&out);
        let o = run(&["tfc", "bootstrap", "--out", out.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let names: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.iter().any(|n| n == "main.tf"), "{names:?}");
        hcl::from_str(&std::fs::read_to_string(out.join("main.tf")).unwrap()).expect("the module parses")
    })
}

struct Workspace {
    name: String,
    working_directory: String,
    tags: Vec<String>,
}

fn bootstrap_workspaces() -> Vec<Workspace> {
    let mut out = Vec::new();
    for block in bootstrap().blocks().filter(|b| b.identifier() == "resource") {
        if block.labels()[0].as_str() != "tfe_workspace" {
            continue;
        }
        let attr = |k: &str| block.body().attributes().find(|a| a.key() == k).map(|a| a.expr().clone());
        let string = |k: &str| match attr(k) {
            Some(hcl::Expression::String(s)) => s,
            other => panic!("{k}: {other:?}"),
        };
        let tags = match attr("tag_names") {
            Some(hcl::Expression::Array(a)) => a.iter().map(|t| t.to_string().trim_matches('"').to_string()).collect(),
            other => panic!("tag_names: {other:?}"),
        };
        out.push(Workspace { name: string("name"), working_directory: string("working_directory"), tags });
    }
    out
}

#[test]
fn bootstrap_declares_one_workspace_per_generated_stack_with_its_backend_name() {
    // Every folder of the build holding a main.tf is a stack; its `cloud`
    // block names the workspace that must run it.
    let mut stacks = BTreeMap::new();
    for (rel, bytes) in common::tree(&build_dir().join("terraform")) {
        if let Some(dir) = rel.strip_suffix("/main.tf") {
            let text = String::from_utf8(bytes).unwrap();
            let name = text.split("workspaces {\n      name = \"").nth(1).and_then(|r| r.split('"').next()).unwrap();
            stacks.insert(format!("out/terraform/{dir}"), name.to_string());
        }
    }
    let declared: BTreeMap<String, String> =
        bootstrap_workspaces().into_iter().map(|w| (w.working_directory, w.name)).collect();
    assert_eq!(declared.len(), bootstrap_workspaces().len(), "two workspaces in one folder");
    assert_eq!(declared, stacks);
    assert_eq!(stacks.len(), environments().len() * 5);
}

#[test]
fn tfc_view_filters_by_a_tag_the_workspaces_carry_and_the_pages_name() {
    let workspaces = bootstrap_workspaces();
    let tagged = |tag: &str| -> BTreeSet<String> {
        workspaces.iter().filter(|w| w.tags.iter().any(|t| t == tag)).map(|w| w.name.clone()).collect()
    };
    let all = printed_url(&["tfc", "view"]);
    assert!(all.starts_with("https://app.terraform.io/app/sourcegraph/workspaces?tag="), "{all}");
    assert_eq!(tagged(&tag_of(&all)).len(), workspaces.len());
    let index = std::fs::read_to_string(build_dir().join("docs/index.md")).unwrap();
    assert!(index.contains(&format!("]({all})")), "the index links the fleet's list");
    for e in environments() {
        let url = printed_url(&["tfc", "view", &e.service, &e.env]);
        let prefix = format!("msp-{}-{}-", e.service, e.env);
        let expected: BTreeSet<String> =
            workspaces.iter().filter(|w| w.name.starts_with(&prefix)).map(|w| w.name.clone()).collect();
        assert_eq!(expected.len(), 5);
        assert_eq!(tagged(&tag_of(&url)), expected, "{url}");
        let tfc = section(&page(&e.service), &format!("{} Terraform Cloud", e.env));
        assert!(tfc.contains(&format!("`{}` tag", tag_of(&url))), "{tfc}");
        assert!(tfc.contains(&format!("]({url})")), "{tfc}");
        assert!(tfc.contains(&format!("\nmspc tfc view {} {}\n", e.service, e.env)), "{tfc}");
    }
    for s in ir()["services"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let url = printed_url(&["tfc", "view", id]);
        let n = s["environments"].as_array().unwrap().len();
        assert_eq!(tagged(&tag_of(&url)).len(), n * 5, "{url}");
    }
}

#[test]
fn bootstrap_needs_a_clean_workspace_and_keeps_foreign_folders() {
    let ws = TempDir::new("bootstrap-errors");
    ws.write(&[
        ("platform.msp".into(), common::shared_platform()),
        ("services/a/a.msp".into(), common::service("a").replace("owners", "ownerz")),
    ]);
    let out = ws.path().join("tfc");
    let o = common::mspc(ws.path(), &["tfc", "bootstrap", "--out", "tfc"]);
    assert_eq!(code(&o), 1);
    assert!(!out.exists());
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "not mspc's").unwrap();
    ws.write(&[("services/a/a.msp".into(), common::service("a"))]);
    let o = common::mspc(ws.path(), &["tfc", "bootstrap", "--out", "tfc"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(flat(&o).contains("not an mspc output folder"));
    assert!(out.join("mine.txt").exists());
}

#[test]
fn fleet_counts_what_the_ir_holds() {
    let o = run(&["fleet", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let fleet: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let services = ir()["services"].as_array().unwrap();
    let totals = &fleet["totals"];
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| services.iter().filter(|s| f(s)).count();
    assert_eq!(totals["services"], count(&|s| s["kind"] == "service"));
    assert_eq!(totals["jobs"], count(&|s| s["kind"] == "job"));
    assert_eq!(totals["rollout_pipelines"], count(&|s| !s["rollout"].is_null()));
    let envs: Vec<&serde_json::Value> = services.iter().flat_map(|s| s["environments"].as_array().unwrap()).collect();
    for category in ["test", "internal", "external"] {
        let n = envs.iter().filter(|e| e["category"] == category).count();
        assert_eq!(totals["environments"][category].as_u64().unwrap_or(0), n as u64, "{category}");
    }
    for deploy in ["manual", "subscription", "rollout"] {
        let n = envs.iter().filter(|e| e["deploy"]["type"] == deploy).count();
        assert_eq!(totals["deploy_types"][deploy].as_u64().unwrap_or(0), n as u64, "{deploy}");
    }
    for (resource, field) in
        [("postgres", "postgres"), ("redis", "redis"), ("bigquery", "bigquery"), ("domain", "domain")]
    {
        let n = envs.iter().filter(|e| !e[field].is_null()).count();
        assert_eq!(totals["resources"][resource].as_u64().unwrap_or(0), n as u64, "{resource}");
    }
    let mut teams: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in services {
        for o in s["owners"].as_array().unwrap() {
            teams.entry(o.as_str().unwrap().into()).or_default().push(s["id"].as_str().unwrap().into());
        }
    }
    assert_eq!(totals["teams"], serde_json::to_value(&teams).unwrap());

    // The table: a row per environment, the service named on its first.
    let o = run(&["fleet"]);
    assert_eq!(code(&o), 0);
    let table = stdout(&o);
    let rows: Vec<&str> = table.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), envs.len());
    for s in services {
        let first = s["environments"][0]["id"].as_str().unwrap();
        let row = rows.iter().find(|r| r.starts_with(&format!("{} ", s["id"].as_str().unwrap()))).unwrap();
        assert!(row.split_whitespace().any(|c| c == first), "{row}");
    }
    assert!(table.contains(&format!("{} environments:", envs.len())), "{table}");
}

#[test]
fn bootstrap_without_a_repository_or_teams_declares_cli_driven_workspaces() {
    let ws = TempDir::new("bootstrap-minimal");
    let service =
        common::service("lives").replace("deploy     = manual", "deploy     = manual\n    allow_destroys = true");
    ws.write(&[("platform.msp".into(), common::shared_platform()), ("services/lives/lives.msp".into(), service)]);
    let o = common::mspc(ws.path(), &["tfc", "bootstrap", "--out", "tfc"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(ws.path().join("tfc/main.tf")).unwrap();
    let body: hcl::Body = hcl::from_str(&text).expect("parses");
    let resources: Vec<String> = body
        .blocks()
        .filter(|b| b.identifier() == "resource")
        .map(|b| format!("{}.{}", b.labels()[0].as_str(), b.labels()[1].as_str()))
        .collect();
    assert!(resources.contains(&"tfe_workspace.lives-dev-cloudrun".to_string()), "{resources:?}");
    assert!(!resources.iter().any(|r| r.starts_with("tfe_team_project_access")), "no teams, no access: {resources:?}");
    assert_eq!(resources.iter().filter(|r| r.starts_with("tfe_workspace.")).count(), 5);
    for absent in ["vcs_repo", "trigger_prefixes", "variable \"", "data \"tfe_team\""] {
        assert!(!text.contains(absent), "{absent} in a CLI-driven module:\n{text}");
    }
    // The environment allows destroys, so its workspaces may be deleted.
    assert_eq!(text.matches("prevent_destroy = false").count(), 5);
    assert!(text.contains("working_directory = \"out/terraform/lives/dev/project\""));
}
