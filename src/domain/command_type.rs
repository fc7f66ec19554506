//! The five command types Cloud Assistant runs and the OS each one needs.

use std::fmt;
use std::str::FromStr;

/// Operating system family of an instance, as DescribeInstances reports `OSType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    Linux,
    Windows,
}

impl Os {
    /// Parses `OSType` / `OsType` values as the API returns them (`linux`, `windows`,
    /// `FreeBSD`); FreeBSD runs shell scripts like Linux.
    pub fn from_api(s: &str) -> Option<Os> {
        match s.to_ascii_lowercase().as_str() {
            "linux" | "freebsd" => Some(Os::Linux),
            "windows" => Some(Os::Windows),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Windows => "windows",
        }
    }
}

impl fmt::Display for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Os::Linux => "Linux",
            Os::Windows => "Windows",
        })
    }
}

/// A Cloud Assistant command type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandType {
    Shell,
    Python,
    Perl,
    Bat,
    PowerShell,
}

impl CommandType {
    pub const ALL: [CommandType; 5] = [
        CommandType::Shell,
        CommandType::Python,
        CommandType::Perl,
        CommandType::Bat,
        CommandType::PowerShell,
    ];

    /// The `Type` value of CreateCommand / RunCommand.
    pub fn api_name(self) -> &'static str {
        match self {
            CommandType::Shell => "RunShellScript",
            CommandType::Python => "RunPythonScript",
            CommandType::Perl => "RunPerlScript",
            CommandType::Bat => "RunBatScript",
            CommandType::PowerShell => "RunPowerShellScript",
        }
    }

    /// The short name manifests use.
    pub fn manifest_name(self) -> &'static str {
        match self {
            CommandType::Shell => "shell",
            CommandType::Python => "python",
            CommandType::Perl => "perl",
            CommandType::Bat => "bat",
            CommandType::PowerShell => "powershell",
        }
    }

    /// Parses the API's `Type` exactly as the service does (case-sensitive).
    pub fn from_api_name(s: &str) -> Option<CommandType> {
        CommandType::ALL.into_iter().find(|t| t.api_name() == s)
    }

    pub fn os(self) -> Os {
        match self {
            CommandType::Shell | CommandType::Python | CommandType::Perl => Os::Linux,
            CommandType::Bat | CommandType::PowerShell => Os::Windows,
        }
    }

    /// File extension the agent gives the script file.
    pub fn extension(self) -> &'static str {
        match self {
            CommandType::Shell => "sh",
            CommandType::Python => "py",
            CommandType::Perl => "pl",
            CommandType::Bat => "bat",
            CommandType::PowerShell => "ps1",
        }
    }
}

impl fmt::Display for CommandType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// Accepts the manifest names (`shell`, case-insensitive) and the API names
/// (`RunShellScript`).
impl FromStr for CommandType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        CommandType::ALL
            .into_iter()
            .find(|t| t.manifest_name() == lower || t.api_name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown command type `{s}`: allowed are shell, python, perl (Linux) and bat, powershell (Windows), or the API names RunShellScript, RunPythonScript, RunPerlScript, RunBatScript, RunPowerShellScript"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in CommandType::ALL {
            assert_eq!(CommandType::from_api_name(t.api_name()), Some(t));
            assert_eq!(t.manifest_name().parse::<CommandType>(), Ok(t));
            assert_eq!(t.api_name().parse::<CommandType>(), Ok(t));
        }
        assert!("ruby".parse::<CommandType>().is_err());
        assert_eq!(CommandType::from_api_name("runshellscript"), None);
    }

    #[test]
    fn os_of_types() {
        assert_eq!(CommandType::Perl.os(), Os::Linux);
        assert_eq!(CommandType::PowerShell.os(), Os::Windows);
        assert_eq!(Os::from_api("FreeBSD"), Some(Os::Linux));
    }
}
