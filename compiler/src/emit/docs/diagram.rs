//! A Mermaid flowchart of one environment: how requests reach the service
//! (or how the scheduler starts the job), and what it uses.

use crate::emit::terraform::ctx::{Ctx, POSTGRES_MAJOR};
use crate::ir::Authentication;
use crate::syntax::literals::format_duration;

/// A node label for Mermaid's `["…"]` form: `#` (Mermaid's entity marker),
/// quotes and angle brackets as entities, lines joined with `<br/>`.
fn label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| {
            l.replace('#', "#35;")
                .replace('&', "#amp;")
                .replace('"', "#quot;")
                .replace('<', "#lt;")
                .replace('>', "#gt;")
        })
        .collect::<Vec<_>>()
        .join("<br/>")
}

pub fn mermaid(ctx: &Ctx<'_>) -> String {
    let env = ctx.env;
    let mut nodes: Vec<String> = Vec::new();
    let mut edges: Vec<String> = Vec::new();
    let mut node = |id: &str, shape: (&str, &str), lines: Vec<String>| {
        nodes.push(format!("  {id}{}\"{}\"{}", shape.0, label(&lines), shape.1));
    };
    const BOX: (&str, &str) = ("[", "]");
    const DB: (&str, &str) = ("[(", ")]");
    const ROUND: (&str, &str) = ("([", "])");

    if ctx.is_job() {
        node("job", BOX, vec!["Cloud Run job".into(), ctx.cloud_run_name()]);
        if let Some(cron) = env.schedule.as_ref().and_then(|s| s.cron.clone()) {
            let deadline = env.job_deadline_seconds();
            node(
                "scheduler",
                BOX,
                vec![
                    "Cloud Scheduler".into(),
                    format!("{cron} (UTC)"),
                    format!("deadline {}", format_duration(deadline)),
                ],
            );
            edges.push("  scheduler -->|starts| job".into());
        }
    } else {
        let who = match env.authentication {
            Authentication::Public => "Anyone".to_string(),
            Authentication::Organization => match &ctx.platform.organization_domain {
                Some(d) => format!("{d} users"),
                None => "Organization users".into(),
            },
            Authentication::Restricted => "Granted invokers".into(),
        };
        node("users", ROUND, vec![who]);
        node("run", BOX, vec!["Cloud Run service".into(), ctx.cloud_run_name()]);
        match &env.domain {
            Some(d) => {
                let production = env.category.is_production();
                let mut lb = vec!["GCP load balancer".to_string()];
                if d.proxied && production {
                    lb.push("Cloud Armor: Cloudflare only".into());
                }
                if d.proxied {
                    node("cloudflare", BOX, vec!["Cloudflare proxy and WAF".into(), d.dns_name.clone()]);
                    edges.push("  users -->|HTTPS| cloudflare".into());
                    edges.push("  cloudflare -->|HTTPS| lb".into());
                } else {
                    lb.push(d.dns_name.clone());
                    edges.push("  users -->|HTTPS| lb".into());
                }
                node("lb", BOX, lb);
                edges.push("  lb --> run".into());
            }
            None => edges.push("  users -.->|inside GCP only| run".into()),
        }
    }
    let workload = if ctx.is_job() { "job" } else { "run" };
    if let Some(pg) = &env.postgres {
        let mut lines =
            vec![format!("Cloud SQL PostgreSQL {POSTGRES_MAJOR}"), format!("{} vCPU, {}GB", pg.cpu, pg.memory_gb)];
        lines.push(pg.databases.join(", "));
        node("postgres", DB, lines);
        edges.push(format!("  {workload} -->|private network| postgres"));
    }
    if let Some(r) = &env.redis {
        node(
            "redis",
            DB,
            vec![
                "Memorystore Redis".into(),
                format!("{}GB{}", r.memory_gb, if r.high_availability { ", HA" } else { "" }),
            ],
        );
        edges.push(format!("  {workload} -->|private network, TLS| redis"));
    }
    if let Some(bq) = &env.bigquery {
        node("bigquery", DB, vec!["BigQuery dataset".into(), format!("{}.{}", bq.project_id, bq.dataset_id)]);
        edges.push(format!("  {workload} --> bigquery"));
    }
    let mut secrets: Vec<String> = env.secret_env.keys().cloned().collect();
    secrets.extend(env.secret_volumes.values().map(|v| v.mount_path.clone()));
    if !secrets.is_empty() {
        node("secrets", BOX, vec!["Secret Manager".into(), secrets.join(", ")]);
        edges.push(format!("  secrets -.->|read at start| {workload}"));
    }
    let mut out = String::from("flowchart LR\n");
    for n in nodes {
        out.push_str(&n);
        out.push('\n');
    }
    for e in edges {
        out.push_str(&e);
        out.push('\n');
    }
    out
}
