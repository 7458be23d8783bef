//! Settings > API keys: the web page to create, copy, review and revoke the active org's keys.
//! It acts through the same functions as the JSON API, with the same role rules.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use keystroke_api::{ApiKey, CreateApiKey, CreatedApiKey, MAX_KEY_LIFETIME_SECS, Membership, PageQuery, utc_minute};
use serde::Deserialize;

use super::login::to_login;
use super::{
    ACTIVE_ORG_COOKIE, POINTS_AT_PROBLEM, PageResult, Sending, SentForms, WebForm, WebQuery, cookie, csrf_for, escape,
    page, page_with_script, problem_paragraph, refill, sentence, session_csrf_ok, set_cookie, sign_out_form,
    web_session,
};
use crate::auth::{OrgAccess, member_access};
use crate::error::ApiError;
use crate::keys::{create_key, list_keys, may_see, newer_page_cursor, revoke_key, visible_key};
use crate::state::AppState;
use crate::storage::KeyRecord;

#[derive(Deserialize)]
pub struct ListQuery {
    org: Option<String>,
    cursor: Option<String>,
    /// A create form sent after the sign-in lapsed, brought back through the sign-in page.
    name: Option<String>,
    expires_in_days: Option<String>,
    /// Such a form whose fields were not carried (one looked like a secret, or they were long).
    unsent: Option<String>,
    /// A revocation sent after the sign-in lapsed, brought back through the sign-in page: the key
    /// to ask about again.
    revoke: Option<String>,
}

/// Settings > API keys, where a sign-in lands when it was not sent from elsewhere.
pub const PAGE: &str = "/settings/api-keys";

/// Where the list's and the confirmation's Revoke buttons post.
pub const REVOKE: &str = "/settings/api-keys/revoke";

/// The id of the key just revoked, carried from the revoke to the list it redirects to. A
/// same-site cookie, not a query parameter: a link from anywhere could otherwise show "Revoked"
/// for a key that still works.
const REVOKED_COOKIE: &str = "ks_revoked";

#[derive(Deserialize)]
pub struct CreateForm {
    org: String,
    name: String,
    #[serde(default)]
    expires_in_days: String,
    csrf: String,
    /// The form's own id ([`SentForms`]); absent from a page served before it existed.
    #[serde(default)]
    form_id: String,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    org: String,
    id: String,
    csrf: String,
    /// Set by the confirmation page's button: the list's Revoke button only asks.
    #[serde(default)]
    confirmed: String,
}

/// The remembered org outlives browser sessions: a year.
const ACTIVE_ORG_COOKIE_SECS: i64 = 365 * 86_400;

/// Ten years, as the API allows.
const MAX_EXPIRES_IN_DAYS: u64 = MAX_KEY_LIFETIME_SECS / 86_400;

/// Failures of the shared key functions, as a page instead of JSON, with the way back.
fn error_page(error: ApiError) -> Response {
    let body = format!(
        "<h1>Could not do that</h1>\n<p>{}</p>\n<p><a href=\"{PAGE}\">Back to API keys</a></p>",
        code_spans(&escape(&sentence(&error.message)))
    );
    page(error.status, "Could not do that", &body)
}

/// The API's messages quote names and ids in backticks, as the CLI shows them; a page shows
/// them as code. `escaped` is HTML already, and escaping leaves backticks alone.
fn code_spans(escaped: &str) -> String {
    let mut html = String::new();
    let mut parts = escaped.split('`');
    html.push_str(parts.next().unwrap_or_default());
    let rest: Vec<&str> = parts.collect();
    for (index, part) in rest.iter().enumerate() {
        // Inside a pair: code; a backtick without its closing one stays as it was.
        match (index % 2, index + 1 < rest.len()) {
            (0, true) => html.push_str(&format!("<code>{part}</code>")),
            (0, false) => html.push_str(&format!("`{part}")),
            _ => html.push_str(part),
        }
    }
    html
}

