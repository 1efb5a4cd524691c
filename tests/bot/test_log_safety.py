"""Which training-log notes take the red-flag path: strong signs only, not a scored niggle."""

from __future__ import annotations

import pytest

from bot.log_safety import warning_signs


@pytest.mark.parametrize(
    "note",
    [
        "calf niggle",
        "knee sore",
        "bit of a twinge in the hamstring on the strides",
        "left achilles achy, 4/10",
        "legs heavy, hips tight",
        "felt good, easy 8k",
    ],
)
def test_niggles_in_words_stay_with_their_score(note: str) -> None:
    assert warning_signs(note) == [], note


@pytest.mark.parametrize(
    ("note", "sign"),
    [
        ("sharp pain in the shin from 3k, stopped", "sharp pain"),
        ("ankle swollen after the trail run", "swelling"),
        ("felt a pop in my calf on the hill", "a pop or snap"),
        ("dizzy at the end of the reps", "fainting or dizziness"),
        ("tender spot on my shin bone, hurts to hop", "a tender spot on the bone"),
        ("chest felt tight on the last km", "chest pain"),
    ],
)
def test_strong_signs_in_a_note_take_the_red_flag_path(note: str, sign: str) -> None:
    assert sign in warning_signs(note), note
