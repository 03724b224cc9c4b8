//! The `iam` stack: the workload and operator identities and what they may
//! do; registry and cross-project secret access; rollout identities
//! (reference 2.3).

use std::collections::BTreeSet;

use super::Stack;
use super::ctx::{CLOUDDEPLOY_EXECUTOR, CLOUDDEPLOY_RELEASER, Ctx, OUTPUT_OPERATOR_ACCOUNT, OUTPUT_WORKLOAD_ACCOUNT};
use super::hcl::{Blk, File, call, lit, r, rf, s, strs, tpl};
use super::outputs::output;
use super::providers::{Provider, provider_blocks, terraform_block};

/// Roles every workload identity gets in its project.
const WORKLOAD_ROLES: &[&str] = &[
    "roles/cloudprofiler.agent",
    "roles/cloudsql.client",
    "roles/cloudsql.instanceUser",
    "roles/cloudtrace.agent",
    "roles/compute.networkUser",
    "roles/monitoring.metricWriter",
    "roles/secretmanager.secretAccessor",
];

/// The registry project of an image hosted on GCR or Artifact Registry:
/// `us.gcr.io/<project>/…`, `us-docker.pkg.dev/<project>/…`.
pub fn registry_project(image: &str) -> Option<&str> {
    let mut parts = image.split('/');
    let host = parts.next()?;
    let project = parts.next()?;
    (host.ends_with(".gcr.io") || host == "gcr.io" || host.ends_with("-docker.pkg.dev")).then_some(project)
}

