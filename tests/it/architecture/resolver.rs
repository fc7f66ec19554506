//! The resolver of the cycle check on small crates written here.

use super::*;

fn krate(files: &[(&str, &str)]) -> Crate {
    let sources = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    Crate::load(&sources)
}

fn path(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split("::").map(str::to_owned).collect()
}

/// (parent, members) of every cycle.
fn cycles(k: &Crate) -> Vec<(String, Vec<String>)> {
    k.cycles()
        .into_iter()
        .map(|c| (show(&c.parent), c.members))
        .collect()
}

fn members(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn super_super_self_and_use_groups_resolve() {
    let k = krate(&[
        ("lib.rs", "mod a; mod z;"),
        ("a/mod.rs", "mod b; pub struct InA;"),
        (
            "a/b/mod.rs",
            "mod c;\nuse super::{InA, b as _};\nuse super::super::{z::{self, Z}, a::b::c::C as Renamed};",
        ),
        ("a/b/c.rs", "pub struct C;"),
        ("z.rs", "pub struct Z; pub mod inner { pub fn f() {} }"),
    ]);
    let b = path("a::b");
    let r = |p: &str| k.resolve(&b, &path(p), 0).map(|p| show(&p));
    assert_eq!(r("super::super::z::Z").as_deref(), Some("z::Z"));
    assert_eq!(r("self::c::C").as_deref(), Some("a::b::c::C"));
    assert_eq!(r("c::C").as_deref(), Some("a::b::c::C"));
    assert_eq!(r("z::inner::f").as_deref(), Some("z::inner::f"));
    assert_eq!(r("Z").as_deref(), Some("z::Z"));
    assert_eq!(r("Renamed").as_deref(), Some("a::b::c::C"));
    assert_eq!(r("InA").as_deref(), Some("a::InA"));
    assert_eq!(r("crate::a::InA").as_deref(), Some("a::InA"));
    assert_eq!(r("super::super::super::x"), None, "above the crate root");
    assert_eq!(r("std::fmt::Debug"), None, "another crate");
    assert_eq!(r("local_variable"), None);
    assert_eq!(k.module_of(&path("a::b::c::C::new")), path("a::b::c"));
    let leaves: Vec<(String, Leaf)> = flatten_use(
        &syn::parse_str::<syn::ItemUse>("use super::{a::X, b, c::{self, d::*}, e as f};")
            .unwrap()
            .tree,
    )
    .into_iter()
    .map(|(p, leaf, _)| (p.join("::"), leaf))
    .collect();
    assert_eq!(
        leaves,
        [
            ("super::a::X".to_owned(), Leaf::Name("X".into())),
            ("super::b".to_owned(), Leaf::Name("b".into())),
            ("super::c".to_owned(), Leaf::Name("c".into())),
            ("super::c::d".to_owned(), Leaf::Glob),
            ("super::e".to_owned(), Leaf::Name("f".into())),
        ]
    );
}

#[test]
fn a_sibling_cycle_is_found_and_a_reference_to_the_parent_is_not_an_edge() {
    let k = krate(&[
        ("lib.rs", "pub mod net;"),
        (
            "net/mod.rs",
            "mod a; mod b; mod c;\npub struct Shared;\npub use a::Alpha;",
        ),
        // a -> b through a `use` group, b -> a through a code path.
        (
            "net/a.rs",
            "use super::{b::Beta, Shared};\npub struct Alpha;",
        ),
        (
            "net/b.rs",
            "pub struct Beta;\nfn f() -> super::Shared {\n    let _ = super::a::Alpha;\n    super::Shared\n}",
        ),
        // c names only the parent's own item: no edge.
        ("net/c.rs", "fn g(_: crate::net::Shared) {}"),
    ]);
    assert_eq!(cycles(&k), [("net".to_owned(), members(&["a", "b"]))]);
    let cycle = &k.cycles()[0];
    let found: Vec<String> = cycle
        .edges
        .iter()
        .map(|e| {
            format!(
                "{}->{} {}:{} {}",
                e.from,
                e.to,
                e.reference.file,
                e.reference.line,
                e.reference.path.join("::")
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "a->b net/a.rs:1 super::b::Beta",
            "b->a net/b.rs:3 super::a::Alpha"
        ]
    );
    assert!(report(&k.cycles()).contains("src/net/b.rs:3 `super::a::Alpha`"));
}

#[test]
fn a_name_the_parent_re_exports_is_attributed_to_the_child_defining_it() {
    let k = krate(&[
        ("lib.rs", "pub mod cloud; mod cli;"),
        (
            "cloud/mod.rs",
            "mod builder; mod client;\npub use builder::Builder;\npub use client::Client;\npub struct Config;",
        ),
        // builder -> client only through the parent's re-export.
        (
            "cloud/builder.rs",
            "pub struct Builder;\nimpl Builder { fn build(self) -> crate::cloud::Client { todo!() } }",
        ),
        // client -> builder through `use super::*` and the parent's re-export.
        (
            "cloud/client.rs",
            "use super::*;\npub struct Client;\nfn f(_: Config) { let _ = Builder; }",
        ),
        // The parent's own item and another top-level module: no cycle there.
        ("cli.rs", "use crate::cloud::{Config, Client};"),
    ]);
    assert_eq!(
        cycles(&k),
        [("cloud".to_owned(), members(&["builder", "client"]))]
    );
    let targets: Vec<String> = k.cycles()[0]
        .edges
        .iter()
        .map(|e| show(&e.target))
        .collect();
    assert_eq!(
        targets,
        ["cloud::client::Client", "cloud::builder::Builder"]
    );
}

#[test]
fn test_code_is_left_out_and_macro_arguments_count() {
    let b = ("b.rs", "pub fn g() {}");
    let b_prints_a = (
        "b.rs",
        "pub fn g() {}\nfn h() { println!(\"{:?}\", crate::a::f()); }",
    );
    // Test code may use anything: a's tests name b, which names a.
    let k = krate(&[
        ("lib.rs", "mod a; mod b;"),
        (
            "a.rs",
            "pub fn f() {}\n#[cfg(test)]\nmod tests { use crate::b::g; }\n#[cfg(test)]\nmod more;\n#[cfg(test)]\nfn helper() { crate::b::g() }",
        ),
        ("a/more.rs", "use crate::b::g;"),
        b_prints_a,
    ]);
    assert!(cycles(&k).is_empty(), "{:?}", k.cycles());
    let edges: Vec<_> = k.edges().into_keys().collect();
    assert_eq!(
        edges,
        [(Vec::new(), "b".to_owned(), "a".to_owned())],
        "b -> a through println!"
    );
    // Without test code in the way, a -> b closes the cycle.
    let k = krate(&[
        ("lib.rs", "mod a; mod b;"),
        ("a.rs", "pub fn f() { crate::b::g() }"),
        b_prints_a,
    ]);
    assert_eq!(cycles(&k), [("crate".to_owned(), members(&["a", "b"]))]);
    let k = krate(&[
        ("lib.rs", "mod a; mod b;"),
        ("a.rs", "pub fn f() { crate::b::g() }"),
        b,
    ]);
    assert!(cycles(&k).is_empty());
}
