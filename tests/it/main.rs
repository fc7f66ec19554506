//! The integration tests: one crate, so the library and the binary are linked into one test
//! executable instead of one per file. Each module is a former `tests/*.rs` file; `common`,
//! `emu_common` and `cloud_common` are the helpers they share. Run one module with
//! `cargo test --test it MODULE::`, e.g. `cargo test --test it trust::`.

mod cloud_common;
mod common;
mod emu_common;

mod agent;
mod architecture;
mod ci_permissions;
mod cli_ux;
mod cloud_client;
mod cloud_credentials;
mod cloud_pagination;
mod cloud_ratelimit;
mod cloud_redaction;
mod cloud_throttled_apply;
mod docs_commands;
mod emulator_api;
mod emulator_cli;
mod emulator_console;
mod emulator_crash;
mod emulator_lifecycle;
mod emulator_sdk;
mod examples;
mod fleet_membership;
mod invocation_cli;
mod readme;
mod reconcile_cli;
mod reconcile_listing;
mod render_ci_templates;
mod render_markdown;
mod render_snapshots;
mod rollout;
mod schema;
mod ship;
mod store_migration;
mod trust;
mod validate_content_file;
mod validate_imported;
mod validate_in_stack;
mod validate_inputs;
mod validate_parallel;
mod validate_rules;
