//! Reading an RPC request: parameters from the query and a form body (form semantics, `+` is a
//! space), Action and Version from the parameters or the `x-acs-action` / `x-acs-version`
//! headers, and which signature version and response format the caller uses.

use axum::http::{HeaderMap, Method};

use super::encode::form_decode;
use super::params::Params;

/// Which signing scheme the request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureStyle {
    /// RPC HMAC-SHA1 with common parameters (`Signature`, `AccessKeyId`, ...).
    V1,
    /// `Authorization: ACS3-HMAC-SHA256 ...` with `x-acs-*` headers.
    V3,
}

/// Response body format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// Decoded query pairs, in wire order (V3 signs these only).
    pub query: Vec<(String, String)>,
    /// Query and form body merged.
    pub params: Params,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl ApiRequest {
    pub fn parse(
        method: Method,
        raw_query: Option<&str>,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> Self {
        let query = raw_query
            .map(|q| form_decode(q.as_bytes()))
            .unwrap_or_default();
        let is_form = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                ct.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            })
            // A body without a content type is read as a form, as RPC gateways do.
            .unwrap_or(!body.is_empty());
        let form = if is_form {
            form_decode(&body)
        } else {
            Vec::new()
        };
        let params = Params::from_pairs(query.iter().cloned().chain(form));
        Self {
            method,
            query,
            params,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn style(&self) -> SignatureStyle {
        match self.header("authorization") {
            Some(a) if a.trim_start().starts_with("ACS3-") => SignatureStyle::V3,
            _ => SignatureStyle::V1,
        }
    }

    pub fn action(&self) -> Option<&str> {
        self.params
            .get("Action")
            .or_else(|| self.header("x-acs-action").filter(|s| !s.is_empty()))
    }

    pub fn version(&self) -> Option<&str> {
        self.params
            .get("Version")
            .or_else(|| self.header("x-acs-version").filter(|s| !s.is_empty()))
    }

    /// JSON or XML: the `Format` parameter wins; V1 defaults to XML, V3 follows `accept`.
    pub fn format(&self) -> Format {
        if let Some(f) = self.params.get("Format") {
            return if f.eq_ignore_ascii_case("xml") {
                Format::Xml
            } else {
                Format::Json
            };
        }
        match self.style() {
            SignatureStyle::V1 => Format::Xml,
            SignatureStyle::V3 => match self.header("accept") {
                Some(a) if a.contains("xml") && !a.contains("json") => Format::Xml,
                _ => Format::Json,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form_body_merge_with_form_semantics() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let r = ApiRequest::parse(
            Method::POST,
            Some("Action=CreateCommand&Name=a+b"),
            h,
            b"CommandContent=echo%20hi+there&Format=JSON".to_vec(),
        );
        assert_eq!(r.action(), Some("CreateCommand"));
        assert_eq!(r.params.get("Name"), Some("a b"));
        assert_eq!(r.params.get("CommandContent"), Some("echo hi there"));
        assert_eq!(r.format(), Format::Json);
        assert_eq!(r.query.len(), 2);
    }

    #[test]
    fn v3_reads_action_from_headers_and_defaults_to_json() {
        let mut h = HeaderMap::new();
        h.insert("x-acs-action", "DescribeCommands".parse().unwrap());
        h.insert("x-acs-version", "2014-05-26".parse().unwrap());
        h.insert(
            "authorization",
            "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00"
                .parse()
                .unwrap(),
        );
        let r = ApiRequest::parse(Method::POST, Some("RegionId=cn-hangzhou"), h, Vec::new());
        assert_eq!(r.style(), SignatureStyle::V3);
        assert_eq!(r.action(), Some("DescribeCommands"));
        assert_eq!(r.version(), Some("2014-05-26"));
        assert_eq!(r.format(), Format::Json);
    }

    #[test]
    fn v1_without_format_answers_xml() {
        let r = ApiRequest::parse(Method::GET, Some("Action=X"), HeaderMap::new(), Vec::new());
        assert_eq!(r.style(), SignatureStyle::V1);
        assert_eq!(r.format(), Format::Xml);
    }
}
