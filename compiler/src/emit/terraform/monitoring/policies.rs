//! One `google_monitoring_alert_policy` per alert, and the resources alerts
//! require (the external uptime check, the log-based metric).

use super::super::ctx::Ctx;
use super::super::hcl::{Blk, Expr, Part, b, list, lit, n, obj, r, rf, s, tpl};
use crate::emit::alerts::{
    Aggregation, Alert, Clause, Condition, LogMetric, Match, Requirement, Severity, Threshold, Trigger, UptimeCheck,
    documentation,
};

/// The uptime check's resource name (there is at most one per environment).
const UPTIME_CHECK: &str = "google_monitoring_uptime_check_config.external";

/// The Terraform name of a log-based metric's resource.
fn metric_resource(metric: &LogMetric) -> String {
    let short = metric.name.rsplit('/').next().unwrap_or(&metric.name);
    format!("google_logging_metric.{short}")
}

/// Resources some alerts need, before the policies that use them.
pub fn requirements(ctx: &Ctx<'_>, alerts: &[Alert]) -> Vec<Blk> {
    let mut out = Vec::new();
    for a in alerts {
        match &a.requires {
            Some(Requirement::UptimeCheck(u)) => {
                if u.bearer {
                    out.push(ctx.remote_state("cloudrun"));
                }
                out.push(uptime_check(ctx, u));
            }
            Some(Requirement::LogMetric(m)) => out.push(log_metric(ctx, m)),
            None => {}
        }
    }
    out
}

fn uptime_check(ctx: &Ctx<'_>, u: &UptimeCheck) -> Blk {
    let mut http = Blk::new("http_check")
        .set("port", n(443))
        .set("use_ssl", b(true))
        .set("validate_ssl", b(true))
        .set("path", s(u.path.clone()));
    if u.bearer {
        // `/-/healthz` answers only with the diagnostics secret, which the
        // cloudrun stack generates and gives the container.
        http = http
            .set(
                "headers",
                obj([(
                    "Authorization",
                    tpl([lit("Bearer "), rf("data.terraform_remote_state.cloudrun.outputs.diagnostics_secret")]),
                )]),
            )
            .set("mask_headers", b(true));
    }
    http = http.block(Blk::new("accepted_response_status_codes").set("status_class", s("STATUS_CLASS_2XX")));
    let (kind, name) = UPTIME_CHECK.split_once('.').expect("type.name");
    Blk::resource(kind, name)
        .set("project", s(ctx.project_id()))
        .set("display_name", s(format!("External Uptime Check for {}", u.host)))
        .set("timeout", s(format!("{}s", u.timeout_seconds)))
        .set("period", s(format!("{}s", u.period_seconds)))
        .set("user_labels", obj(ids(ctx)))
        .block(
            Blk::new("monitored_resource")
                .set("type", s("uptime_url"))
                .set("labels", obj([("project_id", s(ctx.project_id())), ("host", s(u.host.clone()))])),
        )
        .block(http)
}

fn log_metric(ctx: &Ctx<'_>, m: &LogMetric) -> Blk {
    let resource = metric_resource(m);
    let (kind, name) = resource.split_once('.').expect("type.name");
    Blk::resource(kind, name)
        .set("project", s(ctx.project_id()))
        .set("name", s(m.name.clone()))
        .set("description", s(m.description.clone()))
        .set("filter", s(m.filter.clone()))
        .block(
            Blk::new("metric_descriptor")
                .set("metric_kind", s("DELTA"))
                .set("value_type", s("INT64"))
                .set("unit", s("1")),
        )
}

/// The labels every MSP monitoring resource carries.
fn ids(ctx: &Ctx<'_>) -> Vec<(&'static str, Expr)> {
    vec![
        ("source", s("managed-services-platform")),
        ("msp_service_id", s(label(ctx.id()))),
        ("msp_environment_id", s(label(ctx.env_id()))),
    ]
}

/// A label value: lowercase, at most 63 characters.
fn label(v: &str) -> String {
    v.to_lowercase().chars().take(63).collect()
}

