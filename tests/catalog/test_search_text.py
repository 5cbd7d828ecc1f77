"""Segmentation, query parsing and highlighting: plain functions, no database."""

from __future__ import annotations

import pytest

from catalog.search.highlight import highlight, snippet
from catalog.search.query import MAX_LENGTH, parse
from catalog.search.segment import html_to_text, index_tokens, load_terms, query_tokens

# Segmentation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("term", ["政府信息公开", "依申请公开", "行政复议", "预决算", "三公经费", "保障性住房"])
def test_government_terms_are_whole_tokens(term):
    assert query_tokens(f"关于{term}的说明") == ["关于", term, "说明"]


def test_index_holds_a_compound_term_and_its_parts():
    tokens = index_tokens("市政府信息公开工作年度报告")
    for word in ["政府信息公开", "信息公开", "政府", "信息", "公开", "年度报告", "市政府"]:
        assert word in tokens


def test_full_width_letters_and_case_are_normalized():
    assert query_tokens("ＡＢＣ１２３") == query_tokens("abc123") == ["abc123"]


def test_inline_tags_do_not_split_words():
    assert html_to_text("<p>政府<strong>信息</strong>公开</p><p>第二段&amp;</p>") == "政府信息公开 第二段&"
    assert "政府信息公开" in index_tokens(html_to_text("<p>政府<em>信息</em>公开</p>"))


def test_terms_file_has_no_duplicates():
    terms = load_terms()
    assert len(terms) == len(set(terms)) > 100


# Query syntax ------------------------------------------------------------------------------------------


def test_words_phrases_and_exclusions():
    query = parse('预算 "部门 决算" -三公经费')
    assert [(t.text, t.phrase, t.exclude) for t in query.terms] == [
        ("预算", False, False),
        ("部门 决算", True, False),
        ("三公经费", False, True),
    ]


def test_chinese_quotes_full_width_space_and_minus():
    query = parse("“政府信息公开”\u3000－行政复议")
    assert [(t.text, t.phrase, t.exclude) for t in query.terms] == [
        ("政府信息公开", True, False),
        ("行政复议", False, True),
    ]


def test_only_exclusions_show_the_latest_with_a_notice():
    query = parse("-预算")
    assert query.is_empty
    assert "至少输入一个" in query.notices[0]


def test_overlong_query_is_cut():
    query = parse("预" * 500)
    assert len(query.terms[0].text) == MAX_LENGTH
    assert "过长" in query.notices[0]


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", "！？、。", "🎉🎉", '"" - --'])
def test_nothing_to_look_for(raw):
    assert parse(raw).is_empty


# Highlighting ------------------------------------------------------------------------------------------


def test_highlight_escapes_before_marking():
    marked = highlight("<script>alert('预算')</script>", ["预算"])
    assert str(marked) == "&lt;script&gt;alert(&#x27;<mark>预算</mark>&#x27;)&lt;/script&gt;"


@pytest.mark.parametrize(
    "needle",
    ["<script>", '"', "'", ".*", "(", "[a-z]+", "\\", "🎉", "预" * 500, " ", "", "。，！"],
)
def test_hostile_query_words_never_inject_html(needle):
    text = 'a<b>"预算"</b>.*(🎉)\\' + "预" * 3
    marked = str(highlight(text, [needle]))
    assert "<b>" not in marked and "<script>" not in marked
    assert marked.replace("<mark>", "").replace("</mark>", "") == str(highlight(text, []))


def test_regex_characters_are_matched_literally():
    assert str(highlight("a.b axb", [".b"])) == "a<mark>.b</mark> axb"


def test_longest_word_wins_and_case_is_ignored():
    assert str(highlight("政府信息公开 COVID", ["信息", "政府信息公开", "covid"])) == (
        "<mark>政府信息公开</mark> <mark>COVID</mark>"
    )


def test_snippet_is_a_window_around_the_first_match():
    text = "甲" * 200 + "三公经费" + "乙" * 200
    window = str(snippet(["", text], ["三公经费"]))
    assert window.startswith("…") and window.endswith("…")
    assert "<mark>三公经费</mark>" in window
    assert len(window.replace("<mark>", "").replace("</mark>", "")) <= 125


def test_snippet_without_a_match_is_the_start_of_the_text():
    assert str(snippet(["<预算>"], ["决算"])) == "&lt;预算&gt;"
