//! Reconcile as a pure function: desired commands and live commands in, changes and
//! conflicts out. No I/O here, so every transition is tested without a cloud.

use std::collections::{BTreeMap, BTreeSet};

use crate::reconcile::ownership::client_token;

use super::change::{Action, Change, Conflict, ResourceKind};
use super::fields::{ChangedBy, CommandField, field_diffs, modify_needed, spec, tag_writes};
use super::live::Live;
use super::model::{DesiredCommand, LiveCommand};

pub fn diff(stack: &str, desired: &[DesiredCommand], live: &Live) -> (Vec<Change>, Vec<Conflict>) {
    let mut changes = Vec::new();
    let mut conflicts = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<&LiveCommand>> = BTreeMap::new();
    for l in &live.owned {
        groups
            .entry((l.region.clone(), l.state.identity().to_string()))
            .or_default()
            .push(l);
    }
    let mut wanted = BTreeSet::new();
    for d in desired {
        let key = (d.region.clone(), d.state.identity().to_string());
        wanted.insert(key.clone());
        let group = groups.get(&key).cloned().unwrap_or_default();
        if group.is_empty() {
            match unowned_match(d, live) {
                Some(Ok(u)) => changes.push(adopt(d, u)),
                Some(Err(c)) => conflicts.push(*c),
                None => changes.push(create(stack, d)),
            }
            continue;
        }
        let primary = group
            .iter()
            .copied()
            .find(|l| l.state == d.state)
            .or_else(|| {
                group
                    .iter()
                    .copied()
                    .max_by(|a, b| a.creation_time.cmp(&b.creation_time).then(a.id.cmp(&b.id)))
            })
            .expect("group is not empty");
        changes.push(compare(stack, d, primary));
        for extra in group.iter().filter(|l| l.id != primary.id) {
            changes.push(delete(
                extra,
                format!("a second command of `{}` (left by an interrupted replace or a racing apply); `{}` is kept", key.1, primary.id),
            ));
        }
    }
    for ((_, name), group) in &groups {
        if wanted.contains(&(group[0].region.clone(), name.clone())) {
            continue;
        }
        for l in group {
            changes.push(delete(l, "its document is gone from the manifests".into()));
        }
    }
    changes.sort_by(|a, b| (&a.region, &a.name, a.action).cmp(&(&b.region, &b.name, b.action)));
    conflicts.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    (changes, conflicts)
}

/// An unowned command the desired one would collide with or adopt: Ok to adopt, Err
/// for a conflict, None when there is none.
fn unowned_match<'a>(
    d: &DesiredCommand,
    live: &'a Live,
) -> Option<Result<&'a LiveCommand, Box<Conflict>>> {
    if let Some(id) = &d.adopt_id {
        let found = live
            .unowned
            .iter()
            .find(|u| &u.id == id && u.region == d.region);
        return Some(match found {
            Some(u) if u.state.owner().is_none() => Ok(u),
            Some(u) => Err(Box::new(conflict(d, u, format!("command {id} belongs to stack `{}`", u.state.owner().unwrap_or_default()), "remove importId from the document, or release the command from the other stack first".into()))),
            None => Err(Box::new(Conflict {
                kind: ResourceKind::Command,
                region: d.region.clone(),
                name: d.state.name.clone(),
                id: id.clone(),
                source: Some(d.source.clone()),
                message: format!("the document asks to adopt {id}, which does not exist in {}", d.region),
                hint: "remove importId to create the command, or fix the id".into(),
            })),
        });
    }
    live.unowned
        .iter()
        .find(|u| u.region == d.region && u.state.name == d.state.name && u.state.owner().is_none())
        .map(|u| {
            Err(Box::new(conflict(
                d,
                u,
                format!("an unowned command named `{}` already exists ({})", d.state.name, u.id),
                format!("adopt it with `assistctl import --region {} --id {} --out DIR` and apply, or rename the document", u.region, u.id),
            )))
        })
}

