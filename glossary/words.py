"""Words as the glossary compares them: one tokenizer (words_in) and one normal form (fold_all).

Links between entries, search and "Explain this text" all find terms through them, so that they
agree: a word that search takes for a term's name is one a body links and a pasted text marks.
Search also matches the text of entries by stems (stem), built on the same folded words.
"""

import functools
import re
import unicodedata

import snowballstemmer

# A word is a run of letters and digits; a hyphen or an apostrophe ends it ("sponsor-investigator" is
# two words, "CRO's" is "CRO" and "s"). Capitals written with dots ("U.S.", "C.G.M.P.") are one word,
# read without the dots; a number with dots ("312.21", a section of a regulation) is one word with them,
# so that "3" is not found inside "312.3".
WORD_RE = re.compile(r"[A-Za-z](?:\.[A-Za-z])+\.?(?![^\W_])|\d+(?:\.\d+)+|[^\W_]+")


def words_in(text):
    """[(word, start, end)] of `text`, in order: the word as written (dots of "U.S." left out) and
    where it is."""
    found = []
    for m in WORD_RE.finditer(text or ""):
        word = m.group()
        found.append((word if word[0].isdigit() else word.replace(".", ""), m.start(), m.end()))
    return found


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
    "aetiology": "etiology", "judgement": "judgment", "grey": "gray",
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


# After these words a number is a number however it is written: "phase III", "phase three" and
# "phase 3" are one name. Elsewhere "I" stays a word and "three" a word.
NUMBERED = {"phase", "part", "type", "stage", "annex", "module", "class", "tier", "schedule", "level"}
NUMBERS = {
    name: str(n)
    for names in (
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
        ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"],
    )
    for n, name in enumerate(names)
    if name
}


def fold_all(words):
    """fold() of each of `words` (a text's, in order), with numbers after NUMBERED words as digits."""
    folded = [fold(word) for word in words]
    for i in range(1, len(folded)):
        if folded[i] in NUMBERS and folded[i - 1] in NUMBERED:
            folded[i] = NUMBERS[folded[i]]
    return folded


def words(text):
    """The folded words of `text`."""
    return fold_all([word for word, _, _ in words_in(text)])


def key(text):
    """A name as it is stored and compared: its folded words, joined by spaces."""
    return " ".join(words(text))


# Search finds a text by its words' stems, so that "toxicity" meets "toxic" and "assays" "assay".
# Snowball's English stemmer, and a few words whose stems differ though a reader takes them for
# one: "toxicology" finds a page that says "toxicity".
STEMMER = snowballstemmer.stemmer("english")
SAME_STEM = {
    "toxicolog": "toxic", "analyt": "analysi", "analyz": "analysi", "regulatori": "regul",
    "safeti": "safe", "stabl": "stabil",
}  # fmt: skip


@functools.lru_cache(maxsize=20_000)
def stem(folded):
    """The stem of a folded word, as search compares the words of a text."""
    if not folded.isalpha():
        # "312.21" as "312d21": both databases' full-text indexes split words at a dot, and would
        # find "3" in "312.3".
        return folded.replace(".", "d")
    stemmed = STEMMER.stemWord(folded)
    return SAME_STEM.get(stemmed, stemmed)


def stems(text):
    """The stems of the words of `text`: what search matches a text by."""
    return [stem(word) for word in words(text)]
