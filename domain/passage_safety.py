"""Text in documents that must never reach a visitor: instructions aimed at the assistant,
and links the visitor did not ask for (a poisoned document's favourite payload)."""

from __future__ import annotations

import re

INJECTION = re.compile(
    r"\bignore\b[^.]{0,40}\b(?:instructions?|prompts?|rules)\b|\bdisregard\b|\byou are now\b"
    r"|\bsystem prompt\b|\bas an ai\b|\bact as\b|\bdo not tell\b|\bnew instructions\b"
    r"|\bsend (?:all |the )?(?:visitors|customers|users)\b[^.]{0,12}\bto\b"
    r"|\btell (?:the )?(?:users?|visitors?|customers?) to (?:visit|go to|click)\b"
    r"|\bforget (?:all|everything|your)\b|</?\s*system\s*>",
    re.IGNORECASE,
)
URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+", re.IGNORECASE)


def looks_injected(sentence: str) -> bool:
    return INJECTION.search(sentence) is not None


def has_link(sentence: str) -> bool:
    return URL.search(sentence) is not None
