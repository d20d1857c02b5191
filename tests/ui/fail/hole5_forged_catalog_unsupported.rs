// Hole 5, through the path that says it is unsupported: handed a catalog
// that is not its bindings' own (here the order of two permissions is
// swapped, which would move a level onto another permission), it refuses
// to compile.
icr_api::__private::unsupported::permissions! {
    @runtime (::icr_api)
    @catalog (::icr_api::permissions) {
        metadata: [read], organization: [read, write, admin], members: [read, write],
        issues: [read, write], projects: [read, write, admin],
        contents: [read, write], webhooks: [read, write],
    }
    pub Forged { issues: write }
}

fn main() {}
