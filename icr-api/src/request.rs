//! [`Request`] and [`Response`]: the one path every generated function takes
//! to the server, and the one a hand-made request takes too
//! (`InstallationClient::send`, stating the permissions it needs). A generated function describes its request with a few
//! builder calls and decodes the [`Response`] with one; URL building, query
//! encoding, headers and status handling live here, once.

use std::fmt;

use bytes::Bytes;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{DecodeError, Error, Result};
use crate::limits::RateLimit;

/// A request being described: method, path template, parameters, body.
///
/// Problems found while describing it (a parameter that cannot be written
/// into a URL, a body that does not serialize) are kept and reported when it
/// is sent, so the description stays one chain of calls.
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) template: &'static str,
    path_values: Vec<(&'static str, String)>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<(&'static str, Bytes)>,
    pub(crate) accept: &'static str,
    pub(crate) operation: Option<&'static str>,
    /// The server the API description sends this operation to, when it is
    /// not the API's own (see [`Request::server`]).
    pub(crate) server: Option<&'static str>,
    /// A page of this list to ask for instead (see [`Request::at`]).
    cursor: Option<crate::pages::Cursor>,
    problem: Option<String>,
}

/// Shows what the request is, never what it carries: a body (which may
/// hold a secret) appears as its size, headers by name.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("template", &self.template)
            .field("operation", &self.operation)
            .field("server", &self.server)
            .field("path", &self.path_values)
            .field("query", &self.query)
            .field("headers", &headers)
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|(media, body)| format!("{} bytes of {media}", body.len())),
            )
            .finish_non_exhaustive()
    }
}

/// How an array query parameter is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayStyle {
    /// Each value as its own `name=value` pair (`form`, `explode: true`).
    Repeat,
    /// The values joined by a delimiter into one pair (`form` with `,`,
    /// `spaceDelimited`, `pipeDelimited`).
    Join(&'static str),
}

impl Request {
    /// Starts describing a request to `template`, a path such as
    /// `/projects/{projectId}`.
    pub fn new(method: Method, template: &'static str) -> Self {
        Self {
            method,
            template,
            path_values: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            accept: "application/json",
            operation: None,
            server: None,
            cursor: None,
            problem: None,
        }
    }

    /// `GET template`.
    pub fn get(template: &'static str) -> Self {
        Self::new(Method::GET, template)
    }

    /// `POST template`.
    pub fn post(template: &'static str) -> Self {
        Self::new(Method::POST, template)
    }

    /// `PUT template`.
    pub fn put(template: &'static str) -> Self {
        Self::new(Method::PUT, template)
    }

    /// `PATCH template`.
    pub fn patch(template: &'static str) -> Self {
        Self::new(Method::PATCH, template)
    }

    /// `DELETE template`.
    pub fn delete(template: &'static str) -> Self {
        Self::new(Method::DELETE, template)
    }

    /// Names the operation this request is, as the API description does
    /// (`issues/createIssue`): it is recorded in the request's span.
    pub fn operation(mut self, operation_id: &'static str) -> Self {
        self.operation = Some(operation_id);
        self
    }

    /// Sets the `Idempotency-Key` header to `key`, or to a new random key
    /// when `key` is `None`. The key stays with the request, so every
    /// attempt of it (retries, and the re-send after a refused token) asks
    /// for the same outcome, and the server acts on it at most once; a
    /// request with a key is one the retry policy sends again.
    pub fn idempotency_key(mut self, key: &Option<impl AsRef<str>>) -> Self {
        let key = match key {
            Some(key) => key.as_ref().to_owned(),
            None => match random_key() {
                Some(key) => key,
                None => {
                    self.fail("no random Idempotency-Key could be made".to_owned());
                    return self;
                }
            },
        };
        self.push_header("Idempotency-Key", key);
        self
    }

    /// The same request, for the page of its list at `cursor`: the path it
    /// describes, with the cursor's query. A cursor whose path is another
    /// makes the request fail when it is sent, nothing sent: a cursor never
    /// leads to another endpoint than the one whose permissions the request
    /// states.
    pub(crate) fn at(mut self, cursor: crate::pages::Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }

    /// Fills the path parameter `{name}`.
    pub fn path(mut self, name: &'static str, value: &impl Serialize) -> Self {
        match scalar(value) {
            Ok(Some(text)) => self.path_values.push((name, text)),
            Ok(None) => self.fail(format!("path parameter `{name}` has no value")),
            Err(kind) => self.fail(format!(
                "path parameter `{name}` is {kind}, not a single value"
            )),
        }
        self
    }

