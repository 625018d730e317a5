"""The content of content/: reading and checking it (read.py, files.py), and loading it (sync.py)."""

from glossary.content.files import ContentError, Problem, display_path
from glossary.content.read import read_content
from glossary.content.sync import load_content

__all__ = ["ContentError", "Problem", "display_path", "load_content", "read_content"]
