//! The validated model out of what the rules resolved while checking: nothing here
//! decides anything again, it only keeps the rules' answers together.

use crate::manifest::effective;
use crate::manifest::set::ManifestSet;
use crate::manifest::valid::{Source, ValidCommand, ValidInvocation, ValidStack, Validated};

use super::command::{self, Commands};
use super::invocation;

/// The model, or `None` when a fact could not be resolved (no single Stack, a command
/// without a readable script, an invocation naming no command or with a schedule that
/// does not parse): each of those was reported as an error.
pub fn build(
    set: &ManifestSet,
    commands: &Commands,
    invocations: &[invocation::Checked],
) -> Option<Validated> {
    let s = set.stack()?;
    let stack = ValidStack {
        name: s.doc.metadata.name.clone(),
        region: s.doc.spec.region.clone(),
        tags: s.doc.spec.tags.clone(),
        resource_group_id: s.doc.spec.resource_group_id.clone(),
    };
    let commands = commands
        .checked
        .iter()
        .map(|c| valid_command(c, &stack))
        .collect::<Option<Vec<_>>>()?;
    let invocations = invocations
        .iter()
        .map(|i| valid_invocation(i, &stack, &commands))
        .collect::<Option<Vec<_>>>()?;
    Some(Validated {
        stack,
        commands,
        invocations,
    })
}

fn valid_command(c: &command::Checked, stack: &ValidStack) -> Option<ValidCommand> {
    let (meta, spec) = (&c.doc.doc.metadata, &c.doc.doc.spec);
    Some(ValidCommand {
        name: meta.name.clone(),
        description: meta.description.clone(),
        region: c.region.clone(),
        command_type: c.info.command_type,
        script: c.info.script.clone()?,
        enable_parameter: c.info.enabled,
        working_dir: spec.working_dir.clone(),
        timeout: c.info.timeout,
        launcher: spec.launcher.clone(),
        resource_group_id: effective::resource_group(
            spec.resource_group_id.as_deref(),
            stack.resource_group_id.as_deref(),
        ),
        tags: spec.tags.clone(),
        import_id: spec.import_id.clone(),
        parameters: spec.parameters.clone(),
        source: Source::of(c.doc),
    })
}

/// `commands` are the valid commands in the order they were checked, so the index the
/// rules found is theirs too.
fn valid_invocation(
    i: &invocation::Checked,
    stack: &ValidStack,
    commands: &[ValidCommand],
) -> Option<ValidInvocation> {
    let spec = &i.doc.doc.spec;
    let index = i.command?;
    let command = &commands[index];
    Some(ValidInvocation {
        name: i.doc.doc.metadata.name.clone(),
        region: i.region.clone(),
        command: index,
        schedule: i.schedule.clone()?,
        declared: command.parameters.clone(),
        parameters: spec.parameters.clone(),
        targets: spec.targets.clone(),
        username: spec.username.clone(),
        windows_password_name: spec.windows_password_name.clone(),
        timeout: i.timeout,
        working_dir: spec
            .working_dir
            .clone()
            .or_else(|| command.working_dir.clone()),
        container_id: spec.container_id.clone(),
        container_name: spec.container_name.clone(),
        termination_mode: spec.termination_mode,
        resource_group_id: effective::resource_group(
            spec.resource_group_id.as_deref(),
            stack.resource_group_id.as_deref(),
        ),
        tags: spec.tags.clone(),
        rollout: i.rollout.clone(),
        source: Source::of(i.doc),
    })
}

#[cfg(test)]
mod tests {
    use crate::manifest::rules::Context;
    use crate::manifest::valid::Recurrence;
    use crate::manifest::{Validation, validate};

    const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: web }\nspec:\n  region: cn-hangzhou\n  resourceGroupId: rg-stack12345\n  tags: { team: ops }\n";

    fn validated(docs: &str) -> Validation {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("stack.yaml"), format!("{STACK}{docs}")).unwrap();
        validate(&[dir.path().to_path_buf()], &Context::default())
    }

    const DOCS: &str = r#"---
apiVersion: assistctl/v1
kind: Command
metadata: { name: hello }
spec:
  type: shell
  workingDir: /tmp
  timeout: 5
  content: "echo {{who}}"
  parameters: { who: { default: world } }
---
apiVersion: assistctl/v1
kind: Command
metadata: { name: hello }
spec:
  type: shell
  region: cn-shanghai
  resourceGroupId: rg-own123456
  content: echo shanghai
---
apiVersion: assistctl/v1
kind: Invocation
metadata: { name: greet }
spec:
  command: hello
  targets: { instanceIds: [i-abc123] }
  schedule: { rate: 60m }
---
apiVersion: assistctl/v1
kind: Invocation
metadata: { name: greet-sh }
spec:
  command: hello
  region: cn-shanghai
  targets: { instanceIds: [i-abc123] }
  timeout: 30
"#;

    #[test]
    fn the_model_keeps_what_the_rules_resolved() {
        let v = validated(DOCS);
        assert_eq!(v.errors(), 0, "{:#?}", v.diagnostics);
        let m = v.model().expect("a model without errors");
        assert_eq!(m.stack.name, "web");

        let [here, there] = &m.commands[..] else {
            panic!("two commands: {:#?}", m.commands)
        };
        assert_eq!(
            (here.region.as_str(), there.region.as_str()),
            ("cn-hangzhou", "cn-shanghai")
        );
        assert_eq!(here.script.text, "echo {{who}}");
        assert!(here.enable_parameter && !there.enable_parameter);
        assert_eq!((here.timeout, there.timeout), (10, 60));
        assert_eq!(here.resource_group_id.as_deref(), Some("rg-stack12345"));
        assert_eq!(there.resource_group_id.as_deref(), Some("rg-own123456"));
        assert!(there.source.to_string().ends_with("stack.yaml:19"));

        let [greet, greet_sh] = &m.invocations[..] else {
            panic!("two invocations: {:#?}", m.invocations)
        };
        // Each runs the command of its own region, though both name `hello`.
        assert_eq!((greet.command, greet_sh.command), (0, 1));
        assert_eq!(m.commands[greet_sh.command].region, "cn-shanghai");
        assert!(greet.declared.contains_key("who") && greet_sh.declared.is_empty());
        assert!(
            matches!(&greet.schedule, Recurrence::Period(f) if f.to_api_string() == "rate(1h)")
        );
        assert!(matches!(greet_sh.schedule, Recurrence::Once));
        // The run's timeout and working directory: the invocation's, else its command's.
        assert_eq!(
            (greet.timeout, greet.working_dir.as_deref()),
            (10, Some("/tmp"))
        );
        assert_eq!(
            (greet_sh.timeout, greet_sh.working_dir.as_deref()),
            (30, None)
        );
    }

    #[test]
    fn no_model_when_validation_found_an_error() {
        let broken = DOCS.replace("command: hello\n  region", "command: nope\n  region");
        let v = validated(&broken);
        assert!(v.errors() > 0);
        assert!(v.model().is_none());
    }
}