/// The page of `org`'s keys; of the active org when what a form sent as its org is no slug (it
/// could be anything, a pasted key too, and a URL ends up in history and proxies' logs).
fn list_url(org: &str) -> String {
    match keystroke_api::is_org_slug(org) {
        true => format!("{PAGE}?org={org}"),
        false => PAGE.to_owned(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebQuery(query): WebQuery<ListQuery>,
) -> PageResult {
    let Some(visitor) = web_session(&state, &headers)? else {
        // Only a slug goes into the way back: the query may hold anything, a pasted key included.
        let org = query.org.as_deref().filter(|org| keystroke_api::is_org_slug(org));
        let back = match (org, query.revoke.as_deref()) {
            (Some(org), Some(id)) => revoke_again_url(org, id),
            (org, _) => org.map(list_url).unwrap_or_else(|| PAGE.to_owned()),
        };
        return Ok(to_login(&back));
    };
    let csrf = csrf_for(&visitor.token);
    let memberships = state.storage.memberships_of(&visitor.user_id)?;
    let Some(first) = memberships.first() else {
        let body = format!(
            "<h1>No organization</h1>\n<p>You are not a member of any organization yet.</p>\n{}",
            sign_out_form(&csrf)
        );
        return Ok(page(StatusCode::OK, "No organization", &body));
    };
    // The org asked for, else the one chosen last (while still a member), else the first.
    let remembered =
        cookie(&state, &headers, ACTIVE_ORG_COOKIE).filter(|slug| memberships.iter().any(|m| m.org.slug == *slug));
    let slug = query.org.clone().or(remembered).unwrap_or_else(|| first.org.slug.clone());
    let access = match member_access(&state, &slug, &visitor.user_id, &visitor.session_id) {
        Ok(access) => access,
        Err(error) => return Ok(error_page(error)),
    };
    // Asked again, never done for them: any link can carry it, so the notice claims no more than
    // the address asking, and it takes a click still.
    if let Some(id) = query.revoke.as_deref() {
        // Only an id is quoted back: other text from a link would read as the platform's words.
        if !keystroke_api::is_public_id(id, keystroke_api::API_KEY_ID_PREFIX) {
            let named_no_key = format!("this page's address names no API key of org `{}`", access.org_slug);
            return Ok(error_page(ApiError::not_found(named_no_key)));
        }
        let to_the_list = || Redirect::to(&list_url(&access.org_slug)).into_response();
        return ask_to_revoke(&state, &access, id, &csrf, ASKED_BY_THE_ADDRESS, to_the_list);
    }
    let revoked = cookie(&state, &headers, REVOKED_COOKIE);
    let revoked = revoked.as_deref().filter(|id| keystroke_api::is_public_id(id, keystroke_api::API_KEY_ID_PREFIX));
    // Named as the CLI names it, and announced (`role="status"`): the page reads as it did before.
    let notice = match revoked {
        Some(id) => {
            // Only a key this visitor may see is named: the cookie is the browser's to set.
            let key = state.storage.revoked_api_key(&access.org_id, id)?.filter(|key| may_see(&access, key));
            let name = key.map(|key| key.name);
            format!(
                "<p class=\"notice\" role=\"status\">Revoked API key <code>{}</code>{}. Requests using it now fail.</p>\n",
                escape(id),
                name.map(|name| format!(" (<bdi>{}</bdi>)", escape(&name))).unwrap_or_default()
            )
        }
        None => String::new(),
    };
    // Brought back from a form sent after the sign-in lapsed: the form as it was typed, to send
    // again (not sent for them: they may have changed their mind while signing in). Any link can
    // fill it in as well, so the notice claims no more than where the draft came from.
    let draft = CreateDraft {
        name: query.name.as_deref().unwrap_or_default(),
        expires_in_days: query.expires_in_days.as_deref().unwrap_or_default(),
        problem: None,
    };
    let notice = match (query.name.is_some(), query.unsent.is_some(), notice.is_empty()) {
        (true, _, true) => "<p class=\"notice\">Nothing was created: the form below is filled in from this page's \
                            address (where a sign-in that ended keeps what was typed). Check it before you create the \
                            key.</p>\n"
            .to_owned(),
        (false, true, true) => "<p class=\"notice\">Nothing was created: the form was sent from a page of a sign-in \
                                that ended, and what it held is not kept in an address (it looked like a secret, or \
                                was long). Fill it in again.</p>\n"
            .to_owned(),
        _ => notice,
    };
    let mut response = list_page(&state, &memberships, &access, &csrf, query.cursor.as_deref(), &notice, &draft)?;
    set_cookie(&mut response, &state, ACTIVE_ORG_COOKIE, &access.org_slug, ACTIVE_ORG_COOKIE_SECS);
    if revoked.is_some() {
        set_cookie(&mut response, &state, REVOKED_COOKIE, "", 0); // said once
    }
    Ok(response)
}

/// What the create form shows: empty, or what was typed and why it was refused.
#[derive(Default)]
struct CreateDraft<'a> {
    name: &'a str,
    expires_in_days: &'a str,
    problem: Option<(StatusCode, String, Field)>,
}

/// The field a refused create is about: its input is marked and points at the reason.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Expiry,
}

