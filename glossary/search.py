"""Search: normalising words, the search index built when content is saved, and queries against it.

Every name (title, abbreviation, other name) is stored normalised in SearchName, for exact and
prefix matches through an ordinary index; all of a term's text is stored normalised in
SearchDocument, matched by the database's own full-text index (SQLite FTS5, PostgreSQL GIN on a
'simple' tsvector). Because the words are normalised here, before either database sees them, both
databases find exactly the same terms. Typos are corrected against the vocabulary of names
(SearchWord), by matching one-letter deletions, never by scanning terms.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from glossary.models import SearchDocument, SearchName, SearchWord, Term, in_batches, insert_rows
from glossary.words import fold, key, stem, stems, words, words_in

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_RESULTS = 20


def compact(text):
    """The key without spaces, so that "c g m p" meets "cgmp"."""
    return key(text).replace(" ", "")


def deletions(word):
    """The word and every form of it with one letter left out: two words within one edit share one."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a, b):
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def clean_query(raw):
    """The query as a person meant it: control characters out, length bounded."""
    raw = "".join(ch for ch in (raw or "") if unicodedata.category(ch)[0] != "C" or ch == " ")
    return " ".join(raw.split())[:MAX_QUERY_LENGTH]


# The full-text part, the only place the two databases differ.


def text_matches(query_words, limit):
    """Term ids whose text holds every one of `query_words` (stems)."""
    if not query_words:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT term_id FROM glossary_searchdocument"
                " WHERE search_vector @@ to_tsquery('simple', %s) ORDER BY term_id LIMIT %s",
                [" & ".join(query_words), limit],
            )
        else:
            match = " ".join(f'"{w}"' for w in query_words)
            cursor.execute(
                "SELECT rowid FROM glossary_searchdocument_fts WHERE glossary_searchdocument_fts MATCH %s"
                " ORDER BY rowid LIMIT %s",
                [match, limit],
            )
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Hit:
    term: object
    rank: int  # 0 abbreviation or title, 1 other name, 2 prefix of a name, 3 text
    reason: str
    snippet: str = ""


