"""How records are matched as duplicates: the normalized company name and the website domain,
the same for accounts (at conversion) and for leads (`Lead.duplicates`)."""

import re
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
