//! `mspc pg connect SERVICE ENV`: runs `cloud-sql-proxy` to the
//! environment's Cloud SQL instance as the operator identity (read-only) or,
//! with `--write-access`, the service's own identity, and prints the `psql`
//! command for each database. The instance's connection name and the
//! accounts are stack outputs, read from the environment project's Secret
//! Manager with `gcloud` (reference 2.1), unless given as flags.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use mspc_compiler::emit::ops::pg;
use mspc_compiler::ir::Environment;

use super::CliError;
use super::listing;
use super::ops::Checked;
use crate::programs::{self, which};

pub struct ConnectArgs {
    pub service: String,
    pub env: String,
    pub write_access: bool,
    pub port: u16,
    pub database: Option<String>,
    pub yes: bool,
    pub connection_name: Option<String>,
    pub service_account: Option<String>,
    pub workspace: Option<PathBuf>,
}

const PROXY: &str = "cloud-sql-proxy";
const INSTALL_PROXY: &str = "install the Cloud SQL Auth Proxy (v2): `gcloud components install cloud-sql-proxy`, \
    or download it from https://cloud.google.com/sql/docs/postgres/sql-proxy#install, and put it on PATH";

pub fn connect(args: ConnectArgs) -> Result<ExitCode, CliError> {
    let checked = match Checked::open(args.workspace.as_deref())? {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let (service, env) = checked.environment(&args.service, &args.env)?;
    let Some(postgres) = &env.postgres else {
        let with: Vec<&str> =
            service.environments.iter().filter(|e| e.postgres.is_some()).map(|e| e.id.as_str()).collect();
        let help = if with.is_empty() {
            format!("no environment of `{}` has PostgreSQL", service.id)
        } else {
            listing("environments with PostgreSQL", with.into_iter())
        };
        return Err(CliError::NotFound {
            what: format!("`{}` `{}` has no PostgreSQL instance", service.id, env.id),
            help,
        });
    };
    let databases: Vec<&str> = match &args.database {
        None => postgres.databases.iter().map(String::as_str).collect(),
        Some(db) => match postgres.databases.iter().find(|d| *d == db) {
            Some(d) => vec![d.as_str()],
            None => {
                return Err(CliError::NotFound {
                    what: format!("`{}` `{}` has no database `{db}`", service.id, env.id),
                    help: listing("databases", postgres.databases.iter().map(String::as_str)),
                });
            }
        },
    };
    let proxy = which(PROXY).ok_or_else(|| CliError::MissingProgram {
        message: format!("`{PROXY}` is not on PATH"),
        help: INSTALL_PROXY.into(),
    })?;

    // Refused before anything is read when there is no terminal to ask on.
    let ask = args.write_access && !args.yes;
    if ask && !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "connecting to `{}` `{}` with write access needs confirmation, and there is no terminal to ask on: \
             pass --yes",
            service.id, env.id
        )));
    }
    let account_secret = if args.write_access { pg::workload_account_secret() } else { pg::operator_account_secret() };
    let connection = match args.connection_name {
        Some(c) => c,
        None => read_output(env, &pg::connection_name_secret(), "--connection-name")?,
    };
    let account = match args.service_account {
        Some(a) => a,
        None => read_output(env, &account_secret, "--service-account")?,
    };
    check_value("connection name", &connection, is_connection_name)?;
    check_value("service account", &account, is_account_email)?;

    let access = if args.write_access { "WRITE access" } else { "read-only access" };
    if ask && !confirm(&service.id, &env.id, &account)? {
        super::err("not connected");
        return Ok(ExitCode::from(1));
    }
    let user = pg::user(&account);
    super::err(&format!(
        "Starting {PROXY} to `{connection}` on 127.0.0.1:{} as `{account}` ({access}). In another terminal:",
        args.port
    ));
    let lines: String = databases.iter().map(|db| format!("{}\n", pg::psql_command(user, db, args.port))).collect();
    super::out(&lines);
    // Nothing buffered survives the exec.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    programs::exec(&proxy, pg::proxy_args(&connection, &account, args.port)).map_err(|e| CliError::Failed {
        message: format!("cannot run `{PROXY}`: {e}"),
        help: Some(INSTALL_PROXY.into()),
    })
}

/// A stack output from the environment project's Secret Manager.
fn read_output(env: &Environment, secret: &str, flag: &str) -> Result<String, CliError> {
    let gcloud = which("gcloud").ok_or_else(|| CliError::MissingProgram {
        message: format!("`gcloud` is not on PATH: it reads `{secret}` from `{}`'s Secret Manager", env.project_id),
        help: format!(
            "install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and run `gcloud auth login`, \
             or give the value with `{flag}`"
        ),
    })?;
    let args = [
        "secrets".to_string(),
        "versions".into(),
        "access".into(),
        "latest".into(),
        format!("--secret={secret}"),
        format!("--project={}", env.project_id),
    ];
    let output = programs::output(&gcloud, args)
        .map_err(|e| CliError::Failed { message: format!("cannot run `gcloud`: {e}"), help: None })?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        let why: String = why.lines().filter(|l| !l.trim().is_empty()).take(3).collect::<Vec<_>>().join(" ");
        return Err(CliError::Failed {
            message: format!("`gcloud` could not read `{secret}` in `{}`: {}", env.project_id, clean_text(&why)),
            help: Some(format!(
                "check that you are logged in (`gcloud auth login`) with access to the project and that its \
                 stacks are applied, or give the value with `{flag}`"
            )),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Text from another program, safe to print: no control characters.
fn clean_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().chars().take(300).collect()
}

fn check_value(what: &str, value: &str, valid: fn(&str) -> bool) -> Result<(), CliError> {
    if valid(value) {
        return Ok(());
    }
    Err(CliError::Failed {
        message: format!("`{}` is not a {what}", clean_text(value)),
        help: Some("the stack output or flag should hold one; is the environment's Terraform applied?".into()),
    })
}

/// `<project>:<region>:<instance>`.
fn is_connection_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    // A domain-scoped project id has a colon of its own (`example.com:project`).
    (3..=4).contains(&parts.len())
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)))
}

fn is_account_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(name, domain)| {
        !name.is_empty()
            && domain.contains('.')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._@".contains(c))
            && !domain.contains('@')
    })
}

/// Asks on the terminal before connecting with write access.
fn confirm(service: &str, env: &str, account: &str) -> Result<bool, CliError> {
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "Connect to `{service}` `{env}` with WRITE access, as `{account}`? [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Failed { message: format!("cannot read the answer: {e}"), help: None })?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}
