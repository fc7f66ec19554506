//! Markup primitives of the console: the one escaping function every stored value goes through,
//! the page frame (inline CSS, navigation, auto-refresh) and small recurring pieces.

use std::fmt::Write;

use crate::domain::status::{InvocationStatus, TargetStatus};

/// Escapes text for HTML element content and double- or single-quoted attribute values.
/// Every value read from the store or the inventory goes through here: names, scripts,
/// outputs and tags are user-controlled and may hold markup.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a value for a query-string parameter inside an `href` (percent-encoding, then
/// HTML escaping of what remains).
pub fn query_value(s: &str) -> String {
    esc(&percent_encoding::utf8_percent_encode(s, QUERY).to_string())
}

/// RFC 3986 unreserved characters stay as they are, so region ids read naturally in URLs.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A status (of a task or of a target) after which a run can still change: a page showing
/// one reloads itself. Both levels name their non-final statuses alike.
pub fn is_active(status: &str) -> bool {
    TargetStatus::from_api(status).is_some_and(|s| !s.is_final())
}

/// Seconds between reloads of a page that shows an active run.
pub const REFRESH_SECONDS: u32 = 3;

/// Which section of the navigation is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Commands,
    Invocations,
    Instances,
}

impl Section {
    /// Where the section's page lives.
    pub fn path(self) -> &'static str {
        match self {
            Section::Overview => "/console/",
            Section::Commands => "/console/commands",
            Section::Invocations => "/console/invocations",
            Section::Instances => "/console/instances",
        }
    }
}

