//! The AWS access portal: a role's credentials (GetRoleCredentials) for `export`, and the
//! listings for `awsp sync`: every account (ListAccounts) and every role in each
//! (ListAccountRoles), paginated, fetched by a few workers at once
//! and paced together, so that an organisation of a thousand accounts is listed close to
//! the rate Identity Center allows (about 20 requests a second) without a storm of
//! throttling errors.
//!
//! Pacing: the workers share one request rate. It starts at 20 requests a second, grows
//! slowly while calls succeed, and drops by 30% at each throttling answer (HTTP 429,
//! `TooManyRequestsException`), which also holds every worker back for its `Retry-After`.
//! Server errors are tried again with the same backoff as any Identity Center call.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::aws::Credentials;
use crate::error::Error;
use crate::net::{Client, Reply, url_encode};
use crate::oidc::{self, ApiError};

const START_RATE: f64 = 20.0;
const MAX_RATE: f64 = 50.0;
const MIN_RATE: f64 = 1.0;
/// The most tries of one call that is throttled or meets a server error.
const MAX_ATTEMPTS: u32 = 12;
/// Workers listing roles at once.
pub const WORKERS: usize = 8;

/// An account the token can reach.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub name: String,
}

/// Why a listing stopped.
#[derive(Debug)]
pub enum Failure {
    /// The access token was refused (expired or logged out): renew it and try again.
    Unauthorized,
    Api(ApiError),
    Other(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Other(e)
    }
}

/// The shared request rate.
struct Pace {
    rate: f64,
    next: Instant,
}

/// Counts for the progress line.
#[derive(Default)]
pub struct Progress {
    pub accounts_done: AtomicUsize,
    pub accounts_total: AtomicUsize,
    pub retries: AtomicUsize,
}

pub struct Portal {
    client: Client,
    token: Mutex<String>,
    pace: Mutex<Pace>,
    pub progress: std::sync::Arc<Progress>,
}

impl Portal {
    pub fn new(client: Client, token: String) -> Portal {
        Portal {
            client,
            token: Mutex::new(token),
            pace: Mutex::new(Pace {
                rate: START_RATE,
                next: Instant::now(),
            }),
            progress: Default::default(),
        }
    }

