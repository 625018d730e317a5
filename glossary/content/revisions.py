"""Revisions (django-reversion) of what loads write.

A load records one revision holding a version of every entry it updated. The entries it creates
get no version then: their file is their record, and on a cold load of 10,000 terms the versions
took a third of the time and doubled the database. Their first version, "as loaded", is written
when the admin first changes or deletes them (loaded_version), so history, diff, revert and
recover work the same.

reversion.add_to_revision() is made for a handful of objects: for each one it runs queries for what
the object follows and copies the revision's list of versions so far, so adding n entries costs n².
record_revision() writes the same Version rows (same serialisation, same followed objects, as the
admin registered them) in batches, with the relations prefetched.
"""

import json

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router
from django.utils import timezone
from reversion.models import Revision, Version
from reversion.revisions import _get_options  # the registered fields and follows: no public API

from glossary.batches import batches

BATCH = 500


def record_revision(comment, querysets, date_created=None):
    """Save one revision of every row of `querysets` and what each row follows; None if they are empty."""
    revision = None
    for queryset in querysets:
        for batch in batches(prefetched(queryset), BATCH):
            if revision is None:
                revision = Revision.objects.create(
                    comment=comment, date_created=date_created or timezone.now()
                )
            Version.objects.bulk_create(versions(revision, batch), batch_size=BATCH)
    return revision


def loaded_version(queryset):
    """Before the admin changes or deletes these entries: a version of each loaded one that has none."""
    rows = list(queryset.exclude(source_file="").only("pk", "source_file", "loaded"))
    content_type = ContentType.objects.get_for_model(queryset.model)
    versioned = set(
        Version.objects.filter(
            content_type=content_type, object_id__in=[str(r.pk) for r in rows]
        ).values_list("object_id", flat=True)
    )
    for row in rows:
        if str(row.pk) not in versioned:
            record_revision(
                f"Loaded from {row.source_file} by load_glossary",
                [queryset.model.objects.filter(pk=row.pk)],
                date_created=row.loaded,
            )


def prefetched(queryset):
    options = _get_options(queryset.model)
    many = [f.name for f in queryset.model._meta.many_to_many if f.name in options.fields]
    return queryset.prefetch_related(*options.follow, *many).iterator(chunk_size=BATCH)


def versions(revision, rows):
    """Version rows for `rows` (all of one model) and, recursively, for what they follow."""
    if not rows:
        return []
    model = type(rows[0])
    options = _get_options(model)
    content_type = ContentType.objects.get_for_model(model)
    # Many-to-many values come from the prefetched rows: Django's serialiser would build a queryset for
    # each row and relation even when they are prefetched.
    many = [f.name for f in model._meta.many_to_many if f.name in options.fields]
    data = serializers.serialize("python", rows, fields=[f for f in options.fields if f not in many])
    for row, item in zip(rows, data, strict=True):
        for name in many:
            item["fields"][name] = [related.pk for related in getattr(row, name).all()]
    out = [
        Version(
            revision=revision,
            content_type=content_type,
            object_id=str(row.pk),
            db=router.db_for_write(model),
            format=options.format,
            # What serializers.serialize("json", [row]) gives, as reversion stores it.
            serialized_data=json.dumps([item], cls=DjangoJSONEncoder),
            object_repr=str(row),
        )
        for row, item in zip(rows, data, strict=True)
    ]
    for name in options.follow:
        followed = [child for row in rows for child in getattr(row, name).all()]
        out += versions(revision, followed)
    return out
