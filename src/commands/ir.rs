//! `mspc ir`: the workspace's IR as JSON, when it checks clean.

use std::path::Path;
use std::process::ExitCode;

use mspc_compiler::diagnostics::render;
use mspc_compiler::ir;

use super::CliError;

pub fn run(path: Option<&Path>) -> Result<ExitCode, CliError> {
    let clean = match super::load_clean(path, |session, errors| {
        super::err(render::terminal(errors, session, false).trim_end());
        super::err("the workspace has errors: no IR");
    })? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let ws = ir::Workspace {
        platform: (*clean.platform).clone(),
        services: clean.services.iter().map(|s| (**s).clone()).collect(),
    };
    let json = serde_json::to_string_pretty(&ws).map_err(|e| CliError::Internal(e.to_string()))?;
    super::out(&format!("{json}\n"));
    Ok(ExitCode::SUCCESS)
}
