//! The JSON Schema of manifests, generated from the types in [`super::types`] and
//! committed as `schema/assistctl.schema.json` for editors and other validators.
//! Internally each document is validated against its kind's definition, which gives
//! far clearer errors than the root `oneOf`.

use std::sync::LazyLock;

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use super::types::{CommandDocument, InvocationDocument, StackDocument};

pub const SCHEMA_ID: &str = "https://assistctl.dev/schema/assistctl.schema.json";

/// The whole manifest schema, deterministic.
pub fn schema() -> Value {
    let mut g = SchemaSettings::draft2020_12().into_generator();
    let stack = g.subschema_for::<StackDocument>();
    let command = g.subschema_for::<CommandDocument>();
    let invocation = g.subschema_for::<InvocationDocument>();
    let defs = g.take_definitions(true);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "assistctl manifest",
        "description": "One document of an assistctl manifest set (apiVersion assistctl/v1): a Stack, a Command or an Invocation.",
        "oneOf": [stack, command, invocation],
        "$defs": defs,
    })
}

/// The schema as committed: pretty JSON with a trailing newline.
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).expect("schema serializes");
    s.push('\n');
    s
}

/// The document kinds and the name of their definition in `$defs`.
pub const KINDS: [(&str, &str); 3] = [
    ("Stack", "StackDocument"),
    ("Command", "CommandDocument"),
    ("Invocation", "InvocationDocument"),
];

pub struct KindSchemas {
    pub root: Value,
    validators: Vec<(&'static str, jsonschema::Validator)>,
}

impl KindSchemas {
    pub fn validator(&self, kind: &str) -> Option<&jsonschema::Validator> {
        self.validators
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v)
    }

    /// The schema node a `$ref` points at (`#/$defs/Name`), or the node itself.
    pub fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        let mut n = node;
        for _ in 0..8 {
            match n.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix("#/$defs/") {
                    Some(name) => match self.root["$defs"].get(name) {
                        Some(def) => n = def,
                        None => return n,
                    },
                    None => return n,
                },
                None => return n,
            }
        }
        n
    }

    /// The property names allowed at `pointer` of a document of `kind`, for "did you
    /// mean" hints on unknown fields.
    pub fn properties_at(&self, kind: &str, pointer: &str) -> Vec<String> {
        let Some((_, def)) = KINDS.iter().find(|(k, _)| *k == kind) else {
            return Vec::new();
        };
        let mut nodes = vec![&self.root["$defs"][*def]];
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            let mut next = Vec::new();
            for n in nodes {
                for b in self.branches(n) {
                    if let Some(p) = b.get("properties").and_then(|p| p.get(&seg)) {
                        next.push(p);
                    } else if let Some(ap) = b.get("additionalProperties").filter(|v| v.is_object())
                    {
                        next.push(ap);
                    } else if let Some(items) = b.get("items") {
                        next.push(items);
                    }
                }
            }
            nodes = next;
        }
        let mut names: Vec<String> = nodes
            .into_iter()
            .flat_map(|n| self.branches(n))
            .filter_map(|b| b.get("properties").and_then(Value::as_object))
            .flat_map(|m| m.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// A node and its `anyOf` / `oneOf` alternatives, with references resolved.
    fn branches<'a>(&'a self, node: &'a Value) -> Vec<&'a Value> {
        let n = self.resolve(node);
        let mut out = vec![n];
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(alts) = n.get(key).and_then(Value::as_array) {
                out.extend(alts.iter().flat_map(|a| self.branches(a)));
            }
        }
        out
    }
}

pub static SCHEMAS: LazyLock<KindSchemas> = LazyLock::new(|| {
    let root = schema();
    let validators = KINDS
        .iter()
        .map(|(kind, def)| {
            let s = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": format!("#/$defs/{def}"),
                "$defs": root["$defs"].clone(),
            });
            let v = jsonschema::validator_for(&s).expect("generated schema compiles");
            (*kind, v)
        })
        .collect();
    KindSchemas { root, validators }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_name_pattern_is_the_domain_rule() {
        let p = &SCHEMAS.root["$defs"]["StackMetadata"]["properties"]["name"]["pattern"];
        assert_eq!(p, crate::domain::tags::STACK_NAME_PATTERN);
        // Other kinds keep their own names free of it.
        let p = &SCHEMAS.root["$defs"]["Metadata"]["properties"]["name"];
        assert!(p.get("pattern").is_none(), "{p}");
    }

    #[test]
    fn properties_for_hints() {
        let p = SCHEMAS.properties_at("Command", "/spec");
        assert!(p.contains(&"workingDir".to_string()), "{p:?}");
        let p = SCHEMAS.properties_at("Invocation", "/spec/schedule");
        assert!(
            p.contains(&"cron".to_string()) && p.contains(&"timezone".to_string()),
            "{p:?}"
        );
        let p = SCHEMAS.properties_at("Command", "/spec/parameters/file");
        assert!(p.contains(&"default".to_string()), "{p:?}");
    }
}
