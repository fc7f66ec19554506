//! Errors of the Cloud Assistant client, and which of them a retry can cure.
//!
//! The error body is the one every Alibaba Cloud RPC API returns (reference §3):
//! `{"RequestId","HostId","Code","Message","Recommend"}`. Retryability follows the official
//! SDKs' rules: throttling, `ServiceUnavailable`, `InternalError*`, any 5xx, connection resets
//! and timeouts are transient; every other 4xx is the caller's to fix.

use crate::domain::error_codes as codes;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answer from the API, parsed from its real error body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub request_id: String,
    pub http_status: u16,
    pub recommend: String,
    pub host_id: String,
    /// The `x-acs-retry-after` header, which marks the error as throttling.
    pub retry_after: Option<Duration>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message")]
    message: String,
    #[serde(rename = "RequestId")]
    request_id: String,
    #[serde(rename = "HostId")]
    host_id: String,
    #[serde(rename = "Recommend")]
    recommend: String,
}

impl ApiError {
    /// Parses an error body (JSON, or the `<Error>` XML form some gateways send). Returns
    /// `None` when the body carries no `Code`, so the caller can report the bare HTTP status.
    pub fn parse(http_status: u16, body: &str) -> Option<Self> {
        let parsed = match serde_json::from_str::<ErrorBody>(body) {
            Ok(b) => b,
            Err(_) => ErrorBody {
                code: xml_field(body, "Code")?,
                message: xml_field(body, "Message").unwrap_or_default(),
                request_id: xml_field(body, "RequestId").unwrap_or_default(),
                host_id: xml_field(body, "HostId").unwrap_or_default(),
                recommend: xml_field(body, "Recommend").unwrap_or_default(),
            },
        };
        if parsed.code.is_empty() {
            return None;
        }
        Some(Self {
            code: parsed.code,
            message: parsed.message,
            request_id: parsed.request_id,
            http_status,
            recommend: parsed.recommend,
            host_id: parsed.host_id,
            retry_after: None,
        })
    }

    pub fn is_throttling(&self) -> bool {
        self.code.starts_with(codes::THROTTLING)
            || self.http_status == 429
            || self.retry_after.is_some()
    }

    pub fn is_retryable(&self) -> bool {
        self.is_throttling()
            || self.code == codes::SERVICE_UNAVAILABLE
            || self.code.starts_with(codes::INTERNAL_ERROR)
            // The first request with this ClientToken is still running: asking again with the
            // same token returns its result once it is done (reference §0, Idempotency).
            || self.code == codes::IDEMPOTENT_PROCESSING
            || self.http_status >= 500
    }
}

fn xml_field(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_owned())
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (HTTP {}",
            self.code, self.message, self.http_status
        )?;
        if !self.request_id.is_empty() {
            write!(f, ", RequestId {}", self.request_id)?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for ApiError {}

/// One credential source the default chain looked at, and why it gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAttempt {
    pub source: String,
    pub outcome: String,
}

/// Every error the client returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error body.
    #[error("{action} failed: {error}")]
    Api {
        action: String,
        error: Box<ApiError>,
    },
    /// The service answered with an error status but no parseable error body (e.g. a proxy).
    #[error("{action} failed: HTTP {status} without an API error body")]
    Http { action: String, status: u16 },
    /// No answer: connection refused or reset, DNS, TLS, timeout.
    #[error("{action}: could not reach the endpoint: {message}")]
    Transport {
        action: String,
        message: String,
        retryable: bool,
    },
    /// A credential source was configured but failed.
    #[error("credentials: {0}")]
    Credentials(String),
    /// The default chain found no credentials.
    #[error(
        "no Alibaba Cloud credentials found; sources tried in order:{}\nSet credentials (e.g. ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET), or pass --local to use the embedded local emulator without an account",
        list_attempts(.tried)
    )]
    NoCredentials { tried: Vec<SourceAttempt> },
    /// Bad configuration: endpoint, region, option values.
    #[error("configuration: {0}")]
    Config(String),
    /// The answer was not the JSON the operation returns.
    #[error("{action}: unexpected response: {message}")]
    Decode { action: String, message: String },
}

fn list_attempts(tried: &[SourceAttempt]) -> String {
    tried
        .iter()
        .map(|a| format!("\n  - {}: {}", a.source, a.outcome))
        .collect()
}

impl Error {
    /// Whether sending the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { error, .. } => error.is_retryable(),
            Error::Http { status, .. } => *status >= 500 || *status == 429,
            Error::Transport { retryable, .. } => *retryable,
            Error::Credentials(_)
            | Error::NoCredentials { .. }
            | Error::Config(_)
            | Error::Decode { .. } => false,
        }
    }

    /// Whether the service asked the client to slow down: a throttling code, HTTP 429 or an
    /// `x-acs-retry-after` header.
    pub fn is_throttling(&self) -> bool {
        match self {
            Error::Api { error, .. } => error.is_throttling(),
            Error::Http { status, .. } => *status == 429,
            _ => false,
        }
    }

    /// The API error, when the service gave one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.api().map(|e| e.code.as_str())
    }

    pub fn request_id(&self) -> Option<&str> {
        self.api().map(|e| e.request_id.as_str())
    }

    /// Classifies a reqwest failure. The URL is dropped first: a V1 URL carries the
    /// AccessKey ID, the signature and any STS token in its query.
    pub(crate) fn transport(action: &str, err: reqwest::Error) -> Self {
        let err = err.without_url();
        let retryable = err.is_timeout() || err.is_connect() || is_transient_io(&err);
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Error::Transport {
            action: action.to_owned(),
            message,
            retryable,
        }
    }
}

