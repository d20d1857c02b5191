// A token narrowed from `ReleaseNotes` cannot ask for `issues: write`.
use icr_api::Installation;

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: read }
    pub Triage { issues: write }
}

fn narrow(installation: &Installation<ReleaseNotes>) -> Installation<Triage> {
    installation.narrow::<Triage>()
}

fn main() {}
