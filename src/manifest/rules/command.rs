//! Rules for Command documents: lengths, the script's size and OS, parameters declared
//! and used, built-ins, timeout, launcher, tags and plaintext secrets.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::domain::command_type::{CommandType, Os};
use crate::domain::limits::{
    MAX_CONTENT_BASE64_BYTES, MAX_CUSTOM_PARAMETERS, MAX_DESCRIPTION_CHARS, MAX_LAUNCHER_BYTES,
    MAX_NAME_CHARS, MIN_TIMEOUT_SECS,
};
use crate::domain::params::{self, Builtin, PlaceholderKind};
use crate::manifest::confine::Roots;
use crate::manifest::diagnostic::{Diagnostic, did_you_mean};
use crate::manifest::effective;
use crate::manifest::located::escape;
use crate::manifest::script::{self, Script};
use crate::manifest::set::{Located, ManifestSet};
use crate::manifest::types::{CommandDocument, ParameterSpec};

use super::common;

/// What invocation rules need to know of a command.
#[derive(Debug, Clone)]
pub struct CommandInfo {
    pub command_type: CommandType,
    pub enabled: bool,
    /// Declared parameters by lower-cased name: (name as written, declaration).
    pub parameters: BTreeMap<String, (String, ParameterSpec)>,
    pub timeout: u64,
    pub base64_len: usize,
    /// The script as read for the checks, handed on so nothing reads it twice.
    pub script: Option<Script>,
}

/// A command that passed its duplicate check, with its region.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    pub doc: &'a Located<CommandDocument>,
    pub region: String,
    pub info: CommandInfo,
}

/// The commands checked, in manifest order, and which one a (region, name) names.
#[derive(Debug, Default)]
pub struct Commands<'a> {
    pub checked: Vec<Checked<'a>>,
    by_key: HashMap<(String, String), usize>,
}

impl Commands<'_> {
    /// The command named `name` in `region`: its index in `checked`, and what it is.
    pub fn get(&self, region: &str, name: &str) -> Option<(usize, &CommandInfo)> {
        let i = *self.by_key.get(&(region.to_string(), name.to_string()))?;
        Some((i, &self.checked[i].info))
    }

    /// The names of the commands in `region`, in manifest order.
    pub fn names_in(&self, region: &str) -> Vec<&str> {
        self.checked
            .iter()
            .filter(|c| c.region == region)
            .map(|c| c.doc.doc.metadata.name.as_str())
            .collect()
    }
}

pub fn check_all<'a>(
    set: &'a ManifestSet,
    stack_region: &str,
    stack_tags: usize,
    diags: &mut Vec<Diagnostic>,
) -> Commands<'a> {
    // The rules of every document run at once (rayon), each into diagnostics of its own,
    // and the loop below takes them in manifest order: the same diagnostics, in the same
    // order, as one document after the other. A duplicate's results are dropped unused
    // (duplicates are rare).
    let mut rules = set
        .commands
        .par_iter()
        .map(|c| {
            let mut own = Vec::new();
            let info = check(c, &set.roots, stack_tags, &mut own);
            (info, own)
        })
        .collect::<Vec<_>>()
        .into_iter();
    let mut out = Commands::default();
    for c in &set.commands {
        let (info, own) = rules.next().expect("one result per command");
        let region = effective::region(c.doc.spec.region.as_deref(), stack_region);
        let key = (region.clone(), c.doc.metadata.name.clone());
        if let Some(&i) = out.by_key.get(&key) {
            let prev = out.checked[i].doc;
            diags.push(
                c.error(
                    "duplicate-name",
                    "/metadata/name",
                    format!("a second Command named `{}` in region {region}", key.1),
                )
                .with_help(format!(
                    "command names are unique per stack and region; the first is at {}:{}",
                    prev.file.display(),
                    prev.pos("/metadata/name").line
                )),
            );
            continue;
        }
        diags.extend(own);
        if let Some(info) = info {
            out.by_key.insert(key, out.checked.len());
            out.checked.push(Checked {
                doc: c,
                region,
                info,
            });
        }
    }
    out
}

