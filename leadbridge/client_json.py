"""JSON sent by clients, read so that nothing in it can crash the server: nesting is bounded by
the decoder's recursion limit, and every string must be valid Unicode (an unpaired surrogate
escape such as `\\ud800` decodes in Python but cannot be encoded, logged or stored)."""

import json
import re
from typing import Any

SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class UnreadableJSON(ValueError):
    """Text that is not JSON this server reads; `because` says why, when more than its syntax."""

    def __init__(self, because: str | None = None) -> None:
        super().__init__(because or "not valid JSON")
        self.because = because

    def explain(self, sentence: str) -> str:
        """The client's sentence ("The request body is not valid JSON"), with the reason."""
        return f"{sentence}: {self.because}" if self.because else sentence


def load_json(text: str) -> Any:
    try:
        value = json.loads(text)
    except RecursionError:
        raise UnreadableJSON("it is nested too deeply") from None
    except ValueError:
        raise UnreadableJSON() from None
    if SURROGATE_ESCAPE.search(text):  # pairs decode to one character; look closer only then
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise UnreadableJSON("it is nested too deeply") from None
        except UnicodeEncodeError:
            raise UnreadableJSON("a string holds an unpaired surrogate escape (\\ud800 to \\udfff)") from None
    return value
