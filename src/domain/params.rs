//! `{{key}}` placeholders: custom parameters and the `{{ACS::...}}` built-ins.
//!
//! Whitespace inside the braces is ignored (`{{ name }}` is `name`). Custom names use
//! `[A-Za-z0-9_-]`, are case-insensitive and at most 64 bytes; `ACS::` is reserved for
//! the built-ins, which the agent matches with `{{\s*ACS\s*::\s*([\w.-]+)\s*}}`.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::agent_version::AgentVersion;
use super::command_type::Os;
use super::limits::MAX_PARAMETER_NAME_BYTES;

/// The built-in environment parameters the agent resolves at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    RegionId,
    AccountId,
    InstanceId,
    InstanceName,
    InvokeId,
    CommandId,
}

impl Builtin {
    pub const ALL: [Builtin; 6] = [
        Builtin::RegionId,
        Builtin::AccountId,
        Builtin::InstanceId,
        Builtin::InstanceName,
        Builtin::InvokeId,
        Builtin::CommandId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::RegionId => "RegionId",
            Builtin::AccountId => "AccountId",
            Builtin::InstanceId => "InstanceId",
            Builtin::InstanceName => "InstanceName",
            Builtin::InvokeId => "InvokeId",
            Builtin::CommandId => "CommandId",
        }
    }

    /// The built-in's name is matched case-sensitively, as the agent does.
    pub fn from_name(s: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == s)
    }

    /// Minimum agent version that resolves this built-in (from the product page).
    pub fn min_agent_version(self, os: Os) -> Option<AgentVersion> {
        let build = match self {
            Builtin::RegionId | Builtin::AccountId => return None,
            Builtin::InstanceId | Builtin::InvokeId | Builtin::CommandId => 309,
            Builtin::InstanceName => 344,
        };
        Some(match os {
            Os::Linux => AgentVersion::new(&[2, 2, 3, build]),
            Os::Windows => AgentVersion::new(&[2, 1, 3, build]),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderKind {
    /// A custom parameter, trimmed, as written (names compare case-insensitively).
    Custom(String),
    Builtin(Builtin),
    /// `{{ACS::Something}}` that is not a known built-in. `ScriptFileName` (with an
    /// optional `|Ext(".py")` filter) lands here: it is valid only in a Launcher.
    UnknownBuiltin(String),
    /// `{{}}` or `{{   }}`.
    Empty,
    /// Characters a parameter name may not contain, or a name over 64 bytes.
    InvalidName(String),
}

/// One `{{...}}` occurrence in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The whole `{{ ... }}` text.
    pub raw: String,
    pub kind: PlaceholderKind,
    /// Byte offset of `{{` in the content.
    pub offset: usize,
    /// 1-based line of `{{` in the content.
    pub line: usize,
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{([^{}\n]*)\}\}").expect("static regex"));
static BUILTIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ACS\s*::\s*([\w.-]+)\s*(\|.*)?$").expect("static regex"));

/// Finds every placeholder in `content`, in order.
pub fn scan(content: &str) -> Vec<Placeholder> {
    let mut line = 1;
    let mut last = 0;
    PLACEHOLDER
        .captures_iter(content)
        .map(|c| {
            let m = c.get(0).expect("group 0");
            line += content[last..m.start()].matches('\n').count();
            last = m.start();
            Placeholder {
                raw: m.as_str().to_string(),
                kind: classify(&c[1]),
                offset: m.start(),
                line,
            }
        })
        .collect()
}

fn classify(inner: &str) -> PlaceholderKind {
    let name = inner.trim();
    if name.is_empty() {
        return PlaceholderKind::Empty;
    }
    if let Some(c) = BUILTIN.captures(name) {
        let n = &c[1];
        return match (Builtin::from_name(n), c.get(2)) {
            (Some(b), None) => PlaceholderKind::Builtin(b),
            _ => PlaceholderKind::UnknownBuiltin(n.to_string()),
        };
    }
    match validate_parameter_name(name) {
        Ok(()) => PlaceholderKind::Custom(name.to_string()),
        Err(_) => PlaceholderKind::InvalidName(name.to_string()),
    }
}

/// The custom parameter names in `content`: distinct (case-insensitively), in order of
/// first appearance. This is what the service lists as `ParameterNames`.
pub fn custom_parameter_names(content: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    scan(content)
        .into_iter()
        .filter_map(|p| match p.kind {
            PlaceholderKind::Custom(n) if seen.insert(n.to_ascii_lowercase()) => Some(n),
            _ => None,
        })
        .collect()
}

/// Checks a custom parameter name against the service's rules.
pub fn validate_parameter_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("parameter name is empty".into());
    }
    if name.len() > MAX_PARAMETER_NAME_BYTES {
        return Err(format!(
            "parameter name `{name}` is {} bytes; at most {MAX_PARAMETER_NAME_BYTES} are allowed",
            name.len()
        ));
    }
    if name.to_ascii_uppercase().starts_with("ACS::") {
        return Err(format!(
            "parameter name `{name}` uses the reserved prefix `ACS::`"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "parameter name `{name}` contains `{bad}`; names may use only letters, digits, `_` and `-`"
        ));
    }
    Ok(())
}

