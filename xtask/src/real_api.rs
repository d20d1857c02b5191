//! `cargo xtask bench-codegen --real`: the generator on a real API of ICR's
//! kind and size. GitHub's published REST description (npm package
//! `@octokit/openapi`, the pinned [`VERSION`], fetched once with `npm pack`
//! and kept under `target/real-api/`) is converted to ICR's conventions,
//! then generated and checked as a stand-alone crate. Not part of CI: it
//! needs `npm`, the registry, and minutes.
//!
//! The conversion ([`convert`]) is a stand-in, not GitHub's model: each
//! `x-github.category` becomes a permission with `read` and `write`; an
//! operation marked `x-github.enabledForGitHubApps` gets the marker
//! sentence and needs its category's `read` (`GET`, `HEAD`) or `write`
//! (anything else); GitHub's `x-webhooks` are left out (their events do not
//! state permissions).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use icr_codegen::{Document, format};
use serde_json::{Map, Value, json};

use crate::codegen::{self, Target};
use crate::workspace_root;

/// The `@octokit/openapi` release measured.
pub(crate) const VERSION: &str = "23.0.2";
/// The description inside its package.
const MEMBER: &str = "package/generated/api.github.com.json";
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// GitHub's description, fetched and unpacked once.
fn fetch(dir: &Path) -> Result<PathBuf, String> {
    let json = dir.join(MEMBER);
    if json.is_file() {
        return Ok(json);
    }
    fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let package = format!("@octokit/openapi@{VERSION}");
    let run = |command: &mut Command, what: &str| -> Result<(), String> {
        let output = command
            .current_dir(dir)
            .output()
            .map_err(|err| format!("{what}: {err}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    };
    run(
        Command::new("npm").args(["pack", "--silent", &package]),
        &format!("npm pack {package}"),
    )?;
    let tarball = format!("octokit-openapi-{VERSION}.tgz");
    run(
        Command::new("tar").args(["xzf", &tarball, MEMBER]),
        &format!("unpacking {tarball}"),
    )?;
    Ok(json)
}

/// GitHub's description in ICR's conventions (see the module's docs).
pub(crate) fn convert(mut spec: Value) -> Value {
    let mut categories = std::collections::BTreeSet::new();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (method, operation) in item.iter_mut() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let Some(operation) = operation.as_object_mut() else {
                    continue;
                };
                let github = operation.get("x-github").cloned().unwrap_or_default();
                if github["enabledForGitHubApps"] != true {
                    continue;
                }
                let category = github["category"].as_str().unwrap_or("other");
                let permission = permission_name(category);
                categories.insert(permission.clone());
                let level = if matches!(method.as_str(), "get" | "head") {
                    "read"
                } else {
                    "write"
                };
                let described = operation
                    .get("description")
                    .or_else(|| operation.get("summary"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                operation.insert(
                    "description".to_owned(),
                    json!(format!("{described}\n\n{}", icr_codegen::MARKER)),
                );
                operation.insert(
                    "x-icr-permissions".to_owned(),
                    json!([{ permission: level }]),
                );
            }
        }
    }
    let catalog: Map<String, Value> = categories
        .into_iter()
        .map(|name| {
            let description = format!("GitHub's `{name}` category (a stand-in permission).");
            (
                name,
                json!({"description": description, "levels": ["read", "write"]}),
            )
        })
        .collect();
    if let Some(root) = spec.as_object_mut() {
        root.remove("x-webhooks");
        root.insert("x-icr-platform".to_owned(), json!("GitHub"));
        root.insert(
            "x-icr-permission-catalog".to_owned(),
            Value::Object(catalog),
        );
    }
    spec
}

/// A category as a permission name: lower snake case.
fn permission_name(category: &str) -> String {
    let mut name = String::new();
    for c in category.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    name.trim_matches('_').to_owned()
}

/// Runs the real-API benchmark and prints its figures.
pub(crate) fn run() -> Result<(), String> {
    let root = workspace_root();
    let dir = root.join("target").join("real-api");
    let source = fetch(&dir)?;
    let text = fs::read_to_string(&source).map_err(|err| format!("{}: {err}", source.display()))?;
    let converted: Value = serde_json::from_str(&text)
        .map(convert)
        .map_err(|err| format!("{}: {err}", source.display()))?;
    let spec = dir.join("github-as-icr.json");
    fs::write(&spec, converted.to_string()).map_err(|err| err.to_string())?;

    // Generation, in the dev profile's terms: this process's time.
    let spec_text = fs::read_to_string(&spec).map_err(|err| err.to_string())?;
    let mut figures = (0, 0, 0);
    let mut samples = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let doc = Document::parse("github-as-icr.json", &spec_text).map_err(|e| e.to_string())?;
        let generated = icr_codegen::generate(&doc, &Default::default())
            .map_err(|errors| format!("{} problems, the first: {}", errors.len(), errors[0]))?;
        let files = format::files(&generated.root, "lib.rs", "bench").map_err(|e| e.to_string())?;
        samples.push(start.elapsed());
        figures = (
            generated.api.types.len(),
            files.iter().map(|f| f.text.lines().count()).sum::<usize>(),
            generated.api.operations.len(),
        );
    }
    samples.sort();
    let (types, lines, functions) = figures;
    println!(
        "real API (@octokit/openapi {VERSION}, converted): generation {:.2} s (median of 3); {types} types; {lines} lines for {functions} functions = {:.1} lines per function (models included)",
        samples[1].as_secs_f64(),
        lines as f64 / functions.max(1) as f64
    );

    // The whole crate, checked with its dependencies built, incremental off.
    let out = dir.join("real-bindings");
    let target = Target::standalone(spec, out.clone(), Some("real-bindings".into()));
    let plan = codegen::plan(&target)?;
    codegen::write(&target, &plan).map_err(|err| err.to_string())?;
    check(&out, &[])?; // builds the dependencies
    let (elapsed, peak_kb) = check(&out, &[])?;
    println!(
        "real API crate: cargo check {:.1} s, peak memory {:.2} GB (CARGO_INCREMENTAL=0, dependencies built)",
        elapsed.as_secs_f64(),
        peak_kb as f64 / 1024.0 / 1024.0
    );
    // A crate that uses two tags: its features only.
    let two = ["--no-default-features", "--features", TWO_TAGS];
    let (elapsed, peak_kb) = check(&out, &two)?;
    println!(
        "real API crate with the features {TWO_TAGS} only: cargo check {:.1} s, peak memory {:.2} GB",
        elapsed.as_secs_f64(),
        peak_kb as f64 / 1024.0 / 1024.0
    );
    Ok(())
}

/// The two tags of the two-tag figure: a crate about issues and pull
/// requests.
const TWO_TAGS: &str = "issues,pulls";

/// `cargo check` of the crate in `dir` with `arguments` after touching it,
/// under GNU `time` for the peak memory of its largest process: the time
/// taken and that peak in KB.
fn check(dir: &Path, arguments: &[&str]) -> Result<(Duration, u64), String> {
    let lib = dir.join("src").join("lib.rs");
    let text = fs::read_to_string(&lib).map_err(|err| err.to_string())?;
    fs::write(&lib, &text).map_err(|err| err.to_string())?;
    let root = workspace_root();
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|err| err.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args([
            "-f",
            "peak-kb %M",
            &cargo,
            "check",
            "--quiet",
            "--message-format",
            "short",
        ])
        .args(arguments)
        .current_dir(dir)
        .env("CARGO_INCREMENTAL", "0")
        .env(
            "CARGO_TARGET_DIR",
            root.join("target").join("standalone-check"),
        )
        .output()
        .map_err(|err| format!("/usr/bin/time cargo check: {err}"))?;
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "cargo check failed in {}:\n{stderr}",
            dir.display()
        ));
    }
    let peak = stderr
        .lines()
        .find_map(|line| line.strip_prefix("peak-kb "))
        .and_then(|kb| kb.trim().parse().ok())
        .ok_or_else(|| format!("no peak memory in the output of time:\n{stderr}"))?;
    Ok((elapsed, peak))
}

