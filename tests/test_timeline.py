"""The drug-development timeline: content-driven stages and bands, drawn as SVG with a text twin."""

import pytest

from glossary.content import load_content
from glossary.models import Band, Stage
from glossary.timeline import timeline
from tests.conftest import problems_of, term_file

TIMELINE = """\
stages:
  - slug: preclinical
    name: Preclinical
    term: preclinical-studies
    description: Laboratory and animal studies.
  - slug: phase-1
    name: Phase 1
    term: phase-1
    description: First doses in people.
  - slug: phase-2
    name: Phase 2
    term: phase-2
    description: First look at whether it works.
bands:
  - term: cro
    label: Runs trial work
    kind: partner
    from: phase-1
    to: phase-2
    note: Takes on trial duties in writing.
  - term: cgmp
    label: CGMP applies
    kind: rule
    from: phase-1
    to: phase-2
"""


@pytest.fixture
def staged(content, db):
    for slug, title in [
        ("preclinical-studies", "Preclinical studies"),
        ("phase-1", "Phase 1 clinical trial"),
        ("phase-2", "Phase 2 clinical trial"),
        ("cro", "Contract research organization"),
        ("cgmp", "Current good manufacturing practice"),
        ("sponsor", "Sponsor"),
    ]:
        content.write(slug, term_file(title, f"About {title}."))
    content.file("timeline.yml", TIMELINE)
    return content


@pytest.fixture
def loaded(staged):
    load_content(staged.path)
    return staged


def test_the_timeline_loads_in_order(loaded):
    assert list(Stage.objects.values_list("slug", "term__slug")) == [
        ("preclinical", "preclinical-studies"),
        ("phase-1", "phase-1"),
        ("phase-2", "phase-2"),
    ]
    band = Band.objects.get(term__slug="cro")
    assert (band.start.slug, band.end.slug, band.kind) == ("phase-1", "phase-2", "partner")


def test_an_unchanged_timeline_is_not_rewritten(loaded):
    ids = list(Stage.objects.values_list("id", flat=True))

    report = load_content(loaded.path)

    assert report.counts["timeline"].unchanged == ["timeline"]
    assert list(Stage.objects.values_list("id", flat=True)) == ids


@pytest.mark.parametrize(
    "change, expected",
    [
        ("term: phase-2\n", "timeline.yml:12: term “phase-3” does not exist (did you mean “phase-2”?)"),
        (
            "kind: partner",
            "timeline.yml:17: “bands.0.kind”: Value 'helper' is not a valid choice. Use one of: partner, rule, milestone.",
        ),
        (
            "from: phase-1\n    to: phase-2\n    note",
            "timeline.yml:19: the band ends (“preclinical”) before it starts (“phase-1”)",
        ),
        (
            "to: phase-2\n    note",
            "timeline.yml:19: stage “phase-9” is not in the stages above (did you mean “phase-2”?)",
        ),
        (
            "    name: Phase 2\n",
            "timeline.yml:10: “stages.2.name” is missing or empty: it is required",
        ),
    ],
)
def test_a_broken_timeline_is_refused_with_its_line(staged, db, change, expected):
    replacements = {
        "term: phase-2\n": "term: phase-3\n",
        "kind: partner": "kind: helper",
        "from: phase-1\n    to: phase-2\n    note": "from: phase-1\n    to: preclinical\n    note",
        "to: phase-2\n    note": "to: phase-9\n    note",
        "    name: Phase 2\n": "",
    }
    staged.file("timeline.yml", TIMELINE.replace(change, replacements[change], 1))

    problems = problems_of(staged.path)

    assert f"{staged.path}/{expected}" in problems, problems
    assert not Stage.objects.exists()


def test_the_drawing_places_bands_under_their_stages(loaded):
    drawing = timeline()

    first, second, third = drawing.stages
    cro, cgmp = drawing.bands
    assert first.x < second.x < third.x
    assert cro.x == second.x
    assert cro.width == third.x + drawing.column - second.x
    assert [b.term.slug for b in second.partners] == ["cro"]
    assert [b.term.slug for b in second.rules] == ["cgmp"]
    assert first.partners == [] and first.rules == []


def test_the_timeline_page_has_a_linked_picture_and_a_text_list(client, loaded, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = client.get("/timeline/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "<svg" in html
    assert html.count('<a href="/terms/phase-1/" class="tl-stage"') == 1
    assert '<details class="timeline-text" open>' in html
    assert "Runs trial work" in html


def test_a_phase_page_highlights_its_stage(client, loaded):
    html = client.get("/terms/phase-1/").content.decode()

    assert 'class="tl-stage tl-current" aria-current="step"' in html
    assert html.count('aria-current="step"') == 2  # the picture and the list


def test_a_partner_page_highlights_its_band(client, loaded):
    html = client.get("/terms/cro/").content.decode()

    assert "tl-band tl-partner tl-current-band" in html


def test_a_term_off_the_timeline_shows_no_timeline(client, loaded):
    assert "<svg" not in client.get("/terms/sponsor/").content.decode()


@pytest.mark.parametrize("bands", [1, 12])
def test_a_term_page_with_the_timeline_costs_the_same_queries_whatever_its_size(
    client, loaded, bands, django_assert_num_queries
):
    stage = Stage.objects.get(slug="phase-1")
    for i in range(bands):
        Band.objects.create(
            term=stage.term, label=f"Band {i}", kind="rule", start=stage, end=stage, position=10 + i
        )

    # content version, term, aliases, sources, related, facets, comparisons, stages, bands
    with django_assert_num_queries(9):
        response = client.get("/terms/phase-1/")

    assert response.content.decode().count("Band ") >= bands


def test_a_label_too_long_for_its_band_is_shortened_to_fit():
    from glossary.timeline import wrap

    assert wrap("Lab safety study standard", 92, max_lines=1) == ["Lab safety…"]
    assert wrap("NDA/BLA review", 92) == ["NDA/BLA", "review"]


def test_the_real_timeline_marks_its_milestones_in_shared_rows(client, glossary):
    from glossary.models import Band
    from glossary.timeline import timeline

    drawing = timeline()
    milestones = [bar for bar in drawing.bands if bar.band.kind == Band.Kind.MILESTONE]
    html = client.get("/timeline/").content.decode()

    assert {bar.band.term.slug for bar in milestones} >= {
        "pre-ind-meeting", "end-of-phase-2-meeting", "pre-approval-inspection", "qualified-person",
    }  # fmt: skip
    # Milestones at different stages share a row; one that spans stages another holds gets its own.
    assert len({bar.y for bar in milestones}) == 2
    assert [bar.row_label for bar in milestones].count("Milestones") == 1
    for label in ("Pre-IND meeting", "EOP2 meeting", "Pre-approval inspection"):
        assert f">{label}</a>" in html  # in the timeline as a list
