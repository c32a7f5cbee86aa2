"""Log lines: text or JSON (LOG_FORMAT), each with the request id that the response echoes
in X-Request-ID; the proxy's id is kept only behind trusted proxies."""

from __future__ import annotations

import io
import json
import logging

from tests.conftest import make_app
from webapp.core import logs


def app_with_a_logging_view(tmp_path, **overrides):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'l.sqlite3'}", **overrides)

    def view():
        logging.getLogger("crowdpick.example").info("hello from a view")
        return "ok"

    app.add_url_rule("/_log", "example_log", view)
    # Our handler writes to a buffer for this test (it is replaced by the next create_app).
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logs._Handler))
    stream = io.StringIO()
    handler.setStream(stream)
    return app, stream


def lines_of(stream: io.StringIO, text: str) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if text in line]


def test_json_lines_carry_the_request_id_the_response_echoes(tmp_path):
    app, stream = app_with_a_logging_view(tmp_path, LOG_FORMAT="json")
    response = app.test_client().get("/_log")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = lines_of(stream, "hello from a view")
    record = json.loads(line)
    assert record["message"] == "hello from a view"
    assert record["level"] == "INFO" and record["logger"] == "crowdpick.example"
    assert record["request_id"] == request_id
    assert "time" in record


def test_text_lines_are_the_default_and_show_the_id(tmp_path):
    app, stream = app_with_a_logging_view(tmp_path)
    assert app.config["LOG_FORMAT"] == "text"
    request_id = app.test_client().get("/_log").headers["X-Request-ID"]
    (line,) = lines_of(stream, "hello from a view")
    assert f"INFO [{request_id}] crowdpick.example: hello from a view" in line
    logging.getLogger("crowdpick.example").warning("outside any request")
    (line,) = lines_of(stream, "outside any request")
    assert "WARNING [-] crowdpick.example" in line


def test_the_proxys_request_id_is_kept_only_behind_trusted_proxies(tmp_path):
    direct, _ = app_with_a_logging_view(tmp_path / "direct")
    given = {"X-Request-ID": "nginx-1f2e3d"}
    assert direct.test_client().get("/_log", headers=given).headers["X-Request-ID"] != (
        "nginx-1f2e3d"
    )
    proxied, stream = app_with_a_logging_view(tmp_path / "proxied", TRUSTED_PROXY_HOPS=1)
    client = proxied.test_client()
    assert client.get("/_log", headers=given).headers["X-Request-ID"] == "nginx-1f2e3d"
    assert "[nginx-1f2e3d]" in lines_of(stream, "hello from a view")[0]
    # Not a plain token (spaces, line breaks, too long): replaced, never logged as given.
    for bad in ("two words", "x" * 200, "a\tb"):
        echoed = client.get("/_log", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad and len(echoed) == 32
