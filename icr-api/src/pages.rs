//! Pagination: [`Pages`], every item of a list operation as a lazy
//! [`Stream`] across its pages, and [`Page`], one page with the
//! [`Links`] to its neighbours, as [`Cursor`]s that can be kept as text and
//! resumed from.
//!
//! A list operation answers a page and a `Link` header (RFC 8288) naming
//! the `next`, `prev`, `first` and `last` pages. The next page is always the
//! one the server links to, never a page number worked out here. Each page
//! is fetched through the generated function's own client and permissions,
//! so it is retried like any request (a page fetched twice is still read
//! once), and a link that leaves the server's origin, or names another
//! list, is refused rather than followed with the token.

use std::collections::HashSet;
use std::fmt;
use std::hash::BuildHasher as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use serde::de::DeserializeOwned;

use crate::Call;
use crate::error::{Error, Result};
use crate::request::{Request, Response};

/// Where a page is: the path and query of its URL, e.g.
/// `/projects/3001/issues?state=all&perPage=100&page=3`. Text, to keep
/// anywhere and read back with [`str::parse`]; it leads back only to the
/// list it came from (see [`Pages::page_at`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path, without the query.
    pub(crate) fn path(&self) -> &str {
        self.0.split_once('?').map_or(&self.0, |(path, _)| path)
    }

    /// The query, if any.
    pub(crate) fn query(&self) -> Option<&str> {
        self.0.split_once('?').map(|(_, query)| query)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Cursor {
    type Err = Error;

    /// Reads a cursor back: a path from the server's root (`/…`), with its
    /// query, and nothing else (no scheme, host or fragment).
    fn from_str(text: &str) -> Result<Self> {
        let fine = text.starts_with('/')
            && !text.starts_with("//")
            && !text.contains('#')
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if fine {
            Ok(Self(text.to_owned()))
        } else {
            Err(Error::InvalidRequest {
                method: "GET".to_owned(),
                path: String::new(),
                reason: "a page cursor is a path from the server's root with its query, such as `/projects/3001/issues?page=2`".to_owned(),
            })
        }
    }
}

/// The pages a page links to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Links {
    /// The page after this one; `None` on the last page.
    pub next: Option<Cursor>,
    /// The page before this one.
    pub prev: Option<Cursor>,
    /// The first page.
    pub first: Option<Cursor>,
    /// The last page.
    pub last: Option<Cursor>,
}

