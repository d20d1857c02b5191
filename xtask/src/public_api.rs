//! `cargo xtask public-api [--check]`: `icr-api`'s public API as text, one
//! item per line, kept in `icr-api/public-api.txt`, so that a change to it
//! is seen in review rather than by the users it breaks. `--check` (run by
//! `.ci/run`) fails listing each line added or removed.
//!
//! The items come from rustdoc's JSON output (`--output-format json`, made
//! on the stable toolchain with `RUSTC_BOOTSTRAP=1`, as API-diffing tools
//! do), walked from the crate root through public modules and re-exports:
//! every module, type (with its public fields, variants and inherent
//! methods, and the traits it implements), trait (with its items),
//! function, type alias, constant and macro, each with its signature.
//! Items hidden from the docs (`__private`) are not part of it.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The snapshot, beside the crate it describes.
pub(crate) const SNAPSHOT: &str = "icr-api/public-api.txt";

pub(crate) fn run(root: &Path, check: bool) -> Result<(), String> {
    let json = rustdoc_json(root)?;
    let lines = render(&json)?;
    let text = format!(
        "# The public API of icr-api (features axum, redis): `cargo xtask public-api` writes it.\n{}\n",
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    );
    let path = root.join(SNAPSHOT);
    if !check {
        std::fs::write(&path, text).map_err(|err| format!("{SNAPSHOT}: {err}"))?;
        println!("wrote {SNAPSHOT}: {} items", lines.len());
        return Ok(());
    }
    let kept = std::fs::read_to_string(&path).map_err(|err| format!("{SNAPSHOT}: {err}"))?;
    let kept: BTreeSet<String> = kept
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(str::to_owned)
        .collect();
    let added: Vec<&String> = lines.difference(&kept).collect();
    let removed: Vec<&String> = kept.difference(&lines).collect();
    if added.is_empty() && removed.is_empty() {
        println!("{SNAPSHOT} is current: {} items", lines.len());
        return Ok(());
    }
    let mut report = format!(
        "icr-api's public API differs from {SNAPSHOT} ({} added, {} removed); if that is meant, say so in CHANGELOG.md and run `cargo xtask public-api`:\n",
        added.len(),
        removed.len()
    );
    for line in removed {
        report.push_str(&format!("- {line}\n"));
    }
    for line in added {
        report.push_str(&format!("+ {line}\n"));
    }
    Err(report)
}

/// rustdoc's JSON of `icr-api` with its optional features.
fn rustdoc_json(root: &Path) -> Result<Value, String> {
    let target = root.join("target").join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "rustdoc",
            "--quiet",
            "-p",
            "icr-api",
            "--features",
            "axum,redis",
            "--",
            "-Z",
            "unstable-options",
            "--output-format",
            "json",
        ])
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|err| format!("cargo rustdoc: {err}"))?;
    if !status.success() {
        return Err("cargo rustdoc --output-format json failed".to_owned());
    }
    let path = target.join("doc").join("icr_api.json");
    let text =
        std::fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))
}

/// The lines of the API, from the crate root.
fn render(json: &Value) -> Result<BTreeSet<String>, String> {
    let root = json
        .get("root")
        .ok_or("rustdoc's JSON has no root")?
        .to_string();
    let mut walk = Walk {
        index: json.get("index").ok_or("rustdoc's JSON has no index")?,
        lines: BTreeSet::new(),
        seen: HashSet::new(),
    };
    walk.module("icr_api", &root);
    Ok(walk.lines)
}

struct Walk<'a> {
    index: &'a Value,
    lines: BTreeSet<String>,
    /// Items already listed at a path, so that re-export cycles end.
    seen: HashSet<(String, String)>,
}

