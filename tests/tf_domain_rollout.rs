//! What a domain (load balancer, certificate, Cloud Armor, DNS) and a
//! rollout (Cloud Deploy pipeline, identities, buckets, notifications, the
//! target file) must produce in the cloudrun stack.

mod common;

use common::tf::{Build, Module, Node};

fn service(env_lines: &str, category: &str) -> String {
    format!(
        r#"
service shop {{
  owners      = ["commerce"]
  description = "Checkout"
  handbook_page = "https://handbook.example.com/shop"
  image       = "us.gcr.io/example-registry/shop"

  environment prod {{
    project_id = "shop-prod-1a2b"
    category   = {category}
    deploy     = manual
    {env_lines}
  }}
}}
"#
    )
}

fn domain_stack(domain: &str, category: &str) -> Module {
    let b = Build::of(&[("services/shop.msp", &service(&format!("domain = {domain}"), category))]);
    b.stack("shop", "prod", "cloudrun")
}

/// The value of `key` in whichever top-level `locals` block defines it.
fn local<'a>(m: &'a Module, key: &str) -> Node<'a> {
    let found = m.body.blocks().filter(|b| b.identifier() == "locals").find_map(|b| {
        let node = Node(&b.body);
        node.has(key).then_some(node)
    });
    found.unwrap_or_else(|| panic!("no local {key} in:\n{}", m.text))
}

const PROXIED: &str = r#"cloudflare { subdomain = "shop", zone = "example.com" }"#;
const UNPROXIED: &str = r#"cloudflare { subdomain = "shop", zone = "example.com", proxied = false }"#;

#[test]
fn proxied_production_domain_is_behind_cloud_armor_admitting_only_cloudflare() {
    for category in ["internal", "external"] {
        let m = domain_stack(PROXIED, category);
        let policy = m.resource("google_compute_security_policy", "cloudflare");
        assert_eq!(policy.str("name").as_deref(), Some("shop-prod-us-central1-security-policy"));
        let backend = m.resource("google_compute_backend_service", "load_balancer");
        assert_eq!(
            backend.text("security_policy").as_deref(),
            Some("google_compute_security_policy.cloudflare.id"),
            "{category}: the policy is attached to the backend"
        );

        // Default deny, then allow rules for Cloudflare's ranges, 10 per rule from priority 4000.
        let default = policy.child("rule");
        assert_eq!(default.str("action").as_deref(), Some("deny(403)"));
        assert_eq!(default.int("priority"), Some(2_147_483_647));
        assert_eq!(default.text("match.config.src_ip_ranges").as_deref().map(squash), Some("[\"*\"]".into()));
        let allow =
            policy.0.blocks().find(|b| b.identifier() == "dynamic").map(|b| Node(&b.body)).expect("dynamic rule");
        assert_eq!(
            allow.text("for_each").as_deref().map(squash),
            Some("chunklist(data.cloudflare_ip_ranges.cloudflare.ipv4_cidrs,10)".into())
        );
        let content = allow.child("content");
        assert_eq!(content.str("action").as_deref(), Some("allow"));
        assert_eq!(content.text("priority").as_deref().map(squash), Some("sum([4000,rule.key])".into()));
        assert_eq!(content.text("match.config.src_ip_ranges").as_deref(), Some("rule.value"));
        m.data("cloudflare_ip_ranges", "cloudflare");

        // Cloudflare's origin certificate, read from Secret Manager.
        let cert = m.resource("google_compute_ssl_certificate", "cloudflare_origin");
        assert_eq!(
            cert.text("certificate").as_deref(),
            Some("data.google_secret_manager_secret_version.cloudflare_origin_certificate.secret_data")
        );
        assert_eq!(
            cert.text("private_key").as_deref(),
            Some("data.google_secret_manager_secret_version.cloudflare_origin_key.secret_data")
        );
        assert_eq!(cert.bool("lifecycle.create_before_destroy"), Some(true));
        let secret = m.data("google_secret_manager_secret_version", "cloudflare_origin_certificate");
        assert_eq!(secret.str("project").as_deref(), Some("example-secrets"));
        assert_eq!(secret.str("secret").as_deref(), Some("CLOUDFLARE_WILDCARD_ORIGIN_CERT"));
        assert_eq!(
            m.data("google_secret_manager_secret_version", "cloudflare_origin_key").str("secret").as_deref(),
            Some("CLOUDFLARE_WILDCARD_ORIGIN_KEY")
        );
        assert!(!m.has_resource("google_compute_managed_ssl_certificate", "managed"));
        assert!(!m.text.contains("BEGIN CERTIFICATE") && !m.text.contains("PRIVATE KEY"));

        let record = m.resource("cloudflare_dns_record", "domain");
        assert_eq!(record.bool("proxied"), Some(true));
        // Cloudflare's edge redirects to HTTPS; no port 80 listener behind it.
        assert!(!m.has_resource("google_compute_global_forwarding_rule", "http"));
    }
}

