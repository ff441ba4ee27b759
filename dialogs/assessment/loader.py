"""Reads the versioned TOML content files into frozen values, and validates them on the way.

Files live in ``dialogs/assessment/content/`` and ship in the wheel; they are read through
``importlib.resources`` so an installed bot finds them too. A file name carries its version
(``teen-1.0.0.toml``, ``key-1.toml``) because a published file is never edited: new content is a new
file. Loading is cheap but not free, so ``main()`` should call ``load_content()`` once and pass the
result down.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from enum import StrEnum
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Final, TypeVar

from dialogs.assessment import validation
from dialogs.assessment.catalog import TEXT_FIELDS
from dialogs.assessment.content import (
    NOT_SURE_SUFFIX,
    Activity,
    AssessmentContent,
    Band,
    Catalogue,
    Intensity,
    Item,
    ItemKind,
    Option,
    Questionnaire,
    ResultTexts,
    Risk,
    ScoringKey,
    SocialMode,
    StyleInfo,
    Styles,
    SuggestionTexts,
    Text,
    Tier,
    TierInfo,
    Tiers,
)
from dialogs.errors import ContentError

CURRENT_QUESTIONNAIRES: Final = (("kids", "1.1.0"), ("teen", "1.0.1"))
"""The questionnaire versions new sessions use: (form, version). Earlier versions of these forms
stay loaded for the sessions that started on them (``earlier_questionnaires``)."""
CURRENT_STYLES: Final = "2"
"""Version of ``styles-<v>.toml`` in use."""
CURRENT_TIERS: Final = "2"
"""Version of ``tiers-<v>.toml`` in use."""
CURRENT_ACTIVITIES: Final = "1"
"""Version of ``activities-<v>.toml`` in use."""

_PACKAGE: Final = "dialogs.assessment"
_FOLDER: Final = "content"
_FILE_NAME: Final = re.compile(r"^[a-z]+-[0-9]+(\.[0-9]+){0,2}\.toml$")

_E = TypeVar("_E", bound=StrEnum)


def read_bytes(name: str) -> bytes:
    """Return the raw bytes of the content file ``name`` (e.g. ``teen-1.0.0.toml``)."""
    # Versions may come from stored sessions: never let one reach outside the content folder.
    if not _FILE_NAME.match(name):
        raise ContentError(f"{name!r} is not a content file name like teen-1.0.0.toml")
    resource = files(_PACKAGE).joinpath(_FOLDER, name)
    if not resource.is_file():
        raise ContentError(f"content file {name} does not exist")
    return resource.read_bytes()


def content_files() -> tuple[str, ...]:
    """Names of all content files shipped with the package, sorted."""
    folder = files(_PACKAGE).joinpath(_FOLDER)
    return tuple(sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".toml")))


class _Table:
    """A TOML table read field by field, so every error names the file and the place."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self._data = data
        self._where = where
        self._seen: set[str] = set()

    def _get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        self._seen.add(key)
        if key not in self._data:
            if required:
                raise ContentError(f"{self._where}: missing field {key!r}")
            return None
        value = self._data[key]
        # bool is an int subclass; a weight or age written as true must not pass as 1.
        if isinstance(value, bool) and kind is not bool:
            raise ContentError(f"{self._where}: field {key!r} must not be true/false")
        if not isinstance(value, kind):
            raise ContentError(f"{self._where}: field {key!r} has the wrong type")
        return value

    def string(self, key: str) -> str:
        value: str = self._get(key, str)
        if not value.strip():
            raise ContentError(f"{self._where}: field {key!r} is empty")
        return value

    def optional_string(self, key: str) -> str | None:
        value: str | None = self._get(key, str, required=False)
        return value

    def integer(self, key: str) -> int:
        value: int = self._get(key, int)
        return value

    def number(self, key: str) -> float:
        value: int | float = self._get(key, (int, float))
        return float(value)

    def optional_number(self, key: str) -> float | None:
        value: int | float | None = self._get(key, (int, float), required=False)
        return None if value is None else float(value)

    def boolean(self, key: str) -> bool:
        value: bool = self._get(key, bool)
        return value

    def enum(self, key: str, enum: type[_E]) -> _E:
        found = self.optional_enum(key, enum)
        if found is None:
            raise ContentError(f"{self._where}: missing field {key!r}")
        return found

    def optional_enum(self, key: str, enum: type[_E]) -> _E | None:
        value: str | None = self._get(key, str, required=False)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise ContentError(
                f"{self._where}: field {key!r} is {value!r}, expected one of {allowed}"
            ) from None

    def text(self, key: str) -> Text:
        text = self.optional_text(key)
        if text is None:
            raise ContentError(f"{self._where}: missing field {key!r}")
        return text

    def optional_text(self, key: str) -> Text | None:
        # The extractor finds texts by field name; a text under any other name would never be
        # translated.
        assert key in TEXT_FIELDS, f"{key!r} must be listed in catalog.TEXT_FIELDS"
        value = self._get(key, (str, dict), required=False)
        if value is None:
            return None
        if isinstance(value, str):
            raw = _Table({"msgid": value}, f"{self._where}.{key}")
            return Text(raw.string("msgid"))
        table = _Table(value, f"{self._where}.{key}")
        text = Text(table.string("msgid"), table.string("context"))
        table.done()
        return text

    def tables(self, key: str) -> Iterator[_Table]:
        values: list[Any] = self._get(key, list)
        for index, value in enumerate(values):
            if not isinstance(value, dict):
                raise ContentError(f"{self._where}: {key}[{index}] must be a table")
            name = value.get("id", value.get("key", index))
            yield _Table(value, f"{self._where}: {key}[{name}]")

    def table(self, key: str) -> _Table:
        value: dict[str, Any] = self._get(key, dict)
        return _Table(value, f"{self._where}: [{key}]")

    def strings(self, key: str) -> tuple[str, ...]:
        values: list[Any] = self._get(key, list)
        if not all(isinstance(value, str) for value in values):
            raise ContentError(f"{self._where}: field {key!r} must be a list of strings")
        return tuple(values)

    def weights(self, key: str) -> Mapping[str, int]:
        raw: dict[str, Any] = self._get(key, dict)
        for style, weight in raw.items():
            if isinstance(weight, bool) or not isinstance(weight, int):
                raise ContentError(f"{self._where}: weight of {style!r} must be a whole number")
        return MappingProxyType(dict(raw))

    def fields(self) -> tuple[str, ...]:
        """All field names, for tables keyed by id (the scoring key's weights)."""
        return tuple(self._data)

    def done(self) -> None:
        """Refuse unknown fields, so a typo does not silently drop data."""
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            raise ContentError(f"{self._where}: unknown field(s) {', '.join(unknown)}")


