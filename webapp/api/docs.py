"""/api/docs: a page of our own rendered from the generated OpenAPI document (no
scripts, so the site's CSP stays as it is)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_guide", __name__)


def _schema_name(ref: dict | None) -> str:
    """A schema in words: "Importance or null", "list of Tag", "string (date-time)"."""
    if not ref:
        return ""
    if "$ref" in ref:
        return ref["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in ref:
            return " or ".join(filter(None, (_schema_name(r) for r in ref[key])))
    kind = ref.get("type", "")
    if isinstance(kind, list):  # 3.1's nullable: ["integer", "null"]
        kind = " or ".join(kind)
    if "array" in kind:
        return kind.replace("array", f"list of {_schema_name(ref.get('items'))}")
    if ref.get("format"):
        return f"{kind} ({ref['format']})"
    if ref.get("enum"):
        return f"{kind}: one of " + ", ".join(map(str, ref["enum"]))
    return kind


def operations(spec: dict) -> list[dict]:
    found = []
    for path, methods in spec.get("paths", {}).items():
        shared = methods.get("parameters", [])  # path parameters, listed once per path
        for method, op in methods.items():
            if method == "parameters":
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            responses = []
            for status, answer in op.get("responses", {}).items():
                if "$ref" in answer:
                    name = answer["$ref"].rsplit("/", 1)[-1]
                    answer = spec["components"]["responses"].get(name, {})
                content = next(iter(answer.get("content", {}).values()), {})
                responses.append(
                    (status, answer.get("description", ""), _schema_name(content.get("schema")))
                )
            found.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [*shared, *op.get("parameters", [])],
                    "body": _schema_name(body.get("schema")),
                    "responses": sorted(responses, key=lambda r: (r[0] == "default", r[0])),
                    "secured": bool(op.get("security")),
                    "tag": (op.get("tags") or [""])[0],
                }
            )
    return found


@bp.get("/api/docs")
def index():
    spec = current_app.extensions["crowdpick_api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas=schemas,
        describe=_schema_name,
    )
