//! `cargo xtask`: the repository's automation, in Rust so that it runs
//! wherever `cargo` does. `cargo xtask --help` lists the commands.

mod bench;
mod codegen;
mod public_api;
mod real_api;
mod spec_check;
mod stress_spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "The ICR workspace's automation.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure the generator: generation time, lines per operation, and
    /// `cargo check` of the stress spec's crate, each against a baseline.
    BenchCodegen {
        /// Instead, measure a real API: GitHub's REST description
        /// (`@octokit/openapi`, fetched with npm once) converted to ICR's
        /// conventions. Needs npm and the registry; minutes.
        #[arg(long)]
        real: bool,
    },
    /// Write icr-api/public-api.txt, icr-api's public API one item a line,
    /// from rustdoc's JSON; with --check, fail listing what changed.
    PublicApi {
        /// Write nothing; fail listing each item added or removed.
        #[arg(long)]
        check: bool,
    },
    /// Write icr-codegen/tests/fixtures/stress.yaml, the generator's stress
    /// spec, from stress-core.yaml beside it.
    StressSpec,
    /// Regenerate icr-api/src/generated/ from spec/icr.openapi.yaml, or with
    /// --spec and --out write a stand-alone crate for any OpenAPI 3.0 spec.
    Codegen {
        /// Write nothing; fail naming every file that differs from what the
        /// generator produces.
        #[arg(long)]
        check: bool,
        /// The spec of a stand-alone crate (with --out).
        #[arg(long, requires = "out")]
        spec: Option<PathBuf>,
        /// The folder of the stand-alone crate (with --spec).
        #[arg(long, requires = "spec")]
        out: Option<PathBuf>,
        /// The stand-alone crate's name (default: from the spec's file name).
        #[arg(long, requires = "out")]
        crate_name: Option<String>,
    },
    /// Judge the spec and the emulator with schemathesis (installed from PyPI
    /// into target/schemathesis/ when missing): every check, against an
    /// emulator with an installation that holds every permission.
    Schemathesis {
        /// Examples per operation and phase.
        #[arg(long, default_value_t = 20)]
        examples: u32,
    },
    /// Check the ICR spec against the rules of spec/README.md and report every
    /// problem with its JSON pointer.
    SpecCheck {
        /// The spec to check, relative to the current directory; by default
        /// the workspace's spec/icr.openapi.yaml.
        #[arg(long)]
        spec: Option<PathBuf>,
    },
}

fn run_codegen(target: &codegen::Target, check: bool) -> ExitCode {
    let plan = match codegen::plan(target) {
        Ok(plan) => plan,
        Err(report) => {
            eprintln!("{report}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", codegen::summary(&codegen::shown(&target.spec), &plan));
    if check {
        let stale = codegen::stale(target, &plan);
        if stale.is_empty() {
            println!("the generated files are fresh");
            return ExitCode::SUCCESS;
        }
        for path in &stale {
            eprintln!("stale: {}", codegen::shown(path));
        }
        eprintln!(
            "{} stale file(s); run `{}` and commit the result",
            stale.len(),
            target.command
        );
        return ExitCode::FAILURE;
    }
    match codegen::write(target, &plan) {
        Ok(touched) => {
            println!(
                "{touched} file(s) written under {}",
                codegen::shown(&target.out)
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot write under {}: {err}", codegen::shown(&target.out));
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the folder above this crate's.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::BenchCodegen { real } => match if real { real_api::run() } else { bench::run() } {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        },
        Command::PublicApi { check } => match public_api::run(&workspace_root(), check) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        },
        Command::StressSpec => {
            let root = workspace_root();
            let written = std::fs::read_to_string(root.join(stress_spec::CORE))
                .map_err(|err| format!("{}: {err}", stress_spec::CORE))
                .and_then(|core| stress_spec::expand(&core))
                .and_then(|text| {
                    std::fs::write(root.join(stress_spec::EXPANDED), text)
                        .map_err(|err| err.to_string())
                });
            match written {
                Ok(()) => {
                    println!("wrote {}", stress_spec::EXPANDED);
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("{err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Codegen {
            check,
            spec,
            out,
            crate_name,
        } => {
            let target = match (spec, out) {
                (Some(spec), Some(out)) => codegen::Target::standalone(spec, out, crate_name),
                _ => codegen::Target::icr_api(),
            };
            run_codegen(&target, check)
        }
        // The harness lives in the `tests` crate, beside the emulator and
        // the runtime it drives; xtask itself stays free of them, so that it
        // can regenerate the bindings whatever state they are in.
        Command::Schemathesis { examples } => {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args([
                    "run",
                    "--quiet",
                    "-p",
                    "tests",
                    "--bin",
                    "schemathesis",
                    "--",
                ])
                .args(["--examples", &examples.to_string()])
                .current_dir(workspace_root())
                .status();
            match status {
                Ok(status) if status.success() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::FAILURE,
                Err(error) => {
                    eprintln!("cannot run the schemathesis harness: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::SpecCheck { spec } => {
            let (path, shown) = match spec {
                Some(path) => (path.clone(), path.display().to_string()),
                None => (
                    workspace_root().join(spec_check::ICR_SPEC),
                    spec_check::ICR_SPEC.to_owned(),
                ),
            };
            let report = spec_check::check_file(&path, &shown);
            print!("{report}");
            if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
