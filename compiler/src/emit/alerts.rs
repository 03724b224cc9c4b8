//! Every alert policy an environment gets: the built-in ones (reference 2.5)
//! and the spec's response-code and custom alerts. The one definition both
//! the monitoring stack and the operations docs read.
//!
//! Conditions are described here in Cloud Monitoring's own terms (metric
//! filters, aligners, reducers), so the Terraform back end only renders them
//! and the docs can say exactly when an alert fires.

use crate::emit::terraform::cloudrun::{HEALTHZ_FAILURE_THRESHOLD, LENIENT_PROBE_SECONDS};
use crate::emit::terraform::ctx::Ctx;
use crate::ir::{
    AlertSeverity, Authentication, CustomAlert, Environment, Kind, Platform, QueryLanguage, ResponseCodeAlert, Service,
};

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

/// The families alerts are grouped in, on the dashboard and in resource names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Common,
    Service,
    Job,
    Redis,
    CloudSql,
    ResponseCode,
    Custom,
}

impl Group {
    /// The prefix of the alerts' ids (and Terraform resource names).
    pub fn key(self) -> &'static str {
        match self {
            Group::Common => "common",
            Group::Service => "service",
            Group::Job => "job",
            Group::Redis => "redis",
            Group::CloudSql => "cloudsql",
            Group::ResponseCode => "response_code",
            Group::Custom => "custom",
        }
    }

    /// The group as MSP's resource ids name it (`monitoring-<group>-<alert>`).
    pub fn msp_name(self) -> &'static str {
        match self {
            Group::ResponseCode => "response-code",
            g => g.key(),
        }
    }

    /// The dashboard section title.
    pub fn title(self) -> &'static str {
        match self {
            Group::Common => "Container Alerts",
            Group::Service => "Cloud Run Service Alerts",
            Group::Job => "Cloud Run Job Alerts",
            Group::Redis => "Redis Alerts",
            Group::CloudSql => "Cloud SQL Alerts",
            Group::ResponseCode => "Response Code Ratio Alerts",
            Group::Custom => "Custom Alerts",
        }
    }
}

/// What an alert watches, recorded in the policy's `resource_kind` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    CloudRunService,
    CloudRunJob,
    CloudRedis,
    /// A Cloud SQL instance.
    CloudSql,
    /// A database within a Cloud SQL instance.
    CloudSqlDatabase,
    UrlUptime,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::CloudRunService => "cloud-run-service",
            ResourceKind::CloudRunJob => "cloud-run-job",
            ResourceKind::CloudRedis => "cloud-redis",
            ResourceKind::CloudSql => "cloud-sql",
            ResourceKind::CloudSqlDatabase => "cloud-sql-database",
            ResourceKind::UrlUptime => "url-uptime",
        }
    }
}

/// One `key = value` term of a monitoring filter; terms are joined with `AND`.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    pub key: String,
    pub value: Match,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Match {
    /// `key = "value"`
    Is(String),
    /// The id Cloud Monitoring gives the environment's uptime check, known
    /// only once the check exists.
    UptimeCheckId,
}

fn is(key: &str, value: impl Into<String>) -> Clause {
    Clause { key: key.to_string(), value: Match::Is(value.into()) }
}

/// Filter text with the uptime check id written as `uptime_check_id`, for
/// reading and for tests; the Terraform back end renders the real reference.
pub fn filter_text(filter: &[Clause]) -> String {
    filter
        .iter()
        .map(|c| match &c.value {
            Match::Is(v) => format!("{} = \"{}\"", c.key, v),
            Match::UptimeCheckId => format!("{} = uptime_check_id", c.key),
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// How time series are aligned and combined before the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregation {
    pub period_seconds: u64,
    /// `ALIGN_*`
    pub aligner: &'static str,
    /// `REDUCE_*`; `None` keeps every series.
    pub reducer: Option<&'static str>,
    pub group_by: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Above,
    Below,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Above => "COMPARISON_GT",
            Comparison::Below => "COMPARISON_LT",
        }
    }
}

/// How many series must violate the condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Any one series.
    Any,
    /// Every series.
    All,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub filter: Vec<Clause>,
    pub aggregation: Aggregation,
    pub comparison: Comparison,
    pub value: f64,
    /// How long the violation must last; 0 fires on the first violating point.
    pub duration_seconds: u64,
    pub trigger: Trigger,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Threshold(Threshold),
    /// No data matching the filter for `duration_seconds`.
    Absent {
        filter: Vec<Clause>,
        aggregation: Aggregation,
        duration_seconds: u64,
    },
    Mql {
        query: String,
        duration_seconds: u64,
    },
    Promql {
        query: String,
        duration_seconds: u64,
    },
}

/// A resource an alert cannot work without, created beside its policy.
#[derive(Clone, Debug, PartialEq)]
pub enum Requirement {
    UptimeCheck(UptimeCheck),
    LogMetric(LogMetric),
}

/// An HTTPS check of the environment's public domain from Google's checkers.
#[derive(Clone, Debug, PartialEq)]
pub struct UptimeCheck {
    pub host: String,
    pub path: String,
    /// Send `Authorization: Bearer <diagnostics secret>` (the healthz contract).
    pub bearer: bool,
    pub timeout_seconds: u64,
    pub period_seconds: u64,
}

/// A counter of matching log entries.
#[derive(Clone, Debug, PartialEq)]
pub struct LogMetric {
    /// The metric's name; its type is `logging.googleapis.com/user/<name>`.
    pub name: String,
    pub description: String,
    pub filter: String,
}

/// One alert policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Stable id, also the Terraform resource name: `common_cpu`, `cloudsql_memory`.
    pub id: String,
    /// The id within its group, as MSP names it (`cpu`, `cloud_sql_memory`):
    /// the policy's `msp_alert_id` label.
    pub alert_id: String,
    pub group: Group,
    /// The display name, e.g. "High Container CPU Utilization".
    pub name: String,
    /// What it means and what to do, without the handbook suffix.
    pub description: String,
    pub severity: Severity,
    pub resource_kind: Option<ResourceKind>,
    pub condition: Condition,
    pub requires: Option<Requirement>,
}

impl Alert {
    /// MSP's Terraform key of the policy, `monitoring-<group>-<alert id>`:
    /// its pages list alerts sorted by it.
    pub fn msp_key(&self) -> String {
        format!("monitoring-{}-{}", self.group.msp_name(), self.alert_id)
    }
}