impl Links {
    /// The links of `response`'s `Link` header fields, as cursors, and
    /// what is wrong with its `next` link, if anything: a `next` that
    /// cannot be followed must end the list with an error, never quietly,
    /// while an odd `prev`, `first` or `last` (which are never followed) is
    /// left out. Relation types are matched case-insensitively, several to
    /// a link; a link is taken only within the answering URL's origin.
    fn of(response: &Response) -> (Self, Option<Error>) {
        let problem = |reason: String| {
            Some(server_fault(
                response.status,
                &response.method,
                &response.path,
                reason,
            ))
        };
        let mut fields = Vec::new();
        for value in response.headers.get_all(reqwest::header::LINK) {
            match normalized(value.as_bytes()) {
                Ok(field) => fields.push(field),
                Err(reason) => {
                    return (
                        Self::default(),
                        problem(format!("its `Link` header {reason}")),
                    );
                }
            }
        }
        if fields.is_empty() {
            return (Self::default(), None);
        }
        let Some(base) = &response.url else {
            return (
                Self::default(),
                problem("the answer's URL is unknown".to_owned()),
            );
        };
        // Several fields are one list (RFC 9110, 5.3).
        let joined = fields.join(", ");
        let parsed = match nom_rfc8288::complete::link_lenient::<
            nom_language::error::VerboseError<&str>,
        >(&joined)
        {
            Ok(parsed) => parsed,
            Err(err) => {
                let reason = format!("its `Link` header does not parse: {err}");
                return (Self::default(), problem(reason));
            }
        };
        let mut links = Self::default();
        let mut next_problem = None;
        for link in parsed.into_iter().flatten() {
            let rels: Vec<String> = link
                .params
                .iter()
                .filter(|param| param.key.eq_ignore_ascii_case("rel"))
                .filter_map(|param| param.val.as_deref())
                .flat_map(str::split_ascii_whitespace)
                .map(str::to_ascii_lowercase)
                .collect();
            let target = base
                .join(link.url)
                .map_err(|err| format!("is not a URL: {err}"))
                .and_then(|target| {
                    if target.origin() != base.origin() {
                        Err(format!(
                            "leads to another server ({}), which is not followed",
                            target.origin().ascii_serialization()
                        ))
                    } else if target.path() != base.path() {
                        // A page of this list is at this list's path.
                        Err(format!("leads to another path, `{}`", target.path()))
                    } else if target.as_str().len() > MAX_CURSOR {
                        Err(format!(
                            "is {} bytes long, more than a page's URL may be ({MAX_CURSOR})",
                            target.as_str().len()
                        ))
                    } else {
                        Ok(Cursor::of(&target))
                    }
                });
            for rel in rels {
                let slot = match rel.as_str() {
                    "next" => &mut links.next,
                    "prev" | "previous" => &mut links.prev,
                    "first" => &mut links.first,
                    "last" => &mut links.last,
                    _ => continue,
                };
                match &target {
                    Ok(cursor)
                        if rel == "next" && slot.as_ref().is_some_and(|known| known != cursor) =>
                    {
                        let known = slot.as_ref().map(Cursor::as_str).unwrap_or_default();
                        next_problem = problem(format!(
                            "its `Link` header names two `next` pages, `{known}` and `{cursor}`"
                        ));
                    }
                    Ok(cursor) => *slot = Some(cursor.clone()),
                    Err(reason) if rel == "next" => {
                        next_problem = problem(format!("its `next` link {reason}"));
                    }
                    Err(_) => {}
                }
            }
        }
        if next_problem.is_some() {
            links.next = None;
        }
        (links, next_problem)
    }
}

/// The longest page URL followed: far beyond any real one, and a bound on
/// what a hostile server can make the stream hold.
const MAX_CURSOR: usize = 8 * 1024;

/// A `Link` field made ready for the parser: without the whitespace
/// RFC 8288 allows before a parameter's `=` (`rel = next`), which the
/// parser does not take, and with bytes beyond ASCII inside quoted text
/// (RFC 9110's obs-text, say a title) replaced by `?`. Such a byte anywhere
/// else cannot be part of a link: an error.
fn normalized(field: &[u8]) -> std::result::Result<String, String> {
    let mut out = Vec::with_capacity(field.len());
    let (mut quoted, mut escaped, mut in_target) = (false, false, false);
    let mut pending = Vec::new();
    for &b in field {
        if quoted {
            out.push(if b.is_ascii() { b } else { b'?' });
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => quoted = false,
                _ => {}
            }
            continue;
        }
        if !b.is_ascii() {
            return Err("holds bytes outside ASCII outside quoted text".to_owned());
        }
        if (b == b' ' || b == b'\t') && !in_target {
            pending.push(b);
            continue;
        }
        if b != b'=' {
            out.append(&mut pending);
        }
        pending.clear();
        match b {
            b'<' => in_target = true,
            b'>' => in_target = false,
            b'"' if !in_target => quoted = true,
            _ => {}
        }
        out.push(b);
    }
    out.append(&mut pending);
    String::from_utf8(out).map_err(|_| "is not text".to_owned())
}

/// An answer that does not hold what the API promises: the server's fault.
fn server_fault(status: u16, method: &str, path: &str, reason: String) -> Error {
    Error::Decode(Box::new(crate::error::DecodeError {
        status,
        method: method.to_owned(),
        path: path.to_owned(),
        content_type: None,
        reason,
        body: bytes::Bytes::new(),
    }))
}

impl Cursor {
    /// The cursor of a URL: its path and query.
    fn of(url: &reqwest::Url) -> Self {
        let mut text = url.path().to_owned();
        if let Some(query) = url.query() {
            text.push('?');
            text.push_str(query);
        }
        Self(text)
    }
}

