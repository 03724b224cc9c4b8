//! What the cloudrun stack must produce for each spec feature: the Cloud Run
//! service or job, and the network, Redis, Cloud SQL, BigQuery and Sentry
//! resources it runs with, asserted on the generated Terraform.

mod common;

use common::tf::{Build, Module, Node};

/// A service `shop` with one environment `prod`; `service` and `env` are
/// spliced into the service and environment bodies.
fn service(service: &str, env: &str) -> Build {
    let spec = format!(
        r#"
service shop {{
  owners      = ["commerce"]
  description = "Checkout"
  image       = "us.gcr.io/example-registry/shop"
  {service}
  environment prod {{
    project_id = "shop-prod-1a2b"
    category   = test
    deploy     = manual {{ tag = "v1" }}
    {env}
  }}
}}
"#
    );
    Build::of(&[("services/shop/shop.msp", &spec)])
}

/// A job `sweep` with one environment `prod`.
fn job(job: &str, env: &str) -> Build {
    let spec = format!(
        r#"
job sweep {{
  owners      = ["commerce"]
  description = "Sweeps"
  image       = "us.gcr.io/example-registry/sweep"
  {job}
  environment prod {{
    project_id = "sweep-prod-1a2b"
    category   = test
    deploy     = manual
    {env}
  }}
}}
"#
    );
    Build::of(&[("services/sweep.msp", &spec)])
}

fn shop(b: &Build) -> Module {
    b.stack("shop", "prod", "cloudrun")
}

fn cloud_run(m: &Module) -> Node<'_> {
    m.resource("google_cloud_run_v2_service", "service")
}

fn container<'a>(svc: Node<'a>) -> Node<'a> {
    svc.child("template.containers")
}

/// The container's `env` block named `name`, if any.
fn env_var<'a>(container: Node<'a>, name: &str) -> Option<Node<'a>> {
    container.blocks("env").into_iter().find(|e| e.str("name").as_deref() == Some(name))
}

fn env_names(container: Node<'_>) -> Vec<String> {
    container.blocks("env").iter().map(|e| e.str("name").unwrap()).collect()
}

// ---------------------------------------------------------------- service

#[test]
fn the_service_runs_the_image_as_the_workload_behind_the_load_balancer() {
    let b = service("", "instances = { cpu = 2, memory = 1536Mi, scaling = { min = 1, max = 7, concurrency = 80 } }");
    let m = shop(&b);
    let svc = cloud_run(&m);
    assert_eq!(svc.str("name").as_deref(), Some("shop-prod-us-central1"));
    assert_eq!(svc.str("location").as_deref(), Some("us-central1"));
    assert_eq!(svc.str("ingress").as_deref(), Some("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"));
    assert_eq!(svc.bool("deletion_protection"), Some(true));
    assert_eq!(
        svc.text("template.service_account").as_deref(),
        Some("data.terraform_remote_state.iam.outputs.cloud_run_service_account")
    );
    assert_eq!(svc.str("template.timeout").as_deref(), Some("300s"));
    assert_eq!(svc.int("template.max_instance_request_concurrency"), Some(80));
    assert_eq!(svc.int("template.scaling.min_instance_count"), Some(1));
    assert_eq!(svc.int("template.scaling.max_instance_count"), Some(7));
    assert!(!svc.child("template").has("execution_environment"), "unset keeps Cloud Run's default");
    assert!(!svc.child("template").has("vpc_access"), "no Redis or Cloud SQL: no private network");
    assert_eq!(svc.str("traffic.type").as_deref(), Some("TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"));
    assert_eq!(svc.int("traffic.percent"), Some(100));
    assert!(!svc.has("lifecycle"), "manual deploys own the image");

    let c = container(svc);
    assert_eq!(c.str("name").as_deref(), Some("shop"));
    assert_eq!(c.text("image").as_deref(), Some("\"us.gcr.io/example-registry/shop:${var.image_tag}\""));
    assert_eq!(c.int("ports.container_port"), Some(9992));
    assert_eq!(c.str("ports.name").as_deref(), Some("http1"));
    assert_eq!(c.str("resources.limits.cpu").as_deref(), Some("2"));
    assert_eq!(c.str("resources.limits.memory").as_deref(), Some("1536Mi"));
    assert!(!c.has("startup_probe") && !c.has("liveness_probe"), "no health_probes: no probes");
    assert!(m.resources_of("google_compute_network").is_empty());
}

#[test]
fn h2c_names_the_port_and_generation_sets_the_execution_environment() {
    let b = service("protocol = h2c", "instances = { generation = gen2 }");
    let m = shop(&b);
    let svc = cloud_run(&m);
    assert_eq!(container(svc).str("ports.name").as_deref(), Some("h2c"));
    assert_eq!(svc.str("template.execution_environment").as_deref(), Some("EXECUTION_ENVIRONMENT_GEN2"));
}