fn check(
    c: &Located<CommandDocument>,
    roots: &Roots,
    stack_tags: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<CommandInfo> {
    let spec = &c.doc.spec;
    let ty = spec.command_type.command_type();
    let os = ty.os();
    let name = &c.doc.metadata.name;
    if name.trim().is_empty() {
        diags.push(c.error("name", "/metadata/name", "the command name is empty"));
    }
    common::max_chars(
        c,
        "/metadata/name",
        Some(name),
        MAX_NAME_CHARS,
        "the command name",
        "length",
        diags,
    );
    common::max_chars(
        c,
        "/metadata/description",
        c.doc.metadata.description.as_deref(),
        MAX_DESCRIPTION_CHARS,
        "the description",
        "length",
        diags,
    );
    common::working_dir(
        c,
        "/spec/workingDir",
        spec.working_dir.as_deref(),
        os,
        diags,
    );
    common::region(c, "/spec/region", spec.region.as_deref(), diags);
    common::resource_group(
        c,
        "/spec/resourceGroupId",
        spec.resource_group_id.as_deref(),
        diags,
    );
    common::tags(c, "/spec/tags", &spec.tags, stack_tags, diags);
    let timeout = timeout(c, "/spec/timeout", spec.timeout, diags);
    launcher(c, diags);

    let script = script::resolve(c, roots, diags);
    let enabled = match &script {
        Some(s) => {
            size(c, s, diags);
            os_hints(c, s, ty, diags);
            secrets(c, s, diags);
            placeholders(c, s, diags)
        }
        None => spec.enable_parameter.unwrap_or(!spec.parameters.is_empty()),
    };
    let parameters = declarations(c, diags);
    Some(CommandInfo {
        command_type: ty,
        enabled,
        parameters,
        timeout,
        base64_len: script.as_ref().map_or(0, Script::base64_len),
        script,
    })
}

/// The effective timeout; values below 10 are raised by the service, which we warn of.
pub fn timeout<T>(
    doc: &Located<T>,
    pointer: &str,
    value: Option<u64>,
    diags: &mut Vec<Diagnostic>,
) -> u64 {
    if let Some(t) = value.filter(|t| *t < MIN_TIMEOUT_SECS) {
        diags.push(
            doc.warning("timeout", pointer, format!("timeout {t} s is below {MIN_TIMEOUT_SECS} s; the service raises it to {MIN_TIMEOUT_SECS} s"))
                .with_help(format!("set timeout: {MIN_TIMEOUT_SECS} or more to say what will happen")),
        );
    }
    effective::timeout(value)
}

fn launcher(c: &Located<CommandDocument>, diags: &mut Vec<Diagnostic>) {
    let Some(l) = &c.doc.spec.launcher else {
        return;
    };
    if l.len() > MAX_LAUNCHER_BYTES {
        diags.push(c.error(
            "length",
            "/spec/launcher",
            format!(
                "the launcher is {} bytes; at most {MAX_LAUNCHER_BYTES} are allowed",
                l.len()
            ),
        ));
    }
    for p in params::scan(l) {
        if !matches!(&p.kind, PlaceholderKind::UnknownBuiltin(n) if n == "ScriptFileName") {
            diags.push(
                c.error("launcher", "/spec/launcher", format!("`{}` cannot be used in a launcher", p.raw))
                    .with_help(r#"a launcher names the script with {{ACS::ScriptFileName}}, e.g. python3 -u {{ACS::ScriptFileName|Ext(".py")}}"#),
            );
        }
    }
}

fn size(c: &Located<CommandDocument>, s: &Script, diags: &mut Vec<Diagnostic>) {
    let n = s.base64_len();
    if n > MAX_CONTENT_BASE64_BYTES {
        let ptr = if c.doc.spec.content.is_some() {
            "/spec/content"
        } else {
            "/spec/contentFile"
        };
        diags.push(
            c.error(
                "content-too-large",
                ptr,
                format!(
                    "the script is {n} bytes in Base64, {} bytes over the {MAX_CONTENT_BASE64_BYTES}-byte (18 KB) limit",
                    n - MAX_CONTENT_BASE64_BYTES
                ),
            )
            .with_help("move the bulk of the script to a file the command downloads, or split it into several commands"),
        );
    }
}

/// The first line of a script often tells which OS it was written for.
fn os_hints(
    c: &Located<CommandDocument>,
    s: &Script,
    ty: CommandType,
    diags: &mut Vec<Diagnostic>,
) {
    let first = s
        .text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let lower = first.to_ascii_lowercase();
    let mismatch = match ty.os() {
        Os::Windows if first.starts_with("#!") => Some("a Unix shebang"),
        Os::Linux if lower.starts_with("@echo off") => Some("a Windows batch header"),
        _ => None,
    };
    if let Some(what) = mismatch {
        diags.push(
            c.warning(
                "type-os",
                "/spec/type",
                format!(
                    "the script starts with {what} (`{first}`), but type `{}` runs on {}",
                    ty.manifest_name(),
                    ty.os()
                ),
            )
            .with_help("Linux types: shell, python, perl; Windows types: bat, powershell"),
        );
    }
}

fn secrets(c: &Located<CommandDocument>, s: &Script, diags: &mut Vec<Diagnostic>) {
    for f in crate::manifest::secret_scan::scan(&s.text) {
        let (file, pos) = s.locate(&c.file, f.line, f.column);
        diags.push(
            Diagnostic::error(
                "plaintext-secret",
                &file,
                pos,
                format!("the script contains {}: {}", f.kind.describe(), f.excerpt.trim()),
            )
            .with_path(if c.doc.spec.content.is_some() { "/spec/content" } else { "/spec/contentFile" })
            .with_help("pass it as a {{parameter}} whose invocation value is `{fromEnv: VARIABLE}`; if this is not a secret, end the line with a comment `assistctl:allow-secret`"),
        );
    }
}

/// Placeholders in the script against the declarations. Returns whether parameters are
/// enabled.
fn placeholders(c: &Located<CommandDocument>, s: &Script, diags: &mut Vec<Diagnostic>) -> bool {
    let spec = &c.doc.spec;
    let found = params::scan(&s.text);
    let enabled = effective::parameters_enabled(spec, &s.text);
    let ptr = if spec.content.is_some() {
        "/spec/content"
    } else {
        "/spec/contentFile"
    };
    // Positions are computed only for a placeholder that is reported.
    let err = |p: &params::Placeholder, code, msg: String| {
        let line_start = s.text[..p.offset].rfind('\n').map_or(0, |i| i + 1);
        let column = s.text[line_start..p.offset].chars().count() + 1;
        let (file, pos) = s.locate(&c.file, p.line, column);
        Diagnostic::error(code, &file, pos, msg).with_path(ptr)
    };
    // An unknown `{{ACS::...}}` is a mistyped built-in whenever parameters were not
    // switched off explicitly: inference does not count it (it enables nothing), so a
    // script whose only placeholder it is would otherwise run with it left literal.
    if spec.enable_parameter != Some(false) {
        for p in &found {
            if let PlaceholderKind::UnknownBuiltin(n) = &p.kind {
                let allowed: Vec<String> = Builtin::ALL
                    .iter()
                    .map(|b| format!("ACS::{}", b.name()))
                    .collect();
                let mut help =
                    did_you_mean(&format!("ACS::{n}"), allowed.iter().map(String::as_str))
                        .map(|s| format!("{s} "))
                        .unwrap_or_default();
                help.push_str(&format!("built-in parameters: {}", allowed.join(", ")));
                diags.push(
                    err(
                        p,
                        "unknown-builtin",
                        format!("`{}` is not a built-in parameter", p.raw),
                    )
                    .with_help(help),
                );
            }
        }
    }
    if !enabled {
        if !spec.parameters.is_empty() {
            diags.push(
                c.error(
                    "parameters-disabled",
                    "/spec/enableParameter",
                    "parameters are declared but enableParameter is false",
                )
                .with_help("remove enableParameter: false, or remove spec.parameters"),
            );
        }
        return false;
    }
    let declared: HashMap<String, &String> = spec
        .parameters
        .keys()
        .map(|k| (k.to_ascii_lowercase(), k))
        .collect();
    let mut used = HashMap::new();
    for p in &found {
        let err = |code, msg: String| err(p, code, msg);
        match &p.kind {
            PlaceholderKind::Custom(n) => {
                used.entry(n.to_ascii_lowercase()).or_insert(p.line);
                if !declared.contains_key(&n.to_ascii_lowercase()) {
                    let mut help = did_you_mean(n, declared.values().map(|s| s.as_str())).map(|s| format!("{s} ")).unwrap_or_default();
                    help.push_str(&format!("declare it under spec.parameters ({n}: {{description: ..., default: ...}})"));
                    diags.push(err("undeclared-parameter", format!("the script uses `{}` but `{n}` is not declared", p.raw)).with_help(help));
                }
            }
            // Reported above, whether or not parameters are enabled.
            PlaceholderKind::Builtin(_) | PlaceholderKind::UnknownBuiltin(_) => {}
            PlaceholderKind::Empty => diags.push(err("empty-placeholder", format!("`{}` names no parameter", p.raw)).with_help("write {{name}}, or set enableParameter: false if the braces are meant literally")),
            PlaceholderKind::InvalidName(n) => diags.push(
                err("invalid-parameter-name", format!("`{}`: `{n}` is not a valid parameter name", p.raw))
                    .with_help("names use letters, digits, `_` and `-` (at most 64 bytes); set enableParameter: false if the braces are meant literally (e.g. Go templates)"),
            ),
        }
    }
    for (lower, name) in &declared {
        if !used.contains_key(lower) {
            diags.push(
                Diagnostic::error(
                    "unused-parameter",
                    &c.file,
                    c.key_pos(&format!("/spec/parameters/{}", escape(name))),
                    format!(
                        "parameter `{name}` is declared but the script never uses {{{{{name}}}}}"
                    ),
                )
                .with_path(&format!("/spec/parameters/{}", escape(name)))
                .with_help(format!(
                    "use {{{{{name}}}}} in the script or remove the declaration"
                )),
            );
        }
    }
    let distinct = used.len().max(declared.len());
    if distinct > MAX_CUSTOM_PARAMETERS {
        diags.push(
            c.error("parameter-count", "/spec/parameters", format!("{distinct} custom parameters; a command may have at most {MAX_CUSTOM_PARAMETERS}"))
                .with_help("merge related values into one parameter or split the command"),
        );
    }
    true
}

fn declarations(
    c: &Located<CommandDocument>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, (String, ParameterSpec)> {
    let mut out: BTreeMap<String, (String, ParameterSpec)> = BTreeMap::new();
    for (name, p) in &c.doc.spec.parameters {
        let ptr = format!("/spec/parameters/{}", escape(name));
        let key_err = |code, msg: String| {
            Diagnostic::error(code, &c.file, c.key_pos(&ptr), msg).with_path(&ptr)
        };
        if let Err(e) = params::validate_parameter_name(name) {
            diags.push(key_err("invalid-parameter-name", e));
            continue;
        }
        if let Some((prev, _)) = out.get(&name.to_ascii_lowercase()) {
            diags.push(key_err(
                "duplicate-parameter",
                format!("`{name}` and `{prev}` are the same parameter: names are case-insensitive"),
            ));
            continue;
        }
        if p.secret && p.default.is_some() {
            diags.push(
                c.error("secret-default", &format!("{ptr}/default"), format!("secret parameter `{name}` has a default value, which would be committed to git"))
                    .with_help("remove the default; invocations give it with {fromEnv: VARIABLE}"),
            );
        }
        if p.required && p.default.is_some() {
            diags.push(c.warning(
                "required-default",
                &format!("{ptr}/required"),
                format!(
                    "parameter `{name}` is required but has a default, so it never needs a value"
                ),
            ));
        }
        out.insert(name.to_ascii_lowercase(), (name.clone(), p.clone()));
    }
    out
}