/// Sends one page's request through a client, with the permissions its
/// operation states.
pub(crate) type Fetch<'c> = Arc<dyn Fn(Request) -> Call<'c, Response> + Send + Sync + 'c>;

/// One page of a list: its items and its links, and the way to the next.
pub struct Page<'c, T> {
    items: Vec<T>,
    links: Links,
    /// Why the `next` link cannot be followed, if it cannot.
    problem: Option<Error>,
    /// Where this page is, when the answer said (it had links).
    at: Option<Cursor>,
    request: Request,
    fetch: Fetch<'c>,
}

impl<T: fmt::Debug> fmt::Debug for Page<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("items", &self.items)
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> Page<'c, T> {
    /// The page's items.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The page's items, owned.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The pages this one links to.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// Where the next page is, to keep and resume from; `None` on the last
    /// page.
    pub fn next_cursor(&self) -> Option<&Cursor> {
        self.links.next.as_ref()
    }

    /// The next page, or `None` after the last; an error when the page's
    /// `next` link cannot be followed.
    pub async fn next_page(&self) -> Result<Option<Page<'c, T>>> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        match &self.links.next {
            Some(cursor) => {
                let request = self.request.clone().at(cursor.clone());
                fetch_page(request, Arc::clone(&self.fetch)).await.map(Some)
            }
            None => Ok(None),
        }
    }
}

/// Reads one page: the items of its body, the links of its header.
fn fetch_page<'c, T: DeserializeOwned + Send + 'c>(
    request: Request,
    fetch: Fetch<'c>,
) -> Call<'c, Page<'c, T>> {
    Box::pin(async move {
        let response = fetch(request.clone()).await?;
        let (links, problem) = Links::of(&response);
        let at = response.url.as_ref().map(Cursor::of);
        // An answer without a body (a 204) is an empty page.
        let items = if response.body.is_empty() {
            Vec::new()
        } else {
            response.json::<Vec<T>>()?
        };
        Ok(Page {
            items,
            links,
            problem,
            at,
            request,
            fetch,
        })
    })
}

/// Every item of a list operation, page after page: a [`Stream`] of
/// `Result<T>`, and the way to single [`Page`]s.
///
/// As a stream it is lazy: a page is fetched when an item is wanted and the
/// ones read are used up, so `take(n)` reads only the pages it needs. It
/// follows each page's `next` link and ends after the last page. An error
/// ends it: the items before it come first, then the error, then the end.
/// A `next` link that names a page already read ends it with an error too,
/// rather than going round forever.
pub struct Pages<'c, T> {
    request: Request,
    fetch: Fetch<'c>,
    state: State<'c, T>,
    /// The pages read, by a hash of their cursors (so that memory does not
    /// grow with a hostile server's long links), so that a `next` link back
    /// to one of them ends the stream instead of going round.
    seen: HashSet<u64>,
    hasher: std::hash::RandomState,
    pages_read: usize,
    /// Empty pages in a row that still linked on.
    empty_in_a_row: usize,
    max_pages: usize,
}

/// A list with more pages than this ends with an error (the spec's `page`
/// goes to 100,000); see [`Pages::max_pages`].
const MAX_PAGES: usize = 100_000;
/// Empty pages in a row, each with a `next` link, after which the server
/// is taken to be going round.
const MAX_EMPTY_IN_A_ROW: usize = 10;

enum State<'c, T> {
    Start,
    Fetching(Call<'c, Page<'c, T>>),
    Reading(std::vec::IntoIter<T>, Option<Cursor>, Option<Error>),
    Done,
}

