//! Golden output of the generator: the code generated from
//! `icr-codegen/tests/fixtures/golden.yaml` is compared with the reviewed
//! snapshot `icr-codegen/tests/golden/golden.rs` (run with
//! `UPDATE_GOLDEN=1` to rewrite it after a deliberate change, then review
//! the diff). The snapshot is compiled here, and so is the same spec through
//! `generate_api!`, whose functions are then called over loopback.

use icr_api::{Client, ClientConfig, InstallationClient, SecretToken};
use icr_codegen::Document;
use serde_json::json;
use tests::{Answer, Recorder, workspace_root};

/// The reviewed snapshot, compiled.
#[allow(
    dead_code,
    unreachable_pub,
    reason = "compiled to prove the snapshot builds, inside a private test module"
)]
mod snapshot {
    include!("../../icr-codegen/tests/golden/golden.rs");
}

/// The same spec through the macro.
mod from_macro {
    icr_api::generate_api!(
        spec = "../icr-codegen/tests/fixtures/golden.yaml",
        at = crate::golden::from_macro,
    );
}

/// One tag of it: `notes`, and the models its operations use.
mod notes_only {
    icr_api::generate_api!(
        spec = "../icr-codegen/tests/fixtures/golden.yaml",
        at = crate::golden::notes_only,
        tags = ["notes"],
    );
}

/// Names that collide with what generated code uses itself
/// (`icr-codegen/tests/fixtures/names.yaml`): that it builds is most of
/// the test.
mod names {
    icr_api::generate_api!(
        spec = "../icr-codegen/tests/fixtures/names.yaml",
        at = crate::golden::names,
    );
}

const FIXTURE: &str = "icr-codegen/tests/fixtures/golden.yaml";
const SNAPSHOT: &str = "icr-codegen/tests/golden/golden.rs";

#[test]
fn the_generated_code_matches_the_reviewed_snapshot() {
    let doc = Document::read(&workspace_root().join(FIXTURE)).unwrap();
    let generated = icr_codegen::generate(&doc, &Default::default()).unwrap();
    let file: syn::File = syn::parse2(icr_codegen::format::inline(&generated.root)).unwrap();
    let text = format!(
        "{}{}",
        icr_codegen::format::header("UPDATE_GOLDEN=1 cargo test --workspace golden"),
        prettyplease::unparse(&file)
    );
    let path = workspace_root().join(SNAPSHOT);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let snapshot = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        snapshot == text,
        "{SNAPSHOT} differs from the generator's output; rerun with UPDATE_GOLDEN=1 and review the diff"
    );

    let summary = &generated.api.summary;
    assert_eq!(
        (
            summary.read,
            summary.marked,
            summary.installation,
            summary.app
        ),
        (8, 6, 6, 1)
    );
    assert_eq!(
        summary.skipped.values().flatten().collect::<Vec<_>>(),
        ["boards/getMe"]
    );
}

from_macro::permissions! {
    /// Notes and boards, through the macro's own catalog.
    Notes { notes: write, boards: admin }
}

notes_only::permissions! {
    /// Notes, through the one-tag bindings.
    NotesOnly { notes: write }
}

/// The one-tag bindings work as the whole do, for their tag; the other
/// tag's functions and the models only it uses are not generated
/// (`generate_api::tests::only_the_tags_asked_for_are_generated`).
#[tokio::test]
async fn bindings_of_one_tag_work_over_http() {
    let note = json!({"id": 1, "text": "buy milk", "kind": "check-list", "createdAt": "2026-11-24T10:00:00Z", "editedAt": null});
    let recorder = Recorder::start(vec![Answer::json(200, &note)]).await;
    let client = Client::new(ClientConfig::with_base_url(&recorder.base_url)).unwrap();
    let client: InstallationClient<NotesOnly> =
        InstallationClient::with_token_unchecked(client, SecretToken::new("t"));
    let read: notes_only::models::Note = notes_only::notes::get_note(&client, 7, 1).await.unwrap();
    assert_eq!(read.text, "buy milk");
    assert_eq!(recorder.single().method, "GET");
}

