"""The quiz in the chat: one question per message, edited in place, every answer in SQL first.

Where the person is comes from SQL, not from the conversation state: the next question is the first
unanswered one of their open session, so a restart or a wiped Redis loses nothing. Buttons carry
option ids; a press on an older question (a double tap, an old message) is refused politely and
records nothing.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import structlog

from dialogs import charts
from dialogs.assessment.card import render_card
from dialogs.assessment.catalog import ContentCatalog, render, translate
from dialogs.assessment.content import AssessmentContent, Item, ItemKind, Questionnaire
from dialogs.assessment.rendering import headline_names, join_names
from dialogs.assessment.scoring import Result, modifiers, score_stored, shuffled_options
from dialogs.assessment.suggestions import Suggestion, suggest
from dialogs.charts import style_chart
from dialogs.context import Context, keyboard
from dialogs.effects import Button, Keyboard, SendPhoto
from dialogs.i18n import N_
from dialogs.markup import escape
from dialogs.payload import Payload
from dialogs.requests.button import ask_person_button
from storage.assessments import Answer, Session
from storage.models import ProfileStatus, Role
from storage.people import Profile

log = structlog.get_logger(__name__)

CODE: Final = "as"
BACK: Final = N_("⬅️ Back")
PROGRESS_CELLS: Final = 10
CHILD_ARG_CHARS: Final = 8
"""Hex digits of a child's id in a button (the whole id when two children share them)."""
TOUCH_AFTER: Final = timedelta(minutes=10)
"""A session's last-used time is refreshed at most this often (a write saved per answer): it
only orders a parent's open sessions and finds abandoned ones after days."""


@dataclass(frozen=True, slots=True)
class Players:
    """The account's own profile and the children it may start the quiz for."""

    own: Profile | None
    children: tuple[Profile, ...]

    def pick(self, arg: str) -> Profile | None:
        """``me`` or a child's short id (see ``arg_of``) -> the profile, or None.

        A child no longer among the active children (erased, say) is None, so an old button
        never lands on another child.
        """
        if arg == "me":
            own = self.own
            return own if own is not None and own.role is Role.SELF else None
        if not CHILD_ARG_CHARS <= len(arg) <= 32 or arg.strip("0123456789abcdef"):
            return None
        found = [c for c in self.children if c.id.hex.startswith(arg)]
        return found[0] if len(found) == 1 else None

    def arg_of(self, profile: Profile) -> str:
        """The payload argument that names ``profile``: ``me``, or a stable short id of a child.

        The first 8 hex digits of the child's id, or all 32 should two children share them.
        Stable, unlike a position in the list, which moves when a child is erased.
        """
        if self.own is not None and profile.id == self.own.id:
            return "me"
        short = profile.id.hex[:CHILD_ARG_CHARS]
        others = (c for c in self.children if c.id != profile.id)
        return profile.id.hex if any(c.id.hex.startswith(short) for c in others) else short

    @property
    def all(self) -> tuple[Profile, ...]:
        """Everyone who may play now: the young person once signed up, or the parent's children.

        A young person under 16 is not active until their parent said yes, so they are not here.
        """
        if self.own is not None and self.own.role is Role.SELF:
            return (self.own,) if self.own.active else ()
        return self.children


def progress(done: int, total: int) -> str:
    """A 10-cell bar for how far the quiz is."""
    filled = round(PROGRESS_CELLS * done / total) if total else 0
    return "🟩" * filled + "⬜" * (PROGRESS_CELLS - filled)