    /// Adds a query parameter of one value; `None` adds nothing.
    pub fn query(self, name: &'static str, value: &impl Serialize) -> Self {
        self.query_list(name, value, ArrayStyle::Repeat)
    }

    /// Adds a query parameter that holds a list, written as `style` says;
    /// `None` adds nothing.
    pub fn query_list(
        mut self,
        name: &'static str,
        value: &impl Serialize,
        style: ArrayStyle,
    ) -> Self {
        let value = match serde_json::to_value(value) {
            Ok(value) => value,
            Err(err) => {
                self.fail(format!(
                    "query parameter `{name}` does not serialize: {err}"
                ));
                return self;
            }
        };
        let items = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        let mut texts = Vec::with_capacity(items.len());
        for item in &items {
            match scalar(item) {
                Ok(Some(text)) => texts.push(text),
                Ok(None) => {}
                Err(kind) => self.fail(format!(
                    "query parameter `{name}` holds {kind}, which has no query form"
                )),
            }
        }
        match style {
            ArrayStyle::Repeat => self
                .query
                .extend(texts.into_iter().map(|text| (name, text))),
            ArrayStyle::Join(_) if texts.is_empty() => {}
            ArrayStyle::Join(delimiter) => self.query.push((name, texts.join(delimiter))),
        }
        self
    }

    /// Adds a header parameter; `None` adds nothing. A secret it holds (a
    /// `format: password` parameter) is written as it is: a request's
    /// `Debug` names its headers, never their values.
    pub fn header(mut self, name: &'static str, value: &impl Serialize) -> Self {
        match crate::secret::expose_secrets(|| scalar(value)) {
            Ok(Some(text)) => self.push_header(name, text),
            Ok(None) => {}
            Err(kind) => self.fail(format!("header `{name}` is {kind}, not a single value")),
        }
        self
    }

