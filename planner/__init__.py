"""Rule-based strength planner: a runner's week in, a cited plan out.

Rules and the exercise catalogue are data (`planner/data/`) citing passages of the guides; the
code is pure functions over pydantic models. Imports only `retrieval` (chunks and errors).
"""
