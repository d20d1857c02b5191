//! Rust names for API names: `type` → `r#type`, `foo-bar` → `foo_bar`,
//! `+1` → `Plus1`, `2fa` → `V2fa`, `` (empty) → `Empty`; and [`Names`],
//! which keeps the names of one scope unique.

use std::collections::HashSet;

use heck::{ToPascalCase, ToSnakeCase};
use proc_macro2::{Ident, Span};

/// Words Rust reserves; a name equal to one is written raw (`r#type`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof",
    "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers; a name equal to one gets a `_`.
const UNRAWABLE: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

/// Spells out the characters that carry meaning in enum values such as
/// `+1` and `-1`, so that they survive as words; every other character that
/// cannot be in an identifier separates words.
fn words(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        match c {
            '+' => out.push_str(" plus "),
            '-' if i == 0 => out.push_str(" minus "),
            '*' => out.push_str(" star "),
            '@' if i == 0 => out.push_str(" at "),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

/// A `snake_case` name for a field, parameter, function or module.
pub fn snake(name: &str) -> String {
    let mut snake = words(name).to_snake_case();
    if snake.is_empty() {
        snake.push_str("value");
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert(0, 'n');
    }
    keyword_safe(snake)
}

/// A `PascalCase` name for a type or variant.
pub fn pascal(name: &str) -> String {
    let mut pascal = words(name).to_pascal_case();
    if pascal.is_empty() {
        pascal.push_str("Empty");
    }
    if pascal.starts_with(|c: char| c.is_ascii_digit()) {
        pascal.insert(0, 'V');
    }
    keyword_safe(pascal)
}

fn keyword_safe(name: String) -> String {
    if UNRAWABLE.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// The identifier for a name made by [`snake`] or [`pascal`] (`r#…` becomes
/// a raw identifier).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The names already used in one scope (a struct's fields, a module's
/// items); [`Names::unique`] adds a number to a name that is taken.
#[derive(Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// A scope in which `reserved` are taken already.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            taken: reserved.into_iter().map(str::to_owned).collect(),
        }
    }

    /// `name` if it is free, else `name2`, `name3`… (after the raw prefix).
    pub fn unique(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        // `Self_` (a keyword made safe) numbered is `Self2`, not `Self_2`,
        // which is not `PascalCase`.
        let raw = name.strip_prefix("r#").unwrap_or(&name);
        let base = match raw.trim_end_matches('_') {
            "" => raw,
            trimmed => trimmed,
        };
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_identifiers() {
        let check = |api: &str, snake_name: &str, pascal_name: &str| {
            assert_eq!(snake(api), snake_name, "snake({api:?})");
            assert_eq!(pascal(api), pascal_name, "pascal({api:?})");
            // Both parse as identifiers.
            ident(&snake(api));
            ident(&pascal(api));
        };
        check("projectId", "project_id", "ProjectId");
        check("type", "r#type", "Type");
        check("self", "self_", "Self_");
        check("ref", "r#ref", "Ref");
        check("foo-bar", "foo_bar", "FooBar");
        check("@id", "at_id", "AtId");
        check("+1", "plus_1", "Plus1");
        check("-1", "minus_1", "Minus1");
        check("2fa", "n2fa", "V2fa");
        check("", "value", "Empty");
        check("*", "star", "Star");
        check("X-RateLimit-Limit", "x_rate_limit_limit", "XRateLimitLimit");
        check("application/json", "application_json", "ApplicationJson");
    }

    #[test]
    fn taken_names_get_numbers() {
        let mut names = Names::with_reserved(["Other"]);
        assert_eq!(names.unique(pascal("add")), "Add");
        assert_eq!(names.unique(pascal("Add")), "Add2");
        assert_eq!(names.unique(pascal("ADD")), "Add3");
        assert_eq!(names.unique(pascal("other")), "Other2");
        assert_eq!(names.unique("r#type".to_owned()), "r#type");
        assert_eq!(names.unique("r#type".to_owned()), "type2");
    }
}
