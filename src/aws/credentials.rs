//! Credentials: an access key, its secret, and for temporary ones a session token and an
//! end. Their JSON form is the one `credential_process` programs print and the SDKs read:
//! `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}`,
//! `Expiration` an ISO 8601 time (credentials without one never expire).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub expiration: Option<DateTime<Utc>>,
}

/// Never shows the secret or the session token.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// `2026-11-30T10:00:00Z`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Credentials {
    /// The `credential_process` JSON object.
    pub fn to_process_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("Version".into(), json!(1));
        m.insert("AccessKeyId".into(), json!(self.access_key_id));
        m.insert("SecretAccessKey".into(), json!(self.secret_access_key));
        if let Some(t) = &self.session_token {
            m.insert("SessionToken".into(), json!(t));
        }
        if let Some(e) = self.expiration {
            m.insert("Expiration".into(), json!(format_time(e)));
        }
        Value::Object(m)
    }

    /// Reads `credential_process` output; the error says what is wrong, naming no value.
    pub fn from_process_json(text: &[u8]) -> Result<Credentials, String> {
        let v: Value =
            serde_json::from_slice(text).map_err(|_| "is not a JSON object".to_string())?;
        let Some(o) = v.as_object() else {
            return Err("is not a JSON object".into());
        };
        match o.get("Version") {
            Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
            Some(_) => return Err("has a Version other than 1".into()),
            None => return Err("has no Version".into()),
        }
        let text = |k: &str| o.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let (Some(id), Some(secret)) = (text("AccessKeyId"), text("SecretAccessKey")) else {
            return Err("lacks AccessKeyId or SecretAccessKey".into());
        };
        let expiration = match o.get("Expiration") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                super::sso::parse_time(s)
                    .ok_or_else(|| "has an Expiration that is not an ISO 8601 time".to_string())?,
            ),
            Some(_) => return Err("has an Expiration that is not a string".into()),
        };
        Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: text("SessionToken").map(str::to_string),
            expiration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_json_round_trips_and_hides_secrets_from_debug() {
        let c = Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: "very-secret".into(),
            session_token: Some("tok".into()),
            expiration: Some(
                DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
                    .unwrap()
                    .into(),
            ),
        };
        let text = c.to_process_json().to_string();
        assert!(
            text.contains(r#""Expiration":"2026-11-30T10:00:00Z""#),
            "{text}"
        );
        assert_eq!(Credentials::from_process_json(text.as_bytes()).unwrap(), c);
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("tok"),
            "{shown}"
        );
        for (bad, why) in [
            ("[]", "is not a JSON object"),
            (
                r#"{"Version":2,"AccessKeyId":"a","SecretAccessKey":"b"}"#,
                "Version other than 1",
            ),
            (r#"{"Version":1,"AccessKeyId":"a"}"#, "lacks"),
            (
                r#"{"Version":1,"AccessKeyId":"a","SecretAccessKey":"b","Expiration":"soon"}"#,
                "ISO 8601",
            ),
        ] {
            assert!(
                Credentials::from_process_json(bad.as_bytes())
                    .unwrap_err()
                    .contains(why),
                "{bad}"
            );
        }
    }
}