#[test]
fn proxied_test_domain_has_no_cloud_armor() {
    let m = domain_stack(PROXIED, "test");
    assert!(!m.has_resource("google_compute_security_policy", "cloudflare"));
    assert!(!m.text.contains("cloudflare_ip_ranges"));
    let backend = m.resource("google_compute_backend_service", "load_balancer");
    assert!(backend.expr("security_policy").is_none());
    assert!(
        m.has_resource("google_compute_ssl_certificate", "cloudflare_origin"),
        "still Cloudflare's origin certificate"
    );
}

#[test]
fn unproxied_production_domain_gets_a_managed_certificate_and_a_dns_only_record() {
    let m = domain_stack(UNPROXIED, "external");
    assert!(!m.has_resource("google_compute_security_policy", "cloudflare"), "Cloud Armor only behind Cloudflare");
    assert!(!m.has_resource("google_compute_ssl_certificate", "cloudflare_origin"));
    assert!(!m.text.contains("cloudflare_origin"));

    let cert = m.resource("google_compute_managed_ssl_certificate", "managed");
    assert_eq!(cert.text("managed.domains").as_deref().map(squash), Some("[\"shop.example.com\"]".into()));
    // Named as MSP names it, from a random value declared as MSP declares it.
    assert_eq!(cert.text("name").as_deref(), Some("random_id.managed_certificate.hex"));
    assert_eq!(cert.bool("lifecycle.create_before_destroy"), Some(true));
    let suffix = m.resource("random_id", "managed_certificate");
    assert_eq!(suffix.str("keepers.domain").as_deref(), Some("shop.example.com"));
    assert_eq!((suffix.str("prefix").as_deref(), suffix.int("byte_length")), (Some("managed-cert-"), Some(4)));
    assert_eq!(
        m.resource("google_compute_target_https_proxy", "load_balancer")
            .text("ssl_certificates")
            .as_deref()
            .map(squash),
        Some("[google_compute_managed_ssl_certificate.managed.id]".into())
    );

    let record = m.resource("cloudflare_dns_record", "domain");
    assert_eq!(record.bool("proxied"), Some(false));

    // Browsers reach the load balancer directly: HTTP redirects to HTTPS on the same address.
    let redirect = m.resource("google_compute_url_map", "https_redirect");
    assert_eq!(redirect.bool("default_url_redirect.https_redirect"), Some(true));
    let http = m.resource("google_compute_global_forwarding_rule", "http");
    assert_eq!(http.str("port_range").as_deref(), Some("80"));
    assert_eq!(http.text("target").as_deref(), Some("google_compute_target_http_proxy.https_redirect.id"));
    assert_eq!(http.text("ip_address").as_deref(), Some("google_compute_global_address.load_balancer.address"));
}

