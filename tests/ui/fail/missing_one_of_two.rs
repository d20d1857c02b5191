// Transferring an issue needs `issues: write` and `projects: read`; only the
// first is granted.
use icr_api::InstallationClient;

icr_api::permissions! {
    pub Triage { issues: write }
}

fn transfer(client: &InstallationClient<Triage>) {
    let body = icr_api::models::IssueTransfer { target_project_id: 3002 };
    let _future = icr_api::issues::transfer_issue(client, 3001, 7, &body);
}

fn main() {}
