"""The generated OpenAPI document and the docs page made from it."""

from __future__ import annotations

from openapi_spec_validator import validate

from webapp.api.problems import MEDIA_TYPE


def test_document_is_valid_openapi_31(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/comparisons/{slug}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # Errors are documented as they are sent: problem+json.
    assert MEDIA_TYPE in spec["components"]["responses"]["NOT_FOUND"]["content"]
    vote = spec["paths"]["/api/v1/comparisons/{slug}/vote"]["put"]
    assert vote["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "415", "422", "429"} <= set(vote["responses"])
    detail = spec["components"]["schemas"]["ComparisonDetail"]["properties"]
    assert {"options", "editorial", "community", "tags"} <= set(detail)


def test_docs_page_lists_every_operation(client):
    spec = client.get("/api/openapi.json").get_json()
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, methods in spec["paths"].items():
        for method in set(methods) - {"parameters"}:
            assert f"{method.upper()} {path}" in html
    assert "<script" not in html.split("</header>", 1)[-1]  # the page needs no script
    # The site's CSP is untouched on it.
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
