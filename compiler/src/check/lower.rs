//! Checked spec → IR: applies the defaults that depend on other values
//! (name from id, probe intervals from the timeout, paging from the
//! category, dataset id from the service id, schedules) and reads the files
//! a service refers to (README, BigQuery table schemas).

use super::rules::{cron::Cron, resources, secrets::parse_secret};
use super::spec;
use super::stdlib::stdlib;
use crate::ir::{self, Kind};
use crate::syntax::ast::ExprKind;

pub struct Inputs<'a> {
    pub spec_path: &'a str,
    pub spec_dir: &'a str,
    pub read: &'a dyn Fn(&str) -> Option<String>,
}

fn secret(s: &str) -> ir::SecretRef {
    // Rules have already rejected malformed references.
    parse_secret(s).unwrap_or(ir::SecretRef { project: None, name: s.to_string() })
}

pub fn lower(s: &spec::Service, kind: Kind, inputs: &Inputs<'_>) -> ir::Service {
    let name = s.name.clone().unwrap_or_else(|| s.id.clone());
    let environments = s.environment.values().map(|e| environment(s, e, kind, inputs)).collect();
    ir::Service {
        id: s.id.clone(),
        name,
        kind,
        owners: s.owners.clone(),
        description: s.description.clone(),
        handbook_page: s.handbook_page.clone(),
        protocol: s.protocol.unwrap_or(ir::Protocol::Http1),
        iam: s.iam.clone(),
        image: s.image.clone(),
        source: s.source.clone(),
        environments,
        rollout: s.rollout.clone(),
        monitoring: monitoring(&s.monitoring),
        spec_path: inputs.spec_path.to_string(),
        readme: readme(inputs),
    }
}

fn environment(s: &spec::Service, e: &spec::Environment, kind: Kind, inputs: &Inputs<'_>) -> ir::Environment {
    let service = kind == Kind::Service;
    ir::Environment {
        id: e.id.clone(),
        project_id: e.project_id.clone(),
        category: e.category,
        deploy: e.deploy.clone(),
        region: e.region.clone(),
        instances: ir::Instances {
            cpu: e.instances.cpu,
            memory_mib: e.instances.memory >> 20,
            generation: e.instances.generation,
            scaling: if service { e.instances.scaling.clone() } else { None },
        },
        env: e.env.clone(),
        secret_env: e.secret_env.iter().map(|(k, v)| (k.clone(), secret(v))).collect(),
        secret_volumes: e
            .secret_volumes
            .iter()
            .map(|(k, v)| (k.clone(), ir::SecretVolume { mount_path: v.mount_path.clone(), secret: secret(&v.secret) }))
            .collect(),
        redis: e
            .redis
            .as_ref()
            .map(|r| ir::Redis { memory_gb: r.memory >> 30, high_availability: r.high_availability }),
        postgres: e.postgres.as_ref().map(|p| ir::Postgres {
            databases: p.databases.clone(),
            cpu: p.cpu,
            memory_gb: p.memory >> 30,
            max_connections: p.max_connections,
            high_availability: p.high_availability,
            logical_replication: p.logical_replication.clone(),
        }),
        bigquery: e.bigquery.as_ref().map(|b| ir::BigQuery {
            dataset_id: b.dataset_id.clone().unwrap_or_else(|| s.id.replace('-', "_")),
            project_id: b.project_id.clone().unwrap_or_else(|| e.project_id.clone()),
            location: b.location.clone(),
            tables: b
                .tables
                .iter()
                .map(|t| {
                    let path = resources::schema_path(inputs.spec_dir, t);
                    let schema_json =
                        (inputs.read)(&path).and_then(|text| resources::table_schema(&text).ok()).unwrap_or_default();
                    ir::BigQueryTable { name: t.clone(), schema_path: path, schema_json }
                })
                .collect(),
        }),
        domain: match &e.domain {
            Some(spec::Domain::Cloudflare { subdomain, zone, proxied, load_balancer_logging }) => Some(ir::Domain {
                subdomain: subdomain.clone(),
                zone: zone.clone(),
                dns_name: ir::dns_name(subdomain, zone),
                proxied: *proxied,
                load_balancer_logging: *load_balancer_logging,
            }),
            _ => None,
        },
        health_probes: e.health_probes.as_ref().map(|h| ir::HealthProbes {
            healthz: h.healthz.then(|| ir::Healthz {
                timeout_seconds: h.timeout,
                startup_interval_seconds: h.startup_interval.unwrap_or(h.timeout),
                liveness_interval_seconds: h.liveness_interval.unwrap_or((h.timeout * 10).min(3600)),
            }),
        }),
        authentication: e.authentication.unwrap_or(if service {
            ir::Authentication::Public
        } else {
            ir::Authentication::Restricted
        }),
        opsgenie: e.alerting.opsgenie.unwrap_or(e.category.is_production()),
        allow_destroys: e.allow_destroys,
        schedule: (!service).then(|| {
            let sched = e.schedule.clone().or_else(|| s.schedule.clone()).unwrap_or_else(default_schedule);
            let max_gap_seconds =
                sched.cron.as_deref().and_then(|c| Cron::parse(c).ok()).and_then(|c| c.max_gap_seconds());
            ir::Schedule { cron: sched.cron, deadline_seconds: sched.deadline, max_gap_seconds }
        }),
    }
}

