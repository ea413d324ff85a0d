"""Stored file names: the last path part, nothing that moves, hides or spoofs text."""

from __future__ import annotations

import pytest

from domain.documents import sanitise_filename


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.ini", "win.ini"),
        ("/var/lib/secret.txt", "secret.txt"),
        ("inv\x07oice\r\n.txt", "invoice.txt"),
        ("report\u202etxt.exe", "reporttxt.exe"),  # would read "reportexe.txt"
        ("a\u200bb\u2066c.md", "abc.md"),
        ("a\x85b.txt", "ab.txt"),  # C1 controls too
        ('<>:"|?*.txt', ".txt".lstrip(".") or "document"),
        ("", "document"),
        (None, "document"),
        ("...hidden", "hidden"),
        ("Ünïcödé résumé.pdf", "Ünïcödé résumé.pdf"),
        ("x" * 300, "x" * 200),
    ],
)
def test_a_filename_is_stored_harmless(raw: str | None, stored: str) -> None:
    assert sanitise_filename(raw) == stored
