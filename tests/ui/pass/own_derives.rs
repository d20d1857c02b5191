// A declaration may derive what it likes, by any path or under `cfg_attr`;
// the macro derives only the rest. A declaration compiled out is compiled
// out whole, and a raw identifier names it without its `r#`.
use icr_api::grants::Declaration;

icr_api::permissions! {
    #[derive(Debug, Hash)]
    pub ReleaseNotes { projects: write }
    #[cfg_attr(all(), derive(Debug))]
    pub Conditional { issues: read }
    #[::core::prelude::v1::derive(PartialEq)]
    pub FullPath { issues: read }
    #[cfg(any())]
    pub CompiledOut { issues: write }
    pub r#type { issues: read }
}

fn main() {
    let shown = format!("{:?}", ReleaseNotes);
    assert_eq!(shown, "ReleaseNotes");
    assert_eq!(ReleaseNotes, ReleaseNotes::default());
    assert_eq!(format!("{:?}", Conditional), "Conditional");
    assert_eq!(FullPath, FullPath);
    assert_eq!(<r#type as Declaration>::NAME, "type");
}
