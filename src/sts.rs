//! The Security Token Service's AssumeRole, signed with SigV4: the query protocol (a
//! form-encoded POST to `/`, `Action=AssumeRole&Version=2011-06-15`), answered in XML.
//! An error is `<ErrorResponse><Error><Code>…</Code><Message>…</Message>`; throttling
//! (`Throttling`, HTTP 400 or 429) and server errors are tried again with growing pauses.

use chrono::Utc;

use crate::aws::Credentials;
use crate::aws::{sigv4, sso};
use crate::error::Error;
use crate::net::{Client, url_encode};
use crate::oidc::{ApiError, backoff};

const MAX_ATTEMPTS: u32 = 4;

/// One AssumeRole call's parameters.
pub struct AssumeRole<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub duration_seconds: Option<u32>,
    pub external_id: Option<&'a str>,
    /// The MFA device's serial number (or ARN) and the code it shows.
    pub mfa: Option<(&'a str, &'a str)>,
}

/// Why AssumeRole failed.
#[derive(Debug)]
pub enum Failure {
    /// STS answered with an error.
    Api(ApiError),
    Other(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Other(e)
    }
}

impl Failure {
    /// The MFA code was refused: the person may type another.
    pub fn is_wrong_mfa_code(&self) -> bool {
        matches!(self, Failure::Api(e) if e.code == "AccessDenied" && e.message.contains("MultiFactorAuthentication"))
    }
}

/// The form body of `call`.
fn body(call: &AssumeRole) -> String {
    let mut pairs = vec![
        ("Action", "AssumeRole".to_string()),
        ("Version", "2011-06-15".to_string()),
        ("RoleArn", call.role_arn.to_string()),
        ("RoleSessionName", call.session_name.to_string()),
    ];
    if let Some(d) = call.duration_seconds {
        pairs.push(("DurationSeconds", d.to_string()));
    }
    if let Some(id) = call.external_id {
        pairs.push(("ExternalId", id.to_string()));
    }
    if let Some((serial, code)) = call.mfa {
        pairs.push(("SerialNumber", serial.to_string()));
        pairs.push(("TokenCode", code.to_string()));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Calls AssumeRole at `client`'s endpoint with `source`'s keys, signed for `region`.
pub fn assume_role(
    client: &Client,
    region: &str,
    source: &Credentials,
    call: &AssumeRole,
) -> std::result::Result<Credentials, Failure> {
    let body = body(call);
    let path = client.endpoint().base_path();
    let path = if path.is_empty() { "/" } else { path };
    let mut attempt = 1;
    loop {
        let mut req = sigv4::Request {
            method: "POST",
            path,
            query: &[],
            headers: vec![
                ("host".into(), client.endpoint().authority().to_string()),
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded; charset=utf-8".into(),
                ),
            ],
            body: body.as_bytes(),
        };
        let keys = sigv4::Keys {
            access_key_id: &source.access_key_id,
            secret_access_key: &source.secret_access_key,
            session_token: source.session_token.as_deref(),
        };
        let auth = sigv4::sign(&mut req, &keys, region, "sts", Utc::now());
        let mut headers = req.headers;
        // ureq sets the Host header from the URL itself.
        headers.retain(|(k, _)| k != "host");
        headers.push(("authorization".into(), auth));
        let reply = client.post("", body.as_bytes(), &headers)?;
        let text = String::from_utf8_lossy(&reply.body);
        if (200..300).contains(&reply.status) {
            return parse_credentials(&text).ok_or_else(|| {
                Failure::Other(Error::runtime(
                    "STS answered AssumeRole without credentials".to_string(),
                ))
            });
        }
        let error = ApiError {
            status: reply.status,
            code: element(&text, "Code").unwrap_or_else(|| format!("HTTP {}", reply.status)),
            message: element(&text, "Message").unwrap_or_default(),
        };
        let again = reply.status >= 500
            || reply.status == 429
            || matches!(
                error.code.as_str(),
                "Throttling" | "ThrottlingException" | "RequestLimitExceeded"
            );
        if again && attempt < MAX_ATTEMPTS {
            std::thread::sleep(backoff(attempt, reply.retry_after));
            attempt += 1;
            continue;
        }
        return Err(Failure::Api(error));
    }
}

/// The credentials of an AssumeRole answer.
fn parse_credentials(xml: &str) -> Option<Credentials> {
    let creds = section(xml, "Credentials")?;
    let expiration = element(creds, "Expiration")?;
    Some(Credentials {
        access_key_id: element(creds, "AccessKeyId")?,
        secret_access_key: element(creds, "SecretAccessKey")?,
        session_token: Some(element(creds, "SessionToken")?),
        expiration: Some(sso::parse_time(&expiration)?),
    })
}

/// The text between `<tag>` and `</tag>`, as written.
fn section<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

/// The text of the first `<tag>` element, its character references decoded.
fn element(xml: &str, tag: &str) -> Option<String> {
    section(xml, tag).map(unescape)
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and numeric references decoded.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(end) = after.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_assume_role_answer() {
        let xml = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/s</Arn></AssumedRoleUser>
  <Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s&amp;&#x2F;k</SecretAccessKey>
  <SessionToken>t&lt;1&gt;</SessionToken><Expiration>2026-11-30T10:00:00.5Z</Expiration></Credentials>
  </AssumeRoleResult></AssumeRoleResponse>"#;
        let c = parse_credentials(xml).unwrap();
        assert_eq!(c.access_key_id, "ASIA1");
        assert_eq!(c.secret_access_key, "s&/k");
        assert_eq!(c.session_token.as_deref(), Some("t<1>"));
        assert_eq!(
            c.expiration.unwrap().to_rfc3339(),
            "2026-11-30T10:00:00.500+00:00"
        );
        assert!(
            parse_credentials("<Credentials><AccessKeyId>A</AccessKeyId></Credentials>").is_none()
        );
        assert_eq!(unescape("a & b &bogus; &#65;"), "a & b &bogus; A");
    }

    #[test]
    fn the_body_is_form_encoded() {
        let call = AssumeRole {
            role_arn: "arn:aws:iam::1:role/R",
            session_name: "me@x",
            duration_seconds: Some(900),
            external_id: Some("a b"),
            mfa: Some(("arn:aws:iam::1:mfa/me", "123456")),
        };
        assert_eq!(
            body(&call),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2FR&RoleSessionName=me%40x&DurationSeconds=900&ExternalId=a%20b&SerialNumber=arn%3Aaws%3Aiam%3A%3A1%3Amfa%2Fme&TokenCode=123456"
        );
    }
}
