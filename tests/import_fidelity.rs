//! Import fidelity: every fact of an MSP spec that MSP's code acts on
//! reaches the IR, where the back ends read it.
//!
//! `FIELDS` is the table of MSP fields and what each means in the IR: per
//! field, cases of YAML written (placed into a minimal spec) and the IR
//! values MSP's semantics give them (units converted, defaults applied as
//! MSP applies them). It is checked both ways against the code:
//! - every key of the import's mapping (`import::mapping::RULES`) is a field
//!   here, or a key that carries no fact (listed, with why), and back;
//! - every value the IR holds is asserted by some case, or is listed as
//!   mspc's own (with why), so a new IR field with no MSP source, or an MSP
//!   field that lands nowhere, fails.
//!
//! The property: any combination of cases, imported, checked and lowered,
//! gives every value its cases expect.

mod common;

use std::collections::BTreeSet;

use mspc_compiler::diagnostics::{FileId, render};
use mspc_compiler::import::{self, Options, mapping::RULES};
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum For {
    Both,
    Service,
    Job,
}

#[derive(Debug)]
struct Case {
    kind: For,
    /// `(path, JSON)` placed into the spec; `environments[0]` is `dev`.
    yaml: &'static [(&'static str, &'static str)],
    /// `(path, JSON)` the lowered service must hold.
    ir: &'static [(&'static str, &'static str)],
}

struct Field {
    /// The mapping's keys the cases exercise.
    covers: &'static [&'static str],
    cases: &'static [Case],
}

const fn both(yaml: &'static [(&'static str, &'static str)], ir: &'static [(&'static str, &'static str)]) -> Case {
    Case { kind: For::Both, yaml, ir }
}
const fn service(yaml: &'static [(&'static str, &'static str)], ir: &'static [(&'static str, &'static str)]) -> Case {
    Case { kind: For::Service, yaml, ir }
}
const fn job(yaml: &'static [(&'static str, &'static str)], ir: &'static [(&'static str, &'static str)]) -> Case {
    Case { kind: For::Job, yaml, ir }
}

/// The minimal spec every case is placed into.
fn base(kind: For) -> Value {
    let mut spec = json!({
        "service": {"id": "tiny", "owners": ["core-services"], "description": "Tiny"},
        "build": {"image": "us.gcr.io/example/tiny"},
        "environments": [{
            "id": "dev", "projectID": "tiny-dev-1a2b", "category": "test",
            "deploy": {"type": "manual"},
            "instances": {"resources": {"cpu": 1, "memory": "1Gi"}}
        }]
    });
    if kind == For::Job {
        spec["service"]["kind"] = json!("job");
    }
    spec
}

macro_rules! p {
    ($($s:literal),*) => { concat!("environments[0].", $($s),*) };
}

