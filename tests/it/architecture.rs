//! Two checks over the library's source (`src/`):
//!
//! 1. No source file is over 800 lines.
//! 2. No import cycle between sibling modules. Every file of the library is parsed with `syn`
//!    and every path that names another module of the crate is collected: `use` trees (groups
//!    included), and paths in code, types, patterns, macro arguments and `#[serde(with = ..)]`
//!    strings, whether they start with `crate::`, `super::` (any number of them), `self::` or
//!    a name brought into scope by a `use` (glob imports included). Each path is resolved to
//!    the module that defines what it names; a name a module re-exports (`pub use
//!    client::Client` in `cloud/mod.rs`) is followed to the child defining it. For every
//!    module M with children, child A -> child B when anything inside A refers to B or to
//!    anything inside B; each strongly connected component of that graph with more than one
//!    member is a cycle, reported with one reference (file:line and the path as written) per
//!    edge. A child naming an item defined in its parent's own file is no sibling edge.
//!    Test code (`#[cfg(test)]` items and the files only they declare, such as `tests.rs`) is
//!    left out: tests may use anything. `src/main.rs` is a crate of its own and is left out too.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::visit::{self, Visit};

const MAX_LINES: usize = 800;

/// Every `.rs` file under `src/`: its path relative to `src/` (with `/`) and its text.
fn sources() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    walkdir::WalkDir::new(&src)
        .into_iter()
        .map(|e| e.expect("walk src/"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            let rel = e.path().strip_prefix(&src).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(e.path()).expect("read a source file");
            (rel, text)
        })
        .collect()
}

#[test]
fn no_source_file_is_over_800_lines() {
    let sources = sources();
    assert!(sources.contains_key("lib.rs"), "src/ was found");
    let over: Vec<String> = sources
        .iter()
        .filter_map(|(path, text)| {
            let lines = text.lines().count();
            (lines > MAX_LINES).then(|| format!("src/{path}: {lines} lines"))
        })
        .collect();
    assert!(
        over.is_empty(),
        "source files over {MAX_LINES} lines (split them along their seams):\n{}",
        over.join("\n")
    );
}

#[test]
fn no_import_cycle_between_sibling_modules() {
    let krate = Crate::load(&sources());
    let cycles = krate.cycles();
    assert!(cycles.is_empty(), "{}", report(&cycles));
}

/// A module's path from the crate root: `["reconcile", "plan"]`; the root is empty.
type ModPath = Vec<String>;

fn show(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// What one module holds, as far as resolving paths needs.
#[derive(Default, Debug)]
struct Module {
    children: BTreeSet<String>,
    /// Names of items defined here (other than modules).
    items: BTreeSet<String>,
    /// Names bound by `use` here -> the paths they stand for, as written.
    imports: BTreeMap<String, Vec<Vec<String>>>,
    /// Paths of `use PATH::*` here, as written.
    globs: Vec<Vec<String>>,
}

/// A path written somewhere in the crate that may name one of its modules.
#[derive(Debug, Clone)]
struct Reference {
    /// The module whose code holds it.
    from: ModPath,
    file: String,
    line: usize,
    path: Vec<String>,
    /// A path alone in code (`foo`): a local binding when it names a module.
    single: bool,
}

/// One edge of a cycle: `from` (a child of `parent`) refers to its sibling `to`.
#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    reference: Reference,
    /// The module (or item) the reference resolves to.
    target: Vec<String>,
}

#[derive(Debug)]
struct Cycle {
    parent: ModPath,
    members: Vec<String>,
    edges: Vec<Edge>,
}

#[derive(Default, Debug)]
struct Crate {
    modules: BTreeMap<ModPath, Module>,
    references: Vec<Reference>,
}

impl Crate {
    /// Reads the module tree from `lib.rs` down, following `mod` declarations, from `sources`
    /// (paths relative to `src/`).
    fn load(sources: &BTreeMap<String, String>) -> Crate {
        let mut krate = Crate::default();
        krate.add_file(sources, Vec::new(), "lib.rs", "");
        krate
    }

