"""`/kb`: coach-only tools for the knowledge base, and the weekly gap digest.

status, reload and gaps; add (a file or a URL, previewed with Add/Cancel), list, show,
remove (confirmed), history and undo. Replies are ephemeral; the coach role is checked in
code for every command and every button.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import kb_replies, replies
from bot.discord_bot.checks import coach_only
from bot.discord_bot.client import CoachBot
from bot.discord_bot.delivery import send_followups
from bot.discord_bot.kb_views import (
    GapThreadButton,
    PreviewButton,
    RemoveButton,
    coach_name,
    gap_view,
    preview_view,
    remove_key,
    remove_view,
)
from bot.discord_bot.render import render_messages
from bot.replies import Reply
from library.admin import KnowledgeAdmin
from library.errors import KbError
from library.gap_digest import (
    DIGEST_WINDOW,
    DigestGroup,
    DigestState,
    digest_due,
    parse_digest_slot,
)
from library.gaps import group_gaps
from library.plan_citations import CitationReport
from library.preview import MAX_FILE_BYTES, check_suffix, safe_filename
from retrieval.ingest.files import format_size

log = logging.getLogger(__name__)

DIGEST_TOPICS = 5


@app_commands.guild_only()
class KbCog(
    commands.GroupCog, group_name="kb", group_description="Coach tools: the knowledge base"
):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        self.admin = KnowledgeAdmin(bot.app)
        self._seeded = False
        super().__init__()

    async def cog_load(self) -> None:
        listeners = getattr(self.bot.app, "citation_listeners", None)
        if listeners is not None:
            listeners.append(self._citations_changed)
        if self.bot.settings.review_channel_id and parse_digest_slot(self.bot.settings.gap_digest):
            self.digest_loop.start()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Remember every rule's passage now, so a later edit on disk has a last good one.
        check = getattr(self.bot.app, "check_citations", None)
        if check is not None and not self._seeded:
            self._seeded = True
            try:
                await self.bot.run_blocking(check)
            except Exception:
                log.exception("could not check planner citations at start-up")

    async def cog_unload(self) -> None:
        listeners = getattr(self.bot.app, "citation_listeners", None)
        if listeners is not None and self._citations_changed in listeners:
            listeners.remove(self._citations_changed)
        self.digest_loop.cancel()

    async def _send(
        self, interaction: discord.Interaction[CoachBot], reply: Reply, **kwargs: Any
    ) -> None:
        await send_followups(interaction, render_messages(reply), ephemeral=True, **kwargs)

    # -- status, reload, gaps -----------------------------------------------------------------

    @app_commands.command(
        name="status", description="Index age, files, passages, and what was skipped and why."
    )
    @coach_only()
    async def status(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        status = await asyncio.to_thread(self.bot.app.status)
        await self._send(interaction, replies.status_reply(status, now=self.bot.clock()))

    @app_commands.command(
        name="reload",
        description="Re-index the knowledge folder now (only changed files are re-embedded).",
    )
    @coach_only()
    async def reload(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        report = await self.bot.run_blocking(self.bot.app.reindex)
        status = await asyncio.to_thread(self.bot.app.status)
        await self._send(interaction, replies.reindex_reply(report, status, now=self.bot.clock()))

    @app_commands.command(
        name="gaps",
        description="Recent unanswered and 👎 questions, grouped by topic: what to write next.",
    )
    @coach_only()
    async def gaps(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        reply = await asyncio.to_thread(replies.gaps, self.bot.store, now=self.bot.clock())
        await self._send(interaction, reply)

    # -- add: preview, then Add or Cancel -------------------------------------------------------

    @app_commands.command(
        name="add", description="Add an article (a file or a link): preview first."
    )
    @app_commands.describe(
        file="The article: .md, .txt, .html or .pdf (up to 5 MB).",
        url="Or a link to a web page, Markdown, text or PDF file.",
    )
    @coach_only()
    async def add(
        self,
        interaction: discord.Interaction[CoachBot],
        file: discord.Attachment | None = None,
        url: str | None = None,
    ) -> None:
        if (file is None) == (url is None):
            raise KbError("Give either `file` (an attachment) or `url`, not both or neither.")
        who = coach_name(interaction.user)
        if file is not None:
            name = safe_filename(file.filename)
            check_suffix(name)
            if file.size > MAX_FILE_BYTES:
                raise KbError(
                    f"`{name}` is {format_size(file.size)}, over the {format_size(MAX_FILE_BYTES)} "
                    "limit for an article: split it, or save just its text as .md or .txt."
                )
            await interaction.response.defer(thinking=True, ephemeral=True)
            data = await file.read()
            staged = await self.bot.run_blocking(
                self.admin.preview_bytes, data, name, who=who, origin=file.filename
            )
        else:
            await interaction.response.defer(thinking=True, ephemeral=True)
            staged = await self.bot.run_blocking(self.admin.preview_url, url or "", who=who)
        await self._send(
            interaction, kb_replies.preview_reply(staged), view=preview_view(staged.id)
        )

    # -- list, show, remove, history, undo ------------------------------------------------------

    @app_commands.command(name="list", description="Files, with passages and last change.")
    @app_commands.describe(page="Page of 10 files (default 1).")
    @coach_only()
    async def list_files(
        self, interaction: discord.Interaction[CoachBot], page: app_commands.Range[int, 1] = 1
    ) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        files = await asyncio.to_thread(self.admin.list_files)
        await self._send(interaction, kb_replies.list_reply(files, page))

    @app_commands.command(name="show", description="The outline recovered from one file.")
    @app_commands.describe(file="File name, as /kb list shows it.")
    @coach_only()
    async def show(self, interaction: discord.Interaction[CoachBot], file: str) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        outline = await self.bot.run_blocking(self.admin.show, file)
        await self._send(interaction, kb_replies.outline_reply(outline))

    @app_commands.command(name="remove", description="Remove a file (asks to confirm; undoable).")
    @app_commands.describe(file="File name, as /kb list shows it.")
    @coach_only()
    async def remove(self, interaction: discord.Interaction[CoachBot], file: str) -> None:
        path = await asyncio.to_thread(self.admin.path_of, file)
        source = self.admin.source_of(path)
        reply = replies.notice(
            f"Remove `{source}` from the knowledge base? Its passages stop being used at once; "
            "the file is kept in the history and `/kb undo` brings it back.",
            title="Remove a file",
        )
        embeds = render_messages(reply)[0].embeds
        await interaction.response.send_message(
            embeds=embeds, view=remove_view(remove_key(source)), ephemeral=True
        )

    @show.autocomplete("file")
    @remove.autocomplete("file")
    async def _file_choices(
        self, interaction: discord.Interaction[CoachBot], current: str
    ) -> list[app_commands.Choice[str]]:
        files = await asyncio.to_thread(self.admin.list_files)
        wanted = current.casefold()
        names = [f.source for f in files if wanted in f.source.casefold()]
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]

    @app_commands.command(
        name="history", description="Every change, newest first, with who and when."
    )
    @app_commands.describe(file="Only this file's changes.")
    @coach_only()
    async def history(
        self, interaction: discord.Interaction[CoachBot], file: str | None = None
    ) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        changes = await asyncio.to_thread(self.admin.changes, file)
        await self._send(interaction, kb_replies.history_reply(changes, file))

    @app_commands.command(name="undo", description="Put a file back as it was before a change.")
    @app_commands.describe(change="The change number, from /kb history.")
    @coach_only()
    async def undo(
        self, interaction: discord.Interaction[CoachBot], change: app_commands.Range[int, 1]
    ) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        result = await self.bot.run_blocking(
            self.admin.undo, change, who=coach_name(interaction.user)
        )
        await self._send(interaction, kb_replies.change_reply(result))

    # -- planner citations and the weekly digest --------------------------------------------------

    def _citations_changed(self, report: CitationReport) -> None:
        """Called from the re-indexing thread: post to the review channel on the bot's loop."""
        if self.bot.settings.review_channel_id is None or self.bot.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self._post_citations(report), self.bot.loop)

    async def _post_citations(self, report: CitationReport) -> None:
        channel_id = self.bot.settings.review_channel_id
        if channel_id is None:
            return
        try:
            channel = self.bot.get_partial_messageable(channel_id)
            for out in render_messages(kb_replies.citations_alert(report)):
                await channel.send(embeds=out.embeds)
        except discord.HTTPException:
            log.exception("could not post the planner citation warning to the review channel")

    @tasks.loop(minutes=10)
    async def digest_loop(self) -> None:
        try:
            await self.post_digest_if_due(self.bot.clock())
        except Exception:
            log.exception("the weekly gap digest failed; it is retried in 10 minutes")

    @digest_loop.before_loop
    async def _before_digest(self) -> None:
        await self.bot.wait_until_ready()

    async def post_digest_if_due(self, now: datetime) -> bool:
        slot = parse_digest_slot(self.bot.settings.gap_digest)
        state = await asyncio.to_thread(DigestState.load, self.bot.settings.data_dir)
        if state.last_posted is None:
            # A new install counts from now: the first digest goes out at the next slot.
            state.last_posted = now
            await asyncio.to_thread(state.save, self.bot.settings.data_dir)
            return False
        if not digest_due(slot, now, state.last_posted):
            return False
        await self.post_digest(now)
        return True

    async def post_digest(self, now: datetime) -> None:
        """Post this week's digest to the review channel: a summary, then a message per topic."""
        channel_id = self.bot.settings.review_channel_id
        if channel_id is None:
            return
        questions = await asyncio.to_thread(self.bot.store.gap_questions, since=now - DIGEST_WINDOW)
        groups = group_gaps(questions)
        channel = self.bot.get_partial_messageable(channel_id)
        posts = kb_replies.digest_replies(groups, limit=DIGEST_TOPICS)
        for i, reply in enumerate(posts):
            view = gap_view(i - 1) if i else None
            out = render_messages(reply)
            for k, message in enumerate(out):
                if view is not None and k == len(out) - 1:
                    await channel.send(embeds=message.embeds, view=view)
                else:
                    await channel.send(embeds=message.embeds)
        state = await asyncio.to_thread(DigestState.load, self.bot.settings.data_dir)
        state.last_posted = now
        state.groups = [
            DigestGroup(label=g.label, questions=[q.question for q in g.questions])
            for g in groups[:DIGEST_TOPICS]
        ]
        await asyncio.to_thread(state.save, self.bot.settings.data_dir)


async def setup(bot: CoachBot) -> None:
    bot.add_dynamic_items(PreviewButton, RemoveButton, GapThreadButton)
    await bot.add_cog(KbCog(bot))