impl<'a> Walk<'a> {
    fn item(&self, id: &str) -> Option<&'a Value> {
        let index: &'a Value = self.index;
        index.get(id)
    }

    fn module(&mut self, path: &str, id: &str) {
        let Some(items) = self
            .item(id)
            .and_then(|m| m.pointer("/inner/module/items"))
            .and_then(Value::as_array)
        else {
            return;
        };
        for child in items.clone() {
            self.member(path, &child.to_string(), None);
        }
    }

    /// Lists item `id` at `path`, under `name` when it is re-exported so.
    fn member(&mut self, path: &str, id: &str, name: Option<&str>) {
        let Some(item) = self.item(id) else {
            return;
        };
        if item.get("visibility").and_then(Value::as_str) != Some("public") {
            return;
        }
        let Some(name) = name.or_else(|| item.get("name").and_then(Value::as_str)) else {
            // A `use`: its name is the re-exported one.
            if let Some(used) = item.pointer("/inner/use") {
                self.reexport(path, used);
            }
            return;
        };
        if !self.seen.insert((path.to_owned(), format!("{name}#{id}"))) {
            return;
        }
        let here = format!("{path}::{name}");
        let Some((kind, inner)) = item
            .get("inner")
            .and_then(Value::as_object)
            .and_then(|inner| inner.iter().next())
        else {
            return;
        };
        match kind.as_str() {
            "module" => {
                self.lines.insert(format!("{here}: mod"));
                self.module(&here, id);
            }
            "use" => self.reexport(path, inner),
            "struct" => self.structure(&here, inner),
            "enum" => self.enumeration(&here, inner),
            "trait" => self.trait_def(&here, inner),
            "function" => {
                let line = function(self, name, inner);
                self.lines.insert(format!("{here}: {line}"));
            }
            "type_alias" => {
                let ty = ty(self, inner.get("type").unwrap_or(&Value::Null));
                let generics = generics(self, inner.get("generics"));
                self.lines.insert(format!("{here}: type{generics} = {ty}"));
            }
            "constant" => {
                let ty = ty(self, inner.get("type").unwrap_or(&Value::Null));
                self.lines.insert(format!("{here}: const {ty}"));
            }
            "static" => {
                let ty = ty(self, inner.get("type").unwrap_or(&Value::Null));
                self.lines.insert(format!("{here}: static {ty}"));
            }
            "macro" | "proc_macro" => {
                self.lines.insert(format!("{here}: macro"));
            }
            other => {
                self.lines.insert(format!("{here}: {other}"));
            }
        }
    }

    /// A `pub use`: the item it names, listed where it is re-exported, or
    /// for a glob every public item of the module it names.
    fn reexport(&mut self, path: &str, used: &Value) {
        let target = used
            .get("id")
            .filter(|id| !id.is_null())
            .map(Value::to_string);
        let glob = used.get("is_glob").and_then(Value::as_bool) == Some(true);
        match (target, glob) {
            (Some(target), true) => self.module(path, &target),
            (Some(target), false) if self.item(&target).is_some() => {
                let name = used.get("name").and_then(Value::as_str).map(str::to_owned);
                self.member(path, &target, name.as_deref());
            }
            // Another crate's item: listed by its source path.
            _ => {
                let name = used.get("name").and_then(Value::as_str).unwrap_or("?");
                let source = used.get("source").and_then(Value::as_str).unwrap_or("?");
                self.lines.insert(format!(
                    "{path}::{name}: use {source}{}",
                    if glob { "::*" } else { "" }
                ));
            }
        }
    }

    fn structure(&mut self, here: &str, inner: &Value) {
        let generics = generics(self, inner.get("generics"));
        self.lines.insert(format!("{here}: struct{generics}"));
        let kind = inner.get("kind").unwrap_or(&Value::Null);
        let fields: Vec<Value> = kind
            .pointer("/plain/fields")
            .or_else(|| kind.get("tuple"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (position, field) in fields.iter().enumerate() {
            let Some(field) = self.item(&field.to_string()) else {
                continue;
            };
            if field.get("visibility").and_then(Value::as_str) != Some("public") {
                continue;
            }
            let name = field
                .get("name")
                .and_then(Value::as_str)
                .map_or_else(|| position.to_string(), str::to_owned);
            let ty = ty(
                self,
                field.pointer("/inner/struct_field").unwrap_or(&Value::Null),
            );
            self.lines.insert(format!("{here}.{name}: {ty}"));
        }
        self.impls(here, inner);
    }

    fn enumeration(&mut self, here: &str, inner: &Value) {
        let generics = generics(self, inner.get("generics"));
        self.lines.insert(format!("{here}: enum{generics}"));
        for variant in inner
            .get("variants")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let Some(variant) = self.item(&variant.to_string()) else {
                continue;
            };
            let name = variant.get("name").and_then(Value::as_str).unwrap_or("?");
            let kind = variant
                .pointer("/inner/variant/kind")
                .unwrap_or(&Value::Null);
            let shape = if let Some(fields) = kind.get("tuple").and_then(Value::as_array) {
                let types: Vec<String> = fields
                    .iter()
                    .filter_map(|f| self.item(&f.to_string()))
                    .map(|f| {
                        ty(
                            self,
                            f.pointer("/inner/struct_field").unwrap_or(&Value::Null),
                        )
                    })
                    .collect();
                format!("({})", types.join(", "))
            } else if let Some(fields) = kind.pointer("/struct/fields").and_then(Value::as_array) {
                let fields: Vec<String> = fields
                    .iter()
                    .filter_map(|f| self.item(&f.to_string()))
                    .map(|f| {
                        format!(
                            "{}: {}",
                            f.get("name").and_then(Value::as_str).unwrap_or("?"),
                            ty(
                                self,
                                f.pointer("/inner/struct_field").unwrap_or(&Value::Null)
                            )
                        )
                    })
                    .collect();
                format!(" {{ {} }}", fields.join(", "))
            } else {
                String::new()
            };
            self.lines.insert(format!("{here}::{name}: variant{shape}"));
        }
        self.impls(here, inner);
    }

    /// A type's inherent methods and the traits it implements (not the
    /// ones every type gets by a blanket impl, nor auto traits).
    fn impls(&mut self, here: &str, inner: &Value) {
        for id in inner
            .get("impls")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let Some(imp) = self
                .item(&id.to_string())
                .and_then(|i| i.pointer("/inner/impl"))
            else {
                continue;
            };
            if imp.get("is_synthetic").and_then(Value::as_bool) == Some(true)
                || !imp.get("blanket_impl").is_none_or(Value::is_null)
            {
                continue;
            }
            let generics = generics(self, imp.get("generics"));
            match imp.get("trait").filter(|t| !t.is_null()) {
                Some(trait_path) => {
                    let negative = if imp.get("is_negative").and_then(Value::as_bool) == Some(true)
                    {
                        "!"
                    } else {
                        ""
                    };
                    self.lines.insert(format!(
                        "{here}: impl{generics} {negative}{}",
                        path(self, trait_path)
                    ));
                }
                None => {
                    for item in imp
                        .get("items")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                    {
                        let Some(method) = self.item(&item.to_string()) else {
                            continue;
                        };
                        if method.get("visibility").and_then(Value::as_str) != Some("public") {
                            continue;
                        }
                        let name = method.get("name").and_then(Value::as_str).unwrap_or("?");
                        if let Some(function_inner) = method.pointer("/inner/function") {
                            let line = function(self, name, function_inner);
                            let within = if generics.is_empty() {
                                String::new()
                            } else {
                                format!(" (in impl{generics})")
                            };
                            self.lines.insert(format!("{here}::{name}: {line}{within}"));
                        } else if let Some(constant) = method.pointer("/inner/assoc_const") {
                            let ty = ty(self, constant.get("type").unwrap_or(&Value::Null));
                            self.lines.insert(format!("{here}::{name}: const {ty}"));
                        }
                    }
                }
            }
        }
    }

    fn trait_def(&mut self, here: &str, inner: &Value) {
        let generics = generics(self, inner.get("generics"));
        let supertraits = bounds(self, inner.get("bounds"));
        let supertraits = if supertraits.is_empty() {
            String::new()
        } else {
            format!(": {supertraits}")
        };
        self.lines
            .insert(format!("{here}: trait{generics}{supertraits}"));
        for id in inner
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let Some(item) = self.item(&id.to_string()) else {
                continue;
            };
            let name = item.get("name").and_then(Value::as_str).unwrap_or("?");
            let Some((kind, member)) = item
                .get("inner")
                .and_then(Value::as_object)
                .and_then(|inner| inner.iter().next())
            else {
                continue;
            };
            let line = match kind.as_str() {
                "function" => function(self, name, member),
                "assoc_type" => format!("type {name}: {}", bounds(self, member.get("bounds"))),
                "assoc_const" => {
                    let ty = ty(self, member.get("type").unwrap_or(&Value::Null));
                    format!("const {name}: {ty}")
                }
                other => format!("{other} {name}"),
            };
            self.lines.insert(format!("{here}::{name}: {line}"));
        }
    }
}

