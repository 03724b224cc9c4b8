//! `mspc explain CODE`: the code's page from docs/diagnostics/.

use std::process::ExitCode;

use mspc_compiler::diagnostics::{Code, suggest};

use super::CliError;

pub fn run(code: &str) -> Result<ExitCode, CliError> {
    let Some(c) = Code::parse(code) else {
        let all = Code::ALL.iter().flat_map(|c| [c.as_str(), c.name()]);
        let help =
            suggest::did_you_mean(code, all).unwrap_or_else(|| "codes look like `E0201`; see docs/diagnostics/".into());
        return Err(CliError::UnknownCode(code.to_string(), help));
    };
    match c.page() {
        Some(page) => {
            super::out(page);
            Ok(ExitCode::SUCCESS)
        }
        None => Err(CliError::Internal(format!("no page for {c}"))),
    }
}