class AssessmentFlow:
    """Starts, runs, resumes and scores the quiz; shows results again."""

    code = CODE

    def __init__(self, content: AssessmentContent) -> None:
        self._content = content

    # --- who plays --------------------------------------------------------------------------

    async def _players(self, ctx: Context) -> Players:
        if ctx.account is None:
            return Players(None, ())
        own = await ctx.uow.people.own(ctx.account.id)
        if own is None:
            return Players(None, ())
        children: tuple[Profile, ...] = ()
        if own.role is Role.PARENT:
            children = tuple(c for c in await ctx.uow.people.children(own.id) if c.active)
        return Players(own, children)

    async def _current(self, ctx: Context, players: Players) -> tuple[Profile, Session] | None:
        session = await ctx.uow.assessments.open_for([p.id for p in players.all])
        if session is None:
            return None
        person = next(p for p in players.all if p.id == session.person_id)
        return person, session

    def _catalog(self, ctx: Context) -> ContentCatalog:
        return ContentCatalog(ctx.texts)

    def _questionnaire(self, session: Session) -> Questionnaire:
        """The version the session began with: a newer one never changes a started quiz."""
        return self._content.questionnaire(session.questionnaire, session.questionnaire_version)

    def _go_on(self, ctx: Context, players: Players, person: Profile) -> Button:
        """The button that goes on with ``person``'s open quiz, as the home screen shows it."""
        own = players.own
        if own is not None and own.role is Role.PARENT:
            label = ctx._("▶️ Go on with {name}'s quiz").format(name=person.nickname or "")
        else:
            label = ctx._("▶️ Go on with the quiz")
        return ctx.button(label, CODE, "go", players.arg_of(person), timeless=True)

    @staticmethod
    def _result_button(ctx: Context, person: Profile, arg: str) -> Button:
        """ "📊 My result", or a child's result for their parent."""
        label = (
            ctx._("📊 Result of {name}").format(name=person.nickname or "")
            if person.role is Role.CHILD
            else ctx._("📊 My result")
        )
        return ctx.button(label, CODE, "res", arg, timeless=True)

    async def go_on_button(self, ctx: Context) -> Button | None:
        """The "▶️ Go on with the quiz" button when a quiz is open ("▶️ Go on: Tim"), else None.

        For the end of a detour that left the quiz (a request to a person, say): the same timeless
        button as on the home screen, so it goes on at the first unanswered question whatever
        happened in between.
        """
        players = await self._players(ctx)
        current = await self._current(ctx, players)
        return None if current is None else self._go_on(ctx, players, current[0])

    # --- the home screen (after /start for a registered person) ------------------------------

    async def home(self, ctx: Context, own: Profile) -> None:
        """Welcome back: start or continue the quiz, or see a result."""
        players = await self._players(ctx)
        ctx.go(None)
        ctx.new_screen()
        name = escape(own.nickname or "")
        rows = await self.quiz_rows(ctx, players)
        if own.role is Role.PARENT:
            rows.append([ctx.button(ctx._("➕ Add a child"), "reg", "add", timeless=True)])
            text = ctx._("Welcome back, {name}! 👋 Who is playing?").format(name=name)
            if not players.children:
                text = ctx._("Welcome back, {name}! 👋 Add a child to start.").format(name=name)
        else:
            text = ctx._("Welcome back, {name}! 👋").format(name=name)
        ctx.say(text, keyboard(*rows))

    async def ready(self, ctx: Context, person: Profile) -> None:
        """Right after registering (or adding a child): offer to start, naming whose quiz."""
        players = await self._players(ctx)
        child = person.role is Role.CHILD
        text = (
            ctx._("Ready for {name}'s quiz? It takes about 3 minutes. 🙂").format(
                name=escape(person.nickname or "")
            )
            if child
            else ctx._("Ready for the quiz? It takes about 3 minutes. 🙂")
        )
        button = self._start_button(ctx, person, players.arg_of(person), again=False)
        ctx.say(text, keyboard([button]), personal=child)  # it names the child

    async def quiz_rows(self, ctx: Context, players: Players | None = None) -> list[list[Button]]:
        """Per player: go on with an open quiz, or start one (again), and the latest result."""
        players = players or await self._players(ctx)
        rows: list[list[Button]] = []
        for person in players.all:
            arg = players.arg_of(person)
            done = await ctx.uow.assessments.latest_complete(person.id) is not None
            if await ctx.uow.assessments.open_for([person.id]) is not None:
                rows.append([self._go_on(ctx, players, person)])
            else:
                rows.append([self._start_button(ctx, person, arg, again=done)])
            if done:
                rows.append([self._result_button(ctx, person, arg)])
        return rows

    def _start_button(self, ctx: Context, person: Profile, arg: str, *, again: bool) -> Button:
        if person.role is Role.CHILD:
            label = ctx._("▶️ Quiz for {name}").format(name=person.nickname or "")
        elif again:  # says what it does: a new quiz, the result stays
            label = ctx._("🔁 Do the quiz again")
        else:
            label = ctx._("▶️ Start the quiz")
        return ctx.button(label, CODE, "go", arg, timeless=True)

    # --- commands ---------------------------------------------------------------------------

    async def result_command(self, ctx: Context, _args: str) -> None:
        """/result: the latest result again (a parent chooses the child)."""
        players = await self._players(ctx)
        done = [p for p in players.all if await ctx.uow.assessments.latest_complete(p.id)]
        if not done and not players.all:  # not signed up (yet): say what comes first
            await self._not_ready(ctx, players)
            return
        if not done:
            ctx.say(ctx._("There is no result yet. Tap /start to do the quiz."))
            return
        if len(done) == 1:
            await self._show_latest(ctx, players, done[0])
            return
        ctx.say(
            ctx._("Whose result?"),
            keyboard(
                *(
                    [ctx.button(p.nickname or "?", CODE, "res", players.arg_of(p), timeless=True)]
                    for p in done
                )
            ),
        )

    async def cancel(self, ctx: Context) -> None:
        """/cancel mid-quiz: stop; the answers so far stay, so /start goes on where it was."""
        ctx.go(None)
        ctx.new_screen()
        ctx.say(ctx._("Okay, I've stopped. Your answers so far are kept: tap /start to go on."))

    async def retake_command(self, ctx: Context, _args: str) -> None:
        """/retake: the quiz again from question 1; earlier results stay in the history.

        In the middle of a quiz it asks first, since the answers so far would be gone.
        """
        players = await self._players(ctx)
        if not players.all:
            await self._not_ready(ctx, players)
            return
        if len(players.all) == 1:
            await self._start_over(ctx, players, players.all[0])
            return
        ctx.say(
            ctx._("Who is playing?"),
            keyboard(
                *(
                    [ctx.button(p.nickname or "?", CODE, "new", players.arg_of(p), timeless=True)]
                    for p in players.all
                )
            ),
        )

    async def _not_ready(self, ctx: Context, players: Players) -> None:
        own = players.own
        if own is not None and own.role is Role.PARENT:
            ctx.say(ctx._("First add a child: tap /start."))
        elif own is not None and own.status is ProfileStatus.AWAITING_CONSENT:
            ctx.say(ctx._("First your parent has to say yes. Then you can do the quiz. 🙂"))
        elif own is not None and not own.active and own.role is Role.SELF:
            ctx.say(ctx._("You can start the quiz once you're signed up. Tap /start."))
        else:
            ctx.say(ctx._("First sign up: tap /start."))

    # --- buttons and text -------------------------------------------------------------------

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        players = await self._players(ctx)
        match payload.action:
            case "go" | "new" | "res" | "why":
                person = players.pick(payload.arg)
                if person is None and payload.arg != "me":
                    ctx.refuse_stale()  # a child who is gone, or from another account
                    return
                if person is None or not person.active:
                    ctx.answer(ctx._("You can start the quiz once you're signed up."))
                    return
                ctx.answer()
                ctx.edit_target = None
                if payload.action == "res":
                    await self._show_latest(ctx, players, person)
                elif payload.action == "why":
                    await self._why(ctx, person)
                elif payload.action == "new":
                    await self._start_over(ctx, players, person)
                else:
                    await self._begin(ctx, players, person)
            case "over":
                # "Yes, start again": a button of the newest screen only (the engine checks), so
                # an old one never throws away answers given since.
                person = players.pick(payload.arg)
                if person is None or not person.active:
                    ctx.refuse_stale()
                    return
                ctx.answer()
                ctx.show(ctx._("🔁 Okay, we start again!"))
                ctx.edit_target = None
                await self._begin(ctx, players, person, fresh=True)
            case "pick":
                await self._pick(ctx, players, payload.arg)
            case "back":
                await self._back(ctx, players)
            case _:
                ctx.refuse_stale()

    async def on_text(self, ctx: Context, text: str) -> None:
        if ctx.misunderstood():  # the second text in a row: perhaps they are stuck
            ctx.say(
                ctx._("Tap one of the buttons to answer. 🙂 Stuck? A person on our team can help."),
                keyboard([ask_person_button(ctx)]),
            )
        else:
            ctx.say(ctx._("Tap one of the buttons to answer. 🙂"))
        await ctx.resume_flow()

    async def resume(self, ctx: Context) -> None:
        """Show the question the person is at again: after Back that is an answered one."""
        players = await self._players(ctx)
        current = await self._current(ctx, players)
        if current is None:
            ctx.go(None)
            return
        person, session = current
        questionnaire = self._questionnaire(session)
        step = ctx.state.step
        if step is not None and any(item.id == step for item in questionnaire.items):
            stored = await ctx.uow.assessments.answers(session.id)
            chosen = stored[step].option_id if step in stored else None
            self._ask(ctx, session, questionnaire.item(step), chosen=chosen)
            return
        await self._ask_next(ctx, players, person, session)

    async def recover(self, ctx: Context) -> bool:
        """After a lost state: continue the open session at its first unanswered question."""
        players = await self._players(ctx)
        current = await self._current(ctx, players)
        if current is None:
            return False
        item = await self._next_item(ctx, current[1])
        ctx.go(CODE, item.id if item else None)
        return True

    # --- running the quiz -------------------------------------------------------------------

    async def _start_over(self, ctx: Context, players: Players, person: Profile) -> None:
        """Start ``person``'s quiz from question 1, after asking if answers would be lost."""
        session = await ctx.uow.assessments.open_for([person.id])
        stored = await ctx.uow.assessments.answers(session.id) if session is not None else {}
        if session is None or not stored:
            await self._begin(ctx, players, person, fresh=True)
            return
        questionnaire = self._questionnaire(session)
        total = len(questionnaire.items)
        number = next(
            (n for n, item in enumerate(questionnaire.items, 1) if item.id not in stored), total
        )
        child = person.role is Role.CHILD
        text = (
            ctx._(
                "{name} is at question {number} of {total}. Start again from the beginning? "
                "The answers so far will be gone."
            )
            if child
            else ctx._(
                "You're at question {number} of {total}. Start again from the beginning? "
                "Your answers so far will be gone."
            )
        ).format(name=escape(person.nickname or ""), number=number, total=total)
        ctx.go(CODE, "over")  # no question: typed text shows the question they are at
        ctx.new_screen()
        again = ctx.button(ctx._("🔁 Yes, start again"), CODE, "over", players.arg_of(person))
        ctx.say(text, keyboard([again], [self._go_on(ctx, players, person)]), personal=child)

    async def _begin(
        self, ctx: Context, players: Players, person: Profile, *, fresh: bool = False
    ) -> None:
        if not fresh:
            # This person's own open session, even when another child played since: touching it
            # makes it the one the next answers go to.
            open_session = await ctx.uow.assessments.open_for([person.id])
            if open_session is not None:
                await ctx.uow.assessments.touch(open_session.id, now=ctx.now)
                await self._ask_next(ctx, players, person, open_session)
                return
        assert person.age is not None
        try:
            questionnaire = self._content.questionnaire_for_age(person.age)
        except ValueError:
            ctx.say(ctx._("Sorry, the quiz is made for ages 6 to 16."))
            return
        session = await ctx.uow.assessments.start(
            person_id=person.id,
            questionnaire=questionnaire.id,
            questionnaire_version=questionnaire.version,
            key_version=questionnaire.key_version,
            locale=ctx.locale,
            seed=secrets.token_hex(8),
            age=person.age,
            outdoor_band=person.outdoor_band,
            now=ctx.now,
        )
        log.info("assessment_started", form=questionnaire.id)
        catalog = self._catalog(ctx)
        # The intro speaks to whoever plays; a parent starting it for a child hands over first.
        intro = escape(render(questionnaire.intro, catalog, count=str(len(questionnaire.items))))
        child = person.role is Role.CHILD
        if child:
            intro = (
                ctx._(
                    "{name}'s turn! 📱 Give {name} the phone, or read the questions to {name}."
                ).format(name=escape(person.nickname or ""))
                + "\n\n"
                + intro
            )
        ctx.say(intro, personal=child)  # it names the child
        await self._ask_next(ctx, players, person, session)

    async def _next_item(self, ctx: Context, session: Session) -> Item | None:
        answers = await ctx.uow.assessments.answers(session.id)
        questionnaire = self._questionnaire(session)
        return next((item for item in questionnaire.items if item.id not in answers), None)

    async def _ask_next(
        self, ctx: Context, players: Players, person: Profile, session: Session
    ) -> None:
        item = await self._next_item(ctx, session)
        if item is None:  # every question answered (e.g. crashed before scoring): score now
            await self._finish(ctx, players, person, session)
            return
        self._ask(ctx, session, item)

    def _ask(
        self, ctx: Context, session: Session, item: Item, *, chosen: str | None = None
    ) -> None:
        """Show one question as a new screen (editing the pressed message, if any).

        ``chosen`` marks the answer given before, when the question comes again after Back.
        """
        questionnaire = self._questionnaire(session)
        catalog = self._catalog(ctx)
        number = questionnaire.items.index(item) + 1
        total = len(questionnaire.items)
        ctx.go(CODE, item.id, t=int(time.time() * 1000))
        ctx.new_screen()
        rows = [
            [
                ctx.button(
                    ("✅ " if option.id == chosen else "") + translate(option.text, catalog),
                    CODE,
                    "pick",
                    option.id,
                )
            ]
            for option in shuffled_options(item, session.seed)
        ]
        if number > 1:
            rows.append([ctx.button(ctx._(BACK), CODE, "back")])
        header = ctx._("Question {number} of {total}").format(number=number, total=total)
        text = (
            f"<b>{escape(header)}</b>\n{progress(number - 1, total)}\n\n"
            f"{escape(translate(item.prompt, catalog))}"
        )
        ctx.show(text, keyboard(*rows))

    async def _pick(self, ctx: Context, players: Players, option_id: str) -> None:
        current = await self._current(ctx, players)
        if current is None or ctx.state.step is None:
            ctx.refuse_stale()
            return
        person, session = current
        questionnaire = self._questionnaire(session)
        try:
            item = questionnaire.item(ctx.state.step)
            item.option(option_id)
        except KeyError:
            ctx.refuse_stale()
            return
        order = [option.id for option in shuffled_options(item, session.seed)]
        shown_at = ctx.state.data.get("t")
        seconds = (
            max(0.0, time.time() - int(shown_at) / 1000) if isinstance(shown_at, int) else None
        )
        stored = await ctx.uow.assessments.answers(session.id)
        await ctx.uow.assessments.answer(
            session.id,
            item_id=item.id,
            option_id=option_id,
            position=order.index(option_id),
            seconds=seconds,
            now=ctx.now,
        )
        if ctx.now - session.updated_at > TOUCH_AFTER:
            await ctx.uow.assessments.touch(session.id, now=ctx.now)
        ctx.answer()
        answered = {*stored, item.id}
        position = questionnaire.items.index(item)
        if item.id in stored and position + 1 < len(questionnaire.items):
            # Walk on in order: after Back, the next questions come again with their answers
            # marked, until the first unanswered one. A question answered for the first time
            # (or asked again) goes straight to the next unanswered one.
            following = questionnaire.items[position + 1]
            if following.id in stored:
                self._ask(ctx, session, following, chosen=stored[following.id].option_id)
                return
        unanswered = next((i for i in questionnaire.items if i.id not in answered), None)
        if unanswered is None:
            await self._finish(ctx, players, person, session)
        else:
            self._ask(ctx, session, unanswered)

    async def _back(self, ctx: Context, players: Players) -> None:
        current = await self._current(ctx, players)
        if current is None or ctx.state.step is None:
            ctx.refuse_stale()
            return
        _, session = current
        questionnaire = self._questionnaire(session)
        ids = [item.id for item in questionnaire.items]
        if ctx.state.step not in ids or ids.index(ctx.state.step) == 0:
            ctx.refuse_stale()
            return
        ctx.answer()
        before = questionnaire.items[ids.index(ctx.state.step) - 1]
        stored = await ctx.uow.assessments.answers(session.id)
        chosen = stored[before.id].option_id if before.id in stored else None
        self._ask(ctx, session, before, chosen=chosen)

    async def _finish(
        self, ctx: Context, players: Players, person: Profile, session: Session
    ) -> None:
        """Score, pick ideas, store both, and show the result card.

        Too few real answers (too many "not sure") give no result: the "not sure" questions are
        asked once more, and if there is still no result the quiz ends kindly without one.
        """
        questionnaire = self._questionnaire(session)
        stored = await ctx.uow.assessments.answers(session.id)
        result = score_stored(
            questionnaire, self._content.key_for(questionnaire), stored, session.seed
        )
        if not result.complete:
            await self._incomplete(ctx, players, person, session, stored, result)
            return
        ideas = self._ideas(session, result, {k: a.option_id for k, a in stored.items()})
        await ctx.uow.assessments.complete(
            session.id,
            result=result.to_dict(),
            suggestions=[s.to_dict() for s in ideas],
            looks_random=result.looks_random,
            top_style=result.top_style,
            now=ctx.now,
        )
        log.info("assessment_completed", label=result.label.value, looks_random=result.looks_random)
        ctx.go(None)
        ctx.new_screen()
        done = await ctx.uow.assessments.get(session.id)
        await self._send_card(ctx, players, person, done, stored)

    async def _incomplete(
        self,
        ctx: Context,
        players: Players,
        person: Profile,
        session: Session,
        stored: Mapping[str, Answer],
        result: Result,
    ) -> None:
        """No result yet: ask the "not sure" questions again, or end kindly the second time.

        The session never becomes complete or ``latest`` here, so an earlier result stays the one
        that /result, exports and statistics use.
        """
        questionnaire = self._questionnaire(session)
        again = [
            item.id
            for item in questionnaire.core_items
            if item.id in stored and item.option(stored[item.id].option_id).not_sure
        ]
        ctx.edit_target = None
        if again and not session.asked_again:
            await ctx.uow.assessments.ask_again(
                session.id, item_ids=again, result=result.to_dict(), now=ctx.now
            )
            log.info("assessment_asked_again", items=len(again))
            if person.role is Role.CHILD:
                line = ctx._("Let's try the questions {name} wasn't sure about once more.")
            else:
                line = ctx._("Let's try the questions you weren't sure about once more.")
            ctx.say(
                line.format(name=escape(person.nickname or "")),
                personal=person.role is Role.CHILD,  # it names the child
            )
            self._ask(ctx, session, questionnaire.item(again[0]))
            return
        await ctx.uow.assessments.end_incomplete(session.id, result=result.to_dict(), now=ctx.now)
        log.info("assessment_incomplete", answered=result.answered, core_items=result.core_items)
        ctx.go(None)
        ctx.new_screen()
        arg = players.arg_of(person)
        rows = [[ctx.button(ctx._("🔁 Do the quiz again"), CODE, "new", arg, timeless=True)]]
        if await ctx.uow.assessments.latest_complete(person.id) is not None:
            rows.append([self._result_button(ctx, person, arg)])
        ctx.say(
            ctx._("No result this time, and that's okay! 🙂 You can do the quiz again any time."),
            keyboard(*rows),
        )

    def _ideas(
        self, session: Session, result: Result, answers: dict[str, str | None]
    ) -> tuple[Suggestion, ...]:
        tiers = self._content.tiers
        band = session.outdoor_band
        tier = tiers.band(band).tier if band else tiers.tiers[1].tier
        return suggest(
            self._content.catalogue,
            scores=result.pct_by_style(),
            tier=tier,
            age=session.age,
            modifiers=modifiers(self._questionnaire(session), answers),
            seed=session.seed,
        )

    async def _show_latest(self, ctx: Context, players: Players, person: Profile) -> None:
        session = await ctx.uow.assessments.latest_complete(person.id)
        if session is None:
            ctx.say(ctx._("There is no result yet. Tap /start to do the quiz."))
            return
        stored = await ctx.uow.assessments.answers(session.id)
        await self._send_card(ctx, players, person, session, stored)

    async def _send_card(
        self,
        ctx: Context,
        players: Players,
        person: Profile,
        session: Session,
        answers: Mapping[str, Answer],
    ) -> None:
        """The result card and its chart, for a finished session and its stored answers."""
        assert session.result is not None
        result = Result.from_dict(session.result)
        questionnaire = self._questionnaire(session)
        catalog = self._catalog(ctx)
        modifier_labels = [
            translate(item.option(answers[item.id].option_id).text, catalog)
            for item in questionnaire.items
            if item.kind is not ItemKind.CORE
            and item.id in answers
            and not item.option(answers[item.id].option_id).not_sure
        ]
        card = render_card(
            ctx,
            content=self._content,
            result=result,
            person=person,
            session=session,
            ideas=[Suggestion.from_dict(d, self._content.catalogue) for d in session.suggestions],
            modifier_labels=modifier_labels,
        )
        arg = players.arg_of(person)
        buttons = keyboard(
            [ctx.button(ctx._("🤔 Why this result?"), CODE, "why", arg, timeless=True)],
            [ctx.button(ctx._("🔁 Do the quiz again"), CODE, "new", arg, timeless=True)],
        )
        if card.chart_scores:
            picture = await asyncio.to_thread(
                style_chart, card.chart_scores, title=card.chart_title
            )
            ctx.effects.append(
                SendPhoto(
                    ctx.chat_id,
                    picture,
                    f"play-style{charts.SUFFIX}",
                    caption=escape(card.caption),
                    personal=True,
                )
            )
        ctx.say(card.text, buttons, personal=True)

    async def _why(self, ctx: Context, person: Profile) -> None:
        session = await ctx.uow.assessments.latest_complete(person.id)
        catalog = self._catalog(ctx)
        lines = [
            ctx._(
                "<b>Why this result?</b>\n\nEvery answer button belongs to a kind of play. "
                "I counted which kinds you picked most, compared with how often each kind was "
                "offered."
            )
        ]
        if session is not None and session.result is not None:
            result = Result.from_dict(session.result)
            if result.primary:
                # Named as on the card, so "Joker 😄" there is not "Joker & team player" here.
                styles = self._content.styles
                names = join_names(headline_names(result, styles, catalog), styles, catalog)
                lines.append(
                    ctx._("Your answers picked <b>{styles}</b> the most.").format(
                        styles=escape(names)
                    )
                )
        lines.append(escape(translate(self._content.styles.results.disclaimer, catalog)))
        lines.append(
            ctx._("Nobody decides anything about you with this result. /privacy tells you more.")
        )
        ctx.say("\n\n".join(lines))


async def quiz_keyboard(ctx: Context) -> Keyboard | None:
    """The home screen's quiz buttons (start, go on, result), for the closing message of a flow
    that ends where the quiz begins (joining an organisation, say), so it is no dead end."""
    flow = ctx.flows.get(CODE)
    rows = await flow.quiz_rows(ctx) if isinstance(flow, AssessmentFlow) else []
    return keyboard(*rows) if rows else None


async def go_on_keyboard(ctx: Context) -> Keyboard | None:
    """A "▶️ Go on with the quiz" keyboard for another flow's last message, or None.

    For flows that end a detour away from the quiz (a message to a person, say): put it under
    their closing message, so the person finds the way back without typing /start.
    """
    flow = ctx.flows.get(CODE)
    button = await flow.go_on_button(ctx) if isinstance(flow, AssessmentFlow) else None
    return None if button is None else keyboard([button])