/// Replaces every placeholder with what `resolve` returns for it. A placeholder that
/// `resolve` leaves unresolved is an error naming it (the agent fails such a run).
pub fn substitute(
    content: &str,
    mut resolve: impl FnMut(&PlaceholderKind) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(content.len());
    let mut last = 0;
    for p in scan(content) {
        out.push_str(&content[last..p.offset]);
        match resolve(&p.kind) {
            Some(v) => out.push_str(&v),
            None => return Err(p.raw),
        }
        last = p.offset + p.raw.len();
    }
    out.push_str(&content[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_kinds_and_lines() {
        let s = "echo {{ file }}\n{{ACS::InstanceId}} {{ ACS :: RegionId }}\n{{}} {{a b}} {{ACS::Nope}}";
        let p = scan(s);
        let kinds: Vec<_> = p.iter().map(|p| p.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                PlaceholderKind::Custom("file".into()),
                PlaceholderKind::Builtin(Builtin::InstanceId),
                PlaceholderKind::Builtin(Builtin::RegionId),
                PlaceholderKind::Empty,
                PlaceholderKind::InvalidName("a b".into()),
                PlaceholderKind::UnknownBuiltin("Nope".into()),
            ]
        );
        assert_eq!(
            p.iter().map(|p| p.line).collect::<Vec<_>>(),
            vec![1, 2, 2, 3, 3, 3]
        );
    }

    #[test]
    fn names_are_distinct_case_insensitive() {
        assert_eq!(
            custom_parameter_names("{{a}} {{B}} {{A}} {{b}} {{c-1}}"),
            vec!["a", "B", "c-1"]
        );
    }

    #[test]
    fn name_rules() {
        assert!(validate_parameter_name("file_name-1").is_ok());
        assert!(validate_parameter_name(&"x".repeat(65)).is_err());
        assert!(validate_parameter_name("a.b").is_err());
    }

    #[test]
    fn substitutes() {
        let out = substitute("tar {{ f }} on {{ACS::RegionId}}", |k| match k {
            PlaceholderKind::Custom(n) if n == "f" => Some("/app".into()),
            PlaceholderKind::Builtin(Builtin::RegionId) => Some("cn-hangzhou".into()),
            _ => None,
        });
        assert_eq!(out.unwrap(), "tar /app on cn-hangzhou");
        assert_eq!(substitute("{{x}}", |_| None), Err("{{x}}".into()));
    }

    #[test]
    fn launcher_script_file_name() {
        let p = scan(r#"python3 -u {{ACS::ScriptFileName|Ext(".py")}}"#);
        assert_eq!(
            p[0].kind,
            PlaceholderKind::UnknownBuiltin("ScriptFileName".into())
        );
    }
}
