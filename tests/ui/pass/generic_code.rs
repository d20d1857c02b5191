// Generic code states its needs as bounds and takes any declaration that
// meets them; a bound on a level includes the levels below it.
use icr_api::InstallationClient;
use icr_api::permissions::{IssuesReadOrProjectsRead, IssuesWrite, ProjectsRead};

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: write }
    pub Triage { issues: write, members: read }
}

async fn triage<P: IssuesWrite>(client: &InstallationClient<P>) -> icr_api::Result<usize> {
    // `IssuesWrite` implies `IssuesRead`.
    let open = icr_api::issues::list_project_issues(client, 3001).await?;
    let update = icr_api::models::IssueUpdate::default().state(icr_api::models::IssueState::Closed);
    icr_api::issues::update_issue(client, 3001, 7, &update).await?;
    Ok(open.len())
}

async fn describe<P: ProjectsRead + IssuesReadOrProjectsRead>(
    client: &InstallationClient<P>,
) -> icr_api::Result<String> {
    let project = icr_api::projects::get_project(client, 3001).await?;
    let labels = icr_api::labels::list_project_labels(client, 3001).await?;
    Ok(format!("{} has {} labels", project.full_name, labels.len()))
}

fn callers(release_notes: &InstallationClient<ReleaseNotes>, triager: &InstallationClient<Triage>) {
    let _a = triage(release_notes);
    let _b = triage(triager);
    let _c = describe(release_notes);
}

fn main() {}
