// Hole 5 again: a forged header that marks `issues` as held by every
// installation would grant it to every declaration. The catalog check
// compares that flag too, so it refuses to compile (the use below would
// compile otherwise: only the check stands in the way).
icr_api::__private::unsupported::permissions! {
    @runtime (::icr_api)
    @catalog (::icr_api::permissions) {
        metadata: [read] always_held, organization: [read, write, admin], members: [read, write],
        issues: [read, write] always_held, projects: [read, write, admin],
        contents: [read, write], webhooks: [read, write],
    }
    pub Forged { projects: read }
}

fn needs_issues<P: icr_api::permissions::IssuesRead>() {}

fn main() {
    needs_issues::<Forged>();
}
