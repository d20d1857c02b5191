// `rw` is no level at all.
icr_api::permissions! {
    pub ReleaseNotes { projects: rw, issues: read }
}

fn main() {}
