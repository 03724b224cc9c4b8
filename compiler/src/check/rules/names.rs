//! Ids and names that become GCP and Cloud Run names: project ids, the
//! project display name, the Cloud Run resource name, and domains.

use std::collections::HashMap;

use super::{RuleCtx, diag, env_path};
use crate::check::spec::Domain;
use crate::diagnostics::Code;

pub fn check(ctx: &mut RuleCtx<'_>) {
    let id = ctx.spec.id.clone();
    let name = ctx.name().to_string();
    let mut domains: HashMap<String, (String, crate::diagnostics::Span)> = HashMap::new();
    let envs: Vec<_> = ctx.envs().map(|(k, e)| (k.clone(), e.project_id.clone(), e.region.clone(), dns(e))).collect();
    for (env, project, region, dns_name) in envs {
        let at = ctx.at(&env_path(&env, "project_id"));
        if !project.starts_with(&format!("{id}-")) {
            ctx.emit(
                diag(Code::ProjectIdPrefix, at, format!("project id `{project}` must start with `{id}-`"))
                    .with_label(format!("expected `{id}-…`"))
                    .with_help(format!("project ids are `<service>-<environment>-<suffix>`, e.g. `{id}-{env}-a1b2`")),
            );
        } else if !project.contains(&format!("-{env}-")) {
            ctx.emit(
                diag(Code::ProjectIdEnvironment, at, format!("project id `{project}` must contain `-{env}-`"))
                    .with_label(format!("missing `-{env}-`"))
                    .with_help(format!("project ids are `<service>-<environment>-<suffix>`, e.g. `{id}-{env}-a1b2`")),
            );
        }
        let display = format!("{name} - {env}");
        if display.chars().count() > 30 {
            let span = ctx.spans.value("name").unwrap_or(ctx.decl_span);
            ctx.emit(
                diag(
                    Code::DisplayNameLength,
                    span,
                    format!(
                        "the project display name `{display}` has {} characters; GCP allows 30",
                        display.chars().count()
                    ),
                )
                .with_label("too long with the environment id")
                .with_secondary(ctx.env_label(&env), format!("in environment `{env}`"))
                .with_help("shorten the service's `name`"),
            );
        }
        let run_name = format!("{id}-{env}-{region}");
        if run_name.len() > 63 {
            ctx.emit(
                diag(
                    Code::CloudRunNameLength,
                    ctx.env_label(&env),
                    format!("the Cloud Run name `{run_name}` has {} characters; the limit is 63", run_name.len()),
                )
                .with_label("too long")
                .with_help("shorten the service or environment id"),
            );
        }
        if let Some(dns_name) = dns_name {
            let span = ctx.at(&env_path(&env, "domain"));
            if let Some((first_env, first)) = domains.get(&dns_name) {
                ctx.emit(
                    diag(
                        Code::DuplicateDomain,
                        span,
                        format!("`{dns_name}` is already the domain of environment `{first_env}`"),
                    )
                    .with_label("used again here")
                    .with_secondary(*first, "first used here")
                    .with_help("each environment needs its own DNS name"),
                );
            } else {
                domains.insert(dns_name, (env.clone(), span));
            }
        }
    }
}

pub fn dns(e: &crate::check::spec::Environment) -> Option<String> {
    match &e.domain {
        Some(Domain::Cloudflare { subdomain, zone, .. }) => Some(format!("{subdomain}.{zone}")),
        _ => None,
    }
}
