//! What must compile and what must not, checked by compiling it
//! (trybuild, in one run):
//!
//! - the compile-time half of permissions: code that calls what its app
//!   was not granted must not compile, and the compiler must say what is
//!   missing and where to add it (`tests/ui/README.md` explains the
//!   folders);
//! - every Rust example of the READMEs (the repository's and the published
//!   crates'): each compiles as the reader sees it, in the context its prose
//!   gives (an `app_id`, an `installation`, …), and the one that must not
//!   compile is the UI case it shows, with the compiler's words.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The READMEs whose examples are compiled.
const READMES: [&str; 3] = ["README.md", "icr-api/README.md", "icr-emulator/README.md"];

#[test]
fn permission_checks_and_readme_examples_compile_or_fail_with_their_messages() {
    let examples = readme_examples();
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
    for example in &examples {
        cases.pass(example);
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// A README's fenced code blocks: (info string, first line number, text).
fn blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), index + 2, String::new())),
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some((_, _, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a code block is not closed");
    blocks
}

/// Writes each README's Rust examples as programs for trybuild to compile,
/// and checks the one that must not compile against its UI case; returns
/// the programs' paths.
fn readme_examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-examples");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // `A spec of your own` names a spec beside the crate's `Cargo.toml`:
    // trybuild's project, here.
    let project = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("tests/trybuild/tests");
    std::fs::create_dir_all(project.join("specs")).unwrap();
    std::fs::copy(
        workspace().join("spec/icr.openapi.yaml"),
        project.join("specs/icr-next.yaml"),
    )
    .unwrap();

    let mut programs = Vec::new();
    let mut rust_blocks = 0;
    for readme in READMES {
        let text = std::fs::read_to_string(workspace().join(readme)).unwrap();
        let blocks = blocks(&text);
        for (index, (info, line, body)) in blocks.iter().enumerate() {
            let mut kinds = info.split(',');
            if kinds.next() != Some("rust") {
                continue;
            }
            rust_blocks += 1;
            let kinds: Vec<&str> = kinds.collect();
            assert!(
                kinds.iter().all(|k| *k == "compile_fail"),
                "{readme}:{line}: `{info}`: every Rust example compiles (or is a UI case that must not)"
            );
            if kinds.contains(&"compile_fail") {
                // The UI case itself, and what the compiler says of it.
                let case = workspace().join("tests/ui/fail/missing_write.rs");
                assert_eq!(
                    body,
                    &std::fs::read_to_string(&case).unwrap(),
                    "{readme}:{line} shows {} as it is",
                    case.display()
                );
                let said = &blocks.get(index + 1).expect("the compiler's words").2;
                assert_eq!(
                    said,
                    &std::fs::read_to_string(case.with_extension("stderr")).unwrap(),
                    "{readme}: the compiler's words after line {line} are the UI case's"
                );
                continue;
            }
            let name = readme.replace(['/', '.', '-'], "_").to_lowercase();
            let path = dir.join(format!("{name}_{line}.rs"));
            std::fs::write(&path, program(readme, *line, body)).unwrap();
            programs.push(path);
        }
    }
    assert!(rust_blocks >= 10, "only {rust_blocks} Rust examples found");
    programs
}

/// An example as a program: a block of items as the module, a block of
/// statements as the body of an async function whose parameters are what
/// the README's prose introduces.
fn program(readme: &str, line: usize, body: &str) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "// {readme}, line {line}, as `tests/integration/ui.rs` compiles it.\n\
         #![allow(unused, clippy::all)]\n"
    )
    .unwrap();
    if syn::parse_file(body).is_ok() {
        out.push_str(body);
        out.push_str("\nfn main() {}\n");
        return out;
    }
    out.push_str(
        "icr_api::permissions! {\n    \
             pub ReleaseNotes { projects: write, issues: read }\n    \
             pub Triage { issues: write }\n\
         }\n\n\
         #[allow(clippy::too_many_arguments)]\n\
         async fn example(\n    \
             app_id: i64,\n    \
             organization_id: i64,\n    \
             project_id: i64,\n    \
             pem: String,\n    \
             private_key_pem: String,\n    \
             config: icr_api::ClientConfig,\n    \
             app: icr_api::App,\n    \
             installation: icr_api::InstallationClient<ReleaseNotes>,\n    \
             client: icr_api::InstallationClient<Triage>,\n    \
             emulator: icr_emulator::Emulator,\n    \
             installation_id: i64,\n    \
             project: i64,\n    \
             body: icr_api::models::IssueCreate,\n    \
             secret: String,\n    \
             listener: tokio::net::TcpListener,\n\
         ) -> Result<(), Box<dyn std::error::Error>> {\n",
    );
    out.push_str(body);
    out.push_str("    Ok(())\n}\n\nfn main() {}\n");
    out
}
