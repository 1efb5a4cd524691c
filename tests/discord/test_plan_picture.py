"""The plan's week at a glance on every surface: attached to `/plan` in Discord (and updated by
a swap), saved by the console; plus the cog's choices coming from the planner's vocabulary."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from PIL import Image
from rich.console import Console

from bot.app import CoachApp
from bot.console import run_console
from bot.discord_bot.cogs.plan import PlanCog
from bot.feedback_store import FeedbackStore
from planner.errors import PlanError
from planner.models import EQUIPMENT, EXPERIENCES, PHASES, Plan
from planner.week_picture import HEIGHT_PX, WIDTH_PX
from tests.console.conftest import TODAY
from tests.discord.conftest import fake_discord, running_bot


def _swaps(app: CoachApp, plan: Plan, exercise_id: str) -> bool:
    try:
        app.planner.swap(plan, exercise_id)
    except PlanError:
        return False
    return True


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(data)).size


async def test_plan_attaches_the_week_picture_and_a_swap_redraws_it(
    real_app: CoachApp, bot_store: FeedbackStore
) -> None:
    async with fake_discord() as fake, running_bot(real_app, fake, store=bot_store):
        payload = fake.slash("plan", {"free_days": "mon,thu", "runs": "tue:easy, sat:long",
                                      "equipment": "bands", "weeks": 4})  # fmt: skip
        await fake.interact(payload)
        (followup,) = await fake.followups(payload, timeout=60)
        ((filename, data),) = followup.files
        assert filename == "plan-week.png" and _png_size(data) == (WIDTH_PX, HEIGHT_PX)
        (embed,) = followup.json["embeds"]
        assert embed["image"]["url"] == "attachment://plan-week.png"
        message = followup.response
        select = next(c for c in fake.buttons(message) if c["type"] == 3)
        # The plan the bot made and stored under the menu's key: no clock in the test.
        record = bot_store.plan(select["custom_id"].rsplit(":", 1)[1])
        assert record is not None
        plan = Plan.model_validate_json(record.plan_json)
        swappable = next(
            o["value"] for o in select["options"] if _swaps(real_app, plan, o["value"])
        )
        swap = fake.component(message, select["custom_id"], values=[swappable])
        await fake.interact(swap)
        callback = await fake.callback(swap)
        assert callback.json["type"] == 6, callback.json
        original = f"{swap['token']}/messages/@original"
        edited = await fake.wait_for(
            lambda c: c.method == "PATCH" and c.path.endswith(original), timeout=30
        )
        assert [name for name, _ in edited.files] == ["plan-week.png"]


def test_the_console_says_where_it_saved_the_picture(real_app: CoachApp, tmp_path: Path) -> None:
    lines: Iterator[str] = iter(["/plan --runs tue:easy --free mon,thu --weeks 2", "/png"])

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    run_console(real_app, input_fn=read, console=console, today=lambda: TODAY)
    picture = tmp_path / "plan-week.png"
    assert f"Week at a glance saved to {picture}" in out.getvalue()
    assert _png_size(picture.read_bytes()) == (WIDTH_PX, HEIGHT_PX)


def test_the_slash_command_choices_are_the_planner_vocabulary() -> None:
    params = {p.name: p for p in PlanCog.plan_command.parameters}
    for name, words in (("experience", EXPERIENCES), ("equipment", EQUIPMENT), ("phase", PHASES)):
        assert [choice.value for choice in params[name].choices] == list(words)
    assert params["runs"].autocomplete and params["free_days"].autocomplete