/// The org's keys (one page, from `cursor`) under `notice`, with the create form.
fn list_page(
    state: &AppState,
    memberships: &[Membership],
    access: &OrgAccess,
    csrf: &str,
    cursor: Option<&str>,
    notice: &str,
    draft: &CreateDraft<'_>,
) -> PageResult {
    let page_query = PageQuery { limit: None, cursor: cursor.map(str::to_owned) };
    let keys = match list_keys(state, access, &page_query) {
        Ok(keys) => keys,
        Err(error) => return Ok(error_page(error)),
    };
    let slug = &access.org_slug;
    let page_url = |cursor: &str| format!("{}&amp;cursor={}", list_url(slug), escape(cursor));
    let newer = match cursor {
        Some(cursor) if !cursor.is_empty() => match newer_page_cursor(state, access, cursor)? {
            Some(newer) => {
                format!(
                    "<a href=\"{}\">« Newest keys</a> <a href=\"{}\">← Newer keys</a> ",
                    list_url(slug),
                    page_url(&newer)
                )
            }
            None => format!("<a href=\"{}\">← Newer keys</a> ", list_url(slug)),
        },
        _ => String::new(),
    };
    let older = keys
        .next_cursor
        .map(|cursor| format!("<a href=\"{}\">Older keys →</a>", page_url(&cursor)))
        .unwrap_or_default();
    let more = if newer.is_empty() && older.is_empty() { String::new() } else { format!("<p>{newer}{older}</p>") };
    let body = format!(
        "{nav}<h1>API keys</h1>\n<p>Keys of <strong>{org}</strong> act as the member who created them, with that member's role.</p>\n{notice}{create}{table}{more}",
        nav = org_nav(memberships, access, csrf),
        org = escape(slug),
        create = create_form(access, csrf, draft),
        table = key_table(&keys.data, access, csrf),
    );
    let status = draft.problem.as_ref().map_or(StatusCode::OK, |(status, _, _)| *status);
    Ok(page(status, &format!("API keys of {slug}"), &body))
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebForm(form): WebForm<CreateForm>,
) -> PageResult {
    // A page of an ended sign-in: back to the list, with what was typed, as after a sign-in.
    let stale = |_: OrgAccess, _: String| Ok(Redirect::to(&back_after_sign_in(&form)).into_response());
    let access = match checked_access(&state, &headers, &form.org, &form.csrf, || back_after_sign_in(&form), stale)? {
        Ok(access) => access,
        Err(response) => return Ok(response),
    };
    // Refused input comes back on the list page, in the form as it was typed, with the reason.
    let refused = |problem: ApiError, field: Field| -> PageResult {
        let memberships = state.storage.memberships_of(&access.user_id)?;
        let draft = CreateDraft {
            name: &form.name,
            expires_in_days: &form.expires_in_days,
            problem: Some((problem.status, problem.message, field)),
        };
        list_page(&state, &memberships, &access, &form.csrf, None, "", &draft)
    };
    let expires_in_seconds = match expiry_from_days(&form.expires_in_days) {
        Ok(seconds) => seconds,
        Err(problem) => return refused(problem, Field::Expiry),
    };
    // Sent again (Reload on the page with the secret, a double click): one key per form.
    if let Sending::Again { created } = state.sent_forms.settled_sending(&form.form_id).await {
        let memberships = state.storage.memberships_of(&access.user_id)?;
        let notice = sent_again_notice(&state, &access, created.as_deref());
        return list_page(&state, &memberships, &access, &form.csrf, None, &notice, &CreateDraft::default());
    }
    let request = CreateApiKey { name: form.name.clone(), expires_in_seconds };
    let created = match create_key(&state, &access, &request) {
        Ok(created) => created,
        Err(error) => {
            state.sent_forms.forget(&form.form_id); // nothing was made: the same form may try again
            return match error.status {
                // The lifetime was checked above: what the platform refuses is the name.
                StatusCode::UNPROCESSABLE_ENTITY => refused(error, Field::Name),
                _ => Ok(error_page(error)),
            };
        }
    };
    state.sent_forms.created(&form.form_id, &created.key.id);
    let body = reveal_dialog(&created, &list_url(&access.org_slug));
    Ok(page_with_script(StatusCode::CREATED, "Copy your API key", &body, COPY_SCRIPT))
}

