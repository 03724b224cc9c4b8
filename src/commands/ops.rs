//! `mspc logs`, `mspc console` and `mspc tfc view`: the links to an
//! environment's logs, its Cloud Run console page and its Terraform Cloud
//! workspaces, from the functions the operations pages use (`emit::ops`).
//! The operations commands read a workspace with errors elsewhere: an
//! incident does not wait for an unrelated spec to be fixed.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use mspc_compiler::diagnostics::render;
use mspc_compiler::emit::ops::{self, Scope};
use mspc_compiler::ir::{Environment, Platform, Service};

use super::{CliError, Session};
use crate::programs::{self, Opened};

/// The checked part of a workspace: its platform and clean services.
pub struct Checked {
    pub platform: Arc<Platform>,
    pub services: Vec<Arc<Service>>,
    /// Whether services were left out for their errors.
    pub has_errors: bool,
}

impl Checked {
    /// Loads the workspace at `path` (default: the current folder). Without a
    /// clean platform nothing can be said: its errors are shown, exit 1.
    pub fn open(path: Option<&Path>) -> Result<Result<Checked, ExitCode>, CliError> {
        let session = Session::open(path.unwrap_or(Path::new(".")))?;
        let result = session.result()?;
        let Some(platform) = result.platform.clone() else {
            let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
            if errors.is_empty() {
                return Err(CliError::NoWorkspace(session.loaded.root.clone()));
            }
            super::err(render::terminal(&errors, &session, false).trim_end());
            super::err("the workspace's platform has errors");
            return Ok(Err(ExitCode::from(1)));
        };
        let services = result.checked_services.clone();
        let has_errors = result.has_errors();
        Ok(Ok(Checked { platform, services, has_errors }))
    }

    pub fn service(&self, id: &str) -> Result<&Service, CliError> {
        super::find_service(&self.services, id, self.has_errors)
    }

    pub fn environment(&self, service: &str, env: &str) -> Result<(&Service, &Environment), CliError> {
        super::find_environment(&self.services, service, env, self.has_errors)
    }
}

#[derive(Clone, Copy)]
pub enum Link {
    Logs,
    Console,
}

pub struct LinkArgs {
    pub service: String,
    pub env: String,
    pub open: bool,
    pub workspace: Option<std::path::PathBuf>,
}

pub fn link(args: LinkArgs, which: Link) -> Result<ExitCode, CliError> {
    let checked = match Checked::open(args.workspace.as_deref())? {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let (service, env) = checked.environment(&args.service, &args.env)?;
    let url = match which {
        Link::Logs => ops::logs_url(service, env),
        Link::Console => ops::console_url(service, env),
    };
    Ok(show(&url, args.open))
}

pub struct ViewArgs {
    pub service: Option<String>,
    pub env: Option<String>,
    pub open: bool,
    pub workspace: Option<std::path::PathBuf>,
}

pub fn tfc_view(args: ViewArgs) -> Result<ExitCode, CliError> {
    let checked = match Checked::open(args.workspace.as_deref())? {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let scope = match (&args.service, &args.env) {
        (None, _) => Scope::All,
        (Some(s), None) => Scope::Service(&checked.service(s)?.id),
        (Some(s), Some(e)) => {
            let (s, e) = checked.environment(s, e)?;
            Scope::Environment(&s.id, &e.id)
        }
    };
    Ok(show(&ops::tfc_view_url(&checked.platform, scope), args.open))
}

/// Prints `url`, and opens it when asked. Without a browser the printed
/// link is the answer (exit 0); a browser that fails is an error (exit 1).
fn show(url: &str, open: bool) -> ExitCode {
    super::out(&format!("{url}\n"));
    if !open {
        return ExitCode::SUCCESS;
    }
    match programs::open_url(url) {
        Opened::With(browser) => {
            super::err(&format!("opened with `{browser}`"));
            ExitCode::SUCCESS
        }
        Opened::NoBrowser => {
            super::err("no browser found (set $BROWSER, or install xdg-open): open the link above");
            ExitCode::SUCCESS
        }
        Opened::Failed(why) => {
            super::err(&format!("could not open the link: {why}"));
            ExitCode::from(1)
        }
    }
}
