"""Text in documents that must never reach a visitor: instructions aimed at the assistant,
and links the visitor did not ask for (a poisoned document's favourite payload)."""

from __future__ import annotations

import re
from functools import lru_cache

INJECTION = re.compile(
    r"\bignore\b[^.]{0,40}\b(?:instructions?|prompts?|rules)\b|\bdisregard\b|\byou are now\b"
    r"|\bsystem prompt\b|\bas an ai\b|\bact as\b|\bdo not tell\b|\bnew instructions\b"
    r"|\bsend (?:all |the )?(?:visitors|customers|users)\b[^.]{0,12}\bto\b"
    r"|\btell (?:the )?(?:users?|visitors?|customers?) to (?:visit|go to|click)\b"
    r"|\bforget (?:all|everything|your)\b|</?\s*system\s*>",
    re.IGNORECASE,
)
URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+", re.IGNORECASE)


@lru_cache(maxsize=65_536)  # the same passages' sentences are checked for answer after answer
def looks_injected(sentence: str) -> bool:
    return INJECTION.search(sentence) is not None


def has_link(sentence: str) -> bool:
    return URL.search(sentence) is not None


HOST = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b", re.IGNORECASE)


def hosts(sentence: str) -> set[str]:
    return {h.lower() for h in HOST.findall(sentence) if not h[0].isdigit()}


class Scrubber:
    """What the sources of one answer allow, worked out once and applied to each piece of
    the answer (a streamed answer is scrubbed sentence by sentence)."""

    def __init__(self, sources: list[str]) -> None:
        from domain.sentences import split_sentences

        source_sentences = [s for source in sources for s in split_sentences(source)]
        self._clean = " ".join(s for s in source_sentences if not looks_injected(s)).lower()
        self._tainted = {h for s in source_sentences if looks_injected(s) for h in hosts(s)}

    def scrub(self, text: str) -> str:
        """`text` without the sentences a poisoned source could have planted: instructions
        to the assistant, hosts named by such instructions, and links no clean source
        contains. Unchanged (formatting included) when nothing had to go."""
        from domain.sentences import split_sentences

        sentences = split_sentences(text)
        kept = [
            s
            for s in sentences
            if not looks_injected(s)
            and not hosts(s) & self._tainted
            and all(url.lower() in self._clean for url in URL.findall(s))
        ]
        return text if len(kept) == len(sentences) else " ".join(kept)


def scrub(text: str, sources: list[str]) -> str:
    """`Scrubber(sources).scrub(text)`, for one piece of text."""
    return Scrubber(sources).scrub(text)
