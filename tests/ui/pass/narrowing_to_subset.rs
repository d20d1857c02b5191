// A token narrowed to a smaller declaration; equal and lower levels are
// within a higher one.
use icr_api::grants::Declaration;
use icr_api::InstallationTokens;

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: write, metadata: read }
    pub ReadOnly { projects: read, issues: read }
    pub Nothing {}
}

fn narrow(installation: &InstallationTokens<ReleaseNotes>) {
    let read_only: InstallationTokens<ReadOnly> = installation.narrow();
    let _same: InstallationTokens<ReleaseNotes> = installation.narrow();
    let _nothing: InstallationTokens<Nothing> = read_only.narrow();
    assert_eq!(ReadOnly::grants().len(), 2);
}

fn main() {}
