//! The operations docs and the language reference: structure against the
//! platform's original page, the alert list against the monitoring stack,
//! job pages, absent settings, markdownlint and Mermaid's own parser, and
//! the `mspc docs` command. Page snapshots are in `examples_build.rs`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use common::tf::Build;
use common::{TempDir, service};

fn mspc(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mspc"));
    c.current_dir(cwd).args(args).env("NO_COLOR", "1").env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// One structural element of a Markdown page, outside code fences.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Heading(usize, String),
    /// A table's header cells.
    Table(Vec<String>),
    /// A table row's first cell.
    Row(String),
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    // `\|` is an escaped pipe inside a cell.
    inner.replace("\\|", "\u{0}").split('|').map(|c| c.trim().replace('\u{0}', "|")).collect()
}

fn structure(page: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut fence = false;
    let mut in_table = false;
    for line in page.lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        if t.starts_with('|') {
            if !in_table {
                out.push(Part::Table(cells(t)));
                in_table = true;
            } else if !t.trim_start_matches('|').trim_start().starts_with('-') {
                out.push(Part::Row(cells(t)[0].clone()));
            }
            continue;
        }
        in_table = false;
        let hashes = t.len() - t.trim_start_matches('#').len();
        if hashes > 0 && t[hashes..].starts_with(' ') {
            out.push(Part::Heading(hashes, t[hashes..].trim().to_string()));
        }
    }
    out
}

/// The parts of the page that the original (2024) pages had: without the
/// embedded README, the rollouts section, the architecture diagrams (an SVG
/// file there, Mermaid here) and the alert policies section, which the
/// platform added later.
fn seed_era(parts: &[Part]) -> Vec<Part> {
    let mut out = Vec::new();
    let mut skip_level: Option<usize> = None;
    for p in parts {
        if let Part::Heading(level, text) = p {
            if skip_level.is_some_and(|l| *level > l) {
                continue;
            }
            skip_level = None;
            let newer = text == "Rollouts" || text == "Alert Policies" || text.ends_with(" Architecture Diagram");
            if newer {
                skip_level = Some(*level);
                continue;
            }
        } else if skip_level.is_some() {
            continue;
        }
        out.push(p.clone());
    }
    out
}

/// The seed (March 2024) with the rows the platform's newest pages (May 2024)
/// changed: a deployment type, the alerts row split into its Slack channel
/// and its policies, "Sentry" renamed "Errors", and traces and errors in the
/// Cloud Run table.
fn newest_rows(seed: Vec<Part>) -> Vec<Part> {
    let row = |r: &str| Part::Row(r.to_string());
    let mut out = Vec::new();
    for p in seed {
        match &p {
            Part::Row(r) if r == "Category" => out.extend([p.clone(), row("Deployment type")]),
            Part::Row(r) if r == "Alerts" => out.extend([row("Slack notifications"), row("Alert policies")]),
            Part::Row(r) if r == "Sentry" => out.push(row("Errors")),
            Part::Row(r) if r == "Service logs" => {
                out.extend([p.clone(), row("Service traces"), row("Service errors")])
            }
            _ => out.push(p),
        }
    }
    out
}

fn readme_free(page: &str) -> String {
    // The README sits between its marker comment and the next `## ` heading.
    let Some(start) = page.find("<!-- Automatically generated from the service README") else {
        return page.to_string();
    };
    let end = page[start..].find("\n## ").map_or(page.len(), |i| start + i + 1);
    format!("{}{}", &page[..start], &page[end..])
}

