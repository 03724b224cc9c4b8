//! What the monitoring stack must produce for each spec feature: where
//! alerts go, which alert policies exist and how they are labelled, and the
//! resources some alerts need, asserted on the generated Terraform.

mod common;

use common::tf::{Build, Module};

const POLICY: &str = "google_monitoring_alert_policy";
const CHANNEL: &str = "google_monitoring_notification_channel";

/// The fixtures' platform plus paging, a shared channel and handbook links.
fn platform_with_paging() -> String {
    let base = common::shared_platform();
    let body = base.trim_end().strip_suffix('}').expect("a platform block");
    format!(
        "{body}\n  opsgenie = {{}}\n  slack = {{ shared_channel = \"#alerts-all\" }}\n  \
         handbook = {{ pages_url = \"https://handbook.example.com/ops\", support_channel = \"#help\" }}\n}}\n"
    )
}

fn service(service_body: &str, env_body: &str) -> String {
    format!(
        r#"
service shop {{
  name          = "Shop"
  owners        = ["commerce", "payments"]
  description   = "Checkout"
  handbook_page = "https://handbook.example.com/shop"
  image         = "us.gcr.io/example-registry/shop"
  {service_body}
  environment prod {{
    project_id = "shop-prod-1a2b"
    category   = internal
    deploy     = manual
    {env_body}
  }}
}}
"#
    )
}

fn build(service_body: &str, env_body: &str) -> Build {
    Build::of(&[("services/shop.msp", &service(service_body, env_body))])
}

fn build_with_paging(service_body: &str, env_body: &str) -> Build {
    Build::of(&[("platform.msp", &platform_with_paging()), ("services/shop.msp", &service(service_body, env_body))])
}

fn monitoring(b: &Build) -> Module {
    b.stack("shop", "prod", "monitoring")
}

/// An expression's text without spaces and newlines, for comparing lists.
fn flat(text: Option<String>) -> String {
    text.unwrap_or_default().replace([' ', '\n'], "")
}

const CRITICAL_CUSTOM_ALERT: &str = r#"
  monitoring {
    custom_alerts = [
      {
        name      = "Checkout failures"
        severity  = critical
        condition = promql { query = "sum(rate(checkout_failures_total[5m])) > 1" }
      },
    ]
  }
"#;

#[test]
fn a_maximum_of_five_instances_adds_the_instance_count_policy() {
    let five = build("", "instances = { cpu = 1, memory = 512Mi, scaling = { min = 0, max = 5 } }");
    let m = monitoring(&five);
    let p = m.resource(POLICY, "service_instance_count");
    assert_eq!(p.str("display_name").as_deref(), Some("Container Instance Count"));
    assert_eq!(p.int("conditions.condition_threshold.threshold_value"), Some(4), "one below the maximum");
    assert_eq!(p.str("conditions.condition_threshold.comparison").as_deref(), Some("COMPARISON_GT"));
    let filter = p.str("conditions.condition_threshold.filter").unwrap();
    assert!(filter.contains("run.googleapis.com/container/instance_count"), "{filter}");
    assert!(filter.contains("resource.labels.service_name = \"shop-prod-us-central1\""), "{filter}");

    let four = build("", "instances = { cpu = 1, memory = 512Mi, scaling = { min = 0, max = 4 } }");
    assert!(!monitoring(&four).has_resource(POLICY, "service_instance_count"));
}

