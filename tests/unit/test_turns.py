"""Turns at the database for answers: never more at once than allowed, and none refused."""

from __future__ import annotations

import asyncio

from application.turns import Turns


async def test_no_more_than_the_allowed_number_hold_a_turn_and_everyone_gets_one() -> None:
    turns, inside, most, done = Turns(3), 0, 0, 0

    async def answer() -> None:
        nonlocal inside, most, done
        async with turns.turn():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1
        done += 1

    await asyncio.gather(*(answer() for _ in range(20)))
    assert (most, done) == (3, 20)


async def test_zero_means_no_limit() -> None:
    turns, inside, most = Turns(0), 0, 0

    async def answer() -> None:
        nonlocal inside, most
        async with turns.turn():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(answer() for _ in range(10)))
    assert most == 10
