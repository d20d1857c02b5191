// In generic code the missing permission is a missing bound.
use icr_api::InstallationClient;
use icr_api::permissions::IssuesRead;

async fn close<P: IssuesRead>(client: &InstallationClient<P>) {
    let update = icr_api::models::IssueUpdate::default();
    let _ = icr_api::issues::update_issue(client, 3001, 7, &update).await;
}

fn main() {}
