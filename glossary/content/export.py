"""The way back (export_glossary): entries edited in the admin since their files last agreed with
them are written into those files, and the files of entries deleted there removed; no other file is
touched. A file keeps its layout: ruamel.yaml reads it with comments, quoting, folding and order, and
only changed values are replaced. A file changed on disk since its load is never overwritten without
`force`. Each entry then records its file's new SHA-256, so the next load finds nothing to do.
"""

import hashlib
import io
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml as pyyaml
from django.db import transaction
from django.db.models import Prefetch
from django.utils.timezone import now
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, ScalarString

from glossary.content.plan import DOCUMENTS
from glossary.content.read import Loader, display_path
from glossary.content.read import front_matter as front_matter_of
from glossary.models import Comparison, Deletion, Term, lock_content, unexported
from glossary.quiz.models import DEFAULT_PROMPT, Option, Quiz

FOLD_AT = 96  # where an author's editor wraps a long folded (>-) value
UNORDERED = {"related"}  # lists whose order means nothing: an author's order is kept
SLUGS = re.compile(r"[a-z0-9#-]+")  # slugs and citations: a list of them is written on one line
TERM_OWNS = ("aliases", "sources", "related", "facets__aspect", "former_slugs")


@dataclass
class Result:
    written: list = field(default_factory=list)  # relative paths
    removed: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # why a file was not written


def export_content(root, force=False):
    root, result = Path(root), Result()
    options = Option.objects.prefetch_related("citations__comparison", "citations__aspect")
    entries = {
        Term: Term.objects.select_related("category").prefetch_related(*TERM_OWNS),
        Comparison: Comparison.objects.prefetch_related(
            "comparison_terms__term", "comparison_aspects__aspect"
        ),
        Quiz: Quiz.objects.prefetch_related("questions", Prefetch("questions__options", options)),
    }
    with transaction.atomic():
        lock_content()  # no load or admin save comes in between: each entry and its file agree after
        for model, queryset in entries.items():
            for entry in unexported(queryset):
                export_entry(root, entry, f"{DOCUMENTS[model]}/{entry.slug}.md", force, result)
        for deletion in Deletion.objects.filter(exported=False):
            path = root / deletion.source_file
            if path.exists() and digest(path.read_bytes()) != deletion.source_hash and not force:
                result.refused.append(
                    f"{display_path(path)}: changed on disk since it was loaded; not removed"
                )
                continue
            result.removed += [deletion.source_file] if path.exists() else []
            path.unlink(missing_ok=True)
            Deletion.objects.filter(pk=deletion.pk).update(exported=True)
    return result


def digest(data):
    return hashlib.sha256(data).hexdigest()


def export_entry(root, entry, name, force, result):
    old = root / entry.source_file if entry.source_file else None
    target = root / name
    if old and old.exists() and digest(old.read_bytes()) != entry.source_hash and not force:
        why = f"changed on disk since it was last loaded, and “{entry.slug}” was edited in the admin"
        advice = "Load with --overwrite-edits to take the file, or export with --force to keep the admin's"
        result.refused.append(f"{display_path(old)}: {why}. {advice}.")
        return
    if target != old and target.exists() and not force:
        result.refused.append(f"{display_path(target)}: already exists and is another entry's file")
        return
    previous = old.read_text(encoding="utf-8") if old and old.exists() else None
    text = document(previous, front_matter(entry), entry.body)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if old and old != target and old.exists():
        old.unlink()
        result.removed.append(entry.source_file)
    result.written.append(name)
    # An update, not a save: exporting changes no content, and an editor's open form stays valid.
    source = {"source_file": name, "source_hash": digest(text.encode()), "loaded": now()}
    type(entry).objects.filter(pk=entry.pk).update(**source)


def front_matter(entry):
    """What the entry's file says above its body, keys in the documented order, empty ones left out."""
    if isinstance(entry, Term):
        data = {
            "title": entry.title, "abbreviation": entry.abbreviation, "sense": entry.sense,
            "aliases": [a.name for a in entry.aliases.all()], "summary": entry.summary,
            "category": entry.category.slug if entry.category else "",
            "related": sorted(t.slug for t in entry.related.all()),
            "sources": [{"title": s.title, "url": s.url} for s in entry.sources.all()],
            "reviewed": entry.reviewed, "autolink": None if entry.autolink else False,
            "facets": {f.aspect.slug: f.text for f in entry.facets.all()},
            "former_slugs": [f.slug for f in entry.former_slugs.all()],
        }  # fmt: skip
    elif isinstance(entry, Comparison):
        data = {
            "title": entry.title, "summary": entry.summary,
            "terms": [ct.term.slug for ct in entry.comparison_terms.all()],
            "aspects": [ca.aspect.slug for ca in entry.comparison_aspects.all()], "reviewed": entry.reviewed,
        }  # fmt: skip
    else:
        questions = [question(q) for q in entry.questions.all()]
        data = {"title": entry.title, "summary": entry.summary, "questions": questions}
    return without_empty(data)


