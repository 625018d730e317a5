"""What each content file may hold: the files' counterpart of forms.py, and like the admin's forms
derived from the models. Every limit is the model field's: its max_length (a TextField's too, which
Django checks only in forms), whether it may be blank, its choices and its validators, reported with
the words the admin's forms use (content/read.py, explain). pydantic checks them and the shape
around them: which keys exist, which are required, lists, mappings, dates, true/false.
"""

import datetime
import difflib
import functools
from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    create_model,
)
from pydantic import ValidationError as Invalid

from glossary.models import Alias, Aspect, Band, Category, Comparison, Facet, Source, Stage, Term
from glossary.quiz.models import Advisor, Option, Question, Quiz


def value_of(model, name):
    """The type of a value for `model.name`, held to the field's limits: its max_length (a TextField's
    too, which Django checks only in forms), whether it may be blank, its choices and validators."""
    field = model._meta.get_field(name)
    if isinstance(field, models.DateField):  # written YYYY-MM-DD (read.Loader leaves it as text)
        return Annotated[Annotated[datetime.date, Field(strict=False)] | None, BeforeValidator(text_only)]
    if isinstance(field, models.BooleanField):
        return bool
    length = StringConstraints(
        strip_whitespace=True,
        min_length=0 if field.blank else 1,
        max_length=None if field.choices else field.max_length,  # a choice's own message says more
    )
    validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    if not (validators or field.choices):
        return Annotated[str, length]

    @functools.lru_cache(maxsize=10_000)  # files name the same slugs and cite the same sources
    def clean(value):
        failed = []
        for validate in validators:
            try:
                validate(value)
            except ValidationError as e:
                failed += e.messages
        if failed:
            raise ValueError(failed[-1])  # a slug breaks Django's rule and ours: ours says more
        if field.choices and value not in dict(field.choices):
            choices = ", ".join(str(choice) for choice, _ in field.choices)
            raise ValueError(f"Value {value!r} is not a valid choice. Use one of: {choices}.")
        return value

    return Annotated[str, length, AfterValidator(clean)]


def text_only(value):
    if not isinstance(value, str):  # else pydantic would read a number as seconds since 1970
        raise ValueError("Input should be a valid date")
    return value


def key_of(model, name, alias=None):
    """(type, default) of a file key for `model.name`: required exactly when the field is."""
    field = model._meta.get_field(name)
    if field.has_default():
        default = field.get_default()
    elif field.blank:
        default = None if field.null else ""
    else:
        default = ...
    return value_of(model, name), Field(default, alias=alias)


def each_once(items):
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise ValueError(f"“{repeated[0]}” is listed twice")
    return items


def listing(item_type, key=None):
    """A list in which no item (or no item's `key`) is given twice."""
    if key is None:
        return Annotated[list[item_type], AfterValidator(each_once)]
    return Annotated[
        list[item_type], AfterValidator(lambda items: each_once([getattr(i, key) for i in items]) and items)
    ]


TermSlug = value_of(Term, "slug")


class Schema(BaseModel):
    # strict: "reviewed: 12" is not a date, "autolink: 1" not true/false, "title: 3" not text.
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


def schema(name, model, /, *names, **more):
    """A Schema with a key for each of `model`'s fields in `names`, and the keys in `more`."""
    return create_model(name, __base__=Schema, **{field: key_of(model, field) for field in names}, **more)


SourceFile = schema("SourceFile", Source, "title", "url")

TermFile = schema(
    "TermFile",
    Term,
    "title", "summary", "abbreviation", "sense", "reviewed", "autolink",
    aliases=(listing(value_of(Alias, "name")), []),
    category=(value_of(Category, "slug") | None, None),
    related=(listing(TermSlug), []),
    sources=(list[SourceFile], []),
    facets=(dict[value_of(Aspect, "slug"), value_of(Facet, "text")], {}),
    former_slugs=(listing(TermSlug), []),
)  # fmt: skip

ComparisonFile = schema(
    "ComparisonFile",
    Comparison,
    "title", "summary", "reviewed",
    terms=(listing(TermSlug), ...),
    aspects=(listing(value_of(Aspect, "slug")), ...),
)  # fmt: skip

