//! A deterministic generator of realistic workspaces: the same service count
//! and seed give the same bytes, on any machine.
//!
//! The shape follows `examples/`: `platform.msp` at the root, shared `let`s
//! in `teams.msp`, `presets.msp` (environment presets, zones, probes) and
//! `sizes.msp` (instance and database sizes), and one folder per service or
//! job under `services/<id>/` with its `.msp`, sometimes a `README.md` and
//! BigQuery table schemas. Features are dealt by quota rather than by coin
//! flips, so even a small workspace has the intended mix:
//!
//! | feature | share |
//! |---|---|
//! | jobs (`job` with `schedule`) | 10% |
//! | PostgreSQL | 50% |
//! | Redis | 33% |
//! | a domain (services only) | 85% of services |
//! | a `staging` environment (besides `dev` and `prod`) | 30% |
//! | a rollout pipeline (services only) | 30% of services |
//! | monitoring alerts | 40% |
//! | README.md | 40% |
//! | external production (the rest internal) | 25% |
//! | BigQuery, secret volumes, extra IAM, gRPC, another region, org auth | 8–20% |
//!
//! Every workspace checks clean with no warnings: project ids are
//! `<id>-<env>-<4 hex>` (service ids are at most 17 characters, so the
//! longest, `-staging-`, stays within 30), domains are `<id>.<zone>` with a
//! zone per environment, production has handbook pages and health probes,
//! external environments keep an instance warm and a highly available
//! database, and only the shared `let`s some service uses are written.
//!
//! Service 0 is the *focus* service, with every feature: the language-server
//! benchmark opens it. Its `prod` environment writes `scaling = { min = 2, max = 5 }`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::rng::Rng;

/// The longest service id: `<id>-staging-<4 hex>` must fit in 30 characters.
pub const MAX_ID_LEN: usize = 30 - "-staging-".len() - 4;

/// A generated workspace, in memory.
pub struct Workload {
    /// Relative path (with `/`) → contents.
    pub files: BTreeMap<String, String>,
    /// The `.msp` of the service with every feature, which the language-server
    /// benchmark opens.
    pub focus: String,
    pub services: usize,
    pub seed: u64,
}

/// Written into a generated folder, so `write` only ever replaces its own output.
pub const MARKER: &str = ".mspc-bench-workload";

impl Workload {
    pub fn bytes(&self) -> usize {
        self.files.values().map(String::len).sum()
    }

    /// Writes the workspace into `dir`. A folder that exists must be empty or
    /// an earlier output of this generator (it is then replaced), so stale
    /// services of a larger run cannot stay behind.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            if entries.next().is_some() {
                if !dir.join(MARKER).is_file() {
                    return Err(format!(
                        "{} is not empty and was not written by `mspc-bench workload`; choose another folder",
                        dir.display()
                    ));
                }
                std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let marker = format!("mspc-bench workload --services {} --seed {}\n", self.services, self.seed);
        let all = self.files.iter().map(|(p, t)| (p.as_str(), t.as_str())).chain([(MARKER, marker.as_str())]);
        for (rel, text) in all {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(())
    }
}

/// What one service or job has.
#[derive(Default)]
struct Plan {
    id: String,
    name: String,
    job: bool,
    postgres: bool,
    redis: bool,
    domain: bool,
    staging: bool,
    rollout: bool,
    monitoring: bool,
    readme: bool,
    external: bool,
    bigquery: bool,
    volumes: bool,
    iam: bool,
    h2c: bool,
    region: bool,
    org_auth: bool,
}

/// `percent` of `n`, rounded.
fn quota(n: usize, percent: usize) -> usize {
    (n * percent + 50) / 100
}

/// `count` members of `pool`, chosen by a seeded shuffle; `must` is always in.
fn deal(rng: &mut Rng, pool: &[usize], count: usize, must: Option<usize>) -> BTreeSet<usize> {
    let mut pool = pool.to_vec();
    rng.shuffle(&mut pool);
    let mut chosen: Vec<usize> = pool.into_iter().take(count.max(must.is_some() as usize)).collect();
    if let Some(m) = must
        && !chosen.contains(&m)
    {
        *chosen.last_mut().expect("at least one") = m;
    }
    chosen.into_iter().collect()
}