pub fn policy(ctx: &Ctx<'_>, a: &Alert) -> Blk {
    let mut labels = ids(ctx);
    labels.insert(1, ("msp_alert_id", s(label(&a.alert_id))));
    if let Some(kind) = a.resource_kind {
        labels.push(("resource_kind", s(kind.as_str())));
    }
    let channels = match a.severity {
        Severity::Warning => "local.notifications_warning",
        Severity::Critical => "local.notifications_critical",
    };
    let content = documentation(ctx.platform, ctx.service, ctx.env, a);
    let mut blk = Blk::resource("google_monitoring_alert_policy", &a.id)
        .set("project", s(ctx.project_id()))
        .set("display_name", s(a.name.clone()))
        .set("combiner", s("OR"))
        .set("severity", s(a.severity.as_str()))
        .set("notification_channels", r(channels))
        .set("user_labels", obj(labels))
        .block(
            Blk::new("documentation")
                .set("subject", s(format!("{} ({}): {}", ctx.service.name, ctx.env_id(), a.name)))
                .set("content", text(&content))
                .set("mime_type", s("text/markdown")),
        )
        // Close incidents whose data stopped coming, so they do not linger.
        .block(Blk::new("alert_strategy").set("auto_close", s("86400s")))
        .block(Blk::new("conditions").set("display_name", s(a.name.clone())).block(condition(&a.condition)));
    if let Some(Requirement::LogMetric(m)) = &a.requires {
        // The filter names the metric's type as text; the metric must exist first.
        blk = blk.set("depends_on", list([r(metric_resource(m))]));
    }
    blk
}

fn condition(c: &Condition) -> Blk {
    match c {
        Condition::Threshold(t) => threshold(t),
        Condition::Absent { filter, aggregation, duration_seconds } => Blk::new("condition_absent")
            .set("filter", filter_expr(filter))
            .set("duration", seconds(*duration_seconds))
            .block(aggregations(aggregation))
            .block(Blk::new("trigger").set("count", n(1))),
        Condition::Mql { query, duration_seconds } => Blk::new("condition_monitoring_query_language")
            .set("query", text(query))
            .set("duration", seconds(*duration_seconds))
            .block(Blk::new("trigger").set("count", n(1))),
        Condition::Promql { query, duration_seconds } => Blk::new("condition_prometheus_query_language")
            .set("query", text(query))
            .set("duration", seconds(*duration_seconds)),
    }
}

fn threshold(t: &Threshold) -> Blk {
    let trigger = match t.trigger {
        Trigger::Any => Blk::new("trigger").set("count", n(1)),
        Trigger::All => Blk::new("trigger").set("percent", n(100)),
    };
    Blk::new("condition_threshold")
        .set("filter", filter_expr(&t.filter))
        .set("comparison", s(t.comparison.as_str()))
        .set("threshold_value", number(t.value))
        .set("duration", seconds(t.duration_seconds))
        .block(aggregations(&t.aggregation))
        .block(trigger)
}

fn aggregations(a: &Aggregation) -> Blk {
    let mut blk = Blk::new("aggregations")
        .set("alignment_period", seconds(a.period_seconds))
        .set("per_series_aligner", s(a.aligner));
    if let Some(reducer) = a.reducer {
        blk = blk.set("cross_series_reducer", s(reducer));
    }
    if !a.group_by.is_empty() {
        blk = blk.set("group_by_fields", super::super::hcl::strs(&a.group_by));
    }
    blk
}

fn filter_expr(filter: &[Clause]) -> Expr {
    let mut parts: Vec<Part> = Vec::new();
    for (i, c) in filter.iter().enumerate() {
        let sep = if i == 0 { "" } else { " AND " };
        match &c.value {
            Match::Is(v) => parts.push(lit(format!("{sep}{} = \"{v}\"", c.key))),
            Match::UptimeCheckId => {
                parts.push(lit(format!("{sep}{} = \"", c.key)));
                parts.push(rf(format!("{UPTIME_CHECK}.uptime_check_id")));
                parts.push(lit("\""));
            }
        }
    }
    if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
        s(parts.into_iter().map(|p| if let Part::Lit(l) = p { l } else { String::new() }).collect::<String>())
    } else {
        tpl(parts)
    }
}

/// Multi-line text (descriptions, queries) as a heredoc, which reads as
/// written, when Terraform reads it back exactly; else as a quoted string,
/// which is always exact. User text must never end the heredoc (a line
/// `EOT` would let the rest be read as Terraform), lose its common
/// indentation to `<<-`, or hold what the line layout adjusts (a line
/// ending in an empty `{}`, carriage returns, the comment placeholder).
fn text(v: &str) -> Expr {
    let empty_braces = |l: &str| l.trim_end().strip_suffix('}').is_some_and(|h| h.trim_end().ends_with('{'));
    let exact = !v.contains('\r')
        && !v.contains("__mspc_comment_")
        && v.lines().all(|l| l.trim() != "EOT" && !empty_braces(l))
        && v.lines().any(|l| !l.is_empty() && !l.starts_with([' ', '\t']));
    if v.contains('\n') && exact { Expr::Heredoc(v.to_string()) } else { s(v) }
}

fn seconds(v: u64) -> Expr {
    s(format!("{v}s"))
}

/// Whole numbers without a fraction, as people write thresholds.
fn number(v: f64) -> Expr {
    if v.fract() == 0.0 && v.abs() < 1e15 { Expr::Int(v as i64) } else { Expr::Float(v) }
}
