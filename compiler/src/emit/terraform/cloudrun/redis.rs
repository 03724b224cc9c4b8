//! Memorystore Redis (reference 2.4 "Redis"): AUTH and TLS on, daily RDB
//! snapshots, reachable only from the private network. The container gets
//! the server's CA as a file and `REDIS_ENDPOINT` from Secret Manager: the
//! endpoint holds the AUTH string, so it never becomes a plain variable.

use super::{Parts, SecretSource, SecretVolume};
use crate::emit::terraform::ctx::Ctx;
use crate::emit::terraform::hcl::{Blk, Expr, b, lit, n, r, rf, s, tpl};

const INSTANCE: &str = "google_redis_instance.redis";
/// Where the CA certificate is mounted; added to `SSL_CERT_DIR`.
pub const CUSTOM_CERTS_DIR: &str = "/etc/ssl/custom-certs";

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    let Some(redis) = &ctx.env.redis else { return };
    let project = s(ctx.project_id());

    parts.add(
        Blk::resource("google_redis_instance", "redis")
            .set("project", project.clone())
            .set("region", s(ctx.region()))
            .set("name", s(ctx.redis_instance_name()))
            .set("display_name", s(ctx.display_name()))
            .set("tier", s(if redis.high_availability { "STANDARD_HA" } else { "BASIC" }))
            .set("memory_size_gb", n(i64::try_from(redis.memory_gb).unwrap_or(i64::MAX)))
            .set("auth_enabled", b(true))
            .set("transit_encryption_mode", s("SERVER_AUTHENTICATION"))
            .set("authorized_network", r(format!("{}.id", super::network::NETWORK)))
            .set("labels", ctx.labels())
            .set("deletion_protection", b(!ctx.env.allow_destroys))
            .block(
                Blk::new("persistence_config")
                    .set("persistence_mode", s("RDB"))
                    .set("rdb_snapshot_period", s("TWENTY_FOUR_HOURS")),
            )
            .lifecycle(Blk::new("lifecycle").set("create_before_destroy", b(true))),
    );

    // The server certificate is signed by a per-instance CA that clients must trust.
    secret(ctx, parts, "redis_ca_cert", "REDIS_CA_CERT", r(format!("{INSTANCE}.server_ca_certs[0].cert")));
    parts.volumes.push(SecretVolume {
        name: "redis-ca-cert".into(),
        mount_dir: CUSTOM_CERTS_DIR.into(),
        file: "redis-ca-cert.pem".into(),
        secret: pinned("redis_ca_cert"),
    });
    parts.env.insert("SSL_CERT_DIR".into(), s(format!("/etc/ssl/certs:{CUSTOM_CERTS_DIR}")));

    secret(
        ctx,
        parts,
        "redis_endpoint",
        "REDIS_ENDPOINT",
        tpl([
            lit("rediss://:"),
            rf(format!("{INSTANCE}.auth_string")),
            lit("@"),
            rf(format!("{INSTANCE}.host")),
            lit(":"),
            rf(format!("{INSTANCE}.port")),
        ]),
    );
    parts.secret_env.insert("REDIS_ENDPOINT".into(), pinned("redis_endpoint"));
}

/// A Secret Manager secret in the environment's project holding a value
/// Terraform computes (it lives in state, never in the generated files).
fn secret(ctx: &Ctx<'_>, parts: &mut Parts, name: &str, secret_id: &str, value: Expr) {
    parts.add(
        Blk::resource("google_secret_manager_secret", name)
            .set("project", s(ctx.project_id()))
            .set("secret_id", s(secret_id))
            .set("labels", ctx.labels())
            .block(Blk::new("replication").block(Blk::new("auto"))),
    );
    parts.add(
        Blk::resource("google_secret_manager_secret_version", name)
            .set("secret", r(format!("google_secret_manager_secret.{name}.id")))
            .set("secret_data", value),
    );
}

/// The secret at the version this stack wrote.
fn pinned(name: &str) -> SecretSource {
    SecretSource {
        secret: r(format!("google_secret_manager_secret.{name}.secret_id")),
        version: Some(r(format!("google_secret_manager_secret_version.{name}.version"))),
    }
}
