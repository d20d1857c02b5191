// `issues: write` lets the app read issues too, and `projects: admin` gives
// every lower level of `projects`.
use icr_api::InstallationClient;

icr_api::permissions! {
    pub Triage { issues: write, projects: admin }
}

fn calls(client: &InstallationClient<Triage>) {
    let _list = icr_api::issues::list_project_issues(client, 3001);
    let _get = icr_api::issues::get_issue(client, 3001, 7);
    let _project = icr_api::projects::get_project(client, 3001);
    let update = icr_api::models::ProjectUpdate::default().short_description("Release notes");
    let _update = icr_api::projects::update_project(client, 3001, &update);
}

fn main() {}