    /// Adds a header, or the problem that it cannot be one (its value is
    /// not quoted: it may be a secret).
    fn push_header(&mut self, name: &'static str, text: String) {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            self.fail(format!("`{name}` is not a header name"));
        } else if reqwest::header::HeaderValue::from_str(&text).is_err() {
            self.fail(format!(
                "header `{name}` holds characters a header cannot carry (such as a line break)"
            ));
        } else {
            self.headers.push((name, text));
        }
    }

    /// Sends `body` as JSON. Secrets it holds are written as they are
    /// (see [`expose_secrets`](crate::expose_secrets)).
    pub fn json(mut self, body: &impl Serialize) -> Self {
        match crate::secret::expose_secrets(|| serde_json::to_vec(body)) {
            Ok(bytes) => self.body = Some(("application/json", bytes.into())),
            Err(err) => self.fail(format!("the body does not serialize as JSON: {err}")),
        }
        self
    }

    /// Sends `body` as JSON under a media type of the API's own
    /// (`application/vnd.example.object`).
    pub fn json_as(mut self, body: &impl Serialize, media_type: &'static str) -> Self {
        match crate::secret::expose_secrets(|| serde_json::to_vec(body)) {
            Ok(bytes) => self.body = Some((media_type, bytes.into())),
            Err(err) => self.fail(format!("the body does not serialize as JSON: {err}")),
        }
        self
    }

    /// Sends `body` as an HTML form (`application/x-www-form-urlencoded`).
    pub fn form(mut self, body: &impl Serialize) -> Self {
        match crate::secret::expose_secrets(|| serde_urlencoded::to_string(body)) {
            Ok(text) => {
                self.body = Some((
                    "application/x-www-form-urlencoded",
                    text.into_bytes().into(),
                ));
            }
            Err(err) => self.fail(format!("the body cannot be written as a form: {err}")),
        }
        self
    }

    /// Sends `body` as text of the given media type.
    pub fn text(mut self, body: &str, media_type: &'static str) -> Self {
        self.body = Some((media_type, Bytes::copy_from_slice(body.as_bytes())));
        self
    }

    /// Sends `body` as bytes of the given media type.
    pub fn bytes(mut self, body: &[u8], media_type: &'static str) -> Self {
        self.body = Some((media_type, Bytes::copy_from_slice(body)));
        self
    }

    /// Adds a body that may be absent: `write` (such as [`Request::json`])
    /// adds it when there is one.
    pub fn optional<B: ?Sized>(
        self,
        body: Option<&B>,
        write: impl FnOnce(Self, &B) -> Self,
    ) -> Self {
        match body {
            Some(body) => write(self, body),
            None => self,
        }
    }

    /// Sends the request to the server `url` rather than the client's base
    /// URL: an operation the API description gives a server of its own
    /// (an upload host). The client sends it where its configuration maps
    /// that server ([`ClientConfig::server`](crate::ClientConfig::server)),
    /// else to `url` itself; a `url` that is a path (`/uploads`) replaces
    /// the base URL's path.
    pub fn server(mut self, url: &'static str) -> Self {
        self.server = Some(url);
        self
    }

    /// Sets the `Accept` header (by default `application/json`).
    pub fn accept(mut self, media_types: &'static str) -> Self {
        self.accept = media_types;
        self
    }

    fn fail(&mut self, problem: String) {
        self.problem.get_or_insert(problem);
    }

    /// The URL of this request under `base`, or the first problem met while
    /// describing it.
    pub(crate) fn url(&self, base: &reqwest::Url) -> Result<reqwest::Url> {
        if let Some(problem) = &self.problem {
            return Err(self.invalid(problem.clone()));
        }
        // The path and query are written out once and parsed once, against
        // the base (whose scheme and host are then taken as they are): the
        // base's path without its trailing slash, each segment of the
        // template filled and escaped, the query.
        let base_path = base.path().trim_end_matches('/');
        let mut text = String::with_capacity(base_path.len() + self.template.len() + 32);
        text.push_str(base_path);
        for segment in self.template.split('/').filter(|s| !s.is_empty()) {
            text.push('/');
            if !segment.contains('{') {
                text.extend(utf8_percent_encode(segment, PATH_SEGMENT));
                continue;
            }
            let filled = self.fill(segment)?;
            // `.` and `..` would be folded away by URL normalization, and
            // an empty segment makes another path: either would send the
            // request to another endpoint than the one whose permissions
            // it states.
            if matches!(filled.as_str(), "" | "." | "..") {
                return Err(self.invalid(format!(
                    "the path segment `{segment}` would be `{filled}`, which does not name a resource"
                )));
            }
            text.extend(utf8_percent_encode(&filled, PATH_SEGMENT));
        }
        if self.cursor.is_none() && !self.query.is_empty() {
            text.push('?');
            let start = text.len();
            let mut pairs = form_urlencoded::Serializer::for_suffix(text, start);
            for (name, value) in &self.query {
                pairs.append_pair(name, value);
            }
            text = pairs.finish();
        }
        if text.is_empty() {
            text.push('/');
        }
        // Text starting `//` would name another host (from a base path
        // that starts so): not a path to send.
        if text.starts_with("//") {
            return Err(self.invalid(format!(
                "the path `{text}` starts with `//`; give the base URL a path that does not"
            )));
        }
        let mut url = reqwest::Url::options()
            .base_url(Some(base))
            .parse(&text)
            .map_err(|err| self.invalid(format!("the path `{text}` does not parse: {err}")))?;
        if let Some(cursor) = &self.cursor {
            if cursor.path() != url.path() {
                return Err(self.invalid(format!(
                    "the page cursor `{}` is for another list than `{}`",
                    cursor.path(),
                    url.path()
                )));
            }
            url.set_query(cursor.query());
        }
        Ok(url)
    }

    /// One segment of the template with its parameters filled in, in one
    /// pass: a value is never read as a template itself, whatever braces
    /// it holds.
    fn fill(&self, segment: &str) -> Result<String> {
        let mut filled = String::with_capacity(segment.len());
        let mut rest = segment;
        while let Some(start) = rest.find('{') {
            let Some(length) = rest[start..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + length];
            let Some((_, value)) = self.path_values.iter().find(|(n, _)| *n == name) else {
                return Err(self.invalid(format!("path parameter `{name}` has no value")));
            };
            filled.push_str(&rest[..start]);
            filled.push_str(value);
            rest = &rest[start + length + 1..];
        }
        filled.push_str(rest);
        Ok(filled)
    }

    fn invalid(&self, reason: String) -> Error {
        Error::InvalidRequest {
            method: self.method.to_string(),
            path: self.template.to_owned(),
            reason,
        }
    }
}