#[test]
fn critical_alerts_reach_the_owners_opsgenie_teams_when_the_platform_pages() {
    let b = build_with_paging(CRITICAL_CUSTOM_ALERT, "alerting = { opsgenie = true }");
    let m = monitoring(&b);
    // One team, service, integration and channel per owner, in owner order.
    assert_eq!(m.data("opsgenie_team", "owner_0").str("name").as_deref(), Some("commerce"));
    assert_eq!(m.data("opsgenie_team", "owner_1").str("name").as_deref(), Some("payments"));
    let integration = m.resource("opsgenie_api_integration", "owner_0");
    assert_eq!(integration.str("type").as_deref(), Some("GoogleStackdriver"));
    assert_eq!(integration.bool("suppress_notifications"), Some(false), "paging is on");
    assert_eq!(integration.text("responders.id").as_deref(), Some("data.opsgenie_team.owner_0.id"));
    let service = m.resource("opsgenie_service", "owner_1");
    assert_eq!(service.str("name").as_deref(), Some("Shop - prod (payments)"));
    let channel = m.resource(CHANNEL, "opsgenie_owner_0");
    assert_eq!(channel.str("type").as_deref(), Some("webhook_tokenauth"));
    let url = channel.text("labels.url").unwrap();
    assert!(
        url.contains(
            "https://api.opsgenie.com/v1/json/googlestackdriver?apiKey=${opsgenie_api_integration.owner_0.api_key}"
        ),
        "{url}"
    );

    let locals = m.block("locals", None);
    assert_eq!(
        flat(locals.text("notifications_critical")),
        "[google_monitoring_notification_channel.slack.id,google_monitoring_notification_channel.slack_shared.id,\
         google_monitoring_notification_channel.opsgenie_owner_0.id,google_monitoring_notification_channel.opsgenie_owner_1.id]"
    );
    assert!(!flat(locals.text("notifications_warning")).contains("opsgenie"), "warnings never page");

    let critical = m.resource(POLICY, "custom_checkout-failures");
    assert_eq!(critical.str("severity").as_deref(), Some("CRITICAL"));
    assert_eq!(critical.text("notification_channels").as_deref(), Some("local.notifications_critical"));
    assert_eq!(
        critical.str("conditions.condition_prometheus_query_language.query").as_deref(),
        Some("sum(rate(checkout_failures_total[5m])) > 1")
    );
    let warning = m.resource(POLICY, "common_cpu");
    assert_eq!(warning.text("notification_channels").as_deref(), Some("local.notifications_warning"));
}

#[test]
fn without_paging_the_integration_is_silenced_and_without_opsgenie_there_is_none() {
    let silenced = build_with_paging(CRITICAL_CUSTOM_ALERT, "alerting = { opsgenie = false }");
    let m = monitoring(&silenced);
    assert_eq!(
        m.resource("opsgenie_api_integration", "owner_0").bool("suppress_notifications"),
        Some(true),
        "alerts still reach Opsgenie, but page nobody"
    );

    let none = build(CRITICAL_CUSTOM_ALERT, "");
    let m = monitoring(&none);
    assert!(m.resources_of("opsgenie_api_integration").is_empty());
    assert!(m.resources_of("opsgenie_service").is_empty());
    assert!(!m.resources_of(CHANNEL).iter().any(|c| c.contains("opsgenie")));
    assert!(!m.text.contains("opsgenie"), "no provider either");
    assert_eq!(
        flat(m.block("locals", None).text("notifications_critical")),
        "[google_monitoring_notification_channel.slack.id]",
        "critical alerts still go to Slack"
    );
}

#[test]
fn every_environment_gets_its_slack_channel_and_the_shared_one_when_set() {
    let b = build_with_paging("", "");
    let m = monitoring(&b);
    let conversation = m.resource("slack_conversation", "alerts");
    assert_eq!(conversation.str("name").as_deref(), Some("alerts-shop-prod"));
    assert_eq!(conversation.bool("adopt_existing_channel"), Some(true));
    assert_eq!(conversation.bool("is_private"), Some(false));
    assert_eq!(conversation.str("action_on_update_permanent_members").as_deref(), Some("none"));
    assert!(conversation.str("topic").unwrap().contains("https://handbook.example.com/ops/shop"));
    let slack = m.resource(CHANNEL, "slack");
    assert_eq!(slack.str("type").as_deref(), Some("slack"));
    assert_eq!(slack.str("labels.channel_name").as_deref(), Some("#alerts-shop-prod"));
    assert_eq!(
        slack.text("sensitive_labels.auth_token").as_deref(),
        Some("data.google_secret_manager_secret_version.slack_bot_token.secret_data")
    );
    assert_eq!(m.resource(CHANNEL, "slack_shared").str("labels.channel_name").as_deref(), Some("#alerts-all"));

    let no_shared = build("", "");
    assert!(!monitoring(&no_shared).has_resource(CHANNEL, "slack_shared"));
}

