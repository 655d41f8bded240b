//! AWS's files: the config grammar, the merged profile model, and the SSO token cache.

pub mod ini;
pub mod model;
pub mod sha1;
pub mod sso;

pub use model::{Config, Kind, Profile, RawProfile, TokenCache};
pub use sso::{TokenKey, TokenState};