const SERVICE_WORDS: &[&str] = &[
    "audit", "auth", "payout", "build", "cart", "chat", "cloud", "code", "data", "docs", "edge", "email", "event",
    "feed", "geo", "graph", "image", "index", "infra", "ledger", "media", "metric", "notify", "order", "pay", "price",
    "queue", "rank", "report", "review", "search", "sign", "stock", "sync", "tax", "trace", "user", "video", "vault",
    "web",
];
const SERVICE_ROLES: &[&str] = &[
    "api", "proxy", "gw", "worker", "store", "relay", "hub", "portal", "router", "engine", "bridge", "broker", "cache",
    "server", "agent", "ingest", "admin", "meter",
];
const JOB_ROLES: &[&str] = &["export", "import", "purge", "rollup", "backup", "digest", "sweep", "rehash", "sync"];

fn title(word: &str) -> String {
    match word {
        "api" | "gw" => word.to_uppercase(),
        _ => {
            let mut c = word.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        }
    }
}

fn ids(rng: &mut Rng, n: usize, jobs: &BTreeSet<usize>) -> Vec<(String, String)> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let roles = if jobs.contains(&i) { JOB_ROLES } else { SERVICE_ROLES };
        let (mut w1, mut w2) = (*rng.pick(SERVICE_WORDS), *rng.pick(roles));
        let mut tries = 0;
        while taken.contains(&format!("{w1}-{w2}")) && tries < 8 {
            (w1, w2) = (*rng.pick(SERVICE_WORDS), *rng.pick(roles));
            tries += 1;
        }
        let (mut id, mut name) = (format!("{w1}-{w2}"), format!("{} {}", title(w1), title(w2)));
        let mut k = 2;
        while taken.contains(&id) {
            id = format!("{w1}-{w2}{k}");
            name = format!("{} {} {k}", title(w1), title(w2));
            k += 1;
        }
        assert!(id.len() <= MAX_ID_LEN, "service id `{id}` is too long for a project id");
        taken.insert(id.clone());
        out.push((id, name));
    }
    out
}

fn plans(rng: &mut Rng, n: usize) -> Vec<Plan> {
    let all: Vec<usize> = (0..n).collect();
    let jobs = deal(rng, &all[1.min(n)..], quota(n, 10), None);
    let services: Vec<usize> = all.iter().copied().filter(|i| !jobs.contains(i)).collect();
    let postgres = deal(rng, &all, quota(n, 50), Some(0));
    let redis = deal(rng, &all, quota(n, 33), Some(0));
    let domain = deal(rng, &services, quota(services.len(), 85), Some(0));
    let staging = deal(rng, &all, quota(n, 30), Some(0));
    let rollout = deal(rng, &services, quota(services.len(), 30), Some(0));
    let monitoring = deal(rng, &all, quota(n, 40), Some(0));
    let readme = deal(rng, &all, quota(n, 40), Some(0));
    let external = deal(rng, &all, quota(n, 25), None);
    let bigquery = deal(rng, &all, quota(n, 8), None);
    let volumes = deal(rng, &all, quota(n, 10), None);
    let iam = deal(rng, &all, quota(n, 20), None);
    let h2c = deal(rng, &services, quota(services.len(), 10), None);
    let region = deal(rng, &all, quota(n, 15), None);
    let org_auth = deal(rng, &services, quota(services.len(), 15), None);
    let names = ids(rng, n, &jobs);
    names
        .into_iter()
        .enumerate()
        .map(|(i, (id, name))| Plan {
            id,
            name,
            job: jobs.contains(&i),
            postgres: postgres.contains(&i),
            redis: redis.contains(&i),
            domain: domain.contains(&i),
            staging: staging.contains(&i),
            rollout: rollout.contains(&i),
            monitoring: monitoring.contains(&i),
            readme: readme.contains(&i),
            external: external.contains(&i),
            bigquery: bigquery.contains(&i),
            volumes: volumes.contains(&i),
            iam: iam.contains(&i),
            h2c: h2c.contains(&i),
            region: region.contains(&i),
            // `organization` is for internal users; external production is public.
            org_auth: org_auth.contains(&i) && !external.contains(&i),
        })
        .collect()
}

/// A shared `let`: its name, doc comment, value, and the `let`s of the same
/// file its value uses.
struct Let {
    name: &'static str,
    doc: &'static str,
    value: &'static str,
    uses: &'static [&'static str],
}

/// A shared file: its import alias, path, header and `let`s, in writing order.
struct SharedFile {
    alias: &'static str,
    path: &'static str,
    header: &'static str,
    lets: &'static [Let],
}

const fn l(name: &'static str, doc: &'static str, value: &'static str) -> Let {
    Let { name, doc, value, uses: &[] }
}

