"""What only a browser shows: real navigation, layout at two widths, and axe-core accessibility checks."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from glossary.content import load_content, read_content
from tests.conftest import CONTENT_DIR

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
axe = Axe()


@pytest.fixture
def site(live_server, transactional_db, settings):
    # The live server serves static files from the finders, which know no hashed names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    load_content(CONTENT_DIR)
    return live_server.url


@pytest.fixture
def visit(page, site):
    """Open a path; fail on any request that leaves the site, any that fails, and any console error
    (a Content Security Policy violation among them)."""
    outside, failed, errors = [], [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: None if request.url.startswith(site) else outside.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)

    def go(path):
        response = page.goto(site + path)
        assert response.status == 200, path
        return page

    yield go
    assert outside == [], outside
    assert failed == [], failed
    assert errors == [], errors


def assert_accessible(page):
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def shot(page, artifacts, name):
    page.screenshot(path=artifacts / f"{name}.png", full_page=True)


def assert_no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def looks_right(page, artifacts, name):
    """No axe violations, no sideways scrolling, and a screenshot called `name` to look at."""
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    shot(page, artifacts, name)


@pytest.mark.parametrize("size", SIZES)
def test_a_learner_finds_a_term_from_the_home_page(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])

    visit("/")
    expect(page.locator("h1")).to_have_count(1)
    looks_right(page, artifacts, f"home-{size}")

    page.get_by_role("link", name="Browse the A–Z").click()
    expect(page.locator("h1")).to_have_text("A–Z index")
    looks_right(page, artifacts, f"index-{size}")

    page.get_by_role("link", name="Contract manufacturing organization", exact=True).click()
    expect(page).to_have_url(re.compile(r"/terms/cmo/$"))
    expect(page.locator("h1")).to_have_text("Contract manufacturing organization")
    looks_right(page, artifacts, f"term-{size}")

    page.locator(".prose a.term-link").first.click()
    expect(page).not_to_have_url(re.compile(r"/terms/cmo/$"))
    expect(page.locator("h1")).to_have_count(1)


@pytest.mark.parametrize("size", SIZES)
def test_the_index_filters_by_topic_and_jumps_to_a_letter(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/terms/")

    page.get_by_role("navigation", name="Filter by topic").get_by_role(
        "link", name=re.compile("^Development stages")
    ).click()
    expect(page.locator("h1")).to_have_text("Development stages")
    expect(page.get_by_role("link", name="Phase 3 clinical trial")).to_be_visible()
    expect(page.get_by_role("link", name="Contract manufacturing organization", exact=True)).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("navigation", name="Jump to letter").get_by_role("link", name="P").click()
    expect(page).to_have_url(re.compile("#letter-P$"))
    expect(page.locator("#letter-P")).to_be_in_viewport()
    shot(page, artifacts, f"index-filtered-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_large_index_is_read_a_letter_and_a_page_at_a_time(page, visit, size, artifacts, monkeypatch):
    monkeypatch.setattr("glossary.views.INDEX_PAGE", 5)  # the real content, as if it were large
    page.set_viewport_size(SIZES[size])
    visit("/terms/")

    page.get_by_role("navigation", name="Terms by letter").get_by_role("link", name="P").click()
    expect(page.locator("h2", has_text=re.compile("^P$"))).to_be_visible()
    expect(page.get_by_role("link", name="Phase 1 clinical trial")).to_be_visible()
    looks_right(page, artifacts, f"index-large-{size}")

    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text(re.compile("Page 2 of \\d+ under P"))).to_be_visible()
    expect(page.get_by_role("link", name="Phase 1 clinical trial")).to_have_count(0)
    assert_accessible(page)


@pytest.mark.parametrize("size", SIZES)
def test_the_definitions_page_is_accessible(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/definitions/")

    expect(page.locator("dt").first).to_be_visible()
    looks_right(page, artifacts, f"definitions-{size}")


@pytest.mark.parametrize("path", ["/", "/terms/", "/terms/cdmo/"])
def test_the_dark_scheme_is_accessible_too(page, visit, path, artifacts):
    page.emulate_media(color_scheme="dark")
    visit(path)

    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    assert_accessible(page)
    if path == "/terms/cdmo/":
        shot(page, artifacts, "term-dark")


def test_the_skip_link_is_the_first_stop_for_a_keyboard(page, visit):
    visit("/terms/cro/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_stylesheet_is_applied(page, visit):
    visit("/")

    assert (
        page.evaluate("getComputedStyle(document.querySelector('.brand-mark')).backgroundColor")
        == "rgb(0, 105, 92)"
    )


def test_pages_work_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    page.goto(site + "/terms/")
    page.get_by_role("link", name="Contract research organization", exact=True).click()

    expect(page.locator("h1")).to_have_text("Contract research organization")
    context.close()


def test_staff_see_a_live_preview_of_their_markdown_in_the_admin(page, visit, django_user_model, artifacts):
    django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password")
    visit("/admin/login/?next=/admin/glossary/term/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Contract research organization", exact=True).click()

    editor = page.locator("textarea.markdownx-editor")
    editor.fill("Now with **bold words** and a link to [[cmo]]. <script>window.hacked = 1</script>")

    preview = page.locator(".markdownx-preview")
    expect(preview.locator("strong")).to_have_text("bold words")
    expect(preview.locator('a[href="/terms/cmo/"]')).to_have_text("CMO")
    assert page.evaluate("window.hacked") is None
    page.set_viewport_size({"width": 1280, "height": 1400})
    shot(page, artifacts, "admin-term-edit")


@pytest.mark.parametrize("size", SIZES)
def test_a_learner_compares_a_cro_with_a_cmo(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/compare/")
    assert_accessible(page)
    shot(page, artifacts, f"compare-index-{size}")

    page.get_by_role("link", name="CRO vs CMO").click()
    expect(page.locator("h1")).to_have_text("CRO vs CMO")
    expect(page.get_by_role("rowheader", name="Who holds regulatory responsibility")).to_be_visible()
    looks_right(page, artifacts, f"comparison-{size}")

    page.get_by_role("link", name="Contract manufacturing organization").first.click()
    expect(page.locator("h1")).to_have_text("Contract manufacturing organization")


def test_any_two_terms_can_be_compared_from_a_term_page(page, visit, artifacts):
    visit("/terms/sponsor/")

    page.get_by_label("Compare Sponsor with").select_option("cmo")
    page.get_by_role("button", name="Compare").click()

    expect(page.locator("h1")).to_have_text("Sponsor vs CMO")
    expect(page.locator("table")).to_be_visible()
    assert_accessible(page)
    shot(page, artifacts, "comparison-generated")


@pytest.mark.parametrize("size", SIZES)
def test_the_timeline_is_readable_and_every_stage_links_to_its_term(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/timeline/")

    stages = page.locator("svg a.tl-stage")
    expect(stages).to_have_count(9)
    assert_accessible(page)
    assert_no_sideways_scroll(page)  # the picture scrolls inside its own region, not the page
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.tl-stage text')).fontSize)")
    scale = page.evaluate(
        "document.querySelector('.timeline-svg').getBoundingClientRect().width / document.querySelector('.timeline-svg').viewBox.baseVal.width"
    )
    assert font * scale >= 12  # never squashed below legible size
    shot(page, artifacts, f"timeline-{size}")

    page.locator("svg a.tl-stage").nth(3).click()
    expect(page).to_have_url(re.compile(r"/terms/phase-1/$"))
    expect(page.locator(".tl-stage.tl-current")).to_have_count(1)
    assert_accessible(page)
    shot(page, artifacts, f"term-phase-1-{size}")


def test_the_timeline_stages_are_reachable_by_keyboard(page, visit):
    visit("/timeline/")

    page.locator(".timeline-scroll").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "/terms/drug-discovery/"


def answer_every_question(page):
    """Tick an option in every question still open: the last, or for "all" questions the last two
    (the last: whatever order the options come in, not the one a browser would restore by default)."""
    for question in page.locator("li.question:not([data-locked])").all():
        inputs = question.locator("input")
        inputs.last.check()
        if question.locator("input[type=checkbox]").count():
            inputs.nth(-2).check()


def ticked(page):
    """{field: [values]} of every ticked answer on the page."""
    return page.evaluate(
        """() => {
        const found = {};
        document.querySelectorAll("form.quiz input:checked").forEach((i) => {
            (found[i.name] = found[i.name] || []).push(i.value);
        });
        return found;
    }"""
    )


def option_order(page):
    return page.evaluate("() => Array.from(document.querySelectorAll('form.quiz input')).map((i) => i.id)")


def check_question(page, question, keyboard=False):
    button = question.get_by_role("button", name="Check this answer")
    if keyboard:
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()
    verdict = question.locator(".verdict")
    expect(verdict).to_be_focused()
    return verdict


def assert_seen(page, verdict):
    """The verdict is on screen and nothing sticky covers it: the element at its point is the verdict."""
    expect(verdict).to_be_in_viewport(ratio=1)
    # Where motion is allowed the page scrolls smoothly: wait for it to stop.
    y = None
    while y != (y := page.evaluate("window.scrollY")):
        page.wait_for_timeout(150)
    box = verdict.bounding_box()
    viewport = page.viewport_size
    assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"], box
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.verdict') !== null",
        [box["x"] + min(box["width"], 40) / 2, box["y"] + box["height"] / 2],
    )
    assert on_top


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("keyboard", [False, True], ids=["mouse", "keyboard"])
def test_the_verdict_of_a_checked_answer_is_seen_and_focused(page, visit, size, keyboard, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/quiz/which-fits/")
    # A question far down the page, whose feedback is long.
    question = page.locator("li.question").nth(5)
    question.locator("input").last.check()

    verdict = check_question(page, question, keyboard)

    expect(verdict).to_have_text(re.compile(r"^(Right\.|Not quite\. The best answer: .+\.)$"))
    assert_seen(page, verdict)
    expect(question.locator(".more-feedback")).not_to_have_attribute("open", "")
    expect(page.locator(".checked-count")).to_have_text("1")
    if not keyboard:
        assert_accessible(page)
        page.screenshot(path=artifacts / f"quiz-checked-{size}.png")


def test_after_checking_the_next_question_is_a_few_tab_presses_away(page, visit):
    visit("/quiz/which-fits/")
    questions = page.locator("li.question")
    questions.first.locator("input").last.check()
    check_question(page, questions.first, keyboard=True)

    next_key = questions.nth(1).get_attribute("data-key")
    # Beyond the links that the chosen answer's explanation makes to entries (which depend on the
    # option chosen: the order is shuffled), at most five stops.
    links = questions.first.locator(".feedback-body > .option-feedback a").count()
    presses = 0
    while page.evaluate("document.activeElement.closest('li.question')?.dataset.key") != next_key:
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 5 + links, (
            "more than five Tab presses, besides its links, to reach the next question"
        )
    # The folded explanations are one keypress away.
    questions.first.locator(".more-feedback summary").focus()
    page.keyboard.press("Enter")
    expect(questions.first.locator(".more-feedback")).to_have_attribute("open", "")


def test_the_whole_quiz_checked_on_a_phone_stays_a_few_screens_a_question(page, visit, artifacts):
    page.set_viewport_size(SIZES["phone"])
    visit("/quiz/which-fits/")
    answer_every_question(page)
    for question in page.locator("li.question").all():
        check_question(page, question)

    screens = page.evaluate("document.documentElement.scrollHeight") / SIZES["phone"]["height"]
    count = page.locator("li.question").count()
    assert screens / count <= 2.5, (screens, count)
    expect(page.locator(".checked-count")).to_have_text(str(count))
    assert_accessible(page)
    shot(page, artifacts, "quiz-all-checked-phone")

    page.get_by_role("button", name="See my score").click()
    expect(page.locator("h1")).to_have_text("Your result")
    # The score, then the questions missed, each linking to its explanation.
    expect(page.locator(".score-number")).to_contain_text(f"out of {count}")
    missed = page.locator(".missed li")
    if missed.count():
        missed.first.get_by_role("link").click()
        target = page.evaluate("location.hash").removeprefix("#")
        expect(page.locator(f"[id='{target}'] .verdict")).to_be_in_viewport()
    result_screens = page.evaluate("document.documentElement.scrollHeight") / SIZES["phone"]["height"]
    assert result_screens / count <= 2, result_screens
    assert_accessible(page)
    shot(page, artifacts, "quiz-result-phone")


@pytest.fixture(params=["bfcache-off", "bfcache-on"])
def quiz_browser(request, browser, browser_type, browser_type_launch_args, site):
    """Playwright runs Chromium without the back-forward cache; people's browsers have it."""
    if request.param == "bfcache-off":
        yield browser
        return
    cached = browser_type.launch(
        **browser_type_launch_args, ignore_default_args=["--disable-back-forward-cache"]
    )
    # The cache is on: a page left and come back to is the same document, its scripts' state intact.
    page = cached.new_page()
    page.goto(site + "/advisor/")
    page.evaluate("window.stillHere = true")
    page.goto(site + "/terms/")
    page.go_back(wait_until="commit")
    assert page.evaluate("window.stillHere") is True
    page.close()
    yield cached
    cached.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_navigation_never_changes_the_answers_ticked(quiz_browser, site, javascript):
    context = quiz_browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(site + "/quiz/which-fits/")
    order = option_order(page)
    questions = page.locator("li.question")
    questions.nth(0).locator("input").last.check()
    questions.nth(0).get_by_role("button", name="Check this answer").click()  # recorded on the server
    expect(questions.nth(0).locator(".verdict")).to_be_visible()
    questions.nth(1).locator("input").last.check()
    if questions.nth(3).locator("input[type=checkbox]").count() == 0:
        questions.nth(3).locator("input").nth(-2).check()
    chosen = ticked(page)

    def same_page_same_ticks():
        expect(page.locator("li.question").first).to_be_visible()
        assert option_order(page) == order
        assert ticked(page) == chosen

    page.get_by_role("link", name="partner advisor", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Which partner")
    # A page restored from the back-forward cache fires no load event: wait for the address only.
    page.go_back(wait_until="commit")
    same_page_same_ticks()
    page.go_forward(wait_until="commit")
    expect(page.locator("h1")).to_contain_text("Which partner")
    page.go_back(wait_until="commit")
    same_page_same_ticks()
    page.reload()
    if javascript:  # a reload keeps unchecked ticks only through the draft quiz.js keeps
        same_page_same_ticks()
    else:
        assert option_order(page) == order
        assert all(ticked(page).get(k) == v for k, v in ticked(page).items() if k in chosen)
    # Closing the tab and coming back: the same attempt.
    page.close()
    page = context.new_page()
    page.goto(site + "/quiz/which-fits/")
    assert option_order(page) == order
    assert ticked(page)[next(iter(chosen))] == chosen[next(iter(chosen))]

    # Send, then Back: the answers sent, never others.
    answer_every_question(page)
    sent = ticked(page)
    page.get_by_role("button", name="See my score").click()
    expect(page.locator("h1")).to_have_text("Your result")
    page.go_back(wait_until="commit")
    expect(page.locator("form.quiz")).to_be_visible()
    assert option_order(page) == order
    assert ticked(page) == sent
    # Start again: a new attempt, in a new order, nothing ticked.
    page.get_by_role("button", name="Start again").click()
    expect(page.get_by_role("button", name="See my score")).to_be_visible()
    assert ticked(page) == {}
    context.close()


def test_a_check_without_javascript_shows_its_verdict_in_place(browser, site, artifacts):
    context = browser.new_context(java_script_enabled=False, viewport=SIZES["phone"])
    page = context.new_page()
    page.goto(site + "/quiz/which-fits/")
    question = page.locator("li.question").nth(4)
    question.locator("input").last.check()

    question.get_by_role("button", name="Check this answer").click()

    verdict = page.locator("li.question").nth(4).locator(".verdict")
    expect(verdict).to_be_visible()
    assert_seen(page, verdict)
    page.get_by_role("button", name="See my score").click()
    expect(page.get_by_role("alert")).to_contain_text("Answer every question")
    answer_every_question(page)
    page.get_by_role("button", name="See my score").click()
    expect(page.locator("h1")).to_have_text("Your result")
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_advisor_answers_with_a_shareable_result(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/advisor/")
    assert_accessible(page)

    for fieldset in page.locator(".advisor-form fieldset").all():
        fieldset.locator("input").first.check()
    page.get_by_role("button", name="Show what fits").click()

    expect(page.locator("#advice-title")).to_have_text("What usually fits")
    assert "stage=" in page.url and "need=" in page.url
    looks_right(page, artifacts, f"advisor-{size}")
    shared = page.url
    page.goto(shared)
    expect(page.locator("#advice-title")).to_have_text("What usually fits")


def test_search_suggests_as_you_type_and_works_by_keyboard(page, visit, artifacts):
    visit("/")
    box = page.get_by_role("combobox", name="Search the glossary")

    box.click()
    box.press_sequentially("cmo", delay=50)
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="suggestion")).to_have_count(1)
    expect(listbox.get_by_role("option").first).to_contain_text("CMO")
    assert_accessible(page)
    shot(page, artifacts, "search-suggestions")

    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/terms/cmo/$"))


