// `project` is not a permission; `projects` is.
icr_api::permissions! {
    pub ReleaseNotes { project: write, issues: read }
}

fn main() {}
