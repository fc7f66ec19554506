//! Turning a task into the file and the command line one run executes, as the service and
//! the agent do between them (aliyun_assist_client `host/processor.go: Prepare`,
//! `parameters/environment.go`):
//!
//! - the service fills in custom `{{name}}` parameters, and the agent the `{{ACS::...}}`
//!   built-ins, both only when the command enables parameters; otherwise the script runs
//!   with its braces as written;
//! - the script is saved as `[<command name>-]<invoke id>.<ext>` in the agent's script
//!   directory, mode 0755;
//! - a shell script runs as `sh -c <file>` (so a shebang line is honoured); Python and Perl
//!   scripts, which the agent itself does not know (the service hands them over with an
//!   interpreter), run as `python3 <file>` and `perl <file>`;
//! - a `Launcher` runs instead, with `{{ACS::ScriptFileName}}` (optionally
//!   `|Ext(.py)` or `|Ext(".py")`, which sets the file's extension) replaced by the file's
//!   path, or the path appended when it has no such placeholder. The agent keeps quotes
//!   inside the launcher's words; here surrounding quotes are removed, as a shell would,
//!   since `python3 "-u"` is never what a launcher means.

use std::sync::LazyLock;

use base64::Engine;
use regex::Regex;
use serde_json::{Map, Value};

use crate::domain::command_type::CommandType;
use crate::domain::error_codes::InstanceErrorCode;
use crate::domain::params::{Builtin, PlaceholderKind, substitute};

/// What the built-ins resolve to for one run.
#[derive(Debug, Clone, Default)]
pub struct Builtins {
    pub region_id: String,
    pub account_id: String,
    pub instance_id: String,
    pub instance_name: String,
    pub invoke_id: String,
    pub command_id: String,
}

impl Builtins {
    fn get(&self, b: Builtin) -> String {
        match b {
            Builtin::RegionId => self.region_id.clone(),
            Builtin::AccountId => self.account_id.clone(),
            Builtin::InstanceId => self.instance_id.clone(),
            Builtin::InstanceName => self.instance_name.clone(),
            Builtin::InvokeId => self.invoke_id.clone(),
            Builtin::CommandId => self.command_id.clone(),
        }
    }
}

/// The task's inputs of one run.
#[derive(Debug, Clone)]
pub struct TaskScript<'a> {
    pub command_type: &'a str,
    pub command_name: &'a str,
    /// Base64, as stored.
    pub content_base64: &'a str,
    pub enable_parameter: bool,
    /// The task's `Parameters`, a JSON object.
    pub parameters: &'a str,
    pub launcher: &'a str,
}

/// The script of one run, ready to be written and run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub file_name: String,
    pub content: Vec<u8>,
    /// The command line, with `{file}` standing for the script's path in the instance.
    pub argv: Vec<String>,
}

/// Why a run cannot start: (ErrorCode, ErrorInfo) as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: InstanceErrorCode,
    pub info: String,
}

pub const FILE: &str = "{file}";

static SCRIPT_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\{\{\s*ACS\s*::\s*ScriptFileName\s*(?:\|\s*ext\s*\(\s*"?([\w.-]+)"?\s*\)\s*)?\}\}"#,
    )
    .expect("static regex")
});