/// A job without `schedule`: no cron, and the stdlib's default deadline.
fn default_schedule() -> spec::Schedule {
    let default = stdlib().index.schema("Schedule").fields.get("deadline").and_then(|f| f.default.as_ref());
    let deadline = match default.map(|d| &d.kind) {
        Some(ExprKind::Duration(seconds)) => *seconds,
        // Unreachable with the embedded stdlib (the test below holds it).
        _ => ir::DEFAULT_JOB_DEADLINE_SECONDS,
    };
    spec::Schedule { cron: None, deadline }
}

fn monitoring(m: &spec::Monitoring) -> ir::Monitoring {
    ir::Monitoring {
        response_code_alerts: m
            .response_code_alerts
            .iter()
            .map(|a| ir::ResponseCodeAlert {
                id: a.id.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                code: a.code,
                code_class: a.code_class.clone(),
                exclude_codes: a.exclude_codes.clone(),
                ratio: a.ratio,
                duration_minutes: a.duration / 60,
            })
            .collect(),
        custom_alerts: m
            .custom_alerts
            .iter()
            .map(|a| {
                let (lang, query, duration) = match &a.condition {
                    spec::AlertCondition::Mql { query, duration } => (ir::QueryLanguage::Mql, query, duration),
                    spec::AlertCondition::Promql { query, duration } => (ir::QueryLanguage::Promql, query, duration),
                };
                ir::CustomAlert {
                    id: super::rules::alerts::custom_alert_id(&a.name),
                    name: a.name.clone(),
                    description: a.description.clone(),
                    severity: a.severity,
                    query_language: lang,
                    query: query.clone(),
                    duration_minutes: duration / 60,
                }
            })
            .collect(),
        nobl9: m.nobl9,
    }
}

/// The README beside the spec, without its first `# ` heading.
fn readme(inputs: &Inputs<'_>) -> Option<ir::Readme> {
    let path = readme_path(inputs.spec_dir);
    let text = (inputs.read)(&path)?;
    Some(ir::Readme { path, body: strip_first_heading(&text) })
}

pub fn readme_path(dir: &str) -> String {
    if dir.is_empty() { "README.md".into() } else { format!("{dir}/README.md") }
}

pub fn strip_first_heading(text: &str) -> String {
    let trimmed = text.trim_start();
    let body = if trimmed.starts_with("# ") { trimmed.split_once('\n').map_or("", |(_, rest)| rest) } else { trimmed };
    body.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default deadline is read from the stdlib, and the IR's fallback
    /// for a job without a schedule is that same default.
    #[test]
    fn the_default_schedule_is_the_stdlibs() {
        let deadline = &stdlib().index.schema("Schedule").fields["deadline"];
        assert!(matches!(deadline.default.as_ref().map(|d| &d.kind), Some(ExprKind::Duration(_))));
        let schedule = default_schedule();
        assert_eq!(schedule.cron, None);
        assert_eq!(schedule.deadline, ir::DEFAULT_JOB_DEADLINE_SECONDS);
    }
}