#[test]
fn every_policy_is_labelled_documented_and_closes_itself() {
    let b = build_with_paging(CRITICAL_CUSTOM_ALERT, "redis = {}\n postgres = { databases = [\"shop\"] }");
    let m = monitoring(&b);
    let policies = m.resources_of(POLICY);
    assert!(policies.len() >= 15, "{policies:?}");
    for name in &policies {
        let p = m.resource(POLICY, name);
        let display = p.str("display_name").unwrap();
        assert_eq!(p.str("user_labels.source").as_deref(), Some("managed-services-platform"), "{name}");
        assert_eq!(p.str("user_labels.msp_service_id").as_deref(), Some("shop"), "{name}");
        assert_eq!(p.str("user_labels.msp_environment_id").as_deref(), Some("prod"), "{name}");
        assert!(p.str("user_labels.msp_alert_id").is_some_and(|id| !id.is_empty() && id.len() <= 63), "{name}");
        assert_eq!(p.str("documentation.subject"), Some(format!("Shop (prod): {display}")), "{name}");
        assert_eq!(p.str("documentation.mime_type").as_deref(), Some("text/markdown"), "{name}");
        let content = p.text("documentation.content").unwrap();
        assert!(
            content.contains(
                "See https://handbook.example.com/ops/shop#prod for service and infrastructure access details."
            ),
            "{name}: {content}"
        );
        assert!(content.contains("reach out to #help."), "{name}");
        assert_eq!(p.str("alert_strategy.auto_close").as_deref(), Some("86400s"), "{name}");
        assert_eq!(p.str("combiner").as_deref(), Some("OR"), "{name}");
        assert_eq!(p.str("conditions.display_name"), Some(display), "{name}");
    }
    assert_eq!(
        m.resource(POLICY, "cloudsql_memory").str("user_labels.msp_alert_id").as_deref(),
        Some("cloud_sql_memory"),
        "MSP's alert ids"
    );
    assert_eq!(m.resource(POLICY, "redis_cpu").str("user_labels.resource_kind").as_deref(), Some("cloud-redis"));
}

#[test]
fn redis_and_cloud_sql_alerts_follow_the_resources() {
    let plain = build("", "");
    let m = monitoring(&plain);
    assert!(!m.resources_of(POLICY).iter().any(|p| p.starts_with("redis_") || p.starts_with("cloudsql_")));

    let b = build("", "redis = {}\n postgres = { databases = [\"shop\"], max_connections = 200 }");
    let m = monitoring(&b);
    for p in ["redis_memory", "redis_cpu", "redis_failover", "cloudsql_memory", "cloudsql_cpu", "cloudsql_server_up"] {
        assert!(m.has_resource(POLICY, p), "{p}");
    }
    let connections = m.resource(POLICY, "cloudsql_connections");
    assert_eq!(connections.int("conditions.condition_threshold.threshold_value"), Some(180), "0.9 × 200");
    let lock = m.resource(POLICY, "cloudsql_per_query_lock_time_sustained");
    assert_eq!(lock.int("conditions.condition_threshold.threshold_value"), Some(200_000), "microseconds");
    assert_eq!(lock.str("conditions.condition_threshold.duration").as_deref(), Some("180s"));
    let filter = lock.str("conditions.condition_threshold.filter").unwrap();
    assert!(filter.contains("resource.type = \"cloudsql_instance_database\""), "{filter}");
}

