//! The rollout pipeline, in the project of its last stage: the Cloud Deploy
//! delivery pipeline, what its identities may do in each stage's project,
//! its buckets and notifications, and the target definitions applied with
//! `gcloud deploy apply` (reference 2.1 "Rollout files", 2.4 "Rollout pipeline").

use super::Parts;
use crate::emit::terraform::ctx::{Ctx, service_accounts_prefix};
use crate::emit::terraform::hcl::{Blk, Expr, b, lit, n, obj, r, rf, s, strs, tpl};
use crate::emit::terraform::providers::credential;
use crate::ir::{Environment, Rollout};

/// The custom target type every stage deploys through; its actions are the
/// skaffold custom actions in the release's source.
const TARGET_TYPE: &str = "cloud-run-service";
const RENDER_ACTION: &str = "cloud-run-image-deploy-render";
const DEPLOY_ACTION: &str = "cloud-run-image-deploy";
/// Cloud Deploy publishes operation events to a topic of exactly this name.
const NOTIFICATIONS_TOPIC: &str = "clouddeploy-operations";
/// The release source: it defines the custom target's actions.
const SKAFFOLD_FILE: &str = "skaffold.yaml";
/// The container the actions run in (gcloud, with `gcloud storage`).
const ACTION_IMAGE: &str = "gcr.io/google.com/cloudsdktool/google-cloud-cli:slim";
const EXECUTOR: &str = "data.terraform_remote_state.iam.outputs.cloud_deploy_executor_service_account";
const RELEASER: &str = "data.terraform_remote_state.iam.outputs.cloud_deploy_releaser_service_account_id";

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    if ctx.is_job() || !ctx.is_final_rollout_stage() {
        return;
    }
    let Some(rollout) = &ctx.service.rollout else { return };
    let stages = ctx.rollout_stages();
    let project = s(ctx.project_id());
    let executor_member = tpl([lit("serviceAccount:"), rf(EXECUTOR)]);

    let mut pipeline = Blk::resource("google_clouddeploy_delivery_pipeline", "rollout")
        .set("project", project.clone())
        .set("location", s(ctx.region()))
        .set("name", s(ctx.pipeline_name()))
        .set("description", s(format!("Rollout of {} through {}", ctx.service.name, stage_list(&stages))))
        .set("suspended", b(rollout.suspended))
        .set("labels", ctx.labels());
    if let Some(source) = &ctx.service.source {
        pipeline = pipeline.set("annotations", obj([("source.repository", s(source.repo.clone()))]));
    }
    let serial = stages.iter().fold(Blk::new("serial_pipeline"), |serial, env| {
        serial.block(Blk::new("stages").set("target_id", s(Ctx::rollout_target(env))))
    });
    parts.add(pipeline.block(serial));

    // The executor deploys each stage's Cloud Run service, which runs as
    // that stage's workload identity: it may act as that identity only, not
    // as every account of the project.
    let stage_entries = stages.iter().map(|env| {
        let workload =
            format!("{}{}", service_accounts_prefix(&env.project_id), ctx.workload_email_in(&env.project_id));
        (env.id.clone(), obj([("project", s(env.project_id.clone())), ("workload_account", s(workload))]))
    });
    parts.add(Blk::new("locals").set("rollout_stages", obj(stage_entries)));
    parts.add(
        Blk::resource("google_project_iam_member", "clouddeploy_executor_run_developer")
            .set("for_each", r("local.rollout_stages"))
            .set("project", r("each.value.project"))
            .set("role", s("roles/run.developer"))
            .set("member", executor_member.clone()),
    );
    parts.add(
        Blk::resource("google_service_account_iam_member", "clouddeploy_executor_acts_as_workload")
            .set("for_each", r("local.rollout_stages"))
            .set("service_account_id", r("each.value.workload_account"))
            .set("role", s("roles/iam.serviceAccountUser"))
            .set("member", executor_member),
    );

    buckets(ctx, parts);
    releasers(ctx, rollout, parts);
    notifications(ctx, parts);

    parts.files.push((ctx.rollout_file(), clouddeploy_yaml(ctx, &stages)));
    parts.files.push((SKAFFOLD_FILE.into(), skaffold_yaml()));
}

fn stage_list(stages: &[&Environment]) -> String {
    stages.iter().map(|e| e.id.as_str()).collect::<Vec<_>>().join(" -> ")
}