def highlight(text, query, width=160):
    """A piece of plain `text` around the first word that search matched for `query` (a word with the
    same stem), with every such word marked; escaped."""
    if not text:
        return ""
    plain = " ".join(text.split())
    wanted = set(stems(query))
    marked = [(start, end) for word, start, end in words_in(plain) if stem(fold(word)) in wanted]
    start = max(0, marked[0][0] - width // 3) if marked else 0
    # Start and end at a space: never in the middle of a word.
    if start:
        start = plain.rfind(" ", 0, start) + 1
    stop = start + width
    if stop < len(plain):
        stop = max(plain.rfind(" ", start, stop), start + width // 2)
    out, last = [], start
    for s, e in marked:
        if s >= start and e <= stop:
            out += [escape(plain[last:s]), f"<mark>{escape(plain[s:e])}</mark>"]
            last = e
    out.append(escape(plain[last:stop]))
    prefix, suffix = ("…" if start else ""), ("…" if stop < len(plain) else "")
    return mark_safe(prefix + "".join(out) + suffix)


# Building the index: at load and at admin save, never per request.


# A name written together ("C.M.O." -> "cmo", "21 CFR" -> "21cfr") is a word a reader may type, so
# typos in it are corrected too; a long title written together is not, and at 100,000 terms its
# one-letter deletions would be most of the vocabulary's rows.
MAX_COMPACT_WORD = 10


BATCH = 1000


@transaction.atomic
def index_terms(term_ids):
    """Rebuild the search rows of these terms from the database (an admin save)."""
    terms = Term.objects.filter(pk__in=term_ids).prefetch_related("aliases")
    write_index(
        (t.pk, t.title, t.abbreviation, [a.name for a in t.aliases.all()], t.summary, t.body) for t in terms
    )


def write_index(entries, new=frozenset()):
    """write_index_batch() of `entries`, a thousand terms at a time: a large load holds no more."""
    entries = list(entries)
    for start in range(0, len(entries), BATCH):
        write_index_batch(entries[start : start + BATCH], new)


def write_index_batch(entries, new):
    """Replace the search rows of the terms in `entries`: (id, title, abbreviation, aliases, summary,
    body, and optionally the document_text() of these, if already made). Terms whose ids are in `new`
    were just created: they have no rows to delete. New words of names join the vocabulary."""
    names, documents, vocabulary, stale = [], [], set(), []
    for term_id, title, abbreviation, aliases, summary, body, *text in entries:
        if term_id not in new:
            stale.append(term_id)
        text = text[0] if text else document_text(title, abbreviation, aliases, summary, body)
        documents.append({"term_id": term_id, "text": text})
        named = [(SearchName.Kind.NAME, title), (SearchName.Kind.NAME, abbreviation)]
        for kind, name in named + [(SearchName.Kind.ALIAS, a) for a in aliases]:
            name_key = key(name)
            if name and name_key:
                name_compact = name_key.replace(" ", "")  # compact(name)
                names.append(
                    {
                        "term_id": term_id,
                        "kind": kind,
                        "name": name,
                        "key": name_key[:200],
                        "compact": name_compact[:200],
                    }
                )
                vocabulary.update(w for w in name_key.split() if not w.isdigit())  # "211": no typos to fix
                if len(name_compact) <= MAX_COMPACT_WORD:
                    vocabulary.add(name_compact)
    for start in range(0, len(stale), BATCH):
        SearchName.objects.filter(term__in=stale[start : start + BATCH]).delete()
        SearchDocument.objects.filter(term__in=stale[start : start + BATCH]).delete()
    insert_rows(SearchName, names)
    insert_rows(SearchDocument, documents)
    add_vocabulary(vocabulary)


def add_vocabulary(vocabulary):
    """Add the words (of names) not yet known, with their one-letter deletions, for typo correction."""
    vocabulary = sorted(w for w in vocabulary if len(w) <= 60)
    known = set(in_batches(SearchWord.objects.values_list("word", flat=True), "word", vocabulary))
    insert_rows(
        SearchWord, [{"word": w, "variant": v} for w in vocabulary if w not in known for v in deletions(w)]
    )


def document_text(title, abbreviation, aliases, summary, body):
    """All of a term's text, as the stems of its words, as its SearchDocument holds it."""
    return " ".join(stems(" ".join([title, abbreviation, *aliases, summary, body])))


# Querying.


@dataclass
class Results:
    query: str  # as cleaned
    hits: list
    corrected: str = ""  # the words searched for instead, when the query had a typo
    suggestion: str = ""  # a name like the query, which may be what was meant ("CRA" for "CRN")

    @property
    def named(self):
        """The term the query names: its one exact match, or the glossary's own sense of an
        abbreviation with several ("CMO" is this glossary's CMO before a chief medical officer)."""
        exact = [h for h in self.hits if h.rank <= 1]
        return exact[0].term if exact and not self.corrected and not exact[0].term.sense else None

    @property
    def single(self):
        """The one clear hit (a lone exact name match), which search sends the reader straight to."""
        exact = [h for h in self.hits if h.rank <= 1]
        return exact[0].term if len(exact) == 1 and not self.corrected else None


def prefix_filter(query_key):
    if connection.vendor == "sqlite":
        # A range on the BINARY-collated column uses its index; keys are plain ASCII, so this is a prefix.
        return Q(key__gte=query_key, key__lt=query_key[:-1] + chr(ord(query_key[-1]) + 1))
    return Q(key__startswith=query_key)


TERM_FIELDS = ["slug", "title", "abbreviation", "summary", "sense", "body_html"]


def find(query_words, limit):
    query_key = " ".join(query_words)
    best = {}

    def add(term_id, rank, reason):
        if term_id not in best or rank < best[term_id][0]:
            best[term_id] = (rank, reason)

    exact = SearchName.objects.filter(Q(key=query_key) | Q(compact=query_key.replace(" ", "")))
    for name in exact.only("term_id", "kind", "name")[:limit]:
        add(name.term_id, name.kind, "Other name: " + name.name if name.kind else "")
    if len(best) == 1:
        # A lone exact name is the one clear hit: the page goes straight there, so look no further.
        term_id, (rank, reason) = next(iter(best.items()))
        term = Term.objects.only(*TERM_FIELDS).filter(pk=term_id).first()
        return [Hit(term, rank, reason)] if term else []
    # In the order of their index: with more matches than the limit, every database keeps the same ones.
    prefixed = SearchName.objects.filter(prefix_filter(query_key)).order_by("key")
    for name in prefixed.only("term_id", "name")[:limit]:
        add(name.term_id, 2, "Starts with your search: " + name.name)
    for term_id in text_matches([stem(w) for w in query_words], limit):
        add(term_id, 3, "Mentions your search")
    terms = Term.objects.only(*TERM_FIELDS).in_bulk(list(best)[:limit])
    hits = [Hit(terms[pk], rank, reason) for pk, (rank, reason) in best.items() if pk in terms]
    # Exact names first, then other names, prefixes and text; the glossary's main sense before others.
    hits.sort(key=lambda h: (h.rank, bool(h.term.sense), h.term.title.casefold()))
    return hits[:limit]


MAX_ABBREVIATION = 5  # a one-word query this short may be an abbreviation: never corrected unasked

LITTLE_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs"}


def correct(query_words):
    """The query with each word that is not in the vocabulary replaced by its nearest word, if any."""
    known = set(SearchWord.objects.filter(word__in=query_words).values_list("word", flat=True))
    fixed = []
    for word in query_words:
        if word in known or len(word) < 3 or word.isdigit():
            fixed.append(word)
            continue
        candidates = set(
            SearchWord.objects.filter(variant__in=deletions(word)).values_list("word", flat=True)
        )
        # A short word is more often another abbreviation than a typo: "sad" is not "and", nor
        # "coa" "cmo". Such words are corrected by one letter at most, and never into a little word.
        most = 1 if len(word) <= 4 else 2
        # Nearest first; then a word of the same length (a slip of one key), then the longest shared start.
        scored = sorted(
            (edit_distance(word, c), abs(len(word) - len(c)), -len(common_prefix(word, c)), c)
            for c in candidates - LITTLE_WORDS
            if edit_distance(word, c) <= most
        )
        fixed.append(scored[0][-1] if scored else word)
    return fixed


def common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


# The words a question wraps around a term ("what is a CRO", "CRO meaning"): when the whole question
# names no term, it is searched again without them.
QUESTION_WORDS = set(words(
    "what whats is are a an the meaning means mean definition define does do stand stands for explain "
    "abbreviation acronym"
))  # fmt: skip


def search(raw, limit=MAX_RESULTS):
    query = clean_query(raw)
    query_words = words(query)[:MAX_WORDS]
    if not query_words:
        return Results(query, [])
    hits = find(query_words, limit)
    asked = [w for w in query_words if w not in QUESTION_WORDS]
    if asked and asked != query_words and not any(h.rank <= 1 for h in hits):
        named = find(asked, limit)
        if any(h.rank <= 1 for h in named):
            return Results(query, named)
    if hits:
        return Results(query, hits)
    fixed = correct(query_words)
    if fixed == query_words:
        return Results(query, [])
    if len(query_words) == 1 and len(query_words[0]) <= MAX_ABBREVIATION:
        # Likely an abbreviation the glossary lacks ("CRN"), not a slip: say what is near, replace nothing.
        name = SearchName.objects.filter(key=fixed[0]).order_by("kind").values_list("name", flat=True).first()
        return Results(query, [], suggestion=name or fixed[0])
    return Results(query, find(fixed, limit), corrected=" ".join(fixed))


# "CMO vs CDMO", "difference between a CRO and a CMO", "compare GLP and GCP".
VERSUS = re.compile(r"(.+?)\s+(?:vs\.?|versus)\s+(.+)", re.IGNORECASE)
BETWEEN = re.compile(
    r"(?:(?:what is )?the )?(?:difference between|compare)\s+(.+?)\s+(?:and|with|to)\s+(.+)", re.IGNORECASE
)


def compared(raw):
    """The slugs of two terms a query asks to compare, each named exactly, or None."""
    query = clean_query(raw).rstrip("?")
    found = VERSUS.fullmatch(query) or BETWEEN.fullmatch(query)
    if not found:
        return None
    terms = [search(side).named for side in found.groups()]
    if None in terms or terms[0] == terms[1]:
        return None
    return [t.slug for t in terms]


def suggestions(raw, limit=8):
    """Names that start with what has been typed so far: exact names first, for the search box."""
    query_key = key(clean_query(raw))
    if len(query_key) < 2:
        return []
    names = (
        SearchName.objects.filter(prefix_filter(query_key) | Q(compact=query_key.replace(" ", "")))
        .select_related("term")
        .order_by("kind", "key")[: limit * 3]
    )
    seen, out = set(), []
    for name in names:
        if name.term_id in seen:
            continue
        seen.add(name.term_id)
        out.append(name)
    out.sort(
        key=lambda n: (
            n.key != query_key and n.compact != query_key.replace(" ", ""),
            n.kind,
            bool(n.term.sense),
        )
    )
    return out[:limit]