#[test]
fn the_load_balancer_chain_reaches_the_cloud_run_service() {
    let m = domain_stack(PROXIED, "test");
    let address = m.resource("google_compute_global_address", "load_balancer");
    assert_eq!(address.str("address_type").as_deref(), Some("EXTERNAL"));
    assert_eq!(address.str("ip_version").as_deref(), Some("IPV4"));

    let rule = m.resource("google_compute_global_forwarding_rule", "https");
    assert_eq!(rule.str("port_range").as_deref(), Some("443"));
    assert_eq!(rule.text("ip_address").as_deref(), Some("google_compute_global_address.load_balancer.address"));
    assert_eq!(rule.text("target").as_deref(), Some("google_compute_target_https_proxy.load_balancer.id"));

    let proxy = m.resource("google_compute_target_https_proxy", "load_balancer");
    assert_eq!(proxy.str("name").as_deref(), Some("shop-prod-us-central1-https"));
    assert_eq!(proxy.text("url_map").as_deref(), Some("google_compute_url_map.load_balancer.id"));
    assert_eq!(proxy.text("ssl_policy").as_deref(), Some("google_compute_ssl_policy.load_balancer.id"));
    let policy = m.resource("google_compute_ssl_policy", "load_balancer");
    assert_eq!(policy.str("profile").as_deref(), Some("MODERN"));
    assert_eq!(policy.str("min_tls_version").as_deref(), Some("TLS_1_2"));

    let url_map = m.resource("google_compute_url_map", "load_balancer");
    assert_eq!(url_map.text("default_service").as_deref(), Some("google_compute_backend_service.load_balancer.id"));

    let backend = m.resource("google_compute_backend_service", "load_balancer");
    assert_eq!(backend.str("protocol").as_deref(), Some("HTTP"));
    assert_eq!(
        backend.str("load_balancing_scheme"),
        rule.str("load_balancing_scheme"),
        "the backend's scheme must be the forwarding rule's"
    );
    // MSP's classic load balancer: the scheme cannot change in place.
    assert_eq!(backend.str("load_balancing_scheme").as_deref(), Some("EXTERNAL"));
    // MSP's names, so an environment MSP built keeps its address and rules.
    assert_eq!(address.str("name").as_deref(), Some("loadbalancer"));
    assert_eq!(rule.str("name").as_deref(), Some("shop-prod-us-central1"));
    assert_eq!(policy.str("name").as_deref(), Some("shop-prod-us-central1-https"));
    assert_eq!(backend.str("name").as_deref(), Some("shop-prod-us-central1"));
    assert_eq!(url_map.str("name").as_deref(), Some("shop-prod-us-central1"));
    assert_eq!(backend.bool("lifecycle.create_before_destroy"), Some(true));
    assert_eq!(
        backend.text("backend.group").as_deref(),
        Some("google_compute_region_network_endpoint_group.cloud_run.id")
    );

    let neg = m.resource("google_compute_region_network_endpoint_group", "cloud_run");
    assert_eq!(neg.str("network_endpoint_type").as_deref(), Some("SERVERLESS"));
    assert_eq!(neg.str("region").as_deref(), Some("us-central1"));
    assert_eq!(neg.text("cloud_run.service").as_deref(), Some("google_cloud_run_v2_service.service.name"));

    // DNS: Cloudflare provider v5, the zone looked up by name.
    let record = m.resource("cloudflare_dns_record", "domain");
    assert!(!m.text.contains("\"cloudflare_record\""), "v4's resource type");
    assert_eq!(record.text("zone_id").as_deref(), Some("data.cloudflare_zone.domain.zone_id"));
    assert_eq!(m.data("cloudflare_zone", "domain").str("filter.name").as_deref(), Some("example.com"));
    assert_eq!(record.str("type").as_deref(), Some("A"));
    assert_eq!(record.str("name").as_deref(), Some("shop.example.com"));
    assert_eq!(record.text("content").as_deref(), Some("google_compute_global_address.load_balancer.address"));
    assert_eq!(record.int("ttl"), Some(1));
    assert_eq!(record.str("comment").as_deref(), Some("Managed Services Platform service"));
    assert!(record.text("tags").unwrap().contains("msp-service:shop"));
    let required = m.block("terraform", None).child("required_providers");
    assert_eq!(required.str("cloudflare.version").as_deref(), Some("5.28.0"));
    assert!(m.text.contains("provider \"cloudflare\""));
}

#[test]
fn load_balancer_logging_samples_every_request() {
    let on = domain_stack(
        r#"cloudflare { subdomain = "shop", zone = "example.com", load_balancer_logging = true }"#,
        "test",
    );
    let log = on.resource("google_compute_backend_service", "load_balancer").child("log_config");
    assert_eq!(log.bool("enable"), Some(true));
    let rate = match log.expr("sample_rate") {
        Some(hcl::Expression::Number(n)) => n.as_f64(),
        other => panic!("sample_rate: {other:?}"),
    };
    assert_eq!(rate, Some(1.0));

    let off = domain_stack(PROXIED, "test");
    let log = off.resource("google_compute_backend_service", "load_balancer").child("log_config");
    assert_eq!(log.bool("enable"), Some(false));
    assert!(log.expr("sample_rate").is_none());
}

