//! The Cloud Assistant API client: signing, credentials, retries, typed operations.
