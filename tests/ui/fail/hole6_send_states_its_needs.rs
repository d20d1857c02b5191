// Hole 6: `send` sent any request with no bound at all. A hand-made request
// now states what it needs, checked against the declaration like a
// generated function's bounds.
use icr_api::permissions::needs;
use icr_api::{InstallationClient, Request};

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: read }
}

fn raw(client: &InstallationClient<ReleaseNotes>) {
    let request = Request::post("/projects/{projectId}/issues").path("projectId", &3001);
    let _future = client.send::<needs::IssuesWrite>(request);
}

fn main() {}
