//! The `cloudrun` stack: the Cloud Run service or job and everything it
//! runs with (reference 2.4). Each feature module adds its resources to
//! `Parts`, with the environment variables, secrets, volumes and providers
//! the container needs; `service`/`job` then build the Cloud Run resource
//! from them.

mod bigquery;
mod cloudsql;
mod domain;
mod job;
mod network;
mod redis;
mod rollout;
mod sentry;
mod service;

pub(crate) use service::{HEALTHZ_FAILURE_THRESHOLD, LENIENT_PROBE_SECONDS};

use std::collections::{BTreeMap, BTreeSet};

use super::Stack;
use super::ctx::{Ctx, secret_path};
use super::hcl::{Blk, Expr, File, call, lit, n, r, rf, s, tpl};
use super::providers::{Provider, provider_blocks, terraform_block};

/// A secret an environment variable or volume reads.
#[derive(Clone, Debug)]
pub struct SecretSource {
    /// The secret's id (`NAME`) or full path (`projects/p/secrets/NAME`).
    pub secret: Expr,
    /// `None`: the latest version, as users' secrets are always read. Secrets
    /// this stack writes pin the version it created, so that a new value
    /// rolls out a new revision.
    pub version: Option<Expr>,
}

impl SecretSource {
    pub fn latest(secret: Expr) -> SecretSource {
        SecretSource { secret, version: None }
    }

    /// The version to read: pinned, or `latest`.
    pub fn version(&self) -> Expr {
        self.version.clone().unwrap_or_else(|| s("latest"))
    }
}

/// A secret mounted as a read-only file.
#[derive(Clone, Debug)]
pub struct SecretVolume {
    pub name: String,
    /// The folder the file appears in.
    pub mount_dir: String,
    /// The file's name in that folder.
    pub file: String,
    pub secret: SecretSource,
}

/// What the feature modules contribute to the stack.
#[derive(Default)]
pub struct Parts {
    pub providers: BTreeSet<Provider>,
    /// Resources and data sources, in the order added.
    pub blocks: Vec<Blk>,
    /// Environment variables the platform injects.
    pub env: BTreeMap<String, Expr>,
    /// Environment variables read from Secret Manager.
    pub secret_env: BTreeMap<String, SecretSource>,
    pub volumes: Vec<SecretVolume>,
    /// Extra files beside `main.tf` (name, contents).
    pub files: Vec<(String, String)>,
    /// Resources the Cloud Run resource must wait for.
    pub depends_on: Vec<String>,
    /// Direct VPC egress: (network, subnetwork) references.
    pub vpc: Option<(Expr, Expr)>,
    /// Outputs of the stack: (name, value).
    pub outputs: Vec<(String, Expr)>,
}

impl Parts {
    pub fn add(&mut self, b: Blk) {
        self.blocks.push(b);
    }
}