def test_the_search_box_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/")

    page.get_by_label("Search the glossary").fill("CMO")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("h1")).to_have_text("Results for “CMO”")
    expect(page.get_by_role("link", name="Chief medical officer")).to_be_visible()
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_search_results_are_accessible(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/search/?q=CMO")

    expect(page.locator(".search-results li")).not_to_have_count(0)
    looks_right(page, artifacts, f"search-results-{size}")


def test_a_term_link_previews_on_hover_and_focus(page, visit, artifacts):
    visit("/terms/cdmo/")
    link = page.locator(".prose a.term-link").first
    tip = page.get_by_role("tooltip")

    link.hover()
    expect(tip).to_be_visible()
    expect(link).to_have_attribute("aria-describedby", "term-preview")
    link_box, tip_box = link.bounding_box(), tip.bounding_box()
    assert (
        tip_box["y"] >= link_box["y"] + link_box["height"]
        or tip_box["y"] + tip_box["height"] <= link_box["y"]
    )
    assert_accessible(page)
    shot(page, artifacts, "term-preview")

    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()

    page.mouse.move(0, 0)
    link.focus()
    expect(tip).to_be_visible()
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()


def test_previews_can_be_turned_off_and_the_choice_is_remembered(page, visit):
    visit("/terms/cdmo/")
    page.get_by_role("button", name="Turn link previews off").click()

    page.reload()
    page.locator(".prose a.term-link").first.focus()

    expect(page.get_by_role("tooltip")).to_be_hidden()
    expect(page.get_by_role("button", name="Turn link previews on")).to_have_attribute("aria-pressed", "true")


def test_staff_revert_an_edit_from_the_admin_history(page, visit, django_user_model, artifacts):
    django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password")
    visit("/admin/login/?next=/admin/glossary/term/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Log in").click()
    page.locator("#result_list").get_by_role("link", name="Sponsor", exact=True).click()
    page.get_by_label("Summary").fill("A mistaken summary.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.locator("#result_list").get_by_role("link", name="Sponsor", exact=True).click()
    page.get_by_role("link", name="History").click()
    shot(page, artifacts, "admin-history")
    page.locator("tr", has_text="Loaded from").get_by_role("link").click()
    expect(page.get_by_label("Summary")).not_to_have_value("A mistaken summary.")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    visit("/terms/sponsor/")
    original = next(t.data.summary for t in read_content(CONTENT_DIR).terms if t.slug == "sponsor")
    expect(page.locator(".entry-header .lead")).to_have_text(original)


EXPLAINED = "Our CDMO will run the PPQ batches while the CRO's CRAs monitor the sites under the IND; PDUFA dates follow."


@pytest.mark.parametrize("size", SIZES)
def test_pasted_text_is_explained_as_it_changes_without_a_page_load(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/")
    page.get_by_role("link", name="Explain a text you were sent").click()
    expect(page.locator("h1")).to_have_text("Explain this text")
    page.evaluate("window.stillThisPage = true")

    page.get_by_label("Text to explain").fill(EXPLAINED)

    marks = page.locator(".explained-text a.term-link")
    expect(marks).to_have_text(["CDMO", "PPQ batches", "CRO", "CRAs", "monitor", "IND"])
    expect(page.locator("#explain-status")).to_have_text(
        re.compile(r"^5 terms found; 1 word not in the glossary yet")
    )
    expect(page.locator(".unknown-words")).to_have_text("PDUFA")
    assert page.evaluate("window.stillThisPage") is True  # updated in place: no page load

    page.get_by_label("Text to explain").fill(EXPLAINED.replace("CDMO", "CMO"))
    expect(marks.first).to_have_text("CMO")
    expect(page.locator(".explained-terms > li")).to_have_count(7)  # both senses of CMO and of CRO

    marks.first.focus()
    expect(page.locator("#term-preview")).to_be_visible()
    expect(page.locator("#term-preview")).to_contain_text("Contract manufacturing organization")
    page.keyboard.press("Escape")
    looks_right(page, artifacts, f"explain-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_learner_goes_on_from_a_comparison_and_is_told_when_terms_do_not_compare(
    page, visit, size, artifacts
):
    page.set_viewport_size(SIZES[size])

    # A term's comparisons are named near the top: on a phone, in a line under the summary (the
    # aside comes after the whole entry there); beside the entry, in the aside, without the line.
    visit("/terms/cdmo/")
    compared = page.locator(".entry-header .compared-with" if size == "phone" else "aside.related")
    expect(compared.get_by_text("Compared with")).to_be_visible()
    assert compared.bounding_box()["y"] < 1000
    if size == "desktop":
        expect(page.locator(".entry-header .compared-with")).to_be_hidden()
    looks_right(page, artifacts, f"term-compared-with-{size}")

    compared.get_by_role("link", name="CMO vs CDMO").click()
    expect(page.locator("h1")).to_have_text("CMO vs CDMO")
    others = page.get_by_role("region", name="Other comparisons of these terms")
    expect(others.get_by_role("link", name="CDMO vs CRO")).to_be_visible()
    looks_right(page, artifacts, f"comparison-others-{size}")

    others.get_by_role("link", name="CDMO vs CRO").click()
    expect(page.locator("h1")).to_have_text("CDMO vs CRO")

    # Terms of different kinds: an explanation and terms of the first one's kind, not a table.
    visit("/compare/?terms=cdmo,phase-1")
    expect(page.get_by_text("are not the same kind of thing")).to_be_visible()
    expect(page.locator("table")).to_have_count(0)
    suggested = page.get_by_role("region", name="Compare CDMO with a term of its kind")
    expect(suggested.get_by_role("link", name="CDMO vs CMO")).to_be_visible()
    looks_right(page, artifacts, f"comparison-not-comparable-{size}")

    suggested.get_by_role("link", name="CDMO vs CMO").click()
    expect(page.locator("h1")).to_have_text("CMO vs CDMO")


def test_the_comparison_pages_and_forms_fit_the_narrowest_phone(page, visit, artifacts):
    page.set_viewport_size({"width": 320, "height": 800})
    for path, name in [
        ("/terms/cdmo/", "term"),
        ("/compare/", "index"),
        ("/compare/cmo-vs-cdmo/", "comparison"),
        ("/compare/?terms=cdmo,phase-1", "not-comparable"),
    ]:
        visit(path)
        assert_no_sideways_scroll(page)
        shot(page, artifacts, f"compare-320-{name}")
    visit("/terms/cdmo/")
    label = page.get_by_text("Compare CDMO with another term")
    select = page.get_by_label("Compare CDMO with another term")
    # The label reads whole on its own line, the choice under it.
    assert label.bounding_box()["y"] + label.bounding_box()["height"] <= select.bounding_box()["y"] + 1


REFLOW_PATHS = [
    "/", "/terms/", "/terms/cdmo/", "/definitions/", "/compare/", "/compare/cmo-vs-cdmo/", "/timeline/",
    "/quiz/which-fits/", "/advisor/?stage=early-clinical&formulation=fixed&need=trial-conduct&own-capacity=no",
    "/explain/", "/search/?q=" + "pharmaceuticalmanufacturingorganizationsupercalifragilistic" * 2,
    "/search/?q=https://www.example.com/a/very/long/address/that/never/stops/anywhere/at/all",
]  # fmt: skip


@pytest.mark.parametrize("height", [640, 225], ids=["phone-320", "desktop-at-400-percent"])
def test_every_page_reflows_at_320_pixels_without_sideways_scrolling(page, visit, height):
    """WCAG 1.4.10: 320 CSS pixels is a 1280-pixel window at 400% zoom. (The timeline picture may
    scroll inside its own region: a diagram is exempt, and its list says the same.)"""
    page.set_viewport_size({"width": 320, "height": height})
    for path in REFLOW_PATHS:
        visit(path)
        assert_no_sideways_scroll(page)
        search = page.get_by_role("button", name="Search")
        box = search.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, path


@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 900}, {"width": 640, "height": 450}], ids=["100", "200"]
)
def test_a_letter_followed_in_the_index_is_never_under_the_sticky_bar(page, visit, size):
    page.set_viewport_size(size)
    visit("/terms/")
    bar = page.locator(".letter-nav")
    sticky = bar.evaluate("e => getComputedStyle(e).position") == "sticky"
    # Sticky only where it takes a small share of the screen: not at 200% zoom.
    assert sticky == (size["height"] == 900)
    assert bar.bounding_box()["height"] / size["height"] < 0.1 or not sticky
    for letter in ["M", "S", "W"]:
        bar.get_by_role("link", name=letter, exact=True).click()
        heading = page.locator(f"#letter-{letter}")
        expect(heading).to_be_in_viewport()
        assert heading.bounding_box()["y"] >= (
            bar.bounding_box()["y"] + bar.bounding_box()["height"] if sticky else 0
        )


