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
    /// The links of `response`'s `Link` header, as cursors. A link to
    /// another origin, or one that does not parse, is an error: the header
    /// is the server's word on where the list goes on, and a list that
    /// cannot be followed must not end quietly.
    fn of(response: &Response) -> Result<Self> {
        let Some(header) = response.header("link") else {
            return Ok(Self::default());
        };
        let invalid = |reason: String| {
            Error::Decode(Box::new(crate::error::DecodeError {
                status: response.status,
                method: response.method.clone(),
                path: response.path.clone(),
                content_type: None,
                reason,
                body: bytes::Bytes::new(),
            }))
        };
        let links = parse_link_header::parse_with_rel(header)
            .map_err(|err| invalid(format!("its `Link` header does not parse: {err}")))?;
        let base = response
            .url
            .as_ref()
            .ok_or_else(|| invalid("the answer's URL is unknown".to_owned()))?;
        let cursor = |rel: &str| -> Result<Option<Cursor>> {
            let Some(link) = links.get(rel) else {
                return Ok(None);
            };
            let target = base
                .join(&link.raw_uri)
                .map_err(|err| invalid(format!("its `{rel}` link is not a URL: {err}")))?;
            if target.origin() != base.origin() {
                return Err(invalid(format!(
                    "its `{rel}` link leads to another server ({}), which is not followed",
                    target.origin().ascii_serialization()
                )));
            }
            let mut text = target.path().to_owned();
            if let Some(query) = target.query() {
                text.push('?');
                text.push_str(query);
            }
            Ok(Some(Cursor(text)))
        };
        Ok(Self {
            next: cursor("next")?,
            prev: cursor("prev")?,
            first: cursor("first")?,
            last: cursor("last")?,
        })
    }
}

/// Sends one page's request through a generated function's client, with
/// the permissions its operation states.
pub type Fetch<'c> = Arc<dyn Fn(Request) -> Call<'c, Response> + Send + Sync + 'c>;

/// One page of a list: its items and its links, and the way to the next.
pub struct Page<'c, T> {
    items: Vec<T>,
    links: Links,
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

    /// The next page, or `None` after the last.
    pub async fn next_page(&self) -> Result<Option<Page<'c, T>>> {
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
        let links = Links::of(&response)?;
        let items = response.json::<Vec<T>>()?;
        Ok(Page {
            items,
            links,
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
    seen: HashSet<Cursor>,
}

enum State<'c, T> {
    Start,
    Fetching(Call<'c, Page<'c, T>>),
    Reading(std::vec::IntoIter<T>, Option<Cursor>),
    Done,
}

impl<T> fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("request", &self.request)
            .field("pages_read", &self.seen.len())
            .finish_non_exhaustive()
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> Pages<'c, T> {
    /// The pages of `request`, each sent with `fetch`. Called by generated
    /// code, which knows the operation's client and permissions.
    #[doc(hidden)]
    pub fn new(request: Request, fetch: Fetch<'c>) -> Self {
        Self {
            request,
            fetch,
            state: State::Start,
            seen: HashSet::new(),
        }
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
                        this.state = State::Reading(page.items.into_iter(), page.links.next);
                    }
                    Err(error) => {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(error)));
                    }
                },
                State::Reading(items, next) => {
                    if let Some(item) = items.next() {
                        return Poll::Ready(Some(Ok(item)));
                    }
                    let Some(cursor) = next.take() else {
                        this.state = State::Done;
                        return Poll::Ready(None);
                    };
                    if !this.seen.insert(cursor.clone()) {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(Error::InvalidRequest {
                            method: "GET".to_owned(),
                            path: cursor.path().to_owned(),
                            reason: format!(
                                "the server's `next` link leads back to `{cursor}`, a page already read"
                            ),
                        })));
                    }
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
