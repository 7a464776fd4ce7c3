"""Control characters in what comes from outside, and the machines' doors that take them.

No text field holds a C0 control character but tab, line feed and carriage return, nor
DEL: PostgreSQL cannot store NUL at all (an error, so a 500), and the others are never
typed by a person. A person's request holding one is refused with a message
(kabinet.utility.middleware.ControlCharactersMiddleware). A machine's webhook is not
refused: a provider answered 400 sends the same bytes again and again (Telegram holds the
bot's later updates meanwhile; an SMS gateway gives up and the customer's SMS is lost), so
those views, marked with @machine_door, strip the characters themselves, after checking
the request's signature, which covers the bytes as they were sent.
"""

import re
from typing import Any

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The attribute @machine_door sets on a view, read by the middleware.
MACHINE_DOOR = "kabinet_machine_door"
# The same for a django-ninja operation, whose Django view is ninja's own: by view name.
MACHINE_DOOR_VIEW_NAMES: set[str] = set()


def without_controls(value: Any) -> Any:
    """`value` with the control characters taken out of every string in it (also inside
    lists and dicts, as parsed JSON, keys included)."""
    if isinstance(value, str):
        return CONTROL.sub("", value)
    if isinstance(value, list):
        return [without_controls(item) for item in value]
    if isinstance(value, dict):
        return {without_controls(key): without_controls(item) for key, item in value.items()}
    return value


def machine_door(view):
    """Mark a provider's webhook: its requests reach it even with control characters."""
    setattr(view, MACHINE_DOOR, True)
    return view
