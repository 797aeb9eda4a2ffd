//! Every rule id of the code has a sentence in every locale and a row in the docs, and the
//! TypeScript types list exactly these ids: the wasm looks sentences up by id in the locale
//! tables (data in js/), so the lists live in several files and must not drift. Native only.
#![cfg(not(target_arch = "wasm32"))]
// Test code: a failed expectation should stop the test (the panic lints guard src/).
#![allow(clippy::panic)]

use std::collections::BTreeSet;
use updox_direct::delivery::{self, DeliveryState};
use updox_direct::updox::error::Outcome;
use updox_direct::Rule;

fn read(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The ids of the code, in the order the wasm numbers them: validation rules, then
/// outcome rules (unique, checked below), then the delivery-status sentences (one per
/// state, then the one of a failed status question).
fn code_ids() -> Vec<&'static str> {
    Rule::ALL
        .iter()
        .map(|r| r.id())
        .chain(Outcome::ALL.iter().map(|o| o.id()))
        .chain(DeliveryState::ALL.iter().map(|s| s.rule()))
        .chain([delivery::UNCHECKED_RULE])
        .collect()
}

fn outcome_ids() -> Vec<&'static str> {
    Outcome::ALL.iter().map(|o| o.id()).collect()
}

/// The keys of the object literal that starts at the line `start` in a JavaScript file:
/// `'id': …` or `id: …` at two spaces' indent, up to the closing `};`.
fn js_keys(text: &str, start: &str) -> Vec<String> {
    let body = text
        .split_once(start)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no `{start}`"));
    let body = body.split("\n};").next().unwrap_or_default();
    body.lines()
        .filter_map(|line| {
            let line = line.strip_prefix("  ")?;
            if line.starts_with(' ') || line.starts_with("//") {
                return None;
            }
            let key = match line.strip_prefix('\'') {
                Some(quoted) => quoted.split('\'').next()?,
                None => line.split(':').next()?,
            };
            Some(key.to_string())
        })
        .collect()
}

/// The members of `export type Name =` in the .d.ts: lines `  | "id"`.
fn dts_union(dts: &str, name: &str) -> Vec<String> {
    let start = format!("export type {name} =\n");
    let body = dts
        .split_once(&start)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no union {name}"));
    body.lines()
        .map_while(|l| l.trim().strip_prefix("| \""))
        .map(|l| l.trim_end_matches(';').trim_end_matches('"').to_string())
        .collect()
}

fn assert_same(what: &str, found: &[String], want: &[&str]) {
    let found_set: BTreeSet<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found_set.len(), found.len(), "{what}: an id appears twice");
    let want_set: BTreeSet<&str> = want.iter().copied().collect();
    let missing: Vec<_> = want_set.difference(&found_set).collect();
    let extra: Vec<_> = found_set.difference(&want_set).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, not in the code {extra:?}"
    );
}

#[test]
fn ids_are_unique() {
    let ids = code_ids();
    let set: BTreeSet<_> = ids.iter().collect();
    assert_eq!(set.len(), ids.len());
}

#[test]
fn every_rule_has_an_english_sentence() {
    let keys = js_keys(&read("js/locales/en.js"), "export const EN = {\n");
    assert_same("js/locales/en.js (English)", &keys, &code_ids());
}

#[test]
fn every_rule_has_a_spanish_sentence() {
    let keys = js_keys(&read("js/locales/es.js"), "export default {\n");
    assert_same("js/locales/es.js (Spanish)", &keys, &code_ids());
}

#[test]
fn the_types_list_exactly_the_ids() {
    let dts = read("js/types.d.ts");
    let validation: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_same(
        "types.d.ts ValidationRule",
        &dts_union(&dts, "ValidationRule"),
        &validation,
    );
    assert_same(
        "types.d.ts OutcomeRule",
        &dts_union(&dts, "OutcomeRule"),
        &outcome_ids(),
    );
}

#[test]
fn the_docs_table_lists_exactly_the_ids() {
    let docs = read("docs/rules.md");
    let rows: Vec<String> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(String::from)
        .collect();
    assert_same("docs/rules.md", &rows, &code_ids());
}

/// The parsers above find what they must (so that the checks cannot pass vacuously).
#[test]
fn the_parsers_read_their_files() {
    let js = "x\nexport default {\n  'a.b': 'x',\n  // note\n  c: `y ${Z}`,\n  'd': D,\n    nested: 1,\n};\nafter: 1\n";
    assert_eq!(js_keys(js, "export default {\n"), ["a.b", "c", "d"]);
    let dts = "export type T =\n  | \"a\"\n  | \"b.c\";\n\nnext";
    assert_eq!(dts_union(dts, "T"), ["a", "b.c"]);
}
