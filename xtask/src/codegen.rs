//! `cargo xtask codegen`: writes the bindings generated from a spec, or with
//! `--check` says which checked-in files are stale.
//!
//! Without `--spec`, it regenerates `icr-api/src/generated/` from
//! `spec/icr.openapi.yaml`. With `--spec FILE --out DIR` it writes a
//! stand-alone crate for any OpenAPI 3.0 document, which builds against
//! `icr-api`'s runtime. Files are rewritten only when their text changes,
//! and files the generator no longer produces are removed, so a run that
//! changes nothing touches nothing.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use icr_codegen::format::{self, File};
use icr_codegen::{Document, Generated};

use crate::workspace_root;

/// The checked-in bindings, relative to the workspace root.
pub(crate) const GENERATED_DIR: &str = "icr-api/src/generated";

/// What to generate and where.
pub(crate) struct Target {
    /// The spec to read.
    pub(crate) spec: PathBuf,
    /// The folder the root module's file goes in.
    pub(crate) out: PathBuf,
    /// The root module's file name: `mod.rs` inside a crate, `lib.rs` for a
    /// crate of its own.
    pub(crate) root_file: &'static str,
    /// The command that regenerates the files, for their first line.
    pub(crate) command: String,
    /// For a crate of its own: its name.
    pub(crate) crate_name: Option<String>,
    /// Where to write the end-to-end test's call of every installation
    /// function (the ICR bindings only).
    pub(crate) calls: Option<PathBuf>,
    /// Every model serializes and deserializes, whatever its uses (the
    /// ICR bindings, whose users may write answers back out).
    pub(crate) serde_both_ways: bool,
}

/// The generated half of the test that calls every installation function.
pub(crate) const CALLS_FILE: &str = "tests/integration/every_function/calls.rs";

impl Target {
    /// The ICR bindings checked in under `icr-api`.
    pub(crate) fn icr_api() -> Self {
        let root = workspace_root();
        Self {
            spec: root.join(crate::spec_check::ICR_SPEC),
            out: root.join(GENERATED_DIR),
            root_file: "mod.rs",
            command: "cargo xtask codegen".to_owned(),
            crate_name: None,
            calls: Some(root.join(CALLS_FILE)),
            serde_both_ways: true,
        }
    }

    /// A stand-alone crate in `out` for the spec at `spec`.
    pub(crate) fn standalone(spec: PathBuf, out: PathBuf, crate_name: Option<String>) -> Self {
        let command = format!(
            "cargo xtask codegen --spec {} --out {}",
            spec.display(),
            out.display()
        );
        let crate_name = crate_name.unwrap_or_else(|| {
            let stem = spec
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("bindings");
            let stem = stem.split('.').next().unwrap_or(stem);
            format!(
                "{}-bindings",
                stem.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            )
        });
        Self {
            spec,
            out: out.join("src"),
            root_file: "lib.rs",
            command,
            crate_name: Some(crate_name),
            calls: None,
            serde_both_ways: false,
        }
    }
}

/// The generated model and files of a target, plus the crate manifest of a
/// stand-alone one.
pub(crate) struct Plan {
    pub(crate) generated: Generated,
    /// Paths relative to the target's `out`.
    pub(crate) files: Vec<File>,
    /// For a stand-alone crate: `Cargo.toml`, beside `src/`.
    pub(crate) manifest: Option<String>,
    /// Files outside `out`, by absolute path.
    pub(crate) extra: Vec<(PathBuf, String)>,
}