#[test]
fn env_vars_are_sorted_and_include_the_platforms() {
    let b = service("", r#"env = { ZED = "z", ALPHA = "a" }  secret_env = { MIDDLE = secret("shop-middle") }"#);
    let m = shop(&b);
    let c = container(cloud_run(&m));
    let names = env_names(c);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for platform in
        ["GOOGLE_CLOUD_PROJECT", "ENVIRONMENT_ID", "MSP", "DIAGNOSTICS_SECRET", "SSL_CERT_DIR", "ALPHA", "ZED"]
    {
        assert!(names.iter().any(|n| n == platform), "{platform} missing from {names:?}");
    }
    assert_eq!(env_var(c, "ZED").unwrap().str("value").as_deref(), Some("z"));
    assert_eq!(env_var(c, "SSL_CERT_DIR").unwrap().str("value").as_deref(), Some("/etc/ssl/certs"));
    assert_eq!(
        env_var(c, "DIAGNOSTICS_SECRET").unwrap().text("value").as_deref(),
        Some("random_id.diagnostics_secret.hex")
    );
    let middle = env_var(c, "MIDDLE").unwrap();
    assert!(!middle.has("value"));
    assert_eq!(middle.str("value_source.secret_key_ref.secret").as_deref(), Some("shop-middle"));
    assert_eq!(middle.str("value_source.secret_key_ref.version").as_deref(), Some("latest"));
    assert!(m.text.contains("checkov:skip=CKV_SECRET_6"), "secret names are marked as names for scanners");
}

#[test]
fn a_cross_project_secret_is_read_by_its_full_path() {
    let b = service("", r#"secret_env = { TOKEN = secret("projects/other-project/secrets/SHOP_TOKEN") }"#);
    let m = shop(&b);
    let c = container(cloud_run(&m));
    let token = env_var(c, "TOKEN").unwrap();
    assert_eq!(
        token.str("value_source.secret_key_ref.secret").as_deref(),
        Some("projects/other-project/secrets/SHOP_TOKEN")
    );
    assert_eq!(token.str("value_source.secret_key_ref.version").as_deref(), Some("latest"));
}

#[test]
fn secret_volumes_mount_read_only_files() {
    let b = service(
        "",
        r#"secret_volumes = { creds = { mount_path = "/etc/shop/credentials.json", secret = secret("shop-creds") } }"#,
    );
    let m = shop(&b);
    let svc = cloud_run(&m);
    let mount = container(svc).child("volume_mounts");
    assert_eq!(mount.str("name").as_deref(), Some("creds"));
    assert_eq!(mount.str("mount_path").as_deref(), Some("/etc/shop"));
    let vol = svc.child("template.volumes");
    assert_eq!(vol.str("name").as_deref(), Some("creds"));
    assert_eq!(vol.str("secret.secret").as_deref(), Some("shop-creds"));
    assert_eq!(vol.int("secret.default_mode"), Some(292));
    assert_eq!(vol.str("secret.items.path").as_deref(), Some("credentials.json"));
    assert_eq!(vol.str("secret.items.version").as_deref(), Some("latest"));
    assert_eq!(vol.int("secret.items.mode"), Some(292), "0444");
}

#[test]
fn healthz_probes_use_the_diagnostics_secret_and_the_specs_timings() {
    let b = service("", "health_probes = { timeout = 4s, startup_interval = 6s, liveness_interval = 40s }");
    let m = shop(&b);
    let c = container(cloud_run(&m));
    for (probe, period) in [("startup_probe", 6), ("liveness_probe", 40)] {
        let p = c.child(probe);
        assert_eq!(p.str("http_get.path").as_deref(), Some("/-/healthz"), "{probe}");
        assert_eq!(p.str("http_get.http_headers.name").as_deref(), Some("Authorization"));
        assert_eq!(
            p.text("http_get.http_headers.value").as_deref(),
            Some("\"Bearer ${random_id.diagnostics_secret.hex}\"")
        );
        assert_eq!(p.int("timeout_seconds"), Some(4), "{probe}");
        assert_eq!(p.int("period_seconds"), Some(period), "{probe}");
        assert_eq!(p.int("failure_threshold"), Some(3), "{probe}");
    }
}

#[test]
fn default_healthz_timings_come_from_the_timeout() {
    let b = service("", "health_probes = { timeout = 2s }");
    let m = shop(&b);
    let c = container(cloud_run(&m));
    assert_eq!(c.child("startup_probe").int("period_seconds"), Some(2));
    assert_eq!(c.child("liveness_probe").int("period_seconds"), Some(20));
}

#[test]
fn without_healthz_the_lenient_default_probe_is_kept() {
    let b = service("", "health_probes = { healthz = false }");
    let m = shop(&b);
    let c = container(cloud_run(&m));
    let p = c.child("startup_probe");
    assert_eq!(p.str("http_get.path").as_deref(), Some("/"));
    assert_eq!(p.int("timeout_seconds"), Some(240));
    assert_eq!(p.int("period_seconds"), Some(240));
    assert_eq!(p.int("failure_threshold"), Some(1));
    assert!(!c.has("liveness_probe"));
}

#[test]
fn invokers_follow_authentication() {
    let public = shop(&service("", "authentication = public"));
    assert_eq!(
        public.resource("google_cloud_run_v2_service_iam_member", "invoker").str("member").as_deref(),
        Some("allUsers")
    );
    let org = shop(&service("", "authentication = organization"));
    let member = org.resource("google_cloud_run_v2_service_iam_member", "invoker");
    assert_eq!(member.str("member").as_deref(), Some("domain:example.com"));
    assert_eq!(member.str("role").as_deref(), Some("roles/run.invoker"));
    assert_eq!(member.text("name").as_deref(), Some("google_cloud_run_v2_service.service.name"));
    let restricted = shop(&service("", "authentication = restricted"));
    assert!(restricted.resources_of("google_cloud_run_v2_service_iam_member").is_empty());
}

#[test]
fn rollout_deploys_leave_the_image_to_cloud_deploy() {
    let spec = r#"
service shop {
  owners      = ["commerce"]
  description = "Checkout"
  image       = "us.gcr.io/example-registry/shop"
  defaults { deploy = rollout, category = test }
  environment dev { project_id = "shop-dev-1a2b" }
  environment prod { project_id = "shop-prod-1a2b" }
  rollout { stages = [dev, prod] }
}
"#;
    let b = Build::of(&[("services/shop.msp", spec)]);
    let svc = b.stack("shop", "dev", "cloudrun");
    let ignore = cloud_run(&svc).text("lifecycle.ignore_changes").unwrap();
    for attr in ["template[0].containers[0].image", "client", "client_version"] {
        assert!(ignore.contains(attr), "{attr} not ignored: {ignore}");
    }
}

/// A `subscription` deploy pins the tag to the digest it names when the plan
/// runs, so a new image pushed under the tag is a change that rolls it out.
#[test]
fn subscription_deploys_pin_the_digest_the_tag_names_at_plan_time() {
    let spec = |image: &str, kind: &str| {
        format!(
            r#"
{kind} shop {{
  owners      = ["commerce"]
  description = "Checkout"
  image       = "{image}"
  environment prod {{
    project_id = "shop-prod-1a2b"
    category   = test
    deploy     = subscription {{ tag = "main" }}
  }}
}}
"#
        )
    };
    let b = Build::of(&[("services/shop.msp", &spec("europe-west4-docker.pkg.dev/images/apps/shop/api", "service"))]);
    let m = shop(&b);
    let data = m.data("google_artifact_registry_docker_image", "image");
    assert_eq!(data.str("project").as_deref(), Some("images"));
    assert_eq!(data.str("location").as_deref(), Some("europe-west4"));
    assert_eq!(data.str("repository_id").as_deref(), Some("apps"));
    assert_eq!(data.text("image_name").as_deref(), Some("\"shop/api:${var.image_tag}\""));
    let digest = m.block("locals", None).text("image_digest").unwrap();
    assert!(digest.contains("data.google_artifact_registry_docker_image.image.name"), "{digest}");
    let image = container(cloud_run(&m)).text("image").unwrap();
    assert_eq!(image, "\"europe-west4-docker.pkg.dev/images/apps/shop/api:${var.image_tag}@${local.image_digest}\"");
    assert_eq!(m.block("variable", Some("image_tag")).str("default").as_deref(), Some("main"));

    // Container Registry hosts are Artifact Registry repositories named after the host.
    let b = Build::of(&[("services/shop.msp", &spec("eu.gcr.io/legacy/shop", "job"))]);
    let m = shop(&b);
    let data = m.data("google_artifact_registry_docker_image", "image");
    assert_eq!(
        (data.str("location").as_deref(), data.str("repository_id").as_deref()),
        (Some("europe"), Some("eu.gcr.io"))
    );
    let job = m.resource("google_cloud_run_v2_job", "job");
    assert!(job.child("template.template.containers").text("image").unwrap().contains("@${local.image_digest}"));

    // A fixed tag needs no lookup.
    let manual = shop(&service("", ""));
    assert!(!manual.text.contains("google_artifact_registry_docker_image"));
}

/// An image outside Google's registries cannot be looked up: W0014 says
/// so, and the stack deploys the tag as written.
#[test]
fn a_subscription_outside_artifact_registry_is_a_warning_and_deploys_the_tag() {
    let spec = r#"
service shop {
  owners      = ["commerce"]
  description = "Checkout"
  image       = "index.docker.io/example/shop"
  environment prod {
    project_id = "shop-prod-1a2b"
    category   = test
    deploy     = subscription { tag = "main" }
  }
}
"#;
    let ws = common::workspace(&[("services/shop.msp", spec)]);
    let codes: Vec<&str> = ws.result().diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"W0014"), "{codes:?}");
    let manual = spec.replace("subscription { tag = \"main\" }", "manual");
    let ws = common::workspace(&[("services/shop.msp", &manual)]);
    assert!(ws.result().diagnostics.iter().all(|d| d.code.as_str() != "W0014"), "a fixed tag needs no lookup");
    let m = shop(&Build::of(&[("services/shop.msp", spec)]));
    assert!(!m.text.contains("google_artifact_registry_docker_image"));
    assert_eq!(
        container(cloud_run(&m)).text("image").as_deref(),
        Some("\"index.docker.io/example/shop:${var.image_tag}\"")
    );
}

