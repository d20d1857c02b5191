//! The compile-time half of permissions: code that calls what its app was
//! not granted must not compile, and the compiler must say what is missing
//! and where to add it. `tests/ui/README.md` explains the folders.

#[test]
fn permission_checks_compile_or_fail_with_their_messages() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
