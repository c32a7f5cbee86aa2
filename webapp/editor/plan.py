"""The editor's structural buttons (add, remove, move an option or a pro/con) as pure
functions over the content being edited (a snapshot dict, catalog/revisions.py).

Nothing here writes: a button changes the form the editor sees, and only "Save" stores
it, so nothing typed is lost between buttons and every save is one revision.
"""

from __future__ import annotations

import copy

from ..core.actions import ActionError

MIN_OPTIONS, MAX_OPTIONS = 2, 6
KINDS = {"pro": "pros", "con": "cons"}


def blank_option() -> dict:
    return {
        "id": None,
        "name": "",
        "description": "",
        "use_if": "",
        "tags": [],
        "pros": [],
        "cons": [],
    }


def apply_op(content: dict, op: str) -> tuple[dict, str]:
    """(the content with ``op`` applied, a sentence for the editor). ``op`` is a button's
    value: "add-option", "add-pro:<i>", "up-option:<i>", "remove-con:<i>:<j>", …
    (indexes into the form as shown). A refused op raises a 422 ActionError."""
    content = copy.deepcopy(content)
    options = content["options"]
    action, _, where = op.partition(":")
    verb, _, kind = action.partition("-")
    try:
        at = [int(n) for n in where.split(":")] if where else []
    except ValueError:
        raise ActionError("That button is not one the form knows.", 400) from None
    if kind == "option":
        return content, _option_op(content, verb, at)
    if kind in KINDS and at and 0 <= at[0] < len(options):
        claims = options[at[0]][KINDS[kind]]
        label = f"{kind} of {options[at[0]]['name'] or 'the new option'}"
        return content, _claim_op(claims, verb, at[1:], label)
    raise ActionError("That button is not one the form knows.", 400)


def _option_op(content: dict, verb: str, at: list[int]) -> str:
    options = content["options"]
    if verb == "add" and not at:
        if len(options) >= MAX_OPTIONS:
            raise ActionError(f"A comparison has at most {MAX_OPTIONS} options.", 422)
        options.append(blank_option())
        return "A new option is added at the end: name it, then save."
    if len(at) != 1 or not 0 <= at[0] < len(options):
        raise ActionError("That option is not in the form any more.", 400)
    i = at[0]
    name = options[i]["name"] or "The new option"
    if verb == "remove":
        if len(options) <= MIN_OPTIONS:
            raise ActionError(f"A comparison needs at least {MIN_OPTIONS} options.", 422)
        if options[i]["id"] is not None and options[i]["id"] == content.get("pick"):
            raise ActionError(
                f"{name} is the editorial pick: choose another pick first, then remove it.", 422
            )
        del options[i]
        return f"{name} is taken out of the form; saving removes it."
    return _move(options, verb, i, name)


def _claim_op(claims: list[dict], verb: str, at: list[int], label: str) -> str:
    if verb == "add" and not at:
        claims.append({"id": None, "text": ""})
        return f"A new {label} is added: write it, then save."
    if len(at) != 1 or not 0 <= at[0] < len(claims):
        raise ActionError("That point is not in the form any more.", 400)
    j = at[0]
    if verb == "remove":
        del claims[j]
        return f"A {label} is taken out of the form; saving removes it."
    return _move(claims, verb, j, f"The {label}")


def _move(items: list, verb: str, i: int, name: str) -> str:
    step = {"up": -1, "down": 1}.get(verb)
    if step is None:
        raise ActionError("That button is not one the form knows.", 400)
    j = i + step
    if not 0 <= j < len(items):
        raise ActionError(f"{name} is already {'first' if step < 0 else 'last'}.", 422)
    items[i], items[j] = items[j], items[i]
    return f"{name} moved {verb}; saving keeps the new order."


def drop_blank_new_rows(content: dict) -> dict:
    """A row added but left empty is not content: it is dropped rather than refused."""
    content = copy.deepcopy(content)
    content["options"] = [
        o
        for o in content["options"]
        if o["id"] is not None
        or any(o.get(k) for k in ("name", "description", "use_if", "tags"))
        or o["pros"]
        or o["cons"]
    ]
    for option in content["options"]:
        for key in KINDS.values():
            option[key] = [c for c in option[key] if c["id"] is not None or c["text"]]
    return content
