//! The `project` stack: the GCP project, its folder, billing, labels and the
//! APIs every service needs (reference 2.2).

use super::Stack;
use super::ctx::Ctx;
use super::hcl::{Blk, Expr, File, b, call, r, s, strs};
use super::outputs::output;
use super::providers::{Provider, provider_blocks, terraform_block};

/// APIs enabled in every project, before the service's own `iam.services`.
pub const APIS: &[&str] = &[
    "run",
    "containerregistry",
    "cloudbuild",
    "logging",
    "monitoring",
    "iam",
    "secretmanager",
    "redis",
    "compute",
    "networkmanagement",
    "vpcaccess",
    "servicenetworking",
    "storage-api",
    "storage-component",
    "bigquery",
    "cloudprofiler",
    "cloudscheduler",
    "sqladmin",
    "clouddeploy",
    "bigqueryconnection",
    "accesscontextmanager",
    "pubsub",
    "datastream",
    "cloudtrace",
    "iamcredentials",
];

pub fn build(ctx: &Ctx<'_>) -> Stack {
    let providers = [Provider::Google];
    let mut f = File::new();
    f.add(terraform_block(ctx, "project", &providers));
    f.extend(provider_blocks(ctx, &providers));

    let env = ctx.env;
    let mut extra_labels = Vec::new();
    if env.category.is_production() {
        extra_labels.push(("collect-security-audit-logs", s("true")));
    }
    let audit = &ctx.platform.audit_logs;
    let mut project = Blk::resource("google_project", "project");
    if !audit.covers_everything(env.category) {
        project = project.comment(
            "checkov:skip=CKV2_GCP_5:Data Access audit logs are narrowed on purpose by platform.audit_logs (they are billed by volume)",
        );
    }
    f.add(
        project
            .set("name", s(ctx.display_name()))
            .set("project_id", s(ctx.project_id()))
            .set("folder_id", s(ctx.platform.folders.for_category(env.category)))
            .set("billing_account", s(ctx.platform.billing_account.clone()))
            .set("auto_create_network", b(false))
            .set("labels", ctx.labels_with(extra_labels))
            .set("deletion_policy", s(if env.allow_destroys { "DELETE" } else { "PREVENT" }))
            .lifecycle(ctx.guard()),
    );

    let mut apis: Vec<String> = APIS.iter().map(|a| format!("{a}.googleapis.com")).collect();
    apis.extend(ctx.service.iam.services.iter().cloned());
    apis.sort();
    apis.dedup();
    // Data access is audited, so access to secrets, data and configuration
    // leaves a trail, as far as `platform.audit_logs` asks (they cost).
    if audit.applies_to(env.category) {
        let config = |name: &str, for_each: Option<Expr>, service: Expr| {
            Blk::resource("google_project_iam_audit_config", name)
                .set_opt("for_each", for_each)
                .set("project", r("google_project.project.project_id"))
                .set("service", service)
                .blocks(audit.data_access.iter().map(|t| Blk::new("audit_log_config").set("log_type", s(t.log_type()))))
        };
        let (all, apis): (Vec<&String>, Vec<&String>) = audit.services.iter().partition(|s| *s == "allServices");
        if !all.is_empty() {
            f.add(config("all_services", None, s("allServices")));
        }
        if !apis.is_empty() {
            // Named APIs as one resource: no Terraform name is made from theirs.
            f.add(config("services", Some(call("toset", [strs(&apis)])), r("each.value")));
        }
    }
    f.add(Blk::new("locals").set("apis", strs(&apis)));
    f.add(
        Blk::resource("google_project_service", "apis")
            .set("for_each", call("toset", [r("local.apis")]))
            .set("project", r("google_project.project.project_id"))
            .set("service", r("each.value"))
            .set("disable_on_destroy", b(false))
            .set("disable_dependent_services", b(false)),
    );
    f.extend(output(
        ctx,
        "project",
        "project_id",
        r("google_project.project.project_id"),
        Some("google_project_service.apis"),
    ));
    Stack::main(f)
}
