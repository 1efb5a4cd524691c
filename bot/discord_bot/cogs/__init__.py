"""One cog per user-facing command group."""
