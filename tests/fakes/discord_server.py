"""A loopback fake of Discord: the REST routes discord.py calls and a gateway websocket.

The real discord.py client talks to it once `discord.http.Route.BASE` points at `api_base`;
the gateway URL is whatever `GET /gateway/bot` returns, i.e. this server's `/gateway`.
Every REST call is recorded (with its arrival time) so tests can assert on deferred
responses, follow-up embeds, threads and attachments.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

GATEWAY_HELLO, GATEWAY_HEARTBEAT, GATEWAY_IDENTIFY, GATEWAY_HEARTBEAT_ACK = 10, 1, 2, 11
GATEWAY_DISPATCH, GATEWAY_RESUME, GATEWAY_RECONNECT = 0, 6, 7

CHANNEL_TEXT, CHANNEL_DM, CHANNEL_PUBLIC_THREAD = 0, 1, 11
INTERACTION_COMMAND, INTERACTION_COMPONENT, INTERACTION_AUTOCOMPLETE = 2, 3, 4
INTERACTION_MODAL = 5
OPTION_SUB_COMMAND, OPTION_STRING, OPTION_INTEGER = 1, 3, 4
OPTION_ATTACHMENT = 11
TOKEN_LIFE_S = 15 * 60  # an interaction token's follow-up webhook lives 15 minutes


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    """One REST request the client made."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]] = field(default_factory=list)
    at: float = 0.0  # time.perf_counter() on arrival
    status: int = 0
    response: Any = None


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


