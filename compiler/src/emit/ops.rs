//! What operators use to reach a service environment: its console and logs
//! URLs, its Terraform Cloud project, workspaces and tags, and the `mspc`
//! commands that open them. The operations pages, the generated Terraform
//! (workspace names, `mspc tfc bootstrap`) and the CLI's `logs`, `console`,
//! `pg connect` and `tfc view` all read them from here, so a page can never
//! name a tag or link that the command or the workspaces do not use.

use crate::emit::docs::links;
use crate::ir::{Environment, Kind, Platform, Service};

/// The Cloud Run console page listing the environment's service or job.
pub fn console_url(service: &Service, env: &Environment) -> String {
    links::cloud_run(&env.project_id, service.kind == Kind::Job)
}

/// Cloud Logging, filtered to the environment's service or job.
pub fn logs_url(service: &Service, env: &Environment) -> String {
    links::logs(&env.project_id, service.kind == Kind::Job)
}

/// The folder of one stack's Terraform in a build's output.
pub fn stack_dir(service: &str, env: &str, stack: &str) -> String {
    format!("terraform/{service}/{env}/{stack}")
}

/// `<prefix>-<service>-<env>`: the Terraform Cloud project holding the
/// environment's workspaces.
pub fn tfc_project(platform: &Platform, service: &str, env: &str) -> String {
    format!("{}-{service}-{env}", platform.terraform_cloud.prefix)
}

/// `<prefix>-<service>-<env>-<stack>`: the workspace applying one stack.
pub fn tfc_workspace(platform: &Platform, service: &str, env: &str, stack: &str) -> String {
    format!("{}-{stack}", tfc_project(platform, service, env))
}

/// A part of the fleet, as `mspc tfc view` narrows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    All,
    Service(&'a str),
    Environment(&'a str, &'a str),
}

/// The one tag that every workspace in `scope` carries and no other does:
/// `<prefix>`, `<prefix>-service-<service>` or `<prefix>-env-<service>-<env>`
/// (environment ids have no hyphens, so the last is unambiguous).
pub fn tfc_tag(platform: &Platform, scope: Scope<'_>) -> String {
    let prefix = &platform.terraform_cloud.prefix;
    match scope {
        Scope::All => prefix.clone(),
        Scope::Service(s) => format!("{prefix}-service-{s}"),
        Scope::Environment(s, e) => format!("{prefix}-env-{s}-{e}"),
    }
}

/// Every tag of an environment's workspaces, widest first.
pub fn tfc_tags(platform: &Platform, service: &str, env: &str) -> [String; 3] {
    [
        tfc_tag(platform, Scope::All),
        tfc_tag(platform, Scope::Service(service)),
        tfc_tag(platform, Scope::Environment(service, env)),
    ]
}

/// Terraform Cloud's workspace list, filtered to the workspaces of `scope`.
pub fn tfc_view_url(platform: &Platform, scope: Scope<'_>) -> String {
    links::terraform_cloud_workspaces_tagged(&platform.terraform_cloud.organization, &tfc_tag(platform, scope))
}

/// `mspc tfc view …` for `scope`.
pub fn tfc_view_command(scope: Scope<'_>) -> String {
    match scope {
        Scope::All => "mspc tfc view".into(),
        Scope::Service(s) => format!("mspc tfc view {s}"),
        Scope::Environment(s, e) => format!("mspc tfc view {s} {e}"),
    }
}

pub fn logs_command(service: &str, env: &str) -> String {
    format!("mspc logs {service} {env}")
}

pub fn console_command(service: &str, env: &str) -> String {
    format!("mspc console {service} {env}")
}

pub fn pg_connect_command(service: &str, env: &str, write_access: bool) -> String {
    if write_access {
        format!("mspc pg connect --write-access {service} {env}")
    } else {
        format!("mspc pg connect {service} {env}")
    }
}

/// Connecting to an environment's Cloud SQL instance through
/// `cloud-sql-proxy`, as `mspc pg connect` does and the pages describe.
pub mod pg {
    use crate::emit::terraform::ctx::{
        OUTPUT_CLOUDSQL_CONNECTION, OUTPUT_OPERATOR_ACCOUNT, OUTPUT_WORKLOAD_ACCOUNT, output_secret_id,
    };

    /// The local port the proxy listens on unless told otherwise (5432 is
    /// left to a local PostgreSQL).
    pub const DEFAULT_PORT: u16 = 5433;

    /// The Secret Manager secrets, in the environment's project, that the
    /// stacks mirror their outputs into.
    pub fn connection_name_secret() -> String {
        output_secret_id("cloudrun", OUTPUT_CLOUDSQL_CONNECTION)
    }

    /// The account read-only connections impersonate.
    pub fn operator_account_secret() -> String {
        output_secret_id("iam", OUTPUT_OPERATOR_ACCOUNT)
    }

    /// The service's own account, which write access impersonates.
    pub fn workload_account_secret() -> String {
        output_secret_id("iam", OUTPUT_WORKLOAD_ACCOUNT)
    }

    /// The database user of a service account under IAM authentication: its
    /// email without `.gserviceaccount.com`.
    pub fn user(account_email: &str) -> &str {
        account_email.strip_suffix(".gserviceaccount.com").unwrap_or(account_email)
    }

    /// The arguments of `cloud-sql-proxy`.
    pub fn proxy_args(connection_name: &str, account_email: &str, port: u16) -> Vec<String> {
        vec![
            "--auto-iam-authn".into(),
            format!("--impersonate-service-account={account_email}"),
            format!("--port={port}"),
            connection_name.into(),
        ]
    }

    /// The `psql` command line for one database through the proxy.
    pub fn psql_command(user: &str, database: &str, port: u16) -> String {
        format!("psql -U {user} -d {database} -h 127.0.0.1 -p {port}")
    }
}