/// The release source (`source.tar.gz`, the skaffold configuration with the
/// custom actions) and Cloud Deploy's staging bucket. `gcloud deploy releases
/// create` stages into `<pipeline uid>_clouddeploy` and creates it with
/// defaults if missing; creating it here keeps it private and versioned.
fn buckets(ctx: &Ctx<'_>, parts: &mut Parts) {
    let bucket = |name: &str, bucket_name: Expr| {
        Blk::resource("google_storage_bucket", name)
            .comment(
                "checkov:skip=CKV_GCP_62:access is recorded by the project's Data Access audit logs (project stack)",
            )
            .set("project", s(ctx.project_id()))
            .set("name", bucket_name)
            .set("location", s(ctx.region().to_uppercase()))
            .set("uniform_bucket_level_access", b(true))
            .set("public_access_prevention", s("enforced"))
            .set("force_destroy", b(ctx.env.allow_destroys))
            .set("labels", ctx.labels())
            .block(Blk::new("versioning").set("enabled", b(true)))
            // Old release sources are only needed while their rollouts may be retried.
            .block(
                Blk::new("lifecycle_rule")
                    .block(Blk::new("condition").set("days_since_noncurrent_time", n(30)))
                    .block(Blk::new("action").set("type", s("Delete"))),
            )
    };
    parts.add(bucket("clouddeploy_skaffold", s(ctx.skaffold_bucket())));
    parts.add(bucket(
        "clouddeploy_staging",
        tpl([rf("google_clouddeploy_delivery_pipeline.rollout.uid"), lit("_clouddeploy")]),
    ));
}

/// Who may create releases: the releaser identity of the iam stack and the
/// rollout's own service account (a CI identity), if any.
fn releasers(ctx: &Ctx<'_>, rollout: &Rollout, parts: &mut Parts) {
    let project = s(ctx.project_id());
    let mut members = vec![("releaser".to_string(), tpl([lit("serviceAccount:"), rf(RELEASER)]))];
    if let Some(sa) = &rollout.service_account {
        members.push(("rollout_service_account".to_string(), s(format!("serviceAccount:{sa}"))));
    }
    parts.add(Blk::new("locals").set("clouddeploy_releasers", obj(members)));

    // `gcloud deploy releases create` lists buckets to find the staging bucket.
    parts.add(
        Blk::resource("google_project_iam_custom_role", "clouddeploy_listbuckets")
            .set("project", project.clone())
            .set("role_id", s("clouddeploy_listbuckets"))
            .set("title", s("Cloud Deploy list buckets"))
            .set("description", s("Lets Cloud Deploy releasers find the release staging bucket"))
            .set("permissions", strs(["storage.buckets.list"])),
    );
    let releaser_roles = [
        ("clouddeploy_releaser", s("roles/clouddeploy.releaser")),
        ("clouddeploy_listbuckets", r("google_project_iam_custom_role.clouddeploy_listbuckets.id")),
    ];
    for (name, role) in releaser_roles {
        parts.add(
            Blk::resource("google_project_iam_member", name)
                .set("for_each", r("local.clouddeploy_releasers"))
                .set("project", project.clone())
                .set("role", role)
                .set("member", r("each.value")),
        );
    }
    for bucket in ["clouddeploy_skaffold", "clouddeploy_staging"] {
        parts.add(
            Blk::resource("google_storage_bucket_iam_member", &format!("{bucket}_releasers"))
                .set("for_each", r("local.clouddeploy_releasers"))
                .set("bucket", r(format!("google_storage_bucket.{bucket}.name")))
                .set("role", s("roles/storage.admin"))
                .set("member", r("each.value")),
        );
    }
    // A release runs as the executor, so its creator must be allowed to act as it.
    parts.add(
        Blk::resource("google_service_account_iam_member", "clouddeploy_releasers_act_as_executor")
            .set("for_each", r("local.clouddeploy_releasers"))
            .set("service_account_id", tpl([lit(service_accounts_prefix(ctx.project_id())), rf(EXECUTOR)]))
            .set("role", s("roles/iam.serviceAccountUser"))
            .set("member", r("each.value")),
    );
}

