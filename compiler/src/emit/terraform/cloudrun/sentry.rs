//! A Sentry project per environment and the DSN the container reports to
//! (reference 2.4 "Sentry"). Only when the platform configures Sentry.

use super::Parts;
use crate::emit::terraform::ctx::Ctx;
use crate::emit::terraform::hcl::{Blk, b, list, r, s};
use crate::emit::terraform::providers::Provider;

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    let Some(sentry) = &ctx.platform.sentry else { return };
    parts.providers.insert(Provider::Sentry);

    parts.add(Blk::data("sentry_organization", "sentry").set("slug", s(sentry.organization.clone())));
    // One shared team: owner teams may not exist in Sentry, and ownership
    // is tracked through Opsgenie instead.
    parts.add(
        Blk::data("sentry_team", "sentry")
            .set("organization", r("data.sentry_organization.sentry.slug"))
            .set("slug", s(sentry.team.clone())),
    );
    parts.add(
        Blk::resource("sentry_project", "sentry")
            .set("organization", r("data.sentry_organization.sentry.slug"))
            .set("teams", list([r("data.sentry_team.sentry.slug")]))
            .set("name", s(ctx.display_name()))
            .set("slug", s(ctx.sentry_slug()))
            // Alerting goes through the platform's channels, not Sentry's
            // default "every new issue" rule.
            .set("default_rules", b(false)),
    );
    parts.add(
        Blk::resource("sentry_key", "sentry")
            .set("organization", r("data.sentry_organization.sentry.slug"))
            .set("project", r("sentry_project.sentry.slug"))
            .set("name", s("Managed Services Platform")),
    );
    parts.env.insert("SENTRY_DSN".into(), r("sentry_key.sentry.dsn_public"));
}
