//! The operations page of one service (reference 3.1, in the layout of the
//! original generated pages), with the platform's links and names from
//! `platform.msp`. A row or paragraph whose setting is absent is left out.

use std::fmt::Write as _;

use super::markdown::{code, fenced, link, local_link, nest_headings, resolve_anchors, table, text};
use super::{DocsMeta, diagram, links};
use crate::emit::alerts::{self, Alert};
use crate::emit::ops::{self, Scope};
use crate::emit::terraform::ctx::{Ctx, STACKS};
use crate::ir::{Category, Deploy, Environment, Kind, Platform, Service};
use crate::syntax::literals::format_duration;

pub fn page(platform: &Platform, service: &Service, meta: &DocsMeta) -> String {
    let mut out = String::new();
    let name = &service.name;
    let hb = &platform.handbook;
    let platform_name = hb.platform_name.as_str();
    let _ = writeln!(out, "# {} infrastructure operations\n", text(name));
    out.push_str(&super::generated_notice(meta, hb.specs_url.as_deref()));
    let _ = writeln!(out, "This document describes operational guidance for {} infrastructure.", text(name));
    match &hb.platform_url {
        Some(url) => {
            let _ = writeln!(out, "This service is operated on the {}.", link(&text(platform_name), url));
        }
        None => {
            let _ = writeln!(out, "This service is operated on the {}.", text(platform_name));
        }
    }
    if let Some(page) = &service.handbook_page {
        let _ = writeln!(out, "The service's own documentation is on its {}.", link("handbook page", page));
    }
    out.push('\n');
    if let Some(url) = &hb.tooling_setup_url {
        let _ = writeln!(
            out,
            "> [!IMPORTANT]\n> If this is your first time here, you must follow the {} to set up the prerequisite tooling.\n",
            link("'Tooling setup' guide", url)
        );
    }
    if let Some(help) = assistance(platform) {
        let _ = writeln!(out, "{help}\n");
    }

    // Service overview.
    let _ = writeln!(out, "## Service overview\n");
    let spec_link = links::spec_file(hb.specs_url.as_deref(), &service.spec_path);
    let mut rows = vec![
        ("Service ID".to_string(), spec_link.map_or_else(|| code(&service.id), |u| link(&code(&service.id), &u))),
        ("Owners".into(), service.owners.iter().map(|o| format!("**{}**", text(o))).collect::<Vec<_>>().join(", ")),
        ("Service kind".into(), if service.kind == Kind::Job { "Cloud Run job" } else { "Cloud Run service" }.into()),
        (
            "Environments".into(),
            service.environments.iter().map(|e| local_link(&e.id, 3, &e.id)).collect::<Vec<_>>().join(", "),
        ),
        ("Docker image".into(), code(&service.image)),
    ];
    if let Some(src) = &service.source {
        rows.push((
            "Source code".into(),
            link(&format!("{} - {}", code(&src.repo), code(&src.dir)), &links::source(&src.repo, &src.dir)),
        ));
    }
    out.push_str(&table(["PROPERTY", "DETAILS"], &rows));
    out.push('\n');

    let mut readme_range = 0..0;
    if let Some(readme) = &service.readme {
        let origin = links::spec_file(hb.specs_url.as_deref(), &readme.path).unwrap_or_else(|| readme.path.clone());
        let _ = writeln!(out, "<!-- Automatically generated from the service README: {origin} -->\n");
        let start = out.len();
        out.push_str(nest_headings(&readme.body).trim_end());
        out.push_str("\n\n");
        readme_range = start..out.len();
    }

    if let Some(rollout) = &service.rollout {
        rollouts(&mut out, platform, service, rollout);
    }

    let _ = writeln!(out, "## Environments\n");
    for env in &service.environments {
        environment(&mut out, &Ctx::new(platform, service, env));
    }

    alert_policies(&mut out, platform, service);
    resolve_anchors(out.trim_end(), readme_range) + "\n"
}

/// "reach out to the [Team](url) team in #channel", from whatever is set.
pub(super) fn assistance(platform: &Platform) -> Option<String> {
    let hb = &platform.handbook;
    let team = match (&hb.platform_team, &hb.platform_team_url) {
        (Some(t), Some(u)) => Some(format!("the {} team", link(&text(t), u))),
        (Some(t), None) => Some(format!("the {} team", text(t))),
        _ => None,
    };
    let what = format!("If you need assistance with {} infrastructure, reach out to", text(&hb.platform_name));
    match (team, &hb.support_channel) {
        (Some(t), Some(c)) => Some(format!("{what} {t} in {}.", text(c))),
        (Some(t), None) => Some(format!("{what} {t}.")),
        (None, Some(c)) => Some(format!("{what} {}.", text(c))),
        (None, None) => None,
    }
}

