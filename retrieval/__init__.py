"""Knowledge ingestion, indexing and hybrid retrieval for Club Coach."""
