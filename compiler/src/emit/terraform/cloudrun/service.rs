//! The Cloud Run service (reference 2.4 "Service"), and the container,
//! volumes and VPC access it shares with the job. Reachable only through
//! the internal load balancer; who may invoke it is the environment's
//! `authentication`.

use super::Parts;
use crate::emit::terraform::ctx::{Ctx, OUTPUT_WORKLOAD_ACCOUNT};
use crate::emit::terraform::hcl::{Blk, Expr, b, list, lit, n, obj, r, rf, s, tpl};
use crate::ir::{Authentication, Generation, HealthProbes, Protocol};

pub const SERVICE: &str = "google_cloud_run_v2_service.service";
/// The port Cloud Run sends requests to (`$PORT`).
pub const PORT: i64 = 9992;
/// Requests may take as long as Cloudflare's proxy waits for a response.
const REQUEST_TIMEOUT: &str = "300s";
/// Read-only for everyone: 0444.
const SECRET_FILE_MODE: i64 = 0o444;
/// Cloud Run's own lenient startup check, used when `/-/healthz` is off:
/// one attempt, answered within this many seconds.
pub const LENIENT_PROBE_SECONDS: u32 = 240;
/// Failed `/-/healthz` checks in a row before a probe gives up.
pub const HEALTHZ_FAILURE_THRESHOLD: u32 = 3;

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    let env = ctx.env;
    let scaling = env.instances.scaling.as_ref();
    let mut template = Blk::new("template")
        .set("service_account", ctx.remote("iam", OUTPUT_WORKLOAD_ACCOUNT))
        .set_opt("max_instance_request_concurrency", scaling.map(|sc| n(sc.concurrency)))
        .set("timeout", s(REQUEST_TIMEOUT))
        .set_opt("execution_environment", execution_environment(ctx));
    if let Some(sc) = scaling {
        template = template
            .block(Blk::new("scaling").set("min_instance_count", n(sc.min)).set("max_instance_count", n(sc.max)));
    }
    if let Some(vpc) = vpc_access(parts) {
        template = template.block(vpc);
    }
    let template = template.blocks(workload(ctx, parts, env.health_probes.as_ref()));

    let mut service = Blk::resource("google_cloud_run_v2_service", "service")
        .set("project", s(ctx.project_id()))
        .set("name", s(ctx.cloud_run_name()))
        .set("location", s(ctx.region()))
        // Only the load balancer in front of a domain reaches the service.
        .set("ingress", s("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"))
        .set("deletion_protection", b(!env.allow_destroys))
        .set("labels", ctx.labels())
        .block(template)
        .block(Blk::new("traffic").set("type", s("TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST")).set("percent", n(100)));
    if !parts.depends_on.is_empty() {
        service = service.set("depends_on", list(parts.depends_on.iter().map(|d| r(d.clone()))));
    }
    if ctx.deploys_by_rollout() {
        // Cloud Deploy owns the image once the first revision exists.
        service = service.lifecycle(
            Blk::new("lifecycle")
                .set("ignore_changes", list([r("template[0].containers[0].image"), r("client"), r("client_version")])),
        );
    }
    parts.add(service);

    let member = match env.authentication {
        Authentication::Public => Some("allUsers".to_string()),
        Authentication::Organization => ctx.platform.organization_domain.as_ref().map(|d| format!("domain:{d}")),
        Authentication::Restricted => None,
    };
    if let Some(member) = member {
        parts.add(
            Blk::resource("google_cloud_run_v2_service_iam_member", "invoker")
                .set("project", r(format!("{SERVICE}.project")))
                .set("location", r(format!("{SERVICE}.location")))
                .set("name", r(format!("{SERVICE}.name")))
                .set("role", s("roles/run.invoker"))
                .set("member", s(member)),
        );
    }
}

pub fn execution_environment(ctx: &Ctx<'_>) -> Option<Expr> {
    ctx.env.instances.generation.map(|g| {
        s(match g {
            Generation::Gen1 => "EXECUTION_ENVIRONMENT_GEN1",
            Generation::Gen2 => "EXECUTION_ENVIRONMENT_GEN2",
        })
    })
}

/// Direct VPC egress into the private network, for private ranges only.
pub fn vpc_access(parts: &Parts) -> Option<Blk> {
    let (network, subnetwork) = parts.vpc.clone()?;
    Some(
        Blk::new("vpc_access")
            .set("egress", s("PRIVATE_RANGES_ONLY"))
            .block(Blk::new("network_interfaces").set("network", network).set("subnetwork", subnetwork)),
    )
}

