//! The platform's few web pages: sign-in and sign-out, the device-flow approval page, and
//! Settings > API keys.
//! Server-rendered HTML; the one script is the reveal dialog's Copy button, which the page does
//! without. A person signs in with email and password, and every form that changes something
//! carries a CSRF token.
//!
//! A module per page (`login`, `device`, `api_keys`), and what they share: [`html`] (the page
//! around a body, escaping, messages), [`cookies`] (and their CSRF checks), [`forms`] (forms and
//! queries read as pages, a form sent twice acting once), [`password_sign_in`] (a password
//! checked, a browser session started).

pub mod api_keys;
mod cookies;
pub mod device;
mod forms;
mod html;
pub mod known_browsers;
pub mod login;
mod password_sign_in;

pub use cookies::{
    ACTIVE_ORG_COOKIE, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, WebSession, cookie, csrf_for, session_csrf_ok, set_cookie,
    sign_in_csrf_ok, web_session,
};
pub use forms::{SIGN_IN_FORM_EXPIRED, Sending, SentForms, WebForm, WebQuery, form_refused};
pub use html::{
    POINTS_AT_PROBLEM, PageError, PageResult, error_paragraph, escape, message_page, message_page_leading_to, page,
    page_with_script, problem_paragraph, query_value, refill, sentence, sign_out_form,
};
pub use password_sign_in::{
    WRONG_SIGN_IN, credential_fields, set_sign_in_cookies, sign_in_form_page, sign_in_with_password, too_many_attempts,
};