/// Said when a create form comes again. A double click shows the browser the second answer, so
/// the secret on the first may never have been seen: the key it made is named, to revoke.
fn sent_again_notice(state: &AppState, access: &OrgAccess, created: Option<&str>) -> String {
    let key = created.and_then(|id| visible_key(state, access, id).ok());
    let said = match key {
        Some(key) => format!(
            "That form was sent already: it created API key <code>{id}</code> (“<bdi>{name}</bdi>”), whose secret was \
             shown once, on the page that first sending opened. Nothing new was created. If you did not copy that \
             secret, <a href=\"{revoke}\">revoke the key</a> and create another.",
            id = escape(&key.id),
            name = escape(&key.name),
            revoke = escape(&revoke_again_url(&access.org_slug, &key.id)),
        ),
        None if created.is_none() => "That form was sent already, and its key is still being created: nothing new \
                                      was created. Reload this page in a moment to see the key; if you did not copy \
                                      its secret, revoke it and create another."
            .to_owned(),
        None => "That form was sent already: its key was created then, and its secret shown once. Nothing new was \
                 created."
            .to_owned(),
    };
    format!("<p class=\"notice\" role=\"status\">{said}</p>\n")
}

/// Where a create form sent after the sign-in lapsed leads, once signed in again: the list page
/// with what was typed in it. Not a pasted secret, though (a URL ends up in history and proxies'
/// logs), nor more than a URL should carry.
fn back_after_sign_in(form: &CreateForm) -> String {
    let page = list_url(&form.org);
    let back = format!(
        "{page}{}name={}&expires_in_days={}",
        if page.contains('?') { '&' } else { '?' },
        super::query_value(&form.name),
        super::query_value(&form.expires_in_days),
    );
    let carried = back.len() <= 2048
        && !keystroke_api::contains_secret(&form.name)
        && !keystroke_api::contains_secret(&form.expires_in_days)
        && typed_as_days(&form.expires_in_days);
    match carried {
        true => back,
        false => format!("{page}{}unsent=1", if page.contains('?') { '&' } else { '?' }),
    }
}

/// Whether what the expiry field holds was typed as a number of days, right or wrong (`30`,
/// `-1`, `1.5`, `30d`, `2 days`), rather than words: a password or secret typed into the wrong
/// field is mostly letters, and is neither shown back nor carried in a link.
fn typed_as_days(typed: &str) -> bool {
    typed.chars().filter(|c| c.is_alphabetic()).count() <= 4
}

/// The expiry field refilled after a refusal, when it was typed as days ([`typed_as_days`]).
fn refill_days(typed: &str) -> String {
    if typed_as_days(typed) { refill(typed) } else { String::new() }
}

/// The form's expiry in days, as the API's seconds: none when left empty.
fn expiry_from_days(days: &str) -> Result<Option<u64>, ApiError> {
    match days.trim() {
        "" => Ok(None),
        days => match days.parse::<u64>() {
            Ok(days @ 1..=MAX_EXPIRES_IN_DAYS) => Ok(Some(days * 24 * 3600)),
            _ => Err(ApiError::invalid_field(
                "invalid_request",
                format!("Expiry must be a whole number of days from 1 to {MAX_EXPIRES_IN_DAYS}, or empty for none."),
            )),
        },
    }
}

/// The dialog that shows a new key's secret, the one time it is shown; `back` closes it.
fn reveal_dialog(created: &CreatedApiKey, back: &str) -> String {
    format!(
        r#"<dialog open aria-labelledby="reveal">
<h1 id="reveal">Copy your new API key</h1>
<p id="once"><strong>This secret is shown only once.</strong> Copy it now and store it somewhere safe. After you close this dialog, Keystroke only shows the key preview (<code>{preview}</code>).</p>
<label>Secret of “<bdi>{name}</bdi>” (<code>{id}</code>) in <strong>{org}</strong> <input id="secret" class="secret" readonly value="{secret}" autocomplete="off" spellcheck="false" autofocus aria-describedby="once"></label>
<button type="button" id="copy" hidden>Copy</button> <span id="copied" role="status"></span>
<p><a id="done" href="{back}">Done: I have copied it</a></p>
</dialog>"#,
        preview = escape(&created.key.preview),
        name = escape(&created.key.name),
        id = escape(&created.key.id),
        org = escape(&created.key.org),
        secret = escape(&created.secret),
        back = back,
    )
}

