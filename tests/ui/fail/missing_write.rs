// `issues: read` is granted; creating an issue needs `issues: write`.
use icr_api::InstallationClient;

icr_api::permissions! {
    /// What the release-notes app was granted on ICR.
    pub ReleaseNotes { projects: write, issues: read }
}

fn open_issue(client: &InstallationClient<ReleaseNotes>) {
    let body = icr_api::models::IssueCreate::new("Release 1.2");
    let _future = icr_api::issues::create_issue(client, 3001, &body);
}

fn main() {}
