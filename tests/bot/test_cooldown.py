from __future__ import annotations

import pytest

from bot.cooldown import Cooldown


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("advance", "expected_wait"),
    [(0.0, 5.0), (1.5, 3.5), (4.99, 0.01), (5.0, 0.0), (30.0, 0.0)],
)
def test_second_use_waits_out_the_rest(advance: float, expected_wait: float) -> None:
    clock = Clock()
    cooldown = Cooldown(5.0, clock=clock)
    assert cooldown.hit("ann") == 0.0
    clock.now += advance
    assert cooldown.hit("ann") == pytest.approx(expected_wait)


def test_users_are_independent() -> None:
    clock = Clock()
    cooldown = Cooldown(5.0, clock=clock)
    assert cooldown.hit("ann") == 0.0
    assert cooldown.hit("bob") == 0.0
    assert cooldown.hit("ann") > 0
    assert cooldown.hit("bob") > 0


def test_zero_seconds_disables_it() -> None:
    cooldown = Cooldown(0)
    assert [cooldown.hit("ann") for _ in range(3)] == [0.0, 0.0, 0.0]


def test_refused_attempts_do_not_extend_the_wait() -> None:
    clock = Clock()
    cooldown = Cooldown(5.0, clock=clock)
    cooldown.hit("ann")
    clock.now += 3
    assert cooldown.hit("ann") == pytest.approx(2.0)
    clock.now += 2
    assert cooldown.hit("ann") == 0.0
