//! Providers: pinned versions, configuration, and where their credentials
//! come from (Secret Manager in the platform's secrets project, read at plan
//! time; never written into generated files).

use super::ctx::Ctx;
use super::hcl::{Blk, Expr, obj, r, s};
use crate::ir::Platform;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    Google,
    GoogleBeta,
    Random,
    Cloudflare,
    Postgresql,
    Sentry,
    Opsgenie,
    Slack,
    Tfe,
}

impl Provider {
    pub fn local_name(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::GoogleBeta => "google-beta",
            Provider::Random => "random",
            Provider::Cloudflare => "cloudflare",
            Provider::Postgresql => "postgresql",
            Provider::Sentry => "sentry",
            Provider::Opsgenie => "opsgenie",
            Provider::Slack => "slack",
            Provider::Tfe => "tfe",
        }
    }

    /// Source and exact version. Versions are pinned so a generated module
    /// plans the same way until mspc changes them on purpose.
    pub fn source_version(self) -> (&'static str, &'static str) {
        match self {
            Provider::Google => ("hashicorp/google", "8.7.0"),
            Provider::GoogleBeta => ("hashicorp/google-beta", "8.7.0"),
            Provider::Random => ("hashicorp/random", "3.9.1"),
            Provider::Cloudflare => ("cloudflare/cloudflare", "5.28.0"),
            Provider::Postgresql => ("cyrilgdn/postgresql", "1.27.0"),
            Provider::Sentry => ("jianyuan/sentry", "0.14.5"),
            Provider::Opsgenie => ("opsgenie/opsgenie", "0.6.37"),
            Provider::Slack => ("pablovarela/slack", "1.2.2"),
            Provider::Tfe => ("hashicorp/tfe", "0.71.0"),
        }
    }
}

/// `terraform { required_version, cloud, required_providers }` for a stack.
pub fn terraform_block(ctx: &Ctx<'_>, stack: &str, providers: &[Provider]) -> Blk {
    root_module_block(ctx.platform, &ctx.workspace(stack), providers)
}

/// `terraform { required_version, cloud, required_providers }` for a root
/// module applied in the Terraform Cloud workspace `workspace`.
pub fn root_module_block(platform: &Platform, workspace: &str, providers: &[Provider]) -> Blk {
    let tfc = &platform.terraform_cloud;
    let mut required = Blk::new("required_providers");
    for p in providers {
        let (source, version) = p.source_version();
        required = required.set(p.local_name(), obj([("source", s(source)), ("version", s(version))]));
    }
    Blk::new("terraform")
        .set("required_version", s(format!("~> {}", tfc.terraform_version)))
        .block(
            Blk::new("cloud")
                .set("organization", s(tfc.organization.clone()))
                .block(Blk::new("workspaces").set("name", s(workspace))),
        )
        .block(required)
}

/// A credential read from the platform's secrets project.
pub fn credential(ctx: &Ctx<'_>, name: &str, secret: &str) -> Blk {
    Blk::data("google_secret_manager_secret_version", name)
        .set("project", s(ctx.platform.secrets_project.clone()))
        .set("secret", s(secret))
}

fn credential_ref(name: &str) -> Expr {
    r(format!("data.google_secret_manager_secret_version.{name}.secret_data"))
}

/// Provider configurations, and the data sources their credentials come from.
pub fn provider_blocks(ctx: &Ctx<'_>, providers: &[Provider]) -> Vec<Blk> {
    let creds = &ctx.platform.credentials;
    let mut out = Vec::new();
    for p in providers {
        match p {
            Provider::Google | Provider::GoogleBeta => out.push(
                Blk::labeled("provider", &[p.local_name()])
                    .set("project", s(ctx.project_id()))
                    .set("region", s(ctx.region())),
            ),
            Provider::Random => {}
            Provider::Cloudflare => {
                out.push(credential(ctx, "cloudflare_api_token", &creds.cloudflare_api_token));
                out.push(
                    Blk::labeled("provider", &["cloudflare"]).set("api_token", credential_ref("cloudflare_api_token")),
                );
            }
            Provider::Sentry => {
                out.push(credential(ctx, "sentry_auth_token", &creds.sentry_auth_token));
                out.push(Blk::labeled("provider", &["sentry"]).set("token", credential_ref("sentry_auth_token")));
            }
            Provider::Opsgenie => {
                out.push(credential(ctx, "opsgenie_api_key", &creds.opsgenie_api_key));
                let api_url = ctx.platform.opsgenie.as_ref().map_or("https://api.opsgenie.com", |o| o.api_url.as_str());
                out.push(
                    Blk::labeled("provider", &["opsgenie"])
                        .set("api_key", credential_ref("opsgenie_api_key"))
                        .set("api_url", s(api_url.trim_start_matches("https://"))),
                );
            }
            Provider::Slack => {
                out.push(credential(ctx, "slack_bot_token", &creds.slack_bot_token));
                out.push(Blk::labeled("provider", &["slack"]).set("token", credential_ref("slack_bot_token")));
            }
            Provider::Tfe => {
                out.push(credential(ctx, "terraform_cloud_token", &creds.terraform_cloud_token));
                out.push(
                    Blk::labeled("provider", &["tfe"])
                        .set("organization", s(ctx.platform.terraform_cloud.organization.clone()))
                        .set("token", credential_ref("terraform_cloud_token")),
                );
            }
            // Configured by the cloudrun stack, which owns the instance it connects to.
            Provider::Postgresql => {}
        }
    }
    out
}
