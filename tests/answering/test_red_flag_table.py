"""Red flags measured, not listed: floors on the labelled dev table, and the issue's misses.

The floors sit below what `python -m answering.red_flag_eval dev` measured, with a margin: on
the round-1 dev file, and (round 3, rules alone: precision 1.000, recall 0.969) on the whole dev
half, which adds `red_flags_dev2.jsonl` and `red_flags_dev3.jsonl` (the spent round-1 and
round-2 sealed tables; round 4 adds `red_flags_dev4.jsonl`, the spent round-3 sealed table, and
round 5 `red_flags_dev5.jsonl`, the spent round-4 one, round 6 `red_flags_dev6.jsonl`, the spent
round-5 one). The sealed half (`red_flags_test6.jsonl`) is not read here: it is measured once,
by the eval command, and no test prints its rows.
"""

from __future__ import annotations

import pytest

from answering.red_flag_eval import DATA_DIR, load_file, load_rows, main, score
from answering.safety import corroborated, detect_red_flags, explained_away, ordinary_frame

DEV_RECALL_FLOOR = 0.95
DEV_PRECISION_FLOOR = 0.93
HALF_RECALL_FLOOR = 0.93
HALF_PRECISION_FLOOR = 0.95


def test_the_dev_table_keeps_its_floors() -> None:
    result = score("dev", load_file(DATA_DIR / "red_flags_dev.jsonl"))
    assert result.rows >= 100
    assert result.recall >= DEV_RECALL_FLOOR, result.summary()
    assert result.precision >= DEV_PRECISION_FLOOR, result.summary()


def test_the_rules_keep_their_floors_on_the_whole_dev_half() -> None:
    result = score("dev", load_rows("dev"))
    assert result.rows >= 380
    assert result.recall >= HALF_RECALL_FLOOR, result.summary()
    assert result.precision >= HALF_PRECISION_FLOOR, result.summary()


def test_a_bare_eval_command_runs_the_dev_half_only(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--rules-only"])
    out = capsys.readouterr().out
    assert "rules    dev:" in out
    assert "test:" not in out
    with pytest.raises(SystemExit):  # the misses are never shown for the sealed half
        main(["--rules-only", "--show-errors", "dev", "test"])


@pytest.mark.parametrize(
    "message",
    [
        "I keep running even though my foot hurts, is that ok?",
        "my shin has a tender spot that hurts when I hop",
        "my heel is killing me every morning, should I keep running?",
        "it hurts to breathe after sprints",
        "I have pain 6 out of 10 in my hip",
    ],
)
def test_the_issues_missed_phrasings_are_red_flags(message: str) -> None:
    assert detect_red_flags(message), message


# Our own sentences: a pain score of 5 and up in any written form is a warning on its own.
@pytest.mark.parametrize(
    "message",
    [
        "ankle pain is 5/10 on every run",
        "the knee is a solid 7 today",
        "I'd give my heel about a six out of ten",
        "hip pain level 8 since the race",
        "rate it? nine, the achilles",
        "shin went up to a 6 on the downhill",
    ],
)
def test_a_pain_score_of_five_or_more_in_any_form_is_strong(message: str) -> None:
    assert "pain of 5 out of 10 or more" in [f.label for f in detect_red_flags(message)]


@pytest.mark.parametrize(
    "message",
    [
        "hold the hill reps at 8/10 effort, knees soft on the landing",
        "squats at rpe 8 for 5 reps, is my knee position ok",
        "the last km of the 5k was a proper pain cave, how do I suffer better",
        "glutes killing me after hip thrusts haha",
        "broke my ankle two years ago, fully healed, what strength work helps",
        "quads a little tender the day after the downhill race",
        "ran at a 7 30 pace and my knee felt fine",
    ],
)
def test_effort_scores_slang_and_healed_injuries_stay_ordinary(message: str) -> None:
    assert detect_red_flags(message) == [], message


@pytest.mark.parametrize(
    "message",
    [
        "how do i strengthen my shins",
        "my legs are sore after squats, can I still run?",
        "is it ok to run with sore legs from the gym",
        "calves burning on hill reps, is that lactic",
        "legs a bit stiff first thing after the long run",
        "how do I avoid rolling my ankle on trails?",
        "how many weeks should a strength block last?",
        "run the intervals at 6 out of 10 effort",
    ],
)
def test_ordinary_soreness_and_strength_questions_stay_ordinary(message: str) -> None:
    assert detect_red_flags(message) == [], message


# Our own sentences for the round-4 classes: effort said before the score, a pounding heart from
# hard reps, questions about a condition, an injury long healed.
@pytest.mark.parametrize(
    "message",
    [
        "my rpe for the tempo was a solid 7, too hard?",
        "heart pounding after the last hill sprint, just fitness?",
        "what are the symptoms of heat exhaustion to look out for on race day",
        "what is a stress fracture exactly",
        "how can you tell a sprain from a break, asking for the first aid course",
        "rolled my ankle ages ago and it has been fine since, trail shoes?",
        "went 9/10 on the final rep then held back on the cooldown",
    ],
)
def test_effort_heart_rate_and_questions_about_a_condition_stay_ordinary(message: str) -> None:
    assert detect_red_flags(message) == [], message


@pytest.mark.parametrize(
    "message",
    [
        "my heart keeps pounding when I'm resting on the sofa",
        "heart racing on an easy jog and it would not settle",
        "I think I have heat exhaustion, I feel confused and sick",
        "my lower back is at a 7 out of 10 today",
    ],
)
def test_the_same_signs_as_a_member_describing_them_are_red_flags(message: str) -> None:
    assert detect_red_flags(message), message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("how do I prevent shin splints this winter", True),
        ("what causes a stitch", True),
        ("had patella tendon trouble last year, fully healed, what strength work now", True),
        ("tonight was a trip to the pain cave", True),
        ("my shin hurts on one spot when I press it", False),
        ("how long should my long run be", False),
    ],
)
def test_the_ordinary_frame(message: str, expected: bool) -> None:
    assert ordinary_frame(message) is expected


