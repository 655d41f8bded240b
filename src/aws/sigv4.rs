//! AWS Signature Version 4 for one request: the canonical request, the string to sign,
//! the derived key and the `Authorization` header.
//!
//! The canonical request is six lines: the method; the path, each byte outside the
//! unreserved set (`A-Z a-z 0-9 - _ . ~`) and `/` percent-encoded; the query, each name
//! and value percent-encoded (space as `%20`) and the pairs sorted; every signed header as
//! `name:value` (names lower-cased, values with surrounding blanks removed and inner runs
//! of blanks made one space), sorted by name, each followed by a line break; the signed
//! header names joined by `;`; and the hex SHA-256 of the body. The string to sign is
//! `AWS4-HMAC-SHA256`, the `X-Amz-Date` time, the scope `DATE/REGION/SERVICE/aws4_request`
//! and the hex SHA-256 of the canonical request, one per line. The key is HMAC-SHA256
//! applied in turn to the date, region, service and `aws4_request`, starting from
//! `"AWS4" + secret key`.

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::md;
use super::sha256;

/// What signs a request: an access key, its secret, and a session token when the keys
/// are temporary.
pub struct Keys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

/// A request to sign. `headers` must hold `host`; `x-amz-date` (and
/// `x-amz-security-token` for temporary keys) are added by [`sign`].
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// HMAC-SHA256 (RFC 2104, 64-byte blocks).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Vec::with_capacity(64 + data.len());
    inner.extend(block.iter().map(|b| b ^ 0x36));
    inner.extend_from_slice(data);
    let mut outer = Vec::with_capacity(96);
    outer.extend(block.iter().map(|b| b ^ 0x5c));
    outer.extend_from_slice(&sha256::digest(&inner));
    sha256::digest(&outer)
}

/// RFC 3986's unreserved characters, the only ones SigV4 leaves unencoded (and what every
/// query awsp sends is encoded with).
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path's set: the unreserved characters and `/`.
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Percent-encodes every byte outside the unreserved set; `/` too unless `keep_slash`.
fn encode(s: &str, keep_slash: bool) -> String {
    let set = if keep_slash { PATH } else { UNRESERVED };
    utf8_percent_encode(s, set).to_string()
}

/// A header value as it is signed: trimmed, inner runs of blanks made one space.
fn trim_value(v: &str) -> String {
    v.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request and the `;`-joined signed header names.
pub fn canonical_request(req: &Request) -> (String, String) {
    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (encode(k, false), encode(v, false)))
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in &req.headers {
        let name = name.to_ascii_lowercase();
        let value = trim_value(value);
        // Repeated headers are signed as one, their values joined by commas.
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    headers.sort();
    let signed = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let path = if req.path.is_empty() { "/" } else { req.path };
    let mut text = format!("{}\n{}\n{query}\n", req.method, encode(path, true));
    for (n, v) in &headers {
        text.push_str(&format!("{n}:{v}\n"));
    }
    text.push_str(&format!("\n{signed}\n{}", sha256::hex(req.body)));
    (text, signed)
}

/// Signs `req` for `region` and `service` at `now`: adds `x-amz-date` (and
/// `x-amz-security-token`) to its headers and returns the `Authorization` value.
pub fn sign(
    req: &mut Request,
    keys: &Keys,
    region: &str,
    service: &str,
    now: DateTime<Utc>,
) -> String {
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz_date[..8];
    req.headers.push(("x-amz-date".into(), amz_date.clone()));
    if let Some(token) = keys.session_token {
        req.headers
            .push(("x-amz-security-token".into(), token.to_string()));
    }
    let (canonical, signed) = canonical_request(req);
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256::hex(canonical.as_bytes())
    );
    let mut key = hmac_sha256(
        format!("AWS4{}", keys.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = md::hex(&hmac_sha256(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        keys.access_key_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 4231, test cases 1 and 6 (a key longer than a block).
    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            md::hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            md::hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    /// The `get-vanilla` and `get-vanilla-query-order-key-case` cases of AWS's published
    /// SigV4 test suite (keys `AKIDEXAMPLE`, 2015-08-30T12:36:00Z, us-east-1, `service`).
    #[test]
    fn matches_the_published_test_suite() {
        let keys = Keys {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        let now = Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap();
        let cases: [(&[(&str, &str)], &str); 2] = [
            (
                &[],
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                &[("Param2", "value2"), ("Param1", "value1")],
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
        ];
        for (query, signature) in cases {
            let mut req = Request {
                method: "GET",
                path: "/",
                query,
                headers: vec![("Host".into(), "example.amazonaws.com".into())],
                body: b"",
            };
            let auth = sign(&mut req, &keys, "us-east-1", "service", now);
            assert_eq!(
                auth,
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
                )
            );
        }
    }

    #[test]
    fn header_values_are_trimmed_and_names_sorted() {
        let req = Request {
            method: "POST",
            path: "/a b",
            query: &[("k", "v w")],
            headers: vec![
                ("My-Header1".into(), "  value1   two ".into()),
                ("host".into(), "h".into()),
            ],
            body: b"x",
        };
        let (text, signed) = canonical_request(&req);
        assert_eq!(signed, "host;my-header1");
        assert!(
            text.starts_with("POST\n/a%20b\nk=v%20w\nhost:h\nmy-header1:value1 two\n\n"),
            "{text}"
        );
    }
}