/// Team `let` names and their Opsgenie names (as in `teams.msp`).
const TEAMS: &[(&str, &str)] = &[
    ("search_platform", "search-platform"),
    ("core_services", "core-services"),
    ("data_platform", "data-platform"),
    ("billing_team", "billing"),
    ("identity", "identity"),
    ("dev_tools", "developer-tools"),
    ("growth", "growth"),
    ("infrastructure", "infrastructure"),
];

const SHARED: &[SharedFile] = &[
    SharedFile {
        alias: "teams",
        path: "teams.msp",
        header: "// Owners and the environment variables every service sets the same way.\n",
        lets: &[
            l("search_platform", "/// Opsgenie team names: critical alerts page them.", "\"search-platform\""),
            l("core_services", "", "\"core-services\""),
            l("data_platform", "", "\"data-platform\""),
            l("billing_team", "", "\"billing\""),
            l("identity", "", "\"identity\""),
            l("dev_tools", "", "\"developer-tools\""),
            l("growth", "", "\"growth\""),
            l("infrastructure", "", "\"infrastructure\""),
            l(
                "log_env",
                "/// Structured logs that GCP Logging parses.",
                "{ SRC_LOG_LEVEL = \"info\", SRC_LOG_FORMAT = \"json_gcp\" }",
            ),
            Let {
                name: "debug_log_env",
                doc: "/// Verbose logs for development environments.",
                value: "{ ..log_env, SRC_LOG_LEVEL = \"debug\" }",
                uses: &["log_env"],
            },
            l(
                "otel_env",
                "/// Traces to Cloud Trace in the environment's own project, sampled at 10%.",
                "{\n  OTEL_EXPORTER           = \"gcp\"\n  OTEL_TRACES_SAMPLER     = \"parentbased_traceidratio\"\n  OTEL_TRACES_SAMPLER_ARG = \"0.1\"\n}",
            ),
        ],
    },
    SharedFile {
        alias: "presets",
        path: "presets.msp",
        header: "// Environment presets: zones, deploys and probes shared by the services.\n",
        lets: &[
            l("dev_zone", "/// Cloudflare zones, one per kind of environment.", "\"example.dev\""),
            l("staging_zone", "", "\"staging.example.com\""),
            l("prod_zone", "", "\"example.com\""),
            l(
                "dev",
                "/// A development environment following `main`.",
                "{ category = test, deploy = subscription { tag = \"main\" } }",
            ),
            l(
                "staging",
                "/// A staging environment following the release branch.",
                "{ category = test, deploy = subscription { tag = \"release\" } }",
            ),
            l("probes", "/// Health probes for a quick HTTP service.", "{ timeout = 3s }"),
            l(
                "slow_probes",
                "/// Health probes for services that warm caches at startup.",
                "{ timeout = 10s, startup_interval = 10s, liveness_interval = 1m }",
            ),
            l(
                "shared_secrets",
                "/// The project whose Secret Manager holds secrets several services read.",
                "\"example-shared-secrets\"",
            ),
        ],
    },
    SharedFile {
        alias: "sizes",
        path: "sizes.msp",
        header: "// Instance and database sizes. Services pick one and adjust scaling per environment.\n",
        lets: &[
            l("small", "/// A small internal HTTP API.", "{ cpu = 1, memory = 512Mi, scaling = { min = 0, max = 3 } }"),
            l("medium", "", "{ cpu = 1, memory = 1Gi, scaling = { min = 0, max = 5 } }"),
            l("large", "", "{ cpu = 2, memory = 4Gi, generation = gen2, scaling = { min = 1, max = 10 } }"),
            l("batch", "/// Jobs: no scaling, one task per execution.", "{ cpu = 1, memory = 2Gi }"),
            l("batch_large", "", "{ cpu = 4, memory = 8Gi, generation = gen2 }"),
            l("pg_small", "/// Cloud SQL sizes.", "{ cpu = 1, memory = 4Gi }"),
            l("pg_ha", "", "{ cpu = 2, memory = 8Gi, high_availability = true }"),
            l(
                "redis_ha",
                "/// Memorystore with a replica in another zone.",
                "{ memory = 2Gi, high_availability = true }",
            ),
        ],
    },
];

/// Which shared `let`s are used, workspace-wide and by the current file.
#[derive(Default)]
struct Uses {
    all: BTreeMap<&'static str, BTreeSet<&'static str>>,
    file: BTreeSet<&'static str>,
}