#[test]
fn a_public_domain_gets_an_uptime_check_that_pages() {
    let b = build_with_paging(
        "",
        "domain = cloudflare { subdomain = \"shop\", zone = \"example.com\" }\n health_probes = { timeout = 5s }",
    );
    let m = monitoring(&b);
    let check = m.resource("google_monitoring_uptime_check_config", "external");
    assert_eq!(check.str("monitored_resource.labels.host").as_deref(), Some("shop.example.com"));
    assert_eq!(check.str("http_check.path").as_deref(), Some("/-/healthz"));
    assert_eq!(check.str("timeout").as_deref(), Some("5s"));
    assert_eq!(check.bool("http_check.mask_headers"), Some(true));
    assert_eq!(
        check.text("http_check.headers.Authorization").as_deref(),
        Some("\"Bearer ${data.terraform_remote_state.cloudrun.outputs.diagnostics_secret}\"")
    );
    assert_eq!(
        check.str("http_check.accepted_response_status_codes.status_class").as_deref(),
        Some("STATUS_CLASS_2XX")
    );
    assert!(m.text.contains("data \"terraform_remote_state\" \"cloudrun\""));
    let alert = m.resource(POLICY, "service_external_health_check");
    assert_eq!(alert.str("severity").as_deref(), Some("CRITICAL"));
    assert_eq!(alert.text("notification_channels").as_deref(), Some("local.notifications_critical"));
    let filter = alert.text("conditions.condition_threshold.filter").unwrap();
    assert!(filter.contains("${google_monitoring_uptime_check_config.external.uptime_check_id}"), "{filter}");
    assert_eq!(alert.int("conditions.condition_threshold.trigger.percent"), Some(100));

    let organization = build(
        "",
        "domain = cloudflare { subdomain = \"shop\", zone = \"example.com\" }\n authentication = organization",
    );
    let m = monitoring(&organization);
    assert!(m.resources_of("google_monitoring_uptime_check_config").is_empty(), "not reachable from outside");
    assert!(!m.has_resource(POLICY, "service_external_health_check"));
    assert!(!m.text.contains("terraform_remote_state"));
}

#[test]
fn precondition_failures_are_counted_from_the_logs() {
    let b = build("", "");
    let m = monitoring(&b);
    let metric = m.resource("google_logging_metric", "cloud_run_precondition_failed");
    assert_eq!(metric.str("name").as_deref(), Some("msp/cloud_run_precondition_failed"));
    assert!(metric.str("filter").unwrap().contains("protoPayload.status.code = 9"));
    let alert = m.resource(POLICY, "service_cloud_run_precondition_failed");
    assert!(
        alert
            .str("conditions.condition_threshold.filter")
            .unwrap()
            .contains("logging.googleapis.com/user/msp/cloud_run_precondition_failed")
    );
    assert_eq!(flat(alert.text("depends_on")), "[google_logging_metric.cloud_run_precondition_failed]");
}

#[test]
fn an_hourly_job_alerts_on_failures_and_on_70_minutes_without_an_execution() {
    let spec = r#"
job sync {
  owners      = ["data"]
  description = "Hourly sync"
  image       = "us.gcr.io/example/sync"
  schedule    = { cron = "0 * * * *", deadline = 10m }
  environment prod {
    project_id = "sync-prod-1a2b"
    category   = test
    deploy     = manual
  }
}
"#;
    let b = Build::of(&[("services/sync.msp", spec)]);
    let m = b.stack("sync", "prod", "monitoring");
    let absence = m.resource(POLICY, "job_execution_absence");
    assert_eq!(absence.str("conditions.condition_absent.duration").as_deref(), Some("4200s"));
    assert!(absence.text("documentation.content").unwrap().contains("(70m)"));
    let failures = m.resource(POLICY, "job_failures");
    let filter = failures.str("conditions.condition_threshold.filter").unwrap();
    assert!(filter.contains("resource.labels.job_name = \"sync-prod-us-central1\""), "{filter}");
    assert!(filter.contains("metric.labels.result = \"failed\""), "{filter}");
    let startup = m.resource(POLICY, "common_startup");
    assert_eq!(startup.int("conditions.condition_threshold.threshold_value"), Some(10_000), "10s, in ms");
    assert!(!m.resources_of(POLICY).iter().any(|p| p.starts_with("service_")), "no service alerts for jobs");

    let daily = Build::of(&[("services/sync.msp", &spec.replace("0 * * * *", "0 3 * * *"))]);
    assert!(!daily.stack("sync", "prod", "monitoring").has_resource(POLICY, "job_execution_absence"), "over 23h30m");
}

