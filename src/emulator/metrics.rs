//! Prometheus metrics served at `GET /metrics`: requests by action, HTTP status and error
//! code, and a latency histogram by action.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    action: String,
    status: u16,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

/// The emulator's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<ActionLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("assistctl_emulator");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<ActionLabels, Histogram>::new_with_constructor(|| {
            // 100 µs .. ~3.3 s
            Histogram::new(exponential_buckets(0.0001, 2.0, 16))
        });
        registry.register(
            "requests",
            "API requests by action, HTTP status and error code (empty on success)",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer an API request, by action",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }

    /// Records one answered request. Unknown actions are counted under `unknown` so a client
    /// cannot grow the label set without bound.
    pub fn observe(&self, action: &str, status: u16, code: &str, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                action: action.to_string(),
                status,
                code: code.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&ActionLabels {
                action: action.to_string(),
            })
            .observe(seconds);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::new();
        m.observe("CreateCommand", 200, "", 0.002);
        m.observe("CreateCommand", 404, "InvalidCmdId.NotFound", 0.001);
        let text = m.render();
        assert!(text.contains(
            "assistctl_emulator_requests_total{action=\"CreateCommand\",status=\"404\",code=\"InvalidCmdId.NotFound\"} 1"
        ), "{text}");
        assert!(
            text.contains(
                "assistctl_emulator_request_duration_seconds_count{action=\"CreateCommand\"} 2"
            ),
            "{text}"
        );
    }
}