#[test]
fn the_release_registry_page_has_the_original_pages_sections_and_rows() {
    let seed_path = common::shared_dir().map(|d| d.join("seeds/releaseregistry-operations.md"));
    let Some(seed_path) = seed_path else { return };
    let seed = std::fs::read_to_string(&seed_path).unwrap();
    let build = Build::examples();
    let page = build.file("docs/releaseregistry.md");
    let ours = seed_era(&structure(&readme_free(page)));
    let theirs = newest_rows(structure(&seed));
    // Guard against a parser that finds nothing: the seed has 11 headings
    // and 9 tables.
    assert_eq!(theirs.iter().filter(|p| matches!(p, Part::Heading(..))).count(), 11);
    assert_eq!(theirs.iter().filter(|p| matches!(p, Part::Table(_))).count(), 9);
    assert_eq!(ours, theirs, "\nours:   {ours:#?}\nseed:   {theirs:#?}");
}

/// `(name, severity, environments, description)` of each version of each
/// entry of a page's alert section: an entry is one alert; where
/// environments differ, its versions follow "In <environments>:" lines.
fn page_alerts(page: &str, all_envs: &[String]) -> Vec<(String, String, Vec<String>, String)> {
    let section = &page[page.find("## Alert Policies").expect("an alert section")..];
    let links =
        |list: &str| -> Vec<String> { list.split(", ").map(|l| l[1..l.find(']').unwrap()].to_string()).collect() };
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for entry in section.split("\n### ").skip(1) {
        let (heading, body) = entry.split_once('\n').unwrap();
        assert!(names.insert(heading.to_string()), "{heading} is listed twice");
        let versions: Vec<(Vec<String>, &str)> = if body.contains("\nIn [") {
            body.split("\nIn ").skip(1).map(|v| (links(v.split_once(":\n").unwrap().0), v)).collect()
        } else {
            let envs = match body.lines().find_map(|l| l.strip_prefix("Environments: ")) {
                Some(list) => links(list),
                None => all_envs.to_vec(),
            };
            vec![(envs, body)]
        };
        assert!(!heading.contains(" ("), "no per-environment copies of an alert: {heading}");
        for (envs, body) in versions {
            let description = body.split("```md\n").nth(1).and_then(|b| b.split("\n```").next()).unwrap().to_string();
            let severity = body.lines().find_map(|l| l.strip_prefix("Severity: ")).unwrap().to_string();
            out.push((heading.replace("\\", ""), severity, envs, description));
        }
    }
    out
}

/// The environment table, the access table and the Cloud Run table carry
/// what the platform's newest pages carry, in their format; alerts come in
/// the platform's order, each once.
#[test]
fn environment_rows_and_alert_order_follow_the_platforms_newest_pages() {
    let build = Build::examples();
    let page = build.file("docs/sams.md");
    let prod = page.split("\n### prod\n").nth(1).unwrap();
    let row = |name: &str| -> String {
        prod.lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no {name} row"))
            .to_string()
    };
    assert!(row("Deployment type").contains("| `manual` |"));
    assert!(
        row("Slack notifications")
            .contains("[#alerts-sams-prod](https://sourcegraph.slack.com/archives/alerts-sams-prod)")
    );
    let policies = row("Alert policies");
    assert!(policies.contains("[GCP Monitoring alert policies list](https://console.cloud.google.com/monitoring/alerting/policies?project=sams-prod-ywuz)"));
    assert!(
        policies.contains("[Dashboard](https://console.cloud.google.com/monitoring/dashboards?pageState=")
            && policies.contains("&project=sams-prod-ywuz)")
    );
    assert!(row("Errors").contains("[Sentry `sams-prod`](https://sourcegraph.sentry.io/projects/sams-prod/)"));
    assert!(row("GCP project read access").contains("[Read-only Entitle request for the 'Managed Services' folder]("));
    assert!(
        row("GCP project write access").contains("[Write access Entitle request for the 'Managed Services' folder](")
    );
    assert!(
        row("Service traces")
            .contains("[Cloud Trace](https://console.cloud.google.com/traces/list?project=sams-prod-ywuz)")
    );
    assert_eq!(row("Service errors").split(" | ").nth(1), row("Errors").split(" | ").nth(1));

    // The real SAMS page's built-in alerts, in its order (Terraform keys sorted).
    let real = [
        "Cloud SQL - Connections",
        "Cloud SQL - CPU Utilization",
        "Cloud SQL - Disk Utilization",
        "Cloud SQL - Memory Utilization",
        "Cloud SQL - Server Availability",
        "Cloud SQL - Spike in Per-Query Lock Time",
        "Cloud SQL - Sustained Per-Query Lock Times",
        "High Container CPU Utilization",
        "High Container Memory Utilization",
        "Container Startup Latency",
        "Cloud Redis - System CPU Utilization",
        "Cloud Redis - Standard Instance Failover",
        "Cloud Redis - System Memory Utilization",
        "Cloud Run Pending Requests",
        "Cloud Run Instance Precondition Failed",
        "External Uptime Check",
        "Container Instance Count",
    ];
    let section = &page[page.find("## Alert Policies").unwrap()..];
    let headings: Vec<&str> = section.lines().filter_map(|l| l.strip_prefix("### ")).collect();
    let built_in: Vec<&str> = headings.iter().copied().filter(|h| real.contains(h)).collect();
    assert_eq!(built_in, real);
    // Custom alerts sort between the container alerts and Redis, as `custom` does.
    let at = |h: &str| headings.iter().position(|x| *x == h).unwrap_or_else(|| panic!("no {h}"));
    assert!(at("Container Startup Latency") < at("Token signing failures"));
    assert!(at("Token signing failures") < at("Cloud Redis - System CPU Utilization"));
}

