"""The red-flag phrase table: what must trigger 'stop and see a professional', and what must not."""

from __future__ import annotations

import pytest

from answering.safety import (
    RED_FLAGS,
    RedFlag,
    advises_continuing,
    describe,
    detect_answer_red_flags,
    detect_red_flags,
    normalise,
)


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("I get a sharp pain in my knee when I run", "sharp pain"),
        ("My knee has sharp pain", "sharp pain"),
        ("SHARP PAIN in the heel", "sharp pain"),
        ("the pain in my shin is sharp", "sharp pain"),
        ("a stabbing pain under my kneecap", "sharp pain"),
        ("I feel a sharp pian in my calf", "sharp pain"),  # typo
        ("pain that gets worse every run", "pain that gets worse"),
        ("the ache keeps getting worse", "pain that gets worse"),
        ("worsening pain in my hip", "pain that gets worse"),
        ("I can't bear weight on my left foot", "not being able to bear weight"),
        ("I cant put any weight on my ankle", "not being able to bear weight"),
        ("unable to walk after the race", "not being able to bear weight"),
        ("chest pain on the hills", "chest pain"),
        ("pain in my chest during intervals", "chest pain"),
        ("my chest feels tight when I sprint", "chest pain"),
        ("Chest tightness near the end of long runs", "chest pain"),
        ("numbness in my toes", "numbness or tingling"),
        ("my foot goes numb after 5K", "numbness or tingling"),
        ("numbess in my foot", "numbness or tingling"),  # typo
        ("tingling down my leg", "numbness or tingling"),
        ("pins and needles in my foot", "numbness or tingling"),
        ("I fainted after the parkrun", "fainting or dizziness"),
        ("I feel dizzy at the end of tempo runs", "fainting or dizziness"),
        ("my heart is racing even at rest", "an irregular or racing heartbeat"),
        ("palpitations during easy runs", "an irregular or racing heartbeat"),
        ("I can't breathe properly on runs", "trouble breathing"),
        ("my ankle is swollen", "swelling"),
        ("I heard a pop in my calf", "a pop or snap"),
        ("my shin hurts at night", "pain at night or at rest"),
        ("could it be a stress fracture?", "possible bone injury"),
        ("my knee gives way on stairs", "a joint giving way or locking"),
        ("excruciating pain in my heel", "severe pain"),
        ("dark urine after the marathon", "blood in your urine or dark urine"),
    ],
)
def test_red_flags_are_detected(message: str, label: str) -> None:
    assert label in [flag.label for flag in detect_red_flags(message)]


@pytest.mark.parametrize(
    "message",
    [
        "Should I foam roll before or after a run?",
        "I have a 10K in three weeks, should I still lift?",
        "my legs are sore after the long run",
        "how do I avoid a stress fracture?",
        "how can I prevent shin pain?",
        "no sharp pain, just general soreness",
        "I don't have any chest pain, just tired legs",
        "intense workout made me sore",
        "I can't stand the treadmill",
        "how many reps for squats?",
        "should I stretch my hamstrings when they feel tight?",
        "is DOMS normal after my first strength session?",
        "what weight should I use for deadlifts?",
        "I'm confused about tempo runs",
        "",
    ],
)
def test_ordinary_questions_are_not_red_flags(message: str) -> None:
    assert detect_red_flags(message) == []


def test_each_kind_is_reported_once_in_table_order() -> None:
    flags = detect_red_flags("sharp pain and my ankle is swollen, and another sharp pain in my hip")
    assert [f.label for f in flags] == ["sharp pain", "swelling", "pain in a joint, bone or tendon"]
    assert describe(flags) == "sharp pain, swelling and pain in a joint, bone or tendon"


def test_every_table_row_compiles_and_has_a_label() -> None:
    labels = [label for label, _ in RED_FLAGS]
    assert len(labels) == len(set(labels))
    assert all(label.strip() for label in labels)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("My KNEE’s  Sharp-Pain!!", "my knee's sharp pain"),
        ("I can’t bear weight", "i can't bear weight"),
        ("shrap pian", "sharp pain"),  # swapped letters are repaired
        ("paid rain", "paid rain"),  # real words are left alone
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


# -- broader phrasings (issue 14): each must be caught, with the label a member should hear ---
@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("the pain in my shin when I run is really really quite sharp", "sharp pain"),
        ("a sharp, stabbing feeling in my shin", "sharp pain"),
        ("shooting sensation down the back of my leg", "sharp pain"),
        ("shin hurts a lot, 8/10 pain, push through?", "severe pain"),
        ("pain is 9 out of 10 on the downhills", "severe pain"),
        ("my knee really hurts after every run", "severe pain"),
        ("my achilles hurts so much in the mornings", "severe pain"),
        ("I have shin splints and it hurts to walk", "not being able to bear weight"),
        ("it's painful to put weight on my heel", "not being able to bear weight"),
        ("I've been limping since Sunday's long run", "not being able to bear weight"),
        ("shin hurts a lot, 8/10 pain, push through?", "pain you are thinking of running on"),
        ("my calf hurts, should I run through it?", "pain you are thinking of running on"),
        ("can I keep running with this knee pain?", "pain you are thinking of running on"),
    ],
)
def test_broader_red_flag_phrasings(message: str, label: str) -> None:
    assert label in [flag.label for flag in detect_red_flags(message)]


@pytest.mark.parametrize(
    "message",
    [
        "run the intervals at 8 out of 10 effort",
        "should I push through the last rep of squats?",
        "how do I stay sharp in the last mile without pain?",
        "the session was hard but nothing hurts",
        "Respect deloads rather than pushing through them.",
        "how do runners prevent stress fractures?",
    ],
)
def test_broader_phrasings_leave_ordinary_messages_alone(message: str) -> None:
    assert detect_red_flags(message) == []


@pytest.mark.parametrize(
    ("sentence", "advises"),
    [
        ("If you feel sharp pain in your shin, run through the sharp pain and keep going.", True),
        ("Push through the discomfort, it will ease.", True),
        ("Just ignore the pain for the first mile.", True),
        ("No pain, no gain.", True),
        ("Try to run it off.", True),
        ("Respect deloads rather than pushing through them.", False),
        ("Don't run through pain: rest and see a physiotherapist.", False),
        ("Never train through sharp pain.", False),
        ("Rest, ice and see a physiotherapist for a proper diagnosis.", False),
        ("Keep your knees in line with your feet.", False),
    ],
)
def test_advice_to_carry_on_through_pain_is_recognised(sentence: str, advises: bool) -> None:
    assert advises_continuing(sentence) is advises


def test_answer_side_flags_skip_injuries_named_as_topics() -> None:
    topic = "Stress fractures are among the injuries runners suffer most often."
    assert detect_red_flags(topic)  # in a question, a member may be describing one
    assert detect_answer_red_flags(topic) == []
    assert detect_answer_red_flags("If the pain is sharp, stop.")


def test_no_list_of_signs_in_the_warning_reads_as_advice_to_carry_on() -> None:
    # The warning names the signs it saw; `_safe` drops sentences that read as advice to run
    # through pain, and must not drop the warning itself ("...running through and pain...").
    labels = [label for label, _ in RED_FLAGS]
    for first in labels:
        for second in labels:
            if first != second:
                signs = describe([RedFlag(first, ""), RedFlag(second, "")])
                assert not advises_continuing(f"What you describe ({signs}) needs a check."), signs
