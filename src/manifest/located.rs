//! Source positions of YAML nodes, by JSON pointer.
//!
//! Documents are parsed straight into `serde_json::Value` (what the JSON Schema
//! validator and the typed model read). Positions are needed only to report a problem,
//! so they are computed lazily, on the first diagnostic in a file: serde-saphyr gives
//! positions through `Spanned<T>`, so the file is parsed again into a tree of spanned
//! nodes and flattened into a map from JSON pointer to line and column. Valid files, the
//! common case, never pay for it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

/// 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl Pos {
    fn of<T>(s: &Spanned<T>) -> Pos {
        Pos {
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }
}

/// One YAML node with its children spanned.
#[derive(Debug)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Spanned<Node>>()? {
            out.push(v);
        }
        Ok(Node::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Spanned<KeyString>>()? {
            let v = map.next_value::<Spanned<Node>>()?;
            out.push((
                Spanned {
                    value: k.value.0,
                    referenced: k.referenced,
                    defined: k.defined,
                },
                v,
            ));
        }
        Ok(Node::Map(out))
    }
}

/// Mapping keys as strings: YAML allows `1:` or `true:` as keys; JSON needs strings.
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyString, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyString, E> {
                Ok(KeyString(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyString, E> {
                Ok(KeyString("null".into()))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<KeyString, A::Error> {
                Err(de::Error::custom("a mapping cannot be used as a key"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<KeyString, A::Error> {
                Err(de::Error::custom("a sequence cannot be used as a key"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Positions of a document's nodes, keyed by JSON pointer (`/spec/timeout`). For a
/// mapping entry the key's position is kept too (`key_pos`), which is where an
/// unknown or misspelt field is best reported.
#[derive(Debug, Default, Clone)]
pub struct DocPositions {
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
}

/// A manifest file's text and, once asked for, the positions of all its documents.
#[derive(Debug)]
pub struct FileSource {
    pub text: Arc<str>,
    options: fn() -> serde_saphyr::Options,
    docs: OnceLock<Vec<DocPositions>>,
    starts: OnceLock<Vec<u64>>,
}

impl FileSource {
    pub fn new(text: Arc<str>, options: fn() -> serde_saphyr::Options) -> Self {
        FileSource {
            text,
            options,
            docs: OnceLock::new(),
            starts: OnceLock::new(),
        }
    }

    /// The first content line of each document, by document index.
    fn document_lines(&self) -> &[u64] {
        self.starts.get_or_init(|| {
            let lines: Vec<&str> = self.text.lines().collect();
            let is_sep = |l: &str| l == "---" || l.starts_with("--- ") || l.starts_with("---\t");
            let skip = |l: &str| {
                l.trim().is_empty() || l.trim_start().starts_with('#') || l.starts_with('%')
            };
            let first_content = lines.iter().position(|l| !skip(l)).unwrap_or(0);
            let mut starts = Vec::new();
            if !lines.get(first_content).is_some_and(|l| is_sep(l)) {
                starts.push(first_content);
            }
            starts.extend(
                lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| is_sep(l))
                    .map(|(i, _)| i + 1),
            );
            starts
                .into_iter()
                .map(|start| {
                    (start..lines.len())
                        .find(|&i| !skip(lines[i]))
                        .unwrap_or(start) as u64
                        + 1
                })
                .collect()
        })
    }

    fn doc(&self, index: usize) -> Option<&DocPositions> {
        self.docs
            .get_or_init(|| {
                // The file parsed once already, so this succeeds; if it did not, every
                // position falls back to the start of the file.
                serde_saphyr::from_multiple_with_options::<Spanned<Node>>(
                    &self.text,
                    (self.options)(),
                )
                .map(|docs| docs.into_iter().map(|d| flatten(d).1).collect())
                .unwrap_or_default()
            })
            .get(index)
    }
}

/// Positions of one document of a file, computed on first use.
#[derive(Debug, Clone)]
pub struct Positions {
    file: Arc<FileSource>,
    index: usize,
}

impl Positions {
    pub fn new(file: Arc<FileSource>, index: usize) -> Self {
        Positions { file, index }
    }

    /// Where the value at `pointer` starts, or the closest enclosing node's position.
    pub fn value(&self, pointer: &str) -> Pos {
        self.file
            .doc(self.index)
            .map_or(Pos::default(), |d| d.value(pointer))
    }

    /// Where the key of the entry at `pointer` is, falling back to its value.
    pub fn key(&self, pointer: &str) -> Pos {
        self.file
            .doc(self.index)
            .map_or(Pos::default(), |d| d.key(pointer))
    }

    pub fn source(&self) -> &str {
        &self.file.text
    }

    /// The first content line of this document (1-based), found from the `---`
    /// separators without parsing positions: cheap enough to name the source of every
    /// document in a plan.
    pub fn document_line(&self) -> u64 {
        self.file
            .document_lines()
            .get(self.index)
            .copied()
            .unwrap_or(1)
    }
}

impl DocPositions {
    /// Where the value at `pointer` starts, or the closest enclosing node's position.
    pub fn value(&self, pointer: &str) -> Pos {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.values.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Pos::default(),
            }
        }
    }

    /// Where the key of the entry at `pointer` is, falling back to its value.
    pub fn key(&self, pointer: &str) -> Pos {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.value(pointer))
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Splits a spanned tree into its JSON value and positions.
pub(crate) fn flatten(root: Spanned<Node>) -> (Value, DocPositions) {
    let mut pos = DocPositions::default();
    let v = walk(root, String::new(), &mut pos);
    (v, pos)
}

fn walk(node: Spanned<Node>, ptr: String, pos: &mut DocPositions) -> Value {
    pos.values.insert(ptr.clone(), Pos::of(&node));
    match node.value {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => Value::Number(i.into()),
        Node::UInt(u) => Value::Number(u.into()),
        Node::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        Node::Str(s) => Value::String(s),
        Node::Seq(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, n)| walk(n, format!("{ptr}/{i}"), pos))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                let child = format!("{ptr}/{}", escape(&k.value));
                pos.keys.insert(child.clone(), Pos::of(&k));
                let value = walk(v, child, pos);
                m.insert(k.value, value);
            }
            Value::Object(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_nested_nodes() {
        let docs: Vec<Spanned<Node>> = serde_saphyr::from_multiple_with_options(
            "a: 1\nb:\n  c: [x, y]\n---\nk: v\n",
            serde_saphyr::options! { strict_booleans: true },
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let mut it = docs.into_iter();
        let (v, p) = flatten(it.next().unwrap());
        assert_eq!(v["b"]["c"][1], "y");
        assert_eq!(
            p.value("/b/c/1"),
            Pos {
                line: 3,
                column: 10
            }
        );
        assert_eq!(p.key("/b/c"), Pos { line: 3, column: 3 });
        assert_eq!(p.value("/b/c/9"), p.value("/b/c"));
        let (_, p2) = flatten(it.next().unwrap());
        assert_eq!(p2.value("/k").line, 5);
    }
}
