"""Request parsers that turn every malformed body into a 400.

DRF's JSON parser lets a ``RecursionError`` through (a body of 100,000 ``[``), and
a body nested just under the decoder's limit still crashes later, wherever a field
calls ``str()`` on it. No request body of ours is deeper than a few levels, so
anything deeper than ``MAX_DEPTH`` is refused at the door.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 20


def _depth(value) -> int:
    """Nesting depth of decoded JSON, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(_("JSON parse error - the body is nested too deeply."))
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _depth(data) > MAX_DEPTH:
            raise too_deep
        return data