fn conflict(d: &DesiredCommand, u: &LiveCommand, message: String, hint: String) -> Conflict {
    Conflict {
        kind: ResourceKind::Command,
        region: d.region.clone(),
        name: d.state.identity().to_string(),
        id: u.id.clone(),
        source: Some(d.source.clone()),
        message,
        hint,
    }
}

fn create(stack: &str, d: &DesiredCommand) -> Change {
    Change {
        kind: ResourceKind::Command,
        action: Action::Create,
        region: d.region.clone(),
        name: d.state.identity().to_string(),
        id: None,
        source: Some(d.source.clone()),
        reasons: vec!["no command of this document exists yet".into()],
        fields: Vec::new(),
        desired: Some(d.state.clone()),
        live: None,
        client_token: Some(client_token(
            stack,
            &d.region,
            d.state.identity(),
            &d.state.digest(),
            "",
        )),
        writes: 1,
    }
}

fn delete(l: &LiveCommand, reason: String) -> Change {
    Change {
        kind: ResourceKind::Command,
        action: Action::Delete,
        region: l.region.clone(),
        name: l.state.identity().to_string(),
        id: Some(l.id.clone()),
        source: None,
        reasons: vec![reason],
        fields: Vec::new(),
        desired: None,
        live: Some(l.state.clone()),
        client_token: None,
        writes: 1,
    }
}

fn adopt(d: &DesiredCommand, u: &LiveCommand) -> Change {
    let blocking: Vec<&str> = field_diffs(&u.state, &d.state)
        .iter()
        .filter(|f| f.forces_replace)
        .map(|f| f.field.name())
        .collect();
    let mut reasons = vec![format!(
        "`import` marked {} for adoption; it is tagged as the stack's, not recreated",
        u.id
    )];
    if !blocking.is_empty() {
        reasons.push(format!("its {} differ from the manifest, so after adoption it will be replaced on the next apply", blocking.join(", ")));
    }
    let mut fields = field_diffs(&u.state, &d.state);
    fields.retain(|f| !f.forces_replace);
    let writes = 1 + modify_needed(&fields) as u32;
    Change {
        kind: ResourceKind::Command,
        action: Action::Adopt,
        region: d.region.clone(),
        name: d.state.identity().to_string(),
        id: Some(u.id.clone()),
        source: Some(d.source.clone()),
        reasons,
        fields,
        desired: Some(d.state.clone()),
        live: Some(u.state.clone()),
        client_token: None,
        writes,
    }
}

