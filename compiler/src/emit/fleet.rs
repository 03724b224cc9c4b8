//! `mspc fleet`: every service and job of a workspace, its owners and
//! environments (category, deploy type, resources), with totals: as a table
//! for people or as JSON for scripts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::ir::{Category, Environment, Kind, Service};

#[derive(Debug, Serialize)]
pub struct Fleet {
    pub totals: Totals,
    pub services: Vec<FleetService>,
}

#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub services: usize,
    pub jobs: usize,
    /// Each owning team and the ids of what it owns.
    pub teams: BTreeMap<String, Vec<String>>,
    pub rollout_pipelines: usize,
    /// Environments by category (`test`, `internal`, `external`).
    pub environments: BTreeMap<&'static str, usize>,
    /// Environments by deploy type (`manual`, `subscription`, `rollout`).
    pub deploy_types: BTreeMap<&'static str, usize>,
    /// Environments with each resource.
    pub resources: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Serialize)]
pub struct FleetService {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub owners: Vec<String>,
    /// The rollout's stages, in order, when the service has one.
    pub rollout: Option<Vec<String>>,
    pub environments: Vec<FleetEnvironment>,
}

#[derive(Debug, Serialize)]
pub struct FleetEnvironment {
    pub id: String,
    pub project_id: String,
    pub category: Category,
    pub deploy: &'static str,
    pub resources: Vec<&'static str>,
    /// The domain's DNS name, when it has one.
    pub domain: Option<String>,
}

/// The resources an environment has, by the names the specs give them.
fn resources(env: &Environment) -> Vec<&'static str> {
    let mut out = Vec::new();
    if env.postgres.is_some() {
        out.push("postgres");
    }
    if env.redis.is_some() {
        out.push("redis");
    }
    if env.bigquery.is_some() {
        out.push("bigquery");
    }
    if env.domain.is_some() {
        out.push("domain");
    }
    out
}

pub fn fleet(services: &[&Service]) -> Fleet {
    let mut totals = Totals::default();
    let mut out = Vec::new();
    for service in services {
        match service.kind {
            Kind::Service => totals.services += 1,
            Kind::Job => totals.jobs += 1,
        }
        for owner in &service.owners {
            totals.teams.entry(owner.clone()).or_default().push(service.id.clone());
        }
        totals.rollout_pipelines += usize::from(service.rollout.is_some());
        let environments = service
            .environments
            .iter()
            .map(|env| {
                let deploy = env.deploy.kind();
                let resources = resources(env);
                *totals.environments.entry(env.category.as_str()).or_default() += 1;
                *totals.deploy_types.entry(deploy).or_default() += 1;
                for r in &resources {
                    *totals.resources.entry(r).or_default() += 1;
                }
                FleetEnvironment {
                    id: env.id.clone(),
                    project_id: env.project_id.clone(),
                    category: env.category,
                    deploy,
                    resources,
                    domain: env.domain.as_ref().map(|d| d.dns_name.clone()),
                }
            })
            .collect();
        out.push(FleetService {
            id: service.id.clone(),
            name: service.name.clone(),
            kind: service.kind,
            owners: service.owners.clone(),
            rollout: service.rollout.as_ref().map(|r| r.stages.clone()),
            environments,
        });
    }
    for ids in totals.teams.values_mut() {
        ids.sort();
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Fleet { totals, services: out }
}

impl Fleet {
    /// One row per environment under its service, then the totals.
    pub fn table(&self) -> String {
        let header = ["SERVICE", "KIND", "OWNERS", "ENV", "CATEGORY", "DEPLOY", "RESOURCES"];
        let mut rows: Vec<[String; 7]> = Vec::new();
        for s in &self.services {
            for (i, e) in s.environments.iter().enumerate() {
                let first = i == 0;
                let deploy = if e.deploy == "rollout" && s.rollout.is_some() {
                    let stages = s.rollout.as_deref().unwrap_or_default();
                    let stage = stages.iter().position(|x| x == &e.id).map_or(0, |p| p + 1);
                    format!("rollout {stage}/{}", stages.len())
                } else {
                    e.deploy.to_string()
                };
                rows.push([
                    if first { s.id.clone() } else { String::new() },
                    if first { kind(s.kind).into() } else { String::new() },
                    if first { s.owners.join(", ") } else { String::new() },
                    e.id.clone(),
                    e.category.as_str().into(),
                    deploy,
                    if e.resources.is_empty() { "-".into() } else { e.resources.join(", ") },
                ]);
            }
        }
        let mut widths = header.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[&str]| {
            let mut l = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i + 1 == cells.len() {
                    l.push_str(cell);
                } else {
                    let _ = write!(l, "{cell:<w$}  ");
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&header);
        for row in &rows {
            line(&row.each_ref().map(String::as_str));
        }
        out.push('\n');
        out.push_str(&self.totals.summary());
        out
    }
}

fn kind(k: Kind) -> &'static str {
    match k {
        Kind::Service => "service",
        Kind::Job => "job",
    }
}

fn counts(map: &BTreeMap<&'static str, usize>, order: &[&'static str]) -> String {
    let parts: Vec<String> = order.iter().filter_map(|k| map.get(k).map(|n| format!("{n} {k}"))).collect();
    if parts.is_empty() { "none".into() } else { parts.join(", ") }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Totals {
    pub fn summary(&self) -> String {
        let envs: usize = self.environments.values().sum();
        format!(
            "{}, {}, {} owning them, {}\n{}: {}\ndeploy types: {}\nresources: {}\n",
            plural(self.services, "service", "services"),
            plural(self.jobs, "job", "jobs"),
            plural(self.teams.len(), "team", "teams"),
            plural(self.rollout_pipelines, "rollout pipeline", "rollout pipelines"),
            plural(envs, "environment", "environments"),
            counts(&self.environments, &["test", "internal", "external"]),
            counts(&self.deploy_types, &["manual", "subscription", "rollout"]),
            counts(&self.resources, &["postgres", "redis", "bigquery", "domain"]),
        )
    }
}
