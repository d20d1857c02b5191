// Hole 3: `Within` implemented by hand made `narrow` go up. `Within` is a
// blanket impl that compares the two declarations; another impl conflicts.
icr_api::permissions! {
    pub Small { projects: read }
    pub Big { projects: write, issues: write }
}

impl icr_api::grants::Within<Small> for Big {}

fn main() {}
