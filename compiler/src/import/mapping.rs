//! The one table from MSP's `service.yaml` keys to `.msp` fields.
//!
//! Only names and conversions live here: which type a `.msp` field has, its
//! allowed values and its constraints are read from the stdlib schema.
//!
//! Patterns are dot-separated. In YAML paths `*` is any map key and `[]` any
//! list item. In `.msp` paths `<env>` is the environment of the enclosing
//! `environments[]` item, `*` and `[]` take the YAML's next key or index, and
//! `field:variant` goes into a union variant's settings.

/// How a YAML value becomes a `.msp` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conv {
    /// By the `.msp` field's type in the schema.
    Typed,
    /// A number in a unit MSP implies, for a size (bytes per unit) or a
    /// duration (seconds per unit) field.
    Unit(u64),
    /// A plain environment variable: MSP's `{{ .ProjectID }}` templates.
    Template,
    /// The name of a union's variant (`deploy.type`, `domain.type`).
    Tag,
    /// Gives the declaration or block its name.
    Label,
    /// `service` or `job`: the declaration's keyword.
    Kind,
    /// A Notion page id, turned into the page's URL.
    NotionPage,
    /// Cloud Run's generation number, `1` or `2`.
    Generation,
    /// Redis's old `tier`: `STANDARD_HA` is high availability, `BASIC` not.
    RedisTier,
    /// The old `startupProbe.disabled`: the opposite of `healthz`.
    Negated,
    /// `{sourcegraph: true}` is `organization`; `{}` is `restricted`.
    Authentication,
    /// `{environment: dev}`: a rollout stage.
    Stage,
    /// Accepted and dropped: MSP never implemented it.
    Ignored,
    /// An older spec's alert duration, a Go duration string (`"300s"`,
    /// `"5m"`) of whole minutes.
    GoDuration,
    /// An older spec's dataset location (`region`): BigQuery's `US` or `EU`
    /// (any case), or `europe`; the `.msp` multi-region.
    BigQueryLocation,
    /// One value where the `.msp` field is a list of them (the older
    /// `bigQueryTable.tableID`).
    OneItem,
    /// The older `bigQueryTable.schema`: the table's columns inline, written
    /// by the import as the `<table>.bigquerytable.json` file the `.msp`
    /// side reads.
    InlineSchema,
    /// Accepted only when `false`: mspc has no such switch.
    OnlyFalse(&'static str),
    /// Not expressible in `.msp`; the reason is the diagnostic's note.
    Unsupported(&'static str),
}

pub struct Rule {
    pub yaml: &'static str,
    pub msp: &'static str,
    pub conv: Conv,
}

const GI: u64 = 1 << 30;
const SECONDS: u64 = 1;
pub const MINUTES: u64 = 60;

macro_rules! rules {
    ($( $yaml:literal => $msp:literal, $conv:expr; )*) => {
        pub const RULES: &[Rule] = &[ $( Rule { yaml: $yaml, msp: $msp, conv: $conv }, )* ];
    };
}

use Conv::*;

rules! {
    "service.id" => "", Label;
    "service.name" => "name", Typed;
    "service.owners" => "owners", Typed;
    "service.description" => "description", Typed;
    "service.notionPageID" => "handbook_page", NotionPage;
    "service.kind" => "", Kind;
    "service.protocol" => "protocol", Typed;
    "service.iam.services" => "iam.services", Typed;
    "service.iam.roles" => "iam.roles", Typed;
    "service.iam.permissions" => "iam.permissions", Typed;
    "build.image" => "image", Typed;
    "build.source.repo" => "source.repo", Typed;
    "build.source.dir" => "source.dir", Typed;

    "environments[].id" => "environment.<env>", Label;
    "environments[].projectID" => "environment.<env>.project_id", Typed;
    "environments[].category" => "environment.<env>.category", Typed;
    "environments[].deploy.type" => "environment.<env>.deploy", Tag;
    "environments[].deploy.manual.tag" => "environment.<env>.deploy:manual.tag", Typed;
    "environments[].deploy.subscription.tag" => "environment.<env>.deploy:subscription.tag", Typed;
    "environments[].locations.gcpRegion" => "environment.<env>.region", Typed;
    "environments[].locations.gcpLocation" => "environment.<env>.bigquery.location", Typed;
    "environments[].instances.resources.cpu" => "environment.<env>.instances.cpu", Typed;
    "environments[].instances.resources.memory" => "environment.<env>.instances.memory", Typed;
    "environments[].instances.resources.cloudRunGeneration" => "environment.<env>.instances.generation", Generation;
    "environments[].instances.scaling.minCount" => "environment.<env>.instances.scaling.min", Typed;
    "environments[].instances.scaling.maxCount" => "environment.<env>.instances.scaling.max", Typed;
    "environments[].instances.scaling.maxRequestConcurrency" => "environment.<env>.instances.scaling.concurrency", Typed;
    "environments[].env.*" => "environment.<env>.env.*", Template;
    "environments[].secretEnv.*" => "environment.<env>.secret_env.*", Typed;
    "environments[].secretVolumes.*.mountPath" => "environment.<env>.secret_volumes.*.mount_path", Typed;
    "environments[].secretVolumes.*.secret" => "environment.<env>.secret_volumes.*.secret", Typed;
    "environments[].resources.redis.memoryGB" => "environment.<env>.redis.memory", Unit(GI);
    "environments[].resources.redis.highAvailability" => "environment.<env>.redis.high_availability", Typed;
    "environments[].resources.redis.tier" => "environment.<env>.redis.high_availability", RedisTier;
    "environments[].resources.postgreSQL.databases" => "environment.<env>.postgres.databases", Typed;
    "environments[].resources.postgreSQL.cpu" => "environment.<env>.postgres.cpu", Typed;
    "environments[].resources.postgreSQL.memoryGB" => "environment.<env>.postgres.memory", Unit(GI);
    "environments[].resources.postgreSQL.maxConnections" => "environment.<env>.postgres.max_connections", Typed;
    "environments[].resources.postgreSQL.highAvailability" => "environment.<env>.postgres.high_availability", Typed;
    "environments[].resources.postgreSQL.disableDeletionProtection" => "environment.<env>.postgres", OnlyFalse("deletion protection is on unless `allow_destroys = true`, which also lifts the other guards");
    "environments[].resources.postgreSQL.logicalReplication.publications[].name" => "environment.<env>.postgres.logical_replication.publications.[].name", Typed;
    "environments[].resources.postgreSQL.logicalReplication.publications[].database" => "environment.<env>.postgres.logical_replication.publications.[].database", Typed;
    "environments[].resources.postgreSQL.logicalReplication.publications[].tables" => "environment.<env>.postgres.logical_replication.publications.[].tables", Typed;
    "environments[].resources.bigQueryDataset.tables" => "environment.<env>.bigquery.tables", Typed;
    "environments[].resources.bigQueryDataset.datasetID" => "environment.<env>.bigquery.dataset_id", Typed;
    "environments[].resources.bigQueryDataset.projectID" => "environment.<env>.bigquery.project_id", Typed;
    "environments[].resources.bigQueryDataset.region" => "environment.<env>.bigquery.location", BigQueryLocation;
    "environments[].resources.bigQueryTable.tableID" => "environment.<env>.bigquery.tables", OneItem;
    "environments[].resources.bigQueryTable.schema" => "environment.<env>.bigquery.tables", InlineSchema;
    "environments[].resources.bigQueryTable.projectID" => "environment.<env>.bigquery.project_id", Typed;
    "environments[].resources.bigQueryTable.region" => "environment.<env>.bigquery.location", BigQueryLocation;
    "environments[].domain.type" => "environment.<env>.domain", Tag;
    "environments[].domain.cloudflare.subdomain" => "environment.<env>.domain:cloudflare.subdomain", Typed;
    "environments[].domain.cloudflare.zone" => "environment.<env>.domain:cloudflare.zone", Typed;
    "environments[].domain.cloudflare.proxied" => "environment.<env>.domain:cloudflare.proxied", Typed;
    "environments[].domain.cloudflare.required" => "environment.<env>.domain", Ignored;
    "environments[].domain.networking.loadBalancerLogging" => "environment.<env>.domain:cloudflare.load_balancer_logging", Typed;
    "environments[].healthProbes.healthzProbes" => "environment.<env>.health_probes.healthz", Typed;
    "environments[].healthProbes.timeout" => "environment.<env>.health_probes.timeout", Unit(SECONDS);
    "environments[].healthProbes.startupInterval" => "environment.<env>.health_probes.startup_interval", Unit(SECONDS);
    "environments[].healthProbes.livenessInterval" => "environment.<env>.health_probes.liveness_interval", Unit(SECONDS);
    "environments[].startupProbe.disabled" => "environment.<env>.health_probes.healthz", Negated;
    "environments[].startupProbe.timeout" => "environment.<env>.health_probes.timeout", Unit(SECONDS);
    "environments[].startupProbe.interval" => "environment.<env>.health_probes.startup_interval", Unit(SECONDS);
    "environments[].livenessProbe.timeout" => "environment.<env>.health_probes.timeout", Unit(SECONDS);
    "environments[].livenessProbe.interval" => "environment.<env>.health_probes.liveness_interval", Unit(SECONDS);
    "environments[].authentication" => "environment.<env>.authentication", Authentication;
    "environments[].alerting.opsgenie" => "environment.<env>.alerting.opsgenie", Typed;
    "environments[].allowDestroys" => "environment.<env>.allow_destroys", Typed;
    "environments[].privateNetworking" => "environment.<env>", Unsupported("private networking only ever existed in an unmerged MSP change; mspc has no equivalent");
    "environments[].schedule.cron" => "environment.<env>.schedule.cron", Typed;
    "environments[].schedule.deadline" => "environment.<env>.schedule.deadline", Unit(SECONDS);
    "environments[].deadlineSeconds" => "environment.<env>.schedule.deadline", Unit(SECONDS);

    "rollout.stages[]" => "rollout.stages.[]", Stage;
    "rollout.suspended" => "rollout.suspended", Typed;
    "rollout.serviceAccount" => "rollout.service_account", Typed;
    "rollout.initialImageTag" => "rollout.initial_image_tag", Typed;

    "monitoring.alerts.responseCodeRatios[].id" => "monitoring.response_code_alerts.[].id", Typed;
    "monitoring.alerts.responseCodeRatios[].name" => "monitoring.response_code_alerts.[].name", Typed;
    "monitoring.alerts.responseCodeRatios[].description" => "monitoring.response_code_alerts.[].description", Typed;
    "monitoring.alerts.responseCodeRatios[].code" => "monitoring.response_code_alerts.[].code", Typed;
    "monitoring.alerts.responseCodeRatios[].codeClass" => "monitoring.response_code_alerts.[].code_class", Typed;
    "monitoring.alerts.responseCodeRatios[].excludeCodes" => "monitoring.response_code_alerts.[].exclude_codes", Typed;
    "monitoring.alerts.responseCodeRatios[].ratio" => "monitoring.response_code_alerts.[].ratio", Typed;
    "monitoring.alerts.responseCodeRatios[].durationMinutes" => "monitoring.response_code_alerts.[].duration", Unit(MINUTES);
    "monitoring.alerts.responseCodeRatios[].duration" => "monitoring.response_code_alerts.[].duration", GoDuration;
    "monitoring.alerts.customAlerts[].name" => "monitoring.custom_alerts.[].name", Typed;
    "monitoring.alerts.customAlerts[].description" => "monitoring.custom_alerts.[].description", Typed;
    "monitoring.alerts.customAlerts[].severityLevel" => "monitoring.custom_alerts.[].severity", Typed;
    "monitoring.alerts.customAlerts[].condition.type" => "monitoring.custom_alerts.[].condition", Tag;
    "monitoring.alerts.customAlerts[].condition.query" => "monitoring.custom_alerts.[].condition:*.query", Typed;
    "monitoring.alerts.customAlerts[].condition.durationMinutes" => "monitoring.custom_alerts.[].condition:*.duration", Unit(MINUTES);
    "monitoring.alerts.customAlerts[].mqlQuery" => "monitoring.custom_alerts.[].condition:mql.query", Typed;
    "monitoring.alerts.customAlerts[].promQLQuery" => "monitoring.custom_alerts.[].condition:promql.query", Typed;
    "monitoring.alerts.customAlerts[].duration" => "monitoring.custom_alerts.[].condition:*.duration", GoDuration;
    "monitoring.nobl9" => "monitoring.nobl9", Typed;
}

/// MSP's optional blocks, pointers to structs in its spec. yaml.v3 allocates
/// the struct for an empty mapping or a `null` as well, so `redis: {}` is a
/// Redis instance with its defaults, not no Redis: these blocks are made in
/// the `.msp` even when nothing inside them is set (and a required field
/// left out is then reported at the block's YAML line, as MSP rejects it).
pub const BLOCKS: &[(&str, &str)] = &[
    ("environments[].resources.redis", "environment.<env>.redis"),
    ("environments[].resources.postgreSQL", "environment.<env>.postgres"),
    ("environments[].resources.postgreSQL.logicalReplication", "environment.<env>.postgres.logical_replication"),
    ("environments[].resources.bigQueryDataset", "environment.<env>.bigquery"),
    ("environments[].resources.bigQueryTable", "environment.<env>.bigquery"),
    ("environments[].healthProbes", "environment.<env>.health_probes"),
    ("environments[].instances.scaling", "environment.<env>.instances.scaling"),
    ("environments[].schedule", "environment.<env>.schedule"),
    ("rollout", "rollout"),
];

/// Lists MSP refuses empty, and why (its spec's validation).
pub const NON_EMPTY: &[(&str, &str)] = &[("rollout.stages", "a rollout has at least one stage")];

/// Keys MSP's validation requires in a block that is there, where the `.msp`
/// side has a default: MSP reads a missing one as zero or empty and rejects
/// the spec, so an import must not quietly take mspc's default. (The block,
/// the key below it, why.)
pub const MSP_REQUIRED: &[(&str, &str, &str)] = &[
    ("environments[]", "instances.resources.cpu", "MSP requires every environment's `instances.resources.cpu`, 1 to 8"),
    (
        "environments[]",
        "instances.resources.memory",
        "MSP requires every environment's `instances.resources.memory`, 512Mi to 32Gi",
    ),
    ("environments[].locations", "gcpRegion", "MSP requires both `gcpRegion` and `gcpLocation` in `locations`"),
    ("environments[].locations", "gcpLocation", "MSP requires both `gcpRegion` and `gcpLocation` in `locations`"),
    ("environments[].schedule", "cron", "MSP rejects a schedule without a cron expression"),
    ("monitoring.alerts.customAlerts[]", "severityLevel", "MSP requires `WARNING` or `CRITICAL`"),
];

/// One segment of a YAML pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YSeg<'a> {
    Key(&'a str),
    AnyKey,
    AnyIndex,
}

pub fn yaml_segments(pattern: &str) -> Vec<YSeg<'_>> {
    let mut out = Vec::new();
    for part in pattern.split('.') {
        let (name, index) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        match name {
            "" => {}
            "*" => out.push(YSeg::AnyKey),
            n => out.push(YSeg::Key(n)),
        }
        if index {
            out.push(YSeg::AnyIndex);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_split() {
        assert_eq!(
            yaml_segments("environments[].env.*"),
            vec![YSeg::Key("environments"), YSeg::AnyIndex, YSeg::Key("env"), YSeg::AnyKey]
        );
        assert_eq!(yaml_segments("rollout.stages[]"), vec![YSeg::Key("rollout"), YSeg::Key("stages"), YSeg::AnyIndex]);
    }

    /// Each block is a prefix of some rule's YAML path and `.msp` path: a
    /// block no key can fill is a typo.
    #[test]
    fn blocks_hold_mapped_keys() {
        for (yaml, msp) in BLOCKS {
            let prefix = format!("{yaml}.");
            let inside: Vec<&Rule> = RULES.iter().filter(|r| r.yaml.starts_with(&prefix)).collect();
            assert!(!inside.is_empty(), "no rule below {yaml}");
            assert!(
                inside.iter().any(|r| r.msp.starts_with(&format!("{msp}.")) || r.msp.starts_with(&format!("{msp}:"))),
                "no rule below {yaml} maps below {msp}"
            );
        }
    }

    /// Each required key is one the mapping knows.
    #[test]
    fn msp_required_keys_are_mapped() {
        for (block, key, _) in MSP_REQUIRED {
            let path = format!("{block}.{key}");
            assert!(RULES.iter().any(|r| r.yaml == path), "{path} is not mapped");
        }
    }

    #[test]
    fn yaml_paths_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.yaml), "{} twice", r.yaml);
        }
    }
}
