// A webhook body whose signature nobody checked does not make a client: a
// forged `{"installation":{"id":…}}` would act in another organization.
use icr_api::App;

icr_api::permissions! {
    pub ReleaseNotes { issues: read }
}

fn from_forged_body(app: &App) {
    let forged = br#"{"installation":{"id":7002}}"#;
    let _client = app.installation_from_webhook::<ReleaseNotes>(forged);
}

fn main() {}
