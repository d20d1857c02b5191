//! Pagination against the emulator: every item of a list as a lazy stream,
//! single pages with cursors, and the emulator's `Link` headers read with
//! a real RFC 8288 parser; each with the requests counted at the server.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use icr_api::issues::{self, ListProjectIssuesOptions};
use icr_api::permissions::needs;
use icr_api::{App, ClientConfig, Cursor, Error, InstallationClient, Request, RetryPolicy};
use icr_emulator::Fault;
use tests::Recorded;
use tests::world::World;
use tests::{Answer, Recorder};

icr_api::permissions! {
    /// Files and reads issues.
    Tracker { issues: write, projects: read }
}

const GRANTS: &[(&str, &str)] = &[("issues", "write"), ("projects", "read")];
const LIST: &str = "issues/listProjectIssues";

fn client(world: &World) -> InstallationClient<Tracker> {
    let config = ClientConfig::with_base_url(world.emulator.base_url())
        .retry(RetryPolicy::default().delays(Duration::from_millis(10), Duration::from_millis(50)));
    App::new(world.app_id, world.keys.private_pem(), config)
        .unwrap()
        .installation(world.installation)
}

/// A world whose project holds `count` issues; their numbers, oldest first.
async fn world_with_issues(count: usize) -> (World, InstallationClient<Tracker>, Vec<i64>) {
    let world = World::new(GRANTS, GRANTS).await;
    let client = client(&world);
    let mut numbers = Vec::new();
    for chunk in (0..count).collect::<Vec<_>>().chunks(8) {
        let made = futures_util::future::try_join_all(chunk.iter().map(|i| {
            let body = icr_api::models::IssueCreate::new(format!("Issue {i}"));
            let client = client.clone();
            let project = world.project;
            async move { issues::create_issue(&client, project, &body).await }
        }))
        .await
        .unwrap();
        numbers.extend(made.iter().map(|issue| issue.number));
    }
    numbers.sort_unstable();
    (world, client, numbers)
}

/// Newest first: the list's default order.
fn newest_first(numbers: &[i64]) -> Vec<i64> {
    numbers.iter().rev().copied().collect()
}

#[tokio::test]
async fn a_stream_reads_every_item_in_order_with_one_request_per_page() {
    let (world, client, numbers) = world_with_issues(1000).await;
    let before = world.emulator.requests_to(LIST);
    let read: Vec<i64> = issues::list_project_issues(&client, world.project)
        .pages()
        .map_ok(|issue| issue.number)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(read, newest_first(&numbers));
    // ⌈1000 / 100⌉: the largest page the spec allows, asked for unasked.
    assert_eq!(world.emulator.requests_to(LIST) - before, 10);

    // `take` reads only the pages it needs.
    let before = world.emulator.requests_to(LIST);
    let first: Vec<_> = issues::list_project_issues(&client, world.project)
        .pages()
        .take(150)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(first.len(), 150);
    assert_eq!(world.emulator.requests_to(LIST) - before, 2);

    // A page size the caller chose is kept.
    let before = world.emulator.requests_to(LIST);
    let options = ListProjectIssuesOptions {
        per_page: Some(40),
        ..Default::default()
    };
    let some: Vec<_> = issues::list_project_issues(&client, world.project)
        .options(options)
        .pages()
        .take(80)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(some.len(), 80);
    assert_eq!(world.emulator.requests_to(LIST) - before, 2);
}

#[tokio::test]
async fn a_page_retried_after_a_503_yields_every_item_once() {
    let (world, client, numbers) = world_with_issues(250).await;
    let before = world.emulator.requests_to(LIST);
    let mut pages = issues::list_project_issues(&client, world.project).pages();
    let mut read = Vec::new();
    for _ in 0..100 {
        read.push(pages.next().await.unwrap().unwrap().number);
    }
    // The second page is answered 503 once, then served.
    world.emulator.script(LIST, [Fault::status(503)]);
    while let Some(issue) = pages.next().await {
        read.push(issue.unwrap().number);
    }
    assert_eq!(read, newest_first(&numbers));
    assert_eq!(world.emulator.requests_to(LIST) - before, 4);
}

