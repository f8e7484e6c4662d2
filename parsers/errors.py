"""Errors of the parsing pipeline.

ParseError                 base: something about the input is wrong
└── DocumentError          a file that cannot be read as a plan document
                           (empty, binary, unknown format, corrupt)

HolidayDataMissing         a warning: a year the holiday calendar does not
                           cover yet; Monday to Friday are taken as working days
"""

from __future__ import annotations


class ParseError(Exception):
    """Base of every error the parsers raise on bad input."""


class DocumentError(ParseError):
    """A document that cannot be read; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class HolidayDataMissing(UserWarning):
    """The holiday calendar has no data for a year; weekends were used."""