/// The one container and the secret volumes it mounts.
pub fn workload(ctx: &Ctx<'_>, parts: &Parts, probes: Option<&HealthProbes>) -> Vec<Blk> {
    let mut out = vec![container(ctx, parts, probes)];
    out.extend(volumes(parts));
    out
}

/// The container: image, port, limits, environment, secret files, and
/// (services only) probes.
fn container(ctx: &Ctx<'_>, parts: &Parts, probes: Option<&HealthProbes>) -> Blk {
    let inst = &ctx.env.instances;
    let port_name = match ctx.service.protocol {
        Protocol::H2c => "h2c",
        Protocol::Http1 => "http1",
    };
    let mut c = Blk::new("containers")
        .set("name", s(ctx.id()))
        .set("image", ctx.image())
        .block(Blk::new("ports").set("container_port", n(PORT)).set("name", s(port_name)))
        .block(
            Blk::new("resources")
                .set("limits", obj([("cpu", s(inst.cpu.to_string())), ("memory", s(memory(inst.memory_mib)))])),
        );

    // Plain and secret variables together, sorted by name.
    let mut names: Vec<&String> = parts.env.keys().chain(parts.secret_env.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let e = Blk::new("env").set("name", s(name.clone()));
        let e = match (parts.secret_env.get(name), parts.env.get(name)) {
            (Some(secret), _) => e.block(
                Blk::new("value_source")
                    .block(secret_name(Blk::new("secret_key_ref"), &secret.secret).set("version", secret.version())),
            ),
            (None, Some(value)) => e.set("value", value.clone()),
            (None, None) => continue,
        };
        c = c.block(e);
    }

    for v in &parts.volumes {
        c = c.block(Blk::new("volume_mounts").set("name", s(v.name.clone())).set("mount_path", s(v.mount_dir.clone())));
    }

    if let Some(p) = probes {
        c = match &p.healthz {
            Some(h) => c
                .block(healthz_probe("startup_probe", h.timeout_seconds, h.startup_interval_seconds))
                .block(healthz_probe("liveness_probe", h.timeout_seconds, h.liveness_interval_seconds)),
            None => c.block(
                Blk::new("startup_probe")
                    .set("initial_delay_seconds", n(0))
                    .set("timeout_seconds", n(LENIENT_PROBE_SECONDS))
                    .set("period_seconds", n(LENIENT_PROBE_SECONDS))
                    .set("failure_threshold", n(1))
                    .block(Blk::new("http_get").set("path", s("/"))),
            ),
        };
    }
    c
}

/// `GET /-/healthz` with the diagnostics secret as bearer token (the
/// runtime contract: the endpoint answers only callers holding it).
fn healthz_probe(kind: &str, timeout_seconds: u64, period_seconds: u64) -> Blk {
    Blk::new(kind)
        .set("initial_delay_seconds", n(0))
        .set("timeout_seconds", n(secs(timeout_seconds)))
        .set("period_seconds", n(secs(period_seconds)))
        .set("failure_threshold", n(HEALTHZ_FAILURE_THRESHOLD))
        .block(
            Blk::new("http_get").set("path", s("/-/healthz")).block(
                Blk::new("http_headers")
                    .set("name", s("Authorization"))
                    .set("value", tpl([lit("Bearer "), rf("random_id.diagnostics_secret.hex")])),
            ),
        )
}

/// One secret volume per mounted file.
fn volumes(parts: &Parts) -> Vec<Blk> {
    parts
        .volumes
        .iter()
        .map(|v| {
            Blk::new("volumes").set("name", s(v.name.clone())).block(
                secret_name(Blk::new("secret"), &v.secret.secret).set("default_mode", n(SECRET_FILE_MODE)).block(
                    Blk::new("items")
                        .set("path", s(v.file.clone()))
                        .set("version", v.secret.version())
                        .set("mode", n(SECRET_FILE_MODE)),
                ),
            )
        })
        .collect()
}

/// `secret = <name>`. A literal name can look like a credential to secret
/// scanners; it is only a Secret Manager secret's name, so the scanner's
/// check is skipped on that line.
fn secret_name(blk: Blk, secret: &Expr) -> Blk {
    match secret {
        Expr::Str(_) => blk.comment("checkov:skip=CKV_SECRET_6:the name of a Secret Manager secret, not its value"),
        _ => blk,
    }
    .set("secret", secret.clone())
}

/// `512Mi`, or `2Gi` when it is whole gibibytes.
fn memory(mib: u64) -> String {
    if mib.is_multiple_of(1024) { format!("{}Gi", mib / 1024) } else { format!("{mib}Mi") }
}

fn secs(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
