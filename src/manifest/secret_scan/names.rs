//! Which names hold a secret: a name split into parts, and the parts that say it does or
//! that it only describes one.

use super::*;

/// Last name parts that make a name describe a secret rather than hold one.
pub(super) const NOT_SECRET_LAST: &[&str] = &[
    "file",
    "files",
    "path",
    "dir",
    "directory",
    "folder",
    "url",
    "uri",
    "endpoint",
    "host",
    "len",
    "length",
    "min",
    "max",
    "minlen",
    "maxlen",
    "age",
    "days",
    "expiry",
    "expires",
    "expiration",
    "expire",
    "ttl",
    "timeout",
    "policy",
    "type",
    "name",
    "id",
    "ids",
    "env",
    "var",
    "variable",
    "prompt",
    "required",
    "enabled",
    "enable",
    "disabled",
    "mode",
    "format",
    "pattern",
    "regex",
    "count",
    "size",
    "version",
    "stdin",
    "chars",
    "complexity",
    "retries",
    "attempts",
    "algorithm",
    "algo",
    "method",
    "store",
    "ref",
    "arn",
    "field",
    "label",
    "hint",
    "rotation",
    "interval",
    "header",
    "hash",
    "location",
    "command",
    "cmd",
    "script",
    "helper",
    "manager",
    "provider",
    "source",
    "auth",
    "authentication",
];
/// First name parts that make a name a switch or a question about a secret.
pub(super) const NOT_SECRET_FIRST: &[&str] = &[
    "no", "ask", "use", "skip", "require", "requires", "enable", "disable", "is", "has", "allow",
    "prompt", "min", "max", "with", "without",
];

/// The kind of secret a variable, key or flag name holds, if any.
pub(super) fn classify_name(raw: &str) -> Option<SecretKind> {
    let name = raw
        .trim_start_matches(['$', '@', '%', '-'])
        .trim_start_matches("env:");
    let parts = name_parts(name);
    let joined: String = parts.concat();
    if joined.ends_with("accesskeyid") {
        return Some(SecretKind::AccessKeyId);
    }
    let first = parts.first().map(String::as_str)?;
    let last = parts.last().map(String::as_str)?;
    if parts.len() > 1 && (NOT_SECRET_LAST.contains(&last) || NOT_SECRET_FIRST.contains(&first)) {
        return None;
    }
    let part = |p: &str| parts.iter().any(|x| x == p);
    // `accesstoken`, `clientsecret`, but not `tokenizer` or `secretary`.
    let ends_part = |p: &str| parts.iter().any(|x| x.ends_with(p));
    if [
        "accesskeysecret",
        "secretaccesskey",
        "accesssecret",
        "secretkey",
    ]
    .iter()
    .any(|s| joined.contains(s))
    {
        Some(SecretKind::AccessKeySecret)
    } else if ["password", "passwd", "passphrase"]
        .iter()
        .any(|s| joined.contains(s))
        || part("pass")
        || part("pw")
        || part("psw")
        || (part("pwd") && joined != "pwd" && joined != "oldpwd")
    {
        Some(SecretKind::Password)
    } else if joined.contains("apikey") {
        Some(SecretKind::ApiKey)
    } else if ends_part("token") || part("bearer") {
        Some(SecretKind::Token)
    } else if ends_part("secret") || joined.contains("privatekey") {
        Some(SecretKind::Secret)
    } else {
        None
    }
}

/// Lower-case parts of a name split at `_ - . :` and camelCase (`APIKey` -> api, key).
pub(super) fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = word.chars().collect();
        let mut cur = String::new();
        for (i, &ch) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = ch.is_ascii_uppercase()
                && prev.is_some_and(|p| {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
                });
            if boundary && !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            cur.push(ch.to_ascii_lowercase());
        }
        if !cur.is_empty() {
            parts.push(cur);
        }
    }
    parts
}

// ---------------------------------------------------------------- values