def test_the_printed_timeline_lists_every_stage_and_asks_for_no_scrolling(page, visit):
    visit("/")
    expect(page.locator(".timeline-text li").first).to_be_hidden()  # folded on screen

    page.emulate_media(media="print")

    expect(page.locator(".timeline-text li").first).to_be_visible()
    expect(page.locator(".timeline-hint")).to_be_hidden()


def test_a_lone_partner_card_is_as_wide_as_the_advice_it_follows(page, visit):
    visit("/advisor/?stage=early-clinical&formulation=fixed&need=trial-conduct&own-capacity=no")
    card, prose = page.locator(".advice-partners .card"), page.locator(".advice .prose")

    expect(card).to_have_count(1)
    assert card.bounding_box()["width"] >= prose.bounding_box()["width"] - 1


def test_the_index_letter_rule_spans_both_columns_of_terms(page, visit):
    visit("/terms/")
    rule, terms = page.locator(".letter-group h2").first, page.locator(".letter-group ul").first

    assert rule.bounding_box()["width"] >= terms.bounding_box()["width"] - 1


def test_the_quiz_result_buttons_stand_apart_on_a_phone(page, visit):
    page.set_viewport_size(SIZES["phone"])
    visit("/quiz/which-fits/")
    for question in page.locator("fieldset").all():
        question.locator("input").first.check()
    page.get_by_role("button", name="See my score").last.click()
    expect(page.locator("h1")).to_have_text("Your result")

    first, second = (b.bounding_box() for b in page.locator(".result-actions").first.locator(".button").all())
    apart = max(second["y"] - (first["y"] + first["height"]), second["x"] - (first["x"] + first["width"]))
    assert apart >= 8


@pytest.mark.parametrize("size", SIZES)
def test_a_reader_reports_a_problem_and_reads_about_the_glossary(page, visit, size, artifacts):
    page.set_viewport_size(SIZES[size])
    visit("/terms/cdmo/")
    shot(page, artifacts, f"report-link-term-{size}")

    page.get_by_role("link", name="Report a problem with this entry").click()
    expect(page.locator("h1")).to_have_text("Report a problem")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_label("What is wrong?").fill("The second source link is broken.")
    page.get_by_label("Your email address (optional)").fill("reader@example.org")
    shot(page, artifacts, f"report-form-{size}")
    page.get_by_role("button", name="Send the report").click()

    expect(page.locator("h1")).to_have_text("Thank you")
    expect(page.locator(".report-sent")).to_have_text("The second source link is broken.")
    looks_right(page, artifacts, f"report-thanks-{size}")

    page.get_by_role("link", name="About this glossary").click()
    expect(page.locator("h1")).to_have_text("About this glossary")
    looks_right(page, artifacts, f"about-{size}")
