//! Notification channels. Every alert goes to the environment's Slack
//! channel (and the platform's shared one); critical alerts also go to each
//! owner's Opsgenie team. The channels of each severity are the locals
//! `notifications_warning` and `notifications_critical`.

use super::super::ctx::Ctx;
use super::super::hcl::{Blk, Expr, b, list, lit, obj, r, rf, s, strs, tpl};

/// Slack allows 250 characters of topic and purpose.
const SLACK_TOPIC_MAX: usize = 250;

/// The credential the Slack provider also uses (see `providers`): the same
/// bot posts the alerts.
const SLACK_TOKEN: &str = "data.google_secret_manager_secret_version.slack_bot_token.secret_data";

pub fn blocks(ctx: &Ctx<'_>) -> Vec<Blk> {
    let mut out = Vec::new();
    let mut slack_channels: Vec<&str> = Vec::new();

    let channel = ctx.slack_channel();
    let topic = slack_topic(ctx);
    out.push(
        Blk::resource("slack_conversation", "alerts")
            .set("name", s(channel.trim_start_matches('#')))
            .set("topic", s(topic.clone()))
            .set("purpose", s(topic))
            .set("is_private", b(false))
            // The channel may exist from before MSP; take it over instead of failing.
            .set("adopt_existing_channel", b(true))
            // With the default ("kick"), adopting a channel would remove
            // everyone not listed as a permanent member.
            .set("action_on_update_permanent_members", s("none"))
            // An adopted channel was not Terraform's to archive, and its
            // history outlives the environment.
            .set("action_on_destroy", s("none")),
    );
    out.push(slack_channel(ctx, "slack", &channel).set("depends_on", list([r("slack_conversation.alerts")])));
    slack_channels.push("google_monitoring_notification_channel.slack.id");
    if let Some(shared) = &ctx.platform.slack.shared_channel {
        out.push(slack_channel(ctx, "slack_shared", shared));
        slack_channels.push("google_monitoring_notification_channel.slack_shared.id");
    }

    let mut opsgenie_channels: Vec<String> = Vec::new();
    if let Some(opsgenie) = &ctx.platform.opsgenie {
        for (i, owner) in ctx.service.owners.iter().enumerate() {
            // Owners are free text; their position names the resources.
            let name = format!("owner_{i}");
            let team_id = format!("data.opsgenie_team.{name}.id");
            out.push(Blk::data("opsgenie_team", &name).set("name", s(owner.clone())));
            // Opsgenie service names are unique per account: tell owners apart.
            let service_name = if ctx.service.owners.len() > 1 {
                format!("{} ({owner})", ctx.display_name())
            } else {
                ctx.display_name()
            };
            out.push(
                Blk::resource("opsgenie_service", &name)
                    .set("name", s(service_name))
                    .set("team_id", r(team_id.clone()))
                    .set("description", s(ctx.service.description.clone()))
                    .set("tags", strs(["msp", ctx.id(), ctx.env.category.as_str()])),
            );
            out.push(
                Blk::resource("opsgenie_api_integration", &name)
                    // Unique per team and environment.
                    .set("name", tpl([lit(format!("{}-", ctx.tfc_project())), rf(team_id.clone())]))
                    .set("type", s("GoogleStackdriver"))
                    .set("owner_team_id", r(team_id.clone()))
                    .set("enabled", b(true))
                    // Alerts still reach Opsgenie (and its history) when
                    // paging is off; they just do not notify anyone.
                    .set("suppress_notifications", b(!ctx.env.opsgenie))
                    .block(Blk::new("responders").set("type", s("team")).set("id", r(team_id))),
            );
            let resource = format!("opsgenie_{name}");
            out.push(
                Blk::resource("google_monitoring_notification_channel", &resource)
                    .set("project", s(ctx.project_id()))
                    .set("display_name", s(format!("Opsgenie - {owner}")))
                    .set("type", s("webhook_tokenauth"))
                    // The integration key can only travel in the URL: the
                    // webhook channel has no sensitive label for it.
                    .set(
                        "labels",
                        obj([(
                            "url",
                            tpl([
                                lit(format!(
                                    "{}/v1/json/googlestackdriver?apiKey=",
                                    opsgenie.api_url.trim_end_matches('/')
                                )),
                                rf(format!("opsgenie_api_integration.{name}.api_key")),
                            ]),
                        )]),
                    ),
            );
            opsgenie_channels.push(format!("google_monitoring_notification_channel.{resource}.id"));
        }
    }

    let refs = |ids: &mut dyn Iterator<Item = &str>| -> Expr { list(ids.map(r).collect::<Vec<_>>()) };
    out.push(Blk::new("locals").set("notifications_warning", refs(&mut slack_channels.iter().copied())).set(
        "notifications_critical",
        refs(&mut slack_channels.iter().copied().chain(opsgenie_channels.iter().map(String::as_str))),
    ));
    out
}

fn slack_channel(ctx: &Ctx<'_>, name: &str, channel: &str) -> Blk {
    Blk::resource("google_monitoring_notification_channel", name)
        .set("project", s(ctx.project_id()))
        .set("display_name", s(format!("Slack - {channel}")))
        .set("type", s("slack"))
        .set("labels", obj([("channel_name", s(channel))]))
        .block(Blk::new("sensitive_labels").set("auth_token", r(SLACK_TOKEN)))
}

fn slack_topic(ctx: &Ctx<'_>) -> String {
    let base = format!("Alerts from {} ({}) on the Managed Services Platform.", ctx.service.name, ctx.env_id());
    match ctx.operations_page() {
        Some(page) if base.len() + page.len() + 13 <= SLACK_TOPIC_MAX => format!("{base} Operations: {page}"),
        _ => base.chars().take(SLACK_TOPIC_MAX).collect(),
    }
}
