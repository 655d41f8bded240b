//! HTTPS for the AWS services awsp calls (IAM Identity Center, STS, the console's
//! federation endpoint): one blocking request at a time, certificates always
//! verified (rustls with Mozilla's roots, or the user's CA bundle in their place, as
//! botocore does), proxies from `HTTPS_PROXY`/`HTTP_PROXY` except for `NO_PROXY` hosts,
//! timeouts on every call, and every failure one line that names no token.
//!
//! Plain `http://` is accepted only for loopback addresses (a local test server); an
//! endpoint override elsewhere must be `https://`.

use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::env::Env;
use crate::error::Result;
use crate::fsio;

/// The longest one call may take, connection to last byte.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a response body read: Identity Center answers are a few KB.
const MAX_BODY: u64 = 4 << 20;
/// The most of a CA bundle read.
const MAX_CA_BUNDLE: u64 = 16 << 20;

/// A service's base URL, checked: `https://…`, or `http://` on a loopback address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint(String);

impl Endpoint {
    /// `url` without a trailing `/`, refused unless https or loopback http. `from` names
    /// where the URL came from, for the error.
    pub fn parse(url: &str, from: &str) -> Result<Endpoint> {
        let url = url.trim().trim_end_matches('/');
        let host = match url.split_once("://") {
            Some(("https", rest)) => host_of(rest),
            Some(("http", rest)) if is_loopback(host_of(rest)) => host_of(rest),
            Some(("http", _)) => bail!(
                "{from}: plain http is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https://"
            ),
            _ => bail!("{from} is not an https:// URL"),
        };
        if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            bail!("{from} is not a valid URL");
        }
        Ok(Endpoint(url.to_string()))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    fn host(&self) -> &str {
        host_of(self.after_scheme())
    }

    fn after_scheme(&self) -> &str {
        self.0.split_once("://").map_or("", |(_, r)| r)
    }

    /// `host[:port]`, as the `Host` header carries it.
    pub fn authority(&self) -> &str {
        let rest = self.after_scheme();
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority.rsplit('@').next().unwrap_or(authority)
    }

    /// The path the URL holds before the one a call adds (empty for a bare host).
    pub fn base_path(&self) -> &str {
        let rest = self.after_scheme();
        rest.find('/').map_or("", |i| &rest[i..])
    }
}

/// Percent-encodes all but letters, digits and `-._~`.
pub fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, crate::aws::sigv4::UNRESERVED).to_string()
}

/// The host of `authority/path…`, without port, user info or IPv6 brackets.
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Which Identity Center service, for its endpoint.
#[derive(Clone, Copy, Debug)]
pub enum Service {
    /// OIDC: client registration, device authorization, tokens (`sso-oidc`).
    Oidc,
    /// The access portal: accounts, roles, credentials, logout (`sso`).
    Portal,
    /// The Security Token Service: AssumeRole (`sts`).
    Sts,
}

impl Service {
    fn override_var(self) -> &'static str {
        match self {
            Service::Oidc => "AWS_ENDPOINT_URL_SSO_OIDC",
            Service::Portal => "AWS_ENDPOINT_URL_SSO",
            Service::Sts => "AWS_ENDPOINT_URL_STS",
        }
    }

    /// The endpoint botocore would use: the service's own override variable, then
    /// `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true; else
    /// the region's public endpoint.
    pub fn endpoint(self, env: &Env, region: &str) -> Result<Endpoint> {
        let ignore = env
            .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !ignore {
            for var in [self.override_var(), "AWS_ENDPOINT_URL"] {
                if let Some(url) = env.get(var) {
                    return Endpoint::parse(url, var);
                }
            }
        }
        if matches!(self, Service::Sts) && region.is_empty() {
            // No region: the global endpoint, as botocore uses then.
            return Endpoint::parse("https://sts.amazonaws.com", "the global STS endpoint");
        }
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            let setting = match self {
                Service::Sts => "region",
                _ => "sso_region",
            };
            bail!("{setting} `{region}` is not a region name");
        }
        let host = match self {
            Service::Oidc => format!("oidc.{region}.amazonaws.com"),
            Service::Portal => format!("portal.sso.{region}.amazonaws.com"),
            Service::Sts => format!("sts.{region}.amazonaws.com"),
        };
        let suffix = if region.starts_with("cn-") { ".cn" } else { "" };
        Endpoint::parse(&format!("https://{host}{suffix}"), "the region's endpoint")
    }
}

/// An answer: any HTTP status, with the body and what errors carry.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// `x-amzn-ErrorType`, up to its first `:`.
    pub error_type: Option<String>,
    /// `Retry-After`, in whole seconds.
    pub retry_after: Option<u64>,
}

/// A client for one endpoint, with its proxy and trusted roots.
pub struct Client {
    agent: ureq::Agent,
    endpoint: Endpoint,
    proxy: Option<String>,
}