#[test]
fn no_domain_no_load_balancer_nor_cloudflare() {
    let b = Build::of(&[("services/shop.msp", &service("", "external"))]);
    let m = b.stack("shop", "prod", "cloudrun");
    for ty in [
        "google_compute_global_address",
        "google_compute_global_forwarding_rule",
        "google_compute_backend_service",
        "cloudflare_dns_record",
    ] {
        assert!(m.resources_of(ty).is_empty(), "{ty}");
    }
    assert!(!m.text.contains("cloudflare"));
}

#[test]
fn long_names_are_shortened_to_gcp_limits_and_stay_distinct() {
    let spec = r#"
service abcdefghijklmnopqrst {
  owners      = ["commerce"]
  description = "A service with the longest names a project id allows"
  handbook_page = "https://handbook.example.com/x"
  image       = "us.gcr.io/example-registry/x"

  environment prod {
    project_id = "abcdefghijklmnopqrst-prod-1a"
    category   = external
    deploy     = manual
    region     = northamerica-northeast1
    domain     = cloudflare { subdomain = "x", zone = "example.com" }
  }
}
"#;
    let b = Build::of(&[("services/x.msp", spec)]);
    let m = b.stack("abcdefghijklmnopqrst", "prod", "cloudrun");
    let mut names = Vec::new();
    for ty in [
        "google_compute_security_policy",
        "google_compute_ssl_policy",
        "google_compute_target_https_proxy",
        "google_compute_global_address",
        "google_compute_global_forwarding_rule",
        "google_compute_url_map",
    ] {
        for name in m.resources_of(ty) {
            let value = m.resource(ty, &name).str("name").unwrap();
            assert!(value.len() <= 63 && !value.ends_with('-'), "{ty}.{name}: {value}");
            names.push((ty, value));
        }
    }
    assert!(names.contains(&(
        "google_compute_security_policy",
        "abcdefghijklmnopqrst-prod-northamerica-northeas-security-policy".into()
    )));
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let prefix = m.resource("google_compute_ssl_certificate", "cloudflare_origin").str("name_prefix").unwrap();
    assert!(prefix.len() <= 54 && prefix.ends_with("-origin-"), "{prefix}");
}

// ------------------------------------------------------------------ rollout

fn rollout_spec(suspended: bool, service_account: Option<&str>) -> String {
    let sa = service_account.map(|s| format!("service_account = \"{s}\"")).unwrap_or_default();
    format!(
        r#"
service shop {{
  owners      = ["commerce"]
  description = "Checkout"
  handbook_page = "https://handbook.example.com/shop"
  image       = "us.gcr.io/example-registry/shop"
  source      = {{ repo = "github.com/example/shop", dir = "cmd/shop" }}

  defaults {{
    deploy = rollout
  }}

  environment dev {{
    project_id = "shop-dev-1a2b"
    category   = test
  }}

  environment staging {{
    project_id = "shop-staging-3c4d"
    category   = internal
  }}

  environment prod {{
    project_id = "shop-prod-5e6f"
    category   = external
    region     = us-west1
  }}

  rollout {{
    stages    = [dev, staging, prod]
    suspended = {suspended}
    {sa}
  }}
}}
"#
    )
}

const PLATFORM_WITH_NOTIFICATIONS: &str = r#"
platform {
  billing_account     = "017005-C370B2-0E3030"
  organization_domain = "example.com"
  secrets_project     = "example-secrets"
  folders = { test = "folders/1", internal = "folders/2", external = "folders/3" }
  terraform_cloud = {
    organization           = "example"
    runner_service_account = "terraform@example-ci.iam.gserviceaccount.com"
  }
  cloud_deploy = { notification_endpoint_secret = "DEPLOY_NOTIFICATIONS_ENDPOINT" }
}
"#;

const FILE: &str = "terraform/shop/prod/cloudrun/rollout-us-west1.clouddeploy.yaml";

