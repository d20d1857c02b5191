//! Tests of the spec check: the ICR spec passes, and each kind of breakage,
//! made on purpose in a copy of it, fails at the pointer of the broken node.

use std::sync::OnceLock;

use icr_codegen::Document;
use serde_json::{Value, json};

use super::{ICR_SPEC, check};
use crate::workspace_root;

/// The ICR spec's JSON tree, read once.
fn icr_spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let doc = Document::read(&workspace_root().join(ICR_SPEC)).unwrap();
        doc.raw().clone()
    })
}

/// Runs the check on a copy of the ICR spec changed by `breaks` and returns
/// the problems as (pointer, message).
fn problems_after(breaks: impl FnOnce(&mut Value)) -> Vec<(String, String)> {
    let mut spec = icr_spec().clone();
    breaks(&mut spec);
    check(&Document::from_value(ICR_SPEC, spec))
        .problems
        .into_iter()
        .map(|p| (p.pointer.to_string(), p.message))
        .collect()
}

/// The node at `pointer`, which the test expects to exist.
fn at<'a>(spec: &'a mut Value, pointer: &str) -> &'a mut Value {
    spec.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the ICR spec has no node at {pointer}"))
}

/// Asserts that breaking the spec yields exactly the expected problems, each
/// at its pointer with a message containing the expected text (in pointer
/// order).
fn check_breakage(breaks: impl FnOnce(&mut Value), expected: &[(&str, &str)]) {
    let mut problems = problems_after(breaks);
    problems.sort();
    assert_eq!(problems.len(), expected.len(), "got: {problems:#?}");
    for ((pointer, message), (want_pointer, want_text)) in problems.iter().zip(expected) {
        assert_eq!(pointer, want_pointer, "message: {message}");
        assert!(
            message.contains(want_text),
            "at {pointer}: `{message}` lacks `{want_text}`"
        );
    }
}

const GET_PROJECT: &str = "/paths/~1projects~1{projectId}/get";

#[test]
fn the_icr_spec_passes_and_is_as_large_as_promised() {
    let report = check(&Document::from_value(ICR_SPEC, icr_spec().clone()));
    assert!(report.problems.is_empty(), "{report}");
    let stats = &report.stats;
    assert!(stats.operations >= 90, "{} operations", stats.operations);
    assert!(stats.tags >= 12, "{} tags", stats.tags);
    assert!(
        stats.marked * 10 >= stats.operations * 7,
        "{} of {} marked",
        stats.marked,
        stats.operations
    );
    assert!(
        stats.examples >= stats.operations,
        "only {} examples validated",
        stats.examples
    );
}

#[test]
fn an_unknown_permission_is_reported_at_its_entry() {
    check_breakage(
        |spec| {
            *at(spec, &format!("{GET_PROJECT}/x-icr-permissions/0")) = json!({"project": "read"})
        },
        &[(
            "/paths/~1projects~1{projectId}/get/x-icr-permissions/0/project",
            "unknown permission `project`; did you mean `projects`?",
        )],
    );
}

#[test]
fn an_unknown_level_is_reported_at_its_entry() {
    check_breakage(
        |spec| {
            *at(spec, &format!("{GET_PROJECT}/x-icr-permissions/0")) = json!({"issues": "admin"})
        },
        &[(
            "/paths/~1projects~1{projectId}/get/x-icr-permissions/0/issues",
            "permission `issues` has no level `admin`",
        )],
    );
}

#[test]
fn a_dangling_ref_is_reported_where_it_is_written() {
    check_breakage(
        |spec| {
            *at(
                spec,
                "/components/schemas/Issue/properties/user/allOf/0/$ref",
            ) = json!("#/components/schemas/Nobody")
        },
        &[(
            "/components/schemas/Issue/properties/user/allOf/0/$ref",
            "`#/components/schemas/Nobody` does not resolve",
        )],
    );
}

#[test]
fn an_example_that_does_not_match_is_reported_at_the_bad_value() {
    // A shared example: reported once, at the value inside it.
    check_breakage(
        |spec| *at(spec, "/components/examples/Label/value/color") = json!(42),
        &[(
            "/components/examples/Label/value/color",
            "42 is not of type \"string\"",
        )],
    );
    // An inline example of a map.
    let languages = "/paths/~1projects~1{projectId}~1languages/get/responses/200/content/application~1json/example";
    check_breakage(
        |spec| *at(spec, &format!("{languages}/Rust")) = json!("a lot"),
        &[(&format!("{languages}/Rust"), "is not of type \"integer\"")],
    );
    // A format, and a discriminated union whose variant is missing a field.
    check_breakage(
        |spec| {
            *at(spec, "/components/examples/Milestone/value/dueOn") = json!("next tuesday");
            at(spec, "/components/examples/LabeledEvent/value")
                .as_object_mut()
                .unwrap()
                .remove("label");
        },
        &[
            (
                "/components/examples/LabeledEvent/value",
                "\"label\" is a required property",
            ),
            (
                "/components/examples/Milestone/value/dueOn",
                "is not a \"date-time\"",
            ),
        ],
    );
}

