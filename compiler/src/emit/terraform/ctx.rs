//! What every stack needs to know about the environment it is generated for,
//! and the names derived from it (one place for each naming rule).

use super::hcl::{Blk, Expr, b, lit, obj, r, rf, s, tpl};
use crate::ir::image::{RegistryImage, registry_image};
use crate::ir::{Deploy, Environment, Kind, Platform, Service};

pub struct Ctx<'a> {
    pub platform: &'a Platform,
    pub service: &'a Service,
    pub env: &'a Environment,
}

/// The account id of the identity Cloud Deploy runs releases as.
pub const CLOUDDEPLOY_EXECUTOR: &str = "clouddeploy-executor";

/// The account id of the identity that may create Cloud Deploy releases.
pub const CLOUDDEPLOY_RELEASER: &str = "clouddeploy-releaser";

/// The PostgreSQL major version of every Cloud SQL instance.
pub const POSTGRES_MAJOR: u32 = 15;

/// Outputs read by name by later stacks and by the docs.
/// The iam stack's workload identity (the Cloud Run service account's email).
pub const OUTPUT_WORKLOAD_ACCOUNT: &str = "cloud_run_service_account";
/// The iam stack's operator identity (read-only access), its email.
pub const OUTPUT_OPERATOR_ACCOUNT: &str = "operator_access_service_account";
/// The cloudrun stack's Cloud SQL instance connection name.
pub const OUTPUT_CLOUDSQL_CONNECTION: &str = "cloudsql_connection_name";

/// `<stack>_<output>`: the Secret Manager secret a stack's output is
/// mirrored into, in the environment's project, for operator tools.
pub fn output_secret_id(stack: &str, output: &str) -> String {
    format!("{stack}_{output}")
}

/// `projects/<project>/secrets/<name>`: a secret in any project.
pub fn secret_path(project_id: &str, name: &str) -> String {
    format!("projects/{project_id}/secrets/{name}")
}

