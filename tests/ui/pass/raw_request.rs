// An endpoint the bindings lack, called with the permissions it needs
// stated, alone or joined.
use icr_api::grants::And;
use icr_api::permissions::needs;
use icr_api::{InstallationClient, Request};

icr_api::permissions! {
    pub Archiver { projects: admin, issues: read }
}

fn raw(client: &InstallationClient<Archiver>) {
    let archive = Request::post("/projects/{projectId}/archive").path("projectId", &3001);
    let _a = client.send::<needs::ProjectsAdmin>(archive);
    let both = Request::get("/projects/{projectId}/digest").path("projectId", &3001);
    let _b = client.send::<And<needs::ProjectsRead, needs::IssuesRead>>(both);
    let either = Request::get("/projects/{projectId}/labels").path("projectId", &3001);
    let _c = client.send::<needs::IssuesReadOrProjectsRead>(either);
}

fn main() {}
