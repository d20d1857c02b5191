//! The least-privilege report: the emulator records what each
//! installation's requests needed, and `grants::unused` tells which of a
//! declaration's grants they never needed.

use icr_api::grants::{Level, UnusedGrant, unused};
use tests::world::World;

icr_api::permissions! {
    /// What the app declares: more than it uses.
    Wide { projects: write, issues: write, contents: read }
}

icr_api::permissions! {
    /// Exactly what it uses.
    Tight { projects: read, issues: write }
}

#[tokio::test]
async fn a_declaration_wider_than_its_requests_is_reported_and_a_tight_one_is_not() {
    let granted = [
        ("projects", "write"),
        ("issues", "write"),
        ("contents", "read"),
    ];
    let world = World::new(&granted, &granted).await;
    let app = world.app();
    let wide = app.installation::<Wide>(world.installation);
    // The app's work: read a project, open an issue in it.
    icr_api::projects::get_project(&wide, world.project)
        .await
        .unwrap();
    icr_api::issues::create_issue(
        &wide,
        world.project,
        &icr_api::models::IssueCreate::new("Release 1.2"),
    )
    .await
    .unwrap();

    let used = world.emulator.permissions_used(world.installation);
    assert_eq!(
        used,
        [
            ("issues".to_owned(), "write".to_owned()),
            ("projects".to_owned(), "read".to_owned())
        ]
        .into()
    );
    assert_eq!(
        unused::<Wide>(&used),
        [
            UnusedGrant {
                permission: "projects",
                declared: Level::Write,
                used: Some(Level::Read),
            },
            UnusedGrant {
                permission: "contents",
                declared: Level::Read,
                used: None,
            },
        ]
    );
    assert_eq!(unused::<Tight>(&used), []);
    // Another installation's requests are its own.
    assert!(
        world
            .emulator
            .permissions_used(world.installation + 1000)
            .is_empty()
    );
}
