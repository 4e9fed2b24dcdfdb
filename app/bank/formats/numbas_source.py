"""Numbas's own exam source format (the `.exam` files of the Numbas repository).

Older than the editor's JSON export and looser: `{ name: My exam  questions: [ ... ] }`, keys
unquoted (and case-insensitive: Numbas lower-cases them), one property per line or separated by
commas, undelimited values running to the end of the line (or to `,`, `]`, `}`, `:` or a `//`
comment), strings in `"..."`, `'...'` or triple quotes spanning lines. Values stay text except
`true`/`false`; numbers are kept as written, since answers are read exactly later. A syntax
error is an ImportRefused naming the line.
"""

from __future__ import annotations

import re
from typing import Any

from app.bank.formats.model import ImportRefused

MAX_DEPTH = 100
_KEY = re.compile(r"[\w']*")


class _Reader:
    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
        self.at = 0

    def fail(self, message: str) -> ImportRefused:
        line = self.text[:self.at].count("\n") + 1
        return ImportRefused(f"not a readable Numbas exam: {message}", f"{self.name}:{line}")

    def skip(self, newlines: bool = True) -> None:
        """Past spaces (and new lines, and `//` comments when `newlines`)."""
        while self.at < len(self.text):
            char = self.text[self.at]
            if char in " \t\r\f\v" or (newlines and char == "\n"):
                self.at += 1
            elif newlines and self.text.startswith("//", self.at):
                end = self.text.find("\n", self.at)
                self.at = len(self.text) if end < 0 else end + 1
            else:
                return

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"values are nested more than {MAX_DEPTH} deep")
        self.skip()
        char = self.peek()
        if char == "{":
            return self._object(depth)
        if char == "[":
            return self._array(depth)
        if char in "\"'":
            return self._string(char)
        if not char:
            raise self.fail("the file ends where a value is expected")
        return self._bare()

    def _separator(self, close: str) -> bool:
        """After an item: a new line or a comma goes on; the closing bracket ends."""
        self.skip(newlines=False)
        if self.text.startswith("//", self.at) or self.peek() == "\n":
            self.skip()
            return self.peek() != close
        if self.peek() == ",":
            self.at += 1
            self.skip()
            return True
        if self.peek() == close:
            return False
        raise self.fail(f"expected a comma, a new line or {close!r}")

    def _object(self, depth: int) -> dict[str, Any]:
        self.at += 1
        out: dict[str, Any] = {}
        self.skip()
        while self.peek() != "}":
            colon = self.text.find(":", self.at)
            key = self.text[self.at:colon].strip() if colon >= 0 else ""
            if colon < 0 or not _KEY.fullmatch(key):
                raise self.fail("expected a property name and a colon")
            self.at = colon + 1
            out[key.lower()] = self.value(depth + 1)
            if not self._separator("}"):
                break
        self.at += 1
        return out

    def _array(self, depth: int) -> list[Any]:
        self.at += 1
        out: list[Any] = []
        self.skip()
        while self.peek() != "]":
            if not self.peek():
                raise self.fail("expected ] to end a list")
            out.append(self.value(depth + 1))
            if not self._separator("]"):
                break
        self.at += 1
        return out

    def _string(self, quote: str) -> str:
        triple = quote * 3
        if self.text.startswith(triple, self.at):
            end = self.text.find(triple, self.at + 3)
            if end < 0:
                raise self.fail(f"expected {triple} to end a string")
            while self.text.startswith(quote, end + 3):  # quotes that belong to the string
                end += 1
            value, self.at = self.text[self.at + 3:end], end + 3
            return value
        end = self.text.find(quote, self.at + 1)
        if end < 0:
            raise self.fail(f"expected {quote} to end a string")
        value, self.at = self.text[self.at + 1:end], end + 1
        return value

    def _bare(self) -> Any:
        match = re.compile(r"(?:(?!//)[^\]}\n,:])*").match(self.text, self.at)
        assert match is not None
        self.at = match.end()
        value = match.group().strip()
        return {"true": True, "false": False}.get(value.lower(), value)


def load(text: str, name: str) -> Any:
    """The exam as plain data (dicts with lower-case keys, lists, text, booleans)."""
    reader = _Reader(text, name)
    data = reader.value()
    reader.skip()
    if reader.at < len(text):
        raise reader.fail("text after the end of the exam (an unmatched bracket?)")
    return data
