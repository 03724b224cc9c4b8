//! The `mspc` command line: argument parsing only; each command lives in
//! `commands/`.

mod at_revision;
mod build_cache;
mod commands;
mod git;
mod lint_cache;
mod outdir;
mod programs;
mod write;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "mspc",
    version,
    about = "Managed services as code: check .msp workspaces, generate Terraform and docs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check for errors (warnings are `mspc lint`'s). Exits 1 if any.
    Check {
        /// Files or folders inside a workspace (default: the current folder).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check for errors and lints. Exits 1 on errors, or on warnings with `--deny warnings`.
    Lint {
        paths: Vec<PathBuf>,
        /// `warnings`: make warnings fail too.
        #[arg(long, value_name = "LEVEL")]
        deny: Option<DenyLevel>,
        /// Neither read nor write the cache of the workspace's facts
        /// (`.mspc-cache/`, or `$MSPC_CACHE_DIR`) that makes linting single files fast.
        #[arg(long)]
        no_cache: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Generate Terraform and operations docs for every service and environment.
    /// Nothing is written unless the whole workspace checks clean.
    Build {
        /// A file or folder inside the workspace (default: the current folder).
        path: Option<PathBuf>,
        /// The output folder. A previous output is updated: only the files
        /// whose bytes change are rewritten, and those no build writes removed.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Only this service (other outputs are kept).
        #[arg(long, value_name = "ID")]
        service: Option<String>,
        /// Only this environment (other outputs are kept).
        #[arg(long, value_name = "ID")]
        env: Option<String>,
        /// Threads to generate with (0: one per core). The output does not depend on it.
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// Write the time of generation into the docs (UTC; `SOURCE_DATE_EPOCH` fixes it).
        #[arg(long)]
        timestamp: bool,
        /// Write nothing: exit 0 if the output folder is exactly what the
        /// build would write, 1 listing its stale, missing and extra files,
        /// 2 on errors. The pages' provenance notice (revision, time) is not
        /// compared.
        #[arg(long, conflicts_with = "timestamp")]
        check: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// What a change does to the infrastructure: the output generated now
    /// against the output the workspace generated at a git revision, per
    /// service, environment and stack: resources created, updated (each
    /// argument, old -> new), replaced and deleted, those holding state
    /// first, each with the spec lines that caused it; pages summarised.
    /// Offline: reads the repository, runs nothing.
    Diff {
        /// A file or folder inside the workspace (default: the current folder).
        path: Option<PathBuf>,
        /// The git revision to compare with: a commit, branch or tag.
        #[arg(long, default_value = "HEAD", value_name = "REV")]
        base: String,
        /// `terminal`, `markdown` (a pull-request comment) or `json`.
        #[arg(long, value_enum, default_value_t = DiffFormatArg::Terminal)]
        format: DiffFormatArg,
        /// Exit 1 when the change would replace (or delete) a resource; repeatable.
        #[arg(long, value_enum, value_name = "ACTION")]
        fail_on: Vec<FailOn>,
        /// Colour in terminal output.
        #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
        color: ColorArg,
        /// Threads to generate with (0: one per core).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
    },
    /// Generate only the operations docs (`<out>/docs/`), or, with `--reference`,
    /// the language reference (`<out>/reference/`). The rest of `<out>` is kept.
    Docs {
        /// A file or folder inside the workspace (default: the current folder).
        #[arg(conflicts_with = "reference")]
        path: Option<PathBuf>,
        /// The output folder (the same as `mspc build`'s).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The language reference, from the stdlib, with the diagnostic codes. Needs no workspace.
        #[arg(long)]
        reference: bool,
        /// Write the time of generation into the pages (UTC; `SOURCE_DATE_EPOCH` fixes it).
        #[arg(long, conflicts_with = "reference")]
        timestamp: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the page that explains a diagnostic code, e.g. `mspc explain E0201`;
    /// without a code, list every code with its name and what it means.
    Explain {
        /// A code (`E0201`) or its name (`unknown-field`).
        code: Option<String>,
    },
    /// Run the language server on stdin/stdout (editors start it; see editors/vscode).
    Lsp,
    /// Format `.msp` files in place (folders are searched for them). A file
    /// with syntax errors is left as it is, its errors are shown, and the exit
    /// code is 1.
    Fmt {
        /// Files or folders (default: the current folder).
        paths: Vec<PathBuf>,
        /// Write nothing; name each file that would change (on stderr) and exit 1 if any.
        #[arg(long, conflicts_with = "diff")]
        check: bool,
        /// Write nothing; print what would change as a unified diff and exit 1 if any.
        /// Errors then go to stderr.
        #[arg(long)]
        diff: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Write the skeleton of a new service or job into `services/<ID>/<ID>.msp`
    /// of the workspace: its required fields, with TODOs to fill in. Exits 1 if
    /// the id is invalid or taken.
    Init {
        /// `service` (long-running HTTP) or `job` (runs on a schedule).
        #[arg(value_enum)]
        kind: InitKind,
        /// The new id: lowercase letters, digits and hyphens.
        id: String,
        /// An owning team (repeatable; default: a placeholder to replace).
        #[arg(long = "owner", value_name = "TEAM")]
        owners: Vec<String>,
        /// An environment (repeatable; default: `dev` and `prod`).
        #[arg(long = "env", value_name = "ID")]
        envs: Vec<String>,
        /// A folder inside the workspace (default: the current folder).
        path: Option<PathBuf>,
    },
    /// Convert MSP `service.yaml` specs into `.msp` files, written as `<id>.msp`
    /// beside each spec. Exits 1 on problems in a spec, 2 if a file exists
    /// (see `--force`); nothing is written unless every spec converts.
    Import {
        /// `service.yaml` files.
        #[arg(required_unless_present = "tree", conflicts_with = "tree")]
        paths: Vec<PathBuf>,
        /// Convert every `services/<id>/service.yaml` under DIR.
        #[arg(long, value_name = "DIR")]
        tree: Option<PathBuf>,
        /// Write to this file (one spec), or, with `--tree`, into this folder;
        /// the README and BigQuery schemas are copied along.
        #[arg(long, value_name = "PATH", conflicts_with = "stdout")]
        out: Option<PathBuf>,
        /// Print the `.msp` instead of writing files.
        #[arg(long)]
        stdout: bool,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the checked, fully defaulted model of a workspace as JSON.
    Ir {
        /// A file or folder inside the workspace (default: the current folder).
        path: Option<PathBuf>,
    },
    /// Print the link to an environment's logs in Cloud Logging (the link its
    /// operations page shows); `--open` opens it in a browser.
    Logs {
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Print the link to an environment's Cloud Run console page; `--open`
    /// opens it in a browser.
    Console {
        #[command(flatten)]
        target: TargetArgs,
    },
    /// PostgreSQL: connect to an environment's Cloud SQL instance.
    #[command(visible_alias = "postgresql")]
    Pg {
        #[command(subcommand)]
        command: PgCommand,
    },
    /// Terraform Cloud: find an environment's workspaces, or declare every
    /// workspace as Terraform.
    #[command(visible_alias = "terraform-cloud")]
    Tfc {
        #[command(subcommand)]
        command: TfcCommand,
    },
    /// Summarize the workspace: services and jobs, owners, environments by
    /// category, deploy types and resources.
    Fleet {
        /// A file or folder inside the workspace (default: the current folder).
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = FleetFormat::Table)]
        format: FleetFormat,
    },
}

#[derive(clap::Args)]
struct TargetArgs {
    /// The service or job id.
    service: String,
    /// The environment id.
    env: String,
    /// Also open the link in a browser (`$BROWSER`, or the desktop's).
    #[arg(long)]
    open: bool,
    /// A folder inside the workspace (default: the current folder).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
}

#[derive(Subcommand)]
enum PgCommand {
    /// Run `cloud-sql-proxy` to the environment's instance, as the operator
    /// identity (read-only) or the service's own (`--write-access`), and
    /// print the `psql` command for each database. The connection name and
    /// the accounts are read from the project's Secret Manager with `gcloud`
    /// unless given.
    Connect {
        /// The service or job id.
        service: String,
        /// The environment id.
        env: String,
        /// Connect as the service's own identity, which can write. Asks first (see `--yes`).
        #[arg(long)]
        write_access: bool,
        /// Don't ask before connecting with write access.
        #[arg(long, short = 'y')]
        yes: bool,
        /// The local port the proxy listens on.
        #[arg(long, default_value_t = mspc_compiler::emit::ops::pg::DEFAULT_PORT,
              value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// Print the `psql` command for this database only.
        #[arg(long, value_name = "NAME")]
        database: Option<String>,
        /// The instance's connection name (`project:region:instance`), instead of reading it.
        #[arg(long, value_name = "NAME")]
        connection_name: Option<String>,
        /// The account to impersonate, instead of reading it.
        #[arg(long, value_name = "EMAIL")]
        service_account: Option<String>,
        /// A folder inside the workspace (default: the current folder).
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TfcCommand {
    /// Print the link to the Terraform Cloud workspaces of the fleet, a
    /// service or an environment (the list filtered by their tag).
    View {
        /// Only this service's workspaces.
        service: Option<String>,
        /// Only this environment's workspaces.
        env: Option<String>,
        /// Also open the link in a browser (`$BROWSER`, or the desktop's).
        #[arg(long)]
        open: bool,
        /// A folder inside the workspace (default: the current folder).
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
    },
    /// Write a Terraform module (tfe provider) declaring each environment's
    /// Terraform Cloud project and one workspace per stack `mspc build`
    /// generates, with their tags, settings and team access.
    Bootstrap {
        /// A file or folder inside the workspace (default: the current folder).
        path: Option<PathBuf>,
        /// The folder to write the module into. It is replaced as a whole.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FleetFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
struct OutputArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = FormatArg::Terminal)]
    format: FormatArg,
    /// Colour in terminal output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Terminal,
    Short,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormatArg {
    Terminal,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Replace,
    Delete,
}

#[derive(Clone, Copy, ValueEnum)]
enum InitKind {
    Service,
    Job,
}

#[derive(Clone, Copy, ValueEnum)]
enum DenyLevel {
    Warnings,
}

/// Building allocates and frees millions of small strings and vectors on
/// every core; mimalloc does that in a fraction of glibc's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { paths, output } => commands::check::run(
            &paths,
            output.into(),
            commands::check::Mode { lints: false, deny_warnings: false, cache: false },
        ),
        Command::Lint { paths, deny, no_cache, output } => commands::check::run(
            &paths,
            output.into(),
            commands::check::Mode { lints: true, deny_warnings: deny.is_some(), cache: !no_cache },
        ),
        Command::Explain { code } => commands::explain::run(code.as_deref()),
        Command::Build { path, out, service, env, jobs, timestamp, check, output } => commands::build::run(
            commands::build::BuildArgs {
                path,
                out,
                filter: mspc_compiler::emit::Filter { service, env },
                jobs,
                timestamp,
                check,
            },
            output.into(),
        ),
        Command::Docs { path, out, reference, timestamp, output } => {
            commands::docs::run(commands::docs::DocsArgs { path, out, reference, timestamp }, output.into())
        }
        Command::Fmt { paths, check, diff, output } => {
            let mode = match (check, diff) {
                (true, _) => commands::fmt::Mode::Check,
                (_, true) => commands::fmt::Mode::Diff,
                _ => commands::fmt::Mode::Write,
            };
            commands::fmt::run(&paths, mode, output.into())
        }
        Command::Init { kind, id, owners, envs, path } => commands::init::run(commands::init::InitArgs {
            kind: match kind {
                InitKind::Service => mspc_compiler::syntax::DeclKind::Service,
                InitKind::Job => mspc_compiler::syntax::DeclKind::Job,
            },
            id,
            owners,
            environments: envs,
            path,
        }),
        Command::Import { paths, tree, out, stdout, force, output } => {
            commands::import::run(commands::import::ImportArgs { paths, tree, out, stdout, force }, output.into())
        }
        Command::Ir { path } => commands::ir::run(path.as_deref()),
        Command::Logs { target } => commands::ops::link(target.into(), commands::ops::Link::Logs),
        Command::Console { target } => commands::ops::link(target.into(), commands::ops::Link::Console),
        Command::Pg {
            command:
                PgCommand::Connect {
                    service,
                    env,
                    write_access,
                    yes,
                    port,
                    database,
                    connection_name,
                    service_account,
                    workspace,
                },
        } => commands::pg::connect(commands::pg::ConnectArgs {
            service,
            env,
            write_access,
            port,
            database,
            yes,
            connection_name,
            service_account,
            workspace,
        }),
        Command::Tfc { command: TfcCommand::View { service, env, open, workspace } } => {
            commands::ops::tfc_view(commands::ops::ViewArgs { service, env, open, workspace })
        }
        Command::Tfc { command: TfcCommand::Bootstrap { path, out, output } } => {
            commands::tfc::bootstrap(commands::tfc::BootstrapArgs { path, out }, output.into())
        }
        Command::Diff { path, base, format, fail_on, color, jobs } => {
            use mspc_compiler::diff::Action;
            commands::diff::run(commands::diff::DiffArgs {
                path,
                base,
                format: match format {
                    DiffFormatArg::Terminal => commands::diff::DiffFormat::Terminal,
                    DiffFormatArg::Markdown => commands::diff::DiffFormat::Markdown,
                    DiffFormatArg::Json => commands::diff::DiffFormat::Json,
                },
                fail_on: fail_on
                    .into_iter()
                    .map(|f| match f {
                        FailOn::Replace => Action::Replace,
                        FailOn::Delete => Action::Delete,
                    })
                    .collect(),
                color: color.enabled(),
                jobs,
            })
        }
        Command::Fleet { path, format } => commands::fleet::run(
            path,
            match format {
                FleetFormat::Table => commands::fleet::Format::Table,
                FleetFormat::Json => commands::fleet::Format::Json,
            },
        ),
        Command::Lsp => match mspc_lsp::run() {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => {
                commands::err(&format!("the language server stopped: {e}"));
                Ok(ExitCode::from(2))
            }
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            commands::err(&format!("{:?}", miette::Report::new(e)));
            ExitCode::from(2)
        }
    }
}

impl From<TargetArgs> for commands::ops::LinkArgs {
    fn from(t: TargetArgs) -> Self {
        commands::ops::LinkArgs { service: t.service, env: t.env, open: t.open, workspace: t.workspace }
    }
}

impl From<OutputArgs> for commands::Output {
    fn from(o: OutputArgs) -> Self {
        use mspc_compiler::diagnostics::render::Format;
        let format = match o.format {
            FormatArg::Terminal => Format::Terminal,
            FormatArg::Short => Format::Short,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        };
        commands::Output { format, color: o.color.enabled() }
    }
}

impl ColorArg {
    fn enabled(self) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                use std::io::IsTerminal;
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}
