//! Ids and names that become GCP and Cloud Run names: project ids, the
//! project display name, and domains. (The Cloud Run name `<service>-<env>-<region>`
//! cannot pass 63 characters once the project id rules hold, so it needs no rule.)

use std::collections::HashMap;

use super::{RuleCtx, diag, env_path};
use crate::check::spec::Domain;
use crate::diagnostics::Code;

pub fn check(ctx: &mut RuleCtx<'_>) {
    let id = &ctx.spec.id;
    let name = ctx.name();
    let mut domains: HashMap<String, (&String, crate::diagnostics::Span)> = HashMap::new();
    for (env, e) in ctx.envs() {
        let project = &e.project_id;
        let at = ctx.at(&env_path(env, "project_id"));
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
        let display = crate::ir::display_name(name, env);
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
                .with_secondary(ctx.env_label(env), format!("in environment `{env}`"))
                .with_help("shorten the service's `name`"),
            );
        }
        if let Some(dns_name) = dns(e) {
            let span = ctx.at(&env_path(env, "domain"));
            if let Some((first_env, first)) = domains.get(&dns_name) {
                // Both from `defaults`: point at the environment, not the shared line.
                let (at, other) =
                    if *first == span { (ctx.env_label(env), "set here for both") } else { (span, "first used here") };
                let d = diag(
                    Code::DuplicateDomain,
                    at,
                    format!("`{dns_name}` is already the domain of environment `{first_env}`"),
                )
                .with_label(format!("domain of environment `{env}`"))
                .with_secondary(*first, other)
                .with_help("each environment needs its own DNS name");
                ctx.emit(d);
            } else {
                domains.insert(dns_name, (env, span));
            }
        }
    }
}

pub fn dns(e: &crate::check::spec::Environment) -> Option<String> {
    match &e.domain {
        Some(Domain::Cloudflare { subdomain, zone, .. }) => Some(crate::ir::dns_name(subdomain, zone)),
        _ => None,
    }
}
