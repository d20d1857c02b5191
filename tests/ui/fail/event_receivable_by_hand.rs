// Claiming by hand that a declaration may receive an event it was not
// granted does not compile: the generated impl covers every declaration.
use icr_api::webhooks::Handlers;

icr_api::permissions! {
    pub ReleaseNotes { projects: write }
}

impl icr_api::webhooks::Receivable<ReleaseNotes> for icr_api::events::Issues {}

#[derive(Clone, Copy)]
struct MyIssues;
impl icr_api::webhooks::EventKind for MyIssues {
    const NAME: &'static str = "issues";
    type Payload = icr_api::JsonValue;
}

fn main() {
    let _handlers = Handlers::<ReleaseNotes>::new().on(icr_api::events::Issues, |event, client| async move {
        let _ = (event, client);
        Ok(())
    });
}
