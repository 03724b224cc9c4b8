//! Deploy types and the rollout pipeline must agree (both directions), and
//! jobs cannot be rolled out.

use super::{RuleCtx, diag, env_path};
use crate::diagnostics::Code;
use crate::ir::Deploy;
use crate::syntax::DeclKind;

pub fn check(ctx: &mut RuleCtx<'_>) {
    if ctx.failed("rollout") {
        return; // its own errors are reported; its stages are unknown
    }
    let spec = ctx.spec;
    let stages: &[String] = spec.rollout.as_ref().map_or(&[], |r| &r.stages);
    let envs: Vec<(&String, bool)> = ctx.envs().map(|(k, e)| (k, matches!(e.deploy, Deploy::Rollout))).collect();
    for &(env, is_rollout) in &envs {
        let deploy_at = ctx.at(&env_path(env, "deploy"));
        if is_rollout && ctx.kind == DeclKind::Job {
            ctx.emit(
                diag(Code::RolloutInJob, deploy_at, "jobs cannot be deployed by `rollout`")
                    .with_label("not for jobs")
                    .with_help("use `deploy = manual { tag = \"…\" }` or `subscription { tag = \"…\" }`"),
            );
            continue;
        }
        if is_rollout && !stages.contains(env) {
            let d = diag(
                Code::RolloutStageMissing,
                deploy_at,
                format!("environment `{env}` deploys by rollout but is not a rollout stage"),
            )
            .with_label("deployed by rollout")
            .with_secondary(ctx.env_label(env), format!("environment `{env}`"));
            let d = match ctx.spans.key("rollout") {
                Some(r) => d
                    .with_secondary(r, "the pipeline's stages are set here")
                    .with_help(format!("add `{env}` to `rollout.stages`")),
                None => d.with_help(format!("add `rollout {{ stages = [{env}] }}` to the service")),
            };
            ctx.emit(d);
        }
    }
    for (i, stage) in stages.iter().enumerate() {
        if envs.iter().any(|&(e, r)| e == stage && !r) {
            let at = ctx.at(&format!("rollout.stages[{i}]"));
            ctx.emit(
                diag(Code::RolloutStageDeploy, at, format!("rollout stage `{stage}` does not deploy by rollout"))
                    .with_label("not deployed by rollout")
                    .with_secondary(ctx.at(&env_path(stage, "deploy")), "its deploy type")
                    .with_help(format!(
                        "set `deploy = rollout` in environment `{stage}`, or remove it from the stages"
                    )),
            );
        }
    }
}
