//! Forms and queries as the pages read them (a refusal is a page, not JSON), and [`SentForms`],
//! which makes a form sent twice act once.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::message_page;
use crate::expiring::ExpiringMap;
use crate::tokens::random_base62;

/// `Form` for the pages: a form that does not parse (a field missing, its CSRF token included,
/// or a wrong content type) gets a refusal page that says so instead of axum's plain-text error.
/// Our pages always send every field, so it was changed on the way or sent by something else.
/// A form a browser says came from another site is refused before it is read.
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Beside the CSRF token and the `SameSite=Strict` cookies: a browser says when a form
        // was sent from a page of another site, and no page of this platform is that.
        if request.headers().get("sec-fetch-site").is_some_and(|site| site == "cross-site") {
            return Err(message_page(
                StatusCode::FORBIDDEN,
                "Request refused",
                "This form was sent from another website. Open this platform's page and send it from there.",
            ));
        }
        match Form::<T>::from_request(request, state).await {
            Ok(Form(form)) => Ok(WebForm(form)),
            Err(_) => Err(message_page(
                StatusCode::FORBIDDEN,
                "Request refused",
                "The form arrived incomplete or was not sent by this page. Reload it and try again.",
            )),
        }
    }
}

/// `Query` for the pages: a query that does not parse (a parameter twice, a value the page cannot
/// read) gets a page that says so instead of axum's plain-text error. Parameters the page does
/// not know are ignored.
pub struct WebQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for WebQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(query)) => Ok(WebQuery(query)),
            Err(_) => Err(message_page(
                StatusCode::BAD_REQUEST,
                "Address not understood",
                "The page's address has a part twice, or one the page cannot read. Open the page from its link \
                 and try again.",
            )),
        }
    }
}

/// The answer to a signed-in form without its CSRF token.
pub fn form_refused() -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "The form was not sent by this page. Reload it and try again.",
    )
}

/// What a sign-in form without its CSRF token is answered with: the form again, with a fresh
/// token and what was typed (the password aside). One token serves every sign-in page of the
/// browser, so opening another one (a second tab) replaces the first's; and Reload on a page that
/// said only "expired" would send the same stale token again.
pub const SIGN_IN_FORM_EXPIRED: &str =
    "That form had expired, or a sign-in page opened since in this browser replaced it: sign in again here.";

/// Forms that act once (creating a key): each page's form carries a fresh id, and the form sent
/// again (Reload on the page that answered it) is told so instead of acting again. Ids are kept
/// as long as a page's form stays usable (the web session's lifetime), in this process: another
/// platform process on the same database would not know them.
pub struct SentForms {
    /// When each form was sent.
    sent: Mutex<ExpiringMap<Instant>>,
    kept_for: Duration,
}

impl SentForms {
    pub fn new(kept_for: Duration) -> Self {
        SentForms { sent: Mutex::new(ExpiringMap::new(Self::SWEEP_ABOVE)), kept_for }
    }

    const ID_LENGTH: usize = 24;
    /// Past this many forms remembered, the expired are swept out ([`ExpiringMap`]).
    const SWEEP_ABOVE: usize = 1024;
    /// Past this many forms remembered, new ones are not (they act as forms without an id).
    const MOST_REMEMBERED: usize = 100_000;

    /// A new id for a form about to be shown.
    pub fn new_id() -> String {
        random_base62(Self::ID_LENGTH)
    }

    /// Records the form as sent; false when it was sent before. An id of another shape than
    /// [`SentForms::new_id`]'s is none: the form acts, and nothing is remembered.
    pub fn first_sending(&self, id: &str) -> bool {
        if id.len() != Self::ID_LENGTH || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return true;
        }
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        // Swept as it grows, and bounded: only signed-in people's forms get here.
        sent.sweep_if_grown(|at| at.elapsed() < self.kept_for);
        let forms = &mut sent.entries;
        match forms.get(id) {
            Some(at) if at.elapsed() < self.kept_for => false,
            _ if forms.len() >= Self::MOST_REMEMBERED => true,
            _ => {
                forms.insert(id.to_owned(), Instant::now());
                true
            }
        }
    }

    /// Forgets a sending that did not act (the platform failed), so the same form may be sent
    /// again.
    pub fn forget(&self, id: &str) {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).entries.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A form is acted on once while remembered; the forms remembered are swept of the expired as
    /// they grow, but not at every sending while the live ones fill the map.
    #[test]
    fn a_form_acts_once_and_the_remembered_are_swept_as_they_grow() {
        let live = SentForms::new(Duration::from_secs(3600));
        let id = SentForms::new_id();
        assert!(live.first_sending(&id));
        assert!(!live.first_sending(&id), "sent again");
        live.forget(&id);
        assert!(live.first_sending(&id), "forgotten: it may act again");
        assert!(live.first_sending("not-an-id"), "an id of another shape is none");
        for _ in 0..SentForms::SWEEP_ABOVE {
            live.first_sending(&SentForms::new_id());
        }
        assert!(!live.first_sending(&id), "still remembered (and a sweep of nothing: every form is live)");
        let swept_at = live.sent.lock().unwrap().sweep_above();
        assert_eq!(swept_at, 2 * (SentForms::SWEEP_ABOVE + 1), "all live: the next sweep waits for twice as many");

        let expiring = SentForms::new(Duration::ZERO);
        for _ in 0..=SentForms::SWEEP_ABOVE + 1 {
            expiring.first_sending(&SentForms::new_id());
        }
        assert!(expiring.sent.lock().unwrap().entries.len() <= 1, "the expired are swept");
    }
}