/// What is escaped in a path segment of an `http` URL: what the URL
/// standard escapes there (controls, space, `"#<>?\`{}`), `%` (a value is
/// text, never an escape of its own), and `/` (a value stays one segment).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\');

/// A random version 4 UUID, from the system's random source.
fn random_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The text form of one parameter value: `None` for null; what it is when it
/// has no text form.
fn scalar(value: &(impl Serialize + ?Sized)) -> std::result::Result<Option<String>, &'static str> {
    // Numbers and booleans (most parameters) are their JSON text; only
    // strings need the JSON value, to be unescaped.
    let Ok(text) = serde_json::to_string(value) else {
        return Err("a value that does not serialize");
    };
    match text.as_bytes().first() {
        Some(b'n') => Ok(None),
        Some(b'[') => Err("a list"),
        Some(b'{') => Err("an object"),
        Some(b'"') => match serde_json::from_str(&text) {
            Ok(Value::String(s)) => Ok(Some(s)),
            _ => Err("a value that does not serialize"),
        },
        _ => Ok(Some(text)),
    }
}

/// A success answer, waiting to be decoded by the generated function that
/// asked for it.
pub struct Response {
    pub(crate) status: u16,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The URL answered, when the answer has links to resolve against it.
    pub(crate) url: Option<reqwest::Url>,
}

