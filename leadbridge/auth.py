"""Bearer tokens: HS256 JWTs naming a user and their token version."""

import re
from datetime import UTC, datetime, timedelta
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
    """The active user the bearer token names; AuthenticationError otherwise."""
    token = bearer_token(authorization)
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "ver"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("Token has expired") from None
    except jwt.InvalidTokenError:
        raise AuthenticationError("Invalid token") from None
    user_id = _user_id(claims)
    user = await get_with_related(User, user_id, "company")
    if user is None or user.token_version != claims["ver"]:
        raise AuthenticationError("Token has been revoked")
    if not user.is_active:
        raise AuthenticationError("User is deactivated")
    return user


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
