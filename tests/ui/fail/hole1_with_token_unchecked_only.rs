// Hole 1: `with_token` typed any token as any declaration, with no check.
// It is gone: a token obtained elsewhere is checked (`from_token`, async,
// fallible) or taken on the caller's word under a name that says so
// (`with_token_unchecked`).
use icr_api::{Client, ClientConfig, InstallationClient, SecretToken};

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: write }
}

fn main() {
    let client = Client::new(ClientConfig::default()).unwrap();
    let _typed: InstallationClient<ReleaseNotes> =
        InstallationClient::with_token(client, SecretToken::new("icr_inst_token"));
}