/// The page lists exactly the policies the monitoring stack applies, per
/// environment, with their severity and description.
#[test]
fn every_pages_alerts_are_the_monitoring_stacks_policies() {
    let build = Build::examples();
    let services: BTreeSet<String> = build
        .files
        .keys()
        .filter_map(|p| p.strip_prefix("terraform/"))
        .map(|p| p.split('/').next().unwrap().into())
        .collect();
    assert!(services.len() >= 8);
    for svc in &services {
        let envs: Vec<String> = build
            .files
            .keys()
            .filter_map(|p| p.strip_prefix(&format!("terraform/{svc}/")))
            .filter(|p| p.ends_with("/monitoring/main.tf"))
            .map(|p| p.split('/').next().unwrap().to_string())
            .collect();
        let page = build.file(&format!("docs/{svc}.md"));
        let listed = page_alerts(page, &envs);
        for env in &envs {
            let m = build.stack(svc, env, "monitoring");
            // The Slack row names every channel the policies notify.
            let row = page
                .split(&format!("\n### {env}\n"))
                .nth(1)
                .and_then(|s| s.lines().find(|l| l.starts_with("| Slack notifications |")))
                .unwrap_or_else(|| panic!("{svc} {env}: no Slack notifications row"));
            for ch in m.resources_of("google_monitoring_notification_channel") {
                let name = m.resource("google_monitoring_notification_channel", &ch).str("display_name").unwrap();
                if let Some(channel) = name.strip_prefix("Slack - ") {
                    assert!(row.contains(channel), "{svc} {env}: {channel} not in {row}");
                }
            }
            let mut applied: Vec<(String, String)> = m
                .resources_of("google_monitoring_alert_policy")
                .iter()
                .map(|r| {
                    let p = m.resource("google_monitoring_alert_policy", r);
                    (p.str("display_name").unwrap(), p.str("severity").unwrap())
                })
                .collect();
            let mut shown: Vec<(String, String)> = listed
                .iter()
                .filter(|(_, _, e, _)| e.contains(env))
                .map(|(n, s, _, _)| (n.clone(), s.clone()))
                .collect();
            applied.sort();
            shown.sort();
            assert_eq!(shown, applied, "{svc} {env}");
            // Each description is in the policy's documentation (a heredoc).
            let docs: Vec<String> = m
                .resources_of("google_monitoring_alert_policy")
                .iter()
                .map(|r| {
                    m.resource("google_monitoring_alert_policy", r).child("documentation").text("content").unwrap()
                })
                .collect();
            for (name, _, _, description) in listed.iter().filter(|(_, _, e, _)| e.contains(env)) {
                assert!(
                    docs.iter().any(|d| d.contains(&format!("\n{description}\n"))),
                    "{svc} {env} {name}: {description}"
                );
            }
        }
    }
}

