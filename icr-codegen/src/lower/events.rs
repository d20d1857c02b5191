//! Lowering the webhook events of `x-webhooks`: each event's payload type
//! (a component schema, lowered like any other, into the `events` models
//! unless an operation used it first), its actions and the permissions an
//! installation needs to be sent it.

use serde_json::Value;

use super::{EVENTS_MODULE, Lowerer};
use crate::OperationRef;
use crate::error::ErrorKind;
use crate::model::Event;
use crate::naming::pascal;

impl Lowerer<'_> {
    pub(super) fn event(&mut self, event: &OperationRef<'_>) {
        let name = event.path;
        self.operation_id = None;
        let at = event.pointer.clone();
        let requirement = match self.catalog.requirement(self.doc, event) {
            Ok(Some(requirement)) => requirement,
            Ok(None) => {
                self.error(
                    ErrorKind::Permission,
                    at,
                    format!(
                        "event `{name}` lists no permissions; add `{}`",
                        crate::permissions::REQUIREMENT_EXTENSION
                    ),
                );
                return;
            }
            Err(errors) => {
                self.errors.extend(errors);
                return;
            }
        };
        let schema_at = at
            .join("requestBody")
            .join("content")
            .join("application/json")
            .join("schema");
        let Some(reference) = event
            .value
            .pointer("/requestBody/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
        else {
            self.error(
                ErrorKind::Unsupported,
                schema_at,
                format!("event `{name}` must give its JSON payload as a `$ref` to a schema"),
            );
            return;
        };
        let actions = self
            .doc
            .resolve(reference)
            .and_then(|(_, payload)| payload.pointer("/properties/action/enum"))
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let module = std::mem::replace(&mut self.module, EVENTS_MODULE.to_owned());
        let payload = self.reference(reference, &schema_at);
        self.module = module;
        let Some((payload, _)) = payload else {
            return;
        };
        let text = |key: &str| {
            event
                .value
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        self.events.push(Event {
            api_name: name.to_owned(),
            name: pascal(name),
            pointer: event.pointer.clone(),
            summary: text("summary"),
            description: text("description"),
            payload,
            actions,
            requirement,
        });
    }
}