/// Rollout events pushed to the platform's relay (which posts them to chat).
fn notifications(ctx: &Ctx<'_>, parts: &mut Parts) {
    let Some(secret) = &ctx.platform.cloud_deploy.notification_endpoint_secret else { return };
    let project = s(ctx.project_id());
    parts.add(credential(ctx, "clouddeploy_notification_endpoint", secret));
    parts.add(
        Blk::resource("google_pubsub_topic", "clouddeploy_operations")
            .comment("checkov:skip=CKV_GCP_83:carries only rollout status events; Google-managed encryption, as for the platform's other data")
            .set("project", project.clone())
            .set("name", s(NOTIFICATIONS_TOPIC))
            .set("labels", ctx.labels()),
    );
    parts.add(
        Blk::resource("google_pubsub_subscription", "clouddeploy_operations")
            .set("project", project)
            .set("name", s(NOTIFICATIONS_TOPIC))
            .set("topic", r("google_pubsub_topic.clouddeploy_operations.id"))
            .set("labels", ctx.labels())
            // Events are only worth relaying while they are fresh.
            .set("message_retention_duration", s("3600s"))
            .set("retain_acked_messages", b(false))
            .block(Blk::new("expiration_policy").set("ttl", s("")))
            .block(Blk::new("push_config").set(
                "push_endpoint",
                r("data.google_secret_manager_secret_version.clouddeploy_notification_endpoint.secret_data"),
            )),
    );
}

/// The custom target type and one target per stage, for `gcloud deploy
/// apply` (the Terraform provider could not define custom targets).
fn clouddeploy_yaml(ctx: &Ctx<'_>, stages: &[&Environment]) -> String {
    let project = ctx.project_id();
    let region = ctx.region();
    let file = ctx.rollout_file();
    let pipeline = ctx.pipeline_name();
    let bucket = ctx.skaffold_bucket();
    let mut out = String::new();
    let mut comment = |line: String| {
        out.push('#');
        if !line.is_empty() {
            out.push(' ');
            out.push_str(&one_line(&line));
        }
        out.push('\n');
    };
    comment(format!("Cloud Deploy targets of the rollout pipeline {pipeline} ({}).", stage_list(stages)));
    comment("Generated by mspc from the service's .msp file. DO NOT EDIT: change the spec and regenerate.".into());
    comment(String::new());
    comment("Register the target type and targets (after the cloudrun stack is applied):".into());
    comment(format!("  gcloud deploy apply --project={project} --region={region} --file={file}"));
    comment(String::new());
    comment(format!("Create a release from this folder ({SKAFFOLD_FILE} defines the target's actions), which"));
    comment("deploys TAG to the first stage (promote it from there):".into());
    comment(format!("  gcloud deploy releases create \"$RELEASE\" --project={project} --region={region} \\"));
    comment(format!("    --delivery-pipeline={pipeline} --source=. --gcs-source-staging-dir=gs://{bucket}/source \\"));
    comment("    --deploy-parameters=\"customTarget/tag=$TAG\"".into());

    out.push_str("apiVersion: deploy.cloud.google.com/v1\n");
    out.push_str("kind: CustomTargetType\n");
    out.push_str("metadata:\n");
    out.push_str(&format!("  name: {}\n", yaml_str(TARGET_TYPE)));
    out.push_str("  labels:\n");
    out.push_str("    msp: \"true\"\n");
    out.push_str(&format!("description: {}\n", yaml_str("Managed Services Platform Cloud Run service")));
    out.push_str("customActions:\n");
    out.push_str(&format!("  renderAction: {}\n", yaml_str(RENDER_ACTION)));
    out.push_str(&format!("  deployAction: {}\n", yaml_str(DEPLOY_ACTION)));

    let executor = ctx.clouddeploy_executor_email();
    for env in stages {
        out.push_str("---\n");
        out.push_str("apiVersion: deploy.cloud.google.com/v1\n");
        out.push_str("kind: Target\n");
        out.push_str("metadata:\n");
        out.push_str(&format!("  name: {}\n", yaml_str(&Ctx::rollout_target(env))));
        out.push_str("  labels:\n");
        out.push_str("    msp: \"true\"\n");
        out.push_str(&format!("    service: {}\n", yaml_str(ctx.id())));
        out.push_str(&format!("    environment: {}\n", yaml_str(&env.id)));
        out.push_str(&format!(
            "description: {}\n",
            yaml_str(&format!("{} ({}, {})", ctx.service.name, env.id, env.project_id))
        ));
        out.push_str("customTarget:\n");
        out.push_str(&format!("  customTargetType: {}\n", yaml_str(TARGET_TYPE)));
        // The tag is not a target parameter: each release passes its own
        // (`--deploy-parameters`), and a target default could shadow it.
        // The region is: stages may run in other regions than the pipeline.
        out.push_str("deployParameters:\n");
        out.push_str(&format!("  customTarget/serviceID: {}\n", yaml_str(&ctx.cloud_run_name_of(env))));
        out.push_str(&format!("  customTarget/image: {}\n", yaml_str(&ctx.service.image)));
        out.push_str(&format!("  customTarget/projectID: {}\n", yaml_str(&env.project_id)));
        out.push_str(&format!("  customTarget/region: {}\n", yaml_str(&env.region)));
        out.push_str("executionConfigs:\n");
        out.push_str("  - usages: [RENDER, DEPLOY]\n");
        out.push_str(&format!("    serviceAccount: {}\n", yaml_str(&executor)));
    }
    out
}