def _parse(source: str, name: str) -> _Table:
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{name}: not valid TOML: {exc}") from exc
    return _Table(data, name)


def _check_version(name: str, prefix: str, version: str) -> None:
    expected = f"{prefix}-{version}.toml"
    if name != expected:
        raise ContentError(f"{name}: says version {version!r}, so it must be named {expected}")


# --- Questionnaires ----------------------------------------------------------------------------


def parse_questionnaire(source: str, *, name: str) -> Questionnaire:
    """Build a questionnaire from TOML text; structure errors raise ``ContentError``."""
    root = _parse(source, name)
    form = root.string("id")
    version = root.string("version")
    not_sure = root.text("not_sure")
    items = tuple(_parse_item(table, not_sure) for table in root.tables("items"))
    questionnaire = Questionnaire(
        id=form,
        version=version,
        key_version=root.string("key"),
        audience=root.string("audience"),
        min_age=root.integer("min_age"),
        max_age=root.integer("max_age"),
        title=root.text("title"),
        intro=root.text("intro"),
        items=items,
    )
    root.done()
    return questionnaire


def _parse_item(table: _Table, not_sure: Text) -> Item:
    item_id = table.string("id")
    kind = table.enum("kind", ItemKind)
    options: list[Option] = []
    for option_table in table.tables("options"):
        option = Option(
            id=option_table.string("id"),
            text=option_table.text("text"),
            value=option_table.optional_string("value"),
        )
        option_table.done()
        if option.id.endswith(NOT_SURE_SUFFIX):
            raise ContentError(
                f"item {item_id}: option id {option.id} ends in {NOT_SURE_SUFFIX}, which is "
                "reserved for the 'not sure' option the loader adds"
            )
        options.append(option)
    options.append(Option(id=f"{item_id}{NOT_SURE_SUFFIX}", text=not_sure, not_sure=True))
    item = Item(id=item_id, kind=kind, prompt=table.text("prompt"), options=tuple(options))
    table.done()
    return item