impl Uses {
    /// `alias.name`, recorded as used.
    fn r(&mut self, alias: &'static str, name: &'static str) -> String {
        debug_assert!(SHARED.iter().any(|f| f.alias == alias && f.lets.iter().any(|l| l.name == name)));
        self.all.entry(alias).or_default().insert(name);
        self.file.insert(alias);
        format!("{alias}.{name}")
    }
}

/// Rows `key = value`, with the `=` aligned as `terraform fmt` and the
/// examples do; a multi-line value's lines after the first are indented.
fn block(out: &mut String, indent: usize, rows: &[(String, String)]) {
    let width =
        rows.iter().filter(|(k, v)| !k.starts_with("..") && !v.contains('\n')).map(|(k, _)| k.len()).max().unwrap_or(0);
    let pad = " ".repeat(indent);
    for (k, v) in rows {
        if k.starts_with("..") {
            let _ = writeln!(out, "{pad}{k}");
        } else if v.contains('\n') {
            let v = v.replace('\n', &format!("\n{pad}"));
            let _ = writeln!(out, "{pad}{k} = {v}");
        } else {
            let _ = writeln!(out, "{pad}{k:width$} = {v}");
        }
    }
}

fn row(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_string(), v.into())
}

/// A record written over several lines: `{`, the rows, `}`.
fn multiline(rows: &[(String, String)]) -> String {
    let mut s = String::from("{\n");
    block(&mut s, 2, rows);
    s.push('}');
    s
}

fn hex4(rng: &mut Rng) -> String {
    format!("{:04x}", rng.below(0x10000))
}

fn env_prefix(id: &str) -> String {
    id.to_uppercase().replace('-', "_")
}

const REGIONS: &[&str] = &["us-west1", "europe-west3", "europe-west2", "asia-northeast1"];
const CRONS: &[&str] =
    &["0 3 * * *", "15 4 * * *", "0 * * * *", "30 */6 * * *", "0 2 * * 1", "45 1 * * *", "*/30 * * * *"];
const DEADLINES: &[&str] = &["10m", "30m", "1h", "2h"];
const TABLES: &[&str] = &["events", "usage_daily", "audit_log"];
const IAM_ROLES: &[&str] =
    &["roles/pubsub.publisher", "roles/bigquery.jobUser", "roles/storage.objectViewer", "roles/cloudtrace.agent"];
const ADJECTIVES: &[&str] = &["internal", "customer-facing", "shared", "regional", "core"];