/// `fn name<generics>(inputs) -> output where …`.
fn function(walk: &Walk<'_>, name: &str, inner: &Value) -> String {
    let header = inner.get("header").unwrap_or(&Value::Null);
    let flag = |key: &str, word: &str| {
        if header.get(key).and_then(Value::as_bool) == Some(true) {
            format!("{word} ")
        } else {
            String::new()
        }
    };
    let inputs: Vec<String> = inner
        .pointer("/sig/inputs")
        .and_then(Value::as_array)
        .map(|inputs| {
            inputs
                .iter()
                .map(|input| {
                    let name = input.get(0).and_then(Value::as_str).unwrap_or("_");
                    format!("{name}: {}", ty(walk, input.get(1).unwrap_or(&Value::Null)))
                })
                .collect()
        })
        .unwrap_or_default();
    let output = match inner.pointer("/sig/output") {
        Some(output) if !output.is_null() => format!(" -> {}", ty(walk, output)),
        _ => String::new(),
    };
    let generics = generics(walk, inner.get("generics"));
    let predicates = where_clause(walk, inner.get("generics"));
    format!(
        "{}{}{}fn {name}{generics}({}){output}{predicates}",
        flag("is_const", "const"),
        flag("is_async", "async"),
        flag("is_unsafe", "unsafe"),
        inputs.join(", ")
    )
}

