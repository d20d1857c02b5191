// Listing a project's labels needs `issues: read` or `projects: read`; the
// app holds neither.
use icr_api::InstallationClient;

icr_api::permissions! {
    pub Greeter { members: read }
}

fn labels(client: &InstallationClient<Greeter>) {
    let _future = icr_api::labels::list_project_labels(client, 3001);
}

fn main() {}
