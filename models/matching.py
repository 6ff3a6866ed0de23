"""How records are matched as duplicates: the normalized company name and the website domain,
the same for accounts (at conversion) and for leads (`Lead.duplicates`)."""

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "plc",
    "bv",
    "nv",
    "oy",
    "ab",
    "srl",
    "spa",
    "pty",
}


def normalized_company_name(name: str | None) -> str:
    """Lower case, punctuation and legal suffixes dropped: "ACME, Inc." and "Acme" match."""
    words = re.sub(r"[^\w\s]", " ", (name or "").lower()).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def website_domain(website: str | None) -> str:
    """The host of a website, lower case, without "www.": "https://WWW.Acme.com/x" is "acme.com"."""
    if not website or not website.strip():
        return ""
    text = website.strip().lower()
    host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


MATCH_KEY_LENGTH = 255
"""How long a stored match key may be: lower case can lengthen a name ("İ" becomes two
characters), so a key is cut to the column's length."""


def match_keys(name: str | None, website: str | None) -> tuple[str | None, str | None]:
    """The stored match keys of a record: its normalized name and website domain, null when empty
    (so that an empty value never matches), at most MATCH_KEY_LENGTH characters each."""
    return (
        normalized_company_name(name)[:MATCH_KEY_LENGTH] or None,
        website_domain(website)[:MATCH_KEY_LENGTH] or None,
    )


def with_match_keys(update_fields: Iterable[str] | None, name_field: str) -> list[str] | None:
    """The `update_fields` of a save, with the match keys that follow the name and the website
    when those are written; None (every field) stays None."""
    if update_fields is None:
        return None
    written = [*update_fields]
    if name_field in written:
        written.append("normalized_name")
    if "website" in written:
        written.append("website_domain")
    return written


MATCH_KEY_BATCH = 5_000


async def fill_match_keys(model: Any, client: Any, table: str, name_field: str) -> None:
    """For a migration: derive the match keys of the rows of `table` that exist, a batch of ids at
    a time, each batch written in one executemany. `model` is the migration state's model."""
    marks = ("$1", "$2", "$3") if client.capabilities.dialect == "postgres" else ("?", "?", "?")
    update = f'UPDATE "{table}" SET "normalized_name" = {{}}, "website_domain" = {{}} WHERE "id" = {{}}'.format(*marks)
    last = 0
    while True:
        rows = (
            await model.filter(id__gt=last)
            .using_db(client)
            .order_by("id")
            .limit(MATCH_KEY_BATCH)
            .values_list("id", name_field, "website")
        )
        if not rows:
            return
        keyed = [[*match_keys(name, website), pk] for pk, name, website in rows]
        keyed = [row for row in keyed if row[:2] != [None, None]]
        if keyed:
            await client.execute_many(update, keyed)
        last = rows[-1][0]
