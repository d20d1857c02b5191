//! Repository invariants, checked as ordinary tests: every Rust file opens
//! with a `//!` doc, no placeholder macro is left in, and every crate follows
//! the workspace's layout and lints.

use std::fs;
use std::path::{Path, PathBuf};

use tests::workspace_root;

/// Every `.rs` file of the workspace, skipping build output and test
/// fixtures (compile-fail programs and golden snapshots, whose exact shape
/// is the point).
fn rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![workspace_root()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | ".git" | "ui" | "golden" | "fixtures"
                ) {
                    pending.push(path);
                }
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 5, "found too few Rust files: {files:?}");
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The members listed in the root manifest.
fn members() -> Vec<String> {
    let manifest = fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let start = manifest
        .find("members = [")
        .expect("the root manifest lists members");
    let list = &manifest[start..manifest[start..].find(']').map(|end| start + end).unwrap()];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let missing: Vec<String> = rust_files()
        .iter()
        .filter(|path| {
            let text = fs::read_to_string(path).unwrap();
            // A generated file opens with its marker line, then the doc.
            let mut lines = text.lines().skip_while(|l| l.starts_with("// @generated"));
            !lines.next().is_some_and(|first| first.starts_with("//!"))
        })
        .map(|path| relative(path))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` doc: {missing:#?}"
    );
}

#[test]
fn no_placeholder_macros_are_left_in() {
    // Spelled in two halves so that this file does not find itself.
    let placeholders = [
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("dbg", "!("),
    ];
    let mut found = Vec::new();
    for path in rust_files() {
        let text = fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            if placeholders.iter().any(|p| line.contains(p)) {
                found.push(format!(
                    "{}:{}: {}",
                    relative(&path),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(found.is_empty(), "placeholders left in: {found:#?}");
}

#[test]
fn every_member_is_a_flat_folder_named_after_its_crate_with_workspace_lints() {
    let members = members();
    for required in [
        "icr-api",
        "icr-codegen",
        "icr-emulator",
        "icr-macros",
        "tests",
        "xtask",
    ] {
        assert!(
            members.iter().any(|m| m == required),
            "`{required}` is not a workspace member"
        );
    }
    for member in &members {
        assert!(
            !member.contains('/'),
            "member `{member}` is nested; the workspace is flat"
        );
        let manifest =
            fs::read_to_string(workspace_root().join(member).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"{member}\"")),
            "the crate in `{member}/` is not named `{member}`"
        );
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "`{member}/Cargo.toml` does not inherit the workspace lints"
        );
    }
}
