"""Drawing the drug-development timeline: geometry for the server-rendered SVG, and its text twin.

The stages and bands are content (content/timeline.yml); this module only lays them out, so the
template can draw them without arithmetic. Nothing here runs JavaScript or needs it.
"""

import textwrap
from dataclasses import dataclass, field

from glossary.models import Band, Stage

LABEL_WIDTH = 88  # the left column, naming each band's term
COLUMN = 112  # one stage
GAP = 8
STAGE_TOP = 30
STAGE_HEIGHT = 58
BAND_HEIGHT = 36
CHAR_WIDTH = 6.6  # average width of a 12px system-font character, to wrap labels


@dataclass
class StageBox:
    stage: Stage
    x: int
    lines: list
    current: bool = False
    partners: list = field(default_factory=list)
    rules: list = field(default_factory=list)
    milestones: list = field(default_factory=list)

    @property
    def center(self):
        return self.x + (COLUMN - GAP) // 2


@dataclass
class BandBar:
    band: Band
    x: int
    y: int
    width: int
    lines: list
    current: bool = False
    row_label: str = ""  # what the left column says on this bar's row

    @property
    def center(self):
        return self.x + self.width // 2


@dataclass
class Drawing:
    stages: list
    bands: list
    width: int
    height: int
    shows_current: bool = False  # whether the highlighted term is a stage or a band of it

    # Sizes the template needs.
    column = COLUMN - GAP
    stage_top = STAGE_TOP
    stage_height = STAGE_HEIGHT
    band_height = BAND_HEIGHT - GAP
    label_width = LABEL_WIDTH


# Where a stage's text twin lists each kind of band.
LISTED_AS = {Band.Kind.PARTNER: "partners", Band.Kind.RULE: "rules", Band.Kind.MILESTONE: "milestones"}


def wrap(text, width_px, max_lines=2):
    """Break `text` into lines that fit `width_px`; the last line is shortened with "…" if need be.

    The full text is always in the band's tooltip and in the list under the picture.
    """
    chars = max(4, int(width_px / CHAR_WIDTH))
    lines = textwrap.wrap(text, chars)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], textwrap.shorten(rest, chars, placeholder="…")]
    return lines


def draw(stages, bands, current_term=None):
    boxes = []
    for i, stage in enumerate(stages):
        box = StageBox(stage, LABEL_WIDTH + i * COLUMN, wrap(stage.name, COLUMN - GAP - 12))
        box.current = current_term is not None and stage.term_id == current_term.pk
        boxes.append(box)
    index = {box.stage.pk: i for i, box in enumerate(boxes)}
    bars = []
    top = STAGE_TOP + STAGE_HEIGHT + 24
    rows = []  # the stage indexes each row's bars take, and whether it is a row of milestones
    for band in bands:
        first, last = index[band.start_id], index[band.end_id]
        taken = set(range(first, last + 1))
        milestone = band.kind == Band.Kind.MILESTONE
        # A band has a row of its own; milestones share a row while they don't overlap.
        row = next(
            (i for i, (used, shared) in enumerate(rows) if milestone and shared and not used & taken), None
        )
        if row is None:
            rows.append((set(), milestone))
            row = len(rows) - 1
        rows[row][0].update(taken)
        if not milestone:
            label = band.term.abbreviation or band.term.title
        else:  # the left column names the rows of milestones once, on the first
            first_row = next(i for i, (_, shared) in enumerate(rows) if shared)
            label = "Milestones" if row == first_row and rows[row][0] == taken else ""
        width = (last - first + 1) * COLUMN - GAP
        current = current_term is not None and band.term_id == current_term.pk
        lines = wrap(band.label, width - 12, 2 if milestone else 1)
        bars.append(BandBar(band, boxes[first].x, top + row * BAND_HEIGHT, width, lines, current, label))
        for box in boxes[first : last + 1]:
            getattr(box, LISTED_AS[band.kind]).append(band)
    height = top + len(rows) * BAND_HEIGHT + 4
    width = LABEL_WIDTH + len(boxes) * COLUMN
    return Drawing(boxes, bars, width, height, any(b.current for b in boxes + bars))


def timeline(current_term=None):
    """The whole timeline in two queries, with `current_term`'s stage or band (if any) highlighted."""
    stages = list(Stage.objects.select_related("term").only("slug", "name", "description", "term__slug"))
    if not stages:
        return None
    bands = Band.objects.select_related("term").only(
        "label", "kind", "note", "start_id", "end_id", "term__slug", "term__title", "term__abbreviation"
    )
    return draw(stages, list(bands), current_term)