#[test]
fn the_marker_and_the_permission_list_go_together() {
    check_breakage(
        |spec| {
            at(spec, GET_PROJECT)
                .as_object_mut()
                .unwrap()
                .remove("x-icr-permissions");
        },
        &[(
            "/paths/~1projects~1{projectId}/get/description",
            "says \"Works with ICR Apps.\" but the operation lists no `x-icr-permissions`",
        )],
    );
    check_breakage(
        |spec| *at(spec, &format!("{GET_PROJECT}/description")) = json!("Returns a project."),
        &[(
            "/paths/~1projects~1{projectId}/get/x-icr-permissions",
            "lacks the marker \"Works with ICR Apps.\"",
        )],
    );
}

#[test]
fn operation_ids_are_present_unique_and_shaped() {
    check_breakage(
        |spec| {
            *at(spec, "/paths/~1projects~1{projectId}/patch/operationId") =
                json!("projects/getProject")
        },
        &[(
            "/paths/~1projects~1{projectId}/patch/operationId",
            "`projects/getProject` is already used at /paths/~1projects~1{projectId}/get",
        )],
    );
    check_breakage(
        |spec| *at(spec, &format!("{GET_PROJECT}/operationId")) = json!("issues/getProject"),
        &[(
            "/paths/~1projects~1{projectId}/get/operationId",
            "starts with `issues` but the operation's first tag is `projects`",
        )],
    );
    check_breakage(
        |spec| *at(spec, &format!("{GET_PROJECT}/operationId")) = json!("projects/project"),
        &[(
            "/paths/~1projects~1{projectId}/get/operationId",
            "not a camelCase verb and noun",
        )],
    );
    check_breakage(
        |spec| {
            at(spec, GET_PROJECT)
                .as_object_mut()
                .unwrap()
                .remove("operationId");
        },
        &[("/paths/~1projects~1{projectId}/get", "has no operationId")],
    );
}

#[test]
fn every_response_body_needs_an_example() {
    let zen = "/paths/~1zen/get/responses/200/content/text~1plain";
    check_breakage(
        |spec| {
            at(spec, zen).as_object_mut().unwrap().remove("example");
        },
        &[(zen, "the response body has no `example`")],
    );
}

#[test]
fn every_operation_declares_its_errors() {
    let responses = format!("{GET_PROJECT}/responses");
    check_breakage(
        |spec| {
            at(spec, &responses)
                .as_object_mut()
                .unwrap()
                .remove("default");
        },
        &[(&responses, "declares no `default` answer")],
    );
}

#[test]
fn nullable_is_read_as_openapi_3_0_3_reads_it() {
    // `nullable` beside a reference widens nothing, so the Issue examples'
    // `null` lock reason no longer validates; nor does a `null` the enum
    // lacks.
    let reason = "/components/schemas/Issue/properties/activeLockReason";
    let problems = problems_after(|spec| {
        *at(spec, reason) =
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/LockReason"}]});
        at(spec, "/components/schemas/StateReason/enum")
            .as_array_mut()
            .unwrap()
            .retain(|v| !v.is_null());
    });
    assert!(
        problems
            .iter()
            .any(|(p, m)| p.ends_with("/activeLockReason") && m.contains("null")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|(p, m)| p.ends_with("/stateReason") && m.contains("null is not one of")),
        "{problems:#?}"
    );
    // And the `nullable` without a type is named where it is written.
    assert!(
        problems
            .iter()
            .any(|(p, m)| p == &format!("{reason}/nullable") && m.contains("without a `type`")),
        "{problems:#?}"
    );
}

#[test]
fn a_document_that_is_not_openapi_is_reported_at_the_node() {
    let problems = problems_after(|spec| {
        *at(spec, &format!("{GET_PROJECT}/responses")) = json!(["not", "a", "map"])
    });
    assert!(
        problems.iter().any(|(pointer, message)| pointer
            == "/paths/~1projects~1{projectId}/get/responses"
            && message.contains("not a valid OpenAPI 3.0 node")),
        "{problems:#?}"
    );
}

#[test]
fn all_problems_are_reported_not_just_the_first() {
    let problems = problems_after(|spec| {
        *at(spec, &format!("{GET_PROJECT}/x-icr-permissions/0")) = json!({"project": "read"});
        *at(
            spec,
            "/components/schemas/Issue/properties/user/allOf/0/$ref",
        ) = json!("#/components/schemas/Nobody");
        *at(spec, "/components/examples/Label/value/color") = json!(42);
        at(spec, "/paths/~1teams~1{teamId}/get")
            .as_object_mut()
            .unwrap()
            .remove("x-icr-permissions");
    });
    let pointers: Vec<&str> = problems
        .iter()
        .map(|(pointer, _)| pointer.as_str())
        .collect();
    for expected in [
        "/paths/~1projects~1{projectId}/get/x-icr-permissions/0/project",
        "/components/schemas/Issue/properties/user/allOf/0/$ref",
        "/components/examples/Label/value/color",
        "/paths/~1teams~1{teamId}/get/description",
    ] {
        assert!(
            pointers.contains(&expected),
            "{expected} missing from {pointers:#?}"
        );
    }
}

