//! A fixture of the workspace: `icr-api` reached only through a facade
//! (`fixture_renamed::icr`). `permissions!` must expand here without
//! naming `icr_api`, and a user's own derive must not clash with the
//! macro's; this crate building, and its test, are the check.

use fixture_renamed::icr;

icr::permissions! {
    /// What the triage app was granted.
    #[derive(Debug)]
    pub Triage { issues: write, projects: read }
}

/// Closes an issue, through a generated function of the facade's runtime.
pub async fn close(
    client: &icr::InstallationClient<Triage>,
    project: i64,
    number: i64,
) -> icr::Result<()> {
    let update = icr::models::IssueUpdate {
        state: Some(icr::models::IssueState::Closed),
        ..Default::default()
    };
    icr::issues::update_issue(client, project, number, &update).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Triage;
    use fixture_renamed::icr::grants::{Declaration, Grant, Level};

    #[test]
    fn a_declaration_made_through_a_facade_is_a_declaration_of_its_bindings() {
        assert_eq!(Triage::NAME, "Triage");
        assert_eq!(
            Triage::grants(),
            [
                // Held by every installation, so implied.
                Grant::new("metadata", Level::Read),
                Grant::new("projects", Level::Read),
                Grant::new("issues", Level::Write)
            ]
        );
        assert_eq!(format!("{Triage:?}"), "Triage");
    }
}
