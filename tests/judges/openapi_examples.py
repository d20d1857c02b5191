"""The ICR spec as the standard OpenAPI 3.0 tools read it.

Run by the schemathesis harness (tests/src/bin/schemathesis.rs) in its
virtual environment: `openapi-spec-validator` checks the document against
the OpenAPI 3.0 rules, and `openapi-schema-validator`'s OAS 3.0 validator,
which reads `nullable` and `enum` as OpenAPI 3.0.3 does, checks every
example of a request or response body against its schema. Prints one line
per problem and exits non-zero when there is any.
"""

import sys

import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate


def main(path):
    with open(path, encoding="utf-8") as file:
        document = yaml.safe_load(file)
    validate(document)
    components = document.get("components", {})

    def deref(node):
        while isinstance(node, dict) and "$ref" in node:
            target = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    problems = []
    checked = 0
    for template, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            places = []
            body = deref(operation.get("requestBody", {}))
            for media, content in body.get("content", {}).items():
                places.append((f"{method.upper()} {template} request {media}", content))
            for status, response in operation["responses"].items():
                for media, content in deref(response).get("content", {}).items():
                    places.append((f"{method.upper()} {template} {status} {media}", content))
            for where, content in places:
                if "schema" not in content:
                    continue
                examples = [content["example"]] if "example" in content else []
                for example in content.get("examples", {}).values():
                    example = deref(example)
                    if "value" in example:
                        examples.append(example["value"])
                # The schema with the components beside it, so that its
                # `#/components/...` references resolve.
                validator = OAS30Validator({**content["schema"], "components": components})
                for example in examples:
                    checked += 1
                    problems += [
                        f"{where}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
                        for error in validator.iter_errors(example)
                    ]
    for problem in problems:
        print(problem)
    print(
        f"openapi-spec-validator: valid OpenAPI 3.0; OAS30Validator: {checked} examples, "
        f"{len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
