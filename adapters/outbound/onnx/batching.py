"""Which texts go through the model together: a batch costs about its size times its longest
text (every row is padded to that length) plus a fixed cost per run, so texts of similar
lengths go together, and a short text is not padded to a long one's length to save a run.

On the support corpus (108 chunks, 12,764 tokens), each document's chunks in fixed batches
of 8 were padded to 18,580 tokens; planned here, to 13,015 (in 64 runs instead of 20):
less than fixed batches of the whole corpus sorted at once (13,552).
"""

from __future__ import annotations

# What one more run costs, in padded tokens. Measured in CPU seconds on the corpus's
# documents (2 vCPUs): 0, 16, 40 and 100 were within noise of each other and 10-25% under
# fixed batches of 8; a run's own overhead is small next to a token's work.
RUN_COST_TOKENS = 16


def plan_batches(
    lengths: list[int], max_size: int, run_cost: int = RUN_COST_TOKENS
) -> list[list[int]]:
    """Indices of `lengths` in batches of at most `max_size`, shortest texts first, split
    where size x longest + `run_cost` per batch adds up to the least."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    # best[j]: least cost of the first j texts in that order; cut[j]: where its last batch starts.
    best = [0] + [0] * len(order)
    cut = [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        longest = lengths[order[end - 1]]
        options = range(max(0, end - max_size), end)
        cut[end] = min(options, key=lambda start: best[start] + (end - start) * longest)
        best[end] = best[cut[end]] + (end - cut[end]) * longest + run_cost
    batches: list[list[int]] = []
    end = len(order)
    while end > 0:
        batches.append(order[cut[end] : end])
        end = cut[end]
    return batches[::-1]
