// A `VerifiedDelivery` comes only from `webhooks::verify`: its fields are
// private, so a forged body cannot be dressed up as a checked one.
use icr_api::App;

icr_api::permissions! {
    pub ReleaseNotes { issues: read }
}

fn from_a_delivery_made_by_hand(app: &App) {
    let delivery = icr_api::webhooks::VerifiedDelivery {
        event: "issues".to_owned(),
        id: "d-1".to_owned(),
        body: icr_api::Bytes::from_static(b"{}"),
    };
    let _client = app.installation_from_webhook::<ReleaseNotes>(&delivery);
}

fn main() {}
