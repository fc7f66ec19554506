//! Lenient (de)serialization of the API's JSON, exact on names and forgiving on shapes:
//! integers that arrive as strings (and the reverse), booleans as `"true"`/`"True"`,
//! `Parameters` as a string or an object, and list wrappers (`"Commands":{"Command":[...]}`)
//! that may be missing, null, or a plain array.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// An integer from a number or a decimal string; missing, null or "" is 0.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {n}"))),
        Value::String(s) if s.trim().is_empty() => Ok(0),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("expected an integer, got {s:?}"))),
        Value::Bool(b) => Ok(i64::from(b)),
        other => Err(serde::de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

/// A boolean from `true`/`false`, any-case strings, or 0/1; missing, null or "" is false.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            _ => Err(serde::de::Error::custom(format!(
                "expected a boolean, got {s:?}"
            ))),
        },
        other => Err(serde::de::Error::custom(format!(
            "expected a boolean, got {other}"
        ))),
    }
}

/// Writes a boolean as the string `"true"`/`"false"` (`CloudAssistantStatus`).
pub fn bool_as_string<S: Serializer>(b: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *b { "true" } else { "false" })
}

/// A string from a string, number or boolean; null is "".
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, got {other}"
        ))),
    }
}

/// A JSON document that may arrive as a string or inline (`Parameters`): kept as its
/// compact JSON text.
pub fn json_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

/// A list that may be wrapped (`{"Tag":[...]}`), plain (`[...]`), or absent.
fn unwrap_list<T: DeserializeOwned, E: serde::de::Error>(
    v: Value,
    inner: &str,
) -> Result<Vec<T>, E> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) if s.is_empty() => return Ok(Vec::new()),
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove(inner) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            // XML-to-JSON converters turn a one-element list into the element itself.
            Some(single) => vec![single],
        },
        other => {
            return Err(E::custom(format!(
                "expected a list or {{\"{inner}\": [...]}}, got {other}"
            )));
        }
    };
    items
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(E::custom))
        .collect()
}

/// Generates a `with` module for a list the API wraps in an object with one key, e.g.
/// `wrapped!(command, "Command")` for `"Commands":{"Command":[...]}`. It reads every shape
/// [`unwrap_list`] accepts and writes the wrapped shape.
macro_rules! wrapped {
    ($module:ident, $inner:literal) => {
        pub mod $module {
            use serde::de::DeserializeOwned;
            use serde::{Deserialize, Deserializer, Serialize, Serializer};

            pub fn serialize<T: Serialize, S: Serializer>(
                items: &[T],
                s: S,
            ) -> Result<S::Ok, S::Error> {
                #[derive(Serialize)]
                struct Wrapper<'a, T: Serialize> {
                    #[serde(rename = $inner)]
                    items: &'a [T],
                }
                Wrapper { items }.serialize(s)
            }

            pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
                d: D,
            ) -> Result<Vec<T>, D::Error> {
                super::unwrap_list(serde_json::Value::deserialize(d)?, $inner)
            }
        }
    };
}

/// A plain list (DescribeManagedInstances) that tolerates null and wrappers too.
pub mod plain {
    use super::*;

    pub fn serialize<T: Serialize, S: Serializer>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
        items.serialize(s)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        let v = Value::deserialize(d)?;
        match v {
            Value::Object(ref map) if map.len() == 1 => {
                let key = map.keys().next().cloned().unwrap_or_default();
                unwrap_list(v, &key)
            }
            other => unwrap_list(other, ""),
        }
    }
}

wrapped!(command, "Command");
wrapped!(tag, "Tag");
wrapped!(parameter_name, "ParameterName");
wrapped!(parameter_definition, "ParameterDefinition");
wrapped!(possible_value, "PossibleValue");
wrapped!(invocation, "Invocation");
wrapped!(invoke_instance, "InvokeInstance");
wrapped!(invocation_result, "InvocationResult");
wrapped!(instance, "Instance");
wrapped!(
    instance_cloud_assistant_status,
    "InstanceCloudAssistantStatus"
);
wrapped!(tag_resource, "TagResource");
wrapped!(account_attribute_item, "AccountAttributeItem");
wrapped!(value_item, "ValueItem");
wrapped!(region, "Region");

/// Removes null members everywhere, so `null` reads as "missing" (and takes the default).
pub fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize, Debug, PartialEq, Default)]
    #[serde(default)]
    struct Probe {
        #[serde(rename = "N", deserialize_with = "int")]
        n: i64,
        #[serde(rename = "B", deserialize_with = "bool")]
        b: bool,
        #[serde(rename = "S", deserialize_with = "string")]
        s: String,
        #[serde(rename = "P", deserialize_with = "json_text")]
        p: String,
        #[serde(rename = "Tags", with = "tag")]
        tags: Vec<String>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn scalars_are_lenient() {
        assert_eq!(
            probe(r#"{"N":"42","B":"True","S":7,"P":{"a":"b"}}"#),
            Probe {
                n: 42,
                b: true,
                s: "7".into(),
                p: r#"{"a":"b"}"#.into(),
                tags: vec![]
            }
        );
        assert_eq!(probe(r#"{"N":42,"B":false,"S":"x","P":"{}"}"#).n, 42);
        assert_eq!(
            probe(r#"{"N":null,"B":null,"S":null,"P":null}"#),
            Probe::default()
        );
        assert!(serde_json::from_str::<Probe>(r#"{"N":"x"}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"B":"maybe"}"#).is_err());
    }

    #[test]
    fn lists_accept_every_shape_and_write_the_wrapper() {
        assert_eq!(probe(r#"{"Tags":{"Tag":["a","b"]}}"#).tags, ["a", "b"]);
        assert_eq!(probe(r#"{"Tags":["a"]}"#).tags, ["a"]);
        assert_eq!(probe(r#"{"Tags":{"Tag":"a"}}"#).tags, ["a"]);
        assert!(probe(r#"{"Tags":{}}"#).tags.is_empty());
        assert!(probe(r#"{"Tags":null}"#).tags.is_empty());
        assert!(probe(r#"{"Tags":""}"#).tags.is_empty());
        let out = serde_json::to_value(probe(r#"{"Tags":["a"]}"#)).unwrap();
        assert_eq!(out["Tags"], serde_json::json!({"Tag": ["a"]}));
    }

    #[test]
    fn strip_nulls_recurses() {
        let mut v = serde_json::json!({"a": null, "b": [{"c": null, "d": 1}]});
        strip_nulls(&mut v);
        assert_eq!(v, serde_json::json!({"b": [{"d": 1}]}));
    }
}