fn rollouts(out: &mut String, platform: &Platform, service: &Service, rollout: &crate::ir::Rollout) {
    let Some(last) = rollout.stages.last().and_then(|id| service.environments.iter().find(|e| &e.id == id)) else {
        return;
    };
    let ctx = Ctx::new(platform, service, last);
    let stage_links: Vec<String> = rollout.stages.iter().map(|s| local_link(s, 3, s)).collect();
    let _ = writeln!(out, "## Rollouts\n");
    let pipeline = ctx.pipeline_name();
    let rows = vec![
        (
            "Delivery pipeline".to_string(),
            link(&code(&pipeline), &links::delivery_pipeline(&last.project_id, &last.region, &pipeline)),
        ),
        ("Stages".into(), stage_links.join(" -> ")),
    ];
    out.push_str(&table(["PROPERTY", "DETAILS"], &rows));
    let _ = write!(
        out,
        "\nChanges to {} are continuously delivered to the first stage ({}) of the delivery pipeline.",
        text(&service.name),
        stage_links[0]
    );
    if rollout.stages.len() > 1 {
        out.push_str(" Promotion of a release to the next stage in the pipeline must be done manually using the GCP Delivery pipeline UI.");
    }
    if rollout.suspended {
        out.push_str(" The pipeline is currently **suspended**: no release is created or promoted.");
    }
    out.push_str("\n\n");
}

fn environment(out: &mut String, ctx: &Ctx<'_>) {
    let env = ctx.env;
    let platform = ctx.platform;
    let id = &env.id;
    let project = &env.project_id;
    let job = ctx.is_job();
    let _ = writeln!(out, "### {id}\n");

    let mut resources = Vec::new();
    for (present, kind) in [
        (env.redis.is_some(), "Redis"),
        (env.postgres.is_some(), "PostgreSQL instance"),
        (env.bigquery.is_some(), "BigQuery dataset"),
    ] {
        if present {
            let heading = format!("{id} {kind}");
            resources.push(local_link(&heading, 4, &heading));
        }
    }
    let mut rows = vec![
        ("Project ID".to_string(), link(&code(project), &links::cloud_run(project, job))),
        ("Category".into(), format!("**{}**", env.category.as_str())),
        ("Deployment type".into(), code(env.deploy.kind())),
        ("Resources".into(), if resources.is_empty() { "none".into() } else { resources.join(", ") }),
        ("Slack notifications".into(), slack_cell(ctx)),
        ("Alert policies".into(), alert_policies_cell(ctx)),
    ];
    if let Some(errors) = sentry_link(ctx) {
        rows.push(("Errors".into(), errors));
    }
    if let Some(d) = &env.domain {
        rows.push(("Domain".into(), link(&text(&d.dns_name), &format!("https://{}", d.dns_name))));
        if d.proxied {
            rows.push(("Cloudflare WAF".into(), "✅".into()));
        }
    }
    if let Some(cron) = env.schedule.as_ref().and_then(|s| s.cron.as_ref()) {
        rows.push(("Schedule".into(), format!("{} (UTC)", code(cron))));
    }
    out.push_str(&table(["PROPERTY", "DETAILS"], &rows));
    out.push('\n');

    let access = &platform.access;
    if let Some(req) = access.for_category(env.category).filter(|r| r.read.is_some() || r.write.is_some()) {
        let _ = write!(
            out,
            "{} infrastructure access needs to be requested using {} for time-bound privileges.",
            text(&platform.handbook.platform_name),
            text(&access.tool)
        );
        if env.category == Category::Test {
            out.push_str(" Test environments may have less stringent requirements.");
        }
        out.push_str("\n\n");
        let mut rows = Vec::new();
        if let Some(url) = &req.read {
            rows.push(("GCP project read access".to_string(), link(&access_request(ctx, "Read-only"), url)));
        }
        if let Some(url) = &req.write {
            rows.push(("GCP project write access".to_string(), link(&access_request(ctx, "Write access"), url)));
        }
        out.push_str(&table(["ACCESS", &format!("{} REQUEST TEMPLATE", text(&access.tool.to_uppercase()))], &rows));
        out.push('\n');
    }
    let tfc_heading = format!("{id} Terraform Cloud");
    let _ = writeln!(out, "For Terraform Cloud access, see {}.\n", local_link(&tfc_heading, 4, &tfc_heading));

    cloud_run(out, ctx);
    if env.redis.is_some() {
        let _ = writeln!(out, "#### {id} Redis\n");
        out.push_str(&table(
            ["PROPERTY", "DETAILS"],
            &[("Console".into(), link("Memorystore Redis instances", &links::redis(project)))],
        ));
        out.push('\n');
    }
    if let Some(pg) = &env.postgres {
        postgres(out, ctx, pg);
    }
    if let Some(bq) = &env.bigquery {
        let _ = writeln!(out, "#### {id} BigQuery dataset\n");
        let specs = platform.handbook.specs_url.as_deref();
        let tables: Vec<String> = bq
            .tables
            .iter()
            .map(|t| match links::spec_file(specs, &t.schema_path) {
                Some(u) => link(&code(&t.name), &u),
                None => code(&t.name),
            })
            .collect();
        let rows = vec![
            ("Dataset Project".to_string(), code(&bq.project_id)),
            ("Dataset ID".into(), link(&code(&bq.dataset_id), &links::bigquery(&bq.project_id, &bq.dataset_id))),
            ("Tables".into(), tables.join(", ")),
        ];
        out.push_str(&table(["PROPERTY", "DETAILS"], &rows));
        out.push('\n');
    }
    let _ = writeln!(out, "#### {id} Architecture Diagram\n\n```mermaid\n{}```\n", diagram::mermaid(ctx));
    terraform_cloud(out, ctx);
}

