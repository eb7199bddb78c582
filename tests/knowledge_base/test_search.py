"""Ranked full-text search: word forms in both languages, prefixes while
typing, ranking, highlighting, and who may find what — on either database."""

from __future__ import annotations

import pytest

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from knowledge_base.models import ArticleStatus, Visibility
from knowledge_base.search import Query, highlight, index_text, parse_query, snippet
from knowledge_base.service import articles as article_service
from tests.builders import make_user
from tests.knowledge_base.builders import make_article


def titles(hits) -> list[str]:
    return [hit.article.title for hit in hits]


def find(actor, text, **kwargs) -> list[str]:
    return titles(article_service.search_articles(actor, text, limit=10, **kwargs))


# --- pure: stemming, parsing, snippets ------------------------------------------


@pytest.mark.parametrize(
    ("forms", "stem"),
    [
        (["принтер", "принтера", "принтеры", "принтером", "Принтерах"], "принтер"),
        (["пароль", "пароля", "паролем", "пароли"], "парол"),
        (["printer", "printers", "Printers"], "printer"),
        (["password", "passwords"], "password"),
        (["ёлка", "елка"], "елк"),
    ],
)
def test_word_forms_share_one_stem(forms, stem):
    assert {index_text(form) for form in forms} == {stem}


def test_the_last_word_is_a_prefix_and_stop_words_are_dropped():
    query = parse_query("не печатает принт")
    assert query.terms == ("печата",)
    assert query.prefixes == ("принт",)
    assert query.fts5() == '"печата" OR "принт"*'
    assert query.tsquery() == "'печата' | 'принт':*"


def test_a_stem_that_is_not_a_prefix_of_the_word_keeps_the_word_too():
    assert parse_query("happy").prefixes == ("happi", "happy")


def test_a_one_letter_last_word_is_a_whole_word_and_punctuation_is_ignored():
    assert parse_query("vpn x").terms == ("vpn", "x")
    assert parse_query('"; DROP TABLE--*') == Query(terms=("drop",), prefixes=("tabl",))
    assert not parse_query("  ...  ")


def test_highlight_escapes_html_then_marks_matching_words():
    marked = highlight("<b>Принтера</b> & printers", parse_query("принтер printer"))
    assert str(marked) == (
        "&lt;b&gt;<mark>Принтера</mark>&lt;/b&gt; &amp; <mark>printers</mark>"
    )


def test_snippet_is_cut_around_the_densest_matches_at_word_boundaries():
    text = (
        " ".join(f"word{i}" for i in range(100))
        + " VPN drops, the vpn\nclient restarts "
        + "tail " * 50
        + " a lone VPN"
    )
    cut = str(snippet(text, parse_query("vpn"), chars=60))
    assert cut.startswith("…") and cut.endswith("…")
    assert "<mark>VPN</mark> drops, the <mark>vpn</mark> client restarts" in cut
    assert all(
        w.startswith(("word", "tail", "<mark>", "drops", "the", "client", "rest", "…"))
        for w in cut.split()
    )
    assert len(cut) < 120


def test_a_snippet_without_matches_is_the_start_of_the_text():
    assert str(snippet("Short <text> & more", parse_query("vpn"))) == (
        "Short &lt;text&gt; &amp; more"
    )


# --- the database: ranking, forms, prefixes ----------------------------------------


def test_a_title_match_ranks_above_a_body_mention(ctx):
    agent = make_user(role=Role.LINE1)
    make_article(
        title="Office kitchen rules",
        body="Do not put the printer paper near the kettle. " * 3,
    )
    make_article(title="Printer jams", body="Open the back cover.")
    make_article(title="Unrelated", body="Nothing about it here.")

    assert find(agent, "printer") == ["Printer jams", "Office kitchen rules"]


def test_more_matching_words_rank_higher(ctx):
    agent = make_user(role=Role.LINE1)
    make_article(title="VPN drops every hour", body="Update the client.")
    make_article(title="VPN setup", body="Install the client.")

    assert find(agent, "vpn drops")[0] == "VPN drops every hour"


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("принтер", "Не печатает принтера на третьем этаже"),
        ("принтеры", "Не печатает принтера на третьем этаже"),
        ("паролем", "Как сменить пароль"),
        ("printers", "The printer prints blank pages"),
        ("printer", "Replacing printers"),
        ("passwords", "Password expired"),
    ],
)
def test_word_forms_match_in_russian_and_english(ctx, query, title):
    agent = make_user(role=Role.LINE1)
    for t in (
        "Не печатает принтера на третьем этаже",
        "Как сменить пароль",
        "The printer prints blank pages",
        "Replacing printers",
        "Password expired",
    ):
        make_article(title=t, body="…")

    assert title in find(agent, query)


