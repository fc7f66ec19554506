//! Typed access to the flat RPC parameters: scalars, `Name.N` lists, `Name.N.Field` structs.
//! Booleans are parsed case-insensitively (Python sends `True`), integers are decimal strings.

use std::collections::BTreeMap;

use crate::emulator::errors::ApiError;

/// Parameters that belong to the protocol, not to the operation; they never enter an
/// idempotency fingerprint.
const COMMON: &[&str] = &[
    "AccessKeyId",
    "Action",
    "ClientToken",
    "Format",
    "OwnerAccount",
    "OwnerId",
    "ResourceOwnerAccount",
    "ResourceOwnerId",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureType",
    "SignatureVersion",
    "Timestamp",
    "Version",
];

/// The decoded parameters of one request (query and form body merged; a later duplicate wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    map: BTreeMap<String, String>,
}

/// One element of a `Prefix.N.Field` struct list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    pub index: u32,
    pub fields: BTreeMap<String, String>,
}

impl Indexed {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

impl Params {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            map: pairs.into_iter().collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn insert(&mut self, k: impl Into<String>, v: impl Into<String>) {
        self.map.insert(k.into(), v.into());
    }

    /// The raw value, present even when empty.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// The value when present and not empty (the SDKs drop unset fields; an empty value means
    /// "not given" for optional parameters).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::missing(name))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(
                name,
                format!("{v:?} is not a boolean (true or false)"),
            )),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(name, format!("{v:?} is not an integer"))),
        }
    }

    /// `Prefix.1`, `Prefix.2`, … ordered by N; empty values are skipped.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u32, &String)> = self
            .with_prefix(prefix)
            .filter_map(|(rest, v)| rest.parse::<u32>().ok().map(|n| (n, v)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// `Prefix.N.Field` entries grouped by N, ordered by N. Field names may themselves contain
    /// dots (`TagFilter.1.TagValues.2`).
    pub fn structs(&self, prefix: &str) -> Vec<Indexed> {
        let mut by_index: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
        for (rest, v) in self.with_prefix(prefix) {
            if let Some((n, field)) = rest.split_once('.')
                && let Ok(n) = n.parse::<u32>()
            {
                by_index
                    .entry(n)
                    .or_default()
                    .insert(field.to_string(), v.clone());
            }
        }
        by_index
            .into_iter()
            .map(|(index, fields)| Indexed { index, fields })
            .collect()
    }

    fn with_prefix<'a>(&'a self, prefix: &str) -> impl Iterator<Item = (&'a str, &'a String)> {
        let start = format!("{prefix}.");
        self.map
            .range(start.clone()..)
            .take_while(move |(k, _)| k.starts_with(&start))
            .map(move |(k, v)| (&k[prefix.len() + 1..], v))
    }

    /// The operation's own parameters as `k=v` lines in byte order, for idempotency checks.
    pub fn fingerprint(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.map {
            if COMMON.contains(&k.as_str()) {
                continue;
            }
            out.push_str(k);
            out.push('=');
            out.push_str(v);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn lists_are_ordered_numerically() {
        let ps = p(&[
            ("InstanceId.10", "j"),
            ("InstanceId.2", "b"),
            ("InstanceId.1", "a"),
            ("InstanceIdX", "no"),
        ]);
        assert_eq!(ps.list("InstanceId"), vec!["a", "b", "j"]);
    }

    #[test]
    fn structs_group_fields_by_index() {
        let ps = p(&[
            ("Tag.2.Key", "app"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("TagFilter.1.TagValues.1", "x"),
        ]);
        let tags = ps.structs("Tag");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].field("Key"), Some("env"));
        assert_eq!(tags[0].field("Value"), Some("prod"));
        assert_eq!(tags[1].field("Value"), None);
        let tf = ps.structs("TagFilter");
        assert_eq!(tf[0].field("TagValues.1"), Some("x"));
    }

    #[test]
    fn booleans_are_case_insensitive_and_bad_ones_are_errors() {
        let ps = p(&[("A", "True"), ("B", "false"), ("C", "yes")]);
        assert_eq!(ps.bool("A").unwrap(), Some(true));
        assert_eq!(ps.bool("B").unwrap(), Some(false));
        assert_eq!(ps.bool("D").unwrap(), None);
        assert!(ps.bool("C").is_err());
    }

    #[test]
    fn fingerprint_ignores_protocol_parameters() {
        let a = p(&[("Name", "x"), ("SignatureNonce", "1"), ("ClientToken", "t")]);
        let b = p(&[("Name", "x"), ("SignatureNonce", "2")]);
        assert_eq!(a.fingerprint(), b.fingerprint());
    }
}
