"""Forged and stale bearer tokens, sent with a mutation: each is 401 UNAUTHENTICATED and writes
nothing. tests/test_http.py covers the others: a missing or malformed header, a token signed
with another key, `alg: none`, an expired token, a bumped token version, a deactivated user."""

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from models import Lead, User
from tests.factories import TEST_SECRET_KEY, make_user, token_for

CREATE_LEAD = """
mutation ($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id } userErrors { code } }
}
"""
NEW_LEAD = {"input": {"topic": "Forged", "lastName": "Doe"}}


def segment(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def claims(user: User, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"sub": str(user.id), "ver": user.token_version, "iat": now, "exp": now + timedelta(hours=1), **overrides}


def unsigned(user: User, alg: str, signature: str = "") -> str:
    payload = {"sub": str(user.id), "ver": user.token_version, "exp": int(datetime.now(UTC).timestamp()) + 3600}
    return f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(payload)}.{signature}"


def hs512(user: User) -> str:
    """Signed with the server's own key, by an algorithm it does not accept."""
    payload = {"sub": str(user.id), "ver": user.token_version, "exp": int(datetime.now(UTC).timestamp()) + 3600}
    signing_input = f"{segment({'alg': 'HS512', 'typ': 'JWT'})}.{segment(payload)}"
    signature = hmac.new(TEST_SECRET_KEY.encode(), signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


async def tampered(user: User) -> str:
    """The victim's id in the payload, under the signature of the attacker's own token."""
    attacker = await make_user()
    header, _, signature = token_for(attacker).split(".")
    payload = {"sub": str(user.id), "ver": user.token_version, "exp": int(datetime.now(UTC).timestamp()) + 3600}
    return f"{header}.{segment(payload)}.{signature}"


async def deleted(user: User) -> str:
    token = token_for(user)
    await user.delete()
    return token


async def constant(token: str) -> str:
    return token


def signed(**overrides: object) -> Callable[[User], Awaitable[str]]:
    """A token signed with the server's own key whose claims differ from what it issues."""

    async def forge(user: User) -> str:
        values = {name: value(user) if callable(value) else value for name, value in overrides.items()}
        return jwt.encode(claims(user, **values), TEST_SECRET_KEY, "HS256")

    return forge


ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")


Attack = Callable[[User], Awaitable[str]]
ATTACKS: dict[str, tuple[Attack, str]] = {
    "alg-None": (lambda user: constant(unsigned(user, "None")), "Invalid token"),
    "alg-NONE-with-signature": (lambda user: constant(unsigned(user, "NONE", "c2lnbmF0dXJl")), "Invalid token"),
    "hs512-same-key": (lambda user: constant(hs512(user)), "Invalid token"),
    "tampered-payload": (tampered, "Invalid token"),
    "no-expiry": (
        lambda user: constant(jwt.encode({"sub": str(user.id), "ver": user.token_version}, TEST_SECRET_KEY, "HS256")),
        "Invalid token",
    ),
    "no-version": (
        lambda user: constant(
            jwt.encode({"sub": str(user.id), "exp": datetime.now(UTC) + timedelta(hours=1)}, TEST_SECRET_KEY, "HS256")
        ),
        "Invalid token",
    ),
    "subject-not-a-number": (
        lambda user: constant(jwt.encode(claims(user, sub="admin"), TEST_SECRET_KEY, "HS256")),
        "Invalid token",
    ),
    "deleted-user": (deleted, "Token has been revoked"),
    "subject-in-arabic-indic-digits": (
        signed(sub=lambda user: str(user.id).translate(ARABIC_INDIC_DIGITS)),
        "Invalid token",
    ),
    "subject-with-spaces": (signed(sub=lambda user: f" {user.id} "), "Invalid token"),
    "subject-zero-padded": (signed(sub=lambda user: f"0{user.id}"), "Invalid token"),
    "subject-signed": (signed(sub=lambda user: f"+{user.id}"), "Invalid token"),
    "subject-beyond-32-bits": (signed(sub="4294967297"), "Invalid token"),
    "subject-of-5000-digits": (signed(sub="9" * 5000), "Invalid token"),
    "subject-a-json-number": (signed(sub=lambda user: user.id), "Invalid token"),
    "version-a-string": (signed(ver=lambda user: str(user.token_version)), "Invalid token"),
    "version-a-float": (signed(ver=lambda user: float(user.token_version)), "Invalid token"),
    "version-false": (signed(ver=False), "Invalid token"),
    "expiry-in-a-thousand-years": (
        signed(exp=int(datetime.now(UTC).timestamp()) + 1000 * 366 * 86400),
        "Invalid token",
    ),
    "expiry-of-400-digits": (signed(exp=10**400), "Invalid token"),
    "expiry-a-numeric-string": (signed(exp=str(int(datetime.now(UTC).timestamp()) + 3600)), "Invalid token"),
    "expiry-a-word": (signed(exp="tomorrow"), "Invalid token"),
    "expiry-negative": (signed(exp=-1), "Token has expired"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_a_forged_or_stale_token_is_unauthenticated_and_writes_nothing(
    anonymous_client: httpx.AsyncClient, attack: str
) -> None:
    forge, message = ATTACKS[attack]
    user = await make_user()
    token = await forge(user)

    response = await anonymous_client.post(
        "/graphql", json={"query": CREATE_LEAD, "variables": NEW_LEAD}, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    assert await Lead.all().count() == 0


async def test_the_same_mutation_with_a_valid_token_is_answered(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    response = await anonymous_client.post(
        "/graphql",
        json={"query": CREATE_LEAD, "variables": NEW_LEAD},
        headers={"Authorization": f"Bearer {token_for(user)}"},
    )

    assert response.status_code == 200
    assert response.json()["data"]["createLead"]["userErrors"] == []
    assert await Lead.all().values_list("topic", flat=True) == ["Forged"]