class FakeDiscord:
    """Discord's REST API and gateway on 127.0.0.1, for one bot, one guild and a few users."""

    def __init__(self, *, coach_role: str = "Coach") -> None:
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self.app_id = self.snowflake()
        self.bot = FakeUser(self.app_id, "Club Coach", bot=True)
        self.guild_id = self.snowflake()
        self.coach_role_id = self.snowflake()
        self.coach_role = coach_role
        self.channel_id = self.snowflake()
        self.review_channel_id = self.snowflake()
        self.member = FakeUser(self.snowflake(), "runner")
        self.coach = FakeUser(self.snowflake(), "coach")
        self.users = [self.member, self.coach, self.bot]
        self.sent_at: dict[str, float] = {}  # interaction token -> perf_counter() when sent
        self.issued_at: dict[str, float] = {}  # interaction token -> time.monotonic() when made
        self.closed_dms: set[int] = set()  # users whose privacy settings refuse the bot's DMs
        self.reject_token = False  # answer 401 to every request, as for a wrong token
        self.calls: list[Call] = []
        self.commands: dict[tuple[int | None, str], dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[str, dict[str, Any]] = {}  # token -> interaction payload
        self.uploads: dict[int, bytes] = {}  # attachment id -> bytes served on /attachments
        self.identified = asyncio.Event()
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        for cid, name in ((self.channel_id, "training"), (self.review_channel_id, "coach-review")):
            self.channels[cid] = self._text_channel(cid, name)

    # -- lifecycle ----------------------------------------------------------------------------

    def snowflake(self) -> int:
        return next(self._ids)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{id}/{name}", self._attachment_bytes)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- waiting on what the client did ---------------------------------------------------------

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """The first recorded call matching `predicate`, waiting for it if needed."""

        async def first() -> Call:
            async with self._changed:
                while True:
                    for call in self.calls:
                        if predicate(call):
                            return call
                    await self._changed.wait()

        return await asyncio.wait_for(first(), timeout)

    async def wait_for_count(
        self, predicate: Callable[[Call], bool], count: int, timeout: float = 30.0
    ) -> list[Call]:
        async def enough() -> list[Call]:
            async with self._changed:
                while True:
                    found = [c for c in self.calls if predicate(c)]
                    if len(found) >= count:
                        return found
                    await self._changed.wait()

        return await asyncio.wait_for(enough(), timeout)

    def add_user(self, username: str) -> FakeUser:
        """Another server member (no coach role)."""
        user = FakeUser(self.snowflake(), username)
        self.users.append(user)
        return user

    async def interact(self, payload: dict[str, Any]) -> None:
        """Deliver an interaction (or a message, for MESSAGE_CREATE payloads) to the bot."""
        event = "INTERACTION_CREATE" if "token" in payload else "MESSAGE_CREATE"
        if "token" in payload:
            self.sent_at[payload["token"]] = time.perf_counter()
        await self.dispatch(event, payload)

    async def callback(self, payload: dict[str, Any], timeout: float = 10.0) -> Call:
        """The bot's initial response to an interaction (defer, message, modal...)."""
        prefix = f"/interactions/{payload['id']}/"
        return await self.wait_for(lambda c: c.path.startswith(prefix), timeout)

    async def followups(
        self, payload: dict[str, Any], count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        """Follow-up messages the bot sent with an interaction's token."""
        path = f"/webhooks/{self.app_id}/{payload['token']}"
        return await self.wait_for_count(
            lambda c: c.method == "POST" and c.path == path, count, timeout
        )

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        rx = re.compile(pattern)
        return [c for c in self.calls if c.method == method and rx.fullmatch(c.path)]

    # -- gateway --------------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH event to every connected client."""
        await self.identified.wait()
        for ws in list(self._sockets):
            await self._send(ws, {"op": GATEWAY_DISPATCH, "t": event, "d": data})

    async def request_reconnect(self) -> None:
        """Op 7 RECONNECT to every client, as Discord sends before moving a session."""
        for ws in list(self._sockets):
            await self._send(ws, {"op": GATEWAY_RECONNECT, "d": None})

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        if payload["op"] == GATEWAY_DISPATCH:
            self._seq += 1
            payload["s"] = self._seq
        else:
            payload.setdefault("s", None)
        payload.setdefault("t", None)
        await ws.send_str(json.dumps(payload))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._send(ws, {"op": GATEWAY_HELLO, "d": {"heartbeat_interval": 41_250}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                if payload["op"] == GATEWAY_HEARTBEAT:
                    await self._send(ws, {"op": GATEWAY_HEARTBEAT_ACK})
                elif payload["op"] in (GATEWAY_IDENTIFY, GATEWAY_RESUME):
                    shard = payload["d"].get("shard", [0, 1])
                    await self._send(
                        ws, {"op": GATEWAY_DISPATCH, "t": "READY", "d": self._ready(shard)}
                    )
                    await self._send(
                        ws, {"op": GATEWAY_DISPATCH, "t": "GUILD_CREATE", "d": self._guild()}
                    )
                    self.identified.set()
        finally:
            self._sockets.remove(ws)
        return ws

    def _ready(self, shard: list[int]) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "shard": shard,
            "application": {"id": str(self.app_id), "flags": 0},
        }

    def _role(self, role_id: int, name: str) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "hoist": False,
            "position": 1,
            "permissions": "0",
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def _member(self, user: FakeUser) -> dict[str, Any]:
        roles = [str(self.coach_role_id)] if user is self.coach else []
        return {
            "user": user.payload(),
            "roles": roles,
            "joined_at": _now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "permissions": "2248473465835073",
        }

    def _guild(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id),
            "name": "Fake Running Club",
            "owner_id": str(self.coach.id),
            "roles": [
                self._role(self.guild_id, "@everyone"),
                self._role(self.coach_role_id, self.coach_role),
            ],
            "channels": [c for c in self.channels.values() if c["type"] == CHANNEL_TEXT],
            "threads": [],
            "members": [self._member(self.bot)],
            "member_count": 3,
            "emojis": [],
            "stickers": [],
            "features": [],
            "unavailable": False,
            "large": False,
            "joined_at": _now_iso(),
            "voice_states": [],
            "presences": [],
        }

    def _text_channel(self, channel_id: int, name: str) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": CHANNEL_TEXT,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "topic": None,
            "last_message_id": None,
        }

    def dm_channel(self, user: FakeUser) -> dict[str, Any]:
        for channel in self.channels.values():
            if channel["type"] == CHANNEL_DM and channel["recipients"][0]["id"] == str(user.id):
                return channel
        channel = {
            "id": str(self.snowflake()),
            "type": CHANNEL_DM,
            "recipients": [user.payload()],
            "last_message_id": None,
        }
        self.channels[int(channel["id"])] = channel
        return channel

    # -- building events the tests send -----------------------------------------------------------

    def _interaction_base(
        self, kind: int, user: FakeUser, channel_id: int | None
    ) -> dict[str, Any]:
        interaction_id = self.snowflake()
        channel = self.channels[channel_id or self.channel_id]
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.app_id),
            "type": kind,
            "token": f"token-{interaction_id}",
            "version": 1,
            "channel_id": channel["id"],
            "channel": channel,
            "locale": "en-US",
            "app_permissions": "2248473465835073",
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
        }
        if channel["type"] == CHANNEL_DM:
            payload["user"] = user.payload()
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"1": str(user.id)}
        else:
            payload.update(
                guild_id=str(self.guild_id),
                guild={"id": str(self.guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=self._member(user),
                context=0,
                authorizing_integration_owners={"0": str(self.guild_id)},
            )
        self.interactions[payload["token"]] = payload
        self.issued_at[payload["token"]] = time.monotonic()
        return payload

    def expire_token(self, token: str) -> None:
        """Age an interaction token past its 15 minutes, as if that much time had passed."""
        self.issued_at[token] = time.monotonic() - TOKEN_LIFE_S - 1

    def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        user: FakeUser | None = None,
        channel_id: int | None = None,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND interaction for a synced command (`sub` for a group)."""
        payload = self._interaction_base(INTERACTION_COMMAND, user or self.member, channel_id)
        command = self.commands.get((self.guild_id, name)) or self.commands[(None, name)]
        opts = []
        resolved: dict[str, dict[str, Any]] = {}
        for k, v in (options or {}).items():
            if isinstance(v, dict) and "filename" in v:  # from `upload()`
                resolved[v["id"]] = v
                opts.append({"name": k, "type": OPTION_ATTACHMENT, "value": v["id"]})
                continue
            kind = OPTION_INTEGER if isinstance(v, int) else OPTION_STRING
            opts.append({"name": k, "type": kind, "value": v})
        if sub is not None:
            opts = [{"name": sub, "type": OPTION_SUB_COMMAND, "options": opts}]
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": opts}
        if resolved:
            data["resolved"] = {"attachments": resolved}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        payload["data"] = data
        return payload

    def upload(
        self,
        filename: str,
        data: bytes,
        content_type: str | None = None,
        *,
        size: int | None = None,
    ) -> dict[str, Any]:
        """An attachment a person uploads with a slash command; its bytes are served on loopback.

        `size` overrides the announced size (a 20 MB upload without sending 20 MB around).
        """
        attachment_id = self.snowflake()
        self.uploads[attachment_id] = data
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
        payload: dict[str, Any] = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data) if size is None else size,
            "url": url,
            "proxy_url": url,
            "ephemeral": True,
        }
        if content_type:
            payload["content_type"] = content_type
        return payload

    async def _attachment_bytes(self, request: web.Request) -> web.Response:
        data = self.uploads.get(int(request.match_info["id"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def autocomplete(
        self, name: str, options: dict[str, Any], focused: str, *, user: FakeUser | None = None
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND_AUTOCOMPLETE interaction while typing option `focused`."""
        payload = self.slash(name, options, user=user)
        payload["type"] = INTERACTION_AUTOCOMPLETE
        for option in payload["data"]["options"]:
            option["focused"] = option["name"] == focused
        return payload

    def component(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        values: list[str] | None = None,
        user: FakeUser | None = None,
    ) -> dict[str, Any]:
        """A MESSAGE_COMPONENT interaction: a button press, or a select when `values` is given."""
        payload = self._interaction_base(
            INTERACTION_COMPONENT, user or self.member, int(message["channel_id"])
        )
        payload["message"] = message
        payload["data"] = {"custom_id": custom_id, "component_type": 3 if values else 2}
        if values is not None:
            payload["data"]["values"] = values
        return payload

    def modal_submit(
        self,
        custom_id: str,
        fields: dict[str, str],
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A MODAL_SUBMIT; `message` is the message whose button opened the form, if one did."""
        if message is not None:
            channel_id = int(message["channel_id"])
        payload = self._interaction_base(INTERACTION_MODAL, user or self.member, channel_id)
        if message is not None:
            payload["message"] = message
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in fields.items()
        ]
        payload["data"] = {"custom_id": custom_id, "components": rows}
        return payload

    def user_message(
        self,
        content: str,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        mention_bot: bool = True,
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload from a person (in the guild channel, a thread or a DM)."""
        user = user or self.member
        channel = self.channels[channel_id or self.channel_id]
        message = self._message(int(channel["id"]), user, content)
        message["mentions"] = [self.bot.payload()] if mention_bot else []
        if channel["type"] != CHANNEL_DM:
            message["guild_id"] = str(self.guild_id)
            member = self._member(user)
            member.pop("user")
            message["member"] = member
        self.messages[int(message["id"])] = message
        return message

    def buttons(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Every component (button, select) on a message, flattened out of its rows."""
        return [c for row in message.get("components", []) for c in row.get("components", [])]

    # -- REST -----------------------------------------------------------------------------------

    def _message(self, channel_id: int, author: FakeUser, content: str = "") -> dict[str, Any]:
        return {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }

    def _bot_message(self, channel_id: int, body: dict[str, Any], files: list) -> dict[str, Any]:
        message = self._message(channel_id, self.bot, body.get("content") or "")
        message["embeds"] = body.get("embeds") or []
        message["components"] = body.get("components") or []
        message["flags"] = body.get("flags") or 0
        message["allowed_mentions"] = body.get("allowed_mentions")
        message["message_reference"] = body.get("message_reference")
        message["attachments"] = [
            {
                "id": str(self.snowflake()),
                "filename": name,
                "size": len(data),
                "url": f"http://127.0.0.1:{self.port}/files/{name}",
                "proxy_url": f"http://127.0.0.1:{self.port}/files/{name}",
            }
            for name, data in files
        ]
        if message["message_reference"] is None:
            del message["message_reference"]
        if channel_id in self.channels and self.channels[channel_id]["type"] != CHANNEL_DM:
            message["guild_id"] = str(self.guild_id)
        self.messages[int(message["id"])] = message
        return message

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(data)
                else:
                    files.append((part.filename or part.name or "file", bytes(data)))  # type: ignore[union-attr]
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        body, files = await self._read_body(request)
        path = "/" + request.match_info["tail"]
        call = Call(request.method, path, dict(request.query), body, files, arrived)
        try:
            status, payload = self._route(call)
        except KeyError as exc:
            status, payload = 404, {"message": f"Unknown {exc}", "code": 10003}
        call.status, call.response = status, payload
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if status == 204:
            return web.Response(status=204)
        # discord.py parses JSON only when the content type is exactly this (no charset).
        return web.Response(
            body=json.dumps(payload).encode(),
            status=status,
            headers={"Content-Type": "application/json"},
        )

    def _route(self, call: Call) -> tuple[int, Any]:
        m, p, body = call.method, call.path, call.json or {}
        app = str(self.app_id)
        if self.reject_token:
            return 401, {"message": "401: Unauthorized", "code": 0}
        if (m, p) == ("GET", "/users/@me"):
            return 200, {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        if (m, p) == ("GET", "/oauth2/applications/@me"):
            return 200, {
                "id": app,
                "name": "Club Coach",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.coach.payload(),
                "flags": 0,
            }
        if (m, p) == ("GET", "/gateway/bot"):
            return 200, {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if match := re.fullmatch(rf"/applications/{app}(?:/guilds/(\d+))?/commands", p):
            guild = int(match.group(1)) if match.group(1) else None
            if m == "GET":
                return 200, [c for (g, _), c in self.commands.items() if g == guild]
            synced = []
            for command in body:
                stored = {
                    **command,
                    "id": str(self.snowflake()),
                    "application_id": app,
                    "version": "1",
                    "guild_id": str(guild) if guild else None,
                }
                self.commands[(guild, command["name"])] = stored
                synced.append(stored)
            return 200, synced
        if match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p):
            return self._callback(match.group(1), match.group(2), body, call.files)
        if match := re.fullmatch(rf"/webhooks/{app}/([^/]+)(?:/messages/([^/]+))?", p):
            token, target = match.group(1), match.group(2)
            interaction = self.interactions[token]
            if time.monotonic() - self.issued_at.get(token, time.monotonic()) > TOKEN_LIFE_S:
                return 401, {"message": "Invalid Webhook Token", "code": 50027}
            channel_id = int(interaction["channel_id"])
            if m == "POST":
                return 200, self._bot_message(channel_id, body, call.files)
            if target == "@original":
                target = (
                    interaction.get("_original_id") or self._bot_message(channel_id, {}, [])["id"]
                )
                interaction["_original_id"] = target
            if m == "PATCH":
                message = self.messages[int(target)]
                message.update(
                    {k: v for k, v in body.items() if k in ("content", "embeds", "components")}
                )
                message["edited_timestamp"] = _now_iso()
                return 200, message
            if m == "DELETE":
                self.messages.pop(int(target), None)
                return 204, None
            return 200, self.messages[int(target)]
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", p):
            return 200, self._start_thread(int(match.group(1)), int(match.group(2)), body)
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", p):
            message = self.messages[int(match.group(2))]
            if m == "PATCH":
                message.update(
                    {k: v for k, v in body.items() if k in ("content", "embeds", "components")}
                )
            return 200, message
        if match := re.fullmatch(r"/channels/(\d+)/messages", p):
            channel = self.channels.get(int(match.group(1)), {})
            if m == "POST" and self._dm_refused(channel):
                return 403, {"message": "Cannot send messages to this user", "code": 50007}
            if m == "POST":
                return 200, self._bot_message(int(match.group(1)), body, call.files)
            return 200, [v for v in self.messages.values() if v["channel_id"] == match.group(1)]
        if match := re.fullmatch(r"/channels/(\d+)/typing", p):
            return 204, None
        if match := re.fullmatch(r"/channels/(\d+)", p):
            return 200, self.channels[int(match.group(1))]
        if (m, p) == ("POST", "/users/@me/channels"):
            return 200, self.dm_channel(self._user(int(body["recipient_id"])))
        return 404, {"message": f"Unknown route {m} {p}", "code": 0}

    def _dm_refused(self, channel: dict[str, Any]) -> bool:
        if channel.get("type") != CHANNEL_DM:
            return False
        return int(channel["recipients"][0]["id"]) in self.closed_dms

    def _user(self, user_id: int) -> FakeUser:
        return next(u for u in self.users if u.id == user_id)

    def _callback(
        self, interaction_id: str, token: str, body: dict[str, Any], files: list
    ) -> tuple[int, Any]:
        interaction = self.interactions[token]
        kind = body["type"]
        data = body.get("data") or {}
        ephemeral = bool((data.get("flags") or 0) & 64)
        resource: dict[str, Any] = {"type": kind}
        response_message_id = None
        channel_id = int(interaction["channel_id"])
        if kind == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            message = self._bot_message(channel_id, data, files)
            interaction["_original_id"] = message["id"]
            resource["message"] = message
            response_message_id = message["id"]
        elif kind == 5:  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            message = self._bot_message(channel_id, {"flags": data.get("flags")}, [])
            interaction["_original_id"] = message["id"]
            response_message_id = message["id"]
        elif kind == 7 and "message" in interaction:  # UPDATE_MESSAGE
            message = self.messages.get(int(interaction["message"]["id"]), interaction["message"])
            message.update(
                {k: v for k, v in data.items() if k in ("content", "embeds", "components")}
            )
            resource["message"] = message
        return 200, {
            "interaction": {
                "id": interaction_id,
                "type": interaction["type"],
                "response_message_id": response_message_id,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            },
            "resource": resource,
        }

    def _start_thread(self, channel_id: int, message_id: int, body: dict[str, Any]) -> dict:
        thread_id = message_id  # Discord gives a thread started from a message the message's id
        thread = {
            "id": str(thread_id),
            "type": CHANNEL_PUBLIC_THREAD,
            "guild_id": str(self.guild_id),
            "parent_id": str(channel_id),
            "owner_id": str(self.bot.id),
            "name": body["name"],
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": _now_iso(),
                "locked": False,
            },
        }
        self.channels[thread_id] = thread
        self.messages[message_id]["thread"] = thread
        asyncio.get_running_loop().create_task(
            self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        )
        return thread