# Our own sentences for the round-5 classes: a stroke's signs, confusion or being sick in the heat,
# pain at rest said as "even when I'm not running", doing something "without wincing".
@pytest.mark.parametrize(
    "message",
    [
        "after the 10k my dad's smile went lopsided and he couldn't find his words for a bit",
        "my face drooped on the left side during the tempo, it's back to normal now",
        "went all muddled near the end of the hot relay leg",
        "vomited twice in the heat at mile 20 of the marathon",
        "my ankle aches even when I'm not running now",
        "can't jump on my left leg without wincing",
        "lower back locked up mid run and I couldn't get up off the floor after",
    ],
)
def test_the_round_five_signs_are_red_flags(message: str) -> None:
    assert detect_red_flags(message), message


# A pounding heart or dizziness put down to nerves or excitement; getting puffed after a break.
@pytest.mark.parametrize(
    "message",
    [
        "heart racing with nerves before my first cross country race",
        "literally dizzy with happiness, got a PB!",
        "out of breath on easy runs after two weeks off, normal?",
        "ran my first 5k without any pain in the knee",
    ],
)
def test_feelings_and_fitness_lost_stay_ordinary(message: str) -> None:
    assert detect_red_flags(message) == [], message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("hamstrings tight for the first mile, fine once I get going", True),
        ("a bit stiff at the start but gone after ten minutes", True),
        ("my shin pain used to go once I warmed up, now it lasts the whole run", False),
        ("when is a niggle a sign to take a week off?", True),
    ],
)
def test_stiffness_gone_once_warm_is_an_ordinary_frame(message: str, expected: bool) -> None:
    assert ordinary_frame(message) is expected


# Our own sentences: it came and went within the session or by the next day (round 6).
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("hip a little grumpy on the first climb then fine after that", True),
        ("ankle felt odd on the track warm-up but loosened up fine", True),
        ("bit of a twinge behind the knee on sunday, gone today, ok for the tempo?", True),
        ("used to ache on the first mile then fine, these days it hurts the whole way", False),
        ("my knee aches after every run and won't settle", False),
    ],
)
def test_pain_that_settled_is_an_ordinary_frame(message: str, expected: bool) -> None:
    assert ordinary_frame(message) is expected


# Our own sentences: what the head alone needs at its lower bar (round 6).
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("my toes feel strange on long runs lately", True),
        ("threw up after the relay and still feel rough", True),
        ("absolutely dead after that session, is it the heat?", False),  # nothing bodily named
        ("can I run with a stuffy nose?", False),
        ("getting back into running after flu, how slowly?", False),  # not the back
        ("abs are sore from the plank challenge lol", False),  # laughed off
        ("heart thumping from the excitement of my first race", False),  # put down to a feeling
    ],
)
def test_what_corroborates_the_head_alone(message: str, expected: bool) -> None:
    assert corroborated(message) is expected


def test_a_sign_put_down_to_a_feeling_is_explained_away() -> None:
    assert explained_away("dizzy with joy after my first marathon")
    assert not explained_away("dizzy at the top of the stairs after the run")
    assert detect_red_flags("dizzy at the top of the stairs after the run")
