//! `awsp console`: the AWS console, signed in with a profile's temporary credentials
//! through the federation endpoint: `getSigninToken` turns the credentials into a sign-in
//! token, and the login URL carrying it opens the console at the destination. The URL
//! signs in whoever opens it while the token lasts (15 minutes), so it is shown only
//! with `--print`, and never logged or written to a file.

use serde_json::{Value, json};

use crate::aws::{Config, Credentials};
use crate::cli::ConsoleArgs;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::net::{Client, Endpoint, url_encode};
use crate::{browser, creds};

/// Replaces the federation endpoint's base URL (a test server, a private sign-in proxy).
pub const FEDERATION_URL_VAR: &str = "AWSP_FEDERATION_URL";

/// A partition's sign-in and console hosts.
struct Partition {
    signin: &'static str,
    console: &'static str,
}

const AWS: Partition = Partition {
    signin: "https://signin.aws.amazon.com",
    console: "https://console.aws.amazon.com",
};
const GOV: Partition = Partition {
    signin: "https://signin.amazonaws-us-gov.com",
    console: "https://console.amazonaws-us-gov.com",
};
const CHINA: Partition = Partition {
    signin: "https://signin.amazonaws.cn",
    console: "https://console.amazonaws.cn",
};

/// The partition of a role ARN (`arn:aws-us-gov:…`), else of the region.
fn partition(role_arn: Option<&str>, region: &str) -> &'static Partition {
    let name = role_arn
        .and_then(|a| a.strip_prefix("arn:"))
        .and_then(|a| a.split(':').next());
    match name {
        Some("aws-us-gov") => &GOV,
        Some("aws-cn") => &CHINA,
        Some(_) => &AWS,
        None if region.starts_with("us-gov-") => &GOV,
        None if region.starts_with("cn-") => &CHINA,
        None => &AWS,
    }
}

/// Where the console opens: a service's home in `region`, or an https:// URL as given.
fn destination(p: &Partition, given: Option<&str>, region: &str) -> Result<String> {
    let region = url_encode(region);
    match given {
        None => Ok(format!("{}/console/home?region={region}", p.console)),
        Some(url) if url.starts_with("https://") => {
            if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::usage("--destination is not a valid URL"));
            }
            Ok(url.to_string())
        }
        Some(service)
            if !service.is_empty()
                && service
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Ok(format!("{}/{service}/home?region={region}", p.console))
        }
        Some(_) => Err(Error::usage(
            "--destination takes a service name (s3, ec2, cloudwatch…) or an https:// URL",
        )),
    }
}

/// The sign-in URL for `creds` landing on `destination`.
fn login_url(env: &Env, base: &str, creds: &Credentials, destination: &str) -> Result<String> {
    let Some(token) = creds.session_token.as_deref() else {
        bail!("no session token");
    };
    let session = json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": token,
    })
    .to_string();
    let endpoint = Endpoint::parse(base, FEDERATION_URL_VAR)?;
    let client = Client::new(env, endpoint.clone(), None)?;
    let reply = client.get(
        &format!(
            "/federation?Action=getSigninToken&Session={}",
            url_encode(&session)
        ),
        &[],
    )?;
    if reply.status != 200 {
        bail!(
            "the sign-in endpoint refused the credentials (HTTP {}); they may have expired or lack console access",
            reply.status
        );
    }
    let v: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let Some(signin_token) = v.get("SigninToken").and_then(Value::as_str) else {
        bail!("the sign-in endpoint answered without a sign-in token");
    };
    Ok(endpoint.url(&format!(
        "/federation?Action=login&Issuer=awsp&Destination={}&SigninToken={}",
        url_encode(destination),
        url_encode(signin_token)
    )))
}

pub fn run(args: &ConsoleArgs, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    let name = crate::target::named_or_active(&config, args.profile.as_deref(), env, "console")?;
    let profile = crate::target::profile(&config, &name)?;
    let creds = creds::resolve(&config, env, &name, super::login_when(&args.login))?;
    if creds.session_token.is_none() {
        bail!(
            "profile `{name}` has long-term keys, and the console signs in only with temporary credentials; add a profile with role_arn and source_profile = {name}, and open that one"
        );
    }
    let region = args
        .region
        .clone()
        .or(profile.region.clone())
        .unwrap_or_else(|| "us-east-1".to_string());
    let role_arn = config.profiles.get(&name).and_then(|p| p.get("role_arn"));
    let p = partition(role_arn, &region);
    let destination = destination(p, args.destination.as_deref(), &region)?;
    let base = env.get(FEDERATION_URL_VAR).unwrap_or(p.signin);
    let url = login_url(env, base, &creds, &destination)?;
    if args.print {
        println!("{url}");
        return Ok(());
    }
    browser::open(env, &url).map_err(|why| {
        Error::runtime(format!(
            "cannot open a browser ({why}); set BROWSER, or run `awsp console {name} --print` and open the URL yourself"
        ))
    })?;
    crate::eprintln_shown!("awsp: opened the console for {name} in the browser");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_follow_the_partition() {
        let gov = partition(Some("arn:aws-us-gov:iam::1:role/R"), "us-east-1");
        assert_eq!(gov.signin, "https://signin.amazonaws-us-gov.com");
        assert_eq!(
            partition(None, "cn-north-1").signin,
            "https://signin.amazonaws.cn"
        );
        assert_eq!(
            partition(None, "eu-west-1").signin,
            "https://signin.aws.amazon.com"
        );
        assert_eq!(
            destination(gov, Some("s3"), "us-gov-west-1").unwrap(),
            "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1"
        );
        assert_eq!(
            destination(&AWS, None, "eu-west-1").unwrap(),
            "https://console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert!(destination(&AWS, Some("javascript:alert(1)"), "x").is_err());
        assert!(destination(&AWS, Some("https://a b"), "x").is_err());
    }
}