/// The reveal dialog's Copy button, the pages' only script: shown when scripts run (the field
/// can be selected and copied by hand without it). The clipboard API needs https or localhost;
/// elsewhere the browser's copy command takes the selected field.
///
/// And Back must not show the secret again: some browsers keep a page in memory for Back even
/// when it may not be cached (`no-store`). Done replaces this page in the history, the field is
/// emptied as the page is left, and a page brought back from memory leaves for the list at once.
const COPY_SCRIPT: &str = r#"const secret = document.getElementById("secret"), copy = document.getElementById("copy");
const said = document.getElementById("copied"), done = document.getElementById("done");
done.addEventListener("click", (event) => { event.preventDefault(); location.replace(done.href); });
addEventListener("pagehide", () => { secret.value = ""; });
addEventListener("pageshow", (event) => { if (event.persisted) location.replace(done.href); });
copy.hidden = false;
copy.addEventListener("click", async () => {
  secret.select();
  let copied = true;
  try { await navigator.clipboard.writeText(secret.value); } catch { copied = document.execCommand("copy"); }
  said.textContent = copied ? "Copied." : "Not copied: the field is selected, copy it with your keyboard.";
});"#;

pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebForm(form): WebForm<RevokeForm>,
) -> PageResult {
    // A page of an ended sign-in: asked again on a page of this one, saying nothing was revoked
    // (someone revoking a leaked key must not believe it done). It takes a click still.
    let stale = |access: OrgAccess, csrf: String| {
        let to_the_list = || Redirect::to(&list_url(&access.org_slug)).into_response();
        ask_to_revoke(&state, &access, &form.id, &csrf, NOT_REVOKED_YET, to_the_list)
    };
    let back = || revoke_again_url(&form.org, &form.id);
    let access = match checked_access(&state, &headers, &form.org, &form.csrf, back, stale)? {
        Ok(access) => access,
        Err(response) => return Ok(response),
    };
    let revoked = |id: &str| {
        let mut response = Redirect::to(&list_url(&access.org_slug)).into_response();
        set_cookie(&mut response, &state, REVOKED_COOKIE, id, 60);
        response
    };
    if form.confirmed != "yes" {
        // Asked first, as `keystroke api-key revoke` asks on a terminal: a stray click must not
        // break whatever uses the key. One revoked meanwhile (from another tab) is said to be.
        return ask_to_revoke(&state, &access, &form.id, &form.csrf, "", || revoked(&form.id));
    }
    match revoke_key(&state, &access, &form.id) {
        Ok(key) => Ok(revoked(&key.id)),
        // Sent twice (a double click on Revoke): the key is revoked, as asked, by the first.
        Err(error) if error.status == StatusCode::NOT_FOUND && revoked_already(&state, &access, &form.id)? => {
            Ok(revoked(&form.id))
        }
        Err(error) => Ok(error_page(error)),
    }
}

/// Where a revocation sent once the sign-in had lapsed goes on after signing in: the question
/// asked again (the list's, for what is no slug or id: a URL ends up in history and logs).
fn revoke_again_url(org: &str, id: &str) -> String {
    match keystroke_api::is_org_slug(org) && keystroke_api::is_public_id(id, keystroke_api::API_KEY_ID_PREFIX) {
        true => format!("{PAGE}?org={org}&revoke={id}"),
        false => list_url(org),
    }
}

/// The question before a revoke, under `notice`; for a key revoked meanwhile (another tab, a
/// double click), `revoked_meanwhile`'s answer; else the page saying what is wrong.
fn ask_to_revoke(
    state: &AppState,
    access: &OrgAccess,
    id: &str,
    csrf: &str,
    notice: &str,
    revoked_meanwhile: impl FnOnce() -> Response,
) -> PageResult {
    Ok(match visible_key(state, access, id) {
        Ok(record) => confirm_revoke_page(access, &record, csrf, notice),
        Err(error) if error.status == StatusCode::NOT_FOUND && revoked_already(state, access, id)? => {
            revoked_meanwhile()
        }
        Err(error) => error_page(error),
    })
}