#[test]
fn the_pipeline_lives_only_in_the_last_stage_with_its_stages_in_order() {
    let b = Build::of(&[("services/shop.msp", &rollout_spec(false, None))]);
    for env in ["dev", "staging"] {
        let m = b.stack("shop", env, "cloudrun");
        assert!(!m.has_resource("google_clouddeploy_delivery_pipeline", "rollout"), "{env}");
        assert!(m.resources_of("google_storage_bucket").is_empty(), "{env}");
        assert!(
            !b.files
                .keys()
                .any(|p| p.starts_with(&format!("terraform/shop/{env}/")) && p.ends_with(".clouddeploy.yaml"))
        );
    }
    let m = b.stack("shop", "prod", "cloudrun");
    let p = m.resource("google_clouddeploy_delivery_pipeline", "rollout");
    assert_eq!(p.str("name").as_deref(), Some("shop-us-west1-rollout"));
    assert_eq!(p.str("project").as_deref(), Some("shop-prod-5e6f"));
    assert_eq!(p.str("location").as_deref(), Some("us-west1"));
    assert_eq!(p.bool("suspended"), Some(false));
    let targets: Vec<String> =
        p.child("serial_pipeline").blocks("stages").iter().map(|s| s.str("target_id").unwrap()).collect();
    assert_eq!(targets, ["dev-us-central1", "staging-us-central1", "prod-us-west1"]);
}

#[test]
fn suspended_is_honoured() {
    let b = Build::of(&[("services/shop.msp", &rollout_spec(true, None))]);
    let m = b.stack("shop", "prod", "cloudrun");
    assert_eq!(m.resource("google_clouddeploy_delivery_pipeline", "rollout").bool("suspended"), Some(true));
}

#[test]
fn the_executor_may_deploy_in_every_stage_project() {
    let b = Build::of(&[("services/shop.msp", &rollout_spec(false, None))]);
    let m = b.stack("shop", "prod", "cloudrun");
    let stages = local(&m, "rollout_stages");
    for (env, project) in [("dev", "shop-dev-1a2b"), ("staging", "shop-staging-3c4d"), ("prod", "shop-prod-5e6f")] {
        assert_eq!(stages.str(&format!("rollout_stages.{env}.project")).as_deref(), Some(project));
        assert_eq!(
            stages.str(&format!("rollout_stages.{env}.workload_account")),
            Some(format!("projects/{project}/serviceAccounts/shop-sa@{project}.iam.gserviceaccount.com"))
        );
    }
    let executor =
        "\"serviceAccount:${data.terraform_remote_state.iam.outputs.cloud_deploy_executor_service_account}\"";
    let run = m.resource("google_project_iam_member", "clouddeploy_executor_run_developer");
    assert_eq!(run.text("for_each").as_deref(), Some("local.rollout_stages"));
    assert_eq!(run.text("project").as_deref(), Some("each.value.project"));
    assert_eq!(run.str("role").as_deref(), Some("roles/run.developer"));
    assert_eq!(run.text("member").as_deref(), Some(executor));
    let act = m.resource("google_service_account_iam_member", "clouddeploy_executor_acts_as_workload");
    assert_eq!(act.text("service_account_id").as_deref(), Some("each.value.workload_account"));
    assert_eq!(act.str("role").as_deref(), Some("roles/iam.serviceAccountUser"));
    assert_eq!(act.text("member").as_deref(), Some(executor));
}

