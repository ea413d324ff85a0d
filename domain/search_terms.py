"""The words keyword search indexes and looks for: one tokeniser for every adapter.

Codes stay whole: "E-2047", "4.5.4", "XR-4471" and "v2.1" are one term each (and their
parts are terms too, so "XR 4471" still finds "XR-4471"). Words are lowercased and lightly
stemmed for English plurals and verb endings ("resets", "resetting" and "reset" meet);
terms with digits are never stemmed. The PostgreSQL adapter stores exactly these terms
(computed here, in Python), so memory and PostgreSQL search the same vocabulary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_TOKEN = re.compile(r"[^\W_]+(?:[-./:'][^\W_]+)*")
_JOINER = re.compile(r"[-./:']")
_MAX_TERM = 60  # longer "words" are hashes or garbage, and bloat the index
_VOWEL = re.compile(r"[aeiouy]")


def stem(word: str) -> str:
    """A light English stemmer: plural -s/-es/-ies, -ing, -ed. Conservative by design: it
    never shortens a word below three letters, and leaves anything with a digit alone."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        root = word[: -len(suffix)]
        if word.endswith(suffix) and len(root) >= 3 and _VOWEL.search(root):
            if len(root) > 3 and root[-1] == root[-2] and root[-1] not in "lsz":
                root = root[:-1]  # "resetting" -> "reset"
            word = root
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # "expire", "expires", "expired" -> "expir"
    return word


def terms(text: str) -> list[str]:
    """Every term of `text` in order, repeats kept (for term frequencies)."""
    out: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        token = match.group()
        if len(token) > _MAX_TERM:
            continue
        if _JOINER.search(token):
            out.append(token)
            out.extend(stem(part) for part in _JOINER.split(token) if part)
        else:
            out.append(stem(token))
    return out


def chunk_terms(heading: str | None, text: str) -> list[str]:
    """The distinct terms a chunk is found by: its heading's and its text's."""
    return list(chunk_term_counts(heading, text))


def chunk_term_counts(heading: str | None, text: str) -> Counter[str]:
    """How often each of `chunk_terms` occurs in the chunk, in the same order."""
    return Counter(terms(f"{heading or ''}\n{text}"))


@dataclass(frozen=True, slots=True)
class TermCounts:
    """What BM25 needs of one chunk: how often each asked term occurs in it, and how many
    terms it has in all. Stores keep the counts with the chunk, so a search reads them
    instead of tokenising its candidates' text again."""

    length: int
    counts: Mapping[str, int]

    def __getitem__(self, term: str) -> int:
        return self.counts.get(term, 0)

    @classmethod
    def of(cls, bag: Mapping[str, int], asked: Iterable[str]) -> TermCounts:
        return cls(sum(bag.values()), {t: bag[t] for t in asked if bag.get(t)})


def raw_words(text: str) -> list[str]:
    """The lowercased tokens, unstemmed and unsplit (to recognise stop words)."""
    return [m.group() for m in _TOKEN.finditer(text.lower()) if len(m.group()) <= _MAX_TERM]
