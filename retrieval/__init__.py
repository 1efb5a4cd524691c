"""Knowledge in, passages out: `ingest/` loads, cleans, chunks, embeds and indexes the guides;
`search/` is the hybrid search over the live index and the decision to abstain.

Both sides share the rest: the models, errors and Protocols, the embedding model, the Chroma
store, the manifest, the sentence vectors, the judge, and `retrieval.text`, the one text toolkit
(words, stopwords, stems, sentences, trim, message splitting) that every other package uses.
Imports no other Club Coach package.
"""