def question(q):
    options = [
        without_empty({"id": o.key, "text": o.text, "correct": o.correct or None, "feedback": o.feedback,
                       "cites": [str(c) for c in o.citations.all()]})
        for o in q.options.all()
    ]  # fmt: skip
    return without_empty({
        "id": q.key, "scenario": q.scenario, "prompt": "" if q.prompt == DEFAULT_PROMPT else q.prompt,
        "choose": "" if q.choose == "one" else q.choose, "options": options,
    })  # fmt: skip


def without_empty(data):
    return {k: v for k, v in data.items() if v not in ("", None, [], {})}


def yaml():
    y = YAML()  # round-trip: comments, quoting, folding and order survive
    y.preserve_quotes = True
    y.width = 4096  # never wrap a value an author wrote on one line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def document(old_text, data, body):
    """The file's text: `data` merged into the front matter of `old_text` (if any), then `body`."""
    y = yaml()
    tree = merge(y.load(front_matter_of(old_text)[0]), data) if old_text else fresh(data)
    out = io.StringIO()
    y.dump(tree, out)
    return f"---\n{out.getvalue()}---\n{body}" + ("" if body.endswith("\n") or not body else "\n")


def plain(value):
    """What ruamel read, as plain data, to compare with the database's."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return str(value) if isinstance(value, ScalarString) else value


def merge(old, new, key=None):
    """`new` in the place of `old` (as ruamel read it), keeping the layout of all that is the same."""
    if plain(old) == new:
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for gone in [k for k in old if k not in new]:
            del old[gone]
        for position, (k, value) in enumerate(new.items()):
            if k in old:
                old[k] = merge(old[k], value, k)
            else:
                old.insert(min(position, len(old)), k, fresh(value))
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        if key in UNORDERED:
            new = [v for v in old if v in new] + [v for v in new if v not in old]
            if plain(old) == new:
                return old
        by_id = {item["id"]: item for item in old if isinstance(item, dict) and "id" in item}
        items = [
            merge(by_id[v["id"]], v) if isinstance(v, dict) and v.get("id") in by_id
            else merge(old[i], v) if i < len(old) and not by_id
            else fresh(v)
            for i, v in enumerate(new)
        ]  # fmt: skip
        old.clear()
        old.extend(items)
        return old
    if isinstance(new, str) and isinstance(old, ScalarString):
        return folded(new) if isinstance(old, FoldedScalarString) else type(old)(new)
    return fresh(new)


def plain_or_quoted(text):
    """`text`, quoted unless the loader's YAML parser (read.Loader) reads it back bare as the same text.

    ruamel.yaml writes YAML 1.2, in which `yes` and `:0` are plain text; in PyYAML's YAML 1.1 one
    is true and the other an error.
    """
    try:
        same = pyyaml.load(f"key: {text}\nlist:\n  - {text}\n", Loader) == {"key": text, "list": [text]}
    except pyyaml.YAMLError:
        same = False
    return text if same else DoubleQuotedScalarString(text)


def fresh(value):
    """A value with no layout of its own yet: long text folded, short lists of slugs on one line."""
    if isinstance(value, dict):
        return CommentedMap((k, fresh(v)) for k, v in value.items())
    if isinstance(value, list):
        seq = CommentedSeq(fresh(v) for v in value)
        if all(isinstance(v, str) and SLUGS.fullmatch(v) for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and len(value) > FOLD_AT and "\n" not in value:
        return folded(value)
    return plain_or_quoted(value) if isinstance(value, str) else value


def folded(text):
    """`text` as a folded (>-) block, its lines broken at spaces before FOLD_AT characters."""
    if "\n" in text or "  " in text or text != text.strip():
        return plain_or_quoted(text)  # a fold would change it
    value = FoldedScalarString(text)
    value.fold_pos, position = [], 0
    for line in textwrap.wrap(text, FOLD_AT, break_long_words=False, break_on_hyphens=False)[:-1]:
        position += len(line)
        value.fold_pos.append(position)
        position += 1
    return value