fn is_transient_io(err: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::*;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | TimedOut
            )
        {
            return true;
        }
        // hyper reports a connection the server closed mid-answer this way, without an
        // io::Error underneath; it is the same transient failure as a reset.
        if s.to_string()
            .contains("connection closed before message completed")
        {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, status: u16) -> Error {
        Error::Api {
            action: "X".into(),
            error: Box::new(ApiError {
                code: code.into(),
                http_status: status,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn parses_the_real_error_body() {
        let body = r#"{"RequestId":"6EF60BEC-0242-43AF-BB20-270359FB54A7","HostId":"ecs.cn-hangzhou.aliyuncs.com","Code":"InvalidCmdId.NotFound","Message":"The specified command ID does not exist.","Recommend":"https://api.aliyun.com/troubleshoot?q=InvalidCmdId.NotFound&product=Ecs&requestId=6EF60BEC"}"#;
        let e = ApiError::parse(404, body).unwrap();
        assert_eq!(e.code, "InvalidCmdId.NotFound");
        assert_eq!(e.request_id, "6EF60BEC-0242-43AF-BB20-270359FB54A7");
        assert_eq!(e.host_id, "ecs.cn-hangzhou.aliyuncs.com");
        assert_eq!(e.http_status, 404);
        assert!(
            e.recommend
                .starts_with("https://api.aliyun.com/troubleshoot")
        );
        assert_eq!(e.message, "The specified command ID does not exist.");
    }

    #[test]
    fn parses_xml_error_body() {
        let body = "<?xml version='1.0'?><Error><RequestId>R1</RequestId><Code>Throttling</Code><Message>slow down</Message></Error>";
        let e = ApiError::parse(400, body).unwrap();
        assert_eq!(
            (e.code.as_str(), e.request_id.as_str()),
            ("Throttling", "R1")
        );
    }

    #[test]
    fn body_without_code_is_not_an_api_error() {
        assert!(ApiError::parse(502, "<html>bad gateway</html>").is_none());
        assert!(ApiError::parse(500, "{}").is_none());
    }

    #[test]
    fn retryable_codes() {
        for (code, status) in [
            ("Throttling", 400),
            ("Throttling.User", 400),
            ("Throttling.Api", 429),
            ("ServiceUnavailable", 503),
            ("ServiceUnavailable", 500),
            ("InternalError", 500),
            ("InternalError.Dispatch", 500),
            ("Whatever", 502),
        ] {
            assert!(api(code, status).is_retryable(), "{code} {status}");
        }
        for (code, status) in [
            ("InvalidParameter", 400),
            ("SignatureDoesNotMatch", 400),
            ("Forbidden.RAM", 403),
            ("InvalidCmdId.NotFound", 404),
            ("IdempotentParameterMismatch", 403),
        ] {
            assert!(!api(code, status).is_retryable(), "{code} {status}");
        }
        assert!(
            Error::Http {
                action: "X".into(),
                status: 503
            }
            .is_retryable()
        );
        assert!(
            !Error::Http {
                action: "X".into(),
                status: 404
            }
            .is_retryable()
        );
        assert!(!Error::Config("x".into()).is_retryable());
    }

    #[test]
    fn retry_after_header_marks_throttling() {
        let e = ApiError {
            code: "Anything".into(),
            http_status: 400,
            retry_after: Some(Duration::from_secs(2)),
            ..Default::default()
        };
        assert!(e.is_throttling() && e.is_retryable());
    }

    #[test]
    fn display_names_code_and_request_id() {
        let e = Error::Api {
            action: "DeleteCommand".into(),
            error: Box::new(ApiError {
                code: "InvalidCmdId.NotFound".into(),
                message: "nope".into(),
                request_id: "RID".into(),
                http_status: 404,
                ..Default::default()
            }),
        };
        assert_eq!(
            e.to_string(),
            "DeleteCommand failed: InvalidCmdId.NotFound: nope (HTTP 404, RequestId RID)"
        );
    }

    #[test]
    fn no_credentials_lists_every_source() {
        let e = Error::NoCredentials {
            tried: vec![
                SourceAttempt {
                    source: "environment".into(),
                    outcome: "skipped: unset".into(),
                },
                SourceAttempt {
                    source: "ecs metadata".into(),
                    outcome: "skipped: disabled".into(),
                },
            ],
        };
        let s = e.to_string();
        assert!(s.contains("- environment: skipped: unset"), "{s}");
        assert!(s.contains("- ecs metadata: skipped: disabled"), "{s}");
    }
}
