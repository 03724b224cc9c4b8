//! Console, log and tool links, computed from project ids and names.

use super::markdown::encode;

const CONSOLE: &str = "https://console.cloud.google.com";

pub fn cloud_run(project: &str, job: bool) -> String {
    if job { format!("{CONSOLE}/run/jobs?project={project}") } else { format!("{CONSOLE}/run?project={project}") }
}

/// Cloud Logging, filtered to the service's (or job's) own logs, with the
/// structured log fields as summary columns.
pub fn logs(project: &str, job: bool) -> String {
    let (query, fields) = if job {
        (
            r#"resource.type = "cloud_run_job""#.to_string(),
            "labels%252F%2522run.googleapis.com%252Fexecution_name%2522,",
        )
    } else {
        (r#"resource.type = "cloud_run_revision" -logName=~"logs/run.googleapis.com%2Frequests""#.to_string(), "")
    };
    let summary = format!(
        "{fields}jsonPayload%252FInstrumentationScope,jsonPayload%252FBody,jsonPayload%252FAttributes%252Ferror:false:32:end"
    );
    format!("{CONSOLE}/logs/query;query={};summaryFields={summary}?project={project}", encode_query(&query))
}

/// The logs query, encoded as the console expects (`%2F` in it becomes `%252F`).
fn encode_query(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        match b {
            b' ' => out.push_str("%20"),
            b'"' => out.push_str("%22"),
            b'=' => out.push_str("%3D"),
            b'%' => out.push_str("%25"),
            b'/' => out.push_str("%2F"),
            b'~' => out.push('~'),
            _ => out.push(b as char),
        }
    }
    out
}

pub fn alert_policies(project: &str) -> String {
    format!("{CONSOLE}/monitoring/alerting/policies?project={project}")
}

/// The project's custom dashboards (the monitoring stack's among them), as
/// MSP's pages link them.
pub fn dashboards(project: &str) -> String {
    format!(
        "{CONSOLE}/monitoring/dashboards?pageState=%28%22dashboards%22%3A%28%22t%22%3A%22All%22%29%2C%22dashboardList%22%3A%28%22f%22%3A%22%255B%257B_22k_22_3A_22Type_22_2C_22t_22_3A10_2C_22v_22_3A_22_5C_22Custom_5C_22_22_2C_22s_22_3Atrue_2C_22i_22_3A_22category_22%257D%255D%22%29%29&project={project}"
    )
}

pub fn traces(project: &str) -> String {
    format!("{CONSOLE}/traces/list?project={project}")
}

/// A Slack channel (`#name`) in a workspace (`https://x.slack.com`).
pub fn slack_channel(workspace: &str, channel: &str) -> String {
    format!("{}/archives/{}", workspace.trim_end_matches('/'), channel.trim_start_matches('#'))
}

pub fn cloud_sql(project: &str) -> String {
    format!("{CONSOLE}/sql/instances?project={project}")
}

pub fn redis(project: &str) -> String {
    format!("{CONSOLE}/memorystore/redis/instances?project={project}")
}

pub fn bigquery(project: &str, dataset: &str) -> String {
    format!("{CONSOLE}/bigquery?project={project}&ws=!1m4!1m3!3m2!1s{project}!2s{}", encode(dataset))
}

pub fn delivery_pipeline(project: &str, region: &str, pipeline: &str) -> String {
    format!("{CONSOLE}/deploy/delivery-pipelines/{region}/{pipeline}?project={project}")
}

pub fn sentry(organization: &str, slug: &str) -> String {
    format!("https://{organization}.sentry.io/projects/{slug}/")
}

pub fn terraform_cloud(organization: &str) -> String {
    format!("https://app.terraform.io/app/{}", encode(organization))
}

pub fn terraform_cloud_workspace(organization: &str, workspace: &str) -> String {
    format!("{}/workspaces/{}", terraform_cloud(organization), encode(workspace))
}

/// The organisation's workspace list, filtered to the workspaces with `tag`.
pub fn terraform_cloud_workspaces_tagged(organization: &str, tag: &str) -> String {
    format!("{}/workspaces?tag={}", terraform_cloud(organization), encode(tag))
}

/// A file of the specs repository, when its browse URL is known.
pub fn spec_file(specs_url: Option<&str>, path: &str) -> Option<String> {
    specs_url.map(|base| {
        format!("{}/{}", base.trim_end_matches('/'), path.split('/').map(encode).collect::<Vec<_>>().join("/"))
    })
}

/// A commit of the specs repository: `<repo>/tree/<sha>` when the specs URL
/// is a GitHub-style browse URL (`<repo>/blob/<ref>`), else the bare sha.
pub fn revision(specs_url: Option<&str>, sha: &str) -> String {
    match specs_url.and_then(|u| u.trim_end_matches('/').rsplit_once("/blob/")) {
        Some((repo, _)) => format!("{repo}/tree/{sha}"),
        None => sha.to_string(),
    }
}

/// A source folder on its code host: `https://<repo>/tree/HEAD/<dir>`. A
/// repository written with its scheme (`https://github.com/org/repo`, which
/// MSP accepts) keeps it.
pub fn source(repo: &str, dir: &str) -> String {
    let dir = dir.trim_start_matches("./").trim_matches('/');
    let base = if repo.starts_with("https://") || repo.starts_with("http://") {
        repo.trim_end_matches('/').to_string()
    } else {
        format!("https://{repo}")
    };
    if dir.is_empty() || dir == "." { format!("{base}/tree/HEAD/.") } else { format!("{base}/tree/HEAD/{dir}") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn source_links_take_a_repository_with_or_without_its_scheme() {
        assert_eq!(super::source("github.com/o/r", "cmd/x"), "https://github.com/o/r/tree/HEAD/cmd/x");
        assert_eq!(super::source("https://github.com/o/r/", "./cmd/x/"), "https://github.com/o/r/tree/HEAD/cmd/x");
        assert_eq!(super::source("http://git.example/o/r", "."), "http://git.example/o/r/tree/HEAD/.");
    }

    #[test]
    fn service_logs_link_matches_msp() {
        // The link MSP's generated pages use for a service.
        assert_eq!(
            super::logs("releaseregistry-prod-5421", false),
            "https://console.cloud.google.com/logs/query;query=resource.type%20%3D%20%22cloud_run_revision%22%20-logName%3D~%22logs%2Frun.googleapis.com%252Frequests%22;summaryFields=jsonPayload%252FInstrumentationScope,jsonPayload%252FBody,jsonPayload%252FAttributes%252Ferror:false:32:end?project=releaseregistry-prod-5421"
        );
    }
}
