//! What users write: manifest types, loading with positions, and validation.

pub mod located;
pub mod secrets;
pub mod types;
