//! Every alert policy an environment gets: the built-in ones (reference 2.5)
//! and the spec's response-code and custom alerts. The one definition both
//! the monitoring stack and the operations docs read.

use crate::ir::{Environment, Platform, Service};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// One alert policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Stable id, also the Terraform resource name: `common_cpu`, `cloudsql_memory`.
    pub id: String,
    /// The display name, e.g. "High Container CPU Utilization".
    pub name: String,
    /// What it means and what to do, without the handbook suffix.
    pub description: String,
    pub severity: Severity,
}

/// (being written)
pub fn alerts(_platform: &Platform, _service: &Service, _env: &Environment) -> Vec<Alert> {
    Vec::new()
}
