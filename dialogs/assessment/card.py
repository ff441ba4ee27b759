"""The result card: the headline, six bars, the outdoor-time tier and 2 or 3 ideas, as chat HTML.

Content texts come from the "content" catalog, framing from the code catalog; every value that
came from content or a person is escaped, since style names contain "&".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.assessment.catalog import ContentCatalog, translate
from dialogs.assessment.content import AssessmentContent
from dialogs.assessment.rendering import bars, headline, idea
from dialogs.assessment.scoring import Result
from dialogs.assessment.suggestions import Suggestion
from dialogs.context import Context
from dialogs.markup import escape
from storage.assessments import Session
from storage.models import Role
from storage.people import Profile


@dataclass(frozen=True, slots=True)
class ResultCard:
    """What the chat shows for one result."""

    text: str
    """The card, Telegram HTML."""
    headline: str
    """One line, plain text: escape it before putting it in a message or caption."""
    chart_scores: tuple[tuple[str, str, float], ...]
    """(style, translated short name, percent) for the chart; empty when incomplete."""
    chart_title: str
    """Plain-text title of the chart. Never a name: pictures are cached (``dialogs.charts``), and
    a cache must not keep a child's name after /forget."""
    caption: str
    """Plain text under the picture: the headline, with the child's name for a parent."""


def render_card(
    ctx: Context,
    *,
    content: AssessmentContent,
    result: Result,
    person: Profile,
    session: Session,
    ideas: Sequence[Suggestion],
    modifier_labels: Sequence[str],
) -> ResultCard:
    """The card for ``result`` in the reader's language."""
    _ = ctx._
    catalog = ContentCatalog(ctx.texts)
    styles = content.styles
    line = headline(result, styles, catalog)
    name = person.nickname or ""
    parts: list[str] = []
    if person.role is Role.CHILD:
        parts.append(_("{name}'s result:").format(name=escape(name)))
    parts.append(f"<b>{escape(line)}</b>")
    caption = (
        _("{name}'s result:").format(name=name) + " " + line if person.role is Role.CHILD else line
    )
    if not result.complete:
        return ResultCard("\n\n".join(parts), line, (), "", caption)
    parts.append("\n".join(escape(b) for b in bars(result, styles, catalog)))
    tiers = content.tiers
    if session.outdoor_band:
        band = tiers.band(session.outdoor_band)
        info = tiers.info(band.tier)
        parts.append(
            f"🌳 <b>{escape(translate(info.name, catalog))}</b>: "
            f"{escape(translate(info.message, catalog))}\n<i>"
            + escape(
                _("Outside now: {band} a week. About an hour a day is great!").format(
                    band=translate(band.label, catalog)
                )
            )
            + "</i>"
        )
    if ideas:
        heading = _("Ideas to try:")  # outside the f-string, or extraction cannot see it
        lines = [f"<b>{escape(heading)}</b>"]
        for number, suggestion in enumerate(ideas, start=1):
            title, *rest = idea(suggestion, content.catalogue, catalog)
            lines.append(f"\n{number}. <b>{escape(title)}</b>")
            lines.extend(escape(text) for text in rest)
        parts.append("\n".join(lines))
    about = [_("Age {age}").format(age=session.age), *modifier_labels]
    parts.append("<i>" + escape(" · ".join(about)) + "</i>")
    parts.append("<i>" + escape(translate(styles.results.disclaimer, catalog)) + "</i>")
    chart = tuple(
        (info.key, translate(info.short_name, catalog), round(result.pct(info.key) * 100, 1))
        for info in styles.styles
    )
    title = _("Your child's play style") if person.role is Role.CHILD else _("Your play style")
    return ResultCard("\n\n".join(parts), line, chart, title, caption)
