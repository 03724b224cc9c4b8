//! Secret references, secret volume paths, and clashes between env variables.

use super::{RuleCtx, diag, env_path};
use crate::diagnostics::Code;
use crate::ir::SecretRef;

/// Parses `name` or `projects/<project>/secrets/<name>` (reference 1.8).
pub fn parse_secret(s: &str) -> Result<SecretRef, (String, Option<String>)> {
    if s.contains("/versions/") {
        return Err((
            "secret references cannot name a version".into(),
            Some("the latest version is always used: drop `/versions/…`".into()),
        ));
    }
    if let Some(rest) = s.strip_prefix("project/") {
        return Err(("`project/` is not a valid prefix".into(), Some(format!("did you mean `projects/{rest}`?"))));
    }
    if s.starts_with("projects/") {
        let parts: Vec<&str> = s.split('/').collect();
        if parts.len() != 4 || parts[2] != "secrets" || parts[1].is_empty() || parts[3].is_empty() {
            return Err(("a cross-project secret must be `projects/<project>/secrets/<name>`".into(), None));
        }
        return Ok(SecretRef { project: Some(parts[1].into()), name: parts[3].into() });
    }
    if s.is_empty() || s.contains('/') || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err((
            format!("`{s}` is not a secret name"),
            Some("secret names use letters, digits, `_` and `-`; other projects' secrets are `projects/<p>/secrets/<name>`".into()),
        ));
    }
    Ok(SecretRef { project: None, name: s.into() })
}

/// Variables the platform sets itself; setting them is a mistake.
pub const RESERVED_ENV: &[&str] = &[
    "PORT",
    "K_SERVICE",
    "K_REVISION",
    "K_CONFIGURATION",
    "CLOUD_RUN_JOB",
    "CLOUD_RUN_EXECUTION",
    "CLOUD_RUN_TASK_INDEX",
    "CLOUD_RUN_TASK_ATTEMPT",
    "CLOUD_RUN_TASK_COUNT",
    "GOOGLE_CLOUD_PROJECT",
    "DIAGNOSTICS_SECRET",
    "ENVIRONMENT_ID",
    "MSP",
    "EXTERNAL_DNS_NAME",
    "REDIS_ENDPOINT",
    "PGINSTANCE",
    "PGUSER",
    "BIGQUERY_PROJECT_ID",
    "BIGQUERY_DATASET_ID",
    "SENTRY_DSN",
    "SSL_CERT_DIR",
    "JOB_EXECUTION_CRON_SCHEDULE",
    "JOB_EXECUTION_DEADLINE",
];

pub fn check(ctx: &mut RuleCtx<'_>) {
    for (env, e) in ctx.envs() {
        let secrets = e.secret_env.iter().map(|(k, v)| (format!("secret_env.{k}"), v));
        let volumes = e.secret_volumes.iter().map(|(k, v)| (format!("secret_volumes.{k}.secret"), &v.secret));
        for (path, value) in secrets.chain(volumes) {
            if let Err((msg, help)) = parse_secret(value) {
                let at = ctx.at(&env_path(env, &path));
                ctx.emit(
                    diag(Code::SecretReference, at, msg).with_label("invalid secret reference").with_help_opt(help),
                );
            }
        }
        for (name, volume) in &e.secret_volumes {
            let mount = &volume.mount_path;
            let ok = mount.starts_with('/')
                && !mount.ends_with('/')
                && mount.rsplit_once('/').is_some_and(|(dir, file)| !dir.is_empty() && !file.is_empty())
                && !mount.split('/').any(|seg| seg == "." || seg == "..");
            if !ok {
                let at = ctx.at(&env_path(env, &format!("secret_volumes.{name}.mount_path")));
                ctx.emit(
                    diag(Code::MountPath, at, format!("`{mount}` is not an absolute path to a file in a folder"))
                        .with_label("invalid mount path")
                        .with_help("write a path like `/etc/secrets/credentials.json`"),
                );
            }
        }
        for key in e.env.keys().chain(e.secret_env.keys()) {
            let is_secret = e.secret_env.contains_key(key) && !e.env.contains_key(key);
            let path = if is_secret { format!("secret_env.{key}") } else { format!("env.{key}") };
            if RESERVED_ENV.contains(&key.as_str()) {
                ctx.emit(
                    diag(
                        Code::EnvConflict,
                        ctx.key_at(&env_path(env, &path)),
                        format!("`{key}` is set by the platform"),
                    )
                    .with_label("reserved variable")
                    .with_help("choose another name; the platform sets this one itself"),
                );
            }
        }
        for key in e.env.keys().filter(|k| e.secret_env.contains_key(*k)) {
            ctx.emit(
                diag(
                    Code::EnvConflict,
                    ctx.key_at(&env_path(env, &format!("secret_env.{key}"))),
                    format!("`{key}` is set in both `env` and `secret_env`"),
                )
                .with_label("set again here")
                .with_secondary(ctx.key_at(&env_path(env, &format!("env.{key}"))), "set in `env` here")
                .with_help("keep one of them"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_secret("api-token").unwrap(), SecretRef { project: None, name: "api-token".into() });
        assert_eq!(parse_secret("projects/p/secrets/s").unwrap().project.as_deref(), Some("p"));
        assert!(parse_secret("project/p/secrets/s").unwrap_err().1.unwrap().contains("projects/p/secrets/s"));
        assert!(parse_secret("projects/p/secrets/s/versions/1").is_err());
        assert!(parse_secret("projects/p/s").is_err());
        assert!(parse_secret("a/b").is_err());
    }
}
