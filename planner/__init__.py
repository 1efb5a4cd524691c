"""Rule-based strength planner: a runner's week in, a cited plan out."""