#[test]
fn a_job_page_shows_its_schedule_alerts_and_no_service_sections() {
    let build = Build::examples();
    let page = build.file("docs/gatekeeper.md");
    let parts = structure(page);
    let rows: Vec<&str> =
        parts.iter().filter_map(|p| if let Part::Row(r) = p { Some(r.as_str()) } else { None }).collect();
    let headings: Vec<&str> =
        parts.iter().filter_map(|p| if let Part::Heading(_, h) = p { Some(h.as_str()) } else { None }).collect();
    let alerts: Vec<String> = page_alerts(page, &["dev".into(), "prod".into()]).into_iter().map(|a| a.0).collect();

    assert!(page.contains("| Service kind | Cloud Run job |"));
    for alert in ["Cloud Run Job Failures", "Cloud Run Job Execution Absence"] {
        assert!(alerts.iter().any(|a| a == alert), "{alert} missing from {alerts:?}");
    }
    for alert in [
        "Cloud Run Pending Requests",
        "External Uptime Check",
        "Container Instance Count",
        "Cloud Run Instance Precondition Failed",
    ] {
        assert!(!alerts.iter().any(|a| a.starts_with(alert)), "service alert {alert} on a job page");
    }
    assert!(rows.contains(&"Schedule") && rows.contains(&"Job logs"));
    for row in ["Domain", "Cloudflare WAF", "Service logs"] {
        assert!(!rows.contains(&row), "{row}");
    }
    assert!(!headings.contains(&"Rollouts"));
    assert!(page.contains("scheduler -->|starts| job"));
    assert!(page.contains("gcloud run jobs executions list --job gatekeeper-prod-us-central1"));
    assert!(page.contains("https://console.cloud.google.com/run/jobs?project=gatekeeper-prod-1c93"));
}

/// With the fixtures' bare platform (no handbook, access, Sentry or chat
/// settings), what needs them is left out, not rendered empty.
#[test]
fn absent_platform_settings_leave_rows_out() {
    let spec = &service("shop");
    let build = Build::of(&[("services/shop.msp", spec)]);
    let page = build.file("docs/shop.md");
    let index = build.file("docs/index.md");
    for text in [page, index] {
        for broken in
            ["]()", "| |", "|  |", "None", "null", "[!IMPORTANT]", "request template", "Sentry", "reported in"]
        {
            assert!(!text.contains(broken), "{broken:?} in\n{text}");
        }
    }
    assert!(!index.contains("### Infrastructure access"), "{index}");
    assert!(page.contains("| Resources | none |"));
    assert!(page.contains("This service is operated on the Managed Services Platform.\n"));
    assert!(
        !page.contains("\nGenerated from") && !page.contains("Last updated"),
        "no revision or time from a library build"
    );
}

/// The service's own README follows the overview, one heading level down, and
/// the page's links to its own sections survive README headings with the
/// same names.
#[test]
fn readme_headings_nest_and_do_not_steal_the_pages_anchors() {
    let spec = &service("shop");
    let readme = "# shop\n\nSells things.\n\n## dev\n\nThe dev environment is shared.\n\n```sh\n# a comment, not a heading\n```\n";
    let build = Build::of(&[("services/shop.msp", spec), ("services/README.md", readme)]);
    let page = build.file("docs/shop.md");
    assert!(page.contains("Sells things.\n\n### dev\n\nThe dev environment is shared."), "{page}");
    assert!(!page.contains("# shop\n"), "the README's first heading is dropped");
    assert!(page.contains("# a comment, not a heading"));
    // The README's `### dev` comes first, so the environment is `#dev-1`.
    assert!(page.contains("| Environments | [dev](#dev-1) |"), "{page}");
}

