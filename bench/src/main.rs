//! `mspc-bench workload --services N [--seed S] --out DIR`
//! `mspc-bench lsp [--services N] [--seed S] [--iterations N] [--mspc PATH] [--json] [--keep]`
//! `mspc-bench build [--services N,M] [--runs R] [--seed S] [--settle SECS] [--mspc PATH] [--json] [--dir DIR]`
//! `mspc-bench lint [--services N] [--runs R] [--seed S] [--mspc PATH] [--json]`
//! `mspc-bench soak [--services N] [--edits N] [--reference N] [--seed S] [--mspc PATH] [--json]`
//! `mspc-bench all [--runs R] [--settle SECS] [--iterations N] [--seed S] [--mspc PATH] [--json]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use mspc_bench::run::Binary;
use mspc_bench::{all, build, lint, lsp, soak, workload};

const USAGE: &str = "\
usage:
  mspc-bench workload --services N [--seed S] --out DIR
      Write a generated workspace of N services and jobs into DIR (an empty
      folder, or an earlier output of this command, which is replaced).
      The same N and seed always give the same bytes.

  mspc-bench lsp [--services N] [--seed S] [--iterations N] [--mspc PATH] [--json] [--keep]
      Generate a workspace (default 200 services) into a temporary folder, run
      `<mspc> lsp` on it and time the initial load, edit → diagnostics,
      completion and hover (default 200 iterations each), and the server's
      peak memory. --mspc defaults to the `mspc` next to this binary
      (target/release/mspc). --json prints the report as JSON; --keep keeps
      the workspace.

  mspc-bench build [--services 100,1000] [--runs 5] [--seed 1] [--settle 30] [--mspc PATH] [--json] [--dir DIR]
      For each N, generate a workspace in a fresh folder under DIR (default:
      the system's temporary folder), build it once untimed, then R times:
      `mspc build WS --out <fresh folder>` and `cp -r` of that output into
      another, each a cold process timed for wall time, CPU time and peak
      memory. Then rebuilds into the first build's output: R with nothing
      changed, R after editing one service each, timed against the fresh
      builds, checking that an edited rebuild writes only that service's files
      and the index. Trees are deleted after each N, then it waits --settle seconds.
      Linux only.

  mspc-bench lint [--services 1000] [--runs 5] [--seed 1] [--mspc PATH] [--json]
      `mspc lint FILE` of one service as a cold process, R times each: the file
      unchanged, just changed, just changed without `.mspc-cache` (if lint
      makes one), and `mspc lint` of the whole workspace. Linux only.

  mspc-bench soak [--services 500] [--edits 50000] [--reference 5000] [--seed 1] [--mspc PATH] [--json]
      One `<mspc> lsp` through a long editing session of a generated
      workspace: every edit waits for its checked diagnostics, every tenth
      asks for a completion and a hover, every thousandth opens, edits and
      closes another file. Prints the server's VmRSS every 1,000 edits and
      whether the end is within 1.2x of the reference point. Linux only;
      exits 1 when over the budget.

  mspc-bench all [--runs 5] [--settle 30] [--iterations 200] [--seed 1] [--mspc PATH] [--json]
      build (100 and 1,000 services), lint (1,000), R runs of lsp (1,000) and
      one soak (500 services, 50,000 edits), printed as a Markdown section for
      the README with the budgets (or JSON).

  build, lint and all run a private copy of the mspc binary, so a rebuild
  during the benchmark does not mix two compilers.";

struct Args {
    rest: Vec<String>,
}

impl Args {
    /// The value of `--name`, removed from the arguments.
    fn value(&mut self, name: &str) -> Result<Option<String>, String> {
        let Some(i) = self.rest.iter().position(|a| a == name) else { return Ok(None) };
        if i + 1 >= self.rest.len() {
            return Err(format!("{name} needs a value"));
        }
        let v = self.rest.remove(i + 1);
        self.rest.remove(i);
        Ok(Some(v))
    }

    fn number<T: std::str::FromStr>(&mut self, name: &str, default: T) -> Result<T, String> {
        match self.value(name)? {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{name}: `{v}` is not a number")),
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        let found = self.rest.iter().position(|a| a == name);
        if let Some(i) = found {
            self.rest.remove(i);
        }
        found.is_some()
    }

    fn done(self) -> Result<(), String> {
        match self.rest.first() {
            Some(a) => Err(format!("unexpected argument `{a}`")),
            None => Ok(()),
        }
    }
}

fn main() -> ExitCode {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return if argv.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
    }
    let command = argv.remove(0);
    let args = Args { rest: argv };
    let result = match command.as_str() {
        "workload" => workload_command(args),
        "lsp" => lsp_command(args),
        "build" => build_command(args),
        "lint" => lint_command(args),
        "soak" => soak_command(args),
        "all" => all_command(args),
        other => Err(Failure::Usage(format!("unknown command `{other}`\n\n{USAGE}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Run(String),
}

impl From<String> for Failure {
    fn from(e: String) -> Failure {
        Failure::Usage(e)
    }
}

impl From<&str> for Failure {
    fn from(e: &str) -> Failure {
        Failure::Usage(e.to_string())
    }
}

fn services(args: &mut Args, default: Option<usize>) -> Result<usize, Failure> {
    let n = match default {
        Some(d) => args.number("--services", d)?,
        None => args
            .value("--services")?
            .ok_or("--services N is required")?
            .parse()
            .map_err(|_| "--services: not a number")?,
    };
    if n == 0 {
        return Err(Failure::Usage("--services must be at least 1".into()));
    }
    Ok(n)
}

fn workload_command(mut args: Args) -> Result<(), Failure> {
    let n = services(&mut args, None)?;
    let seed = args.number("--seed", 1u64)?;
    let out = PathBuf::from(args.value("--out")?.ok_or("--out DIR is required")?);
    args.done()?;
    let w = workload::generate(n, seed);
    w.write(&out).map_err(Failure::Run)?;
    println!(
        "wrote {} files ({} bytes) of {n} services (seed {seed}) into {}",
        w.files.len(),
        w.bytes(),
        out.display()
    );
    Ok(())
}

fn lsp_command(mut args: Args) -> Result<(), Failure> {
    let n = services(&mut args, Some(200))?;
    let seed = args.number("--seed", 1u64)?;
    let iterations = args.number("--iterations", 200usize)?;
    if iterations == 0 {
        return Err(Failure::Usage("--iterations must be at least 1".into()));
    }
    let mspc = mspc_path(&mut args)?;
    let json = args.flag("--json");
    let keep = args.flag("--keep");
    args.done()?;
    let report = lsp::run(&lsp::Options { services: n, seed, iterations, mspc, keep }).map_err(Failure::Run)?;
    print(json, report.table(), report.to_json());
    Ok(())
}

/// `--mspc PATH`, or the `mspc` next to this binary (target/release/mspc).
fn mspc_path(args: &mut Args) -> Result<PathBuf, Failure> {
    match args.value("--mspc")? {
        Some(p) => Ok(PathBuf::from(p)),
        None => {
            let exe = std::env::current_exe().map_err(|e| Failure::Run(format!("cannot find this binary: {e}")))?;
            Ok(exe.with_file_name(format!("mspc{}", std::env::consts::EXE_SUFFIX)))
        }
    }
}

fn runs(args: &mut Args) -> Result<usize, Failure> {
    let r = args.number("--runs", 5usize)?;
    if r == 0 {
        return Err(Failure::Usage("--runs must be at least 1".into()));
    }
    Ok(r)
}

fn settle(args: &mut Args) -> Result<Duration, Failure> {
    let secs = args.number("--settle", 30.0f64)?;
    Duration::try_from_secs_f64(secs)
        .map_err(|_| Failure::Usage(format!("--settle: `{secs}` is not a number of seconds (0 or more)")))
}

/// Prints a report as a table or as JSON.
fn print(json: bool, table: String, value: serde_json::Value) {
    if json {
        println!("{}", serde_json::to_string_pretty(&value).expect("JSON values serialize"));
    } else {
        print!("{table}");
    }
}

fn build_command(mut args: Args) -> Result<(), Failure> {
    let services = match args.value("--services")? {
        None => all::BUILD_SERVICES.to_vec(),
        Some(list) => list
            .split(',')
            .map(|n| match n.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("--services: `{n}` is not a service count (1 or more)")),
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let runs = runs(&mut args)?;
    let seed = args.number("--seed", 1u64)?;
    let settle = settle(&mut args)?;
    let mspc = mspc_path(&mut args)?;
    let json = args.flag("--json");
    let dir = args.value("--dir")?.map(PathBuf::from);
    args.done()?;
    let bin = Binary::snapshot(&mspc).map_err(Failure::Run)?;
    let opts = build::Options { services, runs, seed, settle, mspc: bin.path.clone(), dir };
    let report = build::run(&opts, &mspc.display().to_string()).map_err(Failure::Run)?;
    print(json, report.table(), report.to_json());
    Ok(())
}

fn lint_command(mut args: Args) -> Result<(), Failure> {
    let n = services(&mut args, Some(all::LINT_SERVICES))?;
    let runs = runs(&mut args)?;
    let seed = args.number("--seed", 1u64)?;
    let mspc = mspc_path(&mut args)?;
    let json = args.flag("--json");
    args.done()?;
    let bin = Binary::snapshot(&mspc).map_err(Failure::Run)?;
    let opts = lint::Options { services: n, runs, seed, mspc: bin.path.clone() };
    let report = lint::run(&opts, &mspc.display().to_string()).map_err(Failure::Run)?;
    print(json, report.table(), report.to_json());
    Ok(())
}

fn soak_command(mut args: Args) -> Result<(), Failure> {
    let services = services(&mut args, Some(500))?;
    let edits = args.number("--edits", 50_000usize)?;
    let reference = args.number("--reference", 5_000usize)?;
    if edits == 0 || reference == 0 || reference > edits || !reference.is_multiple_of(soak::CHECKPOINT) {
        return Err(Failure::Usage(format!(
            "--reference must be a multiple of {} from {0} to --edits ({edits})",
            soak::CHECKPOINT
        )));
    }
    let seed = args.number("--seed", 1u64)?;
    let mspc = mspc_path(&mut args)?;
    let json = args.flag("--json");
    args.done()?;
    let bin = Binary::snapshot(&mspc).map_err(Failure::Run)?;
    let report =
        soak::run(&soak::Options { services, seed, edits, reference, mspc: bin.path.clone() }).map_err(Failure::Run)?;
    print(json, report.table(), report.to_json());
    if report.within_budget() { Ok(()) } else { Err(Failure::Run("over the memory budget".into())) }
}

fn all_command(mut args: Args) -> Result<(), Failure> {
    let runs = runs(&mut args)?;
    let settle = settle(&mut args)?;
    let iterations = args.number("--iterations", 200usize)?;
    if iterations == 0 {
        return Err(Failure::Usage("--iterations must be at least 1".into()));
    }
    let seed = args.number("--seed", 1u64)?;
    let mspc = mspc_path(&mut args)?;
    let json = args.flag("--json");
    args.done()?;
    let bin = Binary::snapshot(&mspc).map_err(Failure::Run)?;
    let words: Vec<String> = std::env::args().skip(1).collect();
    let command = format!("mspc-bench {}", words.join(" "));
    let opts = all::Options { runs, seed, settle, iterations, mspc: bin.path.clone(), binary: mspc, command };
    let report = all::run(&opts).map_err(Failure::Run)?;
    print(json, report.markdown(), report.to_json());
    Ok(())
}
