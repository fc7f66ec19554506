//! The Cloud Assistant API client: the one way assistctl talks to Cloud Assistant, whether on
//! Alibaba Cloud or on the local emulator.
//!
//! Layout follows apache/arrow-rs `object_store`, in layers that only name the ones below:
//! [`ClientBuilder`] (`builder.rs`) fills a [`ClientConfig`] and makes a [`Client`]
//! (`client.rs`: one method per operation and the retry loop), which sends each attempt
//! through `transport.rs`, signed by [`sign`] with credentials from [`credential`]. List
//! operations are walked by [`pagination`] over the one call the client offers
//! ([`pagination::Caller`]). Shared mechanics have one file per algorithm ([`backoff`], [`retry`],
//! [`ratelimit`], [`adaptive`]); typed requests and responses live in [`ops`], and the value
//! types several layers share sit at the bottom ([`Credentials`] and [`Secret`], errors,
//! endpoints, clock and entropy).
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

// Public modules are the ones tests/ and benches/ name by path (`cloud::sign::v1`,
// `cloud::clock::ManualClock`, ...) and `pagination`, whose `all` and `Reads` the plan's
// listings use; the rest are reached through the re-exports below.
pub mod adaptive;
pub mod backoff;
pub(crate) mod builder;
mod client;
pub mod clock;
mod config;
pub mod credential;
mod endpoint;
pub mod entropy;
mod env;
mod error;
pub mod ops;
pub mod pagination;
pub mod ratelimit;
pub mod retry;
mod secret;
pub mod sign;
mod transport;

pub use builder::ClientBuilder;
pub use client::Client;
pub use config::ClientConfig;
pub use credential::{CredentialProvider, StaticCredentials};
pub use endpoint::Endpoint;
pub use env::Env;
pub use error::{ApiError, Error, Result, SourceAttempt};
pub use pagination::{PagingStyle, Reads};
pub use secret::{Credentials, Secret};
pub use sign::SignatureVersion;

/// The ECS API version every Cloud Assistant operation belongs to.
pub const ECS_API_VERSION: &str = "2014-05-26";
