// Handlers for the events a declaration holds compile; `installation` and
// `ping` events need `metadata: read`, which every installation holds and
// a declaration may name or leave implied (`always_held.rs`).
use icr_api::webhooks::Handlers;

icr_api::permissions! {
    pub ReleaseNotes { projects: write, issues: read, metadata: read }
}

fn main() {
    let handlers = Handlers::<ReleaseNotes>::new()
        .on(icr_api::events::Issues, |event, _client| async move {
            let _number: i64 = event.issue.number;
            Ok(())
        })
        .on(icr_api::events::Project, |_event, _client| async move { Ok(()) })
        .on(icr_api::events::Ping, |_event, _client| async move { Ok(()) })
        .on(icr_api::events::Installation, |_event, _client| async move { Ok(()) });
    assert!(handlers.handles("ping"));
}