#[test]
fn the_report_names_the_file_and_the_pointer() {
    let mut spec = icr_spec().clone();
    *at(&mut spec, "/components/examples/Label/value/color") = json!(42);
    let report = check(&Document::from_value(ICR_SPEC, spec)).to_string();
    let first = report.lines().next().unwrap();
    assert!(
        first.starts_with("spec/icr.openapi.yaml#/components/examples/Label/value/color: "),
        "{report}"
    );
    assert!(report.trim_end().ends_with("1 problem"), "{report}");
}

#[test]
fn a_discriminator_value_outside_the_mapping_is_reported() {
    check_breakage(
        |spec| *at(spec, "/components/examples/LabeledEvent/value/event") = json!("teleported"),
        &[(
            "/components/examples/LabeledEvent/value/event",
            "\"teleported\" is not one of",
        )],
    );
}

#[test]
fn webhook_events_need_permissions_headers_and_an_installation() {
    check_breakage(
        |spec| {
            let issues = at(spec, "/x-webhooks/issues/post");
            issues.as_object_mut().unwrap().remove("x-icr-permissions");
            issues["parameters"] = json!([{"$ref": "#/components/parameters/webhookEvent"}]);
            let label = at(spec, "/x-webhooks/label/post");
            label["x-icr-permissions"] = json!([{"isues": "read"}]);
            let payload = at(spec, "/components/schemas/MemberEvent");
            payload["required"] = json!(["action", "organization"]);
            at(spec, "/x-webhooks")["deployment"] = json!({"post": {}});
        },
        &[
            ("/components/schemas/MemberEvent", "must require `event`"),
            (
                "/components/schemas/MemberEvent",
                "must require `installation`",
            ),
            (
                "/x-webhooks/deployment",
                "not one of `WebhookEventName`'s values",
            ),
            ("/x-webhooks/deployment/post", "must list the permissions"),
            ("/x-webhooks/deployment/post/parameters", "`X-ICR-Delivery`"),
            ("/x-webhooks/deployment/post/parameters", "`X-ICR-Event`"),
            (
                "/x-webhooks/deployment/post/parameters",
                "`X-ICR-Signature-256`",
            ),
            (
                "/x-webhooks/deployment/post/requestBody/content/application~1json/schema",
                "`$ref` to a schema",
            ),
            ("/x-webhooks/issues/post", "must list the permissions"),
            ("/x-webhooks/issues/post/parameters", "`X-ICR-Delivery`"),
            (
                "/x-webhooks/issues/post/parameters",
                "`X-ICR-Signature-256`",
            ),
            (
                "/x-webhooks/label/post/x-icr-permissions/0/isues",
                "did you mean `issues`?",
            ),
        ],
    );
}

#[test]
fn every_property_and_parameter_says_what_it_is() {
    check_breakage(
        |spec| {
            let update = at(spec, "/components/schemas/IssueUpdate/properties");
            update["title"]
                .as_object_mut()
                .unwrap()
                .remove("description");
            update["state"]["description"] = json!("State.");
            update["milestone"] = json!({"$ref": "#/components/schemas/Milestone"});
            update["assignees"] =
                json!({"$ref": "#/components/schemas/Milestone", "description": "Ignored."});
            // Members named as schema or parameter keywords are members.
            update["properties"] = json!({"type": "object", "description": "A member named so.",
                "properties": {"name": {"type": "string", "description": "Its name."},
                               "in": {"type": "string", "description": "Where."}}});
            let per_page = at(spec, "/components/parameters/perPage");
            per_page.as_object_mut().unwrap().remove("description");
            // An example is a value: a `properties` member in one is not a
            // schema's.
            at(spec, "/components/schemas/IssueUpdate")["example"] =
                json!({"properties": {"x": 1}, "name": "n", "in": "query"});
        },
        &[
            (
                "/components/parameters/perPage",
                "the query parameter `perPage` has no description",
            ),
            (
                "/components/schemas/IssueUpdate/properties/assignees",
                "stands beside a `$ref`",
            ),
            (
                "/components/schemas/IssueUpdate/properties/milestone",
                "`{description: …, allOf: [{$ref: …}]}`",
            ),
            (
                "/components/schemas/IssueUpdate/properties/state",
                "only repeats its name",
            ),
            (
                "/components/schemas/IssueUpdate/properties/title",
                "property `title` has no description",
            ),
        ],
    );
}
