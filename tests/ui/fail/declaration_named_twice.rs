// Two declarations of one name in one call: one error, at the second name.
icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: read }
    pub ReleaseNotes { issues: write }
}

fn main() {
    let _ = ReleaseNotes;
}