fn compare(stack: &str, d: &DesiredCommand, l: &LiveCommand) -> Change {
    let fields = field_diffs(&l.state, &d.state);
    let replace: Vec<CommandField> = fields
        .iter()
        .filter(|f| f.forces_replace)
        .map(|f| f.field)
        .collect();
    let (action, reasons, writes, token) = if !replace.is_empty() {
        let why = replace
            .iter()
            .map(|f| match (f, spec(*f).map(|s| s.changed_by)) {
                (CommandField::Content, _) => {
                    "the script changed, and ModifyCommand cannot change a command's content"
                        .to_string()
                }
                (other, Some(ChangedBy::ModifyUnlessCleared)) => {
                    format!("`{other}` is removed, and ModifyCommand cannot empty a field")
                }
                (other, _) => format!("`{other}` changed, which ModifyCommand cannot change"),
            })
            .collect();
        (
            Action::Replace,
            why,
            2,
            Some(client_token(
                stack,
                &d.region,
                d.state.identity(),
                &d.state.digest(),
                &l.id,
            )),
        )
    } else if !fields.is_empty() {
        let names: Vec<&str> = fields.iter().map(|f| f.field.name()).collect();
        let writes = modify_needed(&fields) as u32 + tag_writes(&l.state, &d.state);
        (
            Action::Update,
            vec![format!("{} changed", names.join(", "))],
            writes,
            None,
        )
    } else {
        (Action::NoOp, Vec::new(), 0, None)
    };
    Change {
        kind: ResourceKind::Command,
        action,
        region: d.region.clone(),
        name: d.state.identity().to_string(),
        id: Some(l.id.clone()),
        source: Some(d.source.clone()),
        reasons,
        fields,
        desired: Some(d.state.clone()),
        live: Some(l.state.clone()),
        client_token: token,
        writes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::command::model::CommandState;
    use crate::reconcile::ownership::{TAG_NAME, TAG_STACK};

    fn state(name: &str, content: &str) -> CommandState {
        CommandState {
            name: name.into(),
            description: String::new(),
            command_type: "RunShellScript".into(),
            content: content.into(),
            working_dir: String::new(),
            timeout: 60,
            enable_parameter: false,
            launcher: String::new(),
            resource_group_id: String::new(),
            tags: [
                (TAG_STACK.to_string(), "s".to_string()),
                (TAG_NAME.to_string(), name.to_string()),
            ]
            .into(),
        }
    }

    fn want(name: &str, content: &str) -> DesiredCommand {
        DesiredCommand {
            region: "r".into(),
            state: state(name, content),
            source: "f:1".into(),
            adopt_id: None,
        }
    }

    fn have(id: &str, name: &str, content: &str, created: &str) -> LiveCommand {
        LiveCommand {
            id: id.into(),
            region: "r".into(),
            creation_time: created.into(),
            state: state(name, content),
        }
    }

    fn actions(c: &[Change]) -> Vec<(Action, &str, Option<&str>)> {
        c.iter()
            .map(|c| (c.action, c.name.as_str(), c.id.as_deref()))
            .collect()
    }

    #[test]
    fn transitions() {
        let live = Live {
            owned: vec![
                have("c-1", "a", "x", "1"),
                have("c-2", "b", "x", "1"),
                have("c-3", "gone", "x", "1"),
            ],
            unowned: vec![],
        };
        let mut b = want("b", "x");
        b.state.timeout = 120;
        let (c, k) = diff("s", &[want("a", "x"), b, want("c", "y")], &live);
        assert!(k.is_empty());
        assert_eq!(
            actions(&c),
            vec![
                (Action::NoOp, "a", Some("c-1")),
                (Action::Update, "b", Some("c-2")),
                (Action::Create, "c", None),
                (Action::Delete, "gone", Some("c-3"))
            ]
        );
        assert_eq!(c[1].fields[0].field, CommandField::Timeout);
    }

    #[test]
    fn content_replaces_and_duplicates_are_cleaned() {
        let live = Live {
            owned: vec![have("c-old", "a", "x", "1"), have("c-new", "a", "y", "2")],
            unowned: vec![],
        };
        let (c, _) = diff("s", &[want("a", "y")], &live);
        assert_eq!(
            actions(&c),
            vec![
                (Action::NoOp, "a", Some("c-new")),
                (Action::Delete, "a", Some("c-old"))
            ]
        );
        let live = Live {
            owned: vec![have("c-1", "a", "x", "1")],
            unowned: vec![],
        };
        let (c, _) = diff("s", &[want("a", "y")], &live);
        assert_eq!(c[0].action, Action::Replace);
        assert!(c[0].reasons[0].contains("ModifyCommand cannot change"));
    }

    #[test]
    fn unowned_same_name_conflicts_and_import_adopts() {
        let mut u = have("c-9", "a", "x", "1");
        u.state.tags.clear();
        let live = Live {
            owned: vec![],
            unowned: vec![u],
        };
        let (c, k) = diff("s", &[want("a", "x")], &live);
        assert!(c.is_empty());
        assert!(
            k[0].hint
                .contains("assistctl import --region r --id c-9 --out DIR")
        );
        let mut d = want("a", "x");
        d.adopt_id = Some("c-9".into());
        let (c, k) = diff("s", &[d], &live);
        assert!(k.is_empty());
        assert_eq!(c[0].action, Action::Adopt);
    }

    #[test]
    fn tokens_are_stable_per_spec() {
        let (a, _) = diff("s", &[want("a", "x")], &Live::default());
        let (b, _) = diff("s", &[want("a", "x")], &Live::default());
        let (c, _) = diff("s", &[want("a", "z")], &Live::default());
        assert_eq!(a[0].client_token, b[0].client_token);
        assert_ne!(a[0].client_token, c[0].client_token);
        assert!(a[0].client_token.as_ref().unwrap().len() <= 64);
    }
}
