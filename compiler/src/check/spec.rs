//! The checked JSON of a service, as typed Rust: a mirror of the stdlib's
//! `Service` schema (names and shapes match it; `deny_unknown_fields` makes a
//! drift between the two fail loudly in tests). Rules read this; `lower`
//! turns it into the IR. Durations are seconds, sizes bytes.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::ir::{
    Authentication, Category, Deploy, Generation, Iam, LogicalReplication, Protocol, Rollout, Scaling, Source,
};

/// Fields a check error left out take their `Default` here, so rules can run
/// on the rest (lowering to IR happens only when nothing failed).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Service {
    pub id: String,
    pub name: Option<String>,
    pub owners: Vec<String>,
    pub description: String,
    pub handbook_page: Option<String>,
    pub protocol: Option<Protocol>,
    pub iam: Iam,
    pub image: String,
    pub source: Option<Source>,
    pub schedule: Option<Schedule>,
    /// Filled in separately: an environment that failed to check is left out.
    #[serde(skip)]
    pub environment: IndexMap<String, Environment>,
    pub rollout: Option<Rollout>,
    pub monitoring: Monitoring,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub id: String,
    pub project_id: String,
    pub category: Category,
    pub deploy: Deploy,
    pub region: String,
    pub instances: Instances,
    pub env: BTreeMap<String, String>,
    pub secret_env: BTreeMap<String, String>,
    pub secret_volumes: BTreeMap<String, SecretVolume>,
    pub redis: Option<Redis>,
    pub postgres: Option<Postgres>,
    pub bigquery: Option<BigQuery>,
    pub domain: Option<Domain>,
    pub health_probes: Option<HealthProbes>,
    pub authentication: Option<Authentication>,
    pub alerting: Alerting,
    pub allow_destroys: bool,
    pub schedule: Option<Schedule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instances {
    pub cpu: u32,
    pub memory: u64,
    pub generation: Option<Generation>,
    pub scaling: Option<Scaling>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretVolume {
    pub mount_path: String,
    pub secret: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redis {
    pub memory: u64,
    pub high_availability: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Postgres {
    pub databases: Vec<String>,
    pub cpu: u32,
    pub memory: u64,
    pub max_connections: Option<u32>,
    pub high_availability: bool,
    pub logical_replication: Option<LogicalReplication>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BigQuery {
    pub tables: Vec<String>,
    pub dataset_id: Option<String>,
    pub project_id: Option<String>,
    pub location: String,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Domain {
    None,
    Cloudflare { subdomain: String, zone: String, proxied: bool, load_balancer_logging: bool },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthProbes {
    pub healthz: bool,
    pub timeout: u64,
    pub startup_interval: Option<u64>,
    pub liveness_interval: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alerting {
    pub opsgenie: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub cron: Option<String>,
    pub deadline: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    pub response_code_alerts: Vec<ResponseCodeAlert>,
    pub custom_alerts: Vec<CustomAlert>,
    pub nobl9: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseCodeAlert {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub code: Option<u16>,
    pub code_class: Option<String>,
    pub exclude_codes: Vec<String>,
    pub ratio: f64,
    pub duration: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAlert {
    pub name: String,
    pub description: Option<String>,
    pub severity: crate::ir::AlertSeverity,
    pub condition: AlertCondition,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum AlertCondition {
    Mql { query: String, duration: u64 },
    Promql { query: String, duration: u64 },
}

impl Service {
    /// Reads the checked JSON of a service; environments that fail to read
    /// (because they failed to check) are left out.
    pub fn from_checked(mut json: serde_json::Map<String, serde_json::Value>) -> Result<Service, serde_json::Error> {
        let envs = json.remove("environment");
        let mut service: Service = serde_json::from_value(serde_json::Value::Object(json))?;
        if let Some(serde_json::Value::Object(envs)) = envs {
            for (k, v) in envs {
                if let Ok(e) = serde_json::from_value::<Environment>(v) {
                    service.environment.insert(k, e);
                }
            }
        }
        Ok(service)
    }
}
