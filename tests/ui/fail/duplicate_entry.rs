// `issues` is declared twice.
icr_api::permissions! {
    pub ReleaseNotes { issues: read, projects: write, issues: write }
}

fn main() {}
