//! What every stack needs to know about the environment it is generated for,
//! and the names derived from it (one place for each naming rule).

use super::hcl::{Blk, Expr, b, lit, obj, r, rf, s, tpl};
use crate::ir::{Deploy, Environment, Kind, Platform, Service};

pub struct Ctx<'a> {
    pub platform: &'a Platform,
    pub service: &'a Service,
    pub env: &'a Environment,
}

/// The stacks of an environment, in the order they are applied.
pub const STACKS: [&str; 5] = ["project", "iam", "cloudrun", "monitoring", "tfcworkspaces"];

impl<'a> Ctx<'a> {
    pub fn new(platform: &'a Platform, service: &'a Service, env: &'a Environment) -> Self {
        Ctx { platform, service, env }
    }

    pub fn id(&self) -> &str {
        &self.service.id
    }

    pub fn env_id(&self) -> &str {
        &self.env.id
    }

    pub fn project_id(&self) -> &str {
        &self.env.project_id
    }

    pub fn region(&self) -> &str {
        &self.env.region
    }

    pub fn is_job(&self) -> bool {
        self.service.kind == Kind::Job
    }

    /// `"<Name> - <env>"`: the project's display name, Sentry and Opsgenie names.
    pub fn display_name(&self) -> String {
        format!("{} - {}", self.service.name, self.env.id)
    }

    /// The Terraform Cloud workspace of one of this environment's stacks.
    pub fn workspace(&self, stack: &str) -> String {
        format!("{}-{}-{}-{stack}", self.platform.terraform_cloud.prefix, self.service.id, self.env.id)
    }

    /// The tag grouping this environment's workspaces.
    pub fn workspace_tag(&self) -> String {
        format!("{}-{}-{}", self.platform.terraform_cloud.prefix, self.service.id, self.env.id)
    }

    /// The Cloud Run service or job: `<service>-<env>-<region>`.
    pub fn cloud_run_name(&self) -> String {
        format!("{}-{}-{}", self.service.id, self.env.id, self.env.region)
    }

    /// The workload service account's id (`<service>-sa`).
    pub fn workload_account_id(&self) -> String {
        format!("{}-sa", self.service.id)
    }

    /// The workload service account's email, known before it exists.
    pub fn workload_email(&self) -> String {
        format!("{}@{}.iam.gserviceaccount.com", self.workload_account_id(), self.env.project_id)
    }

    /// `serviceAccount:<workload email>`
    pub fn workload_member(&self) -> Expr {
        s(format!("serviceAccount:{}", self.workload_email()))
    }

    /// The database user of an IAM service account: its email without `.gserviceaccount.com`.
    pub fn workload_db_user(&self) -> String {
        format!("{}@{}.iam", self.workload_account_id(), self.env.project_id)
    }

    pub fn has_private_network(&self) -> bool {
        self.env.redis.is_some() || self.env.postgres.is_some()
    }

    /// The chat channel of this environment's alerts.
    pub fn slack_channel(&self) -> String {
        format!("{}{}-{}", self.platform.slack.channel_prefix, self.service.id, self.env.id)
    }

    /// Whether this environment is the last stage of the service's rollout
    /// (its project holds the delivery pipeline).
    pub fn is_final_rollout_stage(&self) -> bool {
        self.service.rollout.as_ref().is_some_and(|r| r.stages.last() == Some(&self.env.id))
    }

    pub fn deploys_by_rollout(&self) -> bool {
        matches!(self.env.deploy, Deploy::Rollout)
    }

    /// The delivery pipeline: `<service>-<region>-rollout`.
    pub fn pipeline_name(&self) -> String {
        format!("{}-{}-rollout", self.service.id, self.env.region)
    }

    /// Labels on everything that takes labels.
    pub fn labels(&self) -> Expr {
        obj([
            ("service", s(self.service.id.clone())),
            ("environment", s(self.env.id.clone())),
            ("category", s(self.env.category.as_str())),
            ("msp", s("true")),
        ])
    }

    /// `data "terraform_remote_state" "<stack>"`: an earlier stack's outputs.
    pub fn remote_state(&self, stack: &str) -> Blk {
        Blk::data("terraform_remote_state", stack).set("backend", s("remote")).set(
            "config",
            obj([
                ("organization", s(self.platform.terraform_cloud.organization.clone())),
                ("workspaces", obj([("name", s(self.workspace(stack)))])),
            ]),
        )
    }

    /// A value another stack outputs: `data.terraform_remote_state.<stack>.outputs.<name>`.
    pub fn remote(&self, stack: &str, name: &str) -> Expr {
        r(format!("data.terraform_remote_state.{stack}.outputs.{name}"))
    }

    /// `lifecycle { prevent_destroy = … }` unless destroys are allowed.
    pub fn guard(&self) -> Blk {
        Blk::new("lifecycle").set("prevent_destroy", b(!self.env.allow_destroys))
    }

    /// `projects/<project>/secrets/<name>` for a secret in this environment's project.
    pub fn secret_path(&self, name: &str) -> Expr {
        s(format!("projects/{}/secrets/{name}", self.env.project_id))
    }

    /// The image with the tag Terraform deploys (see `var.image_tag`).
    pub fn image(&self) -> Expr {
        tpl([lit(format!("{}:", self.service.image)), rf("var.image_tag")])
    }
}
