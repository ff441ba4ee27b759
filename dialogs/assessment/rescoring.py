"""Recompute stored results from stored answers, e.g. after a new scoring key is published.

A stored result is only a cache: the answers (option ids), the questionnaire version and the seed
are the truth. Rescoring reads them in batches and rewrites results that come out different.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from dialogs.assessment import validation
from dialogs.assessment.loader import load_questionnaire, load_scoring_key
from dialogs.assessment.scoring import score_stored
from dialogs.errors import ContentError
from storage.uow import Database


@dataclass(frozen=True, slots=True)
class RescoreReport:
    """What a run found."""

    checked: int
    changed: int
    skipped: int
    """Sessions the requested key cannot score (it lacks weights for their options)."""


async def rescore(
    db: Database,
    *,
    key_version: str | None = None,
    batch: int = 200,
    progress: Callable[[int], None] = lambda _n: None,
) -> RescoreReport:
    """Rescore every finished session with its own key, or with ``key_version`` where it fits."""
    checked = changed = skipped = 0
    after: uuid.UUID | None = None
    while True:
        async with db.unit_of_work() as uow:
            ids = await uow.assessments.complete_ids(after=after, limit=batch)
            for session_id in ids:
                session = await uow.assessments.get(session_id)
                key = load_scoring_key(key_version or session.key_version)
                # The same questions scored with another key: a copy that names that key.
                questionnaire = replace(
                    load_questionnaire(session.questionnaire, session.questionnaire_version),
                    key_version=key.version,
                )
                try:
                    validation.validate_questionnaire(questionnaire, key)
                except ContentError:
                    skipped += 1
                    continue
                stored = await uow.assessments.answers(session_id)
                result = score_stored(questionnaire, key, stored, session.seed)
                checked += 1
                if result.to_dict() != session.result:
                    await uow.assessments.set_result(
                        session_id,
                        result=result.to_dict(),
                        key_version=key.version,
                        top_style=result.top_style,
                    )
                    changed += 1
            await uow.commit()
        if not ids:
            break
        after = ids[-1]
        progress(len(ids))
    return RescoreReport(checked=checked, changed=changed, skipped=skipped)
