//! A fixture of the workspace: `icr-api` depended on as `icr`, as a crate
//! may rename it. `permissions!` and the generated functions must work
//! through the new name alone; this crate building is the test. It also
//! re-exports the runtime, as a facade crate does, for `fixture-facade`.

pub use icr;

icr::permissions! {
    /// What the notes app was granted.
    pub Notes { projects: read, issues: write }
}

/// A project's full name, through a generated function.
pub async fn project_name(
    client: &icr::InstallationClient<Notes>,
    project: i64,
) -> icr::Result<String> {
    Ok(icr::projects::get_project(client, project).await?.full_name)
}

/// A narrower view of [`Notes`], through the renamed crate's narrowing.
pub fn read_only(
    client: &icr::InstallationClient<Notes>,
) -> icr::Result<icr::InstallationClient<ReadOnly>> {
    client.narrow::<ReadOnly>()
}

icr::permissions! {
    /// Reads projects only.
    pub ReadOnly { projects: read }
}
