//! AWS's files: the config grammar, the merged profile model and its index, the SSO token
//! cache and the `aws login` credential cache; credentials and how requests are signed.

pub mod config_edit;
pub mod credentials;
pub mod index;
pub mod ini;
pub mod login_cache;
mod md;
pub mod model;
pub mod sha1;
pub mod sha256;
pub mod sigv4;
pub mod sso;
pub mod sso_store;
pub mod wire;

pub use credentials::Credentials;
pub use model::{Config, Kind, Profile, RawProfile, TokenCache};
pub use sso::{TokenKey, TokenState};
