// A token narrowed from `ReleaseNotes` cannot ask for `issues: write`.
use icr_api::InstallationTokens;

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: read }
    pub Triage { issues: write }
}

fn narrow(installation: &InstallationTokens<ReleaseNotes>) -> InstallationTokens<Triage> {
    installation.narrow::<Triage>()
}

fn main() {}
