"""argon2id hashing: verification, the decoy for unknown accounts, rehash on new parameters."""

from __future__ import annotations

from adapters.outbound.argon2.password_hasher import Argon2PasswordHasher


async def test_verifies_the_right_password_only() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    stored = await hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert await hasher.verify(stored, "correct horse battery")
    assert not await hasher.verify(stored, "correct horse batterY")


async def test_no_hash_never_verifies() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    assert not await hasher.verify(None, "decoy password for unknown accounts")
    assert not await hasher.verify("not-a-hash", "anything")


async def test_changed_parameters_ask_for_a_rehash() -> None:
    weak = Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    strong = Argon2PasswordHasher(time_cost=2, memory_cost_kib=2048, parallelism=1)
    stored = await weak.hash("a long enough password")
    assert not weak.needs_rehash(stored)
    assert strong.needs_rehash(stored)
    assert await strong.verify(stored, "a long enough password")
