//! What the project, iam and tfcworkspaces stacks must produce for each spec
//! feature, asserted on the generated Terraform.

mod common;

use common::tf::Build;

fn spec(extra_service: &str, env: &str) -> String {
    format!(
        r#"
service shop {{
  owners      = ["commerce"]
  description = "Checkout"
  handbook_page = "https://handbook.example.com/shop"
  image       = "us.gcr.io/example-registry/shop"
  {extra_service}
  environment prod {{
    project_id = "shop-prod-1a2b"
    deploy     = manual
    health_probes = {{}}
    {env}
  }}
}}
"#
    )
}

fn build(extra_service: &str, env: &str) -> Build {
    Build::of(&[("services/shop.msp", &spec(extra_service, env))])
}

#[test]
fn the_project_has_its_folder_billing_labels_and_guard() {
    let b = build("", "category = internal");
    let m = b.stack("shop", "prod", "project");
    let p = m.resource("google_project", "project");
    assert_eq!(p.str("project_id").as_deref(), Some("shop-prod-1a2b"));
    assert_eq!(p.str("name").as_deref(), Some("shop - prod"));
    assert_eq!(p.str("folder_id").as_deref(), Some("folders/2"), "internal → the platform's internal folder");
    assert_eq!(p.str("billing_account").as_deref(), Some("017005-C370B2-0E3030"));
    assert_eq!(p.bool("auto_create_network"), Some(false));
    assert_eq!(p.str("labels.collect-security-audit-logs").as_deref(), Some("true"));
    assert_eq!(p.str("deletion_policy").as_deref(), Some("PREVENT"));
    assert_eq!(p.bool("lifecycle.prevent_destroy"), Some(true));
    let audit = m.resource("google_project_iam_audit_config", "all_services");
    assert_eq!(audit.blocks("audit_log_config").len(), 3);
}

/// `platform.audit_logs` narrows the Data Access logs, which are billed by
/// volume: the log types, the services, and whether test environments
/// write them.
#[test]
fn data_access_audit_logs_follow_the_platform_setting() {
    let with = |setting: &str, category: &str| {
        let platform =
            common::shared_platform().replacen("platform {", &format!("platform {{\n  audit_logs = {setting}\n"), 1);
        let b = Build::of(&[
            ("platform.msp", &platform),
            ("services/shop.msp", &spec("", &format!("category = {category}"))),
        ]);
        b.stack("shop", "prod", "project")
    };
    let types = |m: &common::tf::Module, name: &str| -> Vec<String> {
        let audit = m.resource("google_project_iam_audit_config", name);
        audit.blocks("audit_log_config").iter().map(|b| b.str("log_type").unwrap()).collect()
    };

    let m = with("{}", "test");
    assert_eq!(types(&m, "all_services"), ["ADMIN_READ", "DATA_READ", "DATA_WRITE"], "by default, everything");

    let m = with(
        "{ data_access = [data_write], services = [\"allServices\", \"secretmanager.googleapis.com\", \"sqladmin.googleapis.com\"] }",
        "internal",
    );
    assert_eq!(types(&m, "all_services"), ["DATA_WRITE"]);
    let apis = m.resource("google_project_iam_audit_config", "services");
    assert_eq!(apis.text("service").as_deref(), Some("each.value"));
    let each = apis.text("for_each").unwrap();
    assert!(
        each.contains("\"secretmanager.googleapis.com\"") && each.contains("\"sqladmin.googleapis.com\""),
        "{each}"
    );
    assert_eq!(types(&m, "services"), ["DATA_WRITE"]);

    let m = with("{ services = [\"secretmanager.googleapis.com\"] }", "internal");
    assert!(m.resources_of("google_project_iam_audit_config") == ["services"], "only the named service");

    // Narrowed on purpose: checkov's audit-log check is skipped with the reason.
    assert!(m.text.contains("checkov:skip=CKV2_GCP_5:"));
    assert!(!with("{}", "test").text.contains("CKV2_GCP_5"), "the full trail needs no skip");
    let test_off = "{ in_test = false }";
    assert!(with(test_off, "test").resources_of("google_project_iam_audit_config").is_empty());
    assert_eq!(with(test_off, "external").resources_of("google_project_iam_audit_config"), ["all_services"]);
    assert!(with("{ data_access = [] }", "external").resources_of("google_project_iam_audit_config").is_empty());
}

