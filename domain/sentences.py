"""Sentence splitting and content-word normalisation for the extractive chat model."""

from __future__ import annotations

import re

# Lines that stand on their own: list items and markdown headings.
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2023\u25aa\u2013]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
# A short line without closing punctuation ("Phone: 555-0100", "Shipping times") is a unit;
# a longer one is a wrapped piece of a paragraph.
_SHORT_LINE_WORDS = 8
# Sentence end: punctuation, optional closing quote or bracket, space, then a likely start.
_BOUNDARY = re.compile(
    r"[.!?]+[\"'\u201d\u2019)\]]*\s+"  # the end, with closing quotes or brackets
    r"(?=[\"'\u201c\u2018(\[]?[A-Z0-9$\u20ac\u00a3])"  # what can start the next one
)
_LAST_WORD = re.compile(r"(\S+)$")
# A full stop after these is not a sentence end ("e.g. Canada", "5 p.m. Monday").
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "vs", "approx", "mr", "mrs", "ms", "dr", "st", "inc", "ltd", "co", "jr"}
    | {"sr", "fig", "dept", "est", "a.m", "p.m", "u.s", "u.k", "no"}
)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`; list items and short lines are units; "4.5", "$7.95" stay whole."""
    units: list[str] = []
    for paragraph in _paragraphs(text):
        units.extend(_split_paragraph(paragraph))
    return [unit for unit in (" ".join(u.split()) for u in units) if unit]


def _paragraphs(text: str) -> list[str]:
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            paragraphs.append(" ".join(buffer))
            buffer.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
        elif _BULLET.match(line) or _HEADING.match(line) or _is_short_line(stripped):
            flush()
            paragraphs.append(_HEADING.sub("", _BULLET.sub("", stripped)))
        else:
            buffer.append(stripped)
    flush()
    return paragraphs


def _is_short_line(line: str) -> bool:
    return len(line.split()) <= _SHORT_LINE_WORDS and not line.endswith((".", "!", "?", ","))


def _split_paragraph(paragraph: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        before = _LAST_WORD.search(paragraph[start : match.start()])
        word = before.group(1).lstrip("([\"'").lower() if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # an abbreviation or an initial, not the end of a sentence
        sentences.append(paragraph[start : match.end()].strip())
        start = match.end()
    sentences.append(paragraph[start:].strip())
    return sentences


_STOP_TEXT = """
    a about after again all also am an and any are as at be been being both but by can
    could did do does doing done each else for from get gets got had has have having he
    her here hers him his how i if in into is it its just know let like long me mine
    more most much my need no nor not now of off on once only or other our ours out own
    please same she should so some such take tell than that the their theirs them then
    there these they this those to too up us very want was we were what when where which
    while who whom whose why will with would yes yet you your yours
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
# "US" the country is not "us" the pronoun.
_US = re.compile(r"\bU\.?S\.?(?:A\.?)?(?=\W|$)")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NO_UNDOUBLE = frozenset("lsz")


def stem(word: str) -> str:
    """Crude suffix stripping (plural -s/-es/-ies, -ing, -ed, final -e): "shipping" -> "ship"."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) > 4:
        word = _undouble(word[:-2])
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) > 2 and word[-1] == word[-2] and word[-1] not in _NO_UNDOUBLE:
        return word[:-1]
    return word


_STEMMED_STOP_WORDS = frozenset(stem(word) for word in _STOP_WORDS)


def content_terms(text: str) -> list[str]:
    """Stemmed content words of `text`, in order, stop words and contractions left out."""
    text = _US.sub(" usa ", text).replace("\u2019", "'").casefold()
    terms: list[str] = []
    for token in _TOKEN.findall(text):
        token = token.removesuffix("'s")
        if "'" in token or token in _STOP_WORDS or (len(token) < 2 and not token.isdigit()):
            continue
        stemmed = stem(token)
        if stemmed not in _STEMMED_STOP_WORDS:
            terms.append(stemmed)
    return terms