/// Shows the answer's status and headers, and the size of its body, which
/// may hold a secret (a token answer does).
impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("content_type", &self.header("content-type"))
            .field("body", &format!("{} bytes", self.body.len()))
            .finish_non_exhaustive()
    }
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of header `name`, if the answer had it as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The id the server gave the request (`X-Request-Id`).
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-request-id")
    }

    /// The caller's rate limit as this answer reported it.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        RateLimit::from_headers(&self.headers)
    }

    fn content_type(&self) -> Option<String> {
        self.header("content-type").map(str::to_owned)
    }

    /// Whether the body is of `media_type` (parameters such as `charset` are
    /// ignored; `application/json` also matches `application/*+json`).
    pub fn has_media(&self, media_type: &str) -> bool {
        let Some(content_type) = self.header("content-type") else {
            return false;
        };
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case(media_type)
            || (media_type == "application/json" && essence.to_ascii_lowercase().ends_with("+json"))
    }

    /// Decodes a JSON body. A body that does not decode is decoded once
    /// more, tracking the path, to say where it went wrong.
    pub fn json<T: DeserializeOwned>(self) -> Result<T> {
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => Ok(value),
            Err(err) => {
                let at = err.path().to_string();
                let reason = if at == "." {
                    err.inner().to_string()
                } else {
                    format!("at `{at}`: {}", err.inner())
                };
                Err(self.decode_error(reason))
            }
        }
    }

    /// Accepts an answer that has no body to decode.
    pub fn empty(self) -> Result<()> {
        Ok(())
    }

    /// Decodes a text body.
    pub fn text(self) -> Result<String> {
        match String::from_utf8(self.body.to_vec()) {
            Ok(text) => Ok(text),
            Err(err) => Err(self.decode_error(format!("the body is not UTF-8: {err}"))),
        }
    }

    /// Takes a binary body as it is.
    pub fn bytes(self) -> Result<Bytes> {
        Ok(self.body)
    }

    /// The error for a success status or media type the API description does
    /// not list for this operation.
    pub fn unexpected(self) -> Error {
        let reason = format!(
            "status {} with {} is not an answer this operation describes",
            self.status,
            self.content_type().as_deref().unwrap_or("no content type")
        );
        self.decode_error(reason)
    }

    fn decode_error(self, reason: String) -> Error {
        let content_type = self.content_type();
        Error::Decode(Box::new(DecodeError {
            status: self.status,
            method: self.method,
            path: self.path,
            content_type,
            reason,
            body: self.body,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::{ArrayStyle, Request};
    use reqwest::{Method, Url};

    fn url(request: Request) -> String {
        request
            .url(&Url::parse("http://127.0.0.1:9/api/").unwrap())
            .unwrap()
            .to_string()
    }

    #[test]
    fn paths_are_filled_and_encoded_under_the_base_path() {
        let request = Request::new(Method::GET, "/projects/{projectId}/labels/{labelName}")
            .path("projectId", &3001)
            .path("labelName", &"good first/issue?");
        assert_eq!(
            url(request),
            "http://127.0.0.1:9/api/projects/3001/labels/good%20first%2Fissue%3F"
        );
    }

    #[test]
    fn queries_skip_nulls_and_write_arrays_as_asked() {
        let request = Request::new(Method::GET, "/issues")
            .query("state", &Some("open"))
            .query("assignee", &None::<String>)
            .query_list("labels", &["bug", "needs triage"], ArrayStyle::Join(","))
            .query_list("ids", &[1, 2], ArrayStyle::Repeat)
            .query("q", &"a&b=c");
        assert_eq!(
            url(request),
            "http://127.0.0.1:9/api/issues?state=open&labels=bug%2Cneeds+triage&ids=1&ids=2&q=a%26b%3Dc"
        );
    }

    #[test]
    fn a_secret_header_is_sent_and_not_shown_but_a_secret_query_is_refused() {
        let secret = Some(crate::SecretToken::new("hdr-secret"));
        let request = Request::new(Method::POST, "/x").header("X-Secret", &secret);
        assert_eq!(request.problem, None);
        assert_eq!(request.headers, [("X-Secret", "hdr-secret".to_owned())]);
        assert!(!format!("{request:?}").contains("hdr-secret"));
        // A URL is logged and cached: a secret does not go in one.
        let request = Request::new(Method::GET, "/x").query("token", &secret);
        let problem = request.problem.clone().unwrap_or_default();
        assert!(problem.contains("query parameter `token`"), "{problem}");
        assert!(!problem.contains("hdr-secret"), "{problem}");
    }

    #[test]
    fn a_path_parameter_cannot_step_out_of_its_segment() {
        let base = Url::parse("http://127.0.0.1:9").unwrap();
        for value in ["..", ".", ""] {
            let error = Request::new(Method::DELETE, "/labels/{labelName}")
                .path("labelName", &value)
                .url(&base)
                .unwrap_err();
            assert!(
                error.to_string().contains("does not name a resource"),
                "{error}"
            );
        }
        // Dots inside a name, and slashes, stay in the segment.
        let request =
            Request::new(Method::DELETE, "/labels/{labelName}").path("labelName", &"../v1.2");
        assert_eq!(url(request), "http://127.0.0.1:9/api/labels/..%2Fv1.2");
        // A value is filled in once, never read as a template: braces stay.
        let request = Request::new(Method::GET, "/projects/{projectId}/labels/{labelName}")
            .path("projectId", &3001)
            .path("labelName", &"{labelName}{projectId}");
        assert_eq!(
            url(request),
            "http://127.0.0.1:9/api/projects/3001/labels/%7BlabelName%7D%7BprojectId%7D"
        );
    }

    #[test]
    fn the_path_stays_on_the_base_host_under_its_path() {
        // Parsed against the base: its host and path prefix are kept, and
        // a base path that would read as another host is refused.
        let request = Request::new(Method::GET, "/projects/{projectId}").path("projectId", &7);
        let under = request.url(&Url::parse("http://127.0.0.1:9/v1").unwrap());
        assert_eq!(under.unwrap().as_str(), "http://127.0.0.1:9/v1/projects/7");
        let other_host = request
            .url(&Url::parse("http://127.0.0.1:9//evil.example/").unwrap())
            .unwrap_err();
        assert!(
            other_host.to_string().contains("starts with `//`"),
            "{other_host}"
        );
        // Strings are unescaped JSON; numbers and booleans as JSON writes them.
        let request = Request::new(Method::GET, "/a/{x}/{y}/{z}")
            .path("x", &"tab\there \"quoted\"")
            .path("y", &-1.5)
            .path("z", &true);
        assert_eq!(
            url(request),
            "http://127.0.0.1:9/api/a/tab%09here%20%22quoted%22/-1.5/true"
        );
    }

    #[test]
    fn problems_surface_when_the_url_is_built() {
        let base = Url::parse("http://127.0.0.1:9").unwrap();
        let missing = Request::new(Method::GET, "/projects/{projectId}")
            .url(&base)
            .unwrap_err();
        assert!(
            missing.to_string().contains("`projectId` has no value"),
            "{missing}"
        );
        let object = Request::new(Method::GET, "/x")
            .query("filter", &serde_json::json!({"a": 1}))
            .url(&base)
            .unwrap_err();
        assert!(object.to_string().contains("holds an object"), "{object}");
    }
}
