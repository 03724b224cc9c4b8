//! The IR: the validated, fully defaulted model every back end reads.
//! Plain serde data; produced only for a service that checked clean.
//! Units are in the names: `_seconds`, `_mib`, `_gb`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod image;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Workspace {
    pub platform: Platform,
    pub services: Vec<Service>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Service,
    Job,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub owners: Vec<String>,
    pub description: String,
    pub handbook_page: Option<String>,
    pub protocol: Protocol,
    pub iam: Iam,
    pub image: String,
    pub source: Option<Source>,
    pub environments: Vec<Environment>,
    pub rollout: Option<Rollout>,
    pub monitoring: Monitoring,
    /// The `.msp` file, relative to the workspace root.
    pub spec_path: String,
    /// The README beside the spec, without its first heading.
    pub readme: Option<Readme>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readme {
    pub path: String,
    pub body: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Http1,
    H2c,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Iam {
    pub services: Vec<String>,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub repo: String,
    pub dir: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Test,
    Internal,
    External,
}

impl Category {
    pub fn is_production(self) -> bool {
        matches!(self, Category::Internal | Category::External)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Test => "test",
            Category::Internal => "internal",
            Category::External => "external",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Deploy {
    Manual { tag: String },
    Subscription { tag: String },
    Rollout,
}

impl Deploy {
    /// The deploy type as the spec names it: `manual`, `subscription`, `rollout`.
    pub fn kind(&self) -> &'static str {
        match self {
            Deploy::Manual { .. } => "manual",
            Deploy::Subscription { .. } => "subscription",
            Deploy::Rollout => "rollout",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Environment {
    pub id: String,
    pub project_id: String,
    pub category: Category,
    pub deploy: Deploy,
    pub region: String,
    pub instances: Instances,
    /// Values with every `${…}` resolved.
    pub env: BTreeMap<String, String>,
    pub secret_env: BTreeMap<String, SecretRef>,
    pub secret_volumes: BTreeMap<String, SecretVolume>,
    pub redis: Option<Redis>,
    pub postgres: Option<Postgres>,
    pub bigquery: Option<BigQuery>,
    pub domain: Option<Domain>,
    pub health_probes: Option<HealthProbes>,
    pub authentication: Authentication,
    /// Page owners on critical alerts (defaulted by category).
    pub opsgenie: bool,
    pub allow_destroys: bool,
    /// Jobs only.
    pub schedule: Option<Schedule>,
}

/// A job's deadline when the IR holds no schedule for it: the stdlib's
/// default (`Schedule.deadline`, 5m). Lowering gives every job a schedule,
/// reading that default from the stdlib; a test keeps the two equal.
pub const DEFAULT_JOB_DEADLINE_SECONDS: u64 = 300;

impl Environment {
    /// How long one execution of a job may run, in seconds.
    pub fn job_deadline_seconds(&self) -> u64 {
        self.schedule.as_ref().map_or(DEFAULT_JOB_DEADLINE_SECONDS, |s| s.deadline_seconds)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Instances {
    pub cpu: u32,
    pub memory_mib: u64,
    pub generation: Option<Generation>,
    /// Services only.
    pub scaling: Option<Scaling>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generation {
    Gen1,
    Gen2,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    pub min: u32,
    pub max: u32,
    pub concurrency: u32,
}

/// A Secret Manager secret, always read at its latest version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretRef {
    /// `None`: the environment's own project.
    pub project: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretVolume {
    pub mount_path: String,
    pub secret: SecretRef,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Redis {
    pub memory_gb: u64,
    pub high_availability: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Postgres {
    pub databases: Vec<String>,
    pub cpu: u32,
    pub memory_gb: u64,
    pub max_connections: Option<u32>,
    pub high_availability: bool,
    pub logical_replication: Option<LogicalReplication>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicalReplication {
    pub publications: Vec<Publication>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    pub name: String,
    pub database: String,
    pub tables: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BigQuery {
    pub dataset_id: String,
    pub project_id: String,
    pub location: String,
    pub tables: Vec<BigQueryTable>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BigQueryTable {
    pub name: String,
    /// The schema file, relative to the workspace root.
    pub schema_path: String,
    /// Its JSON array of columns, re-printed with 2-space indentation.
    pub schema_json: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Domain {
    pub subdomain: String,
    pub zone: String,
    /// `dns_name(subdomain, zone)`.
    pub dns_name: String,
    pub proxied: bool,
    pub load_balancer_logging: bool,
}

/// `<subdomain>.<zone>`: a domain's DNS name (the checker's uniqueness rule
/// and the IR agree on it).
pub fn dns_name(subdomain: &str, zone: &str) -> String {
    format!("{subdomain}.{zone}")
}

/// `"<name> - <env>"`: an environment's project display name (also the
/// Sentry and Opsgenie names); the checker bounds its length.
pub fn display_name(service_name: &str, env_id: &str) -> String {
    format!("{service_name} - {env_id}")
}

/// Probes are configured. `healthz: None` keeps Cloud Run's lenient default
/// probe (any response on `/` within 240s) instead of `/-/healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealthProbes {
    pub healthz: Option<Healthz>,
}

/// `GET /-/healthz` with the diagnostics secret, failing after 3 attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Healthz {
    pub timeout_seconds: u64,
    pub startup_interval_seconds: u64,
    pub liveness_interval_seconds: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Authentication {
    Public,
    Organization,
    Restricted,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub cron: Option<String>,
    pub deadline_seconds: u64,
    /// The longest gap between two runs, from the cron expression.
    pub max_gap_seconds: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    pub stages: Vec<String>,
    pub suspended: bool,
    pub service_account: Option<String>,
    pub initial_image_tag: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Monitoring {
    pub response_code_alerts: Vec<ResponseCodeAlert>,
    pub custom_alerts: Vec<CustomAlert>,
    pub nobl9: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResponseCodeAlert {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub code: Option<u16>,
    pub code_class: Option<String>,
    pub exclude_codes: Vec<String>,
    pub ratio: f64,
    pub duration_minutes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    Warning,
    Critical,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CustomAlert {
    /// `lower(name)` with spaces as `-`.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub severity: AlertSeverity,
    pub query_language: QueryLanguage,
    pub query: String,
    pub duration_minutes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryLanguage {
    Mql,
    Promql,
}

// ------------------------------------------------------------------ platform

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub billing_account: String,
    pub folders: Folders,
    pub organization_domain: Option<String>,
    pub secrets_project: String,
    pub credentials: Credentials,
    pub terraform_cloud: TerraformCloud,
    pub slack: Slack,
    pub opsgenie: Option<Opsgenie>,
    pub sentry: Option<Sentry>,
    pub cloudflare: Cloudflare,
    pub cloud_deploy: CloudDeploy,
    pub handbook: Handbook,
    pub access: Access,
    pub audit_logs: AuditLogs,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLogs {
    pub data_access: Vec<DataAccessLog>,
    pub services: Vec<String>,
    pub in_test: bool,
}

impl AuditLogs {
    /// Whether an environment of this category writes Data Access logs.
    pub fn applies_to(&self, c: Category) -> bool {
        !self.data_access.is_empty() && (self.in_test || c.is_production())
    }

    /// Whether it writes every kind for every service (CIS's recommendation).
    pub fn covers_everything(&self, c: Category) -> bool {
        self.applies_to(c) && self.data_access.len() == 3 && self.services.iter().any(|s| s == "allServices")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataAccessLog {
    AdminRead,
    DataRead,
    DataWrite,
}

impl DataAccessLog {
    /// The `log_type` Cloud Audit Logs names it by.
    pub fn log_type(self) -> &'static str {
        match self {
            DataAccessLog::AdminRead => "ADMIN_READ",
            DataAccessLog::DataRead => "DATA_READ",
            DataAccessLog::DataWrite => "DATA_WRITE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Folders {
    pub test: String,
    pub internal: String,
    pub external: String,
}

impl Folders {
    pub fn for_category(&self, c: Category) -> &str {
        match c {
            Category::Test => &self.test,
            Category::Internal => &self.internal,
            Category::External => &self.external,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub cloudflare_api_token: String,
    pub sentry_auth_token: String,
    pub opsgenie_api_key: String,
    pub slack_bot_token: String,
    pub terraform_cloud_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerraformCloud {
    pub organization: String,
    pub prefix: String,
    pub terraform_version: String,
    pub runner_service_account: String,
    pub notification_channel: Option<String>,
    pub notification_webhook_secret: String,
    pub repository: Option<String>,
    pub branch: String,
    pub output_path: String,
    pub operators_team: Option<String>,
    pub teams: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slack {
    pub shared_channel: Option<String>,
    pub channel_prefix: String,
    pub workspace_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opsgenie {
    pub api_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sentry {
    pub organization: String,
    pub team: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cloudflare {
    pub origin_certificate_secret: String,
    pub origin_key_secret: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudDeploy {
    pub notification_endpoint_secret: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handbook {
    pub platform_name: String,
    pub platform_team: Option<String>,
    pub platform_team_url: Option<String>,
    pub support_channel: Option<String>,
    pub platform_url: Option<String>,
    pub tooling_setup_url: Option<String>,
    pub specs_url: Option<String>,
    pub pages_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    pub tool: String,
    pub test: Option<AccessRequests>,
    pub internal: Option<AccessRequests>,
    pub external: Option<AccessRequests>,
    pub terraform_cloud: Option<String>,
}

impl Access {
    pub fn for_category(&self, c: Category) -> Option<&AccessRequests> {
        match c {
            Category::Test => self.test.as_ref(),
            Category::Internal => self.internal.as_ref(),
            Category::External => self.external.as_ref(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRequests {
    pub folder_name: String,
    pub read: Option<String>,
    pub write: Option<String>,
}
