"""Reading one content file: text, YAML with line numbers, and checked values.

Every problem is collected as a Problem with its file and line, so one run reports them all.
PyYAML's node tree is used (not just safe_load) because it knows the line of every key and item.
"""

import datetime
import difflib
import functools
import hashlib
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

validate_url = URLValidator(schemes=["http", "https"])


@functools.lru_cache(maxsize=10_000)  # many terms cite the same few regulations and guidelines
def valid_url(url):
    try:
        validate_url(url)
    except ValidationError:
        return False
    return True


# libyaml's parser when PyYAML was built with it (its wheels are): the same nodes and marks, faster.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The commonest key descriptions: (kind, required).
TEXT, REQUIRED_TEXT = ("text", False), ("text", True)
SOURCE_KEYS = {"title", "url"}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path):
    """The path as a person would type it: relative to the current directory when inside it."""
    folder, name = os.path.split(os.fspath(path))
    return os.path.join(display_folder(folder, os.getcwd()), name)


@functools.lru_cache(maxsize=64)  # a load asks for 100,000 files in a handful of folders
def display_folder(folder, cwd):
    try:
        relative = Path(folder).resolve().relative_to(cwd)
    except ValueError:
        return str(Path(folder))
    return "" if relative == Path(".") else str(relative)


def describe(value):
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, datetime.date):
        return f"a date ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of keys"
    return f"“{value}”"


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


class Problems:
    """Collects the problems of one file, by line; `path` is as display_path() shows it."""

    def __init__(self, path, problems):
        self.path, self.problems = path, problems

    def problem(self, line, message):
        self.problems.append(Problem(self.path, line, message))


class FileReader(Problems):
    """Reads one file and collects its problems.

    Keys are described as {name: (kind, required)}. A kind is "text", "date", "bool", "list of text",
    "list of sources", "mapping of text", "mapping of lists", or a nested key description, meaning a
    list of mappings with those keys; a checked list of mappings is a list of (values, lines) pairs.
    """

    def __init__(self, path, problems):
        super().__init__(display_path(path), problems)
        self.file = Path(path)
        self.loader = None
        self.first_line = 1

    def line_of(self, node):
        return self.first_line + node.start_mark.line

    def read_text(self):
        raw = self.file.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            self.problem(line, f"not UTF-8 text (byte 0x{raw[e.start]:02x} cannot be read): save it as UTF-8")
            return None
        text = text.removeprefix("\ufeff")
        if not text.strip():
            self.problem(1, "the file is empty")
            return None
        return text

    def parse(self, text, first_line=1):
        """The YAML node of `text` (None if broken or empty); `first_line` is where it starts in the file."""
        self.first_line = first_line
        self.loader = Loader(text)
        try:
            return self.loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            self.problem(
                first_line + mark.line if mark else first_line, f"broken YAML: {e.problem or e.context}"
            )
        except yaml.YAMLError as e:
            self.problem(first_line, f"broken YAML: {e}")
        return None

    def close(self):
        if self.loader is not None:
            self.loader.dispose()

    def front_matter(self, keys, what):
        """Read a Markdown file with YAML front matter: (values, lines, body, body_line), or None."""
        text = self.read_text()
        if text is None:
            return None
        lines = text.splitlines(keepends=True)
        if lines[0].strip() != "---":
            self.problem(1, f"no front matter: {what} starts with a “---” line, its keys, then another “---”")
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            self.problem(1, "the front matter that starts here is never closed with a “---” line")
            return None
        try:
            node = self.parse("".join(lines[1:end]), first_line=2)
            if node is None:
                if not any(p.path == self.path for p in self.problems):
                    self.problem(1, "the front matter is empty")
                return None
            checked = self.mapping(node, keys, "the front matter")
        finally:
            self.close()
        if checked is None:
            return None
        values, key_lines = checked
        if any(required and key not in values for key, (_, required) in keys.items()):
            return None
        return values, key_lines, "".join(lines[end + 1 :]), end + 2

    def yaml_file(self, kind, what):
        """Read a whole YAML file: a mapping if `kind` is a key description wrapped in a tuple,
        otherwise a value of that kind. None if it has problems of its own."""
        text = self.read_text()
        if text is None:
            return None
        try:
            node = self.parse(text)
            if node is None:
                return None
            if isinstance(kind, tuple):
                return self.mapping(node, kind[0], what)
            return self.check("", kind, node, what)
        finally:
            self.close()

    def mapping(self, node, keys, what):
        """Check a mapping node against `keys`: ({key: value}, {key: line}), or None."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(self.line_of(node), f"{what} must be a set of “key: value” lines")
            return None
        values, lines = {}, {}
        for key_node, value_node in node.value:
            line = self.line_of(key_node)
            key = str(key_node.value)
            if key in lines:
                self.problem(line, f"key “{key}” is given twice (first on line {lines[key]})")
                continue
            lines[key] = line
            if key not in keys:
                hint = difflib.get_close_matches(key, keys, n=1)
                known = f"did you mean “{hint[0]}”?" if hint else "known keys: " + ", ".join(keys)
                self.problem(line, f"unknown key “{key}” in {what}: {known}")
                continue
            kind, required = keys[key]
            if isinstance(value_node, yaml.ScalarNode) and is_blank(value_node.value):
                if required:
                    self.problem(line, f"“{key}” is empty: it is required")
                continue
            value = self.check(key, kind, value_node, what)
            if value is not None:
                values[key] = value
        for key, (_, required) in keys.items():
            if required and key not in lines:
                self.problem(self.line_of(node), f"“{key}” is missing from {what}: it is required")
        return values, lines

    def construct(self, node):
        try:
            return self.loader.construct_object(node, deep=True), True
        except (yaml.YAMLError, ValueError) as e:
            # An impossible date such as 2026-02-30 surfaces as a ValueError.
            self.problem(self.line_of(node), f"cannot read this value: {e}")
            return None, False

    def check(self, key, kind, node, what):
        """The checked value of `node`, or None after reporting why it is wrong."""
        line = self.line_of(node)
        name = f"“{key}”" if key else what
        if isinstance(kind, dict) or kind in {"list of text", "list of sources"}:
            if not isinstance(node, yaml.SequenceNode):
                self.problem(line, f"{name} must be a list (one “- item” per line)")
                return None
            return self.items(key, kind, node)
        if kind == "mapping of text":
            return self.text_mapping(name, node)
        value, ok = self.construct(node)
        if not ok:
            return None
        if kind == "text":
            if not isinstance(value, str):
                self.problem(line, f"{name} must be text, not {describe(value)}")
                return None
            return value.strip()
        if kind == "bool":
            if not isinstance(value, bool):
                self.problem(line, f"{name} must be true or false, not {describe(value)}")
                return None
            return value
        if kind == "mapping of lists":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
                for k, v in value.items()
            ):
                self.problem(line, f"{name} must map each key to a list, like “need: [trial-conduct]”")
                return None
            return value
        if kind == "date":
            if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
                self.problem(line, f"{name} must be a date written YYYY-MM-DD, not {describe(value)}")
                return None
            return value
        raise ValueError(f"unknown kind {kind!r}")

    def items(self, key, kind, node):
        items = []
        for item_node in node.value:
            line = self.line_of(item_node)
            if isinstance(kind, dict):
                checked = self.mapping(item_node, kind, f"an item of “{key}”" if key else "an item")
                if checked is not None:
                    items.append(checked)
                continue
            item, ok = self.construct(item_node)
            if not ok:
                continue
            if kind == "list of sources":
                source = self.source(item, line)
                if source:
                    items.append(source)
            elif not isinstance(item, str) or not item.strip():
                self.problem(line, f"each item of “{key}” must be text, not {describe(item)}")
            elif item.strip() in items:
                self.problem(line, f"“{item.strip()}” is listed twice in “{key}”")
            else:
                items.append(item.strip())
        return items

    def text_mapping(self, name, node):
        """{key: (text, line)} from a mapping whose values are all text."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(self.line_of(node), f"{name} must be a set of “key: text” lines")
            return None
        result = {}
        for key_node, value_node in node.value:
            key, line = str(key_node.value), self.line_of(key_node)
            value, ok = self.construct(value_node)
            if not ok:
                continue
            if key in result:
                self.problem(line, f"“{key}” is given twice in {name}")
            elif not isinstance(value, str) or not value.strip():
                self.problem(line, f"“{key}” in {name} must be text, not {describe(value)}")
            else:
                result[key] = (value.strip(), line)
        return result

    def source(self, item, line):
        if not isinstance(item, dict):
            self.problem(line, f"a source must have a “title” and a “url”, not be {describe(item)}")
            return None
        unknown = set(map(str, item)) - SOURCE_KEYS
        if unknown:
            self.problem(line, f"unknown key “{sorted(unknown)[0]}” in a source: use “title” and “url”")
        title, url = item.get("title"), item.get("url")
        ok = True
        if not isinstance(title, str) or not title.strip():
            self.problem(line, "a source needs a “title” (text) naming the regulation or guideline")
            ok = False
        if not isinstance(url, str) or not url.strip():
            self.problem(line, "a source needs a “url”")
            ok = False
        elif not valid_url(url.strip()):
            self.problem(line, f"source URL “{url}” is not a valid http:// or https:// address")
            ok = False
        return (title.strip(), url.strip()) if ok else None