#[test]
fn the_startup_alert_follows_the_probes() {
    let threshold = |env: &str| {
        let b = build("", env);
        monitoring(&b).resource(POLICY, "common_startup").int("conditions.condition_threshold.threshold_value")
    };
    assert_eq!(threshold("health_probes = { timeout = 5s, startup_interval = 10s }"), Some(30_000), "3 × 10s");
    assert_eq!(threshold("health_probes = { healthz = false }"), Some(240_000));
    assert_eq!(threshold(""), Some(240_000), "no probes: Cloud Run's default");
}

#[test]
fn the_dashboard_charts_every_policy() {
    let b = build_with_paging(CRITICAL_CUSTOM_ALERT, "redis = {}");
    let m = monitoring(&b);
    let dashboard = m.resource("google_monitoring_dashboard", "alerts");
    let json = dashboard.text("dashboard_json").unwrap();
    for p in m.resources_of(POLICY) {
        assert!(json.contains(&format!("${{google_monitoring_alert_policy.{p}.name}}")), "{p} is not charted");
    }
    for section in ["Container Alerts", "Cloud Run Service Alerts", "Redis Alerts", "Custom Alerts"] {
        assert!(json.contains(section), "{section}");
    }
    assert!(!json.contains("Cloud SQL Alerts"), "no empty sections");
}

/// Alert text written by users reaches Terraform exactly, and can never end
/// a heredoc early and be read as Terraform itself.
#[test]
fn multi_line_alert_text_is_never_read_as_terraform() {
    for query in [
        "sum(up{})\nEOT\nresource \"google_project\" \"injected\" {}\n> 1",
        "  indented\n    more",
        "a\r\nb",
        "rate(x[5m])\nup{}",
        "plain\nlines",
    ] {
        let alert = format!(
            r#"
  monitoring {{
    custom_alerts = [
      {{
        name      = "Odd"
        severity  = warning
        condition = promql {{ query = {} }}
      }},
    ]
  }}
"#,
            serde_json::to_string(query).unwrap()
        );
        let b = build(&alert, "");
        let m = monitoring(&b);
        assert!(!m.has_resource("google_project", "injected"), "{query:?}");
        let text = m.resource(POLICY, "custom_odd").text("conditions.condition_prometheus_query_language.query");
        let read: String =
            match m.resource(POLICY, "custom_odd").expr("conditions.condition_prometheus_query_language.query") {
                Some(hcl::Expression::String(s)) => s,
                Some(hcl::Expression::TemplateExpr(t)) => match *t {
                    hcl::expr::TemplateExpr::Heredoc(h) => {
                        // `<<-` strips the lines' common indentation, as Terraform does.
                        let lines: Vec<&str> = h.template.lines().collect();
                        let indent = lines
                            .iter()
                            .filter(|l| !l.trim().is_empty())
                            .map(|l| l.len() - l.trim_start().len())
                            .min()
                            .unwrap_or(0);
                        lines.iter().map(|l| l.get(indent..).unwrap_or("")).collect::<Vec<_>>().join("\n")
                    }
                    other => panic!("{other:?}"),
                },
                other => panic!("{query:?}: {other:?} {text:?}"),
            };
        assert_eq!(read.trim_end_matches('\n'), query, "{text:?}");
    }
}