/// What every page carries besides its body.
pub struct Frame<'a> {
    pub title: &'a str,
    pub section: Section,
    /// The region the page shows; the navigation keeps it.
    pub region: Option<&'a str>,
    /// All regions of the account, for the region switcher.
    pub regions: &'a [String],
    /// True when something on the page is still running: the page reloads itself.
    pub live: bool,
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f7f9;margin:0}
header{background:#232f3e;color:#fff}
header .bar{max-width:1180px;margin:0 auto;padding:10px 20px;display:flex;flex-wrap:wrap;gap:6px 18px;align-items:baseline}
header .brand{font-weight:600;font-size:16px;margin-right:10px}
header a{color:#d5dbe3;text-decoration:none}
header a.on{color:#fff;border-bottom:2px solid #ff9900}
header .regions{margin-left:auto;font-size:13px}
header .regions a{margin-left:8px}
main{max-width:1180px;margin:0 auto;padding:18px 20px 40px}
h1{font-size:22px;margin:4px 0 14px}
h2{font-size:17px;margin:0 0 8px;overflow-wrap:anywhere}
.note{color:#57606a;font-size:13px}
.live{color:#0969da;font-size:13px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:14px 16px;margin:0 0 14px}
table{border-collapse:collapse;width:100%;background:#fff;table-layout:auto}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e4e7eb;overflow-wrap:break-word}
td code{white-space:nowrap}
th{background:#f0f2f5;font-weight:600;font-size:13px}
dl.fields{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 14px;margin:8px 0}
dl.fields dt{color:#57606a;font-size:13px}
dl.fields dd{margin:0;overflow-wrap:anywhere}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
pre{background:#f6f8fa;border:1px solid #e4e7eb;border-radius:4px;padding:8px 10px;margin:6px 0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:32em;overflow:auto}
.tag{display:inline-block;max-width:100%;overflow-wrap:break-word;background:#eef1f4;border-radius:3px;padding:0 6px;margin:1px 4px 1px 0;font-size:12px}
.st{display:inline-block;white-space:nowrap;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;background:#eaeef2;color:#424a53}
.st.ok{background:#dafbe1;color:#116329}
.st.bad{background:#ffebe9;color:#a40e26}
.st.run{background:#ddf4ff;color:#0550ae}
a{color:#0969da}
.pager{margin:8px 0 14px}
.pager a{margin-right:14px}
"#;

/// A whole page: head with CSS (and a meta refresh when `live`), navigation, `body`.
pub fn page(frame: &Frame<'_>, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 4096);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    if frame.live {
        let _ = write!(
            out,
            "<meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">"
        );
    }
    let _ = write!(
        out,
        "<title>{} · assistctl emulator</title><style>{CSS}</style></head><body><header><nav class=\"bar\">",
        esc(frame.title)
    );
    out.push_str("<span class=\"brand\">assistctl emulator · Cloud Assistant</span>");
    let region_q = frame
        .region
        .map(|r| format!("?region={}", query_value(r)))
        .unwrap_or_default();
    for (section, label) in [
        (Section::Overview, "Overview"),
        (Section::Commands, "My Commands"),
        (Section::Invocations, "Task Execution"),
        (Section::Instances, "Instances"),
    ] {
        let path = section.path();
        let q = if section == Section::Overview {
            ""
        } else {
            &region_q
        };
        let class = if section == frame.section {
            " class=\"on\""
        } else {
            ""
        };
        let _ = write!(out, "<a href=\"{path}{q}\"{class}>{label}</a>");
    }
    if let Some(current) = frame.region {
        let here = frame.section.path();
        out.push_str("<span class=\"regions\">Region:");
        for r in frame.regions {
            let class = if r == current { " class=\"on\"" } else { "" };
            let _ = write!(
                out,
                "<a href=\"{here}?region={}\"{class}>{}</a>",
                query_value(r),
                esc(r)
            );
        }
        out.push_str("</span>");
    }
    out.push_str("</nav></header><main>");
    let _ = write!(out, "<h1>{}</h1>", esc(frame.title));
    if frame.live {
        let _ = write!(
            out,
            "<p class=\"live\">Runs are in progress: this page reloads every {REFRESH_SECONDS} s.</p>"
        );
    }
    out.push_str(body);
    out.push_str("</main></body></html>\n");
    out
}

/// A status as a coloured badge: green for success, red for failure kinds, blue while active.
pub fn status(s: &str) -> String {
    let class = match s {
        "Success" | "Finished" => "st ok",
        s if TargetStatus::from_api(s).is_some_and(TargetStatus::is_failure)
            || InvocationStatus::from_api(s) == Some(InvocationStatus::PartialFailed) =>
        {
            "st bad"
        }
        s if is_active(s) => "st run",
        _ => "st",
    };
    format!("<span class=\"{class}\">{}</span>", esc(s))
}

/// An instance's power state as a badge: green when Running, grey otherwise.
pub fn power_state(s: &str) -> String {
    let class = if s == "Running" { "st ok" } else { "st" };
    format!("<span class=\"{class}\">{}</span>", esc(s))
}

/// Tags as small labels `key=value`; a dash when there are none.
pub fn tags(tags: &[(String, String)]) -> String {
    if tags.is_empty() {
        return "–".into();
    }
    tags.iter()
        .map(|(k, v)| format!("<span class=\"tag\">{}={}</span>", esc(k), esc(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An optional value, or a dash.
pub fn or_dash(v: Option<&str>) -> String {
    match v {
        Some(v) if !v.is_empty() => esc(v),
        _ => "–".into(),
    }
}

/// A `<dl>` of label/value pairs; values are markup already.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"fields\">");
    for (k, v) in pairs {
        let _ = write!(out, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    out.push_str("</dl>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_neutralises_every_markup_character() {
        assert_eq!(
            esc(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(esc("plain ünïcode {{who}}"), "plain ünïcode {{who}}");
        // Escaping is not idempotent on purpose: an entity in a script is shown as written.
        assert_eq!(esc("&amp;"), "&amp;amp;");
    }

    #[test]
    fn query_values_cannot_leave_the_attribute() {
        assert_eq!(query_value("cn-hangzhou"), "cn-hangzhou");
        assert_eq!(query_value("a\"><b"), "a%22%3E%3Cb");
    }

    #[test]
    fn only_a_live_page_refreshes() {
        let regions = vec!["cn-hangzhou".to_string()];
        let mut frame = Frame {
            title: "T <1>",
            section: Section::Commands,
            region: Some("cn-hangzhou"),
            regions: &regions,
            live: false,
        };
        let still = page(&frame, "<p>x</p>");
        assert!(!still.contains("http-equiv=\"refresh\""), "{still}");
        assert!(still.contains("<title>T &lt;1&gt; · assistctl emulator</title>"));
        frame.live = true;
        let live = page(&frame, "<p>x</p>");
        assert!(live.contains("<meta http-equiv=\"refresh\" content=\"3\">"));
    }

    #[test]
    fn statuses_get_their_colour_and_are_escaped() {
        assert!(status("Success").contains("st ok"));
        assert!(status("Timeout").contains("st bad"));
        assert!(status("Scheduled").contains("st run"));
        assert_eq!(status("<x>"), "<span class=\"st\">&lt;x&gt;</span>");
    }
}
