//! The ECS RPC wire format: reading a request (query and form body, V1 common parameters or V3
//! headers) and writing a response or an error body, in JSON or XML.

pub mod encode;
pub mod params;
pub mod request;
pub mod response;

pub use params::Params;
pub use request::{ApiRequest, Format, SignatureStyle};