#[test]
fn allow_destroys_lifts_the_cloud_run_guard() {
    let b = service("", "allow_destroys = true");
    assert_eq!(cloud_run(&shop(&b)).bool("deletion_protection"), Some(false));
}

// ---------------------------------------------------------------- network and Redis

#[test]
fn redis_gets_a_private_network_and_direct_vpc_egress() {
    let b = service("", "redis = {}");
    let m = shop(&b);
    let net = m.resource("google_compute_network", "network");
    assert_eq!(net.str("name").as_deref(), Some("shop"));
    assert_eq!(net.bool("auto_create_subnetworks"), Some(false));
    let sub = m.resource("google_compute_subnetwork", "subnetwork");
    assert_eq!(sub.str("ip_cidr_range").as_deref(), Some("172.16.0.0/12"));
    assert_eq!(sub.bool("private_ip_google_access"), Some(true));
    assert_eq!(sub.str("log_config.metadata").as_deref(), Some("INCLUDE_ALL_METADATA"));
    assert_eq!(sub.bool("lifecycle.create_before_destroy"), Some(true));
    // Its random name is declared as MSP declares it, range as keeper included.
    let name = m.resource("random_id", "subnetwork");
    assert_eq!((name.str("prefix").as_deref(), name.int("byte_length")), (Some("shop-"), Some(4)));
    assert_eq!(name.str("keepers.ipcidrrange").as_deref(), Some("172.16.0.0/12"));
    let addr = m.resource("google_compute_global_address", "service_networking");
    assert_eq!(addr.str("purpose").as_deref(), Some("VPC_PEERING"));
    assert_eq!(addr.int("prefix_length"), Some(16));
    let conn = m.resource("google_service_networking_connection", "service_networking");
    assert_eq!(conn.str("service").as_deref(), Some("servicenetworking.googleapis.com"));
    assert!(m.has_resource("google_compute_firewall", "deny_ingress"));

    let vpc = cloud_run(&m).child("template.vpc_access");
    assert_eq!(vpc.str("egress").as_deref(), Some("PRIVATE_RANGES_ONLY"));
    assert_eq!(vpc.text("network_interfaces.network").as_deref(), Some("google_compute_network.network.id"));
    assert_eq!(vpc.text("network_interfaces.subnetwork").as_deref(), Some("google_compute_subnetwork.subnetwork.id"));
}

