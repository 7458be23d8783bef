//! How the pages are written: the page around a body, escaping, messages and error pages, and the
//! small pieces of HTML every page shares.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::error::ApiError;
use crate::tokens::random_base62;

/// What a value in a URL's query keeps as it is: letters, digits, RFC 3986's `-._~`, and `/` (so
/// that a path given as `next` stays readable); the rest is percent-encoded.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// `value`, percent-encoded for a URL's query (or a form's body).
pub fn query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// The "Sign out" button: a CSRF-protected POST, so no other page can sign anyone out.
pub fn sign_out_form(csrf: &str) -> String {
    format!(
        "<form class=\"inline\" method=\"post\" action=\"/logout\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button type=\"submit\">Sign out</button></form>"
    )
}

/// A page's failure on the platform's side (the database locked for too long, an internal
/// error): answered as a page with its status, as every web page answers, never in the API's
/// JSON, which a browser would show as text.
pub struct PageError(ApiError);

pub type PageResult<T = Response> = Result<T, PageError>;

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError(error)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        PageError(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(error) = self;
        message_page(error.status, "Could not do that", &sentence(&error.message))
    }
}

/// A page that says one thing. A refusal or failure also offers a way on, as the missing page's
/// does (Settings > API keys, or the sign-in first), rather than a dead end.
pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    message_page_leading_to(status, title, message, (super::api_keys::PAGE, "Go to your API keys"))
}

/// [`message_page`], whose way on after a failure is `link` (its address and words).
pub fn message_page_leading_to(status: StatusCode, title: &str, message: &str, link: (&str, &str)) -> Response {
    let way_on = match status.is_client_error() || status.is_server_error() {
        true => format!("\n<p><a href=\"{}\">{}</a>.</p>", escape(link.0), escape(link.1)),
        false => String::new(),
    };
    page(status, title, &format!("<h1>{}</h1>\n<p>{}</p>{way_on}", escape(title), escape(message)))
}

/// A message of the API's (written to follow "error: ", in lower case) as a sentence on a page.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut sentence: String =
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !sentence.ends_with(['.', '!', '?']) {
        sentence.push('.');
    }
    sentence
}

pub fn error_paragraph(error: Option<&str>) -> String {
    error.map(|e| problem_paragraph(&escape(e))).unwrap_or_default()
}

/// The paragraph that says why a form was refused (`html`, escaped already), which the fields it
/// is about point at ([`POINTS_AT_PROBLEM`]).
pub fn problem_paragraph(html: &str) -> String {
    format!("<p class=\"error\" id=\"problem\" role=\"alert\">{html}</p>\n")
}

/// The attributes of a field a refusal is about: marked invalid, and pointing at the
/// [`problem_paragraph`] that says why.
pub const POINTS_AT_PROBLEM: &str = r#" aria-invalid="true" aria-describedby="problem""#;

pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    page_with_script(status, title, body, "")
}

/// A page that runs `script` (none when empty): allowed by a nonce of its own in the content
/// security policy, so that nothing injected could run beside it.
pub fn page_with_script(status: StatusCode, title: &str, body: &str, script: &str) -> Response {
    let nonce = (!script.is_empty()).then(|| random_base62(24));
    let script =
        nonce.as_ref().map(|nonce| format!("\n<script nonce=\"{nonce}\">\n{script}\n</script>")).unwrap_or_default();
    // A refusal says so first in the title, which is what a screen reader announces of a page.
    let title = match status.is_client_error() || status.is_server_error() {
        true => format!("Error: {title}"),
        false => title.to_owned(),
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · Keystroke</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:3rem auto;padding:0 1rem;color:#222}}
form{{max-width:32rem}}table{{border-collapse:collapse;width:100%;margin:1rem 0}}
th,td{{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}}td bdi{{overflow-wrap:anywhere}}
td code{{white-space:nowrap}}form.inline{{display:inline}}form.inline button{{margin:0;padding:.1rem .5rem;font-size:.9rem}}td form{{margin:0}}td button{{margin:0;padding:.2rem .6rem;font-size:.9rem}}
nav{{color:#555;margin-bottom:1rem}}.notice{{color:#05620a}}input.secret{{font-family:monospace}}
label{{display:block;margin:.75rem 0}}input{{display:block;width:100%;box-sizing:border-box;padding:.4rem;font-size:1rem}}
.scrolls{{overflow-x:auto}}td{{overflow-wrap:anywhere}}
button{{margin:.75rem .5rem 0 0;padding:.5rem 1rem;font-size:1rem}}.error{{color:#b00020}}
dt{{font-weight:600}}dd{{margin:0 0 .5rem 0}}dialog{{position:static;max-width:40rem;border:2px solid #222;border-radius:.5rem;padding:1rem 1.5rem}}</style></head>
<body><main>{body}</main>{script}</body></html>"#,
        title = escape(&title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    let scripts = nonce.map(|nonce| format!("; script-src 'nonce-{nonce}'")).unwrap_or_default();
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'{scripts}"
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).expect("a header value"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a person typed, for the field it goes back into after a refusal: escaped, and left out
/// when it holds a key or token pasted in the wrong place (the page would repeat it), or is
/// longer than anything a field takes by far (a link's `?user_code=` of 30,000 characters came
/// back whole).
pub fn refill(typed: &str) -> String {
    const REFILLED_CHARS: usize = 1_000;
    if keystroke_api::contains_secret(typed) || typed.chars().nth(REFILLED_CHARS).is_some() {
        return String::new();
    }
    escape(typed)
}
