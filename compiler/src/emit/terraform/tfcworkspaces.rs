//! The `tfcworkspaces` stack: runs the earlier stacks in order (first applies
//! and teardowns) and reports failed runs to chat (reference 2.6).

use super::Stack;
use super::ctx::{Ctx, STACKS};
use super::hcl::{Blk, File, b, list, r, s, strs};
use super::providers::{Provider, credential, provider_blocks, terraform_block};

pub fn build(ctx: &Ctx<'_>) -> Stack {
    let tfc = &ctx.platform.terraform_cloud;
    let providers = [Provider::Google, Provider::Tfe];
    let mut f = File::new();
    f.add(terraform_block(ctx, "tfcworkspaces", &providers));
    f.extend(provider_blocks(ctx, &providers));
    let earlier = &STACKS[..STACKS.len() - 1];
    for stack in STACKS {
        f.add(
            Blk::data("tfe_workspace", stack)
                .set("name", s(ctx.workspace(stack)))
                .set("organization", s(tfc.organization.clone())),
        );
    }
    // Linear: each run waits for the one before, for applies and destroys alike.
    let settings = |name: &str| Blk::new(name).set("manual_confirm", b(false)).set("wait_for_run", b(true));
    for (i, stack) in earlier.iter().enumerate() {
        let mut run =
            Blk::resource("tfe_workspace_run", stack).set("workspace_id", r(format!("data.tfe_workspace.{stack}.id")));
        if i > 0 {
            run = run.set("depends_on", list([r(format!("tfe_workspace_run.{}", earlier[i - 1]))]));
        }
        f.add(run.block(settings("apply")).block(settings("destroy")));
    }
    // Failed runs of every workspace of the environment are reported, as
    // MSP configures each one (its own and the earlier stacks'): a failed
    // cloudrun apply is what needs telling most. This stack's own keeps the
    // address it always had.
    if let Some(channel) = &tfc.notification_channel {
        f.add(credential(ctx, "tfc_notification_webhook", &tfc.notification_webhook_secret));
        for stack in STACKS {
            let name =
                if stack == "tfcworkspaces" { "failed_runs".to_string() } else { format!("failed_runs_{stack}") };
            f.add(
                Blk::resource("tfe_notification_configuration", &name)
                    .set("name", s(channel.clone()))
                    .set("enabled", b(true))
                    .set("destination_type", s("slack"))
                    .set("url", r("data.google_secret_manager_secret_version.tfc_notification_webhook.secret_data"))
                    .set("triggers", strs(["run:errored"]))
                    .set("workspace_id", r(format!("data.tfe_workspace.{stack}.id"))),
            );
        }
    }
    Stack::main(f)
}