def load_questionnaire(form: str, version: str) -> Questionnaire:
    """Load and validate ``<form>-<version>.toml`` against the scoring key it names."""
    name = f"{form}-{version}.toml"
    questionnaire = parse_questionnaire(read_bytes(name).decode("utf-8"), name=name)
    _check_version(name, questionnaire.id, questionnaire.version)
    key = load_scoring_key(questionnaire.key_version)
    validation.validate_questionnaire(questionnaire, key)
    return questionnaire


def current_questionnaires() -> tuple[Questionnaire, ...]:
    """The questionnaire versions new sessions use."""
    return tuple(load_questionnaire(form, version) for form, version in CURRENT_QUESTIONNAIRES)


def earlier_questionnaires() -> tuple[Questionnaire, ...]:
    """Every shipped version of the current forms that new sessions no longer use."""
    current = set(CURRENT_QUESTIONNAIRES)
    forms = {form for form, _ in CURRENT_QUESTIONNAIRES}
    found = []
    for name in content_files():
        form, _, version = name.removesuffix(".toml").partition("-")
        if form in forms and (form, version) not in current:
            found.append(load_questionnaire(form, version))
    return tuple(found)


def questionnaire_for_age(age: int) -> Questionnaire:
    """The current form for ``age``: 6 to 9 get ``kids``, 10 to 16 get ``teen``."""
    for questionnaire in current_questionnaires():
        if questionnaire.min_age <= age <= questionnaire.max_age:
            return questionnaire
    raise ValueError(f"no questionnaire for age {age}")


# --- Scoring key -------------------------------------------------------------------------------


def parse_scoring_key(source: str, *, name: str) -> ScoringKey:
    """Build a scoring key from TOML text."""
    root = _parse(source, name)
    weights_table = root.table("weights")
    raw = {option_id: weights_table.weights(option_id) for option_id in weights_table.fields()}
    weights_table.done()
    key = ScoringKey(
        version=root.string("version"),
        styles=root.strings("styles"),
        weights=MappingProxyType(raw),
    )
    root.done()
    validation.validate_scoring_key(key)
    return key


def load_scoring_key(version: str) -> ScoringKey:
    """Load and validate ``key-<version>.toml``."""
    name = f"key-{version}.toml"
    key = parse_scoring_key(read_bytes(name).decode("utf-8"), name=name)
    _check_version(name, "key", key.version)
    return key


# --- Styles ------------------------------------------------------------------------------------


def parse_styles(source: str, *, name: str) -> Styles:
    """Build the style set from TOML text."""
    root = _parse(source, name)
    infos: list[StyleInfo] = []
    for table in root.tables("styles"):
        infos.append(
            StyleInfo(
                key=table.string("key"),
                emoji=table.string("emoji"),
                name=table.text("name"),
                short_name=table.text("short_name"),
                description=table.text("description"),
                you_are=table.text("you_are"),
            )
        )
        table.done()
    results = root.table("results")
    texts = ResultTexts(
        leaning=results.text("leaning"),
        double=results.text("double"),
        all_rounder=results.text("all_rounder"),
        incomplete=results.text("incomplete"),
        join_and=results.text("join_and"),
        disclaimer=results.text("disclaimer"),
        mostly=results.optional_text("mostly"),
    )
    results.done()
    styles = Styles(version=root.string("version"), styles=tuple(infos), results=texts)
    root.done()
    return styles


def load_styles(version: str = CURRENT_STYLES) -> Styles:
    """Load ``styles-<version>.toml``; ``load_content`` checks it against the scoring keys."""
    name = f"styles-{version}.toml"
    styles = parse_styles(read_bytes(name).decode("utf-8"), name=name)
    _check_version(name, "styles", styles.version)
    validation.validate_styles(styles)
    return styles


