"""A 👎 reason typed while the bot restarts is kept: the modal is routed by its custom_id, and
the vote it belongs to was stored before the form opened."""

from __future__ import annotations

from bot.settings import Settings
from tests.discord.conftest import FakeApp, fake_discord, running_bot
from tests.discord.test_bot import _vote_down


async def test_reason_submitted_after_a_restart_is_kept_and_reviewed(
    settings: Settings, fake_app: FakeApp
) -> None:
    async with fake_discord() as fake:
        settings.review_channel_id = fake.review_channel_id
        review_path = f"/channels/{fake.review_channel_id}/messages"
        async with running_bot(fake_app, fake):
            answer_id, _, modal = await _vote_down(fake, "How often should I lift?")
            assert modal.json["data"]["custom_id"] == f"coach:fbr:{answer_id}"
            posted = await fake.wait_for(lambda c: c.method == "POST" and c.path == review_path)
        # The member is still typing while the bot restarts; the form is Discord's, not ours.
        async with running_bot(fake_app, fake) as restarted:
            submit = fake.modal_submit(f"coach:fbr:{answer_id}", {"reason": "No sets or reps"})
            await fake.interact(submit)
            thanks = await fake.callback(submit)
            assert thanks.json["type"] == 4
            assert "noted" in thanks.json["data"]["content"]
            feedback = restarted.store.feedback(answer_id, fake.member.id)
            assert feedback is not None
            assert (feedback.vote, feedback.reason) == (-1, "No sets or reps")
            # The restarted bot updates the review post the first one made, not a second post.
            edit_path = f"{review_path}/{posted.response['id']}"
            edited = await fake.wait_for(lambda c: c.method == "PATCH" and c.path == edit_path)
            fields = {f["name"]: f["value"] for f in edited.json["embeds"][0]["fields"]}
            assert fields["Reason"] == "No sets or reps"
            await restarted.review.drain()
        posts = [c for c in fake.calls if c.method == "POST" and c.path == review_path]
        assert len(posts) == 1
