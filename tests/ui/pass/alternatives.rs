// Listing labels needs `issues: read` or `projects: read`: either declaration
// meets it, and so does one holding both or a higher level.
use icr_api::InstallationClient;

icr_api::permissions! {
    pub ByIssues { issues: read }
    pub ByProjects { projects: read }
    pub ByBoth { issues: write, projects: admin }
}

fn labels_by_issues(client: &InstallationClient<ByIssues>) {
    let _future = icr_api::labels::list_project_labels(client, 3001);
}

fn labels_by_projects(client: &InstallationClient<ByProjects>) {
    let _future = icr_api::labels::list_project_labels(client, 3001);
}

fn labels_by_both(client: &InstallationClient<ByBoth>) {
    let _future = icr_api::labels::list_project_labels(client, 3001);
    let label = icr_api::models::LabelCreate::new("release", "00ff00");
    let _create = icr_api::labels::create_label(client, 3001, &label);
}

fn main() {}
