//! What a link of the default chain answers when asked whether it is configured. It sits
//! below both the chain and the sources so that neither has to name the other to agree on it.

use std::sync::Arc;

use super::CredentialProvider;

/// What a source found in the configuration.
pub enum Found {
    Provider(Arc<dyn CredentialProvider>),
    /// Not configured, with the reason.
    Skip(String),
}
