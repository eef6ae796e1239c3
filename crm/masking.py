"""Masking of client phone and ID numbers for anything that leaves the system of record."""

from __future__ import annotations

import re

# Mainland mobiles (optionally +86), 18-char PRC IDs (last char may be X) and old 15-digit IDs.
_ID_18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID_15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{5}(\d{4})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[ -]?)?1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")


def mask_phone(phone: str | None) -> str:
    """138****5678 style: keep the first 3 and last 4 digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    """Keep the first 3 and last 2 characters of an ID number."""
    if not id_number:
        return ""
    value = id_number.strip()
    if len(value) <= 5:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 5)}{value[-2:]}"


def mask_text(text: str) -> str:
    """Mask every phone or ID number that appears anywhere in free text (logs, notes)."""
    text = _ID_18.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _ID_15.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
