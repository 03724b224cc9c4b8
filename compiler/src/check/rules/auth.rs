//! `authentication = organization` needs the organisation's domain.

use super::{RuleCtx, diag, env_path};
use crate::diagnostics::Code;
use crate::ir::Authentication;

pub fn check(ctx: &mut RuleCtx<'_>) {
    let has_domain = ctx.platform.is_none_or(|p| p.organization_domain.is_some());
    if has_domain {
        return;
    }
    let envs = ctx.envs().filter(|(_, e)| e.authentication == Some(Authentication::Organization));
    for (env, _) in envs {
        ctx.emit(
            diag(
                Code::OrganizationAuth,
                ctx.at(&env_path(env, "authentication")),
                "`organization` authentication needs the organisation's domain",
            )
            .with_label("no organisation domain is configured")
            .with_help("set `organization_domain = \"example.com\"` in `platform.msp`"),
        );
    }
}