#[test]
fn redis_is_basic_without_ha_and_standard_ha_with_it() {
    let basic = shop(&service("", "redis = { memory = 2Gi }"));
    let r = basic.resource("google_redis_instance", "redis");
    assert_eq!(r.str("tier").as_deref(), Some("BASIC"));
    assert_eq!(r.int("memory_size_gb"), Some(2));
    assert_eq!(r.bool("auth_enabled"), Some(true));
    assert_eq!(r.str("transit_encryption_mode").as_deref(), Some("SERVER_AUTHENTICATION"));
    assert_eq!(r.str("persistence_config.persistence_mode").as_deref(), Some("RDB"));
    assert_eq!(r.str("persistence_config.rdb_snapshot_period").as_deref(), Some("TWENTY_FOUR_HOURS"));
    assert_eq!(r.text("authorized_network").as_deref(), Some("google_compute_network.network.id"));
    let ha = shop(&service("", "redis = { high_availability = true }"));
    assert_eq!(ha.resource("google_redis_instance", "redis").str("tier").as_deref(), Some("STANDARD_HA"));
    // MSP's names: the tier, which cannot change in place, is in the name, so
    // the new instance is made beside the old one before it goes.
    assert_eq!(r.str("name").as_deref(), Some("redis-basic"));
    assert_eq!(ha.resource("google_redis_instance", "redis").str("name").as_deref(), Some("redis"));
    assert_eq!(r.bool("lifecycle.create_before_destroy"), Some(true));
}

#[test]
fn redis_endpoint_is_a_secret_env_var_and_the_ca_is_a_mounted_file() {
    let b = service("", "redis = {}");
    let m = shop(&b);
    let c = container(cloud_run(&m));
    let endpoint = env_var(c, "REDIS_ENDPOINT").expect("REDIS_ENDPOINT");
    assert!(!endpoint.has("value"), "the endpoint holds the AUTH string: never a plain variable");
    assert_eq!(
        endpoint.text("value_source.secret_key_ref.secret").as_deref(),
        Some("google_secret_manager_secret.redis_endpoint.secret_id")
    );
    assert_eq!(
        endpoint.text("value_source.secret_key_ref.version").as_deref(),
        Some("google_secret_manager_secret_version.redis_endpoint.version")
    );
    assert_eq!(
        m.resource("google_secret_manager_secret", "redis_endpoint").str("secret_id").as_deref(),
        Some("REDIS_ENDPOINT")
    );
    let data = m.resource("google_secret_manager_secret_version", "redis_endpoint").text("secret_data").unwrap();
    assert_eq!(
        data,
        "\"rediss://:${google_redis_instance.redis.auth_string}@${google_redis_instance.redis.host}:${google_redis_instance.redis.port}\""
    );

    assert_eq!(
        m.resource("google_secret_manager_secret", "redis_ca_cert").str("secret_id").as_deref(),
        Some("REDIS_CA_CERT")
    );
    assert_eq!(
        m.resource("google_secret_manager_secret_version", "redis_ca_cert").text("secret_data").as_deref(),
        Some("google_redis_instance.redis.server_ca_certs[0].cert")
    );
    let mount =
        c.blocks("volume_mounts").into_iter().find(|v| v.str("name").as_deref() == Some("redis-ca-cert")).unwrap();
    assert_eq!(mount.str("mount_path").as_deref(), Some("/etc/ssl/custom-certs"));
    assert_eq!(
        env_var(c, "SSL_CERT_DIR").unwrap().str("value").as_deref(),
        Some("/etc/ssl/certs:/etc/ssl/custom-certs")
    );
}

// ---------------------------------------------------------------- Cloud SQL

