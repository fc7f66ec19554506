//! assistctl keeps Alibaba Cloud ECS Cloud Assistant commands in git.

pub mod cloud;
pub mod emulator;