impl Client {
    /// `ca_bundle` is the profile's `ca_bundle` setting; `AWS_CA_BUNDLE` wins over it.
    pub fn new(env: &Env, endpoint: Endpoint, ca_bundle: Option<&str>) -> Result<Client> {
        let roots = match env.get("AWS_CA_BUNDLE").or(ca_bundle) {
            Some(path) => RootCerts::Specific(Arc::new(read_bundle(env, path)?)),
            None => RootCerts::WebPki,
        };
        let proxy = proxy_for(env, &endpoint);
        let proxy_config = match &proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|_| {
                crate::error::Error::runtime(format!(
                    "the proxy `{}` is not a valid URL",
                    redact_userinfo(p)
                ))
            })?),
            None => None,
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(CALL_TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .user_agent(concat!("awsp/", env!("CARGO_PKG_VERSION")))
            .proxy(proxy_config)
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build();
        Ok(Client {
            agent: config.new_agent(),
            endpoint,
            proxy,
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// POSTs `body` as JSON to `path`.
    pub fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Result<Reply> {
        let url = self.endpoint.url(path);
        let mut req = self
            .agent
            .post(&url)
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let result = req.send(serde_json::to_vec(body).unwrap_or_default());
        self.reply(path, result)
    }

    /// POSTs `body` to `path` with exactly `headers` (a signed request's).
    pub fn post(&self, path: &str, body: &[u8], headers: &[(String, String)]) -> Result<Reply> {
        let url = self.endpoint.url(path);
        let mut req = self.agent.post(&url);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let result = req.send(body);
        self.reply(path, result)
    }

    /// GETs `path` (with its query).
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Result<Reply> {
        let url = self.endpoint.url(path);
        let mut req = self.agent.get(&url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.reply(path, req.call())
    }

    fn reply(
        &self,
        path: &str,
        result: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Reply> {
        let mut response = result.map_err(|e| self.explain(e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let error_type = header("x-amzn-errortype")
            .map(|t| t.split(':').next().unwrap_or("").trim().to_string())
            .filter(|t| !t.is_empty());
        let retry_after = header("retry-after").and_then(|v| v.trim().parse().ok());
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| {
                crate::error::Error::runtime(format!(
                    "{}: reading the answer to {}: {}",
                    self.endpoint.host(),
                    path.split('?').next().unwrap_or(path),
                    describe(&e)
                ))
            })?;
        Ok(Reply {
            status,
            body,
            error_type,
            retry_after,
        })
    }

    /// One line for a failure to get an answer at all.
    fn explain(&self, e: ureq::Error) -> crate::error::Error {
        let host = self.endpoint.host();
        let via = match &self.proxy {
            Some(p) => format!(" through the proxy {}", redact_userinfo(p)),
            None => String::new(),
        };
        let fix = match (&e, &self.proxy) {
            (ureq::Error::ConnectProxyFailed(_), _) | (_, Some(_)) => {
                "; check HTTPS_PROXY/HTTP_PROXY and NO_PROXY"
            }
            (ureq::Error::Tls(_) | ureq::Error::Rustls(_), _) => {
                "; behind a TLS-inspecting proxy, point AWS_CA_BUNDLE at its CA certificate"
            }
            _ => "",
        };
        crate::error::Error::runtime(format!("cannot reach {host}{via}: {}{fix}", describe(&e)))
    }
}

/// A ureq error in a few words.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::HostNotFound => "the host name does not resolve (DNS)".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Tls(m) => format!("TLS: {m}"),
        ureq::Error::Rustls(r) => format!("TLS: {r}"),
        ureq::Error::ConnectProxyFailed(m) => format!("the proxy refused: {m}"),
        ureq::Error::BodyExceedsLimit(n) => format!("the answer is larger than {n} bytes"),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
    .replace(['\n', '\r'], " ")
}

/// `scheme://user:pass@host` without the user and password.
fn redact_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) => format!("{scheme}://…@{host}"),
            None => url.to_string(),
        },
        None => match url.split_once('@') {
            Some((_, host)) => format!("…@{host}"),
            None => url.to_string(),
        },
    }
}