/// Whether the key is one of the org's that this visitor may see, revoked already.
fn revoked_already(state: &AppState, access: &OrgAccess, id: &str) -> PageResult<bool> {
    let record = state.storage.revoked_api_key(&access.org_id, id)?;
    Ok(record.is_some_and(|record| may_see(access, &record)))
}

/// Said on the confirmation an address asks for (`?revoke=`): where a Revoke sent after the
/// sign-in ended comes back, and where any link can lead.
const ASKED_BY_THE_ADDRESS: &str = "<p class=\"notice\" role=\"status\">Nothing has been revoked: this page's \
                                    address asks about the key below (a Revoke sent after a sign-in ended comes back \
                                    here). Revoke it only if you meant to.</p>\n";

/// Said on the confirmation asked again for a form of an ended sign-in.
const NOT_REVOKED_YET: &str = "<p class=\"notice\" role=\"status\">Nothing was revoked yet: that page was from a \
                               sign-in that ended. Revoke the key from this one.</p>\n";

fn confirm_revoke_page(access: &OrgAccess, key: &KeyRecord, csrf: &str, notice: &str) -> Response {
    let body = format!(
        r#"{notice}<h1>Revoke API key “<bdi>{name}</bdi>”?</h1>
<p>Key <code>{id}</code> (<code>{preview}</code>) in <strong>{org}</strong>. Requests using it will fail at once; this cannot be undone.</p>
<form method="post" action="{REVOKE}"><input type="hidden" name="org" value="{org}"><input type="hidden" name="id" value="{id}"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="confirmed" value="yes"><button type="submit">Revoke</button> <a href="{back}">Cancel</a></form>"#,
        name = escape(&key.name),
        id = escape(&key.id),
        preview = escape(&key.preview),
        org = escape(&access.org_slug),
        csrf = escape(csrf),
        back = list_url(&access.org_slug),
    );
    page(StatusCode::OK, "Revoke API key", &body)
}

/// The visitor's access to `org` for a form, or the page to answer with: the sign-in (to come
/// `back` after, worked out only then), what `stale` makes of a form whose CSRF token is not
/// this session's (given the access and this session's token), or the error.
fn checked_access(
    state: &AppState,
    headers: &HeaderMap,
    org: &str,
    csrf: &str,
    back: impl FnOnce() -> String,
    stale: impl FnOnce(OrgAccess, String) -> PageResult,
) -> PageResult<Result<OrgAccess, Response>> {
    let Some(visitor) = web_session(state, headers)? else { return Ok(Err(to_login(&back()))) };
    let access = match member_access(state, org, &visitor.user_id, &visitor.session_id) {
        Ok(access) => access,
        Err(error) => return Ok(Err(error_page(error))),
    };
    if !session_csrf_ok(&visitor.token, csrf) {
        // Nothing is done. Mostly a page of an earlier sign-in (it lapsed, and another tab signed
        // in again), which gets a way on rather than a dead end that loses what was typed; a
        // forgery from another site never gets here (`WebForm`, the cookies' `SameSite`).
        tracing::info!(org = %access.org_slug, "a web form's CSRF token is not its session's: nothing done");
        return Ok(Err(stale(access, csrf_for(&visitor.token))?));
    }
    Ok(Ok(access))
}

fn org_nav(memberships: &[Membership], active: &OrgAccess, csrf: &str) -> String {
    let links: Vec<String> = memberships
        .iter()
        .map(|m| {
            // Names need not be unique; slugs are, and are what the CLI's `--org` takes.
            let label = format!("{} (<code>{}</code>, {})", escape(&m.org.name), escape(&m.org.slug), m.role);
            if m.org.slug == active.org_slug {
                format!("<strong aria-current=\"page\">{label}</strong>")
            } else {
                format!("<a href=\"{}\">{label}</a>", list_url(&m.org.slug))
            }
        })
        .collect();
    format!(
        "<nav aria-label=\"Settings\">Settings › API keys · Organization: {} · {}</nav>\n",
        links.join(" · "),
        sign_out_form(csrf)
    )
}