    /// `file` holds module `module`; files of its child modules are under `dir`.
    fn add_file(
        &mut self,
        sources: &BTreeMap<String, String>,
        module: ModPath,
        file: &str,
        dir: &str,
    ) {
        let text = sources
            .get(file)
            .unwrap_or_else(|| panic!("src/{file} is declared but missing"));
        let ast = syn::parse_file(text).unwrap_or_else(|e| panic!("src/{file}: {e}"));
        self.add_items(sources, module, file, dir, &ast.items);
    }

    fn add_items(
        &mut self,
        sources: &BTreeMap<String, String>,
        module: ModPath,
        file: &str,
        dir: &str,
        items: &[syn::Item],
    ) {
        self.modules.entry(module.clone()).or_default();
        for item in items {
            if is_cfg_test(item_attrs(item)) {
                continue;
            }
            if let syn::Item::Mod(m) = item {
                assert!(
                    !m.attrs.iter().any(|a| a.path().is_ident("path")),
                    "src/{file}: #[path] on `mod {}` is not followed by this test",
                    m.ident
                );
                let name = m.ident.unraw().to_string();
                self.module_mut(&module).children.insert(name.clone());
                let mut child = module.clone();
                child.push(name.clone());
                let child_dir = format!("{dir}{name}/");
                match &m.content {
                    Some((_, content)) => self.add_items(sources, child, file, &child_dir, content),
                    None => {
                        let flat = format!("{dir}{name}.rs");
                        let nested = format!("{dir}{name}/mod.rs");
                        let child_file = if sources.contains_key(&flat) {
                            flat
                        } else {
                            nested
                        };
                        self.add_file(sources, child, &child_file, &child_dir);
                    }
                }
                continue;
            }
            self.define(&module, item);
            let mut refs = Refs {
                module: &module,
                file,
                out: &mut self.references,
            };
            refs.visit_item(item);
        }
    }

    fn module_mut(&mut self, module: &ModPath) -> &mut Module {
        self.modules.get_mut(module).expect("module added")
    }

    /// Records the names `item` defines or imports in `module`.
    fn define(&mut self, module: &ModPath, item: &syn::Item) {
        use syn::Item;
        let m = self.module_mut(module);
        let name = match item {
            Item::Const(i) => Some(&i.ident),
            Item::Enum(i) => Some(&i.ident),
            Item::Fn(i) => Some(&i.sig.ident),
            Item::Macro(i) => i.ident.as_ref(),
            Item::Static(i) => Some(&i.ident),
            Item::Struct(i) => Some(&i.ident),
            Item::Trait(i) => Some(&i.ident),
            Item::TraitAlias(i) => Some(&i.ident),
            Item::Type(i) => Some(&i.ident),
            Item::Union(i) => Some(&i.ident),
            Item::Use(u) => {
                if u.leading_colon.is_none() {
                    for (path, leaf, _) in flatten_use(&u.tree) {
                        match leaf {
                            Leaf::Name(n) => m.imports.entry(n).or_default().push(path),
                            Leaf::Glob => m.globs.push(path),
                            Leaf::Unnamed => {}
                        }
                    }
                }
                None
            }
            _ => None,
        };
        if let Some(ident) = name {
            m.items.insert(ident.unraw().to_string());
        }
    }

    /// The crate-absolute path that `path`, written in module `cur`, stands for; `None` when it
    /// names something outside the crate (another crate, the prelude, a local binding).
    fn resolve(&self, cur: &[String], path: &[String], depth: usize) -> Option<Vec<String>> {
        if depth > 32 || path.is_empty() {
            return None;
        }
        let (mut base, mut i) = match path[0].as_str() {
            "crate" => (Vec::new(), 1),
            "self" => (cur.to_vec(), 1),
            "super" => (cur.to_vec(), 0),
            _ => return self.walk(cur.to_vec(), path, true, depth),
        };
        while path.get(i).is_some_and(|s| s == "super") {
            base.pop()?;
            i += 1;
        }
        self.walk(base, &path[i..], false, depth)
    }

