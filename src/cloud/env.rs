//! The process environment as a value: environment variables plus the home directory.
//!
//! Everything that reads configuration (`ClientBuilder::from_env`, the credential chain) reads
//! it from an [`Env`], never from `std::env` directly, so tests run against a map and a
//! temporary HOME and never see the developer's real keys or `~/.aliyun`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variables and a home directory.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
}

impl Env {
    /// The current process's variables and home directory.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            home: dirs::home_dir(),
        }
    }

    /// An empty environment with the given home directory (for tests and embedding).
    pub fn isolated(home: impl Into<PathBuf>) -> Self {
        Self {
            vars: BTreeMap::new(),
            home: Some(home.into()),
        }
    }

    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// A variable's value; a variable set to the empty string counts as unset, as in the
    /// official SDKs.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A boolean switch such as `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` (case-insensitive).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }
}

impl std::fmt::Debug for Env {
    // Only names: the values include AccessKey secrets and tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_unset_and_flags_are_case_insensitive() {
        let env = Env::isolated("/h")
            .with_var("A", "")
            .with_var("B", "x")
            .with_var("F", "TRUE")
            .with_var("G", "yes");
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get("B"), Some("x"));
        assert!(env.flag("F"));
        assert!(!env.flag("G"));
        assert!(!env.flag("MISSING"));
        assert_eq!(env.home(), Some(Path::new("/h")));
    }

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::isolated("/h").with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "topsecret");
        let s = format!("{env:?}");
        assert!(s.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
        assert!(!s.contains("topsecret"));
    }
}