    /// Replaces the access token (after a refresh or a login).
    pub fn set_token(&self, token: String) {
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// Waits for this worker's turn at the shared rate.
    fn turn(&self) {
        let wait = {
            let mut p = self.pace.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let at = p.next.max(now);
            p.next = at + Duration::from_secs_f64(1.0 / p.rate);
            at - now
        };
        std::thread::sleep(wait);
    }

    fn throttled(&self, retry_after: Option<u64>) {
        let mut p = self.pace.lock().unwrap_or_else(|e| e.into_inner());
        p.rate = (p.rate * 0.7).max(MIN_RATE);
        let hold = retry_after.map_or(Duration::from_secs_f64(1.0 / p.rate), Duration::from_secs);
        p.next = p.next.max(Instant::now() + hold);
        self.progress.retries.fetch_add(1, Ordering::Relaxed);
    }

    fn succeeded(&self) {
        let mut p = self.pace.lock().unwrap_or_else(|e| e.into_inner());
        p.rate = (p.rate + 0.2).min(MAX_RATE);
    }

    /// One GET, paced and tried again while throttled or failing on the server's side.
    fn get(&self, path: &str) -> std::result::Result<Value, Failure> {
        let mut attempt = 1;
        loop {
            self.turn();
            let token = self.token.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let reply: Reply = self
                .client
                .get(path, &[("x-amz-sso_bearer_token", &token)])?;
            if (200..300).contains(&reply.status) {
                self.succeeded();
                return serde_json::from_slice(&reply.body).map_err(|e| {
                    Failure::Other(Error::runtime(format!(
                        "the access portal answered with malformed JSON ({e})"
                    )))
                });
            }
            if reply.status == 401 {
                return Err(Failure::Unauthorized);
            }
            if oidc::transient(&reply) && attempt < MAX_ATTEMPTS {
                if reply.status == 429 {
                    self.throttled(reply.retry_after);
                } else {
                    self.progress.retries.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(oidc::backoff(attempt.min(5), reply.retry_after));
                }
                attempt += 1;
                continue;
            }
            return Err(Failure::Api(oidc::api_error(&reply)));
        }
    }

    /// Every page of a listing: `list` is the member holding the items.
    fn pages(&self, path: &str, list: &str) -> std::result::Result<Vec<Value>, Failure> {
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        // A bound on pages, so a service that always answers a next token cannot loop.
        for _ in 0..10_000 {
            let mut p = format!("{path}max_result=100");
            if let Some(t) = &next {
                p.push_str(&format!("&next_token={}", url_encode(t)));
            }
            let v = self.get(&p)?;
            if let Some(a) = v.get(list).and_then(Value::as_array) {
                items.extend(a.iter().cloned());
            }
            next = v
                .get("nextToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if next.is_none() {
                return Ok(items);
            }
        }
        Err(Failure::Other(Error::runtime(
            "the access portal kept answering with more pages",
        )))
    }

    /// GetRoleCredentials: the role's temporary credentials (`expiration` is in epoch
    /// milliseconds).
    pub fn role_credentials(
        &self,
        account: &str,
        role: &str,
    ) -> std::result::Result<Credentials, Failure> {
        let v = self.get(&format!(
            "/federation/credentials?account_id={}&role_name={}",
            url_encode(account),
            url_encode(role)
        ))?;
        let c = &v["roleCredentials"];
        let text = |k: &str| c.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let expiration = c
            .get("expiration")
            .and_then(Value::as_i64)
            .and_then(chrono::DateTime::from_timestamp_millis);
        match (text("accessKeyId"), text("secretAccessKey"), expiration) {
            (Some(id), Some(secret), Some(end)) => Ok(Credentials {
                access_key_id: id.to_string(),
                secret_access_key: secret.to_string(),
                session_token: text("sessionToken").map(str::to_string),
                expiration: Some(end),
            }),
            _ => Err(Failure::Other(Error::runtime(
                "the access portal answered GetRoleCredentials without credentials",
            ))),
        }
    }

    /// ListAccounts, every page.
    pub fn accounts(&self) -> std::result::Result<Vec<Account>, Failure> {
        let items = self.pages("/assignment/accounts?", "accountList")?;
        let accounts: Vec<Account> = items
            .iter()
            .filter_map(|a| {
                Some(Account {
                    id: a.get("accountId")?.as_str()?.to_string(),
                    name: a
                        .get("accountName")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
            })
            .collect();
        self.progress
            .accounts_total
            .store(accounts.len(), Ordering::Relaxed);
        Ok(accounts)
    }

    /// ListAccountRoles for one account, every page.
    pub fn roles(&self, account: &str) -> std::result::Result<Vec<String>, Failure> {
        let path = format!("/assignment/roles?account_id={}&", url_encode(account));
        let items = self.pages(&path, "roleList")?;
        Ok(items
            .iter()
            .filter_map(|r| Some(r.get("roleName")?.as_str()?.to_string()))
            .collect())
    }

    /// Fills in the roles of every account whose slot in `done` is empty (all of them at
    /// first; after a failure, those not listed yet), by [`WORKERS`] workers.
    pub fn all_roles(
        &self,
        accounts: &[Account],
        done: &mut Vec<Option<Vec<String>>>,
    ) -> std::result::Result<(), Failure> {
        done.resize(accounts.len(), None);
        let todo: Vec<usize> = (0..accounts.len()).filter(|i| done[*i].is_none()).collect();
        let next = AtomicUsize::new(0);
        let results: Mutex<&mut Vec<Option<Vec<String>>>> = Mutex::new(done);
        let failure: Mutex<Option<Failure>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..WORKERS.min(todo.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        if failure.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                            return;
                        }
                        let Some(&i) = todo.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return;
                        };
                        let account = &accounts[i];
                        match self.roles(&account.id) {
                            Ok(roles) => {
                                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(roles);
                                self.progress.accounts_done.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(f) => {
                                let mut slot = failure.lock().unwrap_or_else(|e| e.into_inner());
                                slot.get_or_insert(f);
                                return;
                            }
                        }
                    }
                });
            }
        });
        match failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }
}
