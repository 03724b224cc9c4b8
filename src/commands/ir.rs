//! `mspc ir`: the workspace's IR as JSON, when it checks clean.

use std::path::Path;
use std::process::ExitCode;

use mspc_compiler::diagnostics::render;
use mspc_compiler::ir;

use super::{CliError, Session};

pub fn run(path: Option<&Path>) -> Result<ExitCode, CliError> {
    let session = Session::open(path.unwrap_or(Path::new(".")))?;
    let result = session.loaded.result();
    if let Some(e) = result.internal_errors.first() {
        return Err(CliError::Internal(e.clone()));
    }
    if result.has_errors() {
        let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        super::err(render::terminal(&errors, &session, false).trim_end());
        super::err("the workspace has errors: no IR");
        return Ok(ExitCode::from(1));
    }
    let Some(platform) = &result.platform else {
        return Err(CliError::NoWorkspace(session.loaded.root.clone()));
    };
    let ws = ir::Workspace {
        platform: (**platform).clone(),
        services: result.services.iter().map(|s| (**s).clone()).collect(),
    };
    let json = serde_json::to_string_pretty(&ws).map_err(|e| CliError::Internal(e.to_string()))?;
    super::out(&format!("{json}\n"));
    Ok(ExitCode::SUCCESS)
}
