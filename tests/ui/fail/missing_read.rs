// An app granted projects only lists a project's issues.
use icr_api::InstallationClient;

icr_api::permissions! {
    pub ReleaseNotes { projects: write }
}

fn list(client: &InstallationClient<ReleaseNotes>) {
    let _future = icr_api::issues::list_project_issues(client, 3001).state(icr_api::models::ListProjectIssuesState::Open);
}

fn main() {}
