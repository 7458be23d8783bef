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
use crate::error::BODY_TOO_LARGE;
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
        // Beside the CSRF token and the cookies' `SameSite`: a browser says when a form
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
            // Larger than any form, though sent without its length (chunked): as a declared one.
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(message_page(StatusCode::PAYLOAD_TOO_LARGE, "Request refused", &super::sentence(BODY_TOO_LARGE)))
            }
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
    sent: Mutex<ExpiringMap<SentForm>>,
    kept_for: Duration,
}

/// A form sent: when, and the id of what it created once that is known.
struct SentForm {
    at: Instant,
    created: Option<String>,
}

/// What a form's sending finds.
#[derive(Debug, PartialEq)]
pub enum Sending {
    /// The first (or a form without an id, which nothing remembers): it acts.
    First,
    /// Sent before: the id of what that sending created, unless it is still at work.
    Again { created: Option<String> },
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

    /// Records the form as sent, unless it was sent before. An id of another shape than
    /// [`SentForms::new_id`]'s is none: the form acts, and nothing is remembered.
    pub fn sending(&self, id: &str) -> Sending {
        if id.len() != Self::ID_LENGTH || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Sending::First;
        }
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        // Swept as it grows, and bounded: only signed-in people's forms get here.
        sent.sweep_if_grown(|form| form.at.elapsed() < self.kept_for);
        let forms = &mut sent.entries;
        match forms.get(id) {
            Some(form) if form.at.elapsed() < self.kept_for => Sending::Again { created: form.created.clone() },
            _ if forms.len() >= Self::MOST_REMEMBERED => Sending::First,
            _ => {
                forms.insert(id.to_owned(), SentForm { at: Instant::now(), created: None });
                Sending::First
            }
        }
    }

    /// [`SentForms::sending`], once a sending of the form still at work (a double click's first)
    /// has an outcome, awaited a moment (2 s at most): the key it made, or its failure, after which
    /// this sending is the first and acts in its place (and says why it was refused).
    pub async fn settled_sending(&self, id: &str) -> Sending {
        let mut sending = self.sending(id);
        for _ in 0..40 {
            if sending != (Sending::Again { created: None }) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            sending = self.sending(id);
        }
        sending
    }

    /// Records what the form's sending created, for a sending of it again to name (a double click
    /// shows the second answer, and the secret on the first is never seen).
    pub fn created(&self, id: &str, created: &str) {
        if let Some(form) = self.sent.lock().unwrap_or_else(|e| e.into_inner()).entries.get_mut(id) {
            form.created = Some(created.to_owned());
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
        assert_eq!(live.sending(&id), Sending::First);
        assert_eq!(live.sending(&id), Sending::Again { created: None }, "sent again while the first is at work");
        live.created(&id, "ak_1");
        assert_eq!(live.sending(&id), Sending::Again { created: Some("ak_1".into()) }, "sent again: what it made");
        live.forget(&id);
        assert_eq!(live.sending(&id), Sending::First, "forgotten: it may act again");
        assert_eq!(live.sending("not-an-id"), Sending::First, "an id of another shape is none");
        live.created("not-an-id", "ak_2");
        assert_eq!(live.sending("not-an-id"), Sending::First, "and nothing is remembered of it");
        for _ in 0..SentForms::SWEEP_ABOVE {
            live.sending(&SentForms::new_id());
        }
        let again = live.sending(&id);
        assert_eq!(again, Sending::Again { created: None }, "still remembered (and a sweep of nothing: all live)");
        let swept_at = live.sent.lock().unwrap().sweep_above();
        assert_eq!(swept_at, 2 * (SentForms::SWEEP_ABOVE + 1), "all live: the next sweep waits for twice as many");

        let expiring = SentForms::new(Duration::ZERO);
        for _ in 0..=SentForms::SWEEP_ABOVE + 1 {
            expiring.sending(&SentForms::new_id());
        }
        assert!(expiring.sent.lock().unwrap().entries.len() <= 1, "the expired are swept");
    }

    /// A double click: the second sending awaits the first's outcome, the key it made, or its
    /// failure, after which it acts itself.
    #[tokio::test]
    async fn a_second_sending_awaits_the_firsts_outcome() {
        let forms = std::sync::Arc::new(SentForms::new(Duration::from_secs(3600)));
        for (outcome, expected) in
            [(Some("ak_1"), Sending::Again { created: Some("ak_1".into()) }), (None, Sending::First)]
        {
            let id = SentForms::new_id();
            assert_eq!(forms.sending(&id), Sending::First);
            let second = tokio::spawn({
                let (forms, id) = (forms.clone(), id.clone());
                async move { forms.settled_sending(&id).await }
            });
            tokio::time::sleep(Duration::from_millis(120)).await;
            assert!(!second.is_finished(), "waiting while the first is at work");
            match outcome {
                Some(created) => forms.created(&id, created),
                None => forms.forget(&id),
            }
            assert_eq!(second.await.unwrap(), expected);
        }
    }
}