/// `projects/<project>/serviceAccounts/`: followed by an account's email,
/// the account's resource name.
pub fn service_accounts_prefix(project_id: &str) -> String {
    format!("projects/{project_id}/serviceAccounts/")
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
        crate::ir::display_name(&self.service.name, &self.env.id)
    }

    /// The Terraform Cloud workspace of one of this environment's stacks.
    pub fn workspace(&self, stack: &str) -> String {
        crate::emit::ops::tfc_workspace(self.platform, &self.service.id, &self.env.id, stack)
    }

    /// The Terraform Cloud project holding this environment's workspaces,
    /// also a name unique per environment.
    pub fn tfc_project(&self) -> String {
        crate::emit::ops::tfc_project(self.platform, &self.service.id, &self.env.id)
    }

    /// The Cloud Run service or job: `<service>-<env>-<region>`.
    pub fn cloud_run_name(&self) -> String {
        self.cloud_run_name_of(self.env)
    }

    /// The Cloud Run service or job of any environment of this service.
    pub fn cloud_run_name_of(&self, env: &Environment) -> String {
        format!("{}-{}-{}", self.service.id, env.id, env.region)
    }

    /// The workload service account's id (`<service>-sa`).
    pub fn workload_account_id(&self) -> String {
        format!("{}-sa", self.service.id)
    }

    /// The workload service account's email, known before it exists.
    pub fn workload_email(&self) -> String {
        self.workload_email_in(&self.env.project_id)
    }

    /// The workload service account's email in another environment's project.
    pub fn workload_email_in(&self, project_id: &str) -> String {
        format!("{}@{project_id}.iam.gserviceaccount.com", self.workload_account_id())
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

    /// The private network (VPC) Redis and Cloud SQL are reached through.
    pub fn network_name(&self) -> String {
        self.service.id.clone()
    }

    /// The range reserved for the service networking peering (Cloud SQL's private IP).
    pub fn service_networking_address_name(&self) -> String {
        format!("{}-service-networking-connection", self.service.id)
    }

    /// The Memorystore instance (one per project), named as MSP names it:
    /// the tier is in the name, so changing it creates the new instance
    /// beside the old one (`create_before_destroy`).
    pub fn redis_instance_name(&self) -> String {
        match &self.env.redis {
            Some(r) if !r.high_availability => "redis-basic".into(),
            _ => "redis".into(),
        }
    }

    /// The identity Cloud Scheduler runs a scheduled job as (`<service>-job-sa`).
    pub fn job_invoker_account_id(&self) -> String {
        format!("{}-job-sa", self.service.id)
    }

    /// The Sentry project's slug: `<service>-<env>`.
    pub fn sentry_slug(&self) -> String {
        format!("{}-{}", self.service.id, self.env.id)
    }

    /// The file beside `main.tf` holding a BigQuery table's schema.
    pub fn bigquery_schema_file(table: &str) -> String {
        format!("bigquery-{table}.json")
    }

    /// The service's operations page: the generated page under the
    /// handbook's `pages_url`, else the service's own `handbook_page`.
    pub fn operations_page(&self) -> Option<String> {
        match &self.platform.handbook.pages_url {
            Some(base) => Some(format!("{}/{}", base.trim_end_matches('/'), self.service.id)),
            None => self.service.handbook_page.clone(),
        }
    }

    /// Where this environment is described: its section of the generated
    /// page (`#<env>`), else the service's own page.
    pub fn environment_page(&self) -> Option<String> {
        match &self.platform.handbook.pages_url {
            Some(_) => self.operations_page().map(|p| format!("{p}#{}", self.env.id)),
            None => self.service.handbook_page.clone(),
        }
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

    /// The rollout's stages, in order, as environments (the IR guarantees
    /// every stage names one of the service's environments).
    pub fn rollout_stages(&self) -> Vec<&'a Environment> {
        let Some(rollout) = &self.service.rollout else { return Vec::new() };
        rollout.stages.iter().filter_map(|id| self.service.environments.iter().find(|e| &e.id == id)).collect()
    }

    /// The Cloud Deploy target of a rollout stage: `<env>-<region>`.
    pub fn rollout_target(env: &Environment) -> String {
        format!("{}-{}", env.id, env.region)
    }

    /// The Cloud Deploy execution identity (created by the iam stack of the
    /// final stage), known before it exists.
    pub fn clouddeploy_executor_email(&self) -> String {
        format!("{CLOUDDEPLOY_EXECUTOR}@{}.iam.gserviceaccount.com", self.env.project_id)
    }

    /// The bucket holding the rollout's release sources (`<project>-cloudrun-skaffold`).
    pub fn skaffold_bucket(&self) -> String {
        format!("{}-cloudrun-skaffold", self.env.project_id)
    }

    /// The rollout file beside the final stage's `main.tf`, applied with `gcloud deploy apply`.
    pub fn rollout_file(&self) -> String {
        format!("rollout-{}.clouddeploy.yaml", self.env.region)
    }

    /// The name of one of the load balancer's resources: `<cloud run name>-<suffix>`
    /// (just the Cloud Run name when `suffix` is empty), at most `max`
    /// characters. Every name in the project shares the base, so when it is
    /// too long the base is shortened and the suffixes keep names distinct.
    pub fn lb_name(&self, suffix: &str, max: usize) -> String {
        let base = self.cloud_run_name();
        let room = if suffix.is_empty() { max } else { max.saturating_sub(suffix.len() + 1) };
        let cut: String = base.chars().take(room).collect();
        let cut = cut.trim_end_matches('-');
        if suffix.is_empty() { cut.to_string() } else { format!("{cut}-{suffix}") }
    }

    /// Labels on everything that takes labels.
    pub fn labels(&self) -> Expr {
        self.labels_with(Vec::new())
    }

    /// The labels every resource gets, then `extra` ones.
    pub fn labels_with(&self, extra: Vec<(&'static str, Expr)>) -> Expr {
        let common = [
            ("service", s(self.service.id.clone())),
            ("environment", s(self.env.id.clone())),
            ("category", s(self.env.category.as_str())),
            ("msp", s("true")),
        ];
        obj(common.into_iter().chain(extra))
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

    /// The image with the tag Terraform deploys (see `var.image_tag`), and
    /// for a `subscription` deploy the digest the tag names when the plan
    /// runs (`tag@digest`, as MSP deploys it), so a new image under the tag
    /// is a change that rolls it out.
    pub fn image(&self) -> Expr {
        let mut parts = vec![lit(format!("{}:", self.service.image)), rf("var.image_tag")];
        if self.followed_image().is_some() {
            parts.extend([lit("@"), rf("local.image_digest")]);
        }
        tpl(parts)
    }

    /// The image a `subscription` deploy follows, where a plan can look its
    /// tag up (Artifact Registry, Container Registry); W0014 warns of others.
    pub fn followed_image(&self) -> Option<RegistryImage> {
        match self.env.deploy {
            Deploy::Subscription { .. } => registry_image(&self.service.image),
            _ => None,
        }
    }
}