impl<T> fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("request", &self.request)
            .field("pages_read", &self.pages_read)
            .finish_non_exhaustive()
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> Pages<'c, T> {
    /// The pages of `request`, each sent with `fetch` (made by
    /// `InstallationClient::pages` or `AppClient::pages`, which know the
    /// client and the permissions).
    pub(crate) fn new(request: Request, fetch: Fetch<'c>) -> Self {
        Self {
            request,
            fetch,
            state: State::Start,
            seen: HashSet::new(),
            hasher: std::hash::RandomState::new(),
            pages_read: 0,
            empty_in_a_row: 0,
            max_pages: MAX_PAGES,
        }
    }

    /// The same, reading at most `pages` pages: a list that goes on longer
    /// ends with an error after the items of the last page read.
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// The first page.
    pub fn first_page(&self) -> Call<'c, Page<'c, T>> {
        fetch_page(self.request.clone(), Arc::clone(&self.fetch))
    }

    /// The page at `cursor`, a cursor of this same list (the same path, so
    /// the same operation and path parameters): resuming where a kept cursor
    /// left off. A cursor of another list is refused, nothing sent.
    pub fn page_at(&self, cursor: &Cursor) -> Call<'c, Page<'c, T>> {
        fetch_page(
            self.request.clone().at(cursor.clone()),
            Arc::clone(&self.fetch),
        )
    }

    /// Every item, collected; the first error instead, if any.
    pub async fn all(self) -> Result<Vec<T>> {
        let mut pages = self;
        let mut all = Vec::new();
        while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut pages).poll_next(cx)).await {
            all.push(item?);
        }
        Ok(all)
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> Stream for Pages<'c, T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Start => {
                    this.state =
                        State::Fetching(fetch_page(this.request.clone(), Arc::clone(&this.fetch)));
                }
                State::Fetching(call) => match ready!(call.as_mut().poll(cx)) {
                    Ok(page) => {
                        this.pages_read += 1;
                        if let Some(at) = &page.at {
                            this.seen.insert(this.hasher.hash_one(at));
                        }
                        this.empty_in_a_row = if page.items.is_empty() && page.links.next.is_some()
                        {
                            this.empty_in_a_row + 1
                        } else {
                            0
                        };
                        this.state =
                            State::Reading(page.items.into_iter(), page.links.next, page.problem);
                    }
                    Err(error) => {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(error)));
                    }
                },
                State::Reading(items, next, problem) => {
                    if let Some(item) = items.next() {
                        return Poll::Ready(Some(Ok(item)));
                    }
                    if let Some(problem) = problem.take() {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(problem)));
                    }
                    let Some(cursor) = next.take() else {
                        this.state = State::Done;
                        return Poll::Ready(None);
                    };
                    let key = this.hasher.hash_one(&cursor);
                    let going_round = if this.seen.contains(&key) {
                        Some(format!(
                            "its `next` link leads back to `{cursor}`, a page already read"
                        ))
                    } else if this.empty_in_a_row >= MAX_EMPTY_IN_A_ROW {
                        Some(format!(
                            "{MAX_EMPTY_IN_A_ROW} empty pages in a row each linked to another"
                        ))
                    } else if this.pages_read >= this.max_pages {
                        Some(format!(
                            "the list goes on past {} pages, the most read",
                            this.max_pages
                        ))
                    } else {
                        None
                    };
                    if let Some(reason) = going_round {
                        this.state = State::Done;
                        let error = server_fault(200, "GET", cursor.path(), reason);
                        return Poll::Ready(Some(Err(error)));
                    }
                    this.seen.insert(key);
                    this.state = State::Fetching(fetch_page(
                        this.request.clone().at(cursor),
                        Arc::clone(&this.fetch),
                    ));
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

impl<T> Unpin for Pages<'_, T> {}

#[cfg(test)]
mod tests {
    use super::normalized;

    #[test]
    fn a_field_is_made_ready_for_the_parser_and_nothing_else_changes() {
        assert_eq!(
            normalized(br#"</a?b = c>; rel = next; title ="x = y""#).unwrap(),
            r#"</a?b = c>; rel= next; title="x = y""#
        );
        let header = normalized(b"</p?page=2>; rel =\"next\"; title=\"caf\xe9\"").unwrap();
        assert_eq!(header, "</p?page=2>; rel=\"next\"; title=\"caf?\"");
        let parsed =
            nom_rfc8288::complete::link_lenient::<nom_language::error::VerboseError<&str>>(&header)
                .unwrap();
        let link = parsed.into_iter().flatten().next().unwrap();
        assert_eq!(link.url, "/p?page=2");
        assert_eq!(link.params[0].val.as_deref(), Some("next"));
        assert!(normalized(b"</p?x=\xe9>; rel=next").is_err());
    }
}