/// The operator account's id comes from a random value declared as MSP
/// declares it (prefix included), so an account MSP made keeps its id.
#[test]
fn the_operator_account_is_named_as_msp_names_it() {
    let m = build("", "category = test").stack("shop", "prod", "iam");
    let id = m.resource("random_id", "operator_access");
    assert_eq!((id.str("prefix").as_deref(), id.int("byte_length")), (Some("operatoraccess-"), Some(3)));
    let account = m.resource("google_service_account", "operator_access");
    assert_eq!(account.text("account_id").as_deref(), Some("random_id.operator_access.hex"));
}

#[test]
fn allow_destroys_lifts_the_guards() {
    let b = build("", "category = test\n allow_destroys = true");
    let p = b.stack("shop", "prod", "project").resource("google_project", "project").text("deletion_policy");
    assert_eq!(p.as_deref(), Some("\"DELETE\""));
    let m = b.stack("shop", "prod", "project");
    assert_eq!(m.resource("google_project", "project").bool("lifecycle.prevent_destroy"), Some(false));
    assert!(
        m.resource("google_project", "project").str("labels.collect-security-audit-logs").is_none(),
        "test projects are not production"
    );
}

#[test]
fn extra_apis_roles_and_permissions_reach_the_workload() {
    let b = build(
        r#"iam = { services = ["pubsub.googleapis.com", "bigquerydatatransfer.googleapis.com"], roles = ["roles/pubsub.publisher"], permissions = ["storage.objects.get"] }"#,
        "category = test",
    );
    let project = b.stack("shop", "prod", "project");
    let apis = project.block("locals", None).text("apis").unwrap();
    assert!(apis.contains("\"bigquerydatatransfer.googleapis.com\"") && apis.contains("\"run.googleapis.com\""));
    assert_eq!(apis.matches("pubsub.googleapis.com").count(), 1, "no duplicates");
    let iam = b.stack("shop", "prod", "iam");
    assert!(iam.block("locals", None).text("workload_roles").unwrap().contains("roles/pubsub.publisher"));
    let role = iam.resource("google_project_iam_custom_role", "workload");
    assert_eq!(role.str("role_id").as_deref(), Some("msp_workload_custom_role"));
    assert!(role.text("permissions").unwrap().contains("storage.objects.get"));
    assert_eq!(iam.resource("google_service_account", "workload").str("account_id").as_deref(), Some("shop-sa"));
}

#[test]
fn a_cross_project_secret_is_granted_on_that_secret_only() {
    let b = build(
        "",
        r#"category = test
        secret_env = { LOCAL = secret("shop-token"), REMOTE = secret("projects/shared-secrets/secrets/SHARED_KEY") }"#,
    );
    let iam = b.stack("shop", "prod", "iam");
    let grant = iam.resource("google_secret_manager_secret_iam_member", "cross_project");
    assert_eq!(grant.str("role").as_deref(), Some("roles/secretmanager.secretAccessor"));
    let each = grant.text("for_each").unwrap();
    assert!(each.contains("shared-secrets/SHARED_KEY"), "{each}");
    assert!(!each.contains("shop-token"), "same-project secrets need no grant");
}

#[test]
fn gcr_images_grant_the_registry_and_others_do_not() {
    let gcr = build("", "category = test");
    let grant = gcr.stack("shop", "prod", "iam");
    assert_eq!(
        grant.resource("google_project_iam_member", "image_registry").str("project").as_deref(),
        Some("example-registry")
    );
    let docker_hub = Build::of(&[(
        "services/shop.msp",
        &spec("", "category = test").replace("us.gcr.io/example-registry/shop", "index.docker.io/example/shop"),
    )]);
    assert!(!docker_hub.stack("shop", "prod", "iam").has_resource("google_project_iam_member", "image_registry"));
}