def tree_fingerprint(root):
    """The SHA-256 of every file under `root` (names and bytes) and of the code that loads them.

    Two loads with the same fingerprint read the same content with the same code, so they write the
    same rows: load_content() skips reading when the database still holds what the last load wrote.
    """
    digest = hashlib.sha256(code_fingerprint().encode())
    add_files(digest, root)
    return digest.hexdigest()


@functools.cache
def code_fingerprint():
    """The SHA-256 of the glossary's code and of the libraries that parse and render content."""
    digest = hashlib.sha256()
    add_files(digest, Path(__file__).parent.parent, ".py")
    for distribution in ("Markdown", "nh3", "PyYAML"):
        digest.update(f"{distribution} {metadata.version(distribution)}\0".encode())
    return digest.hexdigest()


def add_files(digest, folder, suffix=""):
    """Add the names and bytes of the files under `folder` whose names end with `suffix`, and the
    names of its folders (an empty terms/ counts too). os.walk, not pathlib: a large glossary has
    100,000 files, and this runs before every load."""
    entries = []
    for directory, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name != "__pycache__"]
        relative = Path(directory).relative_to(folder).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        entries += [(f"{prefix}{name}/", None) for name in folders]
        entries += [
            (f"{prefix}{name}", os.path.join(directory, name)) for name in files if name.endswith(suffix)
        ]
    for name, path in sorted(entries):
        if path is None:
            digest.update(f"{name}\0".encode())
            continue
        with open(path, "rb") as file:
            data = file.read()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)


def read_body(path, first_line):
    """The body of a Markdown file that FileReader.front_matter() read: its text from `first_line`.

    If the file changed since, the body written is the newer one and its stored fingerprint the
    older: the next load sees the difference and loads the file again.
    """
    text = Path(path).read_bytes().decode("utf-8").removeprefix("\ufeff")
    return "".join(text.splitlines(keepends=True)[first_line - 1 :])