/// The proxy for `endpoint`: `HTTPS_PROXY` (or `https_proxy`) for https, `HTTP_PROXY`
/// (or `http_proxy`) for http, none when `NO_PROXY` (or `no_proxy`) names the host: `*`,
/// the host itself, or a domain it is under (`example.com` and `.example.com` both cover
/// `a.example.com`), as Python's requests, which botocore uses, reads it. A loopback
/// endpoint is never proxied.
fn proxy_for(env: &Env, endpoint: &Endpoint) -> Option<String> {
    if is_loopback(endpoint.host()) {
        // A server on this machine (a test's, the demo's) is never reached through a proxy.
        return None;
    }
    let vars: [&str; 2] = if endpoint.is_https() {
        ["HTTPS_PROXY", "https_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy"]
    };
    let proxy = vars.iter().find_map(|v| env.get(v))?;
    let host = endpoint.host().to_ascii_lowercase();
    let no_proxy = env
        .get("NO_PROXY")
        .or_else(|| env.get("no_proxy"))
        .unwrap_or("");
    let bypass = no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry.split(':').next().unwrap_or("").to_ascii_lowercase();
        let domain = entry.trim_start_matches("*").trim_start_matches('.');
        entry == "*"
            || (!domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}"))))
    });
    (!bypass).then(|| proxy.to_string())
}

/// The certificates of a PEM bundle; none is an error, as it is for botocore.
fn read_bundle(env: &Env, path: &str) -> Result<Vec<Certificate<'static>>> {
    let file = env.expand_tilde(path);
    let shown = file.display();
    let pem = match fsio::read_file(&file, fsio::Accept::FOREIGN, MAX_CA_BUNDLE) {
        Ok(Some(pem)) => pem,
        Ok(None) => bail!("the CA bundle {shown} does not exist (AWS_CA_BUNDLE or ca_bundle)"),
        Err(e) => bail!("cannot read the CA bundle {shown}: {e}"),
    };
    let certs: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        bail!("the CA bundle {shown} holds no PEM certificate");
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_or_loopback() {
        assert!(Endpoint::parse("https://oidc.example.com/", "x").is_ok());
        assert!(Endpoint::parse("http://127.0.0.1:8080", "x").is_ok());
        assert!(Endpoint::parse("http://[::1]:80", "x").is_ok());
        assert!(Endpoint::parse("http://localhost:1", "x").is_ok());
        let e = Endpoint::parse("http://10.0.0.1", "AWS_ENDPOINT_URL")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("AWS_ENDPOINT_URL") && e.contains("loopback"),
            "{e}"
        );
        assert!(Endpoint::parse("ftp://x", "x").is_err());
        assert!(Endpoint::parse("https://", "x").is_err());
        assert_eq!(Endpoint::parse("https://h:1/a/", "x").unwrap().host(), "h");
        assert_eq!(Endpoint::parse("https://u:p@h/a", "x").unwrap().host(), "h");
    }

    #[test]
    fn endpoint_overrides_follow_botocore() {
        let e = |vars: &[(&str, &str)]| {
            Service::Oidc
                .endpoint(&Env::fake(vars.iter().copied()), "eu-west-1")
                .unwrap()
                .as_str()
                .to_string()
        };
        assert_eq!(e(&[]), "https://oidc.eu-west-1.amazonaws.com");
        assert_eq!(
            e(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:1")]),
            "http://127.0.0.1:1"
        );
        assert_eq!(
            e(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:2")
            ]),
            "http://127.0.0.1:2"
        );
        assert_eq!(
            e(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
            ]),
            "https://oidc.eu-west-1.amazonaws.com"
        );
        let portal = Service::Portal.endpoint(
            &Env::fake([("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:2")]),
            "us-east-1",
        );
        assert_eq!(
            portal.unwrap().as_str(),
            "https://portal.sso.us-east-1.amazonaws.com"
        );
        assert!(
            Service::Oidc
                .endpoint(&Env::fake([("A", "b")]), "x/y")
                .is_err()
        );
    }

    #[test]
    fn no_proxy_matches_hosts_and_domains() {
        let ep = Endpoint::parse("https://oidc.eu-west-1.amazonaws.com", "x").unwrap();
        let p = |no: &str| {
            proxy_for(
                &Env::fake([("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", no)]),
                &ep,
            )
        };
        assert_eq!(p("").as_deref(), Some("http://proxy:3128"));
        assert_eq!(p("example.com,amazonaws.com"), None);
        assert_eq!(p(".amazonaws.com"), None);
        assert_eq!(p("*"), None);
        assert_eq!(p("oidc.eu-west-1.amazonaws.com:443"), None);
        assert!(p("zonaws.com").is_some());
        let local = Endpoint::parse("http://127.0.0.1:9", "x").unwrap();
        let env = Env::fake([("HTTP_PROXY", "http://proxy:3128")]);
        assert_eq!(proxy_for(&env, &local), None, "loopback is never proxied");
        let plain = Endpoint::parse("https://h.example", "x").unwrap();
        assert_eq!(
            proxy_for(&env, &plain),
            None,
            "an http proxy is not for https"
        );
        assert_eq!(
            url_encode("http://127.0.0.1:5/oauth/callback"),
            "http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback"
        );
        assert_eq!(url_encode("a b~"), "a%20b~");
        assert_eq!(
            redact_userinfo("http://u:secret@proxy:1"),
            "http://…@proxy:1"
        );
    }
}