#[tokio::test]
async fn an_error_on_page_three_ends_the_stream_after_pages_one_and_two() {
    let (world, client, numbers) = world_with_issues(250).await;
    world.emulator.script(
        LIST,
        [
            Fault::Delay(Duration::ZERO),
            Fault::Delay(Duration::ZERO),
            Fault::status(404),
        ],
    );
    let mut pages = issues::list_project_issues(&client, world.project).pages();
    let mut read = Vec::new();
    let error = loop {
        match pages.next().await.unwrap() {
            Ok(issue) => read.push(issue.number),
            Err(error) => break error,
        }
    };
    assert_eq!(read, newest_first(&numbers)[..200]);
    assert_eq!(error.status(), Some(404));
    // Then the end, for good.
    assert!(pages.next().await.is_none());
    assert!(pages.next().await.is_none());
}

#[tokio::test]
async fn a_cursor_kept_as_text_resumes_at_the_right_item() {
    let (world, client, numbers) = world_with_issues(250).await;
    let expected = newest_first(&numbers);
    let pages = issues::list_project_issues(&client, world.project).pages();
    let first = pages.first_page().await.unwrap();
    assert_eq!(
        first.items().iter().map(|i| i.number).collect::<Vec<_>>(),
        expected[..100]
    );
    let kept: String = first.next_cursor().unwrap().to_string();
    assert!(first.links().prev.is_none() && first.links().last.is_some());

    // Later, elsewhere: the same list, from the kept text.
    let cursor: Cursor = kept.parse().unwrap();
    let pages = issues::list_project_issues(&client, world.project).pages();
    let second = pages.page_at(&cursor).await.unwrap();
    assert_eq!(
        second.items().iter().map(|i| i.number).collect::<Vec<_>>(),
        expected[100..200]
    );
    let third = second.next_page().await.unwrap().unwrap();
    assert_eq!(
        third.items().iter().map(|i| i.number).collect::<Vec<_>>(),
        expected[200..]
    );
    assert!(third.next_cursor().is_none());
    assert!(third.next_page().await.unwrap().is_none());

    // A cursor of another list is refused, nothing sent.
    let other = world.emulator.create_project(world.org, "other").unwrap();
    let before = world.emulator.requests_to(LIST);
    let error = issues::list_project_issues(&client, other)
        .pages()
        .page_at(&cursor)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert_eq!(world.emulator.requests_to(LIST), before);
    // Text that is not a cursor does not become one.
    for text in [
        "https://elsewhere.example/projects/1/issues",
        "//elsewhere/x",
        "page=2",
        "",
    ] {
        assert!(text.parse::<Cursor>().is_err(), "{text}");
    }
}

