// Hole 2: narrowing a client with a fixed token handed the broad token on
// under the narrow type. Narrowing now answers a `Result`: a client with a
// fixed token cannot make a new token, so it fails (`Error::CannotNarrow`)
// rather than keep the broad one.
use icr_api::InstallationClient;

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: write }
    pub ReadOnly { projects: read }
}

fn narrow(client: &InstallationClient<ReleaseNotes>) -> InstallationClient<ReadOnly> {
    client.narrow::<ReadOnly>()
}

fn main() {}
