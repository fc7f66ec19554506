//! Numeric limits of Cloud Assistant (see the API reference, section 2).

/// Base64 size of a kept command's content (CreateCommand, InvokeCommand,
/// RunCommand with KeepCommand=true): 18 KB.
pub const MAX_CONTENT_BASE64_BYTES: usize = 18 * 1024;
/// Base64 size for RunCommand with KeepCommand=false, per SDK 7.11: 24 KB.
pub const MAX_CONTENT_BASE64_BYTES_UNKEPT: usize = 24 * 1024;
pub const MAX_CUSTOM_PARAMETERS: usize = 20;
pub const MAX_PARAMETER_NAME_BYTES: usize = 64;
/// Keys one InvokeCommand / RunCommand `Parameters` object may carry.
pub const MAX_PARAMETERS_PER_CALL: usize = 10;
pub const MAX_NAME_CHARS: usize = 128;
pub const MAX_DESCRIPTION_CHARS: usize = 512;
pub const MAX_WORKING_DIR_CHARS: usize = 200;
pub const MAX_LAUNCHER_BYTES: usize = 1024;
pub const MAX_USERNAME_CHARS: usize = 255;
pub const MAX_WINDOWS_PASSWORD_NAME_CHARS: usize = 255;
pub const MAX_CLIENT_TOKEN_CHARS: usize = 64;
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Values below this are raised to it by the service.
pub const MIN_TIMEOUT_SECS: u64 = 10;
/// The service has a maximum (`InvalidTimeout.ExceedLimit`) whose value is not
/// published; assistctl and the emulator use 24 hours, the longest the console offers.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;
/// Instances one InvokeCommand / RunCommand / StopInvocation call may name.
pub const MAX_INSTANCES_PER_CALL: usize = 50;

/// `ResourceId.N` one TagResources / UntagResources call takes.
pub const MAX_TAG_RESOURCE_IDS: usize = 50;
/// Tags one resource may carry, and tags one TagResources / UntagResources call may name.
pub const MAX_TAGS: usize = 20;
pub const MAX_RESOURCE_TAGS: usize = 10;
pub const MAX_TAG_KEY_CHARS: usize = 64;
pub const MAX_TAG_KEY_CHARS_TAG_API: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 128;
/// Output kept per run; `Dropped` counts the rest.
pub const MAX_OUTPUT_BYTES: usize = 24 * 1024;
pub const MIN_RATE_SECS: u64 = 60;
pub const MAX_RATE_SECS: u64 = 7 * 24 * 3600;
pub const MIN_CRON_INTERVAL_SECS: i64 = 10;
pub const DEFAULT_COMMAND_QUOTA: u64 = 500;
pub const MAX_COMMAND_QUOTA: u64 = 50_000;
