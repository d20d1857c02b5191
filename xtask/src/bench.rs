//! `cargo xtask bench-codegen`: prints what generation costs, as figures
//! measured in this run and ratios against baselines measured the same way
//! in the same run:
//!
//! - generation time of the ICR spec and of the stress spec (load, model,
//!   emit, format), against reading and parsing the same YAML alone;
//! - lines of generated code per operation;
//! - `cargo check` of the stress spec's generated crate alone (its
//!   dependencies already built, incremental compilation off), against the
//!   same check of an empty crate that depends on `icr-api`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use icr_codegen::{Document, format};

use crate::codegen::{self, Target};
use crate::workspace_root;

const RUNS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut work: impl FnMut() -> Result<T, String>) -> Result<Duration, String> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        work()?;
        samples.push(start.elapsed());
    }
    Ok(median(samples))
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Generation of one spec: time, baseline, and lines per operation.
fn generation(label: &str, spec: &Path) -> Result<(), String> {
    let text = fs::read_to_string(spec).map_err(|err| format!("{}: {err}", spec.display()))?;
    let parse = time(RUNS, || {
        Document::parse("bench", &text).map_err(|err| err.to_string())
    })?;
    let mut lines = 0;
    let mut operations = 0;
    let generate = time(RUNS, || {
        let doc = Document::parse("bench", &text).map_err(|err| err.to_string())?;
        let generated = icr_codegen::generate(&doc, &Default::default())
            .map_err(|errors| format!("{} problems", errors.len()))?;
        let files =
            format::files(&generated.root, "lib.rs", "bench").map_err(|err| err.to_string())?;
        lines = files.iter().map(|f| f.text.lines().count()).sum::<usize>();
        operations = generated.api.operations.len();
        Ok(())
    })?;
    println!(
        "{label}: generation {} (median of {RUNS}); parsing the YAML alone {}; ratio {:.1}x",
        ms(generate),
        ms(parse),
        generate.as_secs_f64() / parse.as_secs_f64()
    );
    println!(
        "{label}: {lines} lines for {operations} operations = {:.1} lines per operation (models included)",
        lines as f64 / operations.max(1) as f64
    );
    Ok(())
}

/// `cargo check` of the crate in `dir`, incremental compilation off, after
/// making cargo consider its source changed.
fn check_time(dir: &Path) -> Result<Duration, String> {
    let lib = dir.join("src").join("lib.rs");
    let text = fs::read_to_string(&lib).map_err(|err| err.to_string())?;
    fs::write(&lib, &text).map_err(|err| err.to_string())?;
    let start = Instant::now();
    let output = codegen::cargo_check(dir).map_err(|err| err.to_string())?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        return Err(format!(
            "cargo check failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(elapsed)
}

fn checks() -> Result<(), String> {
    let root = workspace_root();
    let scratch = root.join("target").join("tmp").join("bench");
    let stress_dir = scratch.join("stress-bindings");
    let target = Target::standalone(
        root.join(crate::stress_spec::EXPANDED),
        stress_dir.clone(),
        Some("stress-bindings".into()),
    );
    let plan = codegen::plan(&target)?;
    codegen::write(&target, &plan).map_err(|err| err.to_string())?;
    let operations = plan.generated.api.operations.len();

    let empty_dir = scratch.join("empty");
    let empty = empty_crate(&empty_dir)?;

    // Warm up: build the dependencies once, so only the crates themselves are timed.
    for dir in [&stress_dir, &empty] {
        check_time(dir)?;
    }
    let mut stress = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..3 {
        stress.push(check_time(&stress_dir)?);
        baseline.push(check_time(&empty)?);
    }
    let (stress, baseline) = (median(stress), median(baseline));
    println!(
        "stress crate: cargo check {:.2} s for {operations} operations ({:.1} ms per operation); an empty crate on icr-api {:.2} s; ratio {:.1}x",
        stress.as_secs_f64(),
        stress.as_secs_f64() * 1000.0 / operations as f64,
        baseline.as_secs_f64(),
        stress.as_secs_f64() / baseline.as_secs_f64()
    );
    Ok(())
}

fn empty_crate(dir: &Path) -> Result<PathBuf, String> {
    let manifest = format!(
        "[package]\nname = \"empty-on-icr-api\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nicr-api = {{ path = {:?} }}\n\n[workspace]\n",
        workspace_root().join("icr-api").display().to_string()
    );
    fs::create_dir_all(dir.join("src")).map_err(|err| err.to_string())?;
    fs::write(dir.join("Cargo.toml"), manifest).map_err(|err| err.to_string())?;
    fs::write(
        dir.join("src").join("lib.rs"),
        "//! The baseline: nothing but the dependency.\npub use icr_api as _;\n",
    )
    .map_err(|err| err.to_string())?;
    Ok(dir.to_path_buf())
}

/// Runs every benchmark and prints its figures.
pub(crate) fn run() -> Result<(), String> {
    let root = workspace_root();
    generation("ICR spec", &root.join(crate::spec_check::ICR_SPEC))?;
    generation("stress spec", &root.join(crate::stress_spec::EXPANDED))?;
    checks()
}
