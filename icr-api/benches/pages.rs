//! `cargo bench -p icr-api --bench pages`: streaming 10,000 issues through
//! the generated `list_project_issues(…).pages()` against a hand-written loop
//! over raw `reqwest` + `serde_json` that asks for page after page.
//!
//! Both read the same 100 pages of 100 issues from a minimal loopback
//! server (fixed bytes per page, a `Link` header to the next), in rounds
//! that take turns. Prints throughput and the median ratio with its
//! spread; asserts nothing.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::Query;
use axum::http::header;
use axum::response::IntoResponse;
use futures_util::TryStreamExt;
use icr_api::{Client, ClientConfig, InstallationClient, SecretToken};

mod support;

icr_api::permissions! {
    /// Reads issues.
    Bench { issues: read }
}

const PAGES: usize = 100;
const PER_PAGE: usize = 100;
const ROUNDS: usize = 21;

/// The pages, as JSON bytes: issues shaped as the spec's example.
fn pages() -> Result<Vec<Vec<u8>>, Box<dyn std::error::Error>> {
    let spec: serde_json::Value =
        serde_norway::from_str(include_str!("../../spec/icr.openapi.yaml"))?;
    let issue = spec
        .pointer("/components/examples/Issue/value")
        .cloned()
        .ok_or("the spec has no Issue example")?;
    (0..PAGES)
        .map(|page| {
            let items: Vec<serde_json::Value> = (0..PER_PAGE)
                .map(|i| {
                    let mut issue = issue.clone();
                    issue["number"] = serde_json::json!(page * PER_PAGE + i + 1);
                    issue
                })
                .collect();
            Ok(serde_json::to_vec(&items)?)
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

/// Serves the pages on a thread and runtime of its own.
fn serve(pages: Vec<Vec<u8>>) -> Result<String, Box<dyn std::error::Error>> {
    let (listener, base) = support::bind()?;
    let pages: Arc<Vec<Vec<u8>>> = Arc::new(pages);
    let next_base = base.clone();
    let router = axum::Router::new().route(
        "/projects/{id}/issues",
        axum::routing::get(move |Query(query): Query<PageQuery>| {
            let pages = Arc::clone(&pages);
            let next_base = next_base.clone();
            async move {
                let page = query.page.unwrap_or(1).clamp(1, PAGES);
                let mut headers = vec![(
                    header::CONTENT_TYPE,
                    "application/json; charset=utf-8".to_owned(),
                )];
                if page < PAGES {
                    headers.push((
                        header::LINK,
                        format!(
                            "<{next_base}/projects/1/issues?perPage={PER_PAGE}&page={}>; rel=\"next\"",
                            page + 1
                        ),
                    ));
                }
                let mut response = pages[page - 1].clone().into_response();
                for (name, value) in headers {
                    if let Ok(value) = value.parse() {
                        response.headers_mut().insert(name, value);
                    }
                }
                response
            }
        }),
    );
    support::serve(listener, router);
    Ok(base)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = serve(pages()?)?;
    let client: InstallationClient<Bench> = InstallationClient::with_token_unchecked(
        Client::new(ClientConfig::with_base_url(&base))?,
        SecretToken::new("icr_inst_bench"),
    );
    let raw = reqwest::Client::new();
    let total = PAGES * PER_PAGE;

    let generated = || async {
        let issues: Vec<icr_api::models::Issue> = icr_api::issues::list_project_issues(&client, 1)
            .pages()
            .try_collect()
            .await?;
        Ok::<usize, Box<dyn std::error::Error>>(issues.len())
    };
    let by_hand = || async {
        let mut issues: Vec<icr_api::models::Issue> = Vec::new();
        for page in 1..=PAGES {
            let body = raw
                .get(format!(
                    "{base}/projects/1/issues?perPage={PER_PAGE}&page={page}"
                ))
                .bearer_auth("icr_inst_bench")
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let batch: Vec<icr_api::models::Issue> = serde_json::from_slice(&body)?;
            let done = batch.len() < PER_PAGE;
            issues.extend(batch);
            if done {
                break;
            }
        }
        Ok::<usize, Box<dyn std::error::Error>>(issues.len())
    };
    if generated().await? != total || by_hand().await? != total {
        return Err("a side did not read every issue".into());
    }

    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        generated().await?;
        let generated_s = start.elapsed().as_secs_f64();
        let start = Instant::now();
        by_hand().await?;
        let by_hand_s = start.elapsed().as_secs_f64();
        ours.push(total as f64 / generated_s);
        theirs.push(total as f64 / by_hand_s);
        ratios.push(by_hand_s / generated_s);
    }
    let (ours, _, _) = support::median_spread(ours);
    let (theirs, _, _) = support::median_spread(theirs);
    let (ratio, low, high) = support::median_spread(ratios);
    println!(
        "streaming {total} issues in pages of {PER_PAGE}, {ROUNDS} rounds taking turns:\n  \
         list_project_issues(…).pages() {ours:.0} items/s\n  \
         hand-written loop over raw reqwest + serde_json {theirs:.0} items/s\n  \
         throughput ratio {ratio:.3} of the raw loop (median; rounds {low:.3}–{high:.3})"
    );
    Ok(())
}
