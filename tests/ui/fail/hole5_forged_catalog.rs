// Hole 5: the proc macro behind `permissions!` was reachable as
// `icr_api::__private::permissions!` and took any catalog. It is reached
// only under `__private::unsupported` now (and refuses a forged catalog
// there: `hole5_forged_catalog_unsupported.rs`).
icr_api::__private::permissions! {
    @runtime (::icr_api)
    @catalog (::icr_api::permissions) {
        metadata: [read], organization: [read, write, admin], members: [read, write],
        issues: [read, write], projects: [read, write, admin],
        contents: [read, write], webhooks: [read, write],
    }
    pub Forged { issues: write }
}

fn main() {}
