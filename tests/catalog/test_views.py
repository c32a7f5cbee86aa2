"""Public pages: home (search, tag filter, pagination, empty states), comparison, tags."""

import pytest

from tests import factories


def test_home_lists_published_newest_first_and_hides_drafts(client):
    old = factories.comparison("Old A", "Old B", age_days=3)
    new = factories.comparison("New A", "New B", age_days=1)
    factories.comparison("Draft A", "Draft B", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert html.index(new.title) < html.index(old.title)
    assert "Draft A" not in html


def test_empty_catalog_shows_an_empty_state(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No comparisons yet" in response.get_data(as_text=True)


def test_pagination_splits_and_links(app, client):
    per_page = app.config["PER_PAGE"]
    made = [factories.comparison(f"P{i} A", f"P{i} B", age_days=i) for i in range(per_page + 2)]
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert made[0].title in first and made[-1].title not in first
    assert made[-1].title in second and made[0].title not in second
    assert 'rel="next" href="/?page=2"' in first
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("page", ["9", "-1", "abc", "0"])
def test_odd_page_numbers_never_fail(client, page):
    factories.comparison()
    response = client.get(f"/?page={page}")
    assert response.status_code == (404 if page == "9" else 200)


def test_search_matches_title_option_and_tag_case_insensitively(client):
    by_title = factories.comparison("Kettle", "Stove", title="Kettle vs Stove")
    by_option = factories.comparison("Rust", "Zig")
    by_tag = factories.comparison("Vim", "Emacs", tags={"Vim": ["text-editors"]})
    factories.comparison("Tea", "Coffee")
    for query, hit in [("KETTLE", by_title), ("zig", by_option), ("Editors", by_tag)]:
        html = client.get("/", query_string={"q": query}).get_data(as_text=True)
        assert hit.title in html, query
        assert "Tea vs Coffee" not in html


def test_search_words_must_all_match(client):
    factories.comparison("Kettle", "Stove")
    factories.comparison("Kettle", "Campfire")
    html = client.get("/?q=kettle+campfire").get_data(as_text=True)
    assert "Kettle vs Campfire" in html and "Kettle vs Stove" not in html


@pytest.mark.parametrize(
    "query",
    [
        '"quoted"',
        "100%",
        "a_b",
        "%",
        "_",
        "ümlaut ☕ 表",
        "x" * 10_000,
        "' OR 1=1 --",
        "\\",
        "nul\x00byte",
    ],
)
def test_odd_searches_give_results_or_an_empty_state(client, query):
    factories.comparison("Plain", "Other")
    response = client.get("/", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing matches" in html
    assert "Plain vs Other" not in html


def test_wildcards_match_themselves(client):
    factories.comparison("100% Juice", "Water")
    factories.comparison("Milk", "Soda")
    html = client.get("/?q=%25").get_data(as_text=True)
    assert "100% Juice vs Water" in html and "Milk vs Soda" not in html
    html = client.get("/?q=_").get_data(as_text=True)
    assert "Nothing matches" in html


def test_long_search_is_trimmed_with_a_notice(client):
    factories.comparison("Kettle", "Stove")
    html = client.get("/", query_string={"q": "kettle " + "y" * 500}).get_data(as_text=True)
    assert "only its first 200 characters were used" in html


def test_unicode_search_finds_unicode_title(client):
    factories.comparison("Café", "Thé")
    html = client.get("/", query_string={"q": "café"}).get_data(as_text=True)
    assert "Café vs Thé" in html


def test_tag_filter_and_tag_page(client):
    tagged = factories.comparison("Vim", "Emacs", tags={"Emacs": ["editors"]})
    factories.comparison("Tea", "Coffee", tags={"Tea": ["drinks"]})
    html = client.get("/?tag=editors").get_data(as_text=True)
    assert tagged.title in html and "Tea vs Coffee" not in html
    page = client.get("/tags/editors").get_data(as_text=True)
    assert tagged.title in page and "Tea vs Coffee" not in page
    index = client.get("/tags").get_data(as_text=True)
    assert "/tags/editors" in index and "/tags/drinks" in index


def test_tag_of_drafts_only_shows_an_empty_state(client):
    factories.comparison("Hidden", "Other", status="draft", tags={"Hidden": ["secret"]})
    response = client.get("/tags/secret")
    assert response.status_code == 200
    assert "Nothing here yet" in response.get_data(as_text=True)


def test_comparison_page_shows_every_part(client):
    comp = factories.comparison(
        "Kettle", "Stove", pick=1, pros=2, cons=3, tags={"Kettle": ["kitchen"]}
    )
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "Intro for Kettle vs Stove." in html
    pick_card = html[html.index('class="pick-card"') : html.index('id="community-card"')]
    assert "Stove" in pick_card and "Kettle" not in pick_card
    for text in [
        "Kettle pro 1",
        "Stove con 2",
        "About Kettle.",
        "#kitchen",
        "Use Stove if",
        "you like Kettle",
        "Stove wins.",
    ]:
        assert text in html


@pytest.mark.parametrize(
    "path",
    [
        "/compare/no-such-thing",
        "/tags/no-such-tag",
        "/?tag=no-such-tag",
        "/nowhere/at/all",
        "/compare/%00",
        "/compare/..%2F..%2Fetc",
        "/compare/" + "x" * 3000,
    ],
)
def test_unknown_addresses_get_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.get_data(as_text=True)


def test_control_characters_in_the_tag_filter_are_ignored(client):
    factories.comparison("Kettle", "Stove")
    response = client.get("/?tag=%00")
    assert response.status_code == 200
    assert "Kettle vs Stove" in response.get_data(as_text=True)


def test_draft_comparison_is_not_public(client):
    draft = factories.comparison(status="draft")
    assert client.get(f"/compare/{draft.slug}").status_code == 404


def test_404_as_json_for_json_clients(client):
    response = client.get("/compare/nothing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_about_page(client):
    response = client.get("/about")
    assert response.status_code == 200
    assert "About Crowdpick" in response.get_data(as_text=True)


def test_unexpected_error_renders_the_500_page(app):
    # A fresh app whose route fails: the error page shows, the details stay in the log.
    from webapp import create_app

    broken = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    @broken.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = broken.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html and "secret detail" not in html
