//! `cargo xtask`: the repository's automation, in Rust so that it runs
//! wherever `cargo` does. `cargo xtask --help` lists the commands.

mod spec_check;

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
    /// Check the ICR spec against the rules of spec/README.md and report every
    /// problem with its JSON pointer.
    SpecCheck {
        /// The spec to check, relative to the current directory; by default
        /// the workspace's spec/icr.openapi.yaml.
        #[arg(long)]
        spec: Option<PathBuf>,
    },
}

/// The workspace root: the folder above this crate's.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

fn main() -> ExitCode {
    match Cli::parse().command {
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
