"""Knowledge in, passages out: load, clean, chunk, embed and index the guides; hybrid search.

`retrieval.text` is the one text toolkit (words, stopwords, stems, sentences, trim, message
splitting) that every other package uses. Imports no other Club Coach package.
"""
