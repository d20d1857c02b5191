// Hole 4: a type that `permissions!` did not declare cannot be made a
// declaration, nor given a permission trait.
struct Mine;

impl icr_api::grants::Declaration for Mine {
    const NAME: &'static str = "Mine";
    fn grants() -> Vec<icr_api::grants::Grant> {
        vec![icr_api::grants::Grant::new("issues", icr_api::grants::Level::Write)]
    }
}

impl icr_api::permissions::IssuesWrite for Mine {}

fn main() {}