/// The channels the environment's alerts go to, as the monitoring stack
/// routes them, linked when the Slack workspace is known.
fn slack_cell(ctx: &Ctx<'_>) -> String {
    let slack = &ctx.platform.slack;
    let channel = |c: &str| match &slack.workspace_url {
        Some(w) => link(&text(c), &links::slack_channel(w, c)),
        None => text(c),
    };
    let mut cell = channel(&ctx.slack_channel());
    if let Some(shared) = &slack.shared_channel {
        cell.push_str(&format!(", {}", channel(shared)));
    }
    cell
}

fn alert_policies_cell(ctx: &Ctx<'_>) -> String {
    let project = &ctx.env.project_id;
    let mut cell = format!(
        "{}, {}",
        link("GCP Monitoring alert policies list", &links::alert_policies(project)),
        link("Dashboard", &links::dashboards(project))
    );
    if ctx.platform.opsgenie.is_some() && ctx.env.opsgenie {
        cell.push_str("; critical alerts page the owners through Opsgenie");
    }
    cell
}

/// "Read-only Entitle request for the 'Internal Services' folder", as the
/// platform's pages name a request template.
fn access_request(ctx: &Ctx<'_>, level: &str) -> String {
    let access = &ctx.platform.access;
    let folder = access.for_category(ctx.env.category).map_or("", |r| r.folder_name.as_str());
    format!("{level} {} request for the '{}' folder", text(&access.tool), text(folder))
}

/// "Sentry `<service>-<env>`", linked, when the platform has Sentry.
fn sentry_link(ctx: &Ctx<'_>) -> Option<String> {
    let sentry = ctx.platform.sentry.as_ref()?;
    let slug = ctx.sentry_slug();
    Some(link(&format!("Sentry {}", code(&slug)), &links::sentry(&sentry.organization, &slug)))
}