# --- Tiers -------------------------------------------------------------------------------------


def parse_tiers(source: str, *, name: str) -> Tiers:
    """Build the outdoor-time bands and tiers from TOML text."""
    root = _parse(source, name)
    bands: list[Band] = []
    for table in root.tables("bands"):
        bands.append(
            Band(
                id=table.string("id"),
                label=table.text("label"),
                min_hours=table.number("min_hours"),
                max_hours=table.optional_number("max_hours"),
                tier=table.enum("tier", Tier),
            )
        )
        table.done()
    infos: list[TierInfo] = []
    for table in root.tables("tiers"):
        infos.append(
            TierInfo(
                tier=table.enum("id", Tier),
                min_hours=table.number("min_hours"),
                name=table.text("name"),
                message=table.text("message"),
            )
        )
        table.done()
    tiers = Tiers(version=root.string("version"), bands=tuple(bands), tiers=tuple(infos))
    root.done()
    validation.validate_tiers(tiers)
    return tiers


def load_tiers(version: str = CURRENT_TIERS) -> Tiers:
    """Load and validate ``tiers-<version>.toml``."""
    name = f"tiers-{version}.toml"
    tiers = parse_tiers(read_bytes(name).decode("utf-8"), name=name)
    _check_version(name, "tiers", tiers.version)
    return tiers


# --- Activities --------------------------------------------------------------------------------


def parse_activities(source: str, *, name: str, styles: tuple[str, ...]) -> Catalogue:
    """Build the activity catalogue from TOML text and validate it against ``styles``."""
    root = _parse(source, name)
    activities = tuple(_parse_activity(table) for table in root.tables("activities"))
    texts_table = root.table("texts")
    texts = SuggestionTexts(
        grown_up=texts_table.text("grown_up"),
        together=texts_table.text("together"),
        safety=texts_table.text("safety"),
        minutes=texts_table.text("minutes"),
        materials=texts_table.text("materials"),
    )
    texts_table.done()
    catalogue = Catalogue(version=root.string("version"), activities=activities, texts=texts)
    root.done()
    validation.validate_catalogue(catalogue, styles)
    return catalogue


def _parse_activity(table: _Table) -> Activity:
    activity = Activity(
        id=table.string("id"),
        title=table.text("title"),
        how_to=table.text("how_to"),
        styles=table.weights("styles"),
        min_age=table.integer("min_age"),
        max_age=table.integer("max_age"),
        social=table.enum("social", SocialMode),
        intensity=table.enum("intensity", Intensity),
        bone_strengthening=table.boolean("bone_strengthening"),
        duration=table.integer("duration"),
        materials=table.optional_text("materials"),
        with_grown_up=table.boolean("with_grown_up"),
        risk=table.optional_enum("risk", Risk),
        safety_tip=table.optional_text("safety_tip"),
        near_home=table.boolean("near_home"),
    )
    table.done()
    return activity


def load_activities(
    version: str = CURRENT_ACTIVITIES, *, styles: Styles | None = None
) -> Catalogue:
    """Load and validate ``activities-<version>.toml`` against ``styles`` (default: current)."""
    name = f"activities-{version}.toml"
    style_keys = (styles or load_styles()).keys
    catalogue = parse_activities(read_bytes(name).decode("utf-8"), name=name, styles=style_keys)
    _check_version(name, "activities", catalogue.version)
    return catalogue


# --- Everything at once ------------------------------------------------------------------------


def load_content() -> AssessmentContent:
    """Load and validate every current content file."""
    questionnaires = current_questionnaires()
    earlier = earlier_questionnaires()
    keys = {q.key_version: load_scoring_key(q.key_version) for q in (*questionnaires, *earlier)}
    styles = load_styles()
    for key in keys.values():
        validation.check_same_styles(styles, key)
    return AssessmentContent(
        questionnaires=questionnaires,
        keys=MappingProxyType(keys),
        styles=styles,
        tiers=load_tiers(),
        catalogue=load_activities(styles=styles),
        earlier=earlier,
    )