    /// Follows `segs` from `module`: into child modules, then through names defined, imported
    /// or glob-imported there. `scoped`: the first segment is a name looked up in scope, so a
    /// name not found there leaves the crate.
    fn walk(
        &self,
        mut module: ModPath,
        segs: &[String],
        scoped: bool,
        depth: usize,
    ) -> Option<Vec<String>> {
        let mut i = 0;
        while i < segs.len() {
            let first = scoped && i == 0;
            let Some(m) = self.modules.get(&module) else {
                break;
            };
            let s = &segs[i];
            if m.children.contains(s) {
                module.push(s.clone());
                i += 1;
                continue;
            }
            if m.items.contains(s) {
                break;
            }
            match self.import(&module, s, depth) {
                Some(Some(target)) => {
                    let mut full = target;
                    full.extend_from_slice(&segs[i + 1..]);
                    return self.walk(Vec::new(), &full, false, depth + 1);
                }
                // Imported from another crate.
                Some(None) if first => return None,
                Some(None) => break,
                None if first => return None,
                None => break,
            }
        }
        module.extend_from_slice(&segs[i..]);
        Some(module)
    }

    /// What `name` is imported as in `module`: `None` when it is not imported there,
    /// `Some(None)` when it comes from outside the crate, else the crate-absolute path.
    fn import(&self, module: &ModPath, name: &str, depth: usize) -> Option<Option<Vec<String>>> {
        let m = &self.modules[module];
        if let Some(paths) = m.imports.get(name) {
            return Some(
                paths
                    .iter()
                    .find_map(|p| self.resolve(module, p, depth + 1)),
            );
        }
        let mut found = BTreeSet::new();
        for glob in &m.globs {
            if let Some(source) = self.resolve(module, glob, depth + 1)
                && self.modules.contains_key(&source)
                && self.has_name(&source, name, &mut BTreeSet::new())
            {
                found.insert(source);
            }
        }
        let mut found = found.into_iter();
        match (found.next(), found.next()) {
            (Some(mut source), None) => {
                source.push(name.to_owned());
                Some(Some(source))
            }
            _ => None,
        }
    }

    /// Whether `name` is a child, item or import of `module`, or comes in through its globs.
    fn has_name(&self, module: &ModPath, name: &str, seen: &mut BTreeSet<ModPath>) -> bool {
        if !seen.insert(module.clone()) {
            return false;
        }
        let Some(m) = self.modules.get(module) else {
            return false;
        };
        if m.children.contains(name) || m.items.contains(name) || m.imports.contains_key(name) {
            return true;
        }
        m.globs.iter().any(|g| {
            self.resolve(module, g, 1)
                .is_some_and(|source| self.has_name(&source, name, seen))
        })
    }