/// The skaffold config of the release source: the custom target's actions.
/// Cloud Deploy runs them as the executor, with the target's deploy
/// parameters as `CLOUD_DEPLOY_customTarget_<name>` variables, and reads each
/// action's `results.json` from `CLOUD_DEPLOY_OUTPUT_GCS_PATH`. Render records
/// the image to deploy; deploy points the stage's Cloud Run service at it.
fn skaffold_yaml() -> String {
    let image = "${CLOUD_DEPLOY_customTarget_image}:${CLOUD_DEPLOY_customTarget_tag}";
    let render = [
        "set -euo pipefail".to_string(),
        format!("echo \"{image}\" > manifest.txt"),
        "gcloud storage cp manifest.txt \"$CLOUD_DEPLOY_OUTPUT_GCS_PATH/manifest.txt\"".to_string(),
        "echo \"{\\\"resultStatus\\\": \\\"SUCCEEDED\\\", \\\"manifestFile\\\": \\\"$CLOUD_DEPLOY_OUTPUT_GCS_PATH/manifest.txt\\\"}\" > results.json"
            .to_string(),
        "gcloud storage cp results.json \"$CLOUD_DEPLOY_OUTPUT_GCS_PATH/results.json\"".to_string(),
    ];
    let deploy = [
        "set -euo pipefail".to_string(),
        format!(
            "gcloud run services update \"$CLOUD_DEPLOY_customTarget_serviceID\" --project=\"$CLOUD_DEPLOY_customTarget_projectID\" --region=\"$CLOUD_DEPLOY_customTarget_region\" --image=\"{image}\""
        ),
        "echo '{\"resultStatus\": \"SUCCEEDED\"}' > results.json".to_string(),
        "gcloud storage cp results.json \"$CLOUD_DEPLOY_OUTPUT_GCS_PATH/results.json\"".to_string(),
    ];
    let action = |name: &str, script: &[String]| {
        format!(
            "  - name: {}\n    containers:\n      - name: {}\n        image: {}\n        command: [\"/bin/bash\", \"-c\"]\n        args:\n          - {}\n",
            yaml_str(name),
            yaml_str(name),
            yaml_str(ACTION_IMAGE),
            yaml_str(&script.join("\n"))
        )
    };
    let mut out = String::new();
    out.push_str("# The release source of the rollout pipeline: the actions of the custom target type\n");
    out.push_str("# `cloud-run-service`. Generated by mspc; DO NOT EDIT.\n");
    out.push_str("apiVersion: skaffold/v4beta7\n");
    out.push_str("kind: Config\n");
    out.push_str("customActions:\n");
    out.push_str(&action(RENDER_ACTION, &render));
    out.push_str(&action(DEPLOY_ACTION, &deploy));
    out
}

/// A YAML double-quoted scalar: valid whatever the text, and never read as
/// a number, boolean, null or alias.
fn yaml_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Control characters and the code points YAML does not allow
            // unescaped in a stream.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a `#` comment line: one line, no control characters.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::yaml_str;

    #[test]
    fn yaml_strings_are_quoted_and_escaped() {
        assert_eq!(yaml_str("true"), "\"true\"");
        assert_eq!(yaml_str("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(yaml_str("x\ny\u{7}"), "\"x\\ny\\u0007\"");
        assert_eq!(yaml_str("*alias: {x}"), "\"*alias: {x}\"");
    }
}