fn cloud_run(out: &mut String, ctx: &Ctx<'_>) {
    let env = ctx.env;
    let id = &env.id;
    let project = &env.project_id;
    let job = ctx.is_job();
    let (what, product) = if job { ("job", "Google Cloud Run jobs") } else { ("service", "Google Cloud Run") };
    let _ = writeln!(out, "#### {id} Cloud Run\n");
    let _ = write!(
        out,
        "The {} {id} {what} implementation is deployed on {}",
        text(&ctx.service.name),
        link(
            product,
            if job { "https://cloud.google.com/run/docs/create-jobs" } else { "https://cloud.google.com/run" }
        )
    );
    let _ = match &env.deploy {
        Deploy::Manual { tag } => writeln!(out, ", running the image tag {} set in its specification.", code(tag)),
        Deploy::Subscription { tag } if ctx.followed_image().is_some() => writeln!(
            out,
            ", following the image tag {}: each Terraform plan of the `cloudrun` workspace resolves it to its \
             current digest, so the first run after a new image is pushed under the tag deploys it.",
            code(tag)
        ),
        Deploy::Subscription { tag } => writeln!(
            out,
            ", running the image tag {}: its registry is not Artifact Registry, so new images under the tag \
             are not looked up and do not roll out by themselves.",
            code(tag)
        ),
        Deploy::Rollout => {
            writeln!(out, ", where releases are delivered by the {} pipeline.", local_link("rollout", 2, "Rollouts"))
        }
    };
    if let Some(s) = env.schedule.as_ref().filter(|_| job) {
        match &s.cron {
            Some(cron) => {
                let _ = writeln!(
                    out,
                    "It runs on the schedule {} (UTC), and each execution may take up to {}.",
                    code(cron),
                    format_duration(s.deadline_seconds)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "It runs only when started by hand; each execution may take up to {}.",
                    format_duration(s.deadline_seconds)
                );
            }
        }
    }
    out.push('\n');
    let kind = if job { "Cloud Run job" } else { "Cloud Run service" };
    let (svc, service) = (ctx.id(), ctx.service);
    let mut rows = vec![
        ("Console".to_string(), link(kind, &ops::console_url(service, env))),
        (if job { "Job logs" } else { "Service logs" }.to_string(), link("GCP logging", &ops::logs_url(service, env))),
        (
            if job { "Job traces" } else { "Service traces" }.to_string(),
            link("Cloud Trace", &links::traces(&env.project_id)),
        ),
    ];
    if let Some(errors) = sentry_link(ctx) {
        rows.push((if job { "Job errors" } else { "Service errors" }.to_string(), errors));
    }
    out.push_str(&table(["PROPERTY", "DETAILS"], &rows));
    let _ = writeln!(
        out,
        "\nTo open the {what}'s logs or its console page in your browser (without `--open`, the link is printed):\n\n\
         ```bash\n{} --open\n{} --open\n```\n",
        ops::logs_command(svc, id),
        ops::console_command(svc, id)
    );
    let command = if job { "jobs executions list --job" } else { "services logs read" };
    let _ = writeln!(
        out,
        "You can also read recent {} with `gcloud`:\n\n```bash\ngcloud run {command} {} --project={project} --region={}\n```\n",
        if job { "executions" } else { "logs" },
        ctx.cloud_run_name(),
        env.region
    );
}

fn postgres(out: &mut String, ctx: &Ctx<'_>, pg: &crate::ir::Postgres) {
    let env = ctx.env;
    let id = &env.id;
    let project = &env.project_id;
    let _ = writeln!(out, "#### {id} PostgreSQL instance\n");
    let rows = vec![
        ("Console".to_string(), link("Cloud SQL instances", &links::cloud_sql(project))),
        ("Databases".into(), pg.databases.iter().map(|d| code(d)).collect::<Vec<_>>().join(", ")),
    ];
    out.push_str(&table(["PROPERTY", "DETAILS"], &rows));
    out.push('\n');
    let access = &ctx.platform.access;
    if let Some(write) = access.for_category(env.category).and_then(|r| r.write.as_ref()) {
        let _ = writeln!(
            out,
            "> [!NOTE]\n> The {} is required for BOTH read-only and write access to the database.\n",
            link(&access_request(ctx, "Write access"), write)
        );
    }
    let _ = writeln!(
        out,
        "To connect to the PostgreSQL instance in this environment, `mspc pg connect` runs the {} as the operator \
         identity (read-only) or the service's own identity (write access), reading both and the instance's \
         connection name from the project's Secret Manager ({}, {} and {}), and prints the `psql` command for \
         each database:\n",
        link("Cloud SQL Auth Proxy", "https://cloud.google.com/sql/docs/postgres/sql-proxy"),
        code(&ops::pg::operator_account_secret()),
        code(&ops::pg::workload_account_secret()),
        code(&ops::pg::connection_name_secret()),
    );
    let _ = writeln!(
        out,
        "```bash\n# For read-only access\n{}\n\n# For write access - use with caution!\n{}\n```\n",
        ops::pg_connect_command(ctx.id(), id, false),
        ops::pg_connect_command(ctx.id(), id, true)
    );
}