#[tokio::test]
async fn the_macro_generated_functions_work_over_http() {
    use from_macro::models::{Event, Kind, NoteInput};
    let note = json!({"id": 1, "text": "buy milk", "kind": "check-list", "createdAt": "2026-11-24T10:00:00Z",
        "editedAt": null, "parent": {"id": 0, "text": "root", "kind": "+1", "createdAt": "2026-11-24T09:00:00Z", "editedAt": null},
        "attributes": {"pinned": "yes"}});
    let recorder = Recorder::start(vec![
        Answer::json(201, &note),
        Answer::json(200, &json!([{"type": "created", "at": "2026-11-24T10:00:00Z", "note": note}, {"type": "deleted", "at": "2026-11-24T11:00:00Z"}])),
        Answer::raw(200, "text/csv", "id,text\n1,buy milk\n"),
        Answer::empty(202),
    ])
    .await;
    let client = Client::new(ClientConfig::with_base_url(&recorder.base_url)).unwrap();
    let client: InstallationClient<Notes> =
        InstallationClient::with_token_unchecked(client, SecretToken::new("t"));

    // Set by name: an optional member, a member sent as `null`, an
    // optional parameter.
    let input = NoteInput::new("buy milk")
        .kind(Kind::CheckList)
        .clear_color();
    assert_eq!(
        input,
        NoteInput {
            text: "buy milk".to_owned(),
            kind: Some(Kind::CheckList),
            color: Some(None),
            new: None,
        }
    );
    // `options` is the call's own method: the parameter of that name is
    // `options2`.
    let created = from_macro::notes::create_note(&client, 7, &input)
        .idempotency_key("k")
        .options2("o")
        .await
        .unwrap();
    assert_eq!(created.kind, Kind::CheckList);
    assert_eq!(
        created
            .parent
            .as_ref()
            .and_then(Option::as_ref)
            .map(|p| &p.kind),
        Some(&Kind::Plus1)
    );
    assert_eq!(
        created
            .attributes
            .as_ref()
            .and_then(|a| a.get("pinned"))
            .map(String::as_str),
        Some("yes")
    );

    let events = from_macro::boards::list_events(&client, 7).await.unwrap();
    assert!(matches!(&events[0], Event::Created(created) if created.note.text == "buy milk"));
    assert!(matches!(&events[1], Event::Deleted(_)));

    let csv = from_macro::boards::export_board(&client, 7).await.unwrap();
    assert_eq!(
        csv,
        from_macro::boards::ExportBoardResponse::OkCsv("id,text\n1,buy milk\n".to_owned())
    );
    let later = from_macro::boards::export_board(&client, 7).await.unwrap();
    assert_eq!(later, from_macro::boards::ExportBoardResponse::Accepted);

    let sent = &recorder.requests()[0];
    assert_eq!(sent.uri, "/boards/7/notes?options=o");
    assert_eq!(
        sent.json(),
        json!({"text": "buy milk", "kind": "check-list", "color": null})
    );
}

#[tokio::test]
async fn names_the_generated_code_uses_itself_are_left_to_it() {
    use names::models::Opts;
    names::permissions! { Things { things: write } }
    // The traits' methods stay the traits': no setter hides them.
    let opts = Opts {
        fmt: Some(None),
        ..Opts::default()
    };
    assert_eq!(opts.clone(), opts);

    let recorder = Recorder::start(vec![
        Answer::json(200, &json!(["a"])),
        Answer::json(200, &json!(null)),
        Answer::json(200, &json!("s")),
        Answer::empty(204),
    ])
    .await;
    let client = Client::new(ClientConfig::with_base_url(&recorder.base_url)).unwrap();
    let client: InstallationClient<Things> =
        InstallationClient::with_token_unchecked(client, SecretToken::new("t"));
    assert_eq!(names::things::vec(&client).q("1").await.unwrap(), ["a"]);
    assert_eq!(names::things::option(&client).q("2").await.unwrap(), None);
    assert_eq!(names::things::string(&client).q("3").await.unwrap(), "s");
    names::things::p(&client, &opts).q("4").await.unwrap();
    let uris: Vec<String> = recorder.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, ["/vec?q=1", "/option?q=2", "/string?q=3", "/p?q=4"]);
}