fn create_form(access: &OrgAccess, csrf: &str, draft: &CreateDraft<'_>) -> String {
    let problem = draft
        .problem
        .as_ref()
        .map(|(_, message, _)| problem_paragraph(&code_spans(&escape(&sentence(message)))))
        .unwrap_or_default();
    // The refused field is marked, points at the reason, and has the focus.
    let marked = |field: Field| match &draft.problem {
        Some((_, _, refused)) if *refused == field => format!("{POINTS_AT_PROBLEM} autofocus"),
        _ => String::new(),
    };
    format!(
        r#"<form method="post" action="{PAGE}">
<h2>Create a key</h2>
{problem}<label>Name <input name="name" required placeholder="Production automation" value="{name}"{name_marked}></label>
<label>Expires after (days, empty for never) <input name="expires_in_days" inputmode="numeric" value="{days}"{days_marked}></label>
<input type="hidden" name="org" value="{org}">
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="form_id" value="{form_id}">
<button type="submit">Create key</button>
</form>
"#,
        // No `maxlength`: browsers count it in UTF-16 units, which would stop a name of 100
        // emoji at 50; the limit's message comes back with the form instead.
        name = refill(draft.name),
        days = refill_days(draft.expires_in_days),
        name_marked = marked(Field::Name),
        days_marked = marked(Field::Expiry),
        org = escape(&access.org_slug),
        form_id = SentForms::new_id(),
    )
}

fn key_table(keys: &[ApiKey], access: &OrgAccess, csrf: &str) -> String {
    let creators = access.role.sees_all_keys();
    match (keys.is_empty(), creators) {
        (true, true) => return "<p>No API keys here.</p>\n".to_owned(),
        (true, false) => {
            return "<p>You have no API keys here. As a builder you see only the keys you created.</p>\n".to_owned();
        }
        (false, _) => {}
    }
    // A builder sees their own keys only, and is told so: the table is not the org's.
    let caption = match creators {
        true => "Keys of this organization",
        false => "Your keys in this organization (as a builder you see only the keys you created)",
    };
    // Scrolled on its own when wider than the screen (ids and previews stay whole, to copy), not
    // the whole page; reachable by keyboard, and named by its caption.
    let mut html = format!(
        "<div class=\"scrolls\" role=\"region\" aria-labelledby=\"keys\" tabindex=\"0\"><table>\n\
         <caption id=\"keys\">{caption}</caption>\n<tr><th>Name</th><th>Key preview</th><th>Created at</th>"
    );
    if creators {
        html.push_str("<th>Created by</th>");
    }
    // Every column named, the buttons' too: a screen reader reads out a header for each cell.
    html.push_str("<th>Last used</th><th>Expires</th><th>Action</th></tr>\n");
    for key in keys {
        html.push_str(&format!(
            "<tr><td><bdi>{}</bdi><br><small><code>{}</code></small></td><td><code>{}</code></td><td>{}</td>",
            escape(&key.name),
            escape(&key.id),
            escape(&key.preview),
            time_or_never(Some(key.created_at))
        ));
        if creators {
            let by = key.created_by.as_ref().map(|u| escape(&u.email)).unwrap_or_default();
            html.push_str(&format!("<td>{by}</td>"));
        }
        html.push_str(&format!(
            r#"<td>{}</td><td>{}</td><td><form method="post" action="{REVOKE}"><input type="hidden" name="org" value="{}"><input type="hidden" name="id" value="{}"><input type="hidden" name="csrf" value="{}"><button type="submit" aria-label="Revoke {} ({})">Revoke</button></form></td></tr>
"#,
            time_or_never(key.last_used_at),
            expiry(key.expires_at),
            escape(&access.org_slug),
            escape(&key.id),
            csrf,
            escape(&key.name),
            escape(&key.id),
        ));
    }
    html.push_str("</table></div>\n");
    html
}

/// Expired keys stay listed until revoked, but are refused: say so rather than leave a date to compare.
fn expiry(at: Option<time::OffsetDateTime>) -> String {
    match at {
        Some(at) if at <= time::OffsetDateTime::now_utc() => format!("{} (expired)", time_or_never(Some(at))),
        other => time_or_never(other),
    }
}

/// A time to the minute, or "never" (a key not used yet, or that does not expire).
fn time_or_never(at: Option<time::OffsetDateTime>) -> String {
    at.map(utc_minute).unwrap_or_else(|| "never".to_owned())
}
