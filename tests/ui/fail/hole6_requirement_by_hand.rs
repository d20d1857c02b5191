// Hole 6, again: a requirement written by hand (here for a pair of the
// user's own types) would state nothing and send anything. `Requirement` is
// sealed over the declaration: an impl by hand does not compile.
use icr_api::grants::{And, Requirement};
use icr_api::{InstallationClient, Request};

icr_api::permissions! {
    pub Nothing {}
}

pub enum Mine {}

impl Requirement<Nothing> for And<Mine, Mine> {}

fn raw(client: &InstallationClient<Nothing>) {
    let request = Request::delete("/projects/{projectId}").path("projectId", &3001);
    let _future = client.send::<And<Mine, Mine>>(request);
}

fn main() {}