/// A service's `.msp` text and the BigQuery tables it declares.
fn service_spec(rng: &mut Rng, p: &Plan, uses: &mut Uses, focus: bool) -> (String, Vec<&'static str>) {
    let id = p.id.as_str();
    let prefix = env_prefix(id);
    let kind = if p.job { "job" } else { "service" };
    let (team, team_name) = *rng.pick(TEAMS);
    let mut owners = vec![uses.r("teams", team)];
    if rng.chance(15) {
        let (other, _) = *rng.pick(TEAMS);
        if other != team {
            owners.push(uses.r("teams", other));
        }
    }
    let what = if p.job { "batch job" } else { "service" };
    let mut body = String::new();
    let _ = writeln!(body, "/// {}: the {} {what} of the {team_name} team.", p.name, rng.pick(ADJECTIVES));
    let _ = writeln!(body, "{kind} {id} {{");

    let mut head = vec![
        row("name", format!("\"{}\"", p.name)),
        row("owners", format!("[{}]", owners.join(", "))),
        row("description", format!("\"{} {what} owned by {team_name}\"", p.name)),
        row("handbook_page", format!("\"https://handbook.example.com/services/{id}\"")),
    ];
    if p.h2c {
        head.push(row("protocol", "h2c"));
    }
    head.push(row("image", format!("\"us.gcr.io/example-images/{id}\"")));
    head.push(row("source", format!("{{ repo = \"github.com/example/{id}\", dir = \"cmd/{id}\" }}")));
    if p.job {
        head.push(row("schedule", format!("{{ cron = \"{}\", deadline = {} }}", rng.pick(CRONS), rng.pick(DEADLINES))));
    }
    block(&mut body, 2, &head);

    if p.iam {
        let roles: BTreeSet<&str> = (0..2).map(|_| *rng.pick(IAM_ROLES)).collect();
        let roles: Vec<String> = roles.iter().map(|r| format!("\"{r}\"")).collect();
        let _ = writeln!(body, "\n  iam {{\n    roles = [{}]\n  }}", roles.join(", "));
    }

    // defaults: what every environment inherits.
    let mut d = Vec::new();
    if p.rollout {
        d.push(row("deploy", "rollout"));
    }
    if p.region {
        d.push(row("region", *rng.pick(REGIONS)));
    }
    let size = if p.job {
        if rng.chance(30) { "batch_large" } else { "batch" }
    } else {
        *rng.pick(&["small", "medium", "medium", "large"])
    };
    d.push(row("instances", uses.r("sizes", size)));
    if p.domain {
        d.push(row("domain", format!("cloudflare {{ subdomain = \"{id}\" }}")));
    }
    let db = id.replace('-', "_");
    if p.postgres {
        if rng.chance(50) {
            d.push(row("postgres", format!("{{ ..{}, databases = [\"{db}\"] }}", uses.r("sizes", "pg_small"))));
        } else {
            d.push(row("postgres", format!("{{ databases = [\"{db}\"] }}")));
        }
    }
    if p.redis {
        d.push(row("redis", "{}"));
    }
    let tables: Vec<&'static str> = if p.bigquery {
        let n = 1 + rng.below(2);
        TABLES[..n].to_vec()
    } else {
        Vec::new()
    };
    if p.bigquery {
        let list: Vec<String> = tables.iter().map(|t| format!("\"{t}\"")).collect();
        d.push(row("bigquery", format!("{{ tables = [{}] }}", list.join(", "))));
    }
    if !p.job {
        let probes = if rng.chance(20) { "slow_probes" } else { "probes" };
        d.push(row("health_probes", uses.r("presets", probes)));
    }
    let mut env = vec![(format!("..{}", uses.r("teams", "log_env")), String::new())];
    if rng.chance(30) {
        env.push((format!("..{}", uses.r("teams", "otel_env")), String::new()));
    }
    if p.domain {
        env.push(row("EXTERNAL_URL", "\"https://${environment.dns_name}\""));
    }
    env.push(row(&format!("{prefix}_WORKERS"), format!("\"{}\"", 2 + rng.below(15))));
    if rng.chance(50) {
        env.push(row(&format!("{prefix}_BUCKET"), "\"${environment.project_id}-uploads\""));
    }
    if rng.chance(30) {
        env.push(row(&format!("{prefix}_SCOPE"), "\"${service.id}-${environment.id}\""));
    }
    d.push(row("env", multiline(&env)));
    let mut secrets = vec![row(&format!("{prefix}_API_KEY"), format!("secret(\"{id}-api-key\")"))];
    if rng.chance(30) {
        let shared = uses.r("presets", "shared_secrets");
        secrets.push(row(
            &format!("{prefix}_SIGNING_KEY"),
            format!("secret(\"projects/${{{shared}}}/secrets/{prefix}_SIGNING_KEY\")"),
        ));
    }
    if rng.chance(40) {
        secrets.push(row(&format!("{prefix}_WEBHOOK_URL"), format!("secret(\"{id}-webhook-url\")")));
    }
    d.push(row("secret_env", multiline(&secrets)));
    if p.volumes {
        d.push(row(
            "secret_volumes",
            multiline(&[row(
                "credentials",
                format!("{{ mount_path = \"/etc/{id}/credentials.json\", secret = secret(\"{id}-credentials\") }}"),
            )]),
        ));
    }
    body.push_str("\n  // Inherited by every environment; an environment's own values win.\n  defaults {\n");
    block(&mut body, 4, &d);
    body.push_str("  }\n");

    // The environments, production first as the docs show them.
    let mut envs: Vec<&str> = vec!["prod"];
    if p.staging {
        envs.push("staging");
    }
    envs.push("dev");
    for env in &envs {
        let mut rows = Vec::new();
        let project = format!("\"{id}-{env}-{}\"", hex4(rng));
        match *env {
            "prod" => {
                rows.push(row("project_id", project));
                rows.push(row("category", if p.external { "external" } else { "internal" }));
                if !p.rollout {
                    let tag = format!("v{}.{}.{}", 1 + rng.below(4), rng.below(30), rng.below(10));
                    rows.push(row("deploy", format!("manual {{ tag = \"{tag}\" }}")));
                }
                if p.domain {
                    rows.push(row("domain", format!("cloudflare {{ zone = {} }}", uses.r("presets", "prod_zone"))));
                }
                if p.job {
                    if rng.chance(40) {
                        rows.push(row("instances", uses.r("sizes", "batch_large")));
                    }
                } else {
                    let (min, max) = if focus { (2, 5) } else { (1 + rng.below(3), 5 + rng.below(20)) };
                    let scaling = format!("scaling = {{ min = {min}, max = {max} }}");
                    if size != "large" && rng.chance(30) {
                        rows.push(row("instances", format!("{{ ..{}, {scaling} }}", uses.r("sizes", "large"))));
                    } else {
                        rows.push(row("instances", format!("{{ {scaling} }}")));
                    }
                }
                if p.postgres && (p.external || rng.chance(50)) {
                    rows.push(row("postgres", uses.r("sizes", "pg_ha")));
                }
                if p.redis && rng.chance(50) {
                    rows.push(row("redis", uses.r("sizes", "redis_ha")));
                }
                if p.bigquery {
                    rows.push(row("bigquery", format!("{{ dataset_id = \"{db}\" }}")));
                }
                if p.org_auth {
                    rows.push(row("authentication", "organization"));
                }
            }
            _ => {
                let preset = if *env == "dev" { "dev" } else { "staging" };
                if p.rollout {
                    rows.push(row("project_id", project));
                    rows.push(row("category", "test"));
                } else {
                    rows.push((format!("..{}", uses.r("presets", preset)), String::new()));
                    rows.push(row("project_id", project));
                }
                if p.domain {
                    let zone = uses.r("presets", if *env == "dev" { "dev_zone" } else { "staging_zone" });
                    rows.push(row("domain", format!("cloudflare {{ zone = {zone} }}")));
                }
                if *env == "dev" && rng.chance(50) {
                    rows.push(row("env", format!("{{ ..{} }}", uses.r("teams", "debug_log_env"))));
                }
                if p.job && *env == "dev" && rng.chance(50) {
                    rows.push(row("schedule", "{ cron = \"0 */6 * * *\", deadline = 15m }"));
                }
                if p.bigquery {
                    rows.push(row("bigquery", format!("{{ dataset_id = \"{db}_{env}\" }}")));
                }
            }
        }
        let _ = writeln!(body, "\n  environment {env} {{");
        block(&mut body, 4, &rows);
        body.push_str("  }\n");
    }

    if p.rollout {
        let stages: Vec<&str> = envs.iter().rev().copied().collect();
        let mut rows = vec![row("stages", format!("[{}]", stages.join(", ")))];
        if rng.chance(30) {
            rows.push(row("initial_image_tag", "\"main\""));
        }
        body.push_str("\n  rollout {\n");
        block(&mut body, 4, &rows);
        body.push_str("  }\n");
    }

    if p.monitoring {
        body.push_str("\n  monitoring {\n");
        if !p.job {
            body.push_str("    response_code_alerts = [\n");
            let ratio = ["0.01", "0.02", "0.05", "0.1"][rng.below(4)];
            let _ = writeln!(
                body,
                "      {{ id = \"server_errors\", name = \"{} server errors\", code_class = \"5xx\", ratio = {ratio}, duration = 5m }},",
                p.name
            );
            if rng.chance(40) {
                let _ = writeln!(
                    body,
                    "      {{ id = \"client_errors\", name = \"{} client errors\", code_class = \"4xx\", exclude_codes = [\"401\", \"404\"], ratio = 0.5, duration = 30m }},",
                    p.name
                );
            }
            body.push_str("    ]\n");
        }
        if p.job || rng.chance(50) {
            let severity = if rng.chance(50) { "critical" } else { "warning" };
            let (alert, condition) = if p.job {
                (
                    "Failed executions",
                    format!(
                        "mql {{\n          query = \"\"\"\n            fetch cloud_run_job\n            | metric 'run.googleapis.com/job/completed_execution_count'\n            | filter resource.job_name == '{id}' && metric.result == 'failed'\n            | align delta(1h)\n            | every 1h\n            | condition val() > 0\n          \"\"\"\n        }}"
                    ),
                )
            } else {
                (
                    "Queue backlog",
                    format!(
                        "promql {{\n          query    = \"sum(workload_googleapis_com:{db}_queue_depth) > 1000\"\n          duration = 10m\n        }}"
                    ),
                )
            };
            let _ = write!(
                body,
                "    custom_alerts = [\n      {{\n        name        = \"{alert}\"\n        description = \"{} is falling behind: check the logs of the latest revision.\"\n        severity    = {severity}\n        condition   = {condition}\n      }},\n    ]\n",
                p.name
            );
        }
        body.push_str("  }\n");
    }
    body.push_str("}\n");

    let mut out = String::new();
    for f in SHARED {
        if uses.file.contains(f.alias) {
            let _ = writeln!(out, "import \"../../{}\" as {}", f.path, f.alias);
        }
    }
    out.push('\n');
    out.push_str(&body);
    (out, tables)
}

