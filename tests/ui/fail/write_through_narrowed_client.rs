// A client narrowed to `ReadOnly` cannot be used for a write, whatever the
// client it came from could do.
use icr_api::InstallationClient;

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: write }
    pub ReadOnly { projects: read, issues: read }
}

fn write(client: &InstallationClient<ReleaseNotes>) -> icr_api::Result<()> {
    let narrowed = client.narrow::<ReadOnly>()?;
    let body = icr_api::models::IssueCreate::new("Release 1.2");
    let _future = icr_api::issues::create_issue(&narrowed, 3001, &body);
    Ok(())
}

fn main() {}
