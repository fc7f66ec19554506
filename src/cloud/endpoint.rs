//! Where requests go: the ECS endpoint of a region, or an explicit override.
//!
//! The region table is the Tea SDK's `_endpoint_map` (`alibabacloud-ecs20140526` 7.11, reference
//! §5); every other region uses `ecs.<region>.aliyuncs.com`. Overrides are a full URL
//! (`http://127.0.0.1:8080`) or a bare host (`ecs.cn-hangzhou.aliyuncs.com`, meaning https).
//! Plain http is allowed only for loopback hosts, where the emulator and test fakes live: an
//! AccessKey ID and STS token must not cross a network in clear text.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

use super::error::{Error, Result};

/// Regions whose endpoint is not `ecs.<region>.aliyuncs.com`.
const ENDPOINT_OVERRIDES: &[(&str, &str)] = &[
    ("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-shanghai-finance-1", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-shenzhen-finance-1", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-north-2-gov-1", "ecs.aliyuncs.com"),
    ("ap-northeast-2-pop", "ecs.aliyuncs.com"),
    ("cn-beijing-finance-pop", "ecs.aliyuncs.com"),
    ("cn-beijing-gov-1", "ecs.aliyuncs.com"),
    ("cn-beijing-nu16-b01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-edge-1", "ecs.cn-qingdao-nebula.aliyuncs.com"),
    ("cn-fujian", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-haidian-cm12-c01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-hangzhou-bj-b01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-hangzhou-finance", "ecs.aliyuncs.com"),
    (
        "cn-hangzhou-internal-prod-1",
        "ecs-cn-hangzhou.aliyuncs.com",
    ),
    (
        "cn-hangzhou-internal-test-1",
        "ecs-cn-hangzhou.aliyuncs.com",
    ),
    (
        "cn-hangzhou-internal-test-2",
        "ecs-cn-hangzhou.aliyuncs.com",
    ),
    (
        "cn-hangzhou-internal-test-3",
        "ecs-cn-hangzhou.aliyuncs.com",
    ),
    ("cn-hangzhou-test-306", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-hongkong-finance-pop", "ecs.aliyuncs.com"),
    (
        "cn-huhehaote-nebula-1",
        "ecs.cn-qingdao-nebula.aliyuncs.com",
    ),
    ("cn-shanghai-et15-b01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-shanghai-et2-b01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-shanghai-inner", "ecs.aliyuncs.com"),
    (
        "cn-shanghai-internal-test-1",
        "ecs-cn-hangzhou.aliyuncs.com",
    ),
    ("cn-shenzhen-inner", "ecs.aliyuncs.com"),
    ("cn-shenzhen-st4-d01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-shenzhen-su18-b01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-wuhan", "ecs.aliyuncs.com"),
    ("cn-yushanfang", "ecs.aliyuncs.com"),
    ("cn-zhangbei", "ecs.aliyuncs.com"),
    ("cn-zhangbei-na61-b01", "ecs-cn-hangzhou.aliyuncs.com"),
    ("cn-zhangjiakou-na62-a01", "ecs.cn-zhangjiakou.aliyuncs.com"),
    (
        "cn-zhengzhou-nebula-1",
        "ecs.cn-qingdao-nebula.aliyuncs.com",
    ),
    ("eu-west-1-oxs", "ecs.cn-shenzhen-cloudstone.aliyuncs.com"),
    ("rus-west-1-pop", "ecs.aliyuncs.com"),
];

/// Checks a region ID before it becomes part of a host name.
pub fn validate_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "invalid region {region:?}: expected an ID such as cn-hangzhou (lower-case letters, digits and '-')"
        )))
    }
}

/// The ECS API host of a region.
pub fn ecs_host(region: &str) -> Result<String> {
    validate_region(region)?;
    Ok(ENDPOINT_OVERRIDES
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, host)| (*host).to_owned())
        .unwrap_or_else(|| format!("ecs.{region}.aliyuncs.com")))
}

/// True for 127.0.0.0/8, ::1 (and IPv4-mapped loopback) and `localhost`.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// A validated base URL: scheme, host and port, path `/`.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
}

impl Endpoint {
    /// The https endpoint of `region`.
    pub fn for_region(region: &str) -> Result<Self> {
        Self::parse(&ecs_host(region)?)
    }

    /// An endpoint option: a full `http(s)://host[:port]` URL or a bare `host[:port]`.
    pub fn parse(s: &str) -> Result<Self> {
        Self::parse_with(s, |_| false)
    }

