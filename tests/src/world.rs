//! [`World`]: an emulator with one app, installed on one organization that
//! has one project — what most end-to-end tests start from.

use icr_api::{App, ClientConfig};
use icr_emulator::{AppSettings, Emulator, KeyPair};

/// An emulator with one app installed on one organization with a project.
pub struct World {
    /// The server.
    pub emulator: Emulator,
    /// The app's key pair.
    pub keys: KeyPair,
    /// The app.
    pub app_id: i64,
    /// The organization, `best-organization`.
    pub org: i64,
    /// Its project, `compiler`.
    pub project: i64,
    /// The app's installation on the organization.
    pub installation: i64,
}

impl World {
    /// An app `release-notes` granted `granted`, installed with `accepted`
    /// (what the organization accepted of it).
    ///
    /// # Panics
    /// When the emulator refuses the set-up: the test cannot run.
    pub async fn new(granted: &[(&str, &str)], accepted: &[(&str, &str)]) -> Self {
        let emulator = Emulator::start().await.expect("the emulator starts");
        let keys = KeyPair::generate().expect("a key pair");
        let mut settings =
            AppSettings::new("release-notes", keys.public_pem()).name("Release Notes");
        for (permission, level) in granted {
            settings = settings.permission(permission, level);
        }
        let app_id = emulator.register_app(settings).expect("the app registers");
        let org = emulator.create_organization("best-organization");
        let project = emulator
            .create_project(org, "compiler")
            .expect("the project is created");
        let installation = emulator
            .install(app_id, org, accepted)
            .expect("the app installs");
        Self {
            emulator,
            keys,
            app_id,
            org,
            project,
            installation,
        }
    }

    /// The app, talking to the emulator.
    ///
    /// # Panics
    /// When the key is refused: it was generated for this world.
    pub fn app(&self) -> App {
        App::new(
            self.app_id,
            self.keys.private_pem(),
            ClientConfig::with_base_url(self.emulator.base_url()),
        )
        .expect("the app's key works")
    }
}
