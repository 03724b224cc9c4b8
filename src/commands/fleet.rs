//! `mspc fleet`: the workspace's services and jobs, owners, environments by
//! category, deploy types and resources, as a table or as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use mspc_compiler::emit::fleet;

use super::CliError;
use super::ops::Checked;

#[derive(Clone, Copy)]
pub enum Format {
    Table,
    Json,
}

pub fn run(path: Option<PathBuf>, format: Format) -> Result<ExitCode, CliError> {
    let loaded = match Checked::open(path.as_deref())? {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    if loaded.has_errors {
        super::err("warning: the workspace has errors; services with errors are left out (`mspc check` shows them)");
    }
    let services: Vec<_> = loaded.services.iter().map(|s| &**s).collect();
    let summary = fleet::fleet(&services);
    match format {
        Format::Table => super::out(&summary.table()),
        Format::Json => {
            let json = serde_json::to_string_pretty(&summary).map_err(|e| CliError::Internal(e.to_string()))?;
            super::out(&format!("{json}\n"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