#[test]
fn releasers_get_the_release_roles_buckets_and_the_executor() {
    let ci = "ci@example-ci.iam.gserviceaccount.com";
    let b = Build::of(&[("services/shop.msp", &rollout_spec(false, Some(ci)))]);
    let m = b.stack("shop", "prod", "cloudrun");
    let releasers = local(&m, "clouddeploy_releasers");
    assert_eq!(
        releasers.text("clouddeploy_releasers.releaser").as_deref(),
        Some("\"serviceAccount:${data.terraform_remote_state.iam.outputs.cloud_deploy_releaser_service_account_id}\"")
    );
    assert_eq!(releasers.str("clouddeploy_releasers.rollout_service_account"), Some(format!("serviceAccount:{ci}")));
    // The iam stack's output keeps MSP's name and meaning: the email.
    let iam = b.stack("shop", "prod", "iam");
    assert_eq!(
        iam.block("output", Some("cloud_deploy_releaser_service_account_id")).text("value").as_deref(),
        Some("google_service_account.clouddeploy_releaser.email")
    );

    let skaffold = m.resource("google_storage_bucket", "clouddeploy_skaffold");
    assert_eq!(skaffold.str("name").as_deref(), Some("shop-prod-5e6f-cloudrun-skaffold"));
    let staging = m.resource("google_storage_bucket", "clouddeploy_staging");
    assert_eq!(
        staging.text("name").as_deref(),
        Some("\"${google_clouddeploy_delivery_pipeline.rollout.uid}_clouddeploy\"")
    );
    for bucket in [skaffold, staging] {
        assert_eq!(bucket.bool("uniform_bucket_level_access"), Some(true));
        assert_eq!(bucket.str("public_access_prevention").as_deref(), Some("enforced"));
        assert_eq!(bucket.bool("versioning.enabled"), Some(true));
    }

    let role = m.resource("google_project_iam_custom_role", "clouddeploy_listbuckets");
    assert_eq!(role.text("permissions").as_deref().map(squash), Some("[\"storage.buckets.list\"]".into()));
    for (name, role) in [
        ("clouddeploy_releaser", "\"roles/clouddeploy.releaser\""),
        ("clouddeploy_listbuckets", "google_project_iam_custom_role.clouddeploy_listbuckets.id"),
    ] {
        let grant = m.resource("google_project_iam_member", name);
        assert_eq!(grant.text("for_each").as_deref(), Some("local.clouddeploy_releasers"));
        assert_eq!(grant.text("role").as_deref(), Some(role));
    }
    for bucket in ["clouddeploy_skaffold", "clouddeploy_staging"] {
        let grant = m.resource("google_storage_bucket_iam_member", &format!("{bucket}_releasers"));
        assert_eq!(grant.text("bucket"), Some(format!("google_storage_bucket.{bucket}.name")));
        assert_eq!(grant.str("role").as_deref(), Some("roles/storage.admin"));
        assert_eq!(grant.text("for_each").as_deref(), Some("local.clouddeploy_releasers"));
    }
    let act = m.resource("google_service_account_iam_member", "clouddeploy_releasers_act_as_executor");
    assert_eq!(act.str("role").as_deref(), Some("roles/iam.serviceAccountUser"));
    assert_eq!(
        act.text("service_account_id").as_deref(),
        Some(
            "\"projects/shop-prod-5e6f/serviceAccounts/${data.terraform_remote_state.iam.outputs.cloud_deploy_executor_service_account}\""
        )
    );

    let without = Build::of(&[("services/shop.msp", &rollout_spec(false, None))]);
    let m = without.stack("shop", "prod", "cloudrun");
    assert!(!local(&m, "clouddeploy_releasers").has("clouddeploy_releasers.rollout_service_account"));
}

#[test]
fn notifications_only_when_the_platform_has_an_endpoint() {
    let b = Build::of(&[("services/shop.msp", &rollout_spec(false, None))]);
    let m = b.stack("shop", "prod", "cloudrun");
    assert!(m.resources_of("google_pubsub_topic").is_empty());
    assert!(m.resources_of("google_pubsub_subscription").is_empty());

    let b =
        Build::of(&[("services/shop.msp", &rollout_spec(false, None)), ("platform.msp", PLATFORM_WITH_NOTIFICATIONS)]);
    let m = b.stack("shop", "prod", "cloudrun");
    assert_eq!(
        m.resource("google_pubsub_topic", "clouddeploy_operations").str("name").as_deref(),
        Some("clouddeploy-operations")
    );
    let sub = m.resource("google_pubsub_subscription", "clouddeploy_operations");
    assert_eq!(sub.str("name").as_deref(), Some("clouddeploy-operations"));
    assert_eq!(sub.str("message_retention_duration").as_deref(), Some("3600s"));
    assert_eq!(sub.str("expiration_policy.ttl").as_deref(), Some(""), "never expires");
    assert_eq!(
        sub.text("push_config.push_endpoint").as_deref(),
        Some("data.google_secret_manager_secret_version.clouddeploy_notification_endpoint.secret_data")
    );
    let endpoint = m.data("google_secret_manager_secret_version", "clouddeploy_notification_endpoint");
    assert_eq!(endpoint.str("project").as_deref(), Some("example-secrets"));
    assert_eq!(endpoint.str("secret").as_deref(), Some("DEPLOY_NOTIFICATIONS_ENDPOINT"));
    // Only in the pipeline's project.
    assert!(b.stack("shop", "dev", "cloudrun").resources_of("google_pubsub_topic").is_empty());
}