/// The log-based metric counting Cloud Run's precondition failures, under
/// the platform's prefix (`msp/cloud_run_precondition_failed`).
pub fn precondition_failed_metric(platform: &Platform) -> String {
    format!("{}/cloud_run_precondition_failed", platform.terraform_cloud.prefix)
}

/// GCP rejects absence conditions longer than 23h30m.
const MAX_ABSENCE_MINUTES: u64 = 23 * 60 + 30;

/// Cloud SQL's default `max_connections` for the instance sizes MSP uses.
const DEFAULT_MAX_CONNECTIONS: u32 = 100;

/// Every alert policy of one environment, in a fixed order: common, service
/// or job, Redis, Cloud SQL, response-code, custom.
pub fn alerts(platform: &Platform, service: &Service, env: &Environment) -> Vec<Alert> {
    let ctx = Ctx::new(platform, service, env);
    let mut out = common(&ctx);
    match service.kind {
        Kind::Service => out.extend(service_alerts(&ctx)),
        Kind::Job => out.extend(job_alerts(&ctx)),
    }
    if env.redis.is_some() {
        out.extend(redis(&ctx));
    }
    if let Some(pg) = &env.postgres {
        out.extend(cloudsql(&ctx, pg.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS)));
    }
    if service.kind == Kind::Service {
        out.extend(service.monitoring.response_code_alerts.iter().map(response_code));
    }
    out.extend(service.monitoring.custom_alerts.iter().map(custom));
    out
}

