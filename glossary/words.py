"""Words as the glossary compares them: one tokenizer and one normal form.

Links between entries, search and "Explain this text" all find terms through these two functions,
so that they agree: a word that search takes for a term's name is one a body links and a pasted
text marks.
"""

import functools
import re
import unicodedata

# A word is a run of letters and digits; a hyphen or an apostrophe ends it ("sponsor-investigator" is
# two words, "CRO's" is "CRO" and "s"). Capitals written with dots ("U.S.", "C.G.M.P.") are one word,
# read without the dots.
WORD_RE = re.compile(r"[A-Za-z](?:\.[A-Za-z])+\.?(?![^\W_])|[^\W_]+")


def words_in(text):
    """[(word, start, end)] of `text`, in order: the word as written (dots of "U.S." left out) and
    where it is."""
    return [(m.group().replace(".", ""), m.start(), m.end()) for m in WORD_RE.finditer(text or "")]


# British spellings that no rule below covers, in their American form (the form names are kept in).
SPELLINGS = {
    "programme": "program", "behaviour": "behavior", "colour": "color", "favour": "favor",
    "labour": "labor", "tumour": "tumor", "centre": "center", "licence": "license",
    "defence": "defense", "offence": "offense", "catalogue": "catalog", "dialogue": "dialog",
    "ageing": "aging", "enrolment": "enrollment", "enrol": "enroll", "fulfil": "fulfill",
    "fulfilment": "fulfillment", "labelling": "labeling", "labelled": "labeled", "modelling": "modeling",
    "cancelled": "canceled", "travelling": "traveling", "sulphate": "sulfate", "sulphur": "sulfur",
    "paediatric": "pediatric", "anaemia": "anemia", "oedema": "edema", "haematology": "hematology",
    "haemoglobin": "hemoglobin", "oestrogen": "estrogen", "foetal": "fetal", "foetus": "fetus",
    "aetiology": "etiology", "oncological": "oncologic", "judgement": "judgment", "grey": "gray",
    "practise": "practice", "manoeuvre": "maneuver", "aluminium": "aluminum",
}  # fmt: skip

# -isation, -ise, -ised, -yse...: the American -ization, -ize, -yzed. Words that end so in both
# spellings ("otherwise") change too, harmlessly: text and names are folded alike.
BRITISH_ENDINGS = re.compile(r"(?<=..)([iy])s(ation|e|ed|es|ing|er)$")


@functools.lru_cache(maxsize=20_000)  # called for every word of every text; most words recur
def fold(word):
    """A word in the form names are compared in: lowercase, without accents, singular, American.

    "Organisations" -> "organization", "Batches" -> "batch", "cGMP" -> "cgmp", "Müller" -> "muller".
    """
    word = word.casefold()
    if not word.isascii():
        word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    word = singular(word)
    if word in SPELLINGS:
        return SPELLINGS[word]
    return BRITISH_ENDINGS.sub(r"\1z\2", word)


def singular(word):
    """A plain English singular: "organizations" -> "organization", "studies" -> "study"."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text):
    """The folded words of `text`."""
    return [fold(word) for word, _, _ in words_in(text)]


def key(text):
    """A name as it is stored and compared: its folded words, joined by spaces."""
    return " ".join(words(text))
