//! The browser side of the device flow, over plain HTTP/1.1 on a `TcpStream`: what a person
//! does on the approval page, for tests (feature `test-support`, which the binaries go without).
//! No HTTP client crate is linked into the platform for this.

use std::io::{Read, Write};
use std::net::TcpStream;

use anyhow::{Context, bail};

use crate::web::query_value;

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn cookie(&self, name: &str) -> Option<String> {
        self.head
            .lines()
            .filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
            .find_map(|c| {
                let (pair, _) = c.split_once(';').unwrap_or((c, ""));
                pair.strip_prefix(&format!("{name}=")).map(str::to_owned)
            })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    fn hidden_field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        Some(self.body[start..].split('"').next()?.to_owned())
    }
}

fn request(
    base: &str,
    method: &str,
    path: &str,
    cookie: Option<String>,
    form: &[(&str, &str)],
) -> anyhow::Result<Reply> {
    let authority = base.strip_prefix("http://").context("the dev browser speaks plain http only")?;
    let mut stream = TcpStream::connect(authority).with_context(|| format!("connecting to {base}"))?;
    let body: String = form.iter().map(|(k, v)| format!("{k}={}", query_value(v))).collect::<Vec<_>>().join("&");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    stream.write_all(format!("{head}\r\n{body}").as_bytes())?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").context("malformed HTTP response")?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("malformed status line")?;
    Ok(Reply { status, head: head.to_owned(), body: body.to_owned() })
}

pub fn decide(base: &str, user_code: &str, email: &str, password: &str, decision: &str) -> anyhow::Result<()> {
    let form_page = request(base, "GET", &format!("/device?user_code={}", query_value(user_code)), None, &[])?;
    let csrf_cookie = form_page.cookie("ks_csrf").context("the sign-in page set no CSRF cookie")?;
    let csrf = form_page.hidden_field("csrf").context("the sign-in form has no CSRF field")?;
    let signed_in = request(
        base,
        "POST",
        "/device",
        Some(format!("ks_csrf={csrf_cookie}")),
        &[("email", email), ("password", password), ("user_code", user_code), ("csrf", &csrf)],
    )?;
    if signed_in.status != 303 {
        bail!("signing in on the approval page failed with HTTP {}", signed_in.status);
    }
    let session = signed_in.cookie("ks_web").context("signing in set no session cookie")?;
    let approval_page = signed_in.header("location").context("signing in led nowhere")?;
    let approval = request(base, "GET", approval_page, Some(format!("ks_web={session}")), &[])?;
    let csrf = approval.hidden_field("csrf").context("the approval page has no CSRF field")?;
    let decided = request(
        base,
        "POST",
        "/device/decision",
        Some(format!("ks_web={session}")),
        &[("user_code", user_code), ("csrf", &csrf), ("decision", decision)],
    )?;
    if decided.status != 200 {
        bail!("the {decision} decision failed with HTTP {}", decided.status);
    }
    Ok(())
}
