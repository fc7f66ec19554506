//! assistctl keeps Alibaba Cloud ECS Cloud Assistant commands in git.
//!
//! Data flows one way: [`manifest`] (what users write) -> desired model ->
//! diff with the live model read through [`cloud`] -> plan -> render / apply.
//! [`emulator`] is the local Cloud Assistant; it depends only on [`domain`].

pub mod cli;
pub mod cloud;
pub(crate) mod domain;
pub mod emulator;
pub(crate) mod manifest;
pub mod reconcile;
pub(crate) mod redact;
pub mod render;