fn terraform_cloud(out: &mut String, ctx: &Ctx<'_>) {
    let env = ctx.env;
    let id = &env.id;
    let platform = ctx.platform;
    let tfc = &platform.terraform_cloud;
    let access = &platform.access;
    let specs = platform.handbook.specs_url.as_deref();
    let spec = match links::spec_file(specs, &ctx.service.spec_path) {
        Some(u) => link(&code(&ctx.service.spec_path), &u),
        None => code(&ctx.service.spec_path),
    };
    let _ = writeln!(out, "#### {id} Terraform Cloud\n");
    let _ = writeln!(
        out,
        "This service's configuration is defined in {spec}, and `mspc build` generates the required infrastructure configuration for this environment in Terraform."
    );
    out.push_str("Terraform Cloud (TFC) workspaces specific to each service then provision the required infrastructure from this configuration.\n");
    match &tfc.notification_channel {
        Some(c) => {
            let _ = writeln!(
                out,
                "You may want to check your service environment's TFC workspaces if a Terraform apply fails (reported in {}).\n",
                text(c)
            );
        }
        None => out.push_str(
            "You may want to check your service environment's TFC workspaces if a Terraform apply fails.\n\n",
        ),
    }
    let run_heading = format!("{id} Cloud Run");
    let run_link = local_link(&run_heading, 4, &run_heading);
    let _ = writeln!(
        out,
        "> [!NOTE]\n> If you are looking for service logs, see the {run_link} section instead. In general:\n>\n\
         > - check service logs ({run_link}) if your service has gone down or is misbehaving\n\
         > - check TFC workspaces for infrastructure provisioning or configuration issues\n"
    );
    let login = links::terraform_cloud(&tfc.organization);
    if let Some(request) = &access.terraform_cloud {
        let team = match &tfc.operators_team {
            Some(t) => format!("membership in the \"{}\" TFC team", text(t)),
            None => "membership in the TFC operators team".into(),
        };
        let _ = writeln!(
            out,
            "To access this environment's Terraform Cloud workspaces, you will need to {} and then {}.",
            link("log in to Terraform Cloud", &login),
            link(&format!("request {} access to {team}", text(&access.tool)), request)
        );
        if let Some(t) = &tfc.operators_team {
            let _ = writeln!(
                out,
                "The \"{}\" team has access to all {} TFC workspaces.",
                text(t),
                text(&platform.handbook.platform_name)
            );
        }
        let _ = writeln!(
            out,
            "\n> [!WARNING]\n> You **must {} before making your {} request**.\n> If you make your {} request, then log in, you will be removed from any team memberships granted through {} by Terraform Cloud's SSO implementation.",
            link("log in to Terraform Cloud", &login),
            text(&access.tool),
            text(&access.tool),
            text(&access.tool)
        );
        out.push('\n');
    }
    let _ = writeln!(out, "The Terraform Cloud workspaces for this service environment, applied in this order, are:\n");
    for stack in STACKS {
        let ws = ctx.workspace(stack);
        let _ = writeln!(out, "- {}", link(&code(&ws), &links::terraform_cloud_workspace(&tfc.organization, &ws)));
    }
    let scope = Scope::Environment(ctx.id(), id);
    let _ = writeln!(
        out,
        "\nThey are grouped under the {} tag ({}), in the Terraform Cloud project {}:\n\n```bash\n{}\n```\n",
        code(&ops::tfc_tag(platform, scope)),
        link("view them", &ops::tfc_view_url(platform, scope)),
        code(&ctx.tfc_project()),
        ops::tfc_view_command(scope)
    );
}

/// Every alert of every environment, once (reference 3.1 "Alert policy
/// section"), from the same definitions the monitoring stack applies, in
/// MSP's order (its Terraform keys, sorted). An alert whose description or
/// severity differs between environments (a threshold, the uptime check's
/// address) is still one entry, showing each environment's version.
fn alert_policies(out: &mut String, platform: &Platform, service: &Service) {
    let _ = writeln!(out, "## Alert Policies\n");
    out.push_str("The following alert policies are defined for each of this service's environments.\n\n");
    let all: Vec<&Environment> = service.environments.iter().collect();
    // Key → its versions, each with the environments that have it.
    let mut by_key: std::collections::BTreeMap<String, Vec<(Alert, Vec<String>)>> = Default::default();
    for env in &all {
        for a in alerts::alerts(platform, service, env) {
            let versions = by_key.entry(a.msp_key()).or_default();
            match versions
                .iter_mut()
                .find(|(v, _)| v.name == a.name && v.description == a.description && v.severity == a.severity)
            {
                Some((_, envs)) => envs.push(env.id.clone()),
                None => versions.push((a, vec![env.id.clone()])),
            }
        }
    }
    let env_links = |envs: &[String]| envs.iter().map(|e| local_link(e, 3, e)).collect::<Vec<_>>().join(", ");
    for versions in by_key.values() {
        let _ = writeln!(out, "### {}\n", text(&versions[0].0.name));
        if let [(a, envs)] = versions.as_slice() {
            let _ = writeln!(out, "{}", fenced("md", &a.description));
            let _ = write!(out, "Severity: {}", a.severity.as_str());
            if envs.len() < all.len() {
                let _ = write!(out, "\n\nEnvironments: {}", env_links(envs));
            }
            out.push_str("\n\n");
            continue;
        }
        for (a, envs) in versions {
            let _ = writeln!(out, "In {}:\n", env_links(envs));
            let _ = writeln!(out, "{}", fenced("md", &a.description));
            let _ = writeln!(out, "Severity: {}\n", a.severity.as_str());
        }
    }
}
