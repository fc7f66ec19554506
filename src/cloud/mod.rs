//! The Cloud Assistant API client: the one way assistctl talks to Cloud Assistant, whether on
//! Alibaba Cloud or on the local emulator.
//!
//! Layout follows apache/arrow-rs `object_store`: configuration as plain structs with `Default`
//! ([`builder`]), the operations ([`client`]), credential providers ([`credential`]), request
//! signing ([`sign`]), and shared mechanics in one file per algorithm ([`backoff`], [`retry`],
//! [`pagination`], [`ratelimit`], [`adaptive`]). Typed request and response structs live in [`ops`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), assistctl::cloud::Error> {
//! use assistctl::cloud::{ClientBuilder, StaticCredentials, ops::DescribeCommandsRequest};
//! use futures::TryStreamExt;
//! let client = ClientBuilder::new()
//!     .region("cn-hangzhou")
//!     .credentials(StaticCredentials::new("LTAI...", "secret"))
//!     .build()?;
//! let commands: Vec<_> = client
//!     .describe_commands_all(DescribeCommandsRequest::default())
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```

pub mod adaptive;
pub mod backoff;
pub mod builder;
pub mod client;
pub mod clock;
pub mod credential;
pub mod endpoint;
pub mod entropy;
pub mod env;
pub mod error;
pub mod ops;
pub mod pagination;
pub mod ratelimit;
pub mod retry;
pub mod secret;
pub mod sign;
mod transport;

pub use builder::{ClientBuilder, ClientConfig};
pub use client::Client;
pub use credential::{CredentialProvider, StaticCredentials};
pub use endpoint::Endpoint;
pub use env::Env;
pub use error::{ApiError, Error, Result};
pub use pagination::PagingStyle;
pub use secret::{Credentials, Secret};
pub use sign::SignatureVersion;

/// The ECS API version every Cloud Assistant operation belongs to.
pub const ECS_API_VERSION: &str = "2014-05-26";