/// What alert descriptions end with in the policy (not in the docs, which
/// are the page it points to): where to find the environment's details and
/// whom to ask. `None` when the platform names neither.
pub fn description_suffix(platform: &Platform, service: &Service, env: &Environment) -> Option<String> {
    let mut lines = Vec::new();
    if let Some(page) = Ctx::new(platform, service, env).environment_page() {
        lines.push(format!("See {page} for service and infrastructure access details."));
    }
    if let Some(channel) = &platform.handbook.support_channel {
        lines.push(format!("If you need additional assistance, reach out to {channel}."));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The policy's documentation: the description and the suffix.
pub fn documentation(platform: &Platform, service: &Service, env: &Environment, alert: &Alert) -> String {
    match description_suffix(platform, service, env) {
        Some(suffix) => format!("{}\n\n{suffix}", alert.description),
        None => alert.description.clone(),
    }
}

// ------------------------------------------------------------------ builders

struct Spec {
    group: Group,
    alert_id: &'static str,
    name: &'static str,
    description: String,
    kind: Option<ResourceKind>,
    condition: Condition,
}

fn alert(s: Spec) -> Alert {
    // `cloudsql_memory`, not `cloudsql_cloud_sql_memory`.
    let short = s.alert_id.strip_prefix("cloud_sql_").or_else(|| s.alert_id.strip_prefix("job_")).unwrap_or(s.alert_id);
    Alert {
        id: format!("{}_{short}", s.group.key()),
        alert_id: s.alert_id.to_string(),
        group: s.group,
        name: s.name.to_string(),
        description: s.description,
        severity: Severity::Warning,
        resource_kind: s.kind,
        condition: s.condition,
        requires: None,
    }
}

fn agg(period_seconds: u64, aligner: &'static str, reducer: Option<&'static str>, group_by: &[&str]) -> Aggregation {
    Aggregation { period_seconds, aligner, reducer, group_by: group_by.iter().map(|g| g.to_string()).collect() }
}

fn above(filter: Vec<Clause>, aggregation: Aggregation, value: f64, duration_seconds: u64) -> Condition {
    Condition::Threshold(Threshold {
        filter,
        aggregation,
        comparison: Comparison::Above,
        value,
        duration_seconds,
        trigger: Trigger::Any,
    })
}

/// The filter selecting one metric of this environment's Cloud Run service
/// or job. Names are exact: the service and job are named
/// `<service>-<env>-<region>`.
fn cloud_run(ctx: &Ctx<'_>, metric: &str) -> Vec<Clause> {
    let mut f = vec![is("metric.type", metric)];
    if ctx.is_job() {
        f.push(is("resource.type", "cloud_run_job"));
        f.push(is("resource.labels.job_name", ctx.cloud_run_name()));
    } else {
        f.push(is("resource.type", "cloud_run_revision"));
        f.push(is("resource.labels.service_name", ctx.cloud_run_name()));
    }
    f
}

fn cloud_run_kind(ctx: &Ctx<'_>) -> ResourceKind {
    if ctx.is_job() { ResourceKind::CloudRunJob } else { ResourceKind::CloudRunService }
}

/// Service alerts look at each revision separately, so a bad new revision
/// is not averaged away by a healthy old one.
fn revision_group(ctx: &Ctx<'_>) -> Vec<&'static str> {
    if ctx.is_job() { vec![] } else { vec!["resource.label.revision_name"] }
}

/// The project holds exactly one Redis and one Cloud SQL instance (both
/// created by the cloudrun stack), so the project selects the instance
/// without depending on the generated instance names.
fn in_project(ctx: &Ctx<'_>, metric: &str, resource_type: &str) -> Vec<Clause> {
    vec![
        is("metric.type", metric),
        is("resource.type", resource_type),
        is("resource.labels.project_id", ctx.project_id()),
    ]
}

fn minutes(m: u64) -> String {
    match m {
        1 => "1 minute".to_string(),
        m if m % 60 == 0 && m >= 120 => format!("{} hours", m / 60),
        60 => "1 hour".to_string(),
        m => format!("{m} minutes"),
    }
}

fn percent(ratio: f64) -> String {
    let p = (ratio * 100.0 * 1000.0).round() / 1000.0;
    format!("{p}%")
}

// ------------------------------------------------------------------ common

/// The startup latency (seconds) above which instances are failing to start
/// within what their startup probe allows: for a service,
/// `HEALTHZ_FAILURE_THRESHOLD` probe attempts `startup_interval` apart with
/// `/-/healthz`, else Cloud Run's lenient probe (`LENIENT_PROBE_SECONDS`);
/// for a job, which has no probe, 10s.
pub fn startup_threshold_seconds(service: &Service, env: &Environment) -> u64 {
    if service.kind == Kind::Job {
        return 10;
    }
    match env.health_probes.as_ref().and_then(|p| p.healthz.as_ref()) {
        Some(h) => u64::from(HEALTHZ_FAILURE_THRESHOLD) * h.startup_interval_seconds,
        None => u64::from(LENIENT_PROBE_SECONDS),
    }
}

fn common(ctx: &Ctx<'_>) -> Vec<Alert> {
    let kind = Some(cloud_run_kind(ctx));
    let group = revision_group(ctx);
    let job = ctx.is_job();
    let (what, tuning) = if job {
        ("the job's containers", "give the job more CPU (`instances.cpu`)")
    } else {
        (
            "the service's instances",
            "give instances more CPU (`instances.cpu`), or lower `scaling.concurrency` so each instance serves fewer requests at once",
        )
    };
    let cpu = alert(Spec {
        group: Group::Common,
        alert_id: "cpu",
        name: "High Container CPU Utilization",
        description: format!(
            "CPU utilization of {what} (99th percentile) has stayed above 90% for 10 minutes. {}\n\n\
             Check the Cloud Run metrics and logs for a surge in load or a recent deploy that does more work. \
             If the load is expected, {tuning}.",
            if job {
                "Executions run slower and may hit their deadline."
            } else {
                "Requests slow down and may time out."
            },
        ),
        kind,
        condition: above(
            cloud_run(ctx, "run.googleapis.com/container/cpu/utilizations"),
            agg(60, "ALIGN_PERCENTILE_99", Some("REDUCE_MAX"), &group),
            0.9,
            600,
        ),
    });
    let memory = alert(Spec {
        group: Group::Common,
        alert_id: "memory",
        name: "High Container Memory Utilization",
        description: format!(
            "Memory utilization of {what} (99th percentile) is above 80%. A container that reaches its memory \
             limit is killed, failing the work it was doing.\n\n\
             Look for a leak (usage growing steadily since the last deploy) or unusually large payloads. \
             If the usage is expected, raise `instances.memory`."
        ),
        kind,
        condition: above(
            cloud_run(ctx, "run.googleapis.com/container/memory/utilizations"),
            agg(300, "ALIGN_PERCENTILE_99", Some("REDUCE_MAX"), &group),
            0.8,
            0,
        ),
    });
    let threshold = startup_threshold_seconds(ctx.service, ctx.env);
    let limit = if job {
        "Jobs have no startup probe; a healthy job container starts in a few seconds.".to_string()
    } else {
        match ctx.env.health_probes.as_ref().and_then(|p| p.healthz.as_ref()) {
            Some(h) => format!(
                "The startup probe gives up after {HEALTHZ_FAILURE_THRESHOLD} failed `/-/healthz` checks {}s apart, \
                 so slower instances are killed before they serve.",
                h.startup_interval_seconds
            ),
            None => format!("Cloud Run's default startup probe gives up after {LENIENT_PROBE_SECONDS}s."),
        }
    };
    let startup = alert(Spec {
        group: Group::Common,
        alert_id: "startup",
        name: "Container Startup Latency",
        description: format!(
            "Containers are taking more than {threshold}s to start (99th percentile). {limit} \
             {}\n\n\
             Check the logs of recent starts for slow initialisation: migrations, cache warm-up, or a slow \
             dependency such as the database or Redis.",
            if job {
                "Executions start late and may miss their deadline."
            } else {
                "Deploys and scale-ups may leave too few instances to serve traffic."
            }
        ),
        kind,
        condition: above(
            cloud_run(ctx, "run.googleapis.com/container/startup_latencies"),
            agg(60, "ALIGN_PERCENTILE_99", Some("REDUCE_MAX"), &group),
            (threshold * 1000) as f64,
            0,
        ),
    });
    vec![cpu, memory, startup]
}

// ------------------------------------------------------------------ service

fn service_alerts(ctx: &Ctx<'_>) -> Vec<Alert> {
    let env = ctx.env;
    let group = revision_group(ctx);
    let kind = Some(ResourceKind::CloudRunService);
    let mut out = Vec::new();
    let max = env.instances.scaling.as_ref().map(|s| s.max);
    // Below 5 instances a service at its maximum is normal operation, not a
    // warning sign.
    if let Some(max) = max.filter(|m| *m >= 5) {
        out.push(alert(Spec {
            group: Group::Service,
            alert_id: "instance_count",
            name: "Container Instance Count",
            description: format!(
                "More than {} instances are running, one away from the configured maximum of {max}. At the maximum, \
                 Cloud Run queues new requests and then rejects them with 429 responses.\n\n\
                 Check whether traffic grew or requests got slower (each then holds an instance longer). Raise \
                 `scaling.max`, or `scaling.concurrency` if instances have spare CPU and memory.",
                max - 1
            ),
            kind,
            condition: above(
                cloud_run(ctx, "run.googleapis.com/container/instance_count"),
                agg(60, "ALIGN_MAX", Some("REDUCE_MAX"), &group),
                f64::from(max - 1),
                0,
            ),
        }));
    }
    out.push(alert(Spec {
        group: Group::Service,
        alert_id: "cloud_run_pending_requests",
        name: "Cloud Run Pending Requests",
        description: "More than 5 requests are waiting for an instance. Cloud Run queues requests when every \
                      instance is at its concurrency limit and new instances cannot start fast enough; queued \
                      requests add latency and may time out.\n\n\
                      Check the instance count (is it at `scaling.max`?) and the startup latency. Raise \
                      `scaling.max`, or `scaling.min` to keep warm instances for bursts."
            .to_string(),
        kind,
        condition: above(
            cloud_run(ctx, "run.googleapis.com/pending_queue/pending_requests"),
            agg(60, "ALIGN_SUM", Some("REDUCE_SUM"), &group),
            5.0,
            0,
        ),
    }));
    if let Some(uptime) = uptime_check(env) {
        let url = format!("https://{}{}", uptime.host, uptime.path);
        let proxied = env.domain.as_ref().is_some_and(|d| d.proxied);
        let mut a = alert(Spec {
            group: Group::Service,
            alert_id: "external_health_check",
            name: "External Uptime Check",
            description: format!(
                "{url} is failing from most of Google's uptime-check locations: users probably cannot reach the \
                 service. This is expected for a while after the service or its domain is first provisioned.\n\n\
                 Check the Cloud Run service's latest revision and logs first, then the load balancer's backend \
                 health{}.",
                if proxied {
                    ", the Cloudflare proxy and the DNS record"
                } else {
                    ", its certificate and the DNS record"
                }
            ),
            kind: Some(ResourceKind::UrlUptime),
            condition: Condition::Threshold(Threshold {
                filter: vec![
                    is("metric.type", "monitoring.googleapis.com/uptime_check/check_passed"),
                    is("resource.type", "uptime_url"),
                    Clause { key: "metric.labels.check_id".into(), value: Match::UptimeCheckId },
                ],
                // Checks run every minute from each location: alert when
                // fewer than 40% pass over 3 minutes.
                aggregation: agg(180, "ALIGN_FRACTION_TRUE", Some("REDUCE_MEAN"), &["resource.label.host"]),
                comparison: Comparison::Below,
                value: 0.4,
                duration_seconds: 0,
                trigger: Trigger::All,
            }),
        });
        // An unreachable service is an outage: page.
        a.severity = Severity::Critical;
        a.requires = Some(Requirement::UptimeCheck(uptime));
        out.push(a);
    }
    let metric = LogMetric {
        name: precondition_failed_metric(ctx.platform),
        description: format!(
            "Cloud Run instances of {} that failed to start on a failed precondition",
            ctx.cloud_run_name()
        ),
        // gRPC status 9 is FAILED_PRECONDITION.
        filter: format!(
            "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = \"{}\" AND protoPayload.status.code = 9",
            ctx.cloud_run_name()
        ),
    };
    let mut pre = alert(Spec {
        group: Group::Service,
        alert_id: "cloud_run_precondition_failed",
        name: "Cloud Run Instance Precondition Failed",
        description: "Cloud Run could not start an instance because a precondition failed, for example a secret \
                      version that cannot be read, an image that cannot be pulled, or a failing startup probe. \
                      Instances already running keep serving, so this rarely causes immediate downtime, and it may \
                      resolve itself, but make sure the latest revision is healthy.\n\n\
                      The revision's logs and its status in the Cloud Run console name the failed condition."
            .to_string(),
        kind,
        condition: above(
            vec![
                is("metric.type", format!("logging.googleapis.com/user/{}", metric.name)),
                // Log-based metrics need their resource type in the filter.
                is("resource.type", "cloud_run_revision"),
            ],
            agg(60, "ALIGN_MAX", Some("REDUCE_SUM"), &[]),
            0.0,
            0,
        ),
    });
    pre.requires = Some(Requirement::LogMetric(metric));
    out.push(pre);
    out
}

/// The external uptime check: only a public service with a domain can be
/// probed from outside.
pub fn uptime_check(env: &Environment) -> Option<UptimeCheck> {
    let domain = env.domain.as_ref()?;
    if env.authentication != Authentication::Public {
        return None;
    }
    let healthz = env.health_probes.as_ref().and_then(|p| p.healthz.as_ref());
    Some(UptimeCheck {
        host: domain.dns_name.clone(),
        path: if healthz.is_some() { "/-/healthz" } else { "/" }.to_string(),
        bearer: healthz.is_some(),
        // Uptime checks allow 1–60s; without healthz the check has no
        // probe timeout to follow, and `/` may be slower.
        timeout_seconds: healthz.map_or(10, |h| h.timeout_seconds).clamp(1, 60),
        period_seconds: 60,
    })
}

// ------------------------------------------------------------------ job

/// The absence window in minutes (longest gap between scheduled runs,
/// rounded up, plus 10 minutes of slack), when the job is scheduled and the
/// window is short enough for GCP.
pub fn absence_window_minutes(env: &Environment) -> Option<u64> {
    let schedule = env.schedule.as_ref()?;
    schedule.cron.as_ref()?;
    let gap = schedule.max_gap_seconds?;
    let window = gap.div_ceil(60) + 10;
    (window < MAX_ABSENCE_MINUTES).then_some(window)
}

fn job_alerts(ctx: &Ctx<'_>) -> Vec<Alert> {
    let kind = Some(ResourceKind::CloudRunJob);
    let deadline = ctx.env.job_deadline_seconds();
    let mut failures = cloud_run(ctx, "run.googleapis.com/job/completed_task_attempt_count");
    failures.push(is("metric.labels.result", "failed"));
    let mut out = vec![alert(Spec {
        group: Group::Job,
        alert_id: "job_failures",
        name: "Cloud Run Job Failures",
        description: format!(
            "An execution of the job failed: its task exited with an error or ran past its {deadline}s deadline. \
             Cloud Run does not retry it; the next scheduled execution runs as usual.\n\n\
             Check the failed execution's logs in the Cloud Run console (Jobs, then Executions)."
        ),
        kind,
        // Sum, not count: a series can report zero failed attempts.
        condition: above(failures, agg(60, "ALIGN_SUM", Some("REDUCE_SUM"), &["metric.label.result"]), 0.0, 0),
    })];
    if let Some(window) = absence_window_minutes(ctx.env) {
        let cron = ctx.env.schedule.as_ref().and_then(|s| s.cron.clone()).unwrap_or_default();
        out.push(alert(Spec {
            group: Group::Job,
            alert_id: "job_execution_absence",
            name: "Cloud Run Job Execution Absence",
            description: format!(
                "No execution of the job completed in the expected window ({window}m): the longest gap in its \
                 schedule `{cron}` plus 10 minutes. The scheduler may be paused, failing to start the job, or the \
                 job may be stuck.\n\n\
                 Check the Cloud Scheduler job's last attempt in this project, then the job's executions in Cloud Run."
            ),
            kind,
            condition: Condition::Absent {
                filter: cloud_run(ctx, "run.googleapis.com/job/completed_task_attempt_count"),
                aggregation: agg(60, "ALIGN_COUNT", Some("REDUCE_SUM"), &[]),
                duration_seconds: window * 60,
            },
        }));
    }
    out
}

// ------------------------------------------------------------------ redis

fn redis(ctx: &Ctx<'_>) -> Vec<Alert> {
    let kind = Some(ResourceKind::CloudRedis);
    let f = |metric: &str| in_project(ctx, metric, "redis_instance");
    vec![
        alert(Spec {
            group: Group::Redis,
            alert_id: "memory",
            name: "Cloud Redis - System Memory Utilization",
            description: "Redis system memory utilization is above 80%. Near the limit Redis evicts keys or rejects \
                          writes, depending on its eviction policy.\n\n\
                          Look for keys without an expiry or an unexpected growth in stored data; raise \
                          `redis.memory` if the data set is legitimately larger."
                .to_string(),
            kind,
            condition: above(
                f("redis.googleapis.com/stats/memory/system_memory_usage_ratio"),
                agg(300, "ALIGN_MEAN", None, &[]),
                0.8,
                0,
            ),
        }),
        alert(Spec {
            group: Group::Redis,
            alert_id: "cpu",
            name: "Cloud Redis - System CPU Utilization",
            description: "Redis's main thread is busier than 90%. Redis runs commands on one thread, so commands \
                          queue up and every client sees higher latency.\n\n\
                          Look for expensive commands (`KEYS`, large `SCAN`s or sorts, long Lua scripts) or a surge \
                          in requests from the service."
                .to_string(),
            kind,
            condition: above(
                f("redis.googleapis.com/stats/cpu_utilization_main_thread"),
                agg(300, "ALIGN_RATE", Some("REDUCE_SUM"), &["resource.label.instance_id", "resource.label.node_id"]),
                0.9,
                0,
            ),
        }),
        alert(Spec {
            group: Group::Redis,
            alert_id: "failover",
            name: "Cloud Redis - Standard Instance Failover",
            description: "The Redis instance's nodes changed roles: a failover happened. Standard-tier instances \
                          fail over on maintenance or node failure; clients may have seen errors for a few seconds \
                          and must reconnect to the new primary.\n\n\
                          If it repeats, check the instance's operations in the Memorystore console for the cause."
                .to_string(),
            kind,
            condition: above(f("redis.googleapis.com/replication/role"), agg(300, "ALIGN_STDDEV", None, &[]), 0.0, 0),
        }),
    ]
}

// ------------------------------------------------------------------ cloud sql

fn cloudsql(ctx: &Ctx<'_>, max_connections: u32) -> Vec<Alert> {
    let instance = Some(ResourceKind::CloudSql);
    let database = Some(ResourceKind::CloudSqlDatabase);
    let f = |metric: &str| in_project(ctx, metric, "cloudsql_database");
    let lock = |metric: &str| in_project(ctx, metric, "cloudsql_instance_database");
    let lock_group = ["resource.label.database", "metric.label.querystring", "metric.label.user"];
    // 0.9 × max as an exact decimal (0.9 itself is not).
    let connections = f64::from(max_connections * 9) / 10.0;
    let sql = |alert_id: &'static str, name: &'static str, description: &str, kind, condition| {
        alert(Spec { group: Group::CloudSql, alert_id, name, description: description.to_string(), kind, condition })
    };
    let mut out = vec![
        sql(
            "cloud_sql_memory",
            "Cloud SQL - Memory Utilization",
            "The Cloud SQL instance's memory utilization is above 80%. PostgreSQL may be restarted when it runs out \
             of memory, dropping every connection.\n\n\
             Find memory-heavy queries with Query Insights; raise `postgres.memory` if the usage is legitimate.",
            instance,
            above(f("cloudsql.googleapis.com/database/memory/utilization"), agg(60, "ALIGN_MEAN", None, &[]), 0.8, 0),
        ),
        sql(
            "cloud_sql_cpu",
            "Cloud SQL - CPU Utilization",
            "The Cloud SQL instance's CPU utilization has stayed above 90% for 3 minutes. Queries slow down and \
             connections pile up.\n\n\
             Find the most expensive queries with Query Insights; raise `postgres.cpu` if the load is legitimate.",
            instance,
            above(f("cloudsql.googleapis.com/database/cpu/utilization"), agg(60, "ALIGN_MEAN", None, &[]), 0.9, 180),
        ),
        sql(
            "cloud_sql_server_up",
            "Cloud SQL - Server Availability",
            "The Cloud SQL instance reports that it is down: the service cannot reach its database.\n\n\
             Check the instance in the Cloud SQL console: it may be restarting, under maintenance, or failing over.",
            instance,
            Condition::Threshold(Threshold {
                filter: f("cloudsql.googleapis.com/database/up"),
                aggregation: agg(60, "ALIGN_MIN", None, &[]),
                comparison: Comparison::Below,
                value: 1.0,
                duration_seconds: 0,
                trigger: Trigger::Any,
            }),
        ),
        sql(
            "cloud_sql_disk_utilization",
            "Cloud SQL - Disk Utilization",
            "The Cloud SQL instance's disk is more than 95% full. Storage grows automatically, but a disk that fills \
             faster than it grows stops accepting writes.\n\n\
             Look for fast-growing tables or write-ahead log kept for a stalled replication slot.",
            instance,
            above(f("cloudsql.googleapis.com/database/disk/utilization"), agg(300, "ALIGN_MEAN", None, &[]), 0.95, 0),
        ),
    ];
    out.push(sql(
        "cloud_sql_connections",
        "Cloud SQL - Connections",
        &format!(
            "The Cloud SQL instance has more than {connections} connections, 90% of its limit of {max_connections}. \
             Connections beyond the limit are refused.\n\n\
             This usually follows a rise in the number of service instances, each with its own connection pool. \
             Shrink the pools or raise `postgres.max_connections`."
        ),
        instance,
        above(
            f("cloudsql.googleapis.com/database/postgresql/num_backends"),
            agg(120, "ALIGN_MAX", Some("REDUCE_SUM"), &[]),
            connections,
            0,
        ),
    ));
    // Lock time is reported in microseconds; its rate is microseconds of
    // waiting per second.
    out.push(sql(
        "per_query_lock_time_sustained",
        "Cloud SQL - Sustained Per-Query Lock Times",
        "Queries have spent more than 0.2s of every second waiting for locks, for 3 minutes. Requests that touch \
         the locked rows or tables are stalled.\n\n\
         Find the blocking transaction with Query Insights: a long transaction, a migration, or an explicit lock.",
        database,
        above(
            lock("cloudsql.googleapis.com/database/postgresql/insights/perquery/lock_time"),
            agg(60, "ALIGN_RATE", Some("REDUCE_MEAN"), &lock_group),
            200_000.0,
            180,
        ),
    ));
    out.push(sql(
        "per_query_lock_time_spike",
        "Cloud SQL - Spike in Per-Query Lock Time",
        "Queries spent more than 1s of every second waiting for locks: something holds a lock that many queries \
         need.\n\n\
         Find the blocking transaction with Query Insights: a long transaction, a migration, or an explicit lock.",
        database,
        above(
            lock("cloudsql.googleapis.com/database/postgresql/insights/perquery/lock_time"),
            agg(120, "ALIGN_RATE", Some("REDUCE_MEAN"), &lock_group),
            1_000_000.0,
            0,
        ),
    ));
    out
}

// ------------------------------------------------------------------ spec alerts

/// The MQL ratio of matching responses to all responses (reference 1.5).
pub fn response_code_query(a: &ResponseCodeAlert) -> String {
    let mut q = String::from(
        "fetch cloud_run_revision\n\
         | metric 'run.googleapis.com/request_count'\n\
         | group_by 15s, [value_request_count_aggregate: aggregate(value.request_count)]\n\
         | every 15s\n\
         | {\n",
    );
    if a.code_class.is_some() {
        q.push_str("  group_by [metric.response_code, metric.response_code_class],\n");
    } else {
        q.push_str("  group_by [metric.response_code],\n");
    }
    q.push_str("  [response_code_count_aggregate: aggregate(value_request_count_aggregate)]\n");
    match (a.code, &a.code_class) {
        (Some(code), _) => q.push_str(&format!("  | filter (metric.response_code = '{code}')\n")),
        (None, Some(class)) => q.push_str(&format!("  | filter (metric.response_code_class = '{class}')\n")),
        (None, None) => {}
    }
    for code in &a.exclude_codes {
        q.push_str(&format!("  | filter (metric.response_code != '{code}')\n"));
    }
    q.push_str(
        "; group_by [],\n  [value_request_count_aggregate_aggregate: aggregate(value_request_count_aggregate)]\n}\n\
         | join\n\
         | value [response_code_ratio: val(0) / val(1)]\n",
    );
    q.push_str(&format!("| condition gt(val(), {})\n", a.ratio));
    q
}

fn response_code(a: &ResponseCodeAlert) -> Alert {
    let codes = match (a.code, &a.code_class) {
        (Some(code), _) => code.to_string(),
        (None, Some(class)) => class.clone(),
        (None, None) => "matching".to_string(),
    };
    let excluding = if a.exclude_codes.is_empty() {
        String::new()
    } else {
        format!(" (not counting {})", a.exclude_codes.join(", "))
    };
    let when = format!(
        "Fires when more than {} of the service's responses are {codes}{excluding} for {}. Only responses from \
         the application count: requests that never reached an instance (for example when none was available) do \
         not; look for those in the load balancer and Cloud Run logs.",
        percent(a.ratio),
        minutes(a.duration_minutes),
    );
    let description = match &a.description {
        Some(d) => format!("{}\n\n{when}", d.trim_end()),
        None => when,
    };
    Alert {
        id: format!("{}_{}", Group::ResponseCode.key(), a.id),
        alert_id: a.id.clone(),
        group: Group::ResponseCode,
        name: a.name.clone(),
        description,
        severity: Severity::Warning,
        resource_kind: Some(ResourceKind::CloudRunService),
        condition: Condition::Mql { query: response_code_query(a), duration_seconds: a.duration_minutes * 60 },
        requires: None,
    }
}

fn custom(a: &CustomAlert) -> Alert {
    let language = match a.query_language {
        QueryLanguage::Mql => "MQL",
        QueryLanguage::Promql => "PromQL",
    };
    let when = format!("Fires when its {language} condition holds for {}.", minutes(a.duration_minutes));
    let description = match &a.description {
        Some(d) => format!("{}\n\n{when}", d.trim_end()),
        None => format!("A custom alert of this service. {when}"),
    };
    let query = a.query.clone();
    let duration_seconds = a.duration_minutes * 60;
    Alert {
        id: format!("{}_{}", Group::Custom.key(), a.id),
        alert_id: a.id.clone(),
        group: Group::Custom,
        name: a.name.clone(),
        description,
        severity: match a.severity {
            AlertSeverity::Warning => Severity::Warning,
            AlertSeverity::Critical => Severity::Critical,
        },
        resource_kind: None,
        condition: match a.query_language {
            QueryLanguage::Mql => Condition::Mql { query, duration_seconds },
            QueryLanguage::Promql => Condition::Promql { query, duration_seconds },
        },
        requires: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ir::*;

    fn platform() -> Platform {
        serde_json::from_value(serde_json::json!({
            "billing_account": "017005-C370B2-0E3030",
            "folders": { "test": "folders/1", "internal": "folders/2", "external": "folders/3" },
            "organization_domain": null,
            "secrets_project": "secrets",
            "credentials": {
                "cloudflare_api_token": "CF", "sentry_auth_token": "SENTRY", "opsgenie_api_key": "OG",
                "slack_bot_token": "SLACK", "terraform_cloud_token": "TFC"
            },
            "terraform_cloud": {
                "organization": "example", "prefix": "msp", "terraform_version": "1.5.7",
                "runner_service_account": "tf@example.iam.gserviceaccount.com", "notification_channel": null,
                "notification_webhook_secret": "HOOK", "repository": null, "branch": "main", "output_path": "out",
                "operators_team": null, "teams": []
            },
            "slack": { "shared_channel": null, "channel_prefix": "#alerts-" },
            "opsgenie": null,
            "sentry": null,
            "cloudflare": { "origin_certificate_secret": "C", "origin_key_secret": "K" },
            "cloud_deploy": { "notification_endpoint_secret": null },
            "handbook": {
                "platform_name": "Managed Services Platform",
                "platform_team": null, "platform_team_url": null, "support_channel": "#help",
                "platform_url": null, "tooling_setup_url": null, "specs_url": null,
                "pages_url": "https://handbook.example.com/msp/"
            },
            "access": { "tool": "Entitle", "test": null, "internal": null, "external": null, "terraform_cloud": null },
            "audit_logs": { "data_access": ["admin_read", "data_read", "data_write"], "services": ["allServices"], "in_test": true }
        }))
        .unwrap()
    }

    fn service(kind: Kind) -> Service {
        Service {
            id: "shop".into(),
            name: "Shop".into(),
            kind,
            owners: vec!["commerce".into()],
            description: "Checkout".into(),
            handbook_page: None,
            protocol: Protocol::Http1,
            iam: Iam::default(),
            image: "us.gcr.io/p/shop".into(),
            source: None,
            environments: vec![],
            rollout: None,
            monitoring: Monitoring { response_code_alerts: vec![], custom_alerts: vec![], nobl9: false },
            spec_path: "services/shop.msp".into(),
            readme: None,
        }
    }

    fn env(kind: Kind) -> Environment {
        let service = kind == Kind::Service;
        Environment {
            id: "prod".into(),
            project_id: "shop-prod-1a2b".into(),
            category: Category::Internal,
            deploy: Deploy::Manual { tag: "latest".into() },
            region: "us-central1".into(),
            instances: Instances {
                cpu: 1,
                memory_mib: 512,
                generation: None,
                scaling: service.then_some(Scaling { min: 0, max: 3, concurrency: 80 }),
            },
            env: BTreeMap::new(),
            secret_env: BTreeMap::new(),
            secret_volumes: BTreeMap::new(),
            redis: None,
            postgres: None,
            bigquery: None,
            domain: None,
            health_probes: None,
            authentication: if service { Authentication::Public } else { Authentication::Restricted },
            opsgenie: true,
            allow_destroys: false,
            schedule: (!service).then_some(Schedule { cron: None, deadline_seconds: 300, max_gap_seconds: None }),
        }
    }

    fn ids(s: &Service, e: &Environment) -> Vec<String> {
        alerts(&platform(), s, e).into_iter().map(|a| a.id).collect()
    }

    fn find(s: &Service, e: &Environment, id: &str) -> Alert {
        alerts(&platform(), s, e).into_iter().find(|a| a.id == id).unwrap_or_else(|| panic!("no alert {id}"))
    }

    fn threshold(a: &Alert) -> &Threshold {
        match &a.condition {
            Condition::Threshold(t) => t,
            other => panic!("{} is not a threshold: {other:?}", a.id),
        }
    }

    fn domain() -> Domain {
        Domain {
            subdomain: "shop".into(),
            zone: "example.com".into(),
            dns_name: "shop.example.com".into(),
            proxied: false,
            load_balancer_logging: false,
        }
    }

    #[test]
    fn a_plain_service_gets_the_common_and_service_alerts_in_order() {
        let (s, e) = (service(Kind::Service), env(Kind::Service));
        assert_eq!(
            ids(&s, &e),
            [
                "common_cpu",
                "common_memory",
                "common_startup",
                "service_cloud_run_pending_requests",
                "service_cloud_run_precondition_failed"
            ]
        );
        for a in alerts(&platform(), &s, &e) {
            assert_eq!(a.severity, Severity::Warning, "{}", a.id);
            assert!(a.description.len() > 80, "{} needs a useful description", a.id);
        }
    }

    #[test]
    fn instance_count_only_from_a_maximum_of_five() {
        let s = service(Kind::Service);
        let mut e = env(Kind::Service);
        for (max, expected) in [(3, false), (4, false), (5, true), (40, true)] {
            e.instances.scaling = Some(Scaling { min: 0, max, concurrency: 80 });
            let has = ids(&s, &e).contains(&"service_instance_count".to_string());
            assert_eq!(has, expected, "max {max}");
        }
        e.instances.scaling = Some(Scaling { min: 0, max: 40, concurrency: 80 });
        let t = threshold(&find(&s, &e, "service_instance_count")).clone();
        assert_eq!(t.value, 39.0, "one instance below the maximum");
        assert_eq!(t.comparison, Comparison::Above);
    }

    #[test]
    fn startup_thresholds() {
        let mut e = env(Kind::Service);
        let s = service(Kind::Service);
        assert_eq!(startup_threshold_seconds(&s, &e), 240, "no probes");
        e.health_probes = Some(HealthProbes { healthz: None });
        assert_eq!(startup_threshold_seconds(&s, &e), 240, "healthz off");
        e.health_probes = Some(HealthProbes {
            healthz: Some(Healthz { timeout_seconds: 3, startup_interval_seconds: 5, liveness_interval_seconds: 30 }),
        });
        assert_eq!(startup_threshold_seconds(&s, &e), 15, "3 × startup interval");
        assert_eq!(threshold(&find(&s, &e, "common_startup")).value, 15_000.0, "the metric is in milliseconds");
        let j = service(Kind::Job);
        assert_eq!(startup_threshold_seconds(&j, &env(Kind::Job)), 10);
        assert_eq!(threshold(&find(&j, &env(Kind::Job), "common_startup")).value, 10_000.0);
    }

    #[test]
    fn an_hourly_job_expects_an_execution_within_70_minutes() {
        let s = service(Kind::Job);
        let mut e = env(Kind::Job);
        assert_eq!(ids(&s, &e), ["common_cpu", "common_memory", "common_startup", "job_failures"], "no schedule");
        e.schedule =
            Some(Schedule { cron: Some("0 * * * *".into()), deadline_seconds: 600, max_gap_seconds: Some(3600) });
        assert_eq!(absence_window_minutes(&e), Some(70));
        let a = find(&s, &e, "job_execution_absence");
        assert!(a.description.contains("(70m)"), "{}", a.description);
        match &a.condition {
            Condition::Absent { duration_seconds, filter, .. } => {
                assert_eq!(*duration_seconds, 4200);
                assert!(filter_text(filter).contains("resource.labels.job_name = \"shop-prod-us-central1\""));
            }
            other => panic!("{other:?}"),
        }
        // A partial minute rounds up.
        e.schedule.as_mut().unwrap().max_gap_seconds = Some(3601);
        assert_eq!(absence_window_minutes(&e), Some(71));
    }

    #[test]
    fn no_absence_alert_past_23h30m() {
        let s = service(Kind::Job);
        let mut e = env(Kind::Job);
        // Daily: 1440 + 10 minutes is over GCP's limit.
        e.schedule =
            Some(Schedule { cron: Some("0 3 * * *".into()), deadline_seconds: 600, max_gap_seconds: Some(86_400) });
        assert_eq!(absence_window_minutes(&e), None);
        assert!(!ids(&s, &e).iter().any(|i| i == "job_execution_absence"));
        // 23h19m + 10m = 1409 < 1410 still fits.
        e.schedule.as_mut().unwrap().max_gap_seconds = Some((23 * 60 + 19) * 60);
        assert_eq!(absence_window_minutes(&e), Some(1409));
        e.schedule.as_mut().unwrap().max_gap_seconds = Some((23 * 60 + 20) * 60);
        assert_eq!(absence_window_minutes(&e), None, "exactly 23h30m is rejected");
    }

    #[test]
    fn uptime_check_only_for_a_public_domain() {
        let s = service(Kind::Service);
        let mut e = env(Kind::Service);
        assert!(uptime_check(&e).is_none(), "no domain");
        e.domain = Some(domain());
        let a = find(&s, &e, "service_external_health_check");
        assert_eq!(a.severity, Severity::Critical);
        match &a.requires {
            Some(Requirement::UptimeCheck(u)) => {
                assert_eq!((u.host.as_str(), u.path.as_str(), u.bearer), ("shop.example.com", "/", false));
            }
            other => panic!("{other:?}"),
        }
        for auth in [Authentication::Organization, Authentication::Restricted] {
            e.authentication = auth;
            assert!(!ids(&s, &e).iter().any(|i| i == "service_external_health_check"), "{auth:?}");
        }
        e.authentication = Authentication::Public;
        e.health_probes = Some(HealthProbes {
            healthz: Some(Healthz { timeout_seconds: 5, startup_interval_seconds: 5, liveness_interval_seconds: 50 }),
        });
        let u = uptime_check(&e).unwrap();
        assert_eq!((u.path.as_str(), u.bearer, u.timeout_seconds), ("/-/healthz", true, 5));
        // Jobs have no domain to check.
        assert!(!ids(&service(Kind::Job), &env(Kind::Job)).iter().any(|i| i.contains("health_check")));
    }

    #[test]
    fn redis_and_cloud_sql_alerts_only_with_those_resources() {
        let s = service(Kind::Service);
        let mut e = env(Kind::Service);
        let all = ids(&s, &e);
        assert!(!all.iter().any(|i| i.starts_with("redis_") || i.starts_with("cloudsql_")));
        e.redis = Some(Redis { memory_gb: 1, high_availability: false });
        let all = ids(&s, &e);
        assert_eq!(all.iter().filter(|i| i.starts_with("redis_")).count(), 3);
        assert!(!all.iter().any(|i| i.starts_with("cloudsql_")));
        e.redis = None;
        e.postgres = Some(Postgres {
            databases: vec!["shop".into()],
            cpu: 1,
            memory_gb: 4,
            max_connections: None,
            high_availability: false,
            logical_replication: None,
        });
        let all = ids(&s, &e);
        assert_eq!(
            all.iter().filter(|i| i.starts_with("cloudsql_")).cloned().collect::<Vec<_>>(),
            [
                "cloudsql_memory",
                "cloudsql_cpu",
                "cloudsql_server_up",
                "cloudsql_disk_utilization",
                "cloudsql_connections",
                "cloudsql_per_query_lock_time_sustained",
                "cloudsql_per_query_lock_time_spike",
            ]
        );
        assert!(!all.iter().any(|i| i.starts_with("redis_")));
        assert_eq!(threshold(&find(&s, &e, "cloudsql_connections")).value, 90.0, "default 100");
        e.postgres.as_mut().unwrap().max_connections = Some(33);
        assert_eq!(threshold(&find(&s, &e, "cloudsql_connections")).value, 29.7);
        let cpu = threshold(&find(&s, &e, "cloudsql_cpu")).clone();
        assert_eq!((cpu.value, cpu.duration_seconds), (0.9, 180));
        assert!(filter_text(&cpu.filter).contains("resource.labels.project_id = \"shop-prod-1a2b\""));
    }

    #[test]
    fn custom_alerts_keep_their_severity_and_language() {
        let mut s = service(Kind::Service);
        s.monitoring.custom_alerts = vec![
            CustomAlert {
                id: "queue-depth".into(),
                name: "Queue depth".into(),
                description: Some("Jobs are piling up.".into()),
                severity: AlertSeverity::Critical,
                query_language: QueryLanguage::Promql,
                query: "sum(queue_depth) > 100".into(),
                duration_minutes: 5,
            },
            CustomAlert {
                id: "slow".into(),
                name: "Slow".into(),
                description: None,
                severity: AlertSeverity::Warning,
                query_language: QueryLanguage::Mql,
                query: "fetch x".into(),
                duration_minutes: 1,
            },
        ];
        let e = env(Kind::Service);
        let q = find(&s, &e, "custom_queue-depth");
        assert_eq!(q.severity, Severity::Critical);
        assert_eq!(q.condition, Condition::Promql { query: "sum(queue_depth) > 100".into(), duration_seconds: 300 });
        assert!(q.description.starts_with("Jobs are piling up.\n\n"));
        let slow = find(&s, &e, "custom_slow");
        assert_eq!(slow.severity, Severity::Warning);
        assert!(matches!(slow.condition, Condition::Mql { duration_seconds: 60, .. }));
        assert_eq!(ids(&s, &e).last().map(String::as_str), Some("custom_slow"), "spec order, last");
    }

    #[test]
    fn response_code_ratio_in_mql() {
        let mut s = service(Kind::Service);
        s.monitoring.response_code_alerts = vec![ResponseCodeAlert {
            id: "5xx".into(),
            name: "Server errors".into(),
            description: None,
            code: None,
            code_class: Some("5xx".into()),
            exclude_codes: vec!["503".into()],
            ratio: 0.05,
            duration_minutes: 5,
        }];
        let a = find(&s, &env(Kind::Service), "response_code_5xx");
        let Condition::Mql { query, duration_seconds } = &a.condition else { panic!() };
        assert_eq!(*duration_seconds, 300);
        assert!(query.contains("| filter (metric.response_code_class = '5xx')"));
        assert!(query.contains("| filter (metric.response_code != '503')"));
        assert!(query.ends_with("| condition gt(val(), 0.05)\n"));
        assert!(a.description.contains("more than 5% "), "{}", a.description);
        // Jobs serve no requests.
        let mut j = service(Kind::Job);
        j.monitoring.response_code_alerts = s.monitoring.response_code_alerts.clone();
        assert!(!ids(&j, &env(Kind::Job)).iter().any(|i| i.starts_with("response_code")));
    }

    #[test]
    fn the_suffix_points_at_the_environment_and_support() {
        let (s, e) = (service(Kind::Service), env(Kind::Service));
        assert_eq!(
            description_suffix(&platform(), &s, &e).as_deref(),
            Some(
                "See https://handbook.example.com/msp/shop#prod for service and infrastructure access details.\n\
                 If you need additional assistance, reach out to #help."
            )
        );
        let mut p = platform();
        p.handbook.pages_url = None;
        p.handbook.support_channel = None;
        assert_eq!(description_suffix(&p, &s, &e), None);
        let a = &alerts(&p, &s, &e)[0];
        assert_eq!(documentation(&p, &s, &e, a), a.description);
    }

    #[test]
    fn ids_are_unique() {
        let mut s = service(Kind::Service);
        let mut e = env(Kind::Service);
        e.instances.scaling = Some(Scaling { min: 0, max: 10, concurrency: 80 });
        e.domain = Some(domain());
        e.redis = Some(Redis { memory_gb: 1, high_availability: true });
        e.postgres = Some(Postgres {
            databases: vec![],
            cpu: 1,
            memory_gb: 4,
            max_connections: Some(200),
            high_availability: true,
            logical_replication: None,
        });
        s.monitoring.custom_alerts = vec![CustomAlert {
            id: "memory".into(),
            name: "memory".into(),
            description: None,
            severity: AlertSeverity::Warning,
            query_language: QueryLanguage::Mql,
            query: "fetch x".into(),
            duration_minutes: 1,
        }];
        let all = ids(&s, &e);
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len(), "{all:?}");
        assert_eq!(all.len(), 3 + 4 + 3 + 7 + 1);
    }
}