/// The access tool's name is user text wherever the page writes it, the
/// Terraform Cloud warning included: no raw HTML or emphasis from it.
#[test]
fn a_hostile_access_tool_name_is_escaped_everywhere() {
    let platform = common::shared_platform().replace(
        "terraform_cloud = {",
        "access {\n    tool = \"<b>Grant*it_</b>\"\n    terraform_cloud = \"https://example.com/request?tfc\"\n  }\n  terraform_cloud = {",
    );
    let spec = &service("shop");
    let build = Build::of(&[("platform.msp", &platform), ("services/shop.msp", spec)]);
    let page = build.file("docs/shop.md");
    let escaped = "\\<b\\>Grant\\*it\\_\\</b\\>";
    assert!(page.contains(&format!("before making your {escaped} request**")), "{page}");
    assert!(page.contains(&format!("If you make your {escaped} request, then log in")), "{page}");
    assert!(page.contains(&format!("granted through {escaped} by Terraform Cloud")), "{page}");
    assert!(!page.contains("<b>") && !page.contains("Grant*it"), "{page}");
}

/// Docs of every example and the reference, written as `mspc` writes them.
fn generated_docs() -> TempDir {
    let dir = TempDir::new("docs");
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let root = common::repo_root();
    // The caches a build keeps go beside the output, not into the repository's examples.
    let cache = dir.path().join("cache");
    let o = mspc(&root, &["build", "examples", "--out", out], &[("MSPC_CACHE_DIR", cache.to_str().unwrap())]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = mspc(&root, &["docs", "--reference", "--out", out], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hostile = dir.path().join("hostile");
    let o = mspc(&root, &["build", HOSTILE, "--out", hostile.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// A workspace whose names, links and README use what Markdown and Mermaid
/// treat specially, and headings named like the page's own sections.
const HOSTILE: &str = "tests/fixtures/docs/hostile";

#[test]
fn hostile_names_keep_tables_links_and_anchors_intact() {
    let build = Build::workspace(HOSTILE);
    let page = build.file("docs/weird.md");
    // Every table row has its two cells: no pipe in a name splits one.
    let mut fence = false;
    for line in page.lines() {
        fence ^= line.starts_with("```");
        if !fence && line.starts_with('|') {
            assert_eq!(cells(line).len(), 2, "{line}");
        }
    }
    // Each environment link reaches the environment, past the README's
    // `Rollouts` and `rollouts` and the page's `## Rollouts`.
    assert!(page.contains("| Environments | [rollouts](#rollouts-3), [alertpolicies](#alertpolicies) |"), "{page}");
    assert!(page.contains("delivered by the [rollout](#rollouts-2) pipeline"));
    // The README's open fence is closed before the page goes on.
    assert!(page.contains("````md\n```\n````\n\n## Rollouts\n"), "{page}");
    // Names are escaped where they are prose, and URLs keep their parentheses encoded.
    assert!(page.contains("**team\\|b \\*c\\***"), "{page}");
    assert!(page.contains("(https://example.com/teams/core_%28new%29)"));
    assert!(!page.contains("<ops>") && !page.contains("<b>"), "raw HTML from a name");
    // A description with a fence inside keeps it, in a longer fence.
    assert!(page.contains("````md\nFires on ``` fences ``` and <tags>"), "{page}");
}

fn markdown_files(dir: &Path) -> Vec<String> {
    common::tree(dir).into_keys().filter(|p| p.ends_with(".md")).collect()
}

#[test]
fn markdownlint_passes_on_every_generated_page() {
    let Some(tool) = common::ci_tool("node_modules/.bin/markdownlint-cli2") else { return };
    let dir = generated_docs();
    let config = common::repo_root().join(".ci/markdownlint.jsonc");
    // A control page with a link to a heading that does not exist: the run
    // must fail on it, so the real run cannot pass by checking nothing.
    let control = dir.path().join("control.md");
    std::fs::write(&control, "# Control\n\nSee [nowhere](#nowhere).\n").unwrap();
    let run = |files: &[String]| {
        Command::new(&tool).arg("--config").arg(&config).args(files).current_dir(dir.path()).output().unwrap()
    };
    let o = run(&["control.md".into()]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("MD051"), "{o:?}");

    let files: Vec<String> = markdown_files(dir.path()).into_iter().filter(|f| f != "control.md").collect();
    assert!(files.iter().any(|f| f == "hostile/docs/weird.md"), "{files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("docs/index.md")) && files.iter().any(|f| f.ends_with("reference/index.md"))
    );
    assert!(files.len() > 80, "{files:?}");
    let o = run(&files);
    assert!(
        o.status.success(),
        "markdownlint:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn every_mermaid_diagram_parses_with_mermaid() {
    let Some(modules) = common::ci_tool("node_modules/mermaid") else { return };
    let tools = modules.parent().unwrap().parent().unwrap().to_path_buf();
    let mut files = Build::examples().files;
    files.extend(Build::workspace(HOSTILE).files.into_iter().map(|(p, t)| (format!("hostile/{p}"), t)));
    let mut diagrams: Vec<serde_json::Value> = Vec::new();
    for (path, text) in &files {
        for (i, block) in text.split("```mermaid\n").skip(1).enumerate() {
            let body = block.split("\n```").next().unwrap();
            diagrams.push(serde_json::json!({ "name": format!("{path}#{i}"), "text": body }));
        }
    }
    let count = diagrams.len();
    let envs = files.keys().filter(|p| p.ends_with("/monitoring/main.tf")).count();
    assert_eq!(count, envs, "one diagram per environment");
    // A broken control diagram must be reported.
    diagrams.push(serde_json::json!({ "name": "control", "text": "flowchart LR\n  a[\"x\" --> b" }));
    let dir = TempDir::new("mermaid");
    let input = dir.path().join("diagrams.json");
    std::fs::write(&input, serde_json::to_string(&diagrams).unwrap()).unwrap();
    let script = std::fs::read_to_string(common::repo_root().join(".ci/mermaid-parse.mjs")).unwrap();
    // Evaluated with `.ci-tools/` as the working folder, so that its imports
    // resolve to the packages installed there.
    let o = Command::new("node")
        .args(["--input-type=module", "--eval", &script])
        .env("MSPC_DIAGRAMS", &input)
        .current_dir(&tools)
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let failed: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("parsed ")).collect();
    assert!(failed.len() == 1 && failed[0].starts_with("control: "), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains(&format!("parsed {} diagrams, 1 failed", count + 1)), "{stdout}");
}

#[test]
fn the_reference_lists_every_schema_field_and_variant_and_every_code() {
    let files: BTreeMap<String, String> =
        mspc_compiler::emit::reference::reference().into_iter().map(|f| (f.path, f.contents)).collect();
    let index = &files["reference/index.md"];
    let std = mspc_compiler::check::stdlib::stdlib();
    for (name, schema) in &std.index.schemas {
        assert!(index.contains(&format!("\n### {name}\n")), "schema {name}");
        for field in schema.fields.keys() {
            assert!(index.contains(&format!("- `{field}`: ")), "{name}.{field}");
        }
    }
    for (name, e) in &std.index.enums {
        assert!(index.contains(&format!("\n### {name}\n")), "enum {name}");
        for v in &e.variants {
            assert!(index.contains(&format!("- `{}`", v.name)), "{name}.{}", v.name);
        }
    }
    for c in mspc_compiler::diagnostics::Code::ALL {
        let page = format!("diagnostics/{}.md", c.as_str());
        assert!(index.contains(&format!("[{}](./{page})", c.as_str())), "{c}");
        assert_eq!(files.get(&format!("reference/{page}")).map(String::as_str), c.page(), "{c}");
    }
    insta::assert_snapshot!("reference", index);
}

#[test]
fn docs_and_reference_keep_the_rest_of_the_output_folder() {
    let ws = TempDir::new("docs-cli");
    ws.write(&[
        ("platform.msp".into(), common::shared_platform()),
        ("services/shop.msp".into(), service("shop")),
        ("services/cart.msp".into(), service("cart")),
    ]);
    let out = ws.path().join("out");
    let out_s = out.to_str().unwrap();
    assert!(mspc(ws.path(), &["build", "--out", out_s], &[]).status.success());
    let o = mspc(ws.path(), &["docs", "--reference", "--out", out_s], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for kept in [
        "terraform/shop/dev/project/main.tf",
        "docs/shop.md",
        "docs/index.md",
        "reference/index.md",
        "reference/diagnostics/E0201.md",
    ] {
        assert!(out.join(kept).is_file(), "{kept}");
    }
    // A filtered build rewrites its service's page and the index, and keeps
    // the other pages and the reference.
    std::fs::write(out.join("docs/shop.md"), "stale").unwrap();
    std::fs::write(out.join("docs/cart.md"), "kept").unwrap();
    assert!(mspc(ws.path(), &["build", "--service", "shop", "--out", out_s], &[]).status.success());
    assert!(std::fs::read_to_string(out.join("docs/shop.md")).unwrap().starts_with("# shop infrastructure operations"));
    assert_eq!(std::fs::read_to_string(out.join("docs/cart.md")).unwrap(), "kept");
    assert!(out.join("reference/index.md").is_file());
    // `mspc docs` rewrites every page and nothing else.
    std::fs::write(out.join("terraform/shop/dev/project/main.tf"), "kept").unwrap();
    assert!(mspc(ws.path(), &["docs", "--out", out_s], &[]).status.success());
    assert!(std::fs::read_to_string(out.join("docs/cart.md")).unwrap().starts_with("# cart infrastructure"));
    assert_eq!(std::fs::read_to_string(out.join("terraform/shop/dev/project/main.tf")).unwrap(), "kept");
    // A workspace with errors changes nothing.
    std::fs::write(ws.path().join("services/cart.msp"), "service cart {").unwrap();
    let before = std::fs::read_to_string(out.join("docs/cart.md")).unwrap();
    let o = mspc(ws.path(), &["docs", "--out", out_s], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(out.join("docs/cart.md")).unwrap(), before);
    // The reference takes no workspace.
    let o = mspc(ws.path(), &["docs", "--reference", "services"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn pages_cite_the_git_revision_and_the_time_only_when_asked() {
    let ws = TempDir::new("docs-git");
    ws.write(&[("platform.msp".into(), common::shared_platform()), ("services/shop.msp".into(), service("shop"))]);
    let out = ws.path().join("out");
    let out_s = out.to_str().unwrap();
    let page = || std::fs::read_to_string(out.join("docs/shop.md")).unwrap();

    assert!(mspc(ws.path(), &["docs", "--out", out_s], &[]).status.success());
    assert!(!page().contains("Generated from") && !page().contains("Last updated"), "{}", page());

    let sha = "e6c6ad2da61a21e1719b2a38cd5913228ae91df4";
    ws.write(&[
        (".git/HEAD".into(), "ref: refs/heads/main\n".into()),
        (".git/refs/heads/main".into(), format!("{sha}\n")),
    ]);
    let o = mspc(ws.path(), &["docs", "--timestamp", "--out", out_s], &[("SOURCE_DATE_EPOCH", "1711354441")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(page().contains(&format!("\nGenerated from: {sha}\n")), "{}", page());
    assert!(page().contains("\nLast updated: 2024-03-25T08:14:01Z\n"), "{}", page());
    let index = std::fs::read_to_string(out.join("docs/index.md")).unwrap();
    assert!(index.contains("Last updated: 2024-03-25T08:14:01Z"));
}
