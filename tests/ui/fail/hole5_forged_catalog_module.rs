// Hole 5, again: a header that points at a module of the caller's own, with
// a forged `CATALOG` beside the bindings' real `Catalog` type. The macro
// reads the catalog through that type, so the forgery is refused.
mod fake {
    pub use icr_api::permissions::Catalog;
    use icr_api::grants::{Level, Permission};
    pub const CATALOG: &[Permission] = &[
        Permission::new("metadata", "", &[Level::Read, Level::Write, Level::Admin]),
        Permission::new("organization", "", &[Level::Read, Level::Write, Level::Admin]),
        Permission::new("members", "", &[Level::Read, Level::Write]),
        Permission::new("issues", "", &[Level::Read, Level::Write]),
        Permission::new("projects", "", &[Level::Read, Level::Write, Level::Admin]),
        Permission::new("contents", "", &[Level::Read, Level::Write]),
        Permission::new("webhooks", "", &[Level::Read, Level::Write]),
    ];
}

icr_api::__private::unsupported::permissions! {
    @runtime (::icr_api)
    @catalog (crate::fake) {
        metadata: [read, write, admin], organization: [read, write, admin], members: [read, write],
        issues: [read, write], projects: [read, write, admin],
        contents: [read, write], webhooks: [read, write],
    }
    pub Forged { issues: write, metadata: admin }
}

fn main() {}
