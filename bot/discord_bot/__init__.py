"""The Discord adapter: a discord.py bot whose cogs call `bot.replies` and render embeds."""
