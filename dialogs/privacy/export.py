"""/mydata: everything held about a person, as a readable chat summary, JSON and XLSX.

Built from the data inventory (``storage.inventory``), so a new personal column appears in the
export without anyone remembering to add it here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dialogs.i18n import Texts, long_date
from dialogs.markup import escape
from dialogs.registration.fields import FieldRules, email_label
from dialogs.spreadsheets import Cell, xlsx_bytes
from storage.people import Profile


@dataclass(frozen=True, slots=True)
class DataExport:
    """The files and the summary of one /mydata request."""

    summary: str
    json: bytes
    xlsx: bytes


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | bytes):
        return str(value) if isinstance(value, uuid.UUID) else value.hex()
    return value


def _cell(value: Any) -> Cell:
    if isinstance(value, str | int | float | bool | datetime) or value is None:
        return value
    return str(_plain(value))


def build(
    texts: Texts,
    *,
    rows: Mapping[str, Sequence[Mapping[str, Any]]],
    people: Sequence[Profile],
    organisations: Mapping[uuid.UUID, str],
    bands: Mapping[str, str],
    generated: datetime,
    rules: FieldRules,
) -> DataExport:
    """The summary and files for everything in ``rows`` (from ``Inventory.rows``).

    ``bands`` maps outdoor-time band ids to their labels in the reader's language.
    """
    _ = texts.gettext
    document = {
        "generated_at": generated.isoformat(),
        "tables": {
            table: [{key: _plain(value) for key, value in row.items()} for row in table_rows]
            for table, table_rows in rows.items()
        },
    }
    sheets: dict[str, list[list[Cell]]] = {}
    for table, table_rows in rows.items():
        columns = sorted({key for row in table_rows for key in row})
        sheets[table] = [
            [*columns],
            *([_cell(row.get(column)) for column in columns] for row in table_rows),
        ]
    lines = [
        _("<b>Everything I keep about you</b> ({date})").format(date=long_date(texts, generated))
    ]
    for person in people:
        lines.append("")
        lines.append(f"<b>{escape(person.nickname or '?')}</b>")
        for label, value in (
            (_("Last name"), person.last_name),
            (_("Age"), person.age),
            (email_label(_, person, rules), person.email),
            (_("Address"), person.address),
            (_("Outside"), bands.get(person.outdoor_band or "", person.outdoor_band)),
            (_("Password"), _("set") if person.has_password else None),
        ):
            if value is not None:
                lines.append(f"{label}: {escape(value)}")
        sessions = [r for r in rows.get("assessments", []) if r.get("person_id") == person.id]
        finished = [r for r in sessions if r.get("status") == "complete"]
        lines.append(
            _("Quizzes: {started} started, {finished} finished").format(
                started=len(sessions), finished=len(finished)
            )
        )
        for consent in rows.get("consents", []):
            if consent.get("person_id") != person.id:
                continue
            given = long_date(texts, consent["given_at"]) if consent.get("given_at") else "?"
            if consent.get("organisation_id"):
                name = organisations.get(consent["organisation_id"], "?")
                state = _("stopped") if consent.get("withdrawn_at") else _("sees your data")
                lines.append(
                    _("Organisation {org}: {state} (since {date})").format(
                        org=escape(name), state=state, date=given
                    )
                )
            elif consent.get("withdrawn_at"):  # kept as proof, no longer in force
                lines.append(
                    _("Agreed to privacy policy {version} on {date} (no longer in force)").format(
                        version=escape(consent.get("policy_version", "?")), date=given
                    )
                )
            else:
                lines.append(
                    _("Agreed to privacy policy {version} on {date}").format(
                        version=escape(consent.get("policy_version", "?")), date=given
                    )
                )
    lines.append("")
    lines.append(_("The files below hold all of it: JSON for computers, XLSX for spreadsheets."))
    return DataExport(
        summary="\n".join(lines),
        json=json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
        xlsx=xlsx_bytes(sheets),
    )
