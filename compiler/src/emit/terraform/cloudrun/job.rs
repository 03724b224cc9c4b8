//! The Cloud Run job (reference 2.4 "Job"): one task per execution, stopped
//! at the deadline. With a cron schedule, Cloud Scheduler starts it as a
//! dedicated invoker identity that may do nothing else.

use super::Parts;
use super::service::{execution_environment, vpc_access, workload};
use crate::emit::terraform::ctx::{Ctx, OUTPUT_WORKLOAD_ACCOUNT};
use crate::emit::terraform::hcl::{Blk, b, list, lit, n, obj, r, rf, s, tpl};

pub const JOB: &str = "google_cloud_run_v2_job.job";
/// Cloud Scheduler's bounds on an HTTP target's attempt deadline.
const SCHEDULER_DEADLINE_SECONDS: (u64, u64) = (15, 1800);

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    let env = ctx.env;
    let deadline = env.job_deadline_seconds();
    let cron = env.schedule.as_ref().and_then(|s| s.cron.clone());
    if let Some(cron) = &cron {
        // For the runtime, e.g. to check in with cron monitoring on schedule.
        parts.env.insert("JOB_EXECUTION_CRON_SCHEDULE".into(), s(cron.clone()));
        parts.env.insert("JOB_EXECUTION_DEADLINE".into(), s(format!("{deadline}s")));
    }

    let mut task = Blk::new("template")
        .set("service_account", ctx.remote("iam", OUTPUT_WORKLOAD_ACCOUNT))
        .set("timeout", s(format!("{deadline}s")))
        .set_opt("execution_environment", execution_environment(ctx));
    if let Some(vpc) = vpc_access(parts) {
        task = task.block(vpc);
    }
    let task = task.blocks(workload(ctx, parts, None));

    let mut job = Blk::resource("google_cloud_run_v2_job", "job")
        .set("project", s(ctx.project_id()))
        .set("name", s(ctx.cloud_run_name()))
        .set("location", s(ctx.region()))
        .set("deletion_protection", b(!env.allow_destroys))
        .set("labels", ctx.labels())
        .block(Blk::new("template").set("task_count", n(1)).block(task));
    if !parts.depends_on.is_empty() {
        job = job.set("depends_on", list(parts.depends_on.iter().map(|d| r(d.clone()))));
    }
    parts.add(job);

    let Some(cron) = cron else { return };
    parts.add(
        Blk::resource("google_service_account", "job_invoker")
            .set("project", s(ctx.project_id()))
            .set("account_id", s(ctx.job_invoker_account_id()))
            .set("display_name", s(format!("{} Job-Invoker Service Account", ctx.service.name)))
            .set("description", s(format!("Starts {} ({}) on its schedule", ctx.service.name, ctx.env_id()))),
    );
    parts.add(
        Blk::resource("google_cloud_run_v2_job_iam_member", "job_invoker")
            .set("project", r(format!("{JOB}.project")))
            .set("location", r(format!("{JOB}.location")))
            .set("name", r(format!("{JOB}.name")))
            .set("role", s("roles/run.invoker"))
            .set("member", tpl([lit("serviceAccount:"), rf("google_service_account.job_invoker.email")])),
    );
    let attempt_deadline = deadline.clamp(SCHEDULER_DEADLINE_SECONDS.0, SCHEDULER_DEADLINE_SECONDS.1);
    parts.add(
        Blk::resource("google_cloud_scheduler_job", "job")
            .set("project", s(ctx.project_id()))
            .set("region", s(ctx.region()))
            .set("name", r(format!("{JOB}.name")))
            .set("schedule", s(cron))
            .set("time_zone", s("Etc/UTC"))
            // The job's deadline, kept within Cloud Scheduler's bounds for
            // HTTP targets (15 seconds to 30 minutes); the execution itself
            // runs on to the job's own timeout, since `:run` returns once it
            // has started.
            .set("attempt_deadline", s(format!("{attempt_deadline}s")))
            .block(
                Blk::new("http_target")
                    .set("http_method", s("POST"))
                    .set(
                        "uri",
                        tpl([
                            lit(format!(
                                "https://{}-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/{}/jobs/",
                                ctx.region(),
                                ctx.project_id()
                            )),
                            rf(format!("{JOB}.name")),
                            lit(":run"),
                        ]),
                    )
                    .set("headers", obj([("User-Agent", s("MSP-Google-Cloud-Scheduler"))]))
                    .block(
                        Blk::new("oauth_token")
                            .set("service_account_email", r("google_service_account.job_invoker.email")),
                    ),
            )
            .set("depends_on", list([r("google_cloud_run_v2_job_iam_member.job_invoker")])),
    );
}