    /// The module part of a crate-absolute path: its longest prefix that is a module.
    fn module_of(&self, path: &[String]) -> ModPath {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| self.modules.contains_key(p))
            .unwrap_or_default()
    }

    /// Sibling edges, per parent module: (parent, from child, to child) -> first reference.
    fn edges(&self) -> BTreeMap<(ModPath, String, String), Edge> {
        let mut edges = BTreeMap::new();
        for r in &self.references {
            let Some(target) = self.resolve(&r.from, &r.path, 0) else {
                continue;
            };
            if r.single && self.modules.contains_key(&target) {
                continue;
            }
            let to = self.module_of(&target);
            let common = r.from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if r.from.len() > common && to.len() > common {
                let key = (
                    r.from[..common].to_vec(),
                    r.from[common].clone(),
                    to[common].clone(),
                );
                edges.entry(key).or_insert_with(|| Edge {
                    from: r.from[common].clone(),
                    to: to[common].clone(),
                    reference: r.clone(),
                    target: target.clone(),
                });
            }
        }
        edges
    }

    /// Every strongly connected component of more than one child, per parent module.
    fn cycles(&self) -> Vec<Cycle> {
        let edges = self.edges();
        let mut cycles = Vec::new();
        for (parent, module) in &self.modules {
            let mut graph = DiGraph::<&str, ()>::new();
            let nodes: BTreeMap<&str, _> = module
                .children
                .iter()
                .map(|c| (c.as_str(), graph.add_node(c.as_str())))
                .collect();
            let here: Vec<&Edge> = edges
                .iter()
                .filter(|((p, _, _), _)| p == parent)
                .map(|(_, e)| e)
                .collect();
            for e in &here {
                graph.add_edge(nodes[e.from.as_str()], nodes[e.to.as_str()], ());
            }
            for scc in tarjan_scc(&graph) {
                if scc.len() < 2 {
                    continue;
                }
                let mut members: Vec<String> = scc.iter().map(|n| graph[*n].to_owned()).collect();
                members.sort();
                let edges = here
                    .iter()
                    .filter(|e| members.contains(&e.from) && members.contains(&e.to))
                    .map(|e| (*e).clone())
                    .collect();
                cycles.push(Cycle {
                    parent: parent.clone(),
                    members,
                    edges,
                });
            }
        }
        cycles
    }
}

fn report(cycles: &[Cycle]) -> String {
    let mut out = format!(
        "{} import cycle(s) between sibling modules; break each by moving what both sides \
         need into one of them or into their parent, or by inverting one edge:\n",
        cycles.len()
    );
    for c in cycles {
        let _ = writeln!(
            out,
            "\ncycle in `{}`: {{{}}}",
            show(&c.parent),
            c.members.join(", ")
        );
        for e in &c.edges {
            let r = &e.reference;
            let _ = writeln!(
                out,
                "  {} -> {}: src/{}:{} `{}` (resolves to {})",
                e.from,
                e.to,
                r.file,
                r.line,
                r.path.join("::"),
                show(&e.target)
            );
        }
    }
    out
}

/// The last segment a `use` tree binds.
#[derive(Debug, PartialEq)]
enum Leaf {
    Name(String),
    Glob,
    /// `use x as _`.
    Unnamed,
}