#[test]
fn the_final_rollout_stage_holds_the_deploy_identities() {
    let spec = r#"
service shop {
  owners      = ["commerce"]
  description = "Checkout"
  image       = "us.gcr.io/example/shop"
  defaults { deploy = rollout, category = test }
  environment dev { project_id = "shop-dev-1a2b" }
  environment stg { project_id = "shop-stg-1a2b" }
  rollout { stages = [dev, stg] }
}
"#;
    let b = Build::of(&[("services/shop.msp", spec)]);
    assert!(b.stack("shop", "stg", "iam").has_resource("google_service_account", "clouddeploy_executor"));
    assert!(b.stack("shop", "stg", "iam").has_resource("google_service_account", "clouddeploy_releaser"));
    assert!(!b.stack("shop", "dev", "iam").has_resource("google_service_account", "clouddeploy_executor"));
}

#[test]
fn every_stack_runs_in_its_own_terraform_cloud_workspace_with_pinned_providers() {
    let b = build("", "category = test");
    for stack in ["project", "iam", "cloudrun", "monitoring", "tfcworkspaces"] {
        let m = b.stack("shop", "prod", stack);
        let tf = m.block("terraform", None);
        assert_eq!(tf.child("cloud").str("organization").as_deref(), Some("example"));
        assert_eq!(tf.child("cloud.workspaces").str("name"), Some(format!("msp-shop-prod-{stack}")));
        let google = tf.child("required_providers").expr("google");
        if let Some(g) = google {
            let text = hcl::format::to_string(&g).unwrap();
            assert!(text.contains("\"8.7.0\""), "pinned: {text}");
        }
    }
}

#[test]
fn the_workspace_runs_are_chained_in_stack_order() {
    let b = build("", "category = test");
    let m = b.stack("shop", "prod", "tfcworkspaces");
    assert_eq!(m.resources_of("tfe_workspace_run"), ["project", "iam", "cloudrun", "monitoring"]);
    assert_eq!(
        m.resource("tfe_workspace_run", "iam").text("depends_on").as_deref().map(|s| s.replace([' ', '\n'], "")),
        Some("[tfe_workspace_run.project]".into())
    );
    assert_eq!(m.resource("tfe_workspace_run", "project").bool("apply.wait_for_run"), Some(true));
    assert_eq!(m.resource("tfe_workspace_run", "project").bool("destroy.manual_confirm"), Some(false));
}

/// Failed runs are reported for every workspace of the environment, as MSP
/// configures each one, not only for the last stack's.
#[test]
fn failed_runs_of_every_workspace_are_reported() {
    let platform = std::fs::read_to_string(common::repo_root().join("tests/fixtures/platform.msp")).unwrap().replace(
        "    organization           = \"example\"\n",
        "    organization           = \"example\"\n    notification_channel   = \"#alerts-tfc\"\n",
    );
    assert!(platform.contains("#alerts-tfc"));
    let b = Build::of(&[("platform.msp", &platform), ("services/shop.msp", &spec("", "category = test"))]);
    let m = b.stack("shop", "prod", "tfcworkspaces");
    let configs = m.resources_of("tfe_notification_configuration");
    assert_eq!(configs.len(), 5, "{configs:?}");
    let mut watched: Vec<String> = configs
        .iter()
        .map(|c| {
            let r = m.resource("tfe_notification_configuration", c);
            assert_eq!(r.str("name").as_deref(), Some("#alerts-tfc"));
            assert_eq!(r.text("triggers").map(|t| t.replace([' ', '\n'], "")).as_deref(), Some("[\"run:errored\"]"));
            r.text("workspace_id").unwrap()
        })
        .collect();
    watched.sort();
    let mut want: Vec<String> = ["cloudrun", "iam", "monitoring", "project", "tfcworkspaces"]
        .iter()
        .map(|s| format!("data.tfe_workspace.{s}.id"))
        .collect();
    want.sort();
    assert_eq!(watched, want);
    // Without a channel, none.
    let quiet = build("", "category = test");
    assert!(quiet.stack("shop", "prod", "tfcworkspaces").resources_of("tfe_notification_configuration").is_empty());
}
