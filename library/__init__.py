"""The coaches' library: preview, add, remove, history and undo, lint, gaps, plan citations.

Core behaviour the console, `coach kb` and Discord's `/kb` share through one service,
`library.admin.KnowledgeAdmin`; nothing here knows a surface.
"""