    /// Like [`Endpoint::parse`], but `allow_http` may permit plain http for further hosts
    /// (the ECS metadata service is http-only at 100.100.100.200).
    pub fn parse_with(s: &str, allow_http: impl Fn(&Host<&str>) -> bool) -> Result<Self> {
        let s = s.trim();
        let bad = |why: &str| Error::Config(format!("invalid endpoint {s:?}: {why}"));
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        let with_scheme = if s.contains("://") {
            s.to_owned()
        } else {
            format!("https://{s}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        let host = url.host().ok_or_else(|| bad("it has no host"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) || allow_http(&host) => {}
            "http" => {
                return Err(bad(&format!(
                    "plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https://{}",
                    &s["http://".len()..]
                )));
            }
            other => return Err(bad(&format!("unsupported scheme {other:?}; use https"))),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("credentials do not belong in the endpoint URL"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad(
                "give only scheme, host and port (the API path is always /)",
            ));
        }
        Ok(Self { url })
    }

    /// The value of the `host` header: the host, plus the port when it is not the default.
    pub fn host_header(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    pub fn is_loopback(&self) -> bool {
        self.url.host().is_some_and(|h| is_loopback(&h))
    }

    pub fn is_ip(&self) -> bool {
        matches!(self.url.host(), Some(Host::Ipv4(_) | Host::Ipv6(_)))
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `base` joined with `path` (which starts with `/`) and an already-encoded query.
    pub fn request_url(&self, path: &str, query: &str) -> String {
        let base = self.url.as_str().trim_end_matches('/');
        if query.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{query}")
        }
    }
}

/// The ECS metadata service's fixed address, allowed over plain http.
pub fn is_metadata_address(host: &Host<&str>) -> bool {
    matches!(host, Host::Ipv4(ip) if IpAddr::V4(*ip) == IpAddr::from([100, 100, 100, 200]))
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.url)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_table_and_default_pattern() {
        assert_eq!(
            ecs_host("cn-hangzhou").unwrap(),
            "ecs-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            ecs_host("cn-shanghai-finance-1").unwrap(),
            "ecs-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(ecs_host("cn-beijing-gov-1").unwrap(), "ecs.aliyuncs.com");
        assert_eq!(ecs_host("cn-wuhan").unwrap(), "ecs.aliyuncs.com");
        assert_eq!(
            ecs_host("cn-shanghai").unwrap(),
            "ecs.cn-shanghai.aliyuncs.com"
        );
        assert_eq!(
            ecs_host("eu-central-1").unwrap(),
            "ecs.eu-central-1.aliyuncs.com"
        );
        let e = Endpoint::for_region("cn-hangzhou").unwrap();
        assert_eq!(e.to_string(), "https://ecs-cn-hangzhou.aliyuncs.com");
        assert_eq!(e.host_header(), "ecs-cn-hangzhou.aliyuncs.com");
    }

    #[test]
    fn rejects_bad_regions() {
        for r in ["", "CN-HANGZHOU", "cn hangzhou", "evil.com/x", "-a", "a-"] {
            assert!(Endpoint::for_region(r).is_err(), "{r:?}");
        }
    }

    #[test]
    fn overrides_accept_urls_and_hosts() {
        let e = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(e.host_header(), "127.0.0.1:8080");
        assert!(e.is_loopback());
        assert_eq!(e.request_url("/", "a=b"), "http://127.0.0.1:8080/?a=b");
        let e = Endpoint::parse("ecs.cn-shanghai.aliyuncs.com").unwrap();
        assert_eq!(e.to_string(), "https://ecs.cn-shanghai.aliyuncs.com");
        let e = Endpoint::parse("https://example.com:8443/").unwrap();
        assert_eq!(e.host_header(), "example.com:8443");
        assert_eq!(
            Endpoint::parse("http://[::1]:9").unwrap().host_header(),
            "[::1]:9"
        );
        assert!(Endpoint::parse("http://localhost:1").unwrap().is_loopback());
        assert!(Endpoint::parse("http://127.8.9.10").unwrap().is_loopback());
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let err = Endpoint::parse("http://ecs.cn-hangzhou.aliyuncs.com").unwrap_err();
        assert!(err.to_string().contains("only for loopback"), "{err}");
        assert!(Endpoint::parse("http://10.0.0.1:80").is_err());
        assert!(Endpoint::parse("http://100.100.100.200").is_err());
        assert!(Endpoint::parse_with("http://100.100.100.200", is_metadata_address).is_ok());
        assert!(Endpoint::parse("ftp://127.0.0.1").is_err());
        assert!(Endpoint::parse("https://u:p@example.com").is_err());
        assert!(Endpoint::parse("https://example.com/api").is_err());
        assert!(Endpoint::parse("").is_err());
    }
}
