"""Bearer tokens: HS256 JWTs naming a user and their token version."""

import re
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from models import User
from models.rows import get_with_related

ALGORITHM = "HS256"
MAX_TOKEN_TTL_HOURS = 10 * 366 * 24
"""The longest lifetime a token is issued with; a later `exp` is refused as forged."""
SUBJECT = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
"""A user id as tokens carry it: ASCII digits, no sign, space or leading zero, at most 10 of them."""
MAX_USER_ID = 2**31 - 1
MAX_VERIFIED_TOKENS = 4096
"""How many tokens whose signature was verified `authenticate` keeps, with what they name."""


class AuthenticationError(Exception):
    """The request carries no usable credentials; the message is safe to show the client."""


def issue_token(user: User, secret_key: str, ttl_hours: float) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "iat": now,
        "exp": now + timedelta(hours=ttl_hours),
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationError("Missing Authorization header: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Malformed Authorization header: expected 'Bearer <token>'")
    return token.strip()


async def authenticate(authorization: str | None, secret_key: str) -> User:
    """The active user the bearer token names; AuthenticationError otherwise. A token's signature
    is verified once and kept with what it names (`_verified`); its expiry is checked at every
    request, and its version against the user's, which is read at every request."""
    token = bearer_token(authorization)
    try:
        user_id, version, expires = _verified(token, secret_key)
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("Token has expired") from None
    except jwt.InvalidTokenError:
        raise AuthenticationError("Invalid token") from None
    if expires <= time.time():
        raise AuthenticationError("Token has expired")
    user = await get_with_related(User, user_id, "company")
    if user is None or user.token_version != version:
        raise AuthenticationError("Token has been revoked")
    if not user.is_active:
        raise AuthenticationError("User is deactivated")
    return user


@lru_cache(maxsize=MAX_VERIFIED_TOKENS)
def _verified(token: str, secret_key: str) -> tuple[int, int, float]:
    """The user id, token version and expiry of a token this server signed, whose claims PyJWT
    checked: what it verifies but the expiry holds for as long as the token is kept. A token that
    fails raises, and is not kept."""
    claims = jwt.decode(token, secret_key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "ver"]})
    return _user_id(claims), claims["ver"], claims["exp"]


def _user_id(claims: dict[str, Any]) -> int:
    """The user id of claims whose signature PyJWT verified; AuthenticationError unless `sub`,
    `ver` and `exp` have the types and sizes this server issues."""
    subject, version, expires = claims["sub"], claims["ver"], claims["exp"]
    latest = datetime.now(UTC) + timedelta(hours=MAX_TOKEN_TTL_HOURS + 1)
    if (
        not isinstance(subject, str)
        or not SUBJECT.fullmatch(subject)
        or int(subject) > MAX_USER_ID
        or type(version) is not int
        or type(expires) not in (int, float)
        or not expires < latest.timestamp()
    ):
        raise AuthenticationError("Invalid token")
    return int(subject)
