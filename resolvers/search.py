"""Free-text search terms of lists and filters: trimmed, and at most MAX_SEARCH_LENGTH characters."""

from resolvers.pagination import bad_input

MAX_SEARCH_LENGTH = 200


def search_term(text: str | None, argument: str) -> str | None:
    """The trimmed term, None when there is none; BAD_USER_INPUT naming the argument when it is
    longer than any name, customer or e-mail address it could match."""
    term = (text or "").strip()
    if len(term) > MAX_SEARCH_LENGTH:
        raise bad_input(f"'{argument}' may be at most {MAX_SEARCH_LENGTH} characters, got {len(term)}")
    return term or None