const FIELDS: &[Field] = &[
    // ------------------------------------------------------------ service and build
    Field {
        covers: &["service.id", "service.kind", "environments[].id", "environments[].projectID"],
        cases: &[
            service(
                &[],
                &[
                    ("id", r#""tiny""#),
                    ("kind", r#""service""#),
                    (p!("id"), r#""dev""#),
                    (p!("project_id"), r#""tiny-dev-1a2b""#),
                ],
            ),
            job(&[], &[("kind", r#""job""#)]),
        ],
    },
    Field {
        covers: &["service.name"],
        cases: &[both(&[("service.name", r#""Tiny Service""#)], &[("name", r#""Tiny Service""#)])],
    },
    Field {
        covers: &["service.owners", "service.description"],
        cases: &[both(
            &[("service.owners", r#"["a-team", "b-team"]"#), ("service.description", r#""Does things""#)],
            &[("owners", r#"["a-team", "b-team"]"#), ("description", r#""Does things""#)],
        )],
    },
    Field {
        covers: &["service.notionPageID"],
        cases: &[both(
            &[("service.notionPageID", r#""0123abcd""#)],
            &[("handbook_page", r#""https://sourcegraph.notion.site/0123abcd""#)],
        )],
    },
    Field {
        covers: &["service.protocol"],
        cases: &[service(&[("service.protocol", r#""h2c""#)], &[("protocol", r#""h2c""#)])],
    },
    Field {
        covers: &["service.iam.services", "service.iam.roles", "service.iam.permissions"],
        cases: &[both(
            &[(
                "service.iam",
                r#"{"services": ["pubsub.googleapis.com"], "roles": ["roles/pubsub.publisher"], "permissions": ["storage.objects.get"]}"#,
            )],
            &[
                ("iam.services", r#"["pubsub.googleapis.com"]"#),
                ("iam.roles", r#"["roles/pubsub.publisher"]"#),
                ("iam.permissions", r#"["storage.objects.get"]"#),
            ],
        )],
    },
    Field {
        covers: &["build.image", "build.source.repo", "build.source.dir"],
        cases: &[
            both(
                &[(
                    "build",
                    r#"{"image": "us-docker.pkg.dev/p/r/tiny", "source": {"repo": "github.com/org/tiny", "dir": "cmd/tiny"}}"#,
                )],
                &[
                    ("image", r#""us-docker.pkg.dev/p/r/tiny""#),
                    ("source.repo", r#""github.com/org/tiny""#),
                    ("source.dir", r#""cmd/tiny""#),
                ],
            ),
            both(
                &[("build.source", r#"{"repo": "https://github.com/org/tiny", "dir": "."}"#)],
                &[("source.repo", r#""https://github.com/org/tiny""#), ("source.dir", r#"".""#)],
            ),
        ],
    },
    // ------------------------------------------------------------ environment
    Field {
        covers: &["environments[].category"],
        cases: &[
            both(&[(p!("category"), r#""internal""#)], &[(p!("category"), r#""internal""#), (p!("opsgenie"), "true")]),
            both(&[(p!("category"), r#""external""#)], &[(p!("category"), r#""external""#)]),
        ],
    },
    Field {
        covers: &[
            "environments[].deploy.type",
            "environments[].deploy.manual.tag",
            "environments[].deploy.subscription.tag",
            "rollout.stages[]",
            "rollout.suspended",
            "rollout.serviceAccount",
            "rollout.initialImageTag",
        ],
        cases: &[
            both(&[], &[(p!("deploy"), r#"{"type": "manual", "tag": "insiders"}"#)]),
            both(
                &[(p!("deploy"), r#"{"type": "manual", "manual": {"tag": "v1.2"}}"#)],
                &[(p!("deploy"), r#"{"type": "manual", "tag": "v1.2"}"#)],
            ),
            both(
                &[(p!("deploy"), r#"{"type": "subscription", "subscription": {"tag": "main"}}"#)],
                &[(p!("deploy"), r#"{"type": "subscription", "tag": "main"}"#)],
            ),
            service(
                &[(p!("deploy"), r#"{"type": "rollout"}"#), ("rollout", r#"{"stages": [{"environment": "dev"}]}"#)],
                &[
                    (p!("deploy.type"), r#""rollout""#),
                    ("rollout.stages", r#"["dev"]"#),
                    ("rollout.suspended", "false"),
                    ("rollout.initial_image_tag", r#""insiders""#),
                ],
            ),
            service(
                &[
                    (p!("deploy"), r#"{"type": "rollout"}"#),
                    (
                        "rollout",
                        r#"{"stages": [{"environment": "dev"}], "suspended": true, "serviceAccount": "ci@p.iam.gserviceaccount.com", "initialImageTag": "v0"}"#,
                    ),
                ],
                &[
                    ("rollout.stages", r#"["dev"]"#),
                    ("rollout.suspended", "true"),
                    ("rollout.service_account", r#""ci@p.iam.gserviceaccount.com""#),
                    ("rollout.initial_image_tag", r#""v0""#),
                ],
            ),
        ],
    },
    Field {
        covers: &["environments[].locations.gcpRegion"],
        cases: &[
            both(
                &[(p!("locations"), r#"{"gcpRegion": "europe-west4", "gcpLocation": "us"}"#)],
                &[(p!("region"), r#""europe-west4""#)],
            ),
            both(&[], &[(p!("region"), r#""us-central1""#)]),
        ],
    },
    Field {
        covers: &["environments[].instances.resources.cpu", "environments[].instances.resources.memory"],
        cases: &[
            both(&[], &[(p!("instances.cpu"), "1"), (p!("instances.memory_mib"), "1024")]),
            both(
                &[(p!("instances.resources"), r#"{"cpu": 4, "memory": "8Gi"}"#)],
                &[(p!("instances.cpu"), "4"), (p!("instances.memory_mib"), "8192")],
            ),
        ],
    },
    Field {
        covers: &["environments[].instances.resources.cloudRunGeneration"],
        cases: &[
            both(&[(p!("instances.resources.cloudRunGeneration"), "2")], &[(p!("instances.generation"), r#""gen2""#)]),
            both(&[], &[(p!("instances.generation"), "null")]),
        ],
    },
    Field {
        covers: &[
            "environments[].instances.scaling.minCount",
            "environments[].instances.scaling.maxCount",
            "environments[].instances.scaling.maxRequestConcurrency",
        ],
        cases: &[
            service(
                &[(p!("instances.scaling"), r#"{"minCount": 1, "maxCount": 7, "maxRequestConcurrency": 80}"#)],
                &[(p!("instances.scaling"), r#"{"min": 1, "max": 7, "concurrency": 80}"#)],
            ),
            // MSP's defaults: no minimum, at most 5, its default concurrency.
            service(
                &[(p!("instances.scaling"), "{}")],
                &[(p!("instances.scaling.min"), "0"), (p!("instances.scaling.max"), "5")],
            ),
        ],
    },
    Field {
        covers: &["environments[].env.*"],
        cases: &[both(
            &[(p!("env"), r#"{"PLAIN": "x", "PROJECT": "{{ .ProjectID }}", "EMPTY": null}"#)],
            &[(p!("env.PLAIN"), r#""x""#), (p!("env.PROJECT"), r#""tiny-dev-1a2b""#), (p!("env.EMPTY"), r#""""#)],
        )],
    },
    Field {
        covers: &["environments[].secretEnv.*"],
        cases: &[both(
            &[(p!("secretEnv"), r#"{"TOKEN": "tiny-token", "SHARED": "projects/shared-p/secrets/shared-token"}"#)],
            &[
                (p!("secret_env.TOKEN"), r#"{"project": null, "name": "tiny-token"}"#),
                (p!("secret_env.SHARED"), r#"{"project": "shared-p", "name": "shared-token"}"#),
            ],
        )],
    },
    Field {
        covers: &["environments[].secretVolumes.*.mountPath", "environments[].secretVolumes.*.secret"],
        cases: &[both(
            &[(p!("secretVolumes"), r#"{"certs": {"mountPath": "/etc/tiny/cert.pem", "secret": "tiny-cert"}}"#)],
            &[(
                p!("secret_volumes.certs"),
                r#"{"mount_path": "/etc/tiny/cert.pem", "secret": {"project": null, "name": "tiny-cert"}}"#,
            )],
        )],
    },
    Field {
        covers: &[
            "environments[].resources.redis.memoryGB",
            "environments[].resources.redis.highAvailability",
            "environments[].resources.redis.tier",
        ],
        cases: &[
            both(&[(p!("resources.redis"), "{}")], &[(p!("redis"), r#"{"memory_gb": 1, "high_availability": false}"#)]),
            both(
                &[(p!("resources.redis"), r#"{"memoryGB": 3, "highAvailability": true}"#)],
                &[(p!("redis"), r#"{"memory_gb": 3, "high_availability": true}"#)],
            ),
            // Older specs: the tier, STANDARD_HA by default.
            both(&[(p!("resources.redis"), r#"{"tier": "STANDARD_HA"}"#)], &[(p!("redis.high_availability"), "true")]),
            both(&[(p!("resources.redis"), r#"{"tier": "BASIC"}"#)], &[(p!("redis.high_availability"), "false")]),
            both(&[], &[(p!("redis"), "null")]),
        ],
    },
    Field {
        covers: &[
            "environments[].resources.postgreSQL.databases",
            "environments[].resources.postgreSQL.cpu",
            "environments[].resources.postgreSQL.memoryGB",
            "environments[].resources.postgreSQL.maxConnections",
            "environments[].resources.postgreSQL.highAvailability",
            "environments[].resources.postgreSQL.disableDeletionProtection",
            "environments[].resources.postgreSQL.logicalReplication.publications[].name",
            "environments[].resources.postgreSQL.logicalReplication.publications[].database",
            "environments[].resources.postgreSQL.logicalReplication.publications[].tables",
        ],
        cases: &[
            // MSP's defaults: 1 CPU, 4 GB, Cloud SQL's connection limit, zonal.
            both(
                &[(p!("resources.postgreSQL"), r#"{"databases": ["main"], "disableDeletionProtection": false}"#)],
                &[(
                    p!("postgres"),
                    r#"{"databases": ["main"], "cpu": 1, "memory_gb": 4, "max_connections": null, "high_availability": false, "logical_replication": null}"#,
                )],
            ),
            both(
                &[(
                    p!("resources.postgreSQL"),
                    r#"{"databases": ["main", "audit"], "cpu": 2, "memoryGB": 8, "maxConnections": 200, "highAvailability": true, "logicalReplication": {"publications": [{"name": "pub", "database": "audit", "tables": ["events"]}]}}"#,
                )],
                &[
                    (p!("postgres.databases"), r#"["main", "audit"]"#),
                    (p!("postgres.cpu"), "2"),
                    (p!("postgres.memory_gb"), "8"),
                    (p!("postgres.max_connections"), "200"),
                    (p!("postgres.high_availability"), "true"),
                    (
                        p!("postgres.logical_replication.publications"),
                        r#"[{"name": "pub", "database": "audit", "tables": ["events"]}]"#,
                    ),
                ],
            ),
            both(
                &[(p!("resources.postgreSQL"), r#"{"databases": ["main"], "logicalReplication": {}}"#)],
                &[(p!("postgres.logical_replication"), r#"{"publications": []}"#)],
            ),
            both(&[], &[(p!("postgres"), "null")]),
        ],
    },
    Field {
        covers: &[
            "environments[].locations.gcpLocation",
            "environments[].resources.bigQueryDataset.tables",
            "environments[].resources.bigQueryDataset.datasetID",
            "environments[].resources.bigQueryDataset.projectID",
            "environments[].resources.bigQueryDataset.region",
            "environments[].resources.bigQueryTable.tableID",
            "environments[].resources.bigQueryTable.schema",
            "environments[].resources.bigQueryTable.projectID",
            "environments[].resources.bigQueryTable.region",
        ],
        cases: &[
            // The dataset is named after the service, `-` as `_`, in the US.
            both(
                &[(p!("resources.bigQueryDataset"), r#"{"tables": ["events"]}"#)],
                &[
                    (p!("bigquery.dataset_id"), r#""tiny""#),
                    (p!("bigquery.project_id"), r#""tiny-dev-1a2b""#),
                    (p!("bigquery.location"), r#""us""#),
                    (p!("bigquery.tables[0].name"), r#""events""#),
                    (p!("bigquery.tables[0].schema_path"), r#""services/tiny/events.bigquerytable.json""#),
                ],
            ),
            both(
                &[
                    (
                        p!("resources.bigQueryDataset"),
                        r#"{"tables": ["events"], "datasetID": "tiny_data", "projectID": "analytics-p"}"#,
                    ),
                    (p!("locations"), r#"{"gcpRegion": "europe-west3", "gcpLocation": "europe"}"#),
                ],
                &[
                    (p!("bigquery.dataset_id"), r#""tiny_data""#),
                    (p!("bigquery.project_id"), r#""analytics-p""#),
                    (p!("bigquery.location"), r#""europe""#),
                    (p!("region"), r#""europe-west3""#),
                ],
            ),
            // Older specs: one table, its columns inline, the dataset's
            // location in BigQuery's names.
            both(
                &[(
                    p!("resources.bigQueryTable"),
                    r#"{"tableID": "visits", "projectID": "old-p", "region": "EU", "schema": [{"name": "id", "type": "STRING", "mode": "REQUIRED"}]}"#,
                )],
                &[
                    (p!("bigquery.dataset_id"), r#""tiny""#),
                    (p!("bigquery.project_id"), r#""old-p""#),
                    (p!("bigquery.location"), r#""europe""#),
                    (p!("bigquery.tables[0].name"), r#""visits""#),
                    (
                        p!("bigquery.tables[0].schema_json"),
                        r#""[\n  {\n    \"name\": \"id\",\n    \"type\": \"STRING\",\n    \"mode\": \"REQUIRED\"\n  }\n]""#,
                    ),
                ],
            ),
            both(
                &[(p!("resources.bigQueryDataset"), r#"{"tables": ["events"], "region": "US"}"#)],
                &[(p!("bigquery.location"), r#""us""#)],
            ),
        ],
    },
    Field {
        covers: &[
            "environments[].domain.type",
            "environments[].domain.cloudflare.subdomain",
            "environments[].domain.cloudflare.zone",
            "environments[].domain.cloudflare.proxied",
            "environments[].domain.cloudflare.required",
            "environments[].domain.networking.loadBalancerLogging",
        ],
        cases: &[
            service(
                &[(
                    p!("domain"),
                    r#"{"type": "cloudflare", "cloudflare": {"subdomain": "tiny", "zone": "example.com", "required": true}}"#,
                )],
                &[(
                    p!("domain"),
                    r#"{"subdomain": "tiny", "zone": "example.com", "dns_name": "tiny.example.com", "proxied": true, "load_balancer_logging": false}"#,
                )],
            ),
            service(
                &[(
                    p!("domain"),
                    r#"{"type": "cloudflare", "cloudflare": {"subdomain": "api", "zone": "example.org", "proxied": false}, "networking": {"loadBalancerLogging": true}}"#,
                )],
                &[
                    (p!("domain.proxied"), "false"),
                    (p!("domain.load_balancer_logging"), "true"),
                    (p!("domain.dns_name"), r#""api.example.org""#),
                ],
            ),
            service(&[(p!("domain"), r#"{"type": "none"}"#)], &[(p!("domain"), "null")]),
        ],
    },
    Field {
        covers: &[
            "environments[].healthProbes.healthzProbes",
            "environments[].healthProbes.timeout",
            "environments[].healthProbes.startupInterval",
            "environments[].healthProbes.livenessInterval",
            "environments[].startupProbe.disabled",
            "environments[].startupProbe.timeout",
            "environments[].startupProbe.interval",
            "environments[].livenessProbe.timeout",
            "environments[].livenessProbe.interval",
        ],
        cases: &[
            // MSP's defaults: a 3s timeout, startup every timeout, liveness every 10 timeouts.
            service(
                &[(p!("healthProbes"), "{}")],
                &[(
                    p!("health_probes.healthz"),
                    r#"{"timeout_seconds": 3, "startup_interval_seconds": 3, "liveness_interval_seconds": 30}"#,
                )],
            ),
            service(
                &[(
                    p!("healthProbes"),
                    r#"{"healthzProbes": true, "timeout": 2, "startupInterval": 4, "livenessInterval": 60}"#,
                )],
                &[(
                    p!("health_probes.healthz"),
                    r#"{"timeout_seconds": 2, "startup_interval_seconds": 4, "liveness_interval_seconds": 60}"#,
                )],
            ),
            service(
                &[(p!("healthProbes"), r#"{"healthzProbes": false}"#)],
                &[(p!("health_probes"), r#"{"healthz": null}"#)],
            ),
            service(&[], &[(p!("health_probes"), "null")]),
            // Older specs: separate startup and liveness probes.
            service(
                &[
                    (p!("startupProbe"), r#"{"disabled": false, "timeout": 4, "interval": 5}"#),
                    (p!("livenessProbe"), r#"{"timeout": 4, "interval": 50}"#),
                ],
                &[(
                    p!("health_probes.healthz"),
                    r#"{"timeout_seconds": 4, "startup_interval_seconds": 5, "liveness_interval_seconds": 50}"#,
                )],
            ),
            service(&[(p!("startupProbe"), r#"{"disabled": true}"#)], &[(p!("health_probes"), r#"{"healthz": null}"#)]),
        ],
    },
    Field {
        covers: &["environments[].authentication"],
        cases: &[
            service(&[], &[(p!("authentication.type"), r#""public""#)]),
            service(
                &[(p!("authentication"), r#"{"sourcegraph": true}"#)],
                &[(p!("authentication.type"), r#""organization""#)],
            ),
            service(&[(p!("authentication"), "{}")], &[(p!("authentication.type"), r#""restricted""#)]),
        ],
    },
    Field {
        covers: &["environments[].alerting.opsgenie"],
        cases: &[
            both(
                &[(p!("category"), r#""internal""#), (p!("alerting"), r#"{"opsgenie": false}"#)],
                &[(p!("opsgenie"), "false")],
            ),
            both(&[(p!("alerting"), r#"{"opsgenie": true}"#)], &[(p!("opsgenie"), "true")]),
        ],
    },
    Field {
        covers: &["environments[].allowDestroys"],
        cases: &[
            both(&[(p!("allowDestroys"), "true")], &[(p!("allow_destroys"), "true")]),
            both(&[], &[(p!("allow_destroys"), "false")]),
        ],
    },
    Field {
        covers: &["environments[].schedule.cron", "environments[].schedule.deadline", "environments[].deadlineSeconds"],
        cases: &[
            // MSP's default deadline: 5 minutes.
            job(
                &[(p!("schedule"), r#"{"cron": "0 * * * *"}"#)],
                &[(p!("schedule.cron"), r#""0 * * * *""#), (p!("schedule.deadline_seconds"), "300")],
            ),
            job(
                &[(p!("schedule"), r#"{"cron": "*/30 * * * *"}"#), (p!("deadlineSeconds"), "600")],
                &[(p!("schedule.cron"), r#""*/30 * * * *""#), (p!("schedule.deadline_seconds"), "600")],
            ),
            // Older specs: the deadline in the schedule.
            job(
                &[(p!("schedule"), r#"{"cron": "0 0 * * *", "deadline": 900}"#)],
                &[(p!("schedule.cron"), r#""0 0 * * *""#), (p!("schedule.deadline_seconds"), "900")],
            ),
            // No schedule: run by hand, with MSP's default deadline.
            job(&[], &[(p!("schedule.cron"), "null"), (p!("schedule.deadline_seconds"), "300")]),
        ],
    },
    // ------------------------------------------------------------ monitoring
    Field {
        covers: &[
            "monitoring.alerts.responseCodeRatios[].id",
            "monitoring.alerts.responseCodeRatios[].name",
            "monitoring.alerts.responseCodeRatios[].description",
            "monitoring.alerts.responseCodeRatios[].code",
            "monitoring.alerts.responseCodeRatios[].codeClass",
            "monitoring.alerts.responseCodeRatios[].excludeCodes",
            "monitoring.alerts.responseCodeRatios[].ratio",
            "monitoring.alerts.responseCodeRatios[].durationMinutes",
            "monitoring.alerts.responseCodeRatios[].duration",
        ],
        cases: &[
            both(
                &[(
                    "monitoring.alerts.responseCodeRatios",
                    r#"[{"id": "nf", "name": "Not found", "description": "Many 404s", "code": 404, "ratio": 0.25, "durationMinutes": 5}]"#,
                )],
                &[(
                    "monitoring.response_code_alerts",
                    r#"[{"id": "nf", "name": "Not found", "description": "Many 404s", "code": 404, "code_class": null, "exclude_codes": [], "ratio": 0.25, "duration_minutes": 5}]"#,
                )],
            ),
            // Older specs: a Go duration string.
            both(
                &[(
                    "monitoring.alerts.responseCodeRatios",
                    r#"[{"id": "nf", "name": "Not found", "code": 404, "ratio": 0.5, "duration": "600s"}]"#,
                )],
                &[("monitoring.response_code_alerts[0].duration_minutes", "10")],
            ),
            both(
                &[(
                    "monitoring.alerts.responseCodeRatios",
                    r#"[{"id": "4xx", "name": "Client errors", "codeClass": "4xx", "excludeCodes": ["404", "429"], "ratio": 0.5}]"#,
                )],
                &[(
                    "monitoring.response_code_alerts",
                    r#"[{"id": "4xx", "name": "Client errors", "description": null, "code": null, "code_class": "4xx", "exclude_codes": ["404", "429"], "ratio": 0.5, "duration_minutes": 1}]"#,
                )],
            ),
        ],
    },
    Field {
        covers: &[
            "monitoring.alerts.customAlerts[].name",
            "monitoring.alerts.customAlerts[].description",
            "monitoring.alerts.customAlerts[].severityLevel",
            "monitoring.alerts.customAlerts[].condition.type",
            "monitoring.alerts.customAlerts[].condition.query",
            "monitoring.alerts.customAlerts[].condition.durationMinutes",
            "monitoring.alerts.customAlerts[].mqlQuery",
            "monitoring.alerts.customAlerts[].promQLQuery",
            "monitoring.alerts.customAlerts[].duration",
        ],
        cases: &[
            // The id is the name, lowercase, spaces as dashes.
            both(
                &[(
                    "monitoring.alerts.customAlerts",
                    r#"[{"name": "Queue Backlog", "description": "Too many jobs", "severityLevel": "CRITICAL", "condition": {"type": "promql", "query": "sum(backlog) > 10", "durationMinutes": 10}}]"#,
                )],
                &[(
                    "monitoring.custom_alerts",
                    r#"[{"id": "queue-backlog", "name": "Queue Backlog", "description": "Too many jobs", "severity": "critical", "query_language": "promql", "query": "sum(backlog) > 10", "duration_minutes": 10}]"#,
                )],
            ),
            // Older specs: the query under its language's key, the duration a string.
            both(
                &[(
                    "monitoring.alerts.customAlerts",
                    r#"[{"name": "Old", "severityLevel": "WARNING", "duration": "180s", "promQLQuery": "up == 0"}]"#,
                )],
                &[(
                    "monitoring.custom_alerts",
                    r#"[{"id": "old", "name": "Old", "description": null, "severity": "warning", "query_language": "promql", "query": "up == 0", "duration_minutes": 3}]"#,
                )],
            ),
            both(
                &[(
                    "monitoring.alerts.customAlerts",
                    r#"[{"name": "Older", "severityLevel": "CRITICAL", "mqlQuery": "fetch y"}]"#,
                )],
                &[
                    ("monitoring.custom_alerts[0].query_language", r#""mql""#),
                    ("monitoring.custom_alerts[0].query", r#""fetch y""#),
                ],
            ),
            both(
                &[(
                    "monitoring.alerts.customAlerts",
                    r#"[{"name": "Slow", "severityLevel": "WARNING", "condition": {"type": "mql", "query": "fetch x"}}]"#,
                )],
                &[(
                    "monitoring.custom_alerts",
                    r#"[{"id": "slow", "name": "Slow", "description": null, "severity": "warning", "query_language": "mql", "query": "fetch x", "duration_minutes": 1}]"#,
                )],
            ),
        ],
    },
    Field {
        covers: &["monitoring.nobl9"],
        cases: &[
            both(&[("monitoring.nobl9", "true")], &[("monitoring.nobl9", "true")]),
            both(&[], &[("monitoring.nobl9", "false")]),
        ],
    },
];

/// Keys of the mapping that carry no fact into the IR, and why.
const NO_FACT: &[(&str, &str)] =
    &[("environments[].privateNetworking", "refused (E0404): it only ever existed in an unmerged MSP change")];

/// IR values with no MSP field behind them: mspc's own, or derived.
const MSPC_ONLY: &[(&str, &str)] = &[
    ("spec_path", "where the .msp file is"),
    ("readme", "the README beside it"),
    ("bigquery.tables[].schema_json", "the table's schema file's contents"),
    ("schedule.max_gap_seconds", "derived from the cron, for the missed-run alert"),
];

// ---------------------------------------------------------------- machinery

/// Sets `value` at `path` (`a.b[0].c`), creating what is missing and
/// merging objects.
fn place(spec: &mut Value, path: &str, value: Value) {
    let mut at = spec;
    for seg in path.split('.') {
        let (key, index) = match seg.split_once('[') {
            Some((k, i)) => (k, Some(i.trim_end_matches(']').parse::<usize>().unwrap())),
            None => (seg, None),
        };
        if !at.is_object() {
            *at = json!({});
        }
        at = at.as_object_mut().unwrap().entry(key.to_string()).or_insert(Value::Null);
        if let Some(i) = index {
            if !at.is_array() {
                *at = json!([]);
            }
            let items = at.as_array_mut().unwrap();
            while items.len() <= i {
                items.push(json!({}));
            }
            at = &mut items[i];
        }
    }
    merge(at, value);
}

fn merge(into: &mut Value, value: Value) {
    match (into, value) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    let mut at = v;
    for seg in path.split('.') {
        let (key, index) = match seg.split_once('[') {
            Some((k, i)) => (k, Some(i.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (seg, None),
        };
        at = at.get(key)?;
        if let Some(i) = index {
            at = at.get(i)?;
        }
    }
    Some(at)
}

/// Keys that say the same thing: a spec giving them different values is
/// refused, as contradictory.
const SAME: &[(&str, &str)] = &[
    ("environments[0].resources.bigQueryTable.region", "environments[0].locations.gcpLocation"),
    ("environments[0].resources.bigQueryDataset.region", "environments[0].locations.gcpLocation"),
];

/// `(path, JSON)` pairs as leaf paths and values, aliases resolved.
fn flat(pairs: &[(&str, &str)]) -> Vec<(String, Value)> {
    fn walk(path: String, v: Value, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    walk(format!("{path}.{k}"), x, out);
                }
            }
            v => {
                let path = SAME.iter().find(|(a, _)| *a == path).map_or(path, |(_, b)| b.to_string());
                out.push((path, v));
            }
        }
    }
    let mut out = Vec::new();
    for (p, v) in pairs {
        walk(p.to_string(), serde_json::from_str(v).unwrap(), &mut out);
    }
    out
}

/// Two placements (or two expectations) collide when they give one leaf
/// different values, or one's leaf is inside the other's.
fn collide(a: &[(&str, &str)], b: &[(&str, &str)]) -> bool {
    let (a, b) = (flat(a), flat(b));
    a.iter().any(|(pa, va)| {
        b.iter().any(|(pb, vb)| {
            let inside = |x: &str, y: &str| x.starts_with(&format!("{y}.")) || x.starts_with(&format!("{y}["));
            (pa == pb && va != vb) || inside(pa, pb) || inside(pb, pa)
        })
    })
}

/// The lowered service of a spec, as JSON, or the diagnostics that stopped it.
fn lower(spec: &Value) -> Result<Value, String> {
    let yaml = serde_json::to_string_pretty(spec).unwrap();
    let got = import::import(&yaml, FileId(0), &Options::default());
    if got.diagnostics.iter().any(|d| d.is_error()) {
        return Err(format!("import:\n{yaml}\n{:?}", got.diagnostics));
    }
    let msp = got.msp.unwrap();
    let mut files = vec![
        ("platform.msp".to_string(), common::shared_platform()),
        ("services/tiny/tiny.msp".to_string(), msp.clone()),
    ];
    for (name, text) in &got.generated {
        files.push((format!("services/tiny/{name}"), text.clone()));
    }
    for t in &got.bigquery_tables {
        let name = format!("{t}.bigquerytable.json");
        if !got.generated.iter().any(|(g, _)| *g == name) {
            files.push((format!("services/tiny/{name}"), r#"[{"name": "a", "type": "STRING"}]"#.into()));
        }
    }
    let loaded = common::load(files);
    let result = loaded.result();
    let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        return Err(format!("check:\n{yaml}\n{msp}\n{}", render::short(&errors, &loaded)));
    }
    let service = result.services.iter().find(|s| s.id == "tiny").ok_or_else(|| format!("not lowered:\n{msp}"))?;
    Ok(serde_json::to_value(&**service).unwrap())
}

fn spec_of(kind: For, cases: &[&Case]) -> Value {
    let mut spec = base(kind);
    for c in cases {
        for (path, value) in c.yaml {
            place(&mut spec, path, serde_json::from_str(value).unwrap_or_else(|e| panic!("{path}: {value}: {e}")));
        }
    }
    spec
}

fn expect(ir: &Value, cases: &[&Case]) -> Result<(), String> {
    for c in cases {
        for (path, want) in c.ir {
            let want: Value = serde_json::from_str(want).unwrap();
            let got = get(ir, path).cloned().unwrap_or(Value::Null);
            if got != want {
                return Err(format!("{path}: expected {want}, got {got}\n(case {:?})", c.yaml));
            }
        }
    }
    Ok(())
}

fn applies(c: &Case, kind: For) -> bool {
    c.kind == For::Both || c.kind == kind
}

// ---------------------------------------------------------------- the tests

/// Each case alone gives what it says.
#[test]
fn each_case_alone_keeps_its_facts() {
    for kind in [For::Service, For::Job] {
        for f in FIELDS {
            for c in f.cases.iter().filter(|c| applies(c, kind)) {
                let ir = lower(&spec_of(kind, &[c])).unwrap_or_else(|e| panic!("{e}"));
                if let Err(e) = expect(&ir, &[c]) {
                    panic!("{kind:?}: {e}");
                }
            }
        }
    }
}

/// The table and the import's mapping name the same keys.
#[test]
fn every_mapped_key_is_a_field_and_back() {
    let mapped: BTreeSet<&str> = RULES.iter().map(|r| r.yaml).collect();
    let covered: BTreeSet<&str> = FIELDS.iter().flat_map(|f| f.covers.iter().copied()).collect();
    let no_fact: BTreeSet<&str> = NO_FACT.iter().map(|(k, _)| *k).collect();
    let untested: Vec<_> = mapped.iter().filter(|k| !covered.contains(*k) && !no_fact.contains(*k)).collect();
    assert!(untested.is_empty(), "mapped keys no field exercises: {untested:?}");
    let unmapped: Vec<_> = covered.union(&no_fact).filter(|k| !mapped.contains(*k)).collect();
    assert!(unmapped.is_empty(), "fields the mapping does not know: {unmapped:?}");
}

/// Every value the IR holds is asserted by a case or is mspc's own.
#[test]
fn every_ir_value_is_asserted_or_mspc_own() {
    fn leaves(v: &Value, path: String, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, x) in m {
                    leaves(x, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
                }
            }
            Value::Array(a) if a.iter().any(|x| x.is_object()) => {
                for (i, x) in a.iter().enumerate() {
                    leaves(x, format!("{path}[{i}]"), out);
                }
            }
            _ => {
                out.insert(path);
            }
        }
    }
    let normal = |p: &str| -> String {
        let mut out = String::new();
        let mut skip = false;
        for ch in p.chars() {
            match ch {
                '[' => {
                    out.push_str("[]");
                    skip = true;
                }
                ']' => skip = false,
                c if !skip => out.push(c),
                _ => {}
            }
        }
        out
    };
    let mut seen = BTreeSet::new();
    let mut asserted = BTreeSet::new();
    for kind in [For::Service, For::Job] {
        for f in FIELDS {
            for c in f.cases.iter().filter(|c| applies(c, kind)) {
                let ir = lower(&spec_of(kind, &[c])).unwrap_or_else(|e| panic!("{e}"));
                leaves(&ir, String::new(), &mut seen);
                asserted.extend(c.ir.iter().map(|(p, _)| normal(p)));
            }
        }
    }
    let own: Vec<String> = MSPC_ONLY.iter().map(|(p, _)| p.to_string()).collect();
    let unasserted: Vec<String> = seen
        .iter()
        .map(|p| normal(p))
        .filter(|p| {
            // Asserted itself, inside an asserted value, or (an empty or
            // absent value) holding asserted ones.
            let related = |a: &String| {
                p == a
                    || p.starts_with(&format!("{a}."))
                    || p.starts_with(&format!("{a}["))
                    || a.starts_with(&format!("{p}."))
                    || a.starts_with(&format!("{p}["))
            };
            !asserted.iter().any(related)
                && !own.iter().any(|o| p == o || p.starts_with(&format!("{o}.")) || p.ends_with(&format!(".{o}")))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(unasserted.is_empty(), "IR values no case asserts and not listed as mspc's own: {unasserted:#?}");
}

fn combination(kind: For) -> impl Strategy<Value = Vec<&'static Case>> {
    let per_field: Vec<BoxedStrategy<Option<&'static Case>>> = FIELDS
        .iter()
        .map(|f| f.cases.iter().filter(|c| applies(c, kind)).collect::<Vec<&'static Case>>())
        .filter(|cases| !cases.is_empty())
        .map(|cases| proptest::option::of(proptest::sample::select(cases)).boxed())
        .collect();
    per_field.prop_map(|chosen| chosen.into_iter().flatten().collect())
}

fn any_combination() -> impl Strategy<Value = (For, Vec<&'static Case>)> {
    prop_oneof![Just(For::Service), Just(For::Job)].prop_flat_map(|kind| combination(kind).prop_map(move |c| (kind, c)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    /// Any combination of cases keeps every fact of each.
    #[test]
    fn any_combination_keeps_every_fact((kind, cases) in any_combination()) {
        let clash = cases
            .iter()
            .enumerate()
            .any(|(i, a)| cases[i + 1..].iter().any(|b| collide(a.yaml, b.yaml) || collide(a.ir, b.ir)));
        prop_assume!(!clash);
        let ir = lower(&spec_of(kind, &cases)).map_err(TestCaseError::fail)?;
        expect(&ir, &cases).map_err(TestCaseError::fail)?;
    }
}