/// `<'a, T: Bound, const N: usize>`, or nothing.
fn generics(walk: &Walk<'_>, generics: Option<&Value>) -> String {
    let params: Vec<String> = generics
        .and_then(|g| g.get("params"))
        .and_then(Value::as_array)
        .map(|params| {
            params
                .iter()
                .filter_map(|param| {
                    let name = param.get("name").and_then(Value::as_str)?;
                    let kind = param.get("kind")?;
                    if let Some(lifetime) = kind.get("lifetime") {
                        let outlives: Vec<&str> = lifetime
                            .get("outlives")
                            .and_then(Value::as_array)
                            .map(|o| o.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        return Some(if outlives.is_empty() {
                            name.to_owned()
                        } else {
                            format!("{name}: {}", outlives.join(" + "))
                        });
                    }
                    if let Some(parameter) = kind.get("type") {
                        // `impl Trait` arguments are synthetic parameters,
                        // shown at the argument.
                        if parameter.get("is_synthetic").and_then(Value::as_bool) == Some(true) {
                            return None;
                        }
                        let bounds = bounds(walk, parameter.get("bounds"));
                        return Some(if bounds.is_empty() {
                            name.to_owned()
                        } else {
                            format!("{name}: {bounds}")
                        });
                    }
                    kind.get("const").map(|constant| {
                        format!(
                            "const {name}: {}",
                            ty(walk, constant.get("type").unwrap_or(&Value::Null))
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if params.is_empty() {
        String::new()
    } else {
        format!("<{}>", params.join(", "))
    }
}

/// ` where T: Bound, …`, or nothing.
fn where_clause(walk: &Walk<'_>, generics: Option<&Value>) -> String {
    let predicates: Vec<String> = generics
        .and_then(|g| g.get("where_predicates"))
        .and_then(Value::as_array)
        .map(|predicates| {
            predicates
                .iter()
                .filter_map(|predicate| {
                    let bound = predicate.get("bound_predicate")?;
                    Some(format!(
                        "{}: {}",
                        ty(walk, bound.get("type").unwrap_or(&Value::Null)),
                        bounds(walk, bound.get("bounds"))
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    if predicates.is_empty() {
        String::new()
    } else {
        format!(" where {}", predicates.join(", "))
    }
}

/// `Trait<A> + 'a + ?Sized`.
fn bounds(walk: &Walk<'_>, bounds: Option<&Value>) -> String {
    let bounds: Vec<String> = bounds
        .and_then(Value::as_array)
        .map(|bounds| {
            bounds
                .iter()
                .filter_map(|bound| {
                    if let Some(outlives) = bound.get("outlives").and_then(Value::as_str) {
                        return Some(outlives.to_owned());
                    }
                    let trait_bound = bound.get("trait_bound")?;
                    let modifier = match trait_bound.get("modifier").and_then(Value::as_str) {
                        Some("maybe") => "?",
                        _ => "",
                    };
                    Some(format!(
                        "{modifier}{}",
                        path(walk, trait_bound.get("trait").unwrap_or(&Value::Null))
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    bounds.join(" + ")
}

/// A path with its generic arguments: `Result<Self, Error>`.
fn path(walk: &Walk<'_>, path: &Value) -> String {
    let name = path.get("path").and_then(Value::as_str).unwrap_or("?");
    let args = path.get("args").filter(|a| !a.is_null());
    let Some(args) = args else {
        return name.to_owned();
    };
    if let Some(angle) = args.get("angle_bracketed") {
        let mut shown: Vec<String> = angle
            .get("args")
            .and_then(Value::as_array)
            .map(|args| {
                args.iter()
                    .map(|arg| {
                        if let Some(lifetime) = arg.get("lifetime").and_then(Value::as_str) {
                            lifetime.to_owned()
                        } else if let Some(t) = arg.get("type") {
                            ty(walk, t)
                        } else if let Some(constant) = arg.get("const") {
                            constant
                                .get("expr")
                                .and_then(Value::as_str)
                                .unwrap_or("?")
                                .to_owned()
                        } else {
                            "_".to_owned()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        for constraint in angle
            .get("constraints")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let name = constraint
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let binding = constraint.get("binding").unwrap_or(&Value::Null);
            if let Some(equality) = binding.pointer("/equality/type") {
                shown.push(format!("{name} = {}", ty(walk, equality)));
            } else {
                shown.push(format!(
                    "{name}: {}",
                    bounds(walk, binding.get("constraint"))
                ));
            }
        }
        if shown.is_empty() {
            name.to_owned()
        } else {
            format!("{name}<{}>", shown.join(", "))
        }
    } else if let Some(parenthesized) = args.get("parenthesized") {
        let inputs: Vec<String> = parenthesized
            .get("inputs")
            .and_then(Value::as_array)
            .map(|inputs| inputs.iter().map(|t| ty(walk, t)).collect())
            .unwrap_or_default();
        let output = match parenthesized.get("output") {
            Some(output) if !output.is_null() => format!(" -> {}", ty(walk, output)),
            _ => String::new(),
        };
        format!("{name}({}){output}", inputs.join(", "))
    } else {
        name.to_owned()
    }
}

/// A type as written.
fn ty(walk: &Walk<'_>, value: &Value) -> String {
    let Some((kind, inner)) = value.as_object().and_then(|t| t.iter().next()) else {
        return "?".to_owned();
    };
    match kind.as_str() {
        "resolved_path" => path(walk, inner),
        "generic" | "primitive" => inner.as_str().unwrap_or("?").to_owned(),
        "tuple" => {
            let types: Vec<String> = inner
                .as_array()
                .map(|types| types.iter().map(|t| ty(walk, t)).collect())
                .unwrap_or_default();
            format!("({})", types.join(", "))
        }
        "slice" => format!("[{}]", ty(walk, inner)),
        "array" => format!(
            "[{}; {}]",
            ty(walk, inner.get("type").unwrap_or(&Value::Null)),
            inner.get("len").and_then(Value::as_str).unwrap_or("?")
        ),
        "borrowed_ref" => {
            let lifetime = inner
                .get("lifetime")
                .and_then(Value::as_str)
                .map(|l| format!("{l} "))
                .unwrap_or_default();
            let mutable = if inner.get("is_mutable").and_then(Value::as_bool) == Some(true) {
                "mut "
            } else {
                ""
            };
            format!(
                "&{lifetime}{mutable}{}",
                ty(walk, inner.get("type").unwrap_or(&Value::Null))
            )
        }
        "raw_pointer" => {
            let mutable = if inner.get("is_mutable").and_then(Value::as_bool) == Some(true) {
                "mut"
            } else {
                "const"
            };
            format!(
                "*{mutable} {}",
                ty(walk, inner.get("type").unwrap_or(&Value::Null))
            )
        }
        "impl_trait" => format!("impl {}", bounds(walk, Some(inner))),
        "dyn_trait" => {
            let traits: Vec<String> = inner
                .get("traits")
                .and_then(Value::as_array)
                .map(|traits| {
                    traits
                        .iter()
                        .map(|t| path(walk, t.get("trait").unwrap_or(&Value::Null)))
                        .collect()
                })
                .unwrap_or_default();
            let lifetime = inner
                .get("lifetime")
                .and_then(Value::as_str)
                .map(|l| format!(" + {l}"))
                .unwrap_or_default();
            format!("dyn {}{lifetime}", traits.join(" + "))
        }
        "qualified_path" => format!(
            "<{} as {}>::{}",
            ty(walk, inner.get("self_type").unwrap_or(&Value::Null)),
            inner
                .get("trait")
                .filter(|t| !t.is_null())
                .map_or_else(|| "?".to_owned(), |t| path(walk, t)),
            inner.get("name").and_then(Value::as_str).unwrap_or("?")
        ),
        "function_pointer" => "fn(…)".to_owned(),
        "infer" => "_".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn the_api_is_walked_from_the_root_through_modules_and_reexports() {
        // A crate with `pub mod cache { pub struct Key { pub name: String,
        // hidden } impl Key { pub fn new(name: &str) -> Self } }`, `pub use
        // cache::Key as Renamed;` and an external re-export.
        let doc = json!({
            "root": 0,
            "index": {
                "0": {"name": "icr_api", "visibility": "public", "inner": {"module": {"items": [1, 5, 6]}}},
                "1": {"name": "cache", "visibility": "public", "inner": {"module": {"items": [2]}}},
                "2": {"name": "Key", "visibility": "public", "inner": {"struct": {
                    "kind": {"plain": {"fields": [3, 7]}},
                    "generics": {"params": [], "where_predicates": []},
                    "impls": [4]}}},
                "3": {"name": "name", "visibility": "public", "inner": {"struct_field": {"resolved_path": {"path": "String", "id": 99, "args": null}}}},
                "7": {"name": "hidden", "visibility": "crate", "inner": {"struct_field": {"primitive": "u8"}}},
                "4": {"name": null, "visibility": "default", "inner": {"impl": {
                    "is_synthetic": false, "blanket_impl": null, "trait": null,
                    "generics": {"params": [], "where_predicates": []},
                    "items": [8]}}},
                "8": {"name": "new", "visibility": "public", "inner": {"function": {
                    "sig": {"inputs": [["name", {"borrowed_ref": {"lifetime": null, "is_mutable": false, "type": {"primitive": "str"}}}]],
                            "output": {"generic": "Self"}},
                    "generics": {"params": [], "where_predicates": []},
                    "header": {"is_const": false, "is_async": false, "is_unsafe": false}}}},
                "5": {"name": null, "visibility": "public", "inner": {"use": {"source": "cache::Key", "name": "Renamed", "id": 2, "is_glob": false}}},
                "6": {"name": null, "visibility": "public", "inner": {"use": {"source": "bytes::Bytes", "name": "Bytes", "id": 500, "is_glob": false}}}
            }
        });
        let lines: Vec<String> = super::render(&doc).unwrap().into_iter().collect();
        assert_eq!(
            lines,
            [
                "icr_api::Bytes: use bytes::Bytes",
                "icr_api::Renamed.name: String",
                "icr_api::Renamed: struct",
                "icr_api::Renamed::new: fn new(name: &str) -> Self",
                "icr_api::cache: mod",
                "icr_api::cache::Key.name: String",
                "icr_api::cache::Key: struct",
                "icr_api::cache::Key::new: fn new(name: &str) -> Self",
            ]
        );
    }
}