/// Reads the target's spec and generates its files, or reports every problem.
pub(crate) fn plan(target: &Target) -> Result<Plan, String> {
    let doc = Document::read(&target.spec).map_err(|err| err.to_string())?;
    let options = icr_codegen::emit::Options {
        serde_both_ways: target.serde_both_ways,
        // A crate of its own compiles only the tags its users turn on.
        tag_features: target.crate_name.is_some(),
        ..Default::default()
    };
    let generated = icr_codegen::generate(&doc, &options).map_err(|errors| {
        let mut report = String::new();
        for error in &errors {
            let _ = writeln!(report, "{error}");
        }
        let _ = write!(report, "{} problem(s); nothing was generated", errors.len());
        report
    })?;
    let files =
        format::files(&generated.root, target.root_file, &target.command).map_err(|err| {
            format!("the generator produced code that does not parse (a bug in icr-codegen): {err}")
        })?;
    let manifest = target
        .crate_name
        .as_ref()
        .map(|name| crate_manifest(name, &target.command, &tag_modules(&generated)));
    let mut extra = Vec::new();
    if let Some(path) = &target.calls {
        let items = icr_codegen::emit::smoke::every_call(&generated.api);
        let text = format::file(
            &items,
            "One call of every installation function of the ICR bindings, for `every_function`'s\nend-to-end test against the emulator; the values come from its `Args`.",
            &target.command,
        )
        .map_err(|err| format!("the generated calls do not parse (a bug in icr-codegen): {err}"))?;
        extra.push((path.clone(), text));
    }
    Ok(Plan {
        generated,
        files,
        manifest,
        extra,
    })
}

/// The modules of the tags that have operations, in order.
pub(crate) fn tag_modules(generated: &Generated) -> Vec<String> {
    let mut modules: Vec<String> = generated
        .api
        .operations
        .iter()
        .map(|op| op.module.clone())
        .collect();
    modules.sort();
    modules.dedup();
    modules
}

fn crate_manifest(name: &str, command: &str, tags: &[String]) -> String {
    let icr_api = workspace_root().join("icr-api");
    let features: Vec<String> = tags
        .iter()
        .map(|module| icr_codegen::emit::tag_feature(module))
        .collect();
    let mut feature_table = format!(
        "# One feature per tag: its operations, and the models they use.\n\
         [features]\n\
         default = [{}]\n",
        features
            .iter()
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for feature in &features {
        feature_table.push_str(&format!("{feature} = []\n"));
    }
    format!(
        "# @generated by `{command}`; do not edit.\n\
         [package]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         icr-api = {{ path = {:?} }}\n\
         \n\
         {feature_table}\
         \n\
         # A crate of its own, even when written inside another workspace.\n\
         [workspace]\n",
        icr_api.display().to_string()
    )
}

/// Every file of the plan, with its path under the target's folders.
fn expected(target: &Target, plan: &Plan) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = plan
        .files
        .iter()
        .map(|f| (target.out.join(&f.path), f.text.clone()))
        .collect();
    if let (Some(manifest), Some(crate_dir)) = (&plan.manifest, target.out.parent()) {
        files.push((crate_dir.join("Cargo.toml"), manifest.clone()));
    }
    files.extend(plan.extra.iter().cloned());
    files
}

/// The `.rs` files under `dir`, recursively.
fn rust_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The files that differ from the plan: changed or missing ones, and ones
/// the generator no longer produces.
pub(crate) fn stale(target: &Target, plan: &Plan) -> Vec<PathBuf> {
    let expected = expected(target, plan);
    let mut stale: Vec<PathBuf> = expected
        .iter()
        .filter(|(path, text)| fs::read_to_string(path).ok().as_deref() != Some(text.as_str()))
        .map(|(path, _)| path.clone())
        .collect();
    stale.extend(
        rust_files_under(&target.out)
            .into_iter()
            .filter(|path| !expected.iter().any(|(p, _)| p == path)),
    );
    stale
}

