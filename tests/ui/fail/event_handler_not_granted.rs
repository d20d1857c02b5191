// A handler for an event the app is not sent does not compile: `issues`
// events need `issues: read`.
use icr_api::webhooks::Handlers;

icr_api::permissions! {
    pub ReleaseNotes { projects: write }
}

fn main() {
    let _handlers = Handlers::<ReleaseNotes>::new().on(icr_api::events::Issues, |event, client| async move {
        let _ = (event, client);
        Ok(())
    });
}