fn readme(rng: &mut Rng, p: &Plan) -> String {
    let mut s = format!("# {}\n\n", p.name);
    let _ = writeln!(
        s,
        "{} is {} {}. It is owned by one team and deployed to {} environments.\n",
        p.name,
        if p.job { "a scheduled job" } else { "an HTTP service" },
        if p.postgres { "that keeps its state in PostgreSQL" } else { "without a database of its own" },
        if p.staging { "three" } else { "two" },
    );
    s.push_str("## Operations\n\n");
    s.push_str("- Deploys: ");
    s.push_str(if p.rollout {
        "through the Cloud Deploy pipeline, dev first.\n"
    } else {
        "by editing the tag in the spec.\n"
    });
    if p.redis {
        s.push_str("- Redis holds only caches: flushing it is safe, but slows the first requests.\n");
    }
    if rng.chance(50) {
        s.push_str("- Logs: filter on the `SRC_LOG_SCOPE` label in Cloud Logging.\n");
    }
    s
}

fn bigquery_table(rng: &mut Rng) -> String {
    let mut cols = vec![("id", "STRING"), ("recorded_at", "TIMESTAMP")];
    for extra in [("instance_id", "STRING"), ("value", "INT64"), ("payload", "JSON")] {
        if rng.chance(60) {
            cols.push(extra);
        }
    }
    let lines: Vec<String> =
        cols.iter().map(|(n, t)| format!("  {{ \"name\": \"{n}\", \"type\": \"{t}\" }}")).collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

const PLATFORM: &str = r##"// The organisation's settings: every service in this workspace is
// provisioned with these. (Generated by `mspc-bench workload`.)
platform {
  billing_account     = "01A2B3-C4D5E6-F70819"
  // `authentication = organization` admits users of this Google Workspace domain.
  organization_domain = "example.com"
  // Provider credentials and the Cloudflare origin certificate live here.
  secrets_project     = "example-platform-secrets"

  credentials {
    cloudflare_api_token  = "CLOUDFLARE_API_TOKEN"
    sentry_auth_token     = "SENTRY_AUTH_TOKEN"
    opsgenie_api_key      = "OPSGENIE_API_KEY"
    slack_bot_token       = "SLACK_OPERATOR_BOT_TOKEN"
    terraform_cloud_token = "TFC_OPERATOR_TOKEN"
  }

  folders {
    test     = "folders/100000000001" // "Engineering Projects": open access
    internal = "folders/100000000002" // "Internal Services"
    external = "folders/100000000003" // "Managed Services"
  }

  terraform_cloud {
    organization                = "example"
    prefix                      = "msp"
    terraform_version           = "1.5.7"
    runner_service_account      = "terraform-cloud@example-ci.iam.gserviceaccount.com"
    notification_channel        = "#alerts-msp-tfc"
    notification_webhook_secret = "TFC_SLACK_WEBHOOK_URL"
    repository                  = "example/managed-services"
    operators_team              = "Managed Services Platform Operators"
  }

  // Every alert also goes to #alerts-msp; each environment gets #alerts-<service>-<env>.
  slack    = { shared_channel = "#alerts-msp", channel_prefix = "#alerts-" }
  opsgenie = { api_url = "https://api.opsgenie.com" }
  sentry   = { organization = "example", team = "example" }

  cloudflare {
    origin_certificate_secret = "CLOUDFLARE_WILDCARD_ORIGIN_CERT"
    origin_key_secret         = "CLOUDFLARE_WILDCARD_ORIGIN_KEY"
  }

  cloud_deploy = { notification_endpoint_secret = "MSP_CLOUD_DEPLOY_NOTIFICATIONS_ENDPOINT" }

  handbook {
    platform_name     = "Managed Services Platform"
    platform_team     = "Core Services"
    platform_team_url = "https://handbook.example.com/teams/core-services"
    support_channel   = "#discuss-core-services"
    platform_url      = "https://handbook.example.com/managed-services/platform"
    tooling_setup_url = "https://github.com/example/managed-services/blob/main/README.md"
    specs_url         = "https://github.com/example/managed-services/blob/main"
    pages_url         = "https://handbook.example.com/managed-services"
  }

  access {
    tool = "Entitle"
    test {
      folder_name = "Engineering Projects"
      read        = "https://app.entitle.io/request?template=msp-reader"
      write       = "https://app.entitle.io/request?template=msp-editor"
    }
    internal {
      folder_name = "Internal Services"
      read        = "https://app.entitle.io/request"
      write       = "https://app.entitle.io/request"
    }
    external {
      folder_name = "Managed Services"
      read        = "https://app.entitle.io/request"
      write       = "https://app.entitle.io/request"
    }
    terraform_cloud = "https://app.entitle.io/request?template=tfc-operator"
  }
}
"##;

/// The shared file of `f`, with only the `let`s some service uses (and what
/// those use), so nothing is an unused binding. `None` if none is used.
fn shared_file(f: &SharedFile, used: Option<&BTreeSet<&'static str>>) -> Option<String> {
    let mut wanted: BTreeSet<&str> = used?.clone();
    for l in f.lets.iter().rev() {
        if wanted.contains(l.name) {
            wanted.extend(l.uses);
        }
    }
    // A doc comment starts a group: it is written before the group's first
    // used member, and the members follow it with their `=` aligned.
    let mut groups: Vec<(&str, Vec<&Let>)> = Vec::new();
    for l in f.lets {
        if !l.doc.is_empty() || groups.is_empty() {
            groups.push((l.doc, Vec::new()));
        }
        if wanted.contains(l.name) {
            groups.last_mut().expect("pushed above").1.push(l);
        }
    }
    let mut out = String::from(f.header);
    for (doc, lets) in groups.iter().filter(|(_, lets)| !lets.is_empty()) {
        out.push('\n');
        if !doc.is_empty() {
            let _ = writeln!(out, "{doc}");
        }
        let width = lets.iter().map(|l| l.name.len()).max().unwrap_or(0);
        for l in lets {
            let _ = writeln!(out, "let {:width$} = {}", l.name, l.value);
        }
    }
    Some(out)
}

/// Generates a workspace of `services` services and jobs (at least one).
pub fn generate(services: usize, seed: u64) -> Workload {
    assert!(services >= 1, "a workspace needs at least one service");
    let mut rng = Rng::new(seed);
    let plans = plans(&mut rng, services);
    let mut uses = Uses::default();
    let mut files = BTreeMap::new();
    files.insert("platform.msp".to_string(), PLATFORM.to_string());
    for (i, p) in plans.iter().enumerate() {
        // Each service draws from its own stream, so its text does not
        // depend on how much randomness the services before it used.
        let mut r = Rng::new(seed ^ (i as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
        uses.file.clear();
        let dir = format!("services/{}", p.id);
        let (spec, tables) = service_spec(&mut r, p, &mut uses, i == 0);
        files.insert(format!("{dir}/{}.msp", p.id), spec);
        if p.readme {
            files.insert(format!("{dir}/README.md"), readme(&mut r, p));
        }
        for t in tables {
            files.insert(format!("{dir}/{t}.bigquerytable.json"), bigquery_table(&mut r));
        }
    }
    for f in SHARED {
        if let Some(text) = shared_file(f, uses.all.get(f.alias)) {
            files.insert(f.path.to_string(), text);
        }
    }
    let focus = format!("services/{0}/{0}.msp", plans[0].id);
    Workload { files, focus, services, seed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deal_takes_the_quota_and_the_required_member() {
        let mut rng = Rng::new(3);
        let pool: Vec<usize> = (0..20).collect();
        for _ in 0..50 {
            let s = deal(&mut rng, &pool, 5, Some(0));
            assert_eq!(s.len(), 5);
            assert!(s.contains(&0));
        }
        assert_eq!(deal(&mut rng, &pool, 0, Some(7)), BTreeSet::from([7]));
    }

    #[test]
    fn ids_fit_project_ids_even_when_words_repeat() {
        // 2,000 services exhaust the word pairs and need numeric suffixes.
        let w = generate(2000, 9);
        let ids: Vec<&str> = w.files.keys().filter_map(|k| k.strip_prefix("services/")?.split('/').next()).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), 2000);
        assert!(unique.iter().all(|id| id.len() <= MAX_ID_LEN));
        assert!(unique.iter().any(|id| id.ends_with(|c: char| c.is_ascii_digit())));
    }

    #[test]
    fn unused_shared_lets_are_left_out() {
        let w = generate(1, 5);
        let teams = &w.files["teams.msp"];
        // One service has one or two owners: the other teams are not written.
        let written = TEAMS.iter().filter(|(t, _)| teams.contains(&format!("let {t} "))).count();
        assert!((1..=2).contains(&written), "{teams}");
    }
}
