//! The type is a capability, not a claim, at run time: every way to get an
//! `InstallationClient<P>` proves that its token holds `P` (or says
//! `unchecked`), narrowing ends with a token of exactly the narrower
//! declaration or fails, and a hand-made request states its needs and goes
//! the same way as a generated one. Request counts are read at the server.
//! The compile-time half is in `tests/ui` (`hole*` cases).

use icr_api::grants::{Grant, Level};
use icr_api::permissions::needs;
use icr_api::{App, Client, ClientConfig, Error, InstallationClient, Request, SecretToken};
use icr_emulator::{AppSettings, Emulator, KeyPair};
use serde_json::json;
use tests::{Answer, Recorder};

icr_api::permissions! {
    /// What the organization accepted.
    ReleaseNotes { projects: write, issues: read }
    /// Less than that.
    ReadProjects { projects: read }
}

struct World {
    emulator: Emulator,
    keys: KeyPair,
    app_id: i64,
    project: i64,
    installation: i64,
}

impl World {
    async fn new() -> Self {
        let emulator = Emulator::start().await.unwrap();
        let keys = KeyPair::generate().unwrap();
        let app_id = emulator
            .register_app(
                AppSettings::new("release-notes", keys.public_pem())
                    .permission("projects", "write")
                    .permission("issues", "read"),
            )
            .unwrap();
        let org = emulator.create_organization("best-organization");
        let project = emulator.create_project(org, "compiler").unwrap();
        let installation = emulator
            .install(app_id, org, &[("projects", "write"), ("issues", "read")])
            .unwrap();
        Self {
            emulator,
            keys,
            app_id,
            project,
            installation,
        }
    }

    fn app(&self) -> App {
        App::new(
            self.app_id,
            self.keys.private_pem(),
            ClientConfig::with_base_url(self.emulator.base_url()),
        )
        .unwrap()
    }

    fn client(&self) -> Client {
        Client::new(ClientConfig::with_base_url(self.emulator.base_url())).unwrap()
    }

    /// A token made elsewhere for `ReadProjects` only.
    async fn narrow_token(&self) -> SecretToken {
        let token = self
            .app_client()
            .installation::<ReadProjects>(self.installation)
            .create_token()
            .await
            .unwrap();
        token.details().token.clone()
    }

    fn app_client(&self) -> icr_api::AppClient {
        self.app().app_client().unwrap()
    }
}

#[tokio::test]
async fn a_token_from_elsewhere_is_checked_before_it_is_trusted() {
    let world = World::new().await;
    let token = world.narrow_token().await;
    let before = world.emulator.requests();

    let refused = InstallationClient::<ReleaseNotes>::from_token(world.client(), token.clone())
        .await
        .unwrap_err();
    let Error::PermissionsNotGranted {
        declaration,
        installation_id,
        missing,
        ..
    } = &refused
    else {
        panic!("expected PermissionsNotGranted, got {refused:?}");
    };
    assert_eq!(*declaration, "ReleaseNotes");
    assert_eq!(*installation_id, world.installation);
    assert_eq!(
        missing,
        &[
            Grant::new("projects", Level::Write),
            Grant::new("issues", Level::Read)
        ]
    );
    assert!(
        refused
            .to_string()
            .contains("`projects: write`, `issues: read`")
    );
    // One request, the description of the token; nothing else was sent.
    assert_eq!(world.emulator.requests() - before, 1);
    assert!(!format!("{refused:?} {refused}").contains(token.expose_secret()));

    // The same token is good for what it holds.
    let client = InstallationClient::<ReadProjects>::from_token(world.client(), token)
        .await
        .unwrap();
    let project = icr_api::projects::get_project(&client, world.project)
        .await
        .unwrap();
    assert_eq!(project.id, world.project);
    assert_eq!(world.emulator.requests() - before, 3);

    // A token the server does not know is refused, not trusted.
    let unknown = InstallationClient::<ReadProjects>::from_token(
        world.client(),
        SecretToken::new("icr_inst_made_up"),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.status(), Some(401), "{unknown:?}");
}

#[tokio::test]
async fn narrowing_a_fixed_token_fails_and_sends_nothing() {
    let world = World::new().await;
    let token = world
        .app_client()
        .installation::<ReleaseNotes>(world.installation)
        .create_token()
        .await
        .unwrap();
    let before = world.emulator.requests();
    let tokens_before = world.emulator.token_requests();
    let error = token.client().narrow::<ReadProjects>().unwrap_err();
    assert!(
        matches!(
            error,
            Error::CannotNarrow {
                from: "ReleaseNotes",
                to: "ReadProjects"
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("fixed token"), "{error}");
    assert_eq!(world.emulator.requests(), before);
    assert_eq!(world.emulator.token_requests(), tokens_before);
}

#[tokio::test]
async fn a_narrowed_client_holds_a_token_of_the_narrow_declaration_only() {
    let world = World::new().await;
    let broad = world.app().installation::<ReleaseNotes>(world.installation);
    let narrowed = broad.narrow::<ReadProjects>().unwrap();
    let info = narrowed.token_info().await.unwrap().unwrap();
    assert_eq!(
        info.permissions,
        [
            ("metadata".to_owned(), "read".to_owned()),
            ("projects".to_owned(), "read".to_owned())
        ]
        .into()
    );
    assert_eq!(world.emulator.token_requests(), 1);

    // Even a request that lies about what it needs cannot write with it:
    // the token itself holds `projects: read` only.
    let update = Request::patch("/projects/{projectId}")
        .path("projectId", &world.project)
        .json(&json!({"shortDescription": "written through a narrowed client"}));
    let refused = narrowed
        .send::<needs::ProjectsRead>(update)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused:?}");
    let project = icr_api::projects::get_project(&broad, world.project)
        .await
        .unwrap();
    assert_ne!(
        project.short_description.as_deref(),
        Some("written through a narrowed client")
    );
}

#[tokio::test]
async fn narrowing_asks_the_server_for_exactly_the_narrow_set() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![
        Answer::json(
            201,
            &json!({
                "token": "icr_inst_narrow", "expiresAt": "2099-01-01T00:00:00Z",
                "permissions": {"metadata": "read", "projects": "read"},
                "organization": {"id": 1, "login": "o", "avatarUrl": "https://icr.example/a.png"},
                "projectSelection": "all",
            }),
        ),
        Answer::json(200, &json!({"message": "Keep it logically awesome."})),
    ])
    .await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap();
    let narrowed = app
        .installation::<ReleaseNotes>(42)
        .narrow::<ReadProjects>()
        .unwrap();
    let _ = icr_api::projects::get_project(&narrowed, 3001).await;
    let requests = recorder.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].uri, "/app/installations/42/accessTokens");
    assert_eq!(
        requests[0].json(),
        json!({"permissions": {"projects": "read"}})
    );
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer icr_inst_narrow")
    );
}

#[tokio::test]
async fn a_hand_made_request_states_its_needs_and_goes_the_generated_way() {
    let world = World::new().await;
    let client = world.app().installation::<ReleaseNotes>(world.installation);
    let before = world.emulator.requests();
    let project: serde_json::Value = client
        .send::<needs::ProjectsRead>(
            Request::get("/projects/{projectId}").path("projectId", &world.project),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(project["id"], world.project);
    // One token request, one request.
    assert_eq!(world.emulator.requests() - before, 2);
    assert_eq!(world.emulator.token_requests(), 1);
}
