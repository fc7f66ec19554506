//! Writing answers: the JSON body as the service shapes it, or the same structure as XML
//! (`<ActionResponse>` with one element per field, list items repeated under their key), and
//! the error body `{RequestId, HostId, Code, Message, Recommend}` (`<Error>` in XML).

use serde_json::{Map, Value, json};

use super::request::Format;
use crate::emulator::errors::ApiError;

pub const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";
/// The Tea SDK recognises an XML error body by exactly this content type.
pub const XML_CONTENT_TYPE: &str = "text/xml;charset=utf-8";

/// A rendered answer.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// The success body: `RequestId` first, then the operation's fields.
pub fn render_ok(
    format: Format,
    action: &str,
    request_id: &str,
    fields: Map<String, Value>,
) -> Rendered {
    let mut body = Map::new();
    body.insert("RequestId".into(), Value::String(request_id.to_string()));
    for (k, v) in fields {
        if k != "RequestId" {
            body.insert(k, v);
        }
    }
    render(format, 200, &format!("{action}Response"), body)
}

pub fn render_error(
    format: Format,
    err: &ApiError,
    request_id: &str,
    region: Option<&str>,
) -> Rendered {
    let host_id = match region {
        Some(r) => format!("ecs.{r}.aliyuncs.com"),
        None => "ecs.aliyuncs.com".to_string(),
    };
    let body = json!({
        "RequestId": request_id,
        "HostId": host_id,
        "Code": err.code.as_str(),
        "Message": err.message,
        "Recommend": format!(
            "https://api.aliyun.com/troubleshoot?q={}&product=Ecs&requestId={}",
            err.code.as_str(),
            request_id
        ),
    });
    let Value::Object(body) = body else {
        unreachable!("json! of an object literal is an object")
    };
    render(format, err.status(), "Error", body)
}

fn render(format: Format, status: u16, root: &str, body: Map<String, Value>) -> Rendered {
    match format {
        Format::Json => Rendered {
            status,
            content_type: JSON_CONTENT_TYPE,
            body: Value::Object(body).to_string(),
        },
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            write_element(&mut out, root, &Value::Object(body));
            Rendered {
                status,
                content_type: XML_CONTENT_TYPE,
                body: out,
            }
        }
    }
}

fn write_element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                write_element(out, name, item);
            }
        }
        Value::Object(map) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            for (k, v) in map {
                write_element(out, k, v);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::String(s) => write_text(out, name, s),
        Value::Bool(b) => write_text(out, name, if *b { "true" } else { "false" }),
        Value::Number(n) => write_text(out, name, &n.to_string()),
    }
}

fn write_text(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::errors::Code;

    #[test]
    fn xml_repeats_list_items_under_their_key() {
        let mut fields = Map::new();
        fields.insert(
            "Commands".into(),
            json!({"Command": [{"CommandId": "c-1", "Timeout": 60}, {"CommandId": "c-2<&>"}]}),
        );
        let r = render_ok(Format::Xml, "DescribeCommands", "RID", fields);
        assert_eq!(r.content_type, XML_CONTENT_TYPE);
        assert!(r.body.contains(
            "<DescribeCommandsResponse><RequestId>RID</RequestId><Commands><Command><CommandId>c-1</CommandId><Timeout>60</Timeout></Command><Command><CommandId>c-2&lt;&amp;&gt;</CommandId></Command></Commands></DescribeCommandsResponse>"
        ), "{}", r.body);
    }

    #[test]
    fn error_body_has_the_service_fields() {
        let e = ApiError::new(Code::InvalidCmdIdNotFound, "nope");
        let r = render_error(Format::Json, &e, "RID", Some("cn-hangzhou"));
        assert_eq!(r.status, 404);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["Code"], "InvalidCmdId.NotFound");
        assert_eq!(v["HostId"], "ecs.cn-hangzhou.aliyuncs.com");
        assert_eq!(v["RequestId"], "RID");
        assert_eq!(
            v["Recommend"],
            "https://api.aliyun.com/troubleshoot?q=InvalidCmdId.NotFound&product=Ecs&requestId=RID"
        );
    }
}
