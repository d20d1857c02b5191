// Hole 4: a permission trait implemented by hand, disagreeing with what the
// declaration states. The traits are blanket impls over the declaration's
// levels: a hand-written impl conflicts with them.
icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: read }
}

impl icr_api::permissions::IssuesWrite for ReleaseNotes {}

fn main() {}
