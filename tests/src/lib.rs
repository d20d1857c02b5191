//! Helpers shared by the workspace's integration tests.
//!
//! The tests themselves live in `integration/` as one binary (each file in
//! a `tests/` folder would link a binary of its own), one module per
//! concern.

use std::path::{Path, PathBuf};

/// The root of the workspace, where `Cargo.toml` and `spec/` are.
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}
