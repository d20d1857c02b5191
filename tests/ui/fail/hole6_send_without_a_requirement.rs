// Hole 6: a request that states nothing is not sent.
use icr_api::{InstallationClient, Request};

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: read }
}

fn raw(client: &InstallationClient<ReleaseNotes>) {
    let request = Request::post("/projects/{projectId}/issues").path("projectId", &3001);
    let _future = client.send(request);
}

fn main() {}
