"""The Discord adapter: a discord.py bot whose cogs call `bot.commands` and render embeds."""