#[cfg(test)]
mod tests {
    use super::{convert, permission_name};
    use serde_json::json;

    #[test]
    fn operations_for_apps_are_marked_with_their_category_as_permission() {
        let spec = json!({
            "paths": {"/repos/{o}/{r}/issues": {
                "get": {"x-github": {"category": "issues", "enabledForGitHubApps": true}, "summary": "List issues"},
                "post": {"x-github": {"category": "issues", "enabledForGitHubApps": true}, "description": "Create."},
                "parameters": [],
            }, "/user": {"get": {"x-github": {"category": "users", "enabledForGitHubApps": false}}}},
            "x-webhooks": {"ping": {}},
        });
        let converted = convert(spec);
        let get = &converted["paths"]["/repos/{o}/{r}/issues"]["get"];
        assert_eq!(get["x-icr-permissions"], json!([{"issues": "read"}]));
        assert!(icr_codegen::is_marked(get["description"].as_str().unwrap()));
        let post = &converted["paths"]["/repos/{o}/{r}/issues"]["post"];
        assert_eq!(post["x-icr-permissions"], json!([{"issues": "write"}]));
        assert!(
            converted["paths"]["/user"]["get"]
                .get("x-icr-permissions")
                .is_none()
        );
        assert_eq!(
            converted["x-icr-permission-catalog"],
            json!({"issues": {"description": "GitHub's `issues` category (a stand-in permission).", "levels": ["read", "write"]}})
        );
        assert!(converted.get("x-webhooks").is_none());
        assert_eq!(permission_name("code-scanning"), "code_scanning");
        assert_eq!(permission_name("Rate Limit"), "rate_limit");
    }
}
