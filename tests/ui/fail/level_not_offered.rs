// `admin` is a level, but not one of `issues`.
icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: admin }
}

fn main() {}
