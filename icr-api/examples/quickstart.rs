//! Authenticate as an installation of an ICR App and act on its behalf.
//!
//! `cargo run --example quickstart` needs no configuration: it starts the
//! emulator in this process, generates a key pair, registers an app,
//! installs it on an organization, then goes through the flow. With
//! `ICR_API_URL`, `ICR_APP_ID`, `ICR_APP_PRIVATE_KEY_PATH` and
//! `ICR_ORGANIZATION` set, it does the same against that server (the
//! organization needs a project the app may update).

use icr_api::models::ProjectUpdate;
use icr_api::{App, ClientConfig};
use icr_emulator::{AppSettings, Emulator, KeyPair};

icr_api::permissions! {
    /// What the quickstart app needs: to read and update projects.
    pub Quickstart { projects: write }
}

/// Where to run: a server of one's own, or the emulator started here.
struct Target {
    app: App,
    organization: i64,
    /// Keeps the emulator running while the quickstart does.
    _emulator: Option<Emulator>,
}

async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    let vars = [
        "ICR_API_URL",
        "ICR_APP_ID",
        "ICR_APP_PRIVATE_KEY_PATH",
        "ICR_ORGANIZATION",
    ]
    .map(std::env::var);
    if let [Ok(url), Ok(app_id), Ok(key_path), Ok(organization)] = vars {
        println!("Using the ICR server at {url}");
        let app = App::from_key_file(app_id.parse()?, key_path, ClientConfig::with_base_url(url))?;
        return Ok(Target {
            app,
            organization: organization.parse()?,
            _emulator: None,
        });
    }
    let emulator = Emulator::start().await?;
    println!("Started the ICR emulator at {}", emulator.base_url());
    let keys = KeyPair::generate()?;
    let app_id = emulator.register_app(
        AppSettings::new("quickstart", keys.public_pem())
            .name("Quickstart")
            .permission("projects", "write")
            .permission("issues", "read"),
    )?;
    let organization = emulator.create_organization("best-organization");
    emulator.create_project(organization, "compiler")?;
    emulator.install(
        app_id,
        organization,
        &[("projects", "write"), ("issues", "read")],
    )?;
    println!(
        "Registered app {app_id} with a new RSA key pair, installed on organization {organization}"
    );
    let app = App::new(
        app_id,
        keys.private_pem(),
        ClientConfig::with_base_url(emulator.base_url()),
    )?;
    Ok(Target {
        app,
        organization,
        _emulator: Some(emulator),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Bound whole: the emulator, if any, must live until the end.
    let target = target().await?;
    let (app, organization) = (&target.app, target.organization);

    // 1. A JWT for the app, signed with its private key (never printed).
    app.jwt()?;
    println!(
        "1. Signed a JWT for app {} (RS256, valid nine minutes)",
        app.id()
    );

    // 2. The installation on the organization.
    let installation_id = app.installation_id_for_organization(organization).await?;
    println!("2. Found installation {installation_id} on organization {organization}");

    // 3. An installation access token for what the app declares.
    let installation = app.installation::<Quickstart>(installation_id);
    if let Some(token) = installation.token_info().await? {
        let permissions: Vec<String> = token
            .permissions
            .iter()
            .map(|(name, level)| format!("{name}: {level}"))
            .collect();
        println!(
            "3. Created an installation access token, expiring at {}, with {}",
            token.expires_at,
            permissions.join(", ")
        );
    }

    // 4. Requests as the installation.
    let projects =
        icr_api::projects::list_organization_projects(&installation, organization).await?;
    println!("4. The organization's projects:");
    for project in &projects {
        println!("   - {} ({})", project.full_name, project.id);
    }
    let Some(project) = projects.first() else {
        println!("   The organization has no project to update.");
        return Ok(());
    };
    let update = ProjectUpdate::default().short_description("Updated by the quickstart app.");
    let updated = icr_api::projects::update_project(&installation, project.id, &update).await?;
    println!(
        "   Set the shortDescription of {} to {:?}",
        updated.full_name,
        updated.short_description.as_deref().unwrap_or_default()
    );
    let timeline = icr_api::timeline::list_project_timeline(&installation, project.id).await?;
    if let Some(icr_api::models::TimelineEvent::ProjectEdited(event)) = timeline.first() {
        let via = event
            .performed_via_app
            .as_ref()
            .map_or("no app".to_owned(), |app| format!("the app `{}`", app.slug));
        println!(
            "   The project's timeline shows: {} edited {:?} via {via}",
            event.actor.login,
            event.changes.keys().collect::<Vec<_>>()
        );
    }
    Ok(())
}
