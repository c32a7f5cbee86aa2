"""Reading a vote POST for voting/fastpath.py as Flask, Flask-Login and Flask-WTF read it:
the body, the signed session, the client identifier of "strong" session protection and
the CSRF token. Each reader answers None or False when the request is anything but the
plain case; the route then answers it, so nothing here has to reproduce an error."""

from __future__ import annotations

import hmac
import io
import json
import re
from hashlib import sha512
from urllib.parse import parse_qsl

from flask_wtf.csrf import same_origin
from itsdangerous import BadData
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_cookie

from ..core.inputs import MAX_ID

JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"
BODY_TYPE = "crowdpick.vote_body_type"  # environ: which of the two the body is
MAX_BODY = 1024
_DIGITS = re.compile(r"[1-9][0-9]{0,9}")
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,200}")


def body(environ) -> bytes | None:
    """A short JSON or form body; put back for the route, which may read it again."""
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if mimetype not in (JSON_TYPE, FORM_TYPE):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    data = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(data)
    environ[BODY_TYPE] = mimetype
    return data


def json_option(body: bytes, environ) -> int | None:
    """The JSON body the route reads as {"option": <id>}, and nothing else."""
    if environ.get(BODY_TYPE) != JSON_TYPE:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or list(data) != ["option"]:
        return None
    option = data["option"]
    if type(option) is not int or not 0 < option <= MAX_ID:
        return None
    return option


def form(body: bytes, settings) -> tuple[int | None, str | None]:
    """A form post of exactly option=<digits>&csrf_token=<token> that asks for HTML:
    (option, token); (None, None) for anything else (JSON included)."""
    if not body[:1].isalpha() or b"=" not in body:
        return None, None
    try:
        fields = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None, None
    values = dict(fields)
    if len(fields) != 2 or set(values) != {"option", settings["csrf_field"]}:
        return None, None
    option, token = values["option"], values[settings["csrf_field"]]
    if not _DIGITS.fullmatch(option) or not _TOKEN.fullmatch(token):
        return None, None
    number = int(option)
    return (number, token) if number <= MAX_ID else (None, None)


def wants_html(environ) -> bool:
    """core.errors.wants_json is False: the answer is the redirect, not JSON."""
    accept = parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept)
    return accept.best_match(["text/html", "application/json"]) != "application/json"


def identifier(environ) -> str:
    """flask_login.utils._create_identifier, from the WSGI environ."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return sha512(f"{address}|{agent}".encode()).hexdigest()


def session(environ, settings) -> dict | None:
    """The signed-in session as Flask and Flask-Login read it, if nothing about it
    would make Flask rewrite it or Flask-Login refuse it."""
    value = parse_cookie(environ.get("HTTP_COOKIE", "")).get(settings["cookie"])
    if not value:
        return None
    try:
        session = settings["serializer"].loads(value, max_age=settings["max_age"])
    except BadData:
        return None
    if not isinstance(session, dict) or not isinstance(session.get("_user_id"), str):
        return None
    if "_remember" in session or (session.get("_permanent") and settings["refresh"]):
        return None  # Flask or Flask-Login would send a cookie: theirs to write
    protected = settings["protection"] in ("basic", "strong")
    if protected and session.get("_id") != identifier(environ):
        return None  # Flask-Login drops the session (strong) or re-marks it
    return session


def csrf_ok(environ, session, settings, form_token) -> bool:
    """flask_wtf.csrf.validate_csrf and CSRFProtect.protect, with the app's secret and
    time limit; the token from the form's field, else from a header."""
    token = form_token or next(
        (environ.get(h) for h in settings["csrf_headers"] if environ.get(h)), None
    )
    stored = session.get(settings["csrf_field"])
    if not token or not isinstance(stored, str):
        return False
    try:
        signed = settings["csrf"].loads(token, max_age=settings["csrf_time_limit"])
    except BadData:
        return False
    if not isinstance(signed, str) or not hmac.compare_digest(stored, signed):
        return False
    if environ.get("wsgi.url_scheme") == "https" and settings["csrf_ssl_strict"]:
        referrer, host = environ.get("HTTP_REFERER"), environ.get("HTTP_HOST")
        return bool(referrer and host and same_origin(referrer, f"https://{host}/"))
    return True
