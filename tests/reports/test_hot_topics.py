"""Hot topics of a hand-made month of letters, whose topics and counts were worked out
by hand: a synonym group counts once, boilerplate and contact data never appear."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.cases.models import Contact
from portal.chinese import letter_words
from portal.reports.hot_topics import hot_topics, rank_topics
from portal.reports.scope import Scope
from tests.helpers.reports import OCTOBER, add_letter

OCTOBER_SCOPE = Scope(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
PHONE, EMAIL, NAME = "13800138000", "zw@example.com", "张伟"


@pytest.fixture
def month(app, session):
    """Five letters of October, one of September and a merged copy, some published."""
    noise = add_letter(session, "人民路夜间施工噪音扰民",
                       f"您好市长，人民路工地夜间施工，噪音很大。反映人：{NAME}，电话{PHONE}",
                       published=True, contact=Contact(name=NAME, phone=PHONE, email=EMAIL))
    add_letter(session, "小区广场舞噪声", f"小区广场舞噪声很大，晚上扰民。联系邮箱 {EMAIL}",
               published=False)  # withdrawn: no example
    lift = add_letter(session, "电梯故障", "我家小区电梯经常故障，希望尽快维修。")
    add_letter(session, "升降梯停运", "小区升降梯停运一周，老人出行困难。")
    add_letter(session, "人民路施工", "人民路施工围挡占道。", published=True)
    # Neither of these counts: another month, and a copy merged into its case.
    add_letter(session, "电梯又坏了", "电梯故障。", at=OCTOBER - dt.timedelta(days=30))
    add_letter(session, "电梯故障", "我家小区电梯经常故障。", merged_into_id=lift.id)
    # 23:30 on 31 October in the city is still October, though it is the 31st in UTC too.
    add_letter(session, "噪声", "夜里噪声。",
               at=dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC))
    return noise


def test_the_months_topics_and_their_counts(app, session, month):
    with app.app_context():
        topics = hot_topics(session, OCTOBER_SCOPE)
    assert {t.term: t.cases for t in topics} == {
        "噪音": 3,  # 噪音 (噪音扰民 is a word of its own), 噪声 + 扰民, 噪声 (31 October)
        "小区": 3, "电梯": 2, "人民路": 2, "施工": 2}
    assert {t.term: t.variants for t in topics}["噪音"] == ("噪声", "噪音", "扰民")
    assert {t.term: t.variants for t in topics}["电梯"] == ("升降梯", "电梯")
    assert [(-t.score, t.term) for t in topics] == sorted((-t.score, t.term) for t in topics)


def test_examples_are_published_replies_by_their_public_address(app, session, month):
    with app.app_context():
        topics = {t.term: t for t in hot_topics(session, OCTOBER_SCOPE)}
    ids = [e.url.rsplit("/", 1)[1] for e in topics["人民路"].examples]
    assert [e.title for e in topics["人民路"].examples] == ["人民路夜间施工噪音扰民（公开）",
                                                          "人民路施工（公开）"]
    assert all(e.url.startswith("https://portal.test/wall/") for e in topics["人民路"].examples)
    assert ids == sorted(ids, key=int)
    assert [e.title for e in topics["噪音"].examples] == ["人民路夜间施工噪音扰民（公开）"]
    assert topics["电梯"].examples == ()


def test_contact_data_and_boilerplate_never_become_topics(app, session, month):
    with app.app_context():
        topics = hot_topics(session, OCTOBER_SCOPE, min_cases=1, limit=100)
    words = {w for t in topics for w in (t.term, *t.variants)}
    assert not {w for w in words if NAME in w or PHONE in w or "zw" in w or "example" in w}
    assert not words & {"您好", "市长", "反映", "问题", "希望", "电话", "邮箱"}


def test_ties_are_broken_by_the_term_whatever_the_order_of_the_letters():
    # Two streets of the same IDF in jieba's table, in as many letters: the same score.
    letters = [(i, letter_words(text, "")) for i, text in
               [(1, "中山路积水"), (2, "解放路积水"), (3, "解放路堵车"), (4, "中山路堵车")]]
    forward = [(t.term, t.cases, t.score) for t, _ in rank_topics(letters)]
    assert forward == [(t.term, t.cases, t.score) for t, _ in rank_topics(letters[::-1])]
    terms = [term for term, _, _ in forward]
    streets = terms.index("中山路")
    assert terms[streets + 1] == "解放路" and forward[streets][2] == forward[streets + 1][2]


def test_a_keyword_narrows_the_letters(app, session, month):
    with app.app_context():
        topics = hot_topics(session, Scope(OCTOBER_SCOPE.start, OCTOBER_SCOPE.end,
                                           keyword="人民路"))
    assert {t.term: t.cases for t in topics} == {"人民路": 2, "施工": 2}


def test_letters_are_cut_once_and_their_words_kept(app, session, month):
    assert month.topic_words is None  # laid out as rows, as an imported letter is
    with app.app_context():
        first = hot_topics(session, OCTOBER_SCOPE, min_cases=1, limit=100)
        session.refresh(month)
        assert month.topic_words == letter_words(month.title, month.content)
        assert "人民路" in month.topic_words.split() and PHONE not in month.topic_words
        assert hot_topics(session, OCTOBER_SCOPE, min_cases=1, limit=100) == first


def test_a_submitted_letter_arrives_with_its_words(session, category):
    from portal.cases.services import ContactData, Submission, submit_case
    from portal.cases.workflow import Actor, Channel, Kind

    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title="人民路夜间施工噪音扰民",
        content=f"反映人：{NAME}，电话{PHONE}。工地夜间施工。", category_id=category.id,
        contact=ContactData(phone=PHONE)), Actor.citizen())
    words = case.topic_words.split()
    assert {"人民路", "夜间", "施工"} <= set(words)
    assert not [w for w in words if NAME in w or PHONE in w]
