"""Knowledge in: a knowledge file's bytes to clean, sectioned, chunked passages (under limits),
and the incremental indexer that embeds them into the live index, one writer at a time.
"""
