"""The surfaces and their wiring: settings, the app service, reply builders, CLI, console, Discord.

`settings` is the one Settings class; `app` builds retriever, answerer and planner once;
`replies` builds the transport-neutral replies every surface renders; `cli`, `console` and
`discord_bot` are the adapters; `store` and `gaps` keep feedback and the gap report; `kb` is the
coaches' knowledge-base admin. Nothing outside `bot` imports it.
"""