#[test]
fn the_target_file_has_the_custom_type_and_one_target_per_stage() {
    let b = Build::of(&[("services/shop.msp", &rollout_spec(false, None))]);
    let yaml = b.file(FILE);
    let docs: Vec<&str> = yaml.split("\n---\n").collect();
    let docs: Vec<String> = docs.iter().map(|d| format!("{}\n", d.trim_end_matches('\n'))).collect();
    assert_eq!(docs.len(), 4, "custom target type + 3 targets:\n{yaml}");
    assert!(docs[0].contains("kind: CustomTargetType\n") && docs[0].contains("  name: \"cloud-run-service\"\n"));
    for doc in &docs {
        assert!(doc.contains("apiVersion: deploy.cloud.google.com/v1\n"));
    }
    let stages = [
        ("dev", "shop-dev-1a2b", "us-central1"),
        ("staging", "shop-staging-3c4d", "us-central1"),
        ("prod", "shop-prod-5e6f", "us-west1"),
    ];
    for (doc, (env, project, region)) in docs[1..].iter().zip(stages) {
        assert!(doc.contains("kind: Target\n"), "{doc}");
        assert!(doc.contains(&format!("  name: \"{env}-{region}\"\n")), "{doc}");
        assert!(doc.contains("  customTargetType: \"cloud-run-service\"\n"), "{doc}");
        assert!(doc.contains(&format!("  customTarget/serviceID: \"shop-{env}-{region}\"\n")), "{doc}");
        assert!(doc.contains("  customTarget/image: \"us.gcr.io/example-registry/shop\"\n"), "{doc}");
        assert!(doc.contains(&format!("  customTarget/projectID: \"{project}\"\n")), "{doc}");
        assert!(doc.contains(&format!("  customTarget/region: \"{region}\"\n")), "{doc}");
        assert!(
            doc.contains("    serviceAccount: \"clouddeploy-executor@shop-prod-5e6f.iam.gserviceaccount.com\"\n"),
            "the executor of the final stage's project: {doc}"
        );
    }
    let header: Vec<&str> = yaml.lines().take_while(|l| l.starts_with('#')).collect();
    let header = header.join("\n");
    assert!(header.contains(
        "gcloud deploy apply --project=shop-prod-5e6f --region=us-west1 --file=rollout-us-west1.clouddeploy.yaml"
    ));
    assert!(header.contains("gcloud deploy releases create"));
    assert!(header.contains("--delivery-pipeline=shop-us-west1-rollout"));
    assert!(header.contains("customTarget/tag=$TAG"));
    assert!(header.contains("--source=."), "the release source is the folder with skaffold.yaml");
    // The release source defines both actions the target type names.
    let skaffold = b.file("terraform/shop/prod/cloudrun/skaffold.yaml");
    assert!(skaffold.contains("kind: Config\n"));
    assert!(skaffold.contains("  - name: \"cloud-run-image-deploy-render\"\n"));
    assert!(skaffold.contains("  - name: \"cloud-run-image-deploy\"\n"));
    assert!(skaffold.contains("gcloud run services update"));
    assert!(
        !b.paths().iter().any(|p| p.ends_with("skaffold.yaml") && !p.starts_with("terraform/shop/prod/")),
        "only in the final stage"
    );
    // Every value is quoted; nothing else but comments and the fixed layout.
    for line in yaml.lines().filter(|l| !l.starts_with('#') && *l != "---") {
        let value = line.split_once(": ").map(|(_, v)| v);
        if let Some(v) = value {
            assert!(
                v.starts_with('"')
                    || v == "deploy.cloud.google.com/v1"
                    || v.starts_with("[")
                    || v.ends_with("Target")
                    || v == "CustomTargetType",
                "{line}"
            );
        }
    }
}

/// HCL text without spaces or newlines, to compare lists and calls.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
