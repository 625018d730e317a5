"""Working through many rows a batch at a time, so that memory stays flat however many there are."""


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
