// A declaration may derive what it likes; the macro derives only the rest.
icr_api::permissions! {
    #[derive(Debug, Hash)]
    pub ReleaseNotes { projects: write }
}

fn main() {
    let shown = format!("{:?}", ReleaseNotes);
    assert_eq!(shown, "ReleaseNotes");
    assert_eq!(ReleaseNotes, ReleaseNotes::default());
}