#[test]
fn postgres_without_ha_is_zonal_without_pitr() {
    let b = service("", r#"postgres = { databases = ["orders"] }"#);
    let m = shop(&b);
    let db = m.resource("google_sql_database_instance", "postgresql");
    assert_eq!(db.str("database_version").as_deref(), Some("POSTGRES_15"));
    // MSP's name and MSP's declaration of its random part (no prefix): an
    // instance MSP made keeps its name when its state is taken over.
    assert_eq!(db.text("name").as_deref(), Some("\"postgresql-${random_id.postgresql_instance.hex}\""));
    assert_eq!(m.resource("random_id", "postgresql_instance").str("prefix"), None);
    assert_eq!(m.resource("random_id", "postgresql_instance").int("byte_length"), Some(2));
    assert_eq!(db.str("settings.tier").as_deref(), Some("db-custom-1-4096"));
    assert_eq!(db.str("settings.availability_type").as_deref(), Some("ZONAL"));
    assert_eq!(db.bool("settings.backup_configuration.point_in_time_recovery_enabled"), Some(false));
    assert_eq!(db.str("settings.disk_type").as_deref(), Some("PD_SSD"));
    assert_eq!(db.bool("settings.disk_autoresize"), Some(true));
    assert!(db.text("lifecycle.ignore_changes").unwrap().contains("settings[0].disk_size"));
}

#[test]
fn postgres_ha_is_regional_with_pitr() {
    let b = service("", r#"postgres = { databases = ["orders"], cpu = 2, memory = 8Gi, high_availability = true }"#);
    let m = shop(&b);
    let db = m.resource("google_sql_database_instance", "postgresql");
    assert_eq!(db.str("settings.availability_type").as_deref(), Some("REGIONAL"));
    assert_eq!(db.bool("settings.backup_configuration.point_in_time_recovery_enabled"), Some(true));
    assert_eq!(db.str("settings.tier").as_deref(), Some("db-custom-2-8192"));
}

fn flags(db: Node<'_>) -> Vec<(String, String)> {
    db.child("settings")
        .blocks("database_flags")
        .iter()
        .map(|f| (f.str("name").unwrap(), f.str("value").unwrap()))
        .collect()
}

#[test]
fn postgres_settings_keep_secure_defaults() {
    let b = service("", r#"postgres = { databases = ["orders"], max_connections = 300 }"#);
    let m = shop(&b);
    let db = m.resource("google_sql_database_instance", "postgresql");
    let flags = flags(db);
    let has = |n: &str, v: &str| flags.iter().any(|(a, b)| a == n && b == v);
    assert!(has("cloudsql.iam_authentication", "on"));
    assert!(has("max_connections", "300"));
    assert!(has("log_connections", "on") && has("log_disconnections", "on") && has("log_statement", "ddl"));
    assert!(!flags.iter().any(|(n, _)| n == "cloudsql.logical_decoding"), "only with logical replication");

    let backup = db.child("settings.backup_configuration");
    assert_eq!(backup.bool("enabled"), Some(true));
    assert_eq!(backup.str("start_time").as_deref(), Some("10:00"));
    assert_eq!(backup.int("transaction_log_retention_days"), Some(7));
    assert_eq!(backup.int("backup_retention_settings.retained_backups"), Some(90));
    assert_eq!(backup.str("backup_retention_settings.retention_unit").as_deref(), Some("COUNT"));
    let ip = db.child("settings.ip_configuration");
    assert_eq!(ip.str("ssl_mode").as_deref(), Some("TRUSTED_CLIENT_CERTIFICATE_REQUIRED"));
    assert_eq!(ip.text("private_network").as_deref(), Some("google_compute_network.network.id"));
    assert!(!ip.has("authorized_networks"));
    assert_eq!(db.int("settings.maintenance_window.day"), Some(1));
    assert_eq!(db.int("settings.maintenance_window.hour"), Some(15));
    assert_eq!(db.int("settings.insights_config.query_string_length"), Some(4096));
    assert!(db.text("depends_on").unwrap().contains("google_service_networking_connection.service_networking"));
}

#[test]
fn allow_destroys_false_guards_the_instance_and_databases() {
    let m = shop(&service("", r#"postgres = { databases = ["orders", "audit"] }"#));
    let db = m.resource("google_sql_database_instance", "postgresql");
    assert_eq!(db.bool("deletion_protection"), Some(true));
    assert_eq!(db.bool("settings.deletion_protection_enabled"), Some(true));
    assert_eq!(db.bool("lifecycle.prevent_destroy"), Some(true));
    let dbs = m.resource("google_sql_database", "databases");
    assert_eq!(dbs.text("for_each").as_deref(), Some("toset([\"orders\", \"audit\"])"));
    assert_eq!(dbs.str("deletion_policy").as_deref(), Some("ABANDON"));
    assert_eq!(dbs.bool("lifecycle.prevent_destroy"), Some(true));

    let open = shop(&service("", r#"allow_destroys = true  postgres = { databases = ["orders"] }"#));
    let db = open.resource("google_sql_database_instance", "postgresql");
    assert_eq!(db.bool("deletion_protection"), Some(false));
    assert_eq!(db.bool("lifecycle.prevent_destroy"), Some(false));
    assert_eq!(open.resource("google_sql_database", "databases").bool("lifecycle.prevent_destroy"), Some(false));
}

#[test]
fn postgres_users_grants_and_env() {
    let b = service("", r#"postgres = { databases = ["orders"] }"#);
    let m = shop(&b);
    let admin = m.resource("google_sql_user", "admin");
    assert_eq!(admin.str("name").as_deref(), Some("msp-admin"));
    assert_eq!(admin.text("password").as_deref(), Some("random_password.postgresql_admin.result"));
    let pw = m.resource("random_password", "postgresql_admin");
    assert_eq!(pw.int("length"), Some(32));
    assert_eq!(pw.bool("special"), Some(false));
    let workload = m.resource("google_sql_user", "workload");
    assert_eq!(workload.str("name").as_deref(), Some("shop-sa@shop-prod-1a2b.iam"));
    assert_eq!(workload.str("type").as_deref(), Some("CLOUD_IAM_SERVICE_ACCOUNT"));
    let operator = m.resource("google_sql_user", "operator_access");
    assert_eq!(operator.str("type").as_deref(), Some("CLOUD_IAM_SERVICE_ACCOUNT"));
    assert!(operator.text("name").unwrap().contains("operator_access_service_account"));
    for user in ["admin", "workload", "operator_access"] {
        assert_eq!(m.resource("google_sql_user", user).str("deletion_policy").as_deref(), Some("ABANDON"));
    }

    let provider = m.block("provider", Some("postgresql"));
    assert_eq!(provider.str("scheme").as_deref(), Some("gcppostgres"));
    assert_eq!(provider.text("host").as_deref(), Some("google_sql_database_instance.postgresql.connection_name"));
    let required = m.block("terraform", None).text("required_providers.postgresql.source");
    assert_eq!(required.as_deref(), Some("\"cyrilgdn/postgresql\""));

    let su = m.resource("postgresql_grant_role", "workload_cloudsqlsuperuser");
    assert_eq!(su.str("grant_role").as_deref(), Some("cloudsqlsuperuser"));
    assert_eq!(su.text("role").as_deref(), Some("google_sql_user.workload.name"));
    let connect = m.resource("postgresql_grant", "operator_access_connect");
    assert_eq!(connect.str("object_type").as_deref(), Some("database"));
    assert!(connect.text("privileges").unwrap().contains("CONNECT"));
    let select = m.resource("postgresql_grant", "operator_access_select");
    assert_eq!(select.str("schema").as_deref(), Some("public"));
    assert_eq!(select.str("object_type").as_deref(), Some("table"));
    assert_eq!(select.text("privileges").unwrap().trim().replace([' ', '\n'], ""), "[\"SELECT\"]");

    let svc = cloud_run(&m);
    let c = container(svc);
    assert_eq!(
        env_var(c, "PGINSTANCE").unwrap().text("value").as_deref(),
        Some("google_sql_database_instance.postgresql.connection_name")
    );
    assert_eq!(env_var(c, "PGUSER").unwrap().text("value").as_deref(), Some("google_sql_user.workload.name"));
    assert!(svc.text("depends_on").unwrap().contains("postgresql_grant_role.workload_cloudsqlsuperuser"));
    assert!(svc.child("template").has("vpc_access"));
    assert_eq!(
        m.block("output", Some("cloudsql_connection_name")).text("value").as_deref(),
        Some("google_sql_database_instance.postgresql.connection_name")
    );
}

#[test]
fn logical_replication_adds_the_flag_a_replication_role_and_publications() {
    let b = service(
        "",
        r#"postgres = {
      databases = ["orders"]
      logical_replication = { publications = [{ name = "orders_pub", database = "orders", tables = ["orders", "billing.invoices"] }] }
    }"#,
    );
    let m = shop(&b);
    let db = m.resource("google_sql_database_instance", "postgresql");
    assert!(flags(db).contains(&("cloudsql.logical_decoding".into(), "on".into())));
    let role = m.resource("postgresql_role", "replication");
    assert_eq!(role.str("name").as_deref(), Some("msp-replicationuser"));
    assert_eq!(role.bool("replication"), Some(true));
    assert_eq!(role.bool("login"), Some(true));
    let publication = m.resource("postgresql_publication", "publications");
    assert_eq!(publication.text("provider").as_deref(), Some("postgresql.workload"));
    assert_eq!(publication.str("for_each.orders_pub.database").as_deref(), Some("orders"));
    let tables = publication.text("for_each.orders_pub.tables").unwrap();
    assert!(tables.contains("\"public.orders\"") && tables.contains("\"billing.invoices\""), "{tables}");
    let select = m.resource("postgresql_grant", "replication_select");
    assert!(select.text("for_each").unwrap().contains("orders/billing"));
    assert_eq!(select.text("role").as_deref(), Some("postgresql_role.replication.name"));
    let workload_provider = m
        .body
        .blocks()
        .filter(|bl| bl.identifier() == "provider")
        .any(|bl| Node(&bl.body).str("alias").as_deref() == Some("workload"));
    assert!(workload_provider, "publications are created as the workload, which owns the tables");
}

#[test]
fn an_empty_logical_replication_block_only_prepares_the_instance() {
    let b = service("", r#"postgres = { databases = ["orders"], logical_replication = {} }"#);
    let m = shop(&b);
    assert!(
        flags(m.resource("google_sql_database_instance", "postgresql"))
            .iter()
            .any(|(n, _)| n == "cloudsql.logical_decoding")
    );
    assert!(m.resources_of("postgresql_publication").is_empty());
}

// ---------------------------------------------------------------- BigQuery

#[test]
fn bigquery_dataset_tables_and_schema_files() {
    let spec = r#"
service shop {
  owners      = ["commerce"]
  description = "Checkout"
  image       = "us.gcr.io/example-registry/shop"
  environment prod {
    project_id = "shop-prod-1a2b"
    category   = test
    deploy     = manual
    bigquery   = { tables = ["events"], location = europe }
  }
}
"#;
    let schema = r#"[{"name": "id", "type": "STRING", "mode": "REQUIRED"}]"#;
    let b = Build::of(&[("services/shop/shop.msp", spec), ("services/shop/events.bigquerytable.json", schema)]);
    let m = shop(&b);
    let ds = m.resource("google_bigquery_dataset", "dataset");
    assert_eq!(ds.str("dataset_id").as_deref(), Some("shop"));
    assert_eq!(ds.str("location").as_deref(), Some("EU"));
    assert_eq!(ds.str("labels.service").as_deref(), Some("shop"));
    let grant = m.resource("google_bigquery_dataset_iam_member", "workload");
    assert_eq!(grant.str("role").as_deref(), Some("roles/bigquery.dataEditor"));
    assert_eq!(grant.str("member").as_deref(), Some("serviceAccount:shop-sa@shop-prod-1a2b.iam.gserviceaccount.com"));
    let tables = m.resource("google_bigquery_table", "tables");
    assert_eq!(tables.str("for_each.events").as_deref(), Some("bigquery-events.json"));
    assert_eq!(tables.text("schema").as_deref(), Some("file(\"${path.module}/${each.value}\")"));
    assert_eq!(tables.bool("deletion_protection"), Some(true));
    assert!(tables.text("depends_on").unwrap().contains("google_bigquery_dataset_iam_member.workload"));
    let file = b.file("terraform/shop/prod/cloudrun/bigquery-events.json");
    let parsed: serde_json::Value = serde_json::from_str(file).unwrap();
    assert_eq!(parsed[0]["name"], "id");

    let c = container(cloud_run(&m));
    assert_eq!(env_var(c, "BIGQUERY_PROJECT_ID").unwrap().str("value").as_deref(), Some("shop-prod-1a2b"));
    assert_eq!(env_var(c, "BIGQUERY_DATASET_ID").unwrap().str("value").as_deref(), Some("shop"));
    assert!(cloud_run(&m).text("depends_on").unwrap().contains("google_bigquery_table.tables"));
}

// ---------------------------------------------------------------- Sentry

#[test]
fn sentry_is_configured_only_when_the_platform_has_it() {
    let without = shop(&service("", ""));
    assert!(without.resources_of("sentry_project").is_empty());
    assert!(env_var(container(cloud_run(&without)), "SENTRY_DSN").is_none());

    let platform = format!(
        "{}\n",
        common::shared_platform().trim_end().trim_end_matches('}').to_string()
            + "  sentry = { organization = \"acme\", team = \"platform\" }\n}"
    );
    let spec = r#"
service shop {
  owners      = ["commerce"]
  description = "Checkout"
  name        = "Shop"
  image       = "us.gcr.io/example-registry/shop"
  environment prod {
    project_id = "shop-prod-1a2b"
    category   = test
    deploy     = manual
  }
}
"#;
    let b = Build::of(&[("platform.msp", &platform), ("services/shop.msp", spec)]);
    let m = shop(&b);
    assert_eq!(m.data("sentry_organization", "sentry").str("slug").as_deref(), Some("acme"));
    assert_eq!(m.data("sentry_team", "sentry").str("slug").as_deref(), Some("platform"));
    let project = m.resource("sentry_project", "sentry");
    assert_eq!(project.str("name").as_deref(), Some("Shop - prod"));
    assert_eq!(project.str("slug").as_deref(), Some("shop-prod"));
    assert_eq!(project.bool("default_rules"), Some(false));
    assert_eq!(m.resource("sentry_key", "sentry").str("name").as_deref(), Some("Managed Services Platform"));
    let dsn = env_var(container(cloud_run(&m)), "SENTRY_DSN").unwrap();
    assert_eq!(dsn.text("value").as_deref(), Some("sentry_key.sentry.dsn_public"));
}

// ---------------------------------------------------------------- job

#[test]
fn a_job_runs_one_task_until_its_deadline_without_probes() {
    let b = job("", "schedule = { deadline = 45m }");
    let m = b.stack("sweep", "prod", "cloudrun");
    assert!(m.resources_of("google_cloud_run_v2_service").is_empty());
    let j = m.resource("google_cloud_run_v2_job", "job");
    assert_eq!(j.str("name").as_deref(), Some("sweep-prod-us-central1"));
    assert_eq!(j.bool("deletion_protection"), Some(true));
    assert_eq!(j.int("template.task_count"), Some(1));
    assert_eq!(j.str("template.template.timeout").as_deref(), Some("2700s"));
    let c = j.child("template.template.containers");
    assert_eq!(c.str("name").as_deref(), Some("sweep"));
    assert!(!c.has("startup_probe") && !c.has("liveness_probe"));
    assert!(env_var(c, "JOB_EXECUTION_CRON_SCHEDULE").is_none(), "not scheduled");
    assert!(m.resources_of("google_cloud_scheduler_job").is_empty());
    assert!(m.resources_of("google_service_account").is_empty());
}

#[test]
fn a_scheduled_job_is_started_by_cloud_scheduler_as_its_invoker() {
    let b = job(r#"schedule = { cron = "0 3 * * *", deadline = 10m }"#, "");
    let m = b.stack("sweep", "prod", "cloudrun");
    let c = m.resource("google_cloud_run_v2_job", "job").child("template.template.containers");
    assert_eq!(env_var(c, "JOB_EXECUTION_CRON_SCHEDULE").unwrap().str("value").as_deref(), Some("0 3 * * *"));
    assert_eq!(env_var(c, "JOB_EXECUTION_DEADLINE").unwrap().str("value").as_deref(), Some("600s"));

    let sa = m.resource("google_service_account", "job_invoker");
    assert_eq!(sa.str("account_id").as_deref(), Some("sweep-job-sa"));
    let member = m.resource("google_cloud_run_v2_job_iam_member", "job_invoker");
    assert_eq!(member.str("role").as_deref(), Some("roles/run.invoker"));
    assert_eq!(member.text("name").as_deref(), Some("google_cloud_run_v2_job.job.name"));
    assert_eq!(
        member.text("member").as_deref(),
        Some("\"serviceAccount:${google_service_account.job_invoker.email}\"")
    );

    let s = m.resource("google_cloud_scheduler_job", "job");
    assert_eq!(s.str("schedule").as_deref(), Some("0 3 * * *"));
    assert_eq!(s.str("time_zone").as_deref(), Some("Etc/UTC"));
    assert_eq!(s.str("attempt_deadline").as_deref(), Some("600s"));
    assert_eq!(s.str("http_target.http_method").as_deref(), Some("POST"));
    assert_eq!(
        s.text("http_target.uri").as_deref(),
        Some(
            "\"https://us-central1-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/sweep-prod-1a2b/jobs/${google_cloud_run_v2_job.job.name}:run\""
        )
    );
    assert_eq!(s.str("http_target.headers.User-Agent").as_deref(), Some("MSP-Google-Cloud-Scheduler"));
    assert_eq!(
        s.text("http_target.oauth_token.service_account_email").as_deref(),
        Some("google_service_account.job_invoker.email")
    );
    assert!(s.text("depends_on").unwrap().contains("google_cloud_run_v2_job_iam_member.job_invoker"));
}

#[test]
fn the_scheduler_deadline_is_capped_at_cloud_schedulers_limit() {
    let b = job(r#"schedule = { cron = "0 3 * * *", deadline = 2h }"#, "");
    let m = b.stack("sweep", "prod", "cloudrun");
    assert_eq!(m.resource("google_cloud_scheduler_job", "job").str("attempt_deadline").as_deref(), Some("1800s"));
    let j = m.resource("google_cloud_run_v2_job", "job");
    assert_eq!(j.str("template.template.timeout").as_deref(), Some("7200s"), "the job itself keeps its deadline");
    let c = j.child("template.template.containers");
    assert_eq!(env_var(c, "JOB_EXECUTION_DEADLINE").unwrap().str("value").as_deref(), Some("7200s"));
}

#[test]
fn the_scheduler_deadline_is_at_least_cloud_schedulers_minimum() {
    let b = job(r#"schedule = { cron = "0 3 * * *", deadline = 5s }"#, "");
    let m = b.stack("sweep", "prod", "cloudrun");
    assert_eq!(m.resource("google_cloud_scheduler_job", "job").str("attempt_deadline").as_deref(), Some("15s"));
    assert_eq!(m.resource("google_cloud_run_v2_job", "job").str("template.template.timeout").as_deref(), Some("5s"));
}

#[test]
fn a_job_with_postgres_uses_the_private_network() {
    let b = job("", r#"postgres = { databases = ["sweeps"] }  allow_destroys = true"#);
    let m = b.stack("sweep", "prod", "cloudrun");
    let j = m.resource("google_cloud_run_v2_job", "job");
    assert_eq!(j.bool("deletion_protection"), Some(false));
    let vpc = j.child("template.template.vpc_access");
    assert_eq!(vpc.str("egress").as_deref(), Some("PRIVATE_RANGES_ONLY"));
    assert!(j.text("depends_on").unwrap().contains("postgresql_grant_role.workload_cloudsqlsuperuser"));
    let c = j.child("template.template.containers");
    assert!(env_var(c, "PGUSER").is_some());
}

// ---------------------------------------------------------------- hygiene

#[test]
fn generated_files_hold_no_secret_values_and_no_user_text_in_references() {
    let b = service(
        "",
        r#"redis = {}
    postgres = { databases = ["orders"] }
    secret_env = { TOKEN = secret("shop-token") }"#,
    );
    let m = shop(&b);
    for line in m.text.lines().filter(|l| l.contains("rediss://")) {
        assert!(line.trim_start().starts_with("secret_data"), "the endpoint is only ever secret data: {line}");
    }
    for line in m.text.lines().filter(|l| l.contains("auth_string") || l.contains("random_password")) {
        let key = line.split_whitespace().next().unwrap_or("");
        assert!(["secret_data", "password", "resource"].contains(&key), "a secret reaches `{key}`: {line}");
    }
    assert!(!m.text.contains("[\"orders\"]."), "user text never indexes a reference");
}

// ---------------------------------------------------------------- reserved names

/// The checker's `RESERVED_ENV` (setting one is `env-conflict`) is kept by
/// hand: every variable the platform sets on a container of the examples
/// (which use every feature: Redis, Cloud SQL, BigQuery, Sentry, domains,
/// scheduled jobs) must be in it.
#[test]
fn every_variable_the_platform_sets_is_reserved() {
    use mspc_compiler::check::rules::secrets::RESERVED_ENV;
    use std::collections::BTreeSet;

    fn env_names_in(body: &hcl::Body, out: &mut BTreeSet<String>) {
        for block in body.blocks() {
            if block.identifier() == "env" {
                out.extend(Node(&block.body).str("name"));
            }
            env_names_in(&block.body, out);
        }
    }

    let ws = mspc_compiler::db::load::Loaded::from_disk(&common::repo_root().join("examples")).unwrap();
    let services = ws.result().services.clone();
    let build = Build::examples();
    let mut platform_set = BTreeSet::new();
    for service in &services {
        for env in &service.environments {
            let m = build.stack(&service.id, &env.id, "cloudrun");
            let mut names = BTreeSet::new();
            for block in m.body.blocks() {
                let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
                if block.identifier() == "resource"
                    && matches!(labels.first(), Some(&("google_cloud_run_v2_service" | "google_cloud_run_v2_job")))
                {
                    env_names_in(&block.body, &mut names);
                }
            }
            assert!(!names.is_empty(), "no container env in {}/{}", service.id, env.id);
            // What the spec sets itself is not the platform's.
            names.retain(|n| !env.env.contains_key(n) && !env.secret_env.contains_key(n));
            platform_set.extend(names);
        }
    }
    // The examples still exercise every feature that adds variables.
    for feature in ["REDIS_ENDPOINT", "PGINSTANCE", "BIGQUERY_DATASET_ID", "SENTRY_DSN", "EXTERNAL_DNS_NAME"] {
        assert!(platform_set.contains(feature), "{feature} not set in any example: {platform_set:?}");
    }
    assert!(platform_set.contains("JOB_EXECUTION_CRON_SCHEDULE"), "no scheduled job: {platform_set:?}");
    let missing: Vec<_> = platform_set.iter().filter(|n| !RESERVED_ENV.contains(&n.as_str())).collect();
    assert!(missing.is_empty(), "set by the platform but not in RESERVED_ENV: {missing:?}");
}