/// The paths of a `use` tree, groups expanded: (path, what it binds, line of its leaf).
fn flatten_use(tree: &syn::UseTree) -> Vec<(Vec<String>, Leaf, usize)> {
    fn named(
        prefix: &[String],
        ident: &syn::Ident,
        rename: Option<&syn::Ident>,
    ) -> (Vec<String>, Leaf, usize) {
        let mut path = prefix.to_vec();
        if ident != "self" {
            path.push(ident.unraw().to_string());
        }
        let bound = match rename {
            Some(r) if r == "_" => Leaf::Unnamed,
            Some(r) => Leaf::Name(r.unraw().to_string()),
            None => path.last().map_or(Leaf::Unnamed, |n| Leaf::Name(n.clone())),
        };
        (path, bound, ident.span().start().line)
    }
    fn go(
        prefix: &mut Vec<String>,
        tree: &syn::UseTree,
        out: &mut Vec<(Vec<String>, Leaf, usize)>,
    ) {
        use syn::UseTree;
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.unraw().to_string());
                go(prefix, &p.tree, out);
                prefix.pop();
            }
            UseTree::Name(n) => out.push(named(prefix, &n.ident, None)),
            UseTree::Rename(r) => out.push(named(prefix, &r.ident, Some(&r.rename))),
            UseTree::Glob(g) => out.push((
                prefix.clone(),
                Leaf::Glob,
                g.star_token.spans[0].start().line,
            )),
            UseTree::Group(g) => {
                for t in &g.items {
                    go(prefix, t, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    go(&mut Vec::new(), tree, &mut out);
    out
}

/// `#[cfg(test)]`.
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item;
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// Collects the paths in one item of `module`.
struct Refs<'a> {
    module: &'a ModPath,
    file: &'a str,
    out: &'a mut Vec<Reference>,
}

impl Refs<'_> {
    fn push(&mut self, path: Vec<String>, line: usize, single: bool) {
        self.out.push(Reference {
            from: self.module.clone(),
            file: self.file.to_owned(),
            line,
            path,
            single,
        });
    }

    /// Paths (`a::b`, `$crate::x`) in a macro's tokens, which `syn` leaves unparsed.
    fn scan(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let is_punct = |t: Option<&TokenTree>, c: char, spacing: Option<Spacing>| {
            matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c
                && spacing.is_none_or(|s| p.spacing() == s))
        };
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(g) => {
                    self.scan(g.stream());
                    i += 1;
                }
                TokenTree::Ident(first) => {
                    let after_dot = i > 0 && is_punct(tokens.get(i - 1), '.', None);
                    let mut path = vec![first.unraw().to_string()];
                    let mut j = i + 1;
                    while is_punct(tokens.get(j), ':', Some(Spacing::Joint))
                        && is_punct(tokens.get(j + 1), ':', None)
                    {
                        match tokens.get(j + 2) {
                            Some(TokenTree::Ident(next)) => {
                                path.push(next.unraw().to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    if !after_dot && path.len() > 1 {
                        self.push(path, first.span().start().line, false);
                    }
                    i = j.max(i + 1);
                }
                _ => i += 1,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Refs<'_> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        if !is_cfg_test(item_attrs(i)) {
            visit::visit_item(self, i);
        }
    }

    fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match i {
            syn::ImplItem::Const(c) => &c.attrs,
            syn::ImplItem::Fn(f) => &f.attrs,
            syn::ImplItem::Type(t) => &t.attrs,
            syn::ImplItem::Macro(m) => &m.attrs,
            _ => &[],
        };
        if !is_cfg_test(attrs) {
            visit::visit_impl_item(self, i);
        }
    }

    /// Modules are walked by [`Crate::add_items`]; one inside a function body is ignored.
    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}

    /// `pub(in crate::x)` names an ancestor, never a sibling.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        if i.leading_colon.is_some() {
            return;
        }
        for (path, _, line) in flatten_use(&i.tree) {
            self.push(path, line, false);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.leading_colon.is_none()
            && let Some(first) = p.segments.first()
        {
            let path: Vec<String> = p
                .segments
                .iter()
                .map(|s| s.ident.unraw().to_string())
                .collect();
            let single = path.len() == 1;
            self.push(path, first.ident.span().start().line, single);
        }
        visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        self.scan(m.tokens.clone());
    }

    /// `#[serde(with = "de::int")]` and its kin name functions by strings.
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        if a.path().is_ident("serde")
            && let syn::Meta::List(list) = &a.meta
        {
            let mut strings = Vec::new();
            collect_strings(list.tokens.clone(), &mut strings);
            for lit in strings {
                if let Ok(path) = lit.parse::<syn::Path>() {
                    let segs: Vec<String> = path
                        .segments
                        .iter()
                        .map(|s| s.ident.unraw().to_string())
                        .collect();
                    let single = segs.len() == 1;
                    self.push(segs, lit.span().start().line, single);
                }
            }
        }
        visit::visit_attribute(self, a);
    }
}

fn collect_strings(tokens: TokenStream, out: &mut Vec<syn::LitStr>) {
    for t in tokens {
        match t {
            TokenTree::Group(g) => collect_strings(g.stream(), out),
            TokenTree::Literal(l) => {
                if let syn::Lit::Str(s) = syn::Lit::new(l) {
                    out.push(s);
                }
            }
            _ => {}
        }
    }
}

// Unit tests of the resolver, on small crates written in them.
mod resolver;