pub fn build(ctx: &Ctx<'_>) -> Stack {
    let mut parts = Parts::default();
    parts.providers.extend([Provider::Google, Provider::GoogleBeta, Provider::Random]);
    parts.add(ctx.remote_state("iam"));
    parts.add(
        Blk::labeled("variable", &["image_tag"])
            .set("type", r("string"))
            .set("description", s("The image tag to deploy (for `subscription`, the tag followed, resolved to its digest at plan time; owned by Cloud Deploy for `rollout`)."))
            .set("default", s(default_image_tag(ctx))),
    );
    if let Some(image) = ctx.followed_image() {
        parts.add(
            Blk::data("google_artifact_registry_docker_image", "image")
                .comment(
                    "The image the tag names when the plan runs: pushing a new one under the tag changes the plan.",
                )
                .set("project", s(image.project))
                .set("location", s(image.location))
                .set("repository_id", s(image.repository))
                .set("image_name", tpl([lit(format!("{}:", image.name)), rf("var.image_tag")])),
        );
        // `name` ends with `<image>@sha256:<digest>`.
        let digest = call(
            "element",
            [call("split", [s("@"), r("data.google_artifact_registry_docker_image.image.name")]), n(1)],
        );
        parts.add(Blk::new("locals").set("image_digest", digest));
    }
    parts.add(Blk::resource("random_id", "diagnostics_secret").set("byte_length", n(8)));
    // The monitoring stack's uptime check sends it as a bearer token. Sensitive,
    // and not mirrored into Secret Manager like the other outputs.
    parts.add(
        Blk::labeled("output", &["diagnostics_secret"])
            .set("value", r("random_id.diagnostics_secret.hex"))
            .set("sensitive", super::hcl::b(true)),
    );
    base_env(ctx, &mut parts);

    network::add(ctx, &mut parts);
    redis::add(ctx, &mut parts);
    cloudsql::add(ctx, &mut parts);
    bigquery::add(ctx, &mut parts);
    sentry::add(ctx, &mut parts);
    user_env(ctx, &mut parts);
    // Everything the container needs is in `parts` by now; the modules
    // after it only refer to the Cloud Run resource.
    if ctx.is_job() {
        job::add(ctx, &mut parts);
    } else {
        service::add(ctx, &mut parts);
        domain::add(ctx, &mut parts);
        rollout::add(ctx, &mut parts);
    }

    let providers: Vec<Provider> = parts.providers.iter().copied().collect();
    let mut f = File::new();
    f.add(terraform_block(ctx, "cloudrun", &providers));
    f.extend(provider_blocks(ctx, &providers));
    f.extend(std::mem::take(&mut parts.blocks));
    for (name, value) in std::mem::take(&mut parts.outputs) {
        f.extend(super::outputs::output(ctx, "cloudrun", &name, value, None));
    }
    Stack { main: f, extra: parts.files }
}

/// The tag deployed before anything else sets `var.image_tag`.
fn default_image_tag(ctx: &Ctx<'_>) -> String {
    match &ctx.env.deploy {
        crate::ir::Deploy::Manual { tag } | crate::ir::Deploy::Subscription { tag } => tag.clone(),
        crate::ir::Deploy::Rollout => {
            ctx.service.rollout.as_ref().map_or_else(|| "insiders".to_string(), |r| r.initial_image_tag.clone())
        }
    }
}

/// Variables every container gets (reference 1.8).
fn base_env(ctx: &Ctx<'_>, parts: &mut Parts) {
    parts.env.insert("GOOGLE_CLOUD_PROJECT".into(), s(ctx.project_id()));
    parts.env.insert("ENVIRONMENT_ID".into(), s(ctx.env_id()));
    parts.env.insert("MSP".into(), s("true"));
    parts.env.insert("DIAGNOSTICS_SECRET".into(), r("random_id.diagnostics_secret.hex"));
    parts.env.insert("SSL_CERT_DIR".into(), s("/etc/ssl/certs"));
    if let Some(d) = &ctx.env.domain {
        parts.env.insert("EXTERNAL_DNS_NAME".into(), s(d.dns_name.clone()));
    }
}

/// The spec's own `env` and `secret_env`, and `secret_volumes`.
fn user_env(ctx: &Ctx<'_>, parts: &mut Parts) {
    for (k, v) in &ctx.env.env {
        parts.env.insert(k.clone(), s(v.clone()));
    }
    for (k, v) in &ctx.env.secret_env {
        parts.secret_env.insert(k.clone(), secret_source(&v.project, &v.name));
    }
    for (name, v) in &ctx.env.secret_volumes {
        let (dir, file) = v.mount_path.rsplit_once('/').unwrap_or(("/", v.mount_path.as_str()));
        parts.volumes.push(SecretVolume {
            name: name.clone(),
            mount_dir: if dir.is_empty() { "/".into() } else { dir.into() },
            file: file.into(),
            secret: secret_source(&v.secret.project, &v.secret.name),
        });
    }
}

fn secret_source(project: &Option<String>, name: &str) -> SecretSource {
    let secret = match project {
        Some(p) => s(secret_path(p, name)),
        None => s(name),
    };
    SecretSource::latest(secret)
}