/// Writes the plan: changed and new files, and removes files no longer
/// produced. Returns how many files it touched.
pub(crate) fn write(target: &Target, plan: &Plan) -> std::io::Result<usize> {
    let expected = expected(target, plan);
    let mut touched = 0;
    for path in rust_files_under(&target.out) {
        if !expected.iter().any(|(p, _)| *p == path) {
            fs::remove_file(&path)?;
            touched += 1;
        }
    }
    for (path, text) in &expected {
        if fs::read_to_string(path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(path, text)?;
        touched += 1;
    }
    Ok(touched)
}

/// The summary every run prints.
pub(crate) fn summary(spec: &str, plan: &Plan) -> String {
    let s = &plan.generated.api.summary;
    let skipped: usize = s.skipped.values().map(Vec::len).sum();
    let mut out = format!(
        "{spec}: {} operations read, {} marked \"Works with ICR Apps.\"; generated {} for installations and {} for the app; {skipped} skipped\n",
        s.read, s.marked, s.installation, s.app
    );
    for (reason, ids) in &s.skipped {
        let _ = writeln!(
            out,
            "  skipped {} ({reason}): {}",
            ids.len(),
            ids.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{} types in {} files",
        plan.generated.api.types.len(),
        plan.files.len()
    );
    out
}

/// The path as the user should read it: relative to the workspace when it
/// is inside it.
pub(crate) fn shown(path: &Path) -> String {
    let root = workspace_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Runs `cargo check` on a stand-alone crate written by [`write`], with the
/// workspace's lockfile (so it builds with the versions the workspace
/// tested) and `target/standalone-check` as target folder (so dependencies
/// build once, whatever folder the crate is in).
pub(crate) fn cargo_check(crate_dir: &Path) -> std::io::Result<std::process::Output> {
    cargo_check_with(crate_dir, &[])
}

/// `cargo check` of the crate in `crate_dir` with more arguments (features).
pub(crate) fn cargo_check_with(
    crate_dir: &Path,
    arguments: &[&str],
) -> std::io::Result<std::process::Output> {
    let root = workspace_root();
    fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock"))?;
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["check", "--quiet", "--message-format", "short"])
        .args(arguments)
        .current_dir(crate_dir)
        // Checked once, as a user's clean build would be (and as the
        // benchmark's figures say): no incremental cache to write or read.
        .env("CARGO_INCREMENTAL", "0")
        .env(
            "CARGO_TARGET_DIR",
            root.join("target").join("standalone-check"),
        )
        .output()
}

#[cfg(test)]
mod tests {
    use super::{Target, cargo_check, cargo_check_with, plan, stale, tag_modules, write};
    use crate::workspace_root;
    use std::fs;

    #[test]
    fn the_stress_spec_makes_a_crate_that_builds() {
        let spec = workspace_root().join(crate::stress_spec::EXPANDED);
        let dir = workspace_root()
            .join("target")
            .join("tmp")
            .join("stress-bindings");
        let _ = fs::remove_dir_all(&dir);
        let target = Target::standalone(spec, dir.clone(), Some("stress-bindings".to_owned()));
        let plan = plan(&target).unwrap();
        let summary = &plan.generated.api.summary;
        assert!(summary.read >= 1000, "{} operations", summary.read);
        assert_eq!(
            summary.installation
                + summary.app
                + summary.skipped.values().map(Vec::len).sum::<usize>(),
            summary.read
        );
        write(&target, &plan).unwrap();
        // The crate's own `permissions!` declares against its own catalog;
        // a declaration holding `things: admin` meets every requirement on
        // `things` and the alternatives that end in it.
        let lib = dir.join("src").join("lib.rs");
        let mut text = fs::read_to_string(&lib).unwrap();
        text.push_str(
            r#"
permissions! {
    /// Declared by the test, against this crate's catalog.
    pub Stress { things: admin, other_things: read }
}
fn needs<P: permissions::ThingsRead + permissions::OtherThingsReadAndThingsWriteOrThingsAdmin>() {}
/// Proves the declaration meets the bounds.
pub fn declared() -> &'static str {
    needs::<Stress>();
    <Stress as ::icr_api::grants::Declaration>::NAME
}
"#,
        );
        fs::write(&lib, &text).unwrap();
        let output = cargo_check(&dir).unwrap();
        let diagnostics = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "the stress crate does not build:\n{diagnostics}"
        );
        assert!(
            !diagnostics.contains("warning"),
            "the stress crate builds with warnings:\n{diagnostics}"
        );
        // Each tag is a feature: with one of them, or none, the crate
        // builds, without warnings, and without the other tags' modules.
        let tags = tag_modules(&plan.generated);
        assert!(tags.len() >= 2, "{tags:?}");
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("{} = []", tags[0])),
            "{manifest}"
        );
        for features in [
            vec!["--no-default-features"],
            vec!["--no-default-features", "--features", tags[0].as_str()],
        ] {
            let output = cargo_check_with(&dir, &features).unwrap();
            let diagnostics = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success() && !diagnostics.contains("warning"),
                "the stress crate with {features:?}:\n{diagnostics}"
            );
        }

        // Two sets of bindings in one crate: neither's traits nor `Within`
        // can be given by hand to a declaration of the other (their blanket
        // impls, which would conflict, do not cover another catalog).
        text.push_str(
            r#"
::icr_api::permissions! {
    /// Declared against the ICR bindings' catalog.
    pub Icr { issues: read }
}
impl ::icr_api::permissions::IssuesWrite for Stress {}
impl permissions::ThingsRead for Icr {}
impl ::icr_api::grants::Within<Icr> for Stress {}
"#,
        );
        fs::write(&lib, &text).unwrap();
        let output = cargo_check(&dir).unwrap();
        let diagnostics = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{diagnostics}");
        // Each hand-written impl is refused at its own line.
        for (number, line) in text.lines().enumerate() {
            if line.starts_with("impl ") {
                let at = format!("src/lib.rs:{}:", number + 1);
                assert!(
                    diagnostics
                        .lines()
                        .any(|d| d.starts_with(&at) && d.contains(": error")),
                    "`{line}` was not refused:\n{diagnostics}"
                );
            }
        }
        for expected in [
            "type mismatch resolving `<Stress as Declared>::Catalog == Catalog`",
            "type mismatch resolving `<Icr as Declared>::Catalog == Catalog`",
        ] {
            assert!(
                diagnostics.contains(expected),
                "no error `{expected}` in:\n{diagnostics}"
            );
        }
    }

    #[test]
    fn the_checked_in_bindings_are_fresh() {
        let target = Target::icr_api();
        let plan = plan(&target).unwrap();
        let stale = stale(&target, &plan);
        assert!(
            stale.is_empty(),
            "stale generated files, run `cargo xtask codegen`: {stale:#?}"
        );
    }

    #[test]
    fn generation_is_deterministic() {
        let target = Target::icr_api();
        let first = plan(&target).unwrap().files;
        let second = plan(&target).unwrap().files;
        assert_eq!(first, second);
        for file in &first {
            assert!(
                file.text
                    .starts_with("// @generated by `cargo xtask codegen`"),
                "{} lacks the generated marker",
                file.path.display()
            );
        }
    }

    #[test]
    fn check_names_changed_missing_and_extra_files() {
        let dir = std::env::temp_dir().join(format!("icr-codegen-check-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let target = Target {
            out: dir.join("generated"),
            calls: Some(dir.join("calls.rs")),
            ..Target::icr_api()
        };
        let plan = plan(&target).unwrap();
        assert!(write(&target, &plan).unwrap() > 10);
        assert!(stale(&target, &plan).is_empty());
        assert_eq!(
            write(&target, &plan).unwrap(),
            0,
            "a second run must touch nothing"
        );

        let changed = target.out.join("issues.rs");
        fs::write(&changed, "// edited by hand\n").unwrap();
        let missing = target.out.join("models").join("teams.rs");
        fs::remove_file(&missing).unwrap();
        let extra = target.out.join("leftover.rs");
        fs::write(&extra, "// from an older spec\n").unwrap();
        let mut found = stale(&target, &plan);
        found.sort();
        let mut expected = vec![changed, missing, extra];
        expected.sort();
        assert_eq!(found, expected);

        assert_eq!(write(&target, &plan).unwrap(), 3);
        assert!(stale(&target, &plan).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
