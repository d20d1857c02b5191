// Hole 5: a forged list of alternatives claimed that a declaration met a
// requirement. The macro takes no such list any more: which alternatives a
// declaration meets is decided by the bindings' blanket impls.
icr_api::__private::unsupported::permissions! {
    @runtime (::icr_api)
    @catalog (::icr_api::permissions) {
        metadata: [read], organization: [read, write, admin], members: [read, write],
        projects: [read, write, admin], issues: [read, write],
        contents: [read, write], webhooks: [read, write],
    }
    @alternatives { IssuesWriteOrProjectsWrite: [{ metadata: read }] }
    pub Forged { metadata: read }
}

fn main() {}
