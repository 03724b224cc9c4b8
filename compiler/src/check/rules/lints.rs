//! Lints: legal but probably wrong or risky (W codes). Each explains the risk.

use super::{RuleCtx, diag, env_path};
use crate::check::spec::Domain;
use crate::diagnostics::Code;
use crate::ir::image::registry_image;
use crate::ir::{Category, Deploy};

/// Key names that usually hold credentials.
const SECRET_KEY_WORDS: &[&str] =
    &["SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"];
/// Prefixes of well-known credential formats.
const SECRET_PREFIXES: &[&str] =
    &["ghp_", "gho_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "sk_live_", "sk-", "AKIA", "AIza", "-----BEGIN"];

pub fn looks_like_secret(key: &str, value: &str) -> bool {
    let upper = key.to_uppercase();
    let named = SECRET_KEY_WORDS.iter().any(|w| upper.contains(w));
    let prefixed = SECRET_PREFIXES.iter().any(|p| value.starts_with(p));
    // A long run of mixed letters and digits, with no spaces or URL syntax.
    // Paths (`projects/p/locations/global/…`) are long and mixed too, but they
    // have more than one `/`-separated word; base64 rarely does.
    let path_like = value.split('/').filter(|w| w.len() >= 3).count() >= 2;
    let opaque = value.len() >= 24
        && !path_like
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c))
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_uppercase())
        && value.chars().any(|c| c.is_ascii_lowercase());
    let plain_word = !value.contains("${") && !value.contains("://") && !value.contains(' ');
    prefixed || opaque || (named && plain_word && value.len() >= 8)
}

pub fn check(ctx: &mut RuleCtx<'_>) {
    let service = ctx.kind == crate::syntax::DeclKind::Service;
    let mut production_without_page = None;
    for (env, e) in ctx.envs() {
        let prod = e.category.is_production();
        let label = ctx.env_label(env);
        if !prod && matches!(env.as_str(), "prod" | "production" | "prd") {
            ctx.emit(
                diag(
                    Code::ProductionTestCategory,
                    ctx.at(&env_path(env, "category")),
                    format!("environment `{env}` looks like production but has category `test`"),
                )
                .with_label("category `test`")
                .with_help("use `internal` or `external` so it gets production folders, paging and access rules"),
            );
        }
        if prod && e.alerting.opsgenie == Some(false) {
            ctx.emit(
                diag(
                    Code::PagingDisabled,
                    ctx.at(&env_path(env, "alerting.opsgenie")),
                    format!("production environment `{env}` does not page anyone"),
                )
                .with_label("paging off")
                .with_help("critical alerts will only reach chat; remove this unless paging is handled elsewhere"),
            );
        }
        if service && e.category == Category::External && e.instances.scaling.as_ref().is_some_and(|s| s.min == 0) {
            ctx.emit(
                diag(
                    Code::ScaleToZeroExternal,
                    ctx.at(&env_path(env, "instances.scaling.min")),
                    format!("external environment `{env}` may scale to zero instances"),
                )
                .with_label("min = 0")
                .with_help("set `instances = { scaling = { min = 1 } }` so customers never wait for a cold start"),
            );
        }
        for (k, v) in &e.env {
            if looks_like_secret(k, v) {
                ctx.emit(
                    diag(
                        Code::SecretInEnv,
                        ctx.at(&env_path(env, &format!("env.{k}"))),
                        format!("`{k}` looks like a secret in plain `env`"),
                    )
                    .with_label("visible to anyone who can read the spec or the service")
                    .with_help(format!("store it in Secret Manager and use `secret_env = {{ {k} = secret(\"…\") }}`")),
                );
            }
        }
        if prod && ctx.spec.handbook_page.is_none() && !ctx.failed("handbook_page") && production_without_page.is_none()
        {
            production_without_page = Some((env, label));
        }
        if prod && e.allow_destroys {
            ctx.emit(
                diag(
                    Code::DestroysAllowed,
                    ctx.at(&env_path(env, "allow_destroys")),
                    format!("production environment `{env}` allows destroying its resources"),
                )
                .with_label("deletion guards off")
                .with_help("set this only while tearing the environment down on purpose"),
            );
        }
        if service && prod && e.health_probes.is_none() {
            ctx.emit(
                diag(Code::NoHealthProbes, label, format!("production environment `{env}` has no health probes"))
                    .with_label("no `health_probes`")
                    .with_help("add `health_probes = {}` to probe `/-/healthz`, so broken revisions are not served"),
            );
        }
        if let Some(Domain::Cloudflare { proxied: false, .. }) = &e.domain
            && prod
        {
            ctx.emit(
                diag(
                    Code::UnproxiedDomain,
                    ctx.at(&env_path(env, "domain.proxied")),
                    format!("production domain of `{env}` bypasses Cloudflare"),
                )
                .with_label("proxied = false")
                .with_help("without the proxy there is no WAF and no Cloud Armor policy in front of the service"),
            );
        }
        if let Deploy::Subscription { tag } = &e.deploy
            && !ctx.failed("image")
            && registry_image(&ctx.spec.image).is_none()
        {
            ctx.emit(
                diag(
                    Code::SubscriptionRegistry,
                    ctx.at(&env_path(env, "deploy")),
                    format!("`{}` is not in Artifact Registry, so `{tag}` cannot be followed", ctx.spec.image),
                )
                .with_label("new images under this tag will not roll out")
                .with_help(
                    "push the image to Artifact Registry (`<location>-docker.pkg.dev/<project>/<repository>/<name>`) \
                     or Container Registry (`gcr.io/<project>/<name>`), whose digests a plan can look up; \
                     or deploy a fixed tag with `manual`",
                ),
            );
        }
        if e.category == Category::External && e.postgres.as_ref().is_some_and(|p| !p.high_availability) {
            ctx.emit(
                diag(
                    Code::SingleZoneDatabase,
                    ctx.key_at(&env_path(env, "postgres")),
                    format!("external environment `{env}` has a single-zone database"),
                )
                .with_label("no high availability")
                .with_help("set `high_availability = true` for a regional instance with point-in-time recovery"),
            );
        }
    }
    if let Some((env, _)) = production_without_page {
        ctx.emit(
            diag(
                Code::MissingHandbookPage,
                ctx.decl_span,
                format!("`{}` has production environment `{env}` but no handbook page", ctx.spec.id),
            )
            .with_label("no `handbook_page`")
            .with_help("add `handbook_page = \"https://…\"` so on-call engineers find its runbook"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_secret;

    #[test]
    fn secrets() {
        assert!(looks_like_secret("GITHUB", "ghp_abcdefghijklmnop"));
        assert!(looks_like_secret("API_TOKEN", "abcdefgh12"));
        assert!(looks_like_secret("X", "aZ3kLm9QpR2sT5vW8yB1cD4f"));
        assert!(!looks_like_secret("SRC_LOG_LEVEL", "info"));
        assert!(!looks_like_secret("EXTERNAL_URL", "https://${environment.dns_name}"));
        assert!(!looks_like_secret("TOKEN_ISSUER", "https://accounts.google.com"));
        assert!(!looks_like_secret("KEYRING", "projects/Sams-prod-1a2b/locations/global/keyRings/sams"));
    }
}