def test_prefixes_match_while_the_word_is_typed(ctx):
    agent = make_user(role=Role.LINE1)
    make_article(title="Принтер не печатает", body="Очистите очередь печати.")
    make_article(title="Outlook does not send mail", body="Check the Outbox.")

    assert find(agent, "прин") == ["Принтер не печатает"]
    assert find(agent, "outl") == ["Outlook does not send mail"]
    assert find(agent, "send ma") == ["Outlook does not send mail"]
    assert find(agent, "p") == []  # one letter is no prefix: too broad


def test_tags_are_searched_like_the_title(ctx):
    agent = make_user(role=Role.LINE1)
    make_article(title="Error 809", body="Reboot the router.", tags=["vpn", "remote"])

    assert find(agent, "vpn") == ["Error 809"]


def test_an_edit_reindexes_and_a_delete_unindexes(ctx, clock):
    agent = make_user(role=Role.LINE2)
    article = make_article(title="Scanner offline", body="Restart it.")
    article_service.update_article(
        article, {"title": "Monitor flickers"}, actor=agent, now=clock.now()
    )
    assert find(agent, "scanner") == []
    assert find(agent, "monitor") == ["Monitor flickers"]

    article_service.delete_article(article, actor=agent)
    assert find(agent, "monitor") == []


def test_search_results_carry_highlighted_title_and_snippet(ctx):
    agent = make_user(role=Role.LINE1)
    make_article(
        title="Принтер <HP> не печатает",
        body="Откройте очередь печати и удалите задания принтера.",
    )

    (hit,) = article_service.search_articles(agent, "принтер", limit=5)

    assert str(hit.title_html) == "<mark>Принтер</mark> &lt;HP&gt; не печатает"
    assert "задания <mark>принтера</mark>" in str(hit.snippet)
    assert hit.score > 0


# --- who finds what ----------------------------------------------------------------


def arrange_visibility_mix():
    make_article(title="Printer public", visibility=Visibility.PUBLIC)
    make_article(title="Printer internal", visibility=Visibility.INTERNAL)
    make_article(
        title="Printer draft", visibility=Visibility.PUBLIC, status=ArticleStatus.DRAFT
    )


def test_customers_never_find_internal_or_draft_articles(ctx):
    arrange_visibility_mix()
    customer = make_user(role=Role.CUSTOMER)

    assert find(customer, "printer") == ["Printer public"]
    assert find(customer, "printer", filters={"status": ArticleStatus.DRAFT}) == []
    assert find(customer, "internal") == []


def test_agents_find_internal_ones_and_drafts_only_when_asked(ctx):
    arrange_visibility_mix()
    agent = make_user(role=Role.LINE1)

    assert sorted(find(agent, "printer")) == ["Printer internal", "Printer public"]
    assert find(agent, "printer", filters={"status": ArticleStatus.DRAFT}) == [
        "Printer draft"
    ]


def test_suggestions_are_public_even_for_staff(ctx):
    arrange_visibility_mix()
    agent = make_user(role=Role.LINE1)

    assert find(agent, "printer", public_only=True) == ["Printer public"]


def test_an_article_made_internal_disappears_for_customers(ctx, clock):
    customer = make_user(role=Role.CUSTOMER)
    agent = make_user(role=Role.LINE2)
    article = make_article(title="VPN certificate")
    assert find(customer, "vpn") == ["VPN certificate"]

    article_service.update_article(
        article, {"visibility": Visibility.INTERNAL}, actor=agent, now=clock.now()
    )
    db.session.flush()
    assert find(customer, "vpn") == []


def test_customers_find_a_weak_public_match_behind_many_better_internal_ones(ctx):
    """SQLite ranks a list of candidates before filtering them: when the
    filter drops the whole list, it looks deeper instead of answering less."""
    for n in range(60):
        make_article(title=f"Printer procedure {n}", visibility=Visibility.INTERNAL)
    make_article(title="Office move", body="Bring your printer cable along.")
    customer = make_user(role=Role.CUSTOMER)

    assert find(customer, "printer") == ["Office move"]
    agent = make_user(role=Role.LINE1)
    assert len(find(agent, "printer")) == 10
