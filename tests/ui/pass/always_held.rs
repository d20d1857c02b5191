// `metadata: read` is marked `alwaysHeld` in the catalog: every
// installation holds it, so a declaration implies it without naming it.
// Its functions and events compile for a declaration that leaves it out,
// and the declaration's grants include it.
use icr_api::grants::{Declaration, Grant, Level};
use icr_api::webhooks::Handlers;

icr_api::permissions! {
    pub Triage { issues: write }
}

fn needs_metadata<P: icr_api::permissions::MetadataRead>() {}

fn main() {
    needs_metadata::<Triage>();
    let handlers = Handlers::<Triage>::new()
        .on(icr_api::events::Installation, |_event, _client| async move { Ok(()) })
        .on(icr_api::events::Ping, |_event, _client| async move { Ok(()) });
    assert!(handlers.handles("installation"));
    let grants = <Triage as Declaration>::grants();
    assert!(grants.contains(&Grant::new("metadata", Level::Read)), "{grants:?}");
    assert!(grants.contains(&Grant::new("issues", Level::Write)), "{grants:?}");
}