OptionFile = schema(
    "OptionFile",
    Option,
    "text", "correct", "feedback",
    key=key_of(Option, "key", alias="id"),
    cites=(listing(str), []),
)  # fmt: skip
QuestionFile = schema(
    "QuestionFile",
    Question,
    "scenario", "prompt", "choose",
    key=key_of(Question, "key", alias="id"),
    options=(listing(OptionFile, "key"), ...),
)  # fmt: skip
QuizFile = schema("QuizFile", Quiz, "title", "summary", questions=(listing(QuestionFile, "key"), ...))

CategoryFile = schema("CategoryFile", Category, "slug", "name", "description")
AspectFile = schema("AspectFile", Aspect, "slug", "name", "description")

StageFile = schema("StageFile", Stage, "slug", "name", "description", term=(TermSlug, ...))
BandFile = schema(
    "BandFile",
    Band,
    "label", "kind", "note",
    term=(TermSlug, ...),
    start=(value_of(Stage, "slug"), Field(..., alias="from")),
    end=(value_of(Stage, "slug"), Field(..., alias="to")),
)  # fmt: skip
TimelineFile = schema(
    "TimelineFile", Stage, stages=(listing(StageFile, "slug"), ...), bands=(list[BandFile], [])
)

AdvisorQuestion = schema(
    "AdvisorQuestion",
    Advisor,
    id=(str, ...),
    prompt=(str, ...),
    options=(list[schema("AdvisorAnswer", Advisor, id=(str, ...), text=(str, ...))], ...),
)
Partner = schema(
    "Partner",
    Advisor,
    id=(str, ...),
    term=(TermSlug | None, None),
    name=(str, ...),
    summary=(str, ""),
    ask_heading=(str, "What to ask a prospective partner"),
    ask=(list[str], []),
)
Rule = schema(
    "Rule",
    Advisor,
    when=(dict[str, list[str]], ...),
    recommend=(listing(str), ...),
    because=(str, ...),
    compare=(listing(str), []),
)
AdvisorFile = schema(
    "AdvisorFile",
    Advisor,
    "title", "intro",
    questions=(list[AdvisorQuestion], ...),
    partners=(list[Partner], ...),
    rules=(list[Rule], ...),
)  # fmt: skip


def explain(error, kind):
    """A person's words for one of pydantic's errors."""
    loc = [str(k) for k in error["loc"] if not str(k).startswith("function-")]
    name = "“" + ".".join(loc) + "”"
    if error["type"] == "missing":
        return f"{name} is missing or empty: it is required"
    if error["type"] == "extra_forbidden":
        known = list(kind.json_schema(by_alias=True).get("properties", {})) if len(loc) == 1 else []
        hint = difflib.get_close_matches(loc[-1], known, n=1)
        return f"unknown key {name}" + (f": did you mean “{hint[0]}”?" if hint else "")
    if error["type"] == "string_too_long":  # as Django words it, in the admin's forms too
        limit, length = error["ctx"]["max_length"], len(error["input"].strip())
        message = f"Ensure this value has at most {limit} characters (it has {length})."
    elif error["type"] == "string_too_short":
        message = "This field cannot be blank."
    else:
        message = error["msg"].removeprefix("Value error, ")
    if error["type"].startswith("date") or message.endswith("valid date"):
        message += " written YYYY-MM-DD"
    return f"{name}: {message}" if loc else message


# What each file or folder of content/ holds, and the file names of each folder.
SLUG = {
    "terms": TypeAdapter(TermSlug),
    "comparisons": TypeAdapter(value_of(Comparison, "slug")),
    "quizzes": TypeAdapter(value_of(Quiz, "slug")),
}


def is_slug(folder, name):
    try:
        SLUG[folder].validate_python(name)
    except Invalid:
        return False
    return True


CATEGORIES = TypeAdapter(listing(CategoryFile, "slug"))
ASPECTS = TypeAdapter(listing(AspectFile, "slug"))
TERM = TypeAdapter(TermFile)
COMPARISON = TypeAdapter(ComparisonFile)
QUIZ = TypeAdapter(QuizFile)
TIMELINE = TypeAdapter(TimelineFile)
ADVISOR = TypeAdapter(AdvisorFile)
