import pytest

from models import DomainError, IdempotencyRecord, idempotency
from tests.factories import make_user


def test_the_fingerprint_ignores_the_key_and_the_order_of_fields():
    first = idempotency.fingerprint({"leadId": "TGVhZDox", "idempotencyKey": "a", "account": {"skip": True}})
    again = idempotency.fingerprint({"account": {"skip": True}, "idempotencyKey": "b", "leadId": "TGVhZDox"})
    other = idempotency.fingerprint({"leadId": "TGVhZDoy", "idempotencyKey": "a", "account": {"skip": True}})

    assert first == again
    assert first != other


def test_a_key_longer_than_255_characters_is_invalid_input():
    idempotency.check_key("k" * 255)
    idempotency.check_key(None)

    with pytest.raises(DomainError) as refused:
        idempotency.check_key("k" * 256)

    assert refused.value == DomainError(
        "INVALID_INPUT", "idempotencyKey may have at most 255 characters, got 256", ["idempotencyKey"]
    )


async def test_a_remembered_result_is_recalled_for_its_user_and_key_only(anonymous_client):
    user, other = await make_user(), await make_user()
    await idempotency.remember(user.pk, "undo-1", "hash-a", {"lead": 3, "undone": True})

    assert await idempotency.recall(user.pk, "undo-1", "hash-a") == {"lead": 3, "undone": True}
    assert await idempotency.recall(user.pk, "undo-2", "hash-a") is None
    assert await idempotency.recall(other.pk, "undo-1", "hash-a") is None


async def test_a_key_recalled_with_another_input_is_reused_and_keeps_its_result(anonymous_client):
    user = await make_user()
    await idempotency.remember(user.pk, "k", "hash-a", {"lead": 3})

    with pytest.raises(DomainError) as refused:
        await idempotency.recall(user.pk, "k", "hash-b")

    assert refused.value == DomainError(
        "IDEMPOTENCY_KEY_REUSED", "This idempotency key was used with a different input", ["idempotencyKey"]
    )
    assert await IdempotencyRecord.filter(user_id=user.pk).values_list("key", "request_hash", "result") == [
        ("k", "hash-a", {"lead": 3})
    ]