pub fn prepare(task: &TaskScript<'_>, builtins: &Builtins) -> Result<Prepared, Invalid> {
    let command_type = CommandType::from_api_name(task.command_type).ok_or_else(|| Invalid {
        code: InstanceErrorCode::ExecutionException,
        info: format!("the command type {} is not supported", task.command_type),
    })?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(task.content_base64.trim())
        .map_err(|e| Invalid {
            code: InstanceErrorCode::ExecutionException,
            info: format!("the command content is not Base64: {e}"),
        })?;
    let content = if task.enable_parameter {
        let text = String::from_utf8(raw).map_err(|_| Invalid {
            code: InstanceErrorCode::ExecutionException,
            info: "the command content is not UTF-8 text, so its parameters cannot be filled in"
                .into(),
        })?;
        let values: Map<String, Value> = serde_json::from_str(task.parameters).unwrap_or_default();
        substitute(&text, |kind| match kind {
            PlaceholderKind::Custom(name) => Some(
                values
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .unwrap_or_default(),
            ),
            PlaceholderKind::Builtin(b) => Some(builtins.get(*b)),
            _ => None,
        })
        .map_err(|raw| Invalid {
            code: InstanceErrorCode::ExecutionException,
            info: format!("The environment parameter {raw} is invalid"),
        })?
        .into_bytes()
    } else {
        raw
    };
    let mut extension = format!(".{}", command_type.extension());
    let argv = if task.launcher.trim().is_empty() {
        match command_type {
            CommandType::Shell => vec!["sh".into(), "-c".into(), FILE.into()],
            CommandType::Python => vec!["python3".into(), FILE.into()],
            CommandType::Perl => vec!["perl".into(), FILE.into()],
            CommandType::Bat | CommandType::PowerShell => {
                return Err(Invalid {
                    code: InstanceErrorCode::ExecutionException,
                    info: format!(
                        "the local emulator cannot run Windows scripts ({}): it has no Windows runtime, so nothing was run",
                        task.command_type
                    ),
                });
            }
        }
    } else {
        let mut found = 0;
        let replaced = SCRIPT_FILE.replace_all(task.launcher, |c: &regex::Captures<'_>| {
            found += 1;
            if let Some(ext) = c.get(1) {
                extension = ext.as_str().to_string();
            }
            FILE.to_string()
        });
        if found > 1 || replaced.contains("{{") {
            return Err(Invalid {
                code: InstanceErrorCode::ExecutionException,
                info: format!(
                    "Invalid match when resolving environment parameter in launcher {}",
                    task.launcher
                ),
            });
        }
        let mut argv: Vec<String> = replaced
            .split_whitespace()
            .map(|w| {
                w.strip_prefix('"')
                    .and_then(|w| w.strip_suffix('"'))
                    .or_else(|| w.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')))
                    .unwrap_or(w)
                    .to_string()
            })
            .collect();
        if found == 0 {
            argv.push(FILE.into());
        }
        argv
    };
    let name: String = task
        .command_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let file_name = if name.is_empty() {
        format!("{}{extension}", builtins.invoke_id)
    } else {
        format!("{name}-{}{extension}", builtins.invoke_id)
    };
    Ok(Prepared {
        file_name,
        content,
        argv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn builtins() -> Builtins {
        Builtins {
            region_id: "cn-hangzhou".into(),
            account_id: "1234".into(),
            instance_id: "i-1".into(),
            instance_name: "web-1".into(),
            invoke_id: "t-1".into(),
            command_id: "c-1".into(),
        }
    }

    fn task<'a>(t: &'a str, content: &'a str, enable: bool, launcher: &'a str) -> TaskScript<'a> {
        TaskScript {
            command_type: t,
            command_name: "hello world",
            content_base64: content,
            enable_parameter: enable,
            parameters: r#"{"Who":"ops"}"#,
            launcher,
        }
    }

    #[test]
    fn parameters_and_builtins_only_when_enabled() {
        let c = b64("echo {{who}} on {{ACS::InstanceId}} in {{ ACS::RegionId }}");
        let p = prepare(&task("RunShellScript", &c, true, ""), &builtins()).unwrap();
        assert_eq!(p.content, b"echo ops on i-1 in cn-hangzhou");
        assert_eq!(p.argv, ["sh", "-c", FILE]);
        assert_eq!(p.file_name, "hello_world-t-1.sh");
        let p = prepare(&task("RunShellScript", &c, false, ""), &builtins()).unwrap();
        assert_eq!(
            p.content,
            b"echo {{who}} on {{ACS::InstanceId}} in {{ ACS::RegionId }}"
        );
    }

    #[test]
    fn interpreters_and_launchers() {
        let c = b64("print(1)");
        let p = prepare(&task("RunPythonScript", &c, false, ""), &builtins()).unwrap();
        assert_eq!(p.argv, ["python3", FILE]);
        let p = prepare(
            &task(
                "RunShellScript",
                &c,
                false,
                r#"python3 -u {{ACS::ScriptFileName|Ext(".py")}}"#,
            ),
            &builtins(),
        )
        .unwrap();
        assert_eq!(p.argv, ["python3", "-u", FILE]);
        assert!(p.file_name.ends_with("t-1.py"), "{}", p.file_name);
        let p = prepare(&task("RunShellScript", &c, false, "bash -x"), &builtins()).unwrap();
        assert_eq!(p.argv, ["bash", "-x", FILE]);
    }

    #[test]
    fn what_cannot_run_says_why() {
        let c = b64("dir");
        let e = prepare(&task("RunBatScript", &c, false, ""), &builtins()).unwrap_err();
        assert!(e.info.contains("cannot run Windows scripts"), "{e:?}");
        let c = b64("echo {{ACS::Nope}}");
        let e = prepare(&task("RunShellScript", &c, true, ""), &builtins()).unwrap_err();
        assert!(e.info.contains("{{ACS::Nope}}"), "{e:?}");
    }
}
