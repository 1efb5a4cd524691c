"""Passages out: hybrid search over the live index (MiniLM vectors and BM25, fused), the question
expansion, and when to answer, caveat or abstain.
"""
