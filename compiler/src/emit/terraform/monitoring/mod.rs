//! The `monitoring` stack (reference 2.5): where alerts go (Slack for every
//! alert, Opsgenie for critical ones), one alert policy per alert that
//! `emit::alerts` defines for the environment, the uptime check and
//! log-based metric some of them need, and a dashboard of them all.

mod channels;
mod dashboard;
mod policies;

use super::Stack;
use super::ctx::Ctx;
use super::hcl::File;
use super::providers::{Provider, provider_blocks, terraform_block};
use crate::emit::alerts::alerts;

pub fn build(ctx: &Ctx<'_>) -> Stack {
    let alerts = alerts(ctx.platform, ctx.service, ctx.env);
    let mut providers = vec![Provider::Google];
    if ctx.platform.opsgenie.is_some() {
        providers.push(Provider::Opsgenie);
    }
    providers.push(Provider::Slack);

    let mut f = File::new();
    f.add(terraform_block(ctx, "monitoring", &providers));
    f.extend(provider_blocks(ctx, &providers));
    f.extend(channels::blocks(ctx));
    f.extend(policies::requirements(ctx, &alerts));
    f.extend(alerts.iter().map(|a| policies::policy(ctx, a)));
    f.add(dashboard::dashboard(ctx, &alerts));
    Stack::main(f)
}
