"""Working through many rows a batch at a time, so that memory stays flat however many there are."""

from django.db import connection, transaction
from django.db.models.constants import OnConflict

# Values that the database driver takes as they are; others (dates, times) are prepared by their field.
PLAIN_FIELDS = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey",
    "IntegerField", "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField", "URLField",
}  # fmt: skip


def batches(items, size):
    """Lists of up to `size` items, in order, from any iterable (a generator is read as it goes)."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert(model, fields, rows, ignore_conflicts=False, size=1000):
    """Insert `rows`, tuples of values for `fields` (attribute names), into `model`'s table.

    For the hundreds of thousands of rows of a large load: bulk_create builds a model instance for
    every row and prepares every value through its field, which costs more than writing the row.
    Like bulk_create, this sends no signals; the values must be complete and valid.
    """
    model_fields = [model._meta.get_field(name) for name in fields]
    prepared = [(i, f) for i, f in enumerate(model_fields) if f.get_internal_type() not in PLAIN_FIELDS]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    ops, quote = connection.ops, connection.ops.quote_name
    sql = " ".join(
        [
            ops.insert_statement(on_conflict=on_conflict),
            f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in model_fields)})",
            f"VALUES ({', '.join(['%s'] * len(fields))})",
            ops.on_conflict_suffix_sql(model_fields, on_conflict, None, None),
        ]
    )
    done = {}  # (column, value) -> prepared value: a load's rows share a few dates and one time

    def prepare(i, f, value):
        if (i, value) not in done:
            done[i, value] = f.get_db_prep_save(value, connection)
        return done[i, value]

    # One transaction, as bulk_create's: all rows or none, and outside a caller's transaction SQLite
    # would otherwise commit (and sync to disk) once per batch.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for batch in batches(rows, size):
            if prepared:
                batch = [list(row) for row in batch]
                for row in batch:
                    for i, f in prepared:
                        row[i] = prepare(i, f, row[i])
            cursor.executemany(sql, batch)


def replace_rows(model, owner_field, stale, fields, rows):
    """insert() `rows` of `model` in place of every row owned by `stale` (ids in `owner_field`).

    Owners just created own none yet: leaving them out of `stale` spares a cold load of 100,000 terms
    a thousand DELETEs that find nothing. They go 500 owners at a time: a query with 100,000 ids
    costs more to build than many small ones.
    """
    for owners in batches(stale, 500):
        model.objects.filter(**{f"{owner_field}__in": owners}).delete()
    insert(model, fields, rows)
