"""The fuller editor through the console's HTML forms: the buttons that add, remove, move and
copy a question (without JavaScript they post the form, which comes back changed and keeps
everything typed, nothing stored), help text and the "other (please specify)" option saved
and shown back, errors beside their field in the officer's language, templates that fill the
editor and store nothing, and the safe edits of an open poll's help text."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from polls import tables as t
from polls.console import drafting, starters
from polls.services import polls
from tests.conftest import World, create_open_poll, snapshot
from tests.console.conftest import login, post_form
from tests.console.test_managing import amend_form
from tests.console.test_polls import editor_form

SINGLE = {
    "kind": "single",
    "text": "Bữa ăn có đủ no không?",
    "help": "Nghĩ đến tuần vừa qua.",
    "options": "Đủ\nChưa đủ",
    "other": "1",
    "other_label": "",
    "required": "1",
}
SCALE = {
    "kind": "scale",
    "text": "Mức hài lòng?",
    "min": "1",
    "max": "5",
    "min_label": "Kém",
    "max_label": "Tốt",
    "required": "1",
}
TEXT = {"kind": "text", "text": "Góp ý"}


def blocks(form: drafting.DraftForm) -> list[str]:
    return [b.text for b in form.blocks]


def typed(*texts: str) -> drafting.DraftForm:
    return drafting.DraftForm(title="T", blocks=[drafting.QuestionBlock(text=x) for x in texts])


def test_each_button_changes_the_form_as_it_says() -> None:
    form = typed("a", "b", "c")
    assert blocks(drafting.apply_action(form, "add")) == ["a", "b", "c", ""]
    assert blocks(drafting.apply_action(form, "remove:1")) == ["a", "c"]
    assert blocks(drafting.apply_action(form, "up:2")) == ["a", "c", "b"]
    assert blocks(drafting.apply_action(form, "down:0")) == ["b", "a", "c"]
    assert blocks(drafting.apply_action(form, "copy:0")) == ["a", "a", "b", "c"]
    copied = drafting.apply_action(form, "copy:0")
    assert copied.blocks[0] is not copied.blocks[1]  # a copy, not the same block twice
    assert drafting.apply_action(form, "copy:0").title == "T"
    assert blocks(drafting.apply_action(typed("a"), "remove:0")) == [""]  # never no block


@pytest.mark.parametrize(
    "action", ["up:0", "down:2", "remove:3", "copy:-1", "copy:²", "move:1", "remove", "", "x:1"]
)
def test_a_button_that_does_not_apply_leaves_the_form_as_it_was(action: str) -> None:
    form = typed("a", "b", "c")
    assert drafting.apply_action(form, action) == form


def test_no_button_makes_more_than_fifty_questions() -> None:
    full = typed(*(str(n) for n in range(polls.MAX_QUESTIONS)))
    assert drafting.apply_action(full, "add") == full
    assert drafting.apply_action(full, "copy:3") == full


async def test_without_javascript_each_button_comes_back_with_everything_typed(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    before = await snapshot()
    data = editor_form(SINGLE, SCALE, TEXT, title="Bữa ăn ca")
    copied = await post_form(client, "/console/polls/new", {**data, "action": "copy:0"})
    assert copied.status_code == 200
    assert 'name="blocks" value="6"' in copied.text  # 3 typed, 2 empty, and the copy
    assert copied.text.count('value="Bữa ăn có đủ no không?"') == 2
    assert copied.text.count('value="Nghĩ đến tuần vừa qua."') == 2
    assert 'id="q1.other" name="q1.other" value="1" checked' in copied.text
    assert 'value="Bữa ăn ca"' in copied.text
    moved = await post_form(client, "/console/polls/new", {**data, "action": "up:1"})
    assert moved.text.index('value="Mức hài lòng?"') < moved.text.index(
        'value="Bữa ăn có đủ no không?"'
    )
    removed = await post_form(client, "/console/polls/new", {**data, "action": "remove:0"})
    assert "Bữa ăn có đủ no không?" not in removed.text
    assert 'value="Mức hài lòng?"' in removed.text
    assert await snapshot() == before  # no button stores anything


async def test_help_and_other_are_saved_and_shown_back(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    saved = await post_form(client, "/console/polls/new", editor_form(SINGLE, SCALE, TEXT))
    assert saved.status_code == 303, saved.text
    poll_id = int(saved.headers["location"].rsplit("/", 1)[-1])
    poll = await polls.load(poll_id)
    single = poll.questions[0]
    assert single.help == "Nghĩ đến tuần vừa qua."
    assert [(o.label, o.other) for o in single.options] == [
        ("Đủ", False),
        ("Chưa đủ", False),
        ("Khác (ghi rõ)", True),  # the poll's language names it when the officer did not
    ]
    assert poll.questions[1].other_option is None
    again = await client.get(f"/console/polls/{poll_id}/edit")
    assert 'value="Nghĩ đến tuần vừa qua."' in again.text
    assert 'id="q0.other" name="q0.other" value="1" checked' in again.text
    assert "Khác (ghi rõ)\n" not in again.text.split('name="q0.options"')[1].split("</textarea>")[0]
    # saving the draft as it came back changes nothing
    form = drafting.form_for_poll(poll)
    assert drafting.to_draft(form).draft.questions == polls.as_draft(poll).questions


async def test_an_english_poll_names_its_other_option_in_english(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    saved = await post_form(
        client, "/console/polls/new", editor_form(SINGLE, language="en", title="Meals")
    )
    poll = await polls.load(int(saved.headers["location"].rsplit("/", 1)[-1]))
    assert poll.questions[0].options[-1].label == "Other (please specify)"


@pytest.mark.parametrize(
    ("block", "field", "vi", "en"),
    [
        (
            {**SINGLE, "help": "x" * 501},
            "q0.help",
            "Lời hướng dẫn không được dài quá 500 ký tự.",
            "Keep the help text under 500 characters.",
        ),
        (
            {**SINGLE, "help": "Nghĩ\x1bđến"},
            "q0.help",
            None,
            None,
        ),
        (
            {**SINGLE, "other_label": "Đủ"},
            "q0.options",
            None,
            "Two options have the same text.",
        ),
    ],
)
async def test_bad_help_or_other_comes_back_beside_its_field(
    client: httpx.AsyncClient,
    world: World,
    block: dict[str, Any],
    field: str,
    vi: str | None,
    en: str | None,
) -> None:
    await login(client, "officer")
    before = await snapshot()
    for language, message in (("vi", vi), ("en", en)):
        client.headers["accept-language"] = language
        client.cookies.set("polls_lang", language)
        got = await post_form(client, "/console/polls/new", editor_form(block))
        assert got.status_code == 422
        error_id = field.replace(".", "-") + "-err"
        assert f'id="{error_id}"' in got.text
        if message:
            assert message in got.text
        assert 'value="Bữa ăn có đủ no không?"' in got.text  # the input is kept
    assert await snapshot() == before


async def test_a_template_fills_the_editor_and_stores_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    before = await snapshot()
    blank = await client.get("/console/polls/new")
    assert all(f"template={key}&amp;language=vi" in blank.text for key in starters.STARTERS)
    for key, starter in starters.STARTERS.items():
        for language, version in starter.versions.items():
            got = await client.get(f"/console/polls/new?template={key}&language={language}")
            assert got.status_code == 200
            assert f'value="{version.title}"' in got.text.replace("&#39;", "'")
            assert f'name="blocks" value="{len(version.questions)}"' in got.text
    assert await snapshot() == before
    for wrong in ("?template=nope", "?template=tet&language=fr"):
        missing = await client.get(f"/console/polls/new{wrong}")
        assert missing.status_code == 404
        assert "Không có mẫu này." in missing.text


def test_every_template_is_a_valid_poll_in_both_languages() -> None:
    assert len(starters.STARTERS) == 5
    for starter in starters.STARTERS.values():
        assert set(starter.versions) == {"vi", "en"}
        vi, en = starter.versions["vi"], starter.versions["en"]
        assert [q.kind for q in vi.questions] == [q.kind for q in en.questions]
        assert [bool(q.other) for q in vi.questions] == [bool(q.other) for q in en.questions]
        for version in (vi, en):
            errors = polls.check_draft(
                polls.PollDraft(**{**version.__dict__, "unit": "than-mao-khe"})
            )
            assert errors == {}, (starter.key, errors)
            # the form made from it reads back as the same definition
            parsed = drafting.to_draft(drafting.form_for_draft(version))
            assert parsed.errors == {}
            assert parsed.draft.questions == version.questions


async def test_a_viewer_gets_no_template(client: httpx.AsyncClient, world: World) -> None:
    await login(client, "viewer")
    got = await client.get("/console/polls/new?template=tet&language=vi")
    assert got.status_code == 403


async def test_help_typos_are_a_safe_edit_of_an_open_poll_and_other_is_not(
    client: httpx.AsyncClient, world: World
) -> None:
    questions = [
        {
            "kind": "single",
            "text": "Bữa ăn có đủ no không?",
            "options": ["Đủ", "Chưa đủ"],
            "help": "Nghĩ đến tuần vừa qau.",
            "other": "Khác (ghi rõ)",
        }
    ]
    open_poll = await create_open_poll(client, world, questions=questions)
    await login(client, "officer")
    qid = open_poll.questions[0]["id"]
    fixed = await post_form(
        client,
        f"/console/polls/{open_poll.id}/edit",
        {**amend_form(open_poll), f"h{qid}": "Nghĩ đến tuần vừa qua."},
    )
    assert fixed.status_code == 303, fixed.text
    assert (await polls.load(open_poll.id)).questions[0].help == "Nghĩ đến tuần vừa qua."
    edits = await t.PollEdit.select(t.PollEdit.fields).where(t.PollEdit.poll == open_poll.id)
    assert edits[-1]["fields"] == "questions.0.help"
    before = await snapshot()
    rewritten = await post_form(
        client,
        f"/console/polls/{open_poll.id}/edit",
        {**amend_form(open_poll), f"h{qid}": "Chỉ tính bữa tối của ca ba, không tính bữa trưa."},
    )
    assert rewritten.status_code == 422
    assert "lời hướng dẫn" in rewritten.text
    assert await snapshot() == before
    # the "other" option's label is an option like the others: a typo fix, no more
    other = open_poll.questions[0]["options"][-1]
    assert other["other"] is True
    # adding or removing "other" changes the questions: an open poll refuses it
    changed = await client.patch(
        f"/api/v1/polls/{open_poll.id}",
        json={"questions": [{**questions[0], "other": None}]},
        headers=world.auth("officer"),
    )
    assert changed.status_code == 409