/// The targets of a `Link` header by relation type, read by a real RFC 8288
/// parser (`nom-rfc8288`).
fn links(header: &str) -> std::collections::BTreeMap<String, String> {
    let parsed =
        nom_rfc8288::complete::link_strict::<nom_language::error::VerboseError<&str>>(header)
            .unwrap();
    let mut found = std::collections::BTreeMap::new();
    for link in parsed.into_iter().flatten() {
        for param in &link.params {
            if param.key == "rel" {
                for rel in param.val.as_deref().unwrap_or_default().split_whitespace() {
                    assert!(
                        found.insert(rel.to_owned(), link.url.to_owned()).is_none(),
                        "two `{rel}` links in {header}"
                    );
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn the_emulators_links_are_exact_for_filtered_lists_and_the_last_page() {
    let (world, client, _) = world_with_issues(25).await;
    let page = |query: &'static str| {
        let client = client.clone();
        let project = world.project;
        async move {
            let mut request =
                Request::get("/projects/{projectId}/issues").path("projectId", &project);
            for pair in query.split('&') {
                let (name, value) = pair.split_once('=').unwrap();
                request = request.query(
                    Box::leak(name.to_owned().into_boxed_str()),
                    &value.to_owned(),
                );
            }
            client.send::<needs::IssuesRead>(request).await.unwrap()
        }
    };
    let base = format!(
        "{}/projects/{}/issues",
        world.emulator.base_url(),
        world.project
    );

    // First of three pages of ten, filtered: `next` and `last`, filters kept.
    let first = page("state=open&sort=created&perPage=10").await;
    let rels = links(first.header("link").unwrap());
    assert_eq!(
        rels.keys().map(String::as_str).collect::<Vec<_>>(),
        ["last", "next"]
    );
    assert_eq!(
        rels["next"],
        format!("{base}?state=open&sort=created&perPage=10&page=2")
    );
    assert_eq!(
        rels["last"],
        format!("{base}?state=open&sort=created&perPage=10&page=3")
    );

    // The middle page: all four.
    let middle = page("state=open&perPage=10&page=2").await;
    let rels = links(middle.header("link").unwrap());
    assert_eq!(
        rels.keys().map(String::as_str).collect::<Vec<_>>(),
        ["first", "last", "next", "prev"]
    );
    assert_eq!(rels["prev"], format!("{base}?state=open&perPage=10&page=1"));

    // The last page: no `next`, no `last`.
    let last = page("state=open&perPage=10&page=3").await;
    let rels = links(last.header("link").unwrap());
    assert_eq!(
        rels.keys().map(String::as_str).collect::<Vec<_>>(),
        ["first", "prev"]
    );
    assert_eq!(rels["prev"], format!("{base}?state=open&perPage=10&page=2"));

    // One page holds everything: no links at all.
    let all = page("perPage=100").await;
    assert!(all.header("link").is_none());
}

#[tokio::test]
async fn the_apps_installations_are_read_through_every_page() {
    let world = World::new(GRANTS, GRANTS).await;
    for i in 0..150 {
        let org = world.emulator.create_organization(&format!("org-{i}"));
        world.emulator.install(world.app_id, org, GRANTS).unwrap();
    }
    let before = world.emulator.requests_to("apps/listInstallations");
    let installations = world.app().installations().await.unwrap();
    assert_eq!(installations.len(), 151);
    let ids: BTreeSet<i64> = installations.iter().map(|i| i.id).collect();
    assert_eq!(ids.len(), 151);
    assert_eq!(
        world.emulator.requests_to("apps/listInstallations") - before,
        2
    );
}

/// A client of a scripted server, with quick retries.
fn scripted(base_url: &str) -> InstallationClient<Tracker> {
    let config = ClientConfig::with_base_url(base_url)
        .retry(RetryPolicy::default().delays(Duration::from_millis(10), Duration::from_millis(50)));
    InstallationClient::with_token_unchecked(
        icr_api::Client::new(config).unwrap(),
        icr_api::SecretToken::new("t"),
    )
}

/// A page of issues numbered as given.
fn page_of(numbers: &[i64]) -> serde_json::Value {
    let issue = tests::spec_value("/components/examples/Issue/value");
    numbers
        .iter()
        .map(|n| {
            let mut issue = issue.clone();
            issue["number"] = serde_json::json!(n);
            issue
        })
        .collect()
}

async fn numbers(pages: icr_api::Pages<'_, icr_api::models::Issue>) -> (Vec<i64>, Vec<Error>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut pages = pages;
    while let Some(item) = pages.next().await {
        match item {
            Ok(issue) => items.push(issue.number),
            Err(error) => errors.push(error),
        }
    }
    (items, errors)
}

/// Streams a list whose first page (issue 1) carries `fields` as its
/// `Link` header fields, and whose second is issue 2: the recorder, the
/// numbers read and the errors met.
async fn two_pages(fields: &[&str]) -> (Recorder, Vec<i64>, Vec<Error>) {
    let mut first = Answer::json(200, &page_of(&[1]));
    for field in fields {
        first = first.with_header("link", field);
    }
    let recorder = Recorder::start(vec![first, Answer::json(200, &page_of(&[2]))]).await;
    let client = scripted(&recorder.base_url);
    let (items, errors) = numbers(issues::list_project_issues(&client, 3001).pages()).await;
    (recorder, items, errors)
}

#[tokio::test]
async fn links_are_read_as_rfc_8288_writes_them() {
    for (fields, target) in [
        (
            vec![r#"</projects/3001/issues?perPage=100&page=2>; rel="next last""#],
            "/projects/3001/issues?perPage=100&page=2",
        ),
        (
            vec![r#"</projects/3001/issues?page=2>; rel="NEXT""#],
            "/projects/3001/issues?page=2",
        ),
        (
            vec![r#"</projects/3001/issues?page=2>; rel = next"#],
            "/projects/3001/issues?page=2",
        ),
        (
            vec![r#"</projects/3001/issues?labels=a,b&page=2>; title="a, b; c"; rel=next"#],
            "/projects/3001/issues?labels=a,b&page=2",
        ),
        (
            vec![r#"</projects/3001/issues?after=1;x=2&page=2>; rel="next""#],
            "/projects/3001/issues?after=1;x=2&page=2",
        ),
        (
            vec![r#"<?flag&page=2>; rel="next""#],
            "/projects/3001/issues?flag&page=2",
        ),
        (
            vec![
                r#"</projects/3001/issues?page=9>; rel="first""#,
                r#"</projects/3001/issues?page=2>; rel="next""#,
            ],
            "/projects/3001/issues?page=2",
        ),
    ] {
        let (recorder, items, errors) = two_pages(&fields).await;
        assert_eq!((items, errors.len()), (vec![1, 2], 0), "{fields:?}");
        let sent: Vec<Recorded> = recorder.requests();
        assert_eq!(sent.len(), 2, "{fields:?}");
        assert_eq!(sent[1].uri, target, "{fields:?}");
    }
}

static LONG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "</projects/3001/issues?page=2&pad={}>; rel=\"next\"",
        "a".repeat(10_000)
    )
});

#[tokio::test]
async fn a_next_link_that_cannot_be_followed_ends_the_list_after_its_page() {
    for fields in [
        // Elsewhere; an odd `last` beside a good `next` does not matter.
        vec![r#"<https://elsewhere.example/projects/3001/issues?page=2>; rel="next""#],
        vec![
            r#"</projects/3001/issues?page=2>; rel="next", <https://elsewhere.example/x>; rel="last""#,
        ],
        // Two different `next` pages.
        vec![
            r#"</projects/3001/issues?page=2>; rel="next""#,
            r#"</projects/3001/issues?page=3>; rel="next""#,
        ],
        // Not a Link header at all.
        vec!["page two, please"],
        // Another list on the same server, and a link no page URL is.
        vec![r#"</projects/3002/issues?page=2>; rel="next""#],
        vec![LONG.as_str()],
    ] {
        let good_last = fields[0].contains("rel=\"last\"");
        let (recorder, items, errors) = two_pages(&fields).await;
        if good_last {
            assert_eq!((items, errors.len()), (vec![1, 2], 0), "{fields:?}");
        } else {
            // The page's items, then the error, and nothing sent elsewhere.
            assert_eq!((items, errors.len()), (vec![1], 1), "{fields:?}");
            assert!(matches!(errors[0], Error::Decode(_)), "{:?}", errors[0]);
            assert_eq!(recorder.requests().len(), 1, "{fields:?}");
        }
    }
}

/// A server whose every page links to a page it has not served yet.
async fn endless(empty: bool) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let served = std::sync::Arc::new(AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&served);
    let router = axum::Router::new().route(
        "/projects/{id}/issues",
        axum::routing::get(move || {
            let n = count.fetch_add(1, Ordering::SeqCst) as i64 + 1;
            async move {
                let body = if empty {
                    serde_json::json!([])
                } else {
                    page_of(&[n])
                };
                (
                    [
                        ("content-type", "application/json".to_owned()),
                        (
                            "link",
                            format!("</projects/3001/issues?page={}>; rel=\"next\"", n + 1),
                        ),
                    ],
                    body.to_string(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, served)
}

#[tokio::test]
async fn a_server_that_goes_round_or_on_forever_is_stopped() {
    use std::sync::atomic::Ordering;
    // Back to the first page: its items once, then the error.
    let recorder =
        Recorder::start(vec![Answer::json(200, &page_of(&[1])).with_header(
            "link",
            r#"</projects/3001/issues?perPage=100>; rel="next""#,
        )])
        .await;
    let client = scripted(&recorder.base_url);
    let (items, errors) = numbers(issues::list_project_issues(&client, 3001).pages()).await;
    assert_eq!(
        (items, errors.len(), recorder.requests().len()),
        (vec![1], 1, 1)
    );

    // Empty pages that always link on: ten in a row, then the error.
    let (base, served) = endless(true).await;
    let client = scripted(&base);
    let (items, errors) = numbers(issues::list_project_issues(&client, 3001).pages()).await;
    assert_eq!((items.len(), errors.len()), (0, 1));
    assert_eq!(served.load(Ordering::SeqCst), 10);

    // Pages that never end, under a bound the caller set.
    let (base, served) = endless(false).await;
    let client = scripted(&base);
    let pages = issues::list_project_issues(&client, 3001)
        .pages()
        .max_pages(5);
    let (items, errors) = numbers(pages).await;
    assert_eq!((items, errors.len()), (vec![1, 2, 3, 4, 5], 1));
    assert_eq!(served.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn an_answer_without_a_body_is_an_empty_page() {
    let recorder = Recorder::start(vec![Answer::empty(204)]).await;
    let client = scripted(&recorder.base_url);
    let contributors: Vec<_> = icr_api::projects::list_contributors(&client, 3001)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert!(contributors.is_empty());
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn the_emulators_links_stay_on_the_host_called_and_drop_page_parameters_however_spelled() {
    let (world, _, numbers) = world_with_issues(25).await;
    // Through `localhost` rather than the emulator's `127.0.0.1`.
    let port = world
        .emulator
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    let config = ClientConfig::with_base_url(format!("http://localhost:{port}"));
    let client: InstallationClient<Tracker> =
        App::new(world.app_id, world.keys.private_pem(), config)
            .unwrap()
            .installation(world.installation);
    let options = ListProjectIssuesOptions {
        per_page: Some(10),
        ..Default::default()
    };
    let read: Vec<i64> = issues::list_project_issues(&client, world.project)
        .options(options)
        .pages()
        .map_ok(|issue| issue.number)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(read, newest_first(&numbers));

    // `perPage` and `page` spelled with escapes are still the page's own.
    let token = world
        .app()
        .app_client()
        .unwrap()
        .installation_tokens::<Tracker>(world.installation)
        .create_token()
        .await
        .unwrap();
    let answer = reqwest::Client::new()
        .get(format!(
            "{}/projects/{}/issues?state=open&per%50age=10&pa%67e=2",
            world.emulator.base_url(),
            world.project
        ))
        .bearer_auth(token.details().token.expose_secret())
        .send()
        .await
        .unwrap();
    let header = answer.headers()["link"].to_str().unwrap().to_owned();
    let rels = links(&header);
    let base = format!(
        "{}/projects/{}/issues",
        world.emulator.base_url(),
        world.project
    );
    assert_eq!(rels["next"], format!("{base}?state=open&perPage=10&page=3"));
    assert_eq!(rels["prev"], format!("{base}?state=open&perPage=10&page=1"));
}

#[tokio::test]
async fn a_hand_made_list_request_pages_the_same_way() {
    let (world, client, numbers) = world_with_issues(150).await;
    let before = world.emulator.requests_to(LIST);
    let request = Request::get("/projects/{projectId}/issues")
        .path("projectId", &world.project)
        .query("perPage", &100);
    let read: Vec<i64> = client
        .pages::<needs::IssuesRead, icr_api::models::Issue>(request)
        .map_ok(|issue| issue.number)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(read, newest_first(&numbers));
    assert_eq!(world.emulator.requests_to(LIST) - before, 2);
}