pub fn build(ctx: &Ctx<'_>) -> Stack {
    let providers = [Provider::Google, Provider::GoogleBeta, Provider::Random];
    let mut f = File::new();
    f.add(terraform_block(ctx, "iam", &providers));
    f.extend(provider_blocks(ctx, &providers));
    let svc = ctx.service;
    let project = s(ctx.project_id());

    f.add(
        Blk::resource("google_service_account", "workload")
            .set("project", project.clone())
            .set("account_id", s(ctx.workload_account_id()))
            .set("display_name", s(format!("{} Service Account", svc.name)))
            .set("description", s(format!("Workload identity of {} ({})", svc.name, ctx.env_id())))
            .lifecycle(ctx.guard()),
    );
    let workload_member = tpl([lit("serviceAccount:"), rf("google_service_account.workload.email")]);

    let mut roles: BTreeSet<String> = WORKLOAD_ROLES.iter().map(|r| r.to_string()).collect();
    roles.extend(svc.iam.roles.iter().cloned());
    f.add(Blk::new("locals").set("workload_roles", strs(&roles)));
    f.add(
        Blk::resource("google_project_iam_member", "workload")
            .set("for_each", call("toset", [r("local.workload_roles")]))
            .set("project", project.clone())
            .set("role", r("each.value"))
            .set("member", workload_member.clone()),
    );
    if !svc.iam.permissions.is_empty() {
        f.add(
            Blk::resource("google_project_iam_custom_role", "workload")
                .set("project", project.clone())
                .set("role_id", s("msp_workload_custom_role"))
                .set("title", s("Managed Services Platform workload custom role"))
                .set("permissions", strs(&svc.iam.permissions)),
        );
        f.add(
            Blk::resource("google_project_iam_member", "workload_custom_role")
                .set("project", project.clone())
                .set("role", r("google_project_iam_custom_role.workload.id"))
                .set("member", workload_member.clone()),
        );
    }
    // Terraform Cloud's runner acts as the workload when it deploys.
    let runner = format!("serviceAccount:{}", ctx.platform.terraform_cloud.runner_service_account);
    f.add(
        Blk::resource("google_service_account_iam_member", "runner_acts_as_workload")
            .set(
                "for_each",
                call("toset", [strs(["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"])]),
            )
            .set("service_account_id", r("google_service_account.workload.name"))
            .set("role", r("each.value"))
            .set("member", s(runner)),
    );

    // Read-only database access for operators (`pg connect` without write).
    // As MSP declares it (the prefix in the random value), so an account MSP
    // made keeps its id.
    f.add(
        Blk::resource("random_id", "operator_access")
            .set("byte_length", super::hcl::n(3))
            .set("prefix", s("operatoraccess-")),
    );
    f.add(
        Blk::resource("google_service_account", "operator_access")
            .set("project", project.clone())
            .set("account_id", r("random_id.operator_access.hex"))
            .set("display_name", s("Operator Access Service Account"))
            .set("description", s("Read-only database access for operators")),
    );
    f.add(
        Blk::resource("google_project_iam_member", "operator_access")
            .set("for_each", call("toset", [strs(["roles/cloudsql.client", "roles/cloudsql.instanceUser"])]))
            .set("project", project.clone())
            .set("role", r("each.value"))
            .set("member", tpl([lit("serviceAccount:"), rf("google_service_account.operator_access.email")])),
    );

    // Cloud Run's service agent pulls the image.
    f.add(
        Blk::resource("google_project_service_identity", "cloud_run")
            .set("provider", r("google-beta"))
            .set("project", project.clone())
            .set("service", s("run.googleapis.com")),
    );
    if let Some(registry) = registry_project(&svc.image) {
        f.add(
            Blk::resource("google_project_iam_member", "image_registry")
                .set("for_each", call("toset", [strs(["roles/artifactregistry.reader", "roles/storage.objectViewer"])]))
                .set("project", s(registry))
                .set("role", r("each.value"))
                .set("member", tpl([lit("serviceAccount:"), rf("google_project_service_identity.cloud_run.email")])),
        );
    }

    // Secrets in other projects, by `projects/<p>/secrets/<name>`.
    let mut cross: BTreeSet<(String, String)> = BTreeSet::new();
    let env = ctx.env;
    for secret in env.secret_env.values().chain(env.secret_volumes.values().map(|v| &v.secret)) {
        if let Some(p) = &secret.project {
            cross.insert((p.clone(), secret.name.clone()));
        }
    }
    if !cross.is_empty() {
        let entries =
            cross.iter().map(|(p, n)| (format!("{p}/{n}"), super::hcl::obj([("project", s(p)), ("secret", s(n))])));
        f.add(
            Blk::resource("google_secret_manager_secret_iam_member", "cross_project")
                .set("for_each", super::hcl::obj(entries))
                .set("project", r("each.value.project"))
                .set("secret_id", r("each.value.secret"))
                .set("role", s("roles/secretmanager.secretAccessor"))
                .set("member", workload_member.clone()),
        );
    }

    if env.postgres.as_ref().is_some_and(|p| p.logical_replication.is_some()) {
        f.extend(identity(
            ctx,
            "datastream",
            "datastream-to-cloudsql",
            "Datastream to Cloud SQL",
            Some("roles/cloudsql.client"),
        ));
    }

    let mut outputs = vec![
        (OUTPUT_WORKLOAD_ACCOUNT, r("google_service_account.workload.email")),
        (OUTPUT_OPERATOR_ACCOUNT, r("google_service_account.operator_access.email")),
    ];
    if ctx.is_final_rollout_stage() {
        f.extend(identity(
            ctx,
            "clouddeploy_executor",
            CLOUDDEPLOY_EXECUTOR,
            "Cloud Deploy executor",
            Some("roles/clouddeploy.jobRunner"),
        ));
        // Its roles are granted on the pipeline and buckets, in the cloudrun stack.
        f.extend(identity(ctx, "clouddeploy_releaser", CLOUDDEPLOY_RELEASER, "Cloud Deploy releaser", None));
        outputs.push(("cloud_deploy_executor_service_account", r("google_service_account.clouddeploy_executor.email")));
        // MSP's name, and its value: the email, which CI's workload identity
        // federation is configured with (despite the name, not the resource id).
        outputs
            .push(("cloud_deploy_releaser_service_account_id", r("google_service_account.clouddeploy_releaser.email")));
    }
    for (name, value) in outputs {
        f.extend(output(ctx, "iam", name, value, None));
    }
    Stack::main(f)
}

/// A service account, and optionally one role for it in the project.
fn identity(ctx: &Ctx<'_>, name: &str, account_id: &str, display: &str, role: Option<&str>) -> Vec<Blk> {
    let mut out = vec![
        Blk::resource("google_service_account", name)
            .set("project", s(ctx.project_id()))
            .set("account_id", s(account_id))
            .set("display_name", s(display)),
    ];
    if let Some(role) = role {
        out.push(
            Blk::resource("google_project_iam_member", name)
                .set("project", s(ctx.project_id()))
                .set("role", s(role))
                .set("member", tpl([lit("serviceAccount:"), rf(format!("google_service_account.{name}.email"))])),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::registry_project;

    #[test]
    fn registry_projects() {
        assert_eq!(registry_project("us.gcr.io/sourcegraph-dev/x"), Some("sourcegraph-dev"));
        assert_eq!(registry_project("us-docker.pkg.dev/p/repo/x"), Some("p"));
        assert_eq!(registry_project("index.docker.io/sourcegraph/x"), None);
    }
}
