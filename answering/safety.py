"""Injury red flags: a phrase table and a matcher, checked before anything else (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Up to four filler words between the parts of a phrase ("the pain in my shin is sharp").
GAP = r"(?:\S+ ){0,4}"
# A sentence's worth of words: "the pain in my shin when I run is really really quite sharp".
WIDE_GAP = r"(?:\S+ ){0,10}"
# A short message's worth: how long it has hurt is often said last ("..., been 2 weeks").
MESSAGE_GAP = r"(?:\S+ ){0,20}"
PAIN = r"(?:pain|pains|painful|ache|aches|aching|hurts?|hurting|sore)"
SHARP = r"(?:sharp|stabbing|stabby|shooting|searing|knife\w*|piercing|burning|hot poker)"
# 7/10 and up ("8/10 pain", "pain is 9 out of 10"): normalised text reads "8 10".
THROUGH = (
    r"(?:push|pushing|pushed|run|running|ran|train|training|trained|power|powering|work|working"
    r"|worked|grit|gritting|race|racing|raced|tough|toughing|soldier\w*|crack|cracking|cracked)"
    r" (?:my |your |it )?(?:way )?(?:through|on|out)"
)
HIGH_SCALE = r"(?:[7-9]|10) (?:out of |on a scale of )?10"
# A pain score of 5 and up in any written form: "6/10", "a solid 6", "seven outta ten", "sitting
# at a 7", "pain level 8". Effort scores ("7/10 effort", "rpe 8") are not pain: see _EFFORT_RE.
SCORE = r"(?:[5-9]|10|five|six|seven|eight|nine|ten)"
PAIN_SCORE = (
    rf"(?:\b{SCORE} (?:out of |outta |on a scale of |of |on the pain scale)?(?:10|ten)\b"
    rf"|\b(?:a solid|solid|sitting at|sits at|at a|about a|like a|maybe a|around a|to a|up to"
    rf"|its a|it's a|hits a|pain score|pain level|rating|rate it|scale) (?:a |an |about |maybe )?"
    rf"{SCORE}\b"
    r"(?! (?:\d|k|km|kms|kilometres?|miles?|min|mins|minutes?|hours?|hrs?|am|pm|days?|weeks?"
    r"|months?|years?|percent|x|reps?|sets?|kg|kgs|lbs?|times|out of 5))"
    rf"|\b(?:scale|rate|rating|score) (?:\S+ ){{0,6}}(?:a |an |at )?{SCORE}\b(?! (?:out of )?5\b))"
)
CANT = r"(?:can't|cant|cannot|can not|couldn't|couldnt|unable to|not able to)"
# Pain in any words a member uses for it, severe slang included ("my heel is killing me").
ANY_PAIN = (
    rf"(?:{PAIN}|agony|killing me|killing|tender|throbb\w*|burns|burning|twinge\w*|niggl\w*"
    r"|stabs|zaps?|jolts?|grumbl\w*|winc\w*|ouch\w*"
    # Similes for pain: "first steps are like walking on glass".
    r"|walking on (?:broken )?(?:glass|nails|knives|hot coals)|like (?:knives|needles|nails|glass))"
)
# Where pain is a warning rather than training soreness: joints, bones, tendons, the feet.
JOINTS = (
    r"(?:knees?|kneecaps?|hips?|shins?|shinbone|foot|feet|heels?|achilles|ankles?|toes?|groin"
    r"|arch|arches|tendons?|bones?|joints?|it band|itb|ribs?|pelvis|sit bones?|wrists?|elbows?)"
)
# "glutes sore from hip thrusts": a joint named in an exercise is not where it hurts.
EXERCISES = (
    r"(?:thrusts?|raises?|drops?|bridges?|circles?|flexors?|taps?|hikes?|dips?"
    r"|extensions?|curls?|drills?|mobility|exercises?|stretch\w*|strength\w*|hops?|walks?)"
)
JOINT_NOT_EXERCISE = rf"{JOINTS}(?! {EXERCISES})"
# "can't hop without wincing": not being able to do it without pain is not denying the pain.
_CANT_WITHOUT_PAIN_RE = re.compile(rf"\b{CANT} (?:\S+ ){{0,8}}without (?:\S+ )?{ANY_PAIN}")
# It stays: "won't go away", "isn't getting better", "a week later".
LINGERS = (
    r"(?:(?:won't|wont|doesn't|doesnt|isn't|isnt|not|never|hasn't|hasnt) (?:\S+ )?"
    r"(?:go away|going away|gone away|settle|settling|settled|clear|clearing|cleared|ease|easing"
    r"|eased|improv\w*|getting better|get better|got better|heal|healing|healed)"
    r"|(?:weeks?|months?) (?:later|on)|a week after|all day|all the time|constant\w*|non stop"
    r"|still there)"
)
# Signs that the pain is not training soreness: how long, how often, when it comes.
WEEKS = (
    r"(?:(?:for|been|over|past|last|nearly|almost|about|like|now|since) (?:\S+ ){0,2}"
    r"(?:\d+|a|one|two|three|four|five|six|few|couple of|several|many) (?:\S+ )?"
    r"(?:weeks?|months?)|(?:for|over) (?:weeks|months)|fortnight|all season|for ages)"
)
MORNING = (
    r"(?:(?:every|each) morning|in the mornings?|first thing|(?:first|morning) steps|till lunch"
    r"|out of bed|when i (?:wake|get up))"
)
EVERY_RUN = r"(?:every (?:single )?(?:run|time i run|session|step|stride|footstrike)|each run)"
PAINKILLER = (
    r"(?:painkillers?|pain killers?|ibuprofen|paracetamol|nurofen|naproxen|advil|tylenol"
    r"|aspirin|co ?codamol|codeine|tramadol|anti ?inflammator\w*)"
)
# 4/10 and up: past the mild discomfort ('up to 3 out of 10') guides allow while training.
MODERATE_SCALE = r"(?:[4-6]) (?:out of |on a scale of )?10"
# Muscle groups: an ache there after training is soreness (DOMS), in a joint, bone or
# tendon it is not. Plural "legs" only: "my left leg" is usually one painful place.
MUSCLES = (
    r"legs|quads|hamstrings|hammies|glutes|calves|muscles|arms|abs|core|bum|butt|shoulders"
    r"|lats|pecs|traps|thighs"
)


def _either(a: str, b: str, gap: str = GAP) -> str:
    """`a` near `b`, in either order."""
    return rf"(?:\b{a} {gap}{b}\b|\b{b} {gap}{a}\b)"


# fmt: off
# (what the member is told they described, pattern over normalised text). Order = priority.
RED_FLAGS: tuple[tuple[str, str], ...] = (
    ("chest pain",
     rf"\bchest {GAP}(?:{PAIN}|tight\w*|pressure|crush\w*|squeez\w*|heav\w*)\b"
     rf"|\b(?:{PAIN}|tight\w*|pressure|crushing|squeezing|heavy|heaviness|band) {GAP}"
     rf"(?:in|across|on|round|around|of) (?:my |the )?chest\b"
     rf"|\btight(?:ness)? (?:in (?:my |the )?)?chest\b|\bheart attack\b"
     rf"|\bchest (?:\S+ )?(?:felt|feels|feeling|went|goes) (?:\S+ )?"
     rf"(?:weird|funny|strange|odd|wrong)\b"
     rf"|\bbreastbone\b"),
    # Heart pain is often felt in the arm, jaw or neck, with a cold sweat: not a training ache.
    ("arm, jaw or neck pain or a cold sweat while exercising",
     rf"\b(?:left arm|jaw) (?:\S+ ){{0,4}}(?:{PAIN}|achy|heavy|went weird|felt weird|tingl\w*)\b"
     rf"|\b(?:{PAIN}|achy|heavy|ache) (?:in|into|down|to) (?:my |the )?(?:left arm|jaw)\b"
     r"|\b(?:clammy|cold sweats?|cold and sweaty|grey and sweaty)\b"),
    ("an irregular or racing heartbeat",
     r"\bpalpitations?\b"
     r"|\b(?:irregular|skipping|racing|fluttering|pounding) (?:heart ?beat|heart|pulse)\b"
     r"|\bheart (?:\S+ )?(?:racing|races|raced|fluttering|skipping|skips|skipped|flutters"
     r"|pounding|pounds)\b"
     r"|\b(?:skipped|skipping|missed|missing|extra) (?:a )?beats?\b"
     r"|\bheart (?:\S+ ){0,3}(?:thump\w*|skipp\w*|flip\w*|gallop\w*|jump\w*|hammer\w*)\b"
     r"|\b(?:pulse|heart ?beat) (?:\S+ ){0,2}(?:jumpy|uneven|all over the place|erratic)\b"),
    ("trouble breathing",
     rf"\b{CANT} (?:breathe?|catch (?:my |your )?breath)\b"
     rf"|\b(?:trouble|difficulty|struggling|hard) (?:to )?breath\w*\b"
     rf"|\b(?:short(?:ness)? of breath|breathless|out of breath) {GAP}(?:at rest|resting"
     rf"|sitting|lying|stairs|walking|talking|at night|since|for ages)\b"
     rf"|\b{CANT} (?:get|take|catch|draw|fill) (?:\S+ ){{0,2}}(?:breath|air|lungs)\b"
     rf"|\bwhistl\w* {GAP}breath\w*\b|\bbreath\w* {GAP}whistl\w*\b"
     rf"|\b{PAIN} (?:\S+ ){{0,3}}(?:to|when(?: i)?|on|with|every|each|as i) (?:\S+ )?breath\w*\b"
     rf"|\bbreath\w* (?:\S+ ){{0,3}}{PAIN}\b|\bwheez\w*\b"),
    ("fainting or dizziness",
     r"\b(?:fainted|fainting|(?:feel|felt|feeling) faint|pass(?:ed|ing)? out|black(?:ed)? out)\b"
     r"|\b(?:dizzy|dizziness|light ?headed(?:ness)?)\b"
     r"|\b(?:i|he|she|they|someone) collapsed\b|\bcollapsed (?:at|after|during|on|in)\b"
     r"|\bkeel(?:ed|ing)? over\b|\bhit the deck\b|\b(?:came|come|coming) (?:round|to)\b"
     r"|\b(?:saw|seeing|see) stars\b|\bwent (?:all )?(?:grey|gray|white as)\b"
     r"|\b(?:room|world|everything|head) (?:\S+ ){0,2}(?:spinning|spinny|spun|spins|tilted)\b"
     r"|\bwent down (?:like|at|after|in the)\b"
     r"|\b(?:blurr\w*|double|tunnel) vision\b|\bvision (?:\S+ )?(?:blurr\w*|went)\b"),
    # A face that droops, words that come out wrong, one side gone weak: a stroke until proven not.
    ("signs of a stroke",
     r"\b(?:face|mouth|smile|eyelid) (?:\S+ ){0,4}"
     r"(?:droop\w*|dropp\w*|sagg\w*|went funny|lopsided)\b"
     r"|\b(?:droopy|drooping|lopsided) (?:face|mouth|smile)\b"
     r"|\bwords (?:\S+ ){0,3}(?:wrong|jumbled|muddled|mixed up|wouldn't come|would not come)\b"
     r"|\b(?:couldn't|could not|can't|cannot|cant|couldnt) (?:get (?:my |the )?words out|speak"
     r"|talk properly|find (?:my |the )?words)\b"
     r"|\bone side of (?:my |his |her |their )?(?:body|face) (?:\S+ ){0,3}(?:weak|numb|dead|heavy"
     r"|went|gone|droop\w*)\b"),
    ("numbness or tingling",
     r"\b(?:numb|numbness|numbish|numbed|tingl\w*|pins and needles|loss of feeling"
     r"|(?:lose|loses|losing|lost) (?:all |the )?feeling)\b"
     r"|\b(?:foot|leg|toes?|hand|fingers?|arm) (?:\S+ ){0,2}(?:goes|go|went|going) dead\b"),
    # A foot that drags or slaps down is weakness from a nerve, not a sore muscle.
    ("a weak or dragging foot or leg",
     r"\b(?:foot|toes?|leg) (?:\S+ ){0,2}(?:drags?|dragging|slaps?|slapping|flops?)\b"
     r"|\bdrop ?foot\b|\b(?:drag|dragging) my (?:foot|toes?|leg)\b"),
    ("sharp pain",
     _either(SHARP, PAIN, WIDE_GAP)
     + r"|\b(?:stabbing|stabby|shooting|searing|piercing) (?:\S+ )?(?:feeling|sensation|twinge)s?\b"
     + r"|\bsharp,? (?:stabbing|shooting)\b"
     + r"|\b(?:stabs|zaps?|zapping|jolts? of pain|electric shocks?"
     + r"|like a (?:nail|needle|knife|hot poker))\b"),
    ("severe pain",
     rf"\b(?:severe|excruciating|unbearable|intense|extreme|agonising|agonizing) (?:\S+ )?{PAIN}\b"
     rf"|\bworst {PAIN}\b"
     + "|" + _either(HIGH_SCALE, PAIN)
     + rf"|\b{PAIN} (?:so much|so bad|so badly|a lot|like hell|really badly|badly)\b"
     rf"|\b(?:really|very|extremely|so|seriously|incredibly) (?:really )?(?:painful|hurts)\b"
     rf"|\bin (?:agony|a lot of pain|so much pain)\b|\b(?:are|is|am) agony\b"
     rf"|\bkilling me\b"),
    ("pain of 5 out of 10 or more",
     _either(PAIN_SCORE,
             rf"(?:{ANY_PAIN}|{JOINTS}|calf|calves|hamstring|(?:my|lower|upper) back|thigh|groin)",
             MESSAGE_GAP)),
    ("pain that gets worse",
     rf"\b{ANY_PAIN} {WIDE_GAP}(?:worse|worsening|worsens|increasing|more and more|more every)\b"
     rf"|\b(?:worsening|increasing|growing) {GAP}{PAIN}\b"
     rf"|\b{ANY_PAIN} {GAP}(?:spread\w*|radiat\w*|moving (?:up|down|into)|goes down|going down"
     rf"|travels|shoots down|runs down)\b"),
    ("not being able to bear weight",
     rf"\b{CANT} (?:bear|put|take|carry) (?:any |much |my )?weight\b"
     rf"|\b{CANT} put (?:my |the |that |this )?(?:foot|heel|leg) down\b"
     rf"|\b{CANT} (?:walk|stand on)\b"
     rf"|\b{CANT} get (?:up )?(?:off|from) (?:the )?(?:floor|ground)\b"
     rf"|\b(?:barely|hardly|struggl\w* to|hard to) (?:walk|stand|put weight)\b"
     rf"|\b(?:hurts?|hurting|painful|pain|sore) (?:\S+ ){{0,4}}(?:to|when(?: i)?|while(?: i)?) "
     rf"(?:walk|walking|stand|standing|put weight|bear weight)\b"
     rf"|\blimp(?:ing|ed|s)?\b|\bwalk(?:ing)? with a limp\b"
     rf"|\b(?:can't|cannot|cant|unable to) weight ?bear\w*\b|\bnon ?weight ?bearing\b"),
    ("swelling",
     r"\b(?:swollen|swelling|swells|swelled|puffy|puffed up|ballooned|swole up)\b"
     r"|\bdouble the size\b"
     r"|\b(?:fatter|bigger|thicker|fuller) than the other\b|\bthe size of an? \w+\b"),
    ("a pop or snap",
     r"\b(?:heard|felt) (?:a |something |it |my \S+ )?"
     r"(?:pop|snap|crack|tear|rip|ping|twang|go|give)\b"
     r"|\b(?:something|it) (?:popped|snapped|cracked|ripped)\b"
     r"|\b(?:went|go|goes) (?:\S+ )?(?:bang|twang|ping|pop|snap)\b|\btwang\w*\b"
     r"|\b(?:dent|gap|dip|hollow) in (?:the back of )?(?:my |the )?(?:\S+ )?"
     r"(?:muscle|calf|hamstring|thigh|leg|quad|achilles)\b"
     r"|\b(?:kicked|hit) (?:in )?(?:the )?(?:back of )?(?:my )?(?:calf|heel|achilles|leg)\b"),
    ("pain at night or at rest",
     rf"\b{ANY_PAIN} {GAP}(?:at night|at rest|in bed|wakes me|woke me|waking me"
     rf"|(?:while|even|when) resting|lying down|doing nothing"
     rf"|(?:even|when|while) (?:i'm |im |i am )?(?:sat|sitting|lying|still)"
     rf"|(?:sat|sitting) (?:at|on) (?:my |the )?(?:desk|sofa|couch)"
     rf"|(?:even )?(?:when|while|if) (?:i'm |im |i am |i )?(?:not|don't|dont|haven't) "
     rf"(?:running|run|training|doing anything|moving|been running))\b"
     rf"|\b{ANY_PAIN} {GAP}(?:keeps? me|kept me) (?:up|awake)\b|\b{CANT} sleep\b"),
    ("possible bone injury",
     rf"\b(?:stress fracture|fractured?|broken bone|broke my)\b"
     rf"|\b(?:bone {PAIN}|{PAIN} (?:on|in) the bone)\b"),
    ("a joint giving way or locking",
     r"\b(?:gives|giving|gave) (?:way|out)\b|\bbuckl\w*\b|\bwent from under me\b"
     r"|\b(?:knee|ankle|hip|it|joint) (?:\S+ ){0,2}(?:locks|locking|locked)(?: up)?\b"
     r"|\bback (?:\S+ ){0,3}(?:spasm\w*|seized|seizing|locked)\b"
     r"|\b(?:knee|ankle|hip|joint) (?:\S+ ){0,2}(?:catches|catching|gets stuck|got stuck"
     r"|sticks)\b"
     rf"|\b{CANT} (?:fully )?(?:straighten|bend|extend)\b"),
    ("blood in your urine or dark urine",
     r"\bblood in (?:my |the )?(?:urine|pee|stool)\b"
     r"|\bblood (?:\S+ ){0,4}(?:pee|peed|peeing|urine|wee|weed|weeing|toilet)\b"
     r"|\b(?:pee|wee|urine) (?:\S+ ){0,3}(?:red|pink\w*|brown|bloody|coke|cola)\b"
     r"|\b(?:dark|brown|cola) (?:coloured |colored )?(?:urine|pee)\b"
     r"|\bcough\w* (?:up )?blood\b"
     r"|\b(?:urine|pee) (?:was|is|looks|went) (?:\S+ )?(?:red|brown|dark|cola)\b"),
    ("signs of heat illness",
     r"\bheat ?stroke\b|\bheat exhaustion\b|\bstopped sweating\b"
     r"|\b(?:feel|felt|feeling|got|was|went|became|seemed) (?:\S+ )?(?:confused|disoriented"
     r"|muddled|disorientated|delirious|out of it)\b"
     r"|\b(?:stopped|not|wasn't|wasnt|wasn't) making (?:any )?sense\b|\bmaking no sense\b"
     # Being sick in the heat: the gut shuts down before the head does.
     + "|"
     + _either(r"(?:threw up|throwing up|vomit\w*|puk\w*)", r"(?:hot|heat|humid\w*|sun)", WIDE_GAP)
     + r"|\b(?:talking|talk|talked|mumbling|mumbled|speaking) (?:\S+ )?"
     r"(?:gibberish|nonsense|rubbish)\b"
     rf"|\bslurr\w*\b|\b{CANT} think straight\b|\bdidn't know where (?:i|he|she) was\b"
     r"|\b(?:skin|i) (?:\S+ ){0,2}(?:dry and hot|hot and dry)\b"),
    ("pain you are thinking of running on",
     _either(PAIN, rf"{THROUGH}(?: it| the pain)?", WIDE_GAP)
     + rf"|\b{THROUGH} (?:a |the |my |this )?(?:\S+ )?(?:strain|sprain|tear|injury|niggle)\b"
       r"(?! prevention)"
     + "|" + _either(ANY_PAIN, r"(?:keep going|keep training|carry on|carrying on|crack on"
                               r"|push on|soldier on)", WIDE_GAP)
     + rf"|\b(?:run|running|keep running|carry on|train) (?:\S+ )?(?:with|despite|through) "
       rf"(?:the |this |a |my )?(?:\S+ )?{PAIN}\b"
     + rf"|\b(?:run|running|ran|keep|keeps|kept|carry|carried|carrying|continue|continued"
       rf"|train|training|push|pushing|race|racing) (?:\S+ ){{0,3}}(?:even though|although"
       rf"|though|despite|even if|even when|on) (?:\S+ ){{0,5}}{ANY_PAIN}\b"
     + r"|\b(?:kept|keep|carried on) (?:running|going|training) on (?:a |my |the )?\S+ "
       r"(?:ankle|knee|foot|calf|hip|shin|achilles|heel)\b"
     + r"|\b(?:run|running|ran|train|training|trained|race|racing|raced|been) on it "
       r"(?:anyway|regardless|still|all week)\b"),
    ("painkillers taken so you can train",
     rf"\b{PAINKILLER} {WIDE_GAP}(?:so i can|so that i can|so i could|to get through|to run"
     rf"|to train|to race|to finish|to keep"
     rf"|before (?:my |a |the |every |each |long )?(?:run|runs|race|session|training|long run"
     rf"|parkrun))\b"
     rf"|\b(?:before|to get through) (?:my |a |the |every |each )?(?:run|runs|race|session|long run"
     rf"|training) {WIDE_GAP}{PAINKILLER}"),
    # Member-side signs (QUESTION_ONLY below): what a physio asks about a runner's pain.
    ("moderate pain (4 out of 10 or more)", _either(MODERATE_SCALE, ANY_PAIN, WIDE_GAP)),
    ("a tender spot on the bone",
     rf"\b(?:tender|sore|painful|hurts?) (?:\S+ )?(?:spot|point|bit|patch|place)\b"
     rf"|\b(?:one|single|specific|precise|exact|pinpoint|particular|small) (?:\S+ )?(?:spot|point)"
     rf" {WIDE_GAP}{ANY_PAIN}\b"
     rf"|\b{ANY_PAIN} (?:\S+ ){{0,3}}(?:when|if) (?:i |you )?"
     rf"(?:press|push|touch|poke|pinch|squeeze)"
     rf"|\b(?:sore|tender|painful|hurts?|hurting) to (?:the )?(?:touch|press|pinch|poke|squeeze)\b"
     rf"|\b(?:really |very |so |quite )?tender(?:ness)?\b"
     rf"|\bbony\b {WIDE_GAP}{ANY_PAIN}|\b{ANY_PAIN} {GAP}bony\b"),
    ("pain when you hop or land",
     rf"\b{ANY_PAIN} (?:\S+ ){{0,3}}(?:to|when(?: i)?|if(?: i)?|on|as i) "
     rf"(?:hop|hopping|hopped|jump|jumping|jumped|land|landing|landed|bound|bounding)\b"
     rf"|\b{ANY_PAIN} (?:\S+ ){{0,3}}every time (?:i )?(?:hop|hopped|jump|jumped|land|landed)\b"
     rf"|\b(?:hop|jump)\w* {WIDE_GAP}{ANY_PAIN}\b"),
    ("pain every morning", _either(ANY_PAIN, MORNING, WIDE_GAP)),
    ("pain that has lasted weeks", _either(ANY_PAIN, WEEKS, MESSAGE_GAP)),
    ("pain on every run", _either(ANY_PAIN, EVERY_RUN, WIDE_GAP)),
    ("pain that changes how you run",
     r"\b(?:weird|odd|funny|different|changed?|altered|awkward) (?:gait|stride|running form)\b"
     r"|\b(?:chang\w*|alter\w*|adjust\w*) how i (?:land|run|walk|step|stride)\b"
     r"|\b(?:stride|gait|running form|running|walking) (?:\S+ ){0,2}(?:has changed|changed"
     r"|is different|is off|is all over)\b"
     r"|\bfavou?r(?:ing)? (?:my |the |one )?\S+\b|\bcompensat\w*\b|\bhobbl\w*\b"),
    ("pain that stops you running",
     _either(r"(?:(?:have|had|having|forced|made me|makes me|make me) (?:to )?"
             r"(?:stop|walk|pull out)|stop and walk|dnf|drop(?:ped)? out)", ANY_PAIN, WIDE_GAP)),
    ("pain masked with painkillers",
     rf"\b{PAINKILLER}\b"),
    ("a lump or thickening", r"\blump\w*\b|\bthicken\w*\b|\bthick and\b|\bnodules?\b"),
    ("a twist, sprain or tear",
     r"\b(?:twisted|rolled|sprained|sprain|torn|tore|ruptured?|dislocated?|went over on"
     r"|strained|tweaked)\b"
     r"|\bpulled (?:a |my )?(?:\S+ )?(?:muscle|hamstring|hammy|calf|groin|quad)\b"),
    ("bruising or a hot, red area",
     r"\bbruis\w*\b|\bblack and blue\b|\bpurple\b|\b(?:hot|warm) (?:and red|to the touch)\b"
     r"|\bred and (?:hot|warm)\b"),
    ("a clicking, creaking or grating joint or tendon",
     r"\bcreak\w*\b|\bcrepitus\b|\bgrating\b|\bcrunch(?:y|ing)\b"
     + "|" + _either(r"(?:click\w*|clunk\w*|catch(?:es|ing))", ANY_PAIN, GAP)),
    ("pain that won't settle", _either(ANY_PAIN, LINGERS, WIDE_GAP)),
    ("pain in a joint, bone or tendon",
     _either(ANY_PAIN, JOINT_NOT_EXERCISE, r"(?:\S+ ){0,6}")
     + rf"|\b{JOINT_NOT_EXERCISE} {GAP}(?:stiff and|and stiff)\b"),
    ("a twinge or niggle", r"\btwinge\w*\b|\bniggl\w*\b"),
    ("sudden pain", rf"\bsudden(?:ly)? (?:\S+ ){{0,2}}{ANY_PAIN}\b"),
    ("a head injury", r"\b(?:hit|banged|bumped|knocked) my head\b|\bconcuss\w*\b"),
    ("signs of illness", r"\b(?:fever|feverish|high temperature|chills|asthma attack)\b"),
)

NEGATIONS = frozenset(
    {"no", "not", "never", "without", "don't", "dont", "doesn't", "doesnt", "didn't", "didnt",
     "isn't", "isnt", "wasn't", "wasnt", "nor", "zero", "aren't", "haven't", "hasn't"}
)

PREVENTION = frozenset(
    {"prevent", "preventing", "avoid", "avoiding", "reduce", "risk", "risks", "protect",
     "protecting"}
)

# Words the typo-tolerance may restore, and real words it must leave alone.
VOCABULARY = (
    "pain", "sharp", "stabbing", "shooting", "severe", "chest", "numb", "numbness", "tingling",
    "swollen", "swelling", "dizzy", "dizziness", "fainted", "breathe", "breathing", "weight",
    "worse", "worsening", "excruciating", "unbearable", "palpitations", "fracture", "lightheaded",
    "hurts", "aching", "bear",
)
REAL_WORDS = frozenset(
    {"paid", "pair", "pin", "rain", "gain", "main", "plain", "share", "shark", "sharps", "chess",
     "cheat", "chests", "horse", "nurse", "words", "world", "worst", "wait", "eight", "weigh",
     "height", "beer", "dear", "fear", "hear", "near", "year", "wear", "tear", "beat", "hurt",
     "dizzy", "breath", "breaths", "severs", "sever", "swell", "paint", "numbs", "shootings"}
)
# fmt: on


@dataclass(frozen=True)
class RedFlag:
    label: str
    phrase: str


def detect_red_flags(text: str) -> list[RedFlag]:
    """Red flags in a member's message, one per kind, in table order; [] when none."""
    return _scan(text)[0]


def explained_away(text: str) -> bool:
    """A sign's words are in the message, put down to a feeling, hard effort or a question about
    a condition ('dizzy with excitement', 'heart pounding by the end of the 200s') (pure)."""
    return _scan(text)[1]


def _scan(text: str) -> tuple[list[RedFlag], bool]:
    """The red flags found, and whether a match was explained away as ordinary."""
    # "the pain cave" is how hard a race felt, not a pain.
    normalised = normalise(text).replace("pain cave", "effort cave")
    if not normalised:
        return [], False
    found: list[RedFlag] = []
    explained = False
    for label, pattern in _compiled():
        for match in pattern.finditer(normalised):
            phrase = match.group(0)
            if label in SORENESS_OK and _muscle_soreness(normalised, match.start(), match.end()):
                continue
            if label == "pain that has lasted weeks" and _TRAINING_WEEKS_RE.search(phrase):
                continue
            if label in INJURY_HISTORY and _HEALED_RE.search(normalised):
                continue
            if label == "pain of 5 out of 10 or more" and _EFFORT_RE.search(
                " ".join(
                    [
                        *normalised[: match.start()].split()[-3:],
                        phrase,
                        *normalised[match.end() :].split()[:3],
                    ]
                )
            ):
                explained = True
                continue
            if label == "an irregular or racing heartbeat" and _hard_effort_heart(normalised):
                explained = True
                continue
            if label in EMOTION_OK and _emotion(normalised, match.start(), match.end()):
                explained = True
                continue
            if _about_a_condition(normalised, match.start()):
                explained = True
                continue
            inside = "" if label in NEGATION_IS_THE_SIGN else phrase
            if _CANT_WITHOUT_PAIN_RE.search(normalised):
                inside = inside.replace("without", "")
            if not _negated(normalised, match.start(), inside):
                found.append(RedFlag(label=label, phrase=match.group(0).strip()))
                break
    return found, explained


# In an answer, a guide naming an injury as a topic ("stress fractures are common among
# runners") is not a member describing a symptom: these labels count on the question side only.
QUESTION_ONLY = frozenset(
    {
        "possible bone injury",
        "moderate pain (4 out of 10 or more)",
        "a tender spot on the bone",
        "pain when you hop or land",
        "pain every morning",
        "pain that has lasted weeks",
        "pain on every run",
        "pain that changes how you run",
        "pain that stops you running",
        "pain masked with painkillers",
        "a lump or thickening",
        "a twist, sprain or tear",
        "bruising or a hot, red area",
        "a clicking, creaking or grating joint or tendon",
        "pain that won't settle",
        "pain in a joint, bone or tendon",
        "a twinge or niggle",
        "sudden pain",
        "a head injury",
        "signs of illness",
    }
)
# Signs that need a check in any words and whatever the learned head makes of them: the heart,
# breathing, fainting, nerves, blood, heat illness, masking pain. The other strong kinds are pain
# described a certain way, and count unless the head is all but sure the message is ordinary
# ("session RPE was 6/10", "going 10/10 on the last rep": see `red_flag_model.decide`).
URGENT = frozenset(
    {
        "chest pain",
        "signs of a stroke",
        "arm, jaw or neck pain or a cold sweat while exercising",
        "an irregular or racing heartbeat",
        "trouble breathing",
        "fainting or dizziness",
        "numbness or tingling",
        "a weak or dragging foot or leg",
        "blood in your urine or dark urine",
        "signs of heat illness",
        "painkillers taken so you can train",
    }
)
# Kinds where an ache in a muscle group after training is ordinary soreness, not a warning:
# "is it ok to run with sore legs from the gym" (but "with a sore knee" is a red flag).
SORENESS_OK = frozenset(
    {
        "pain you are thinking of running on",
        "pain when you hop or land",
        "pain every morning",
        "pain on every run",
        "severe pain",
        "pain that has lasted weeks",
        "a tender spot on the bone",
    }
)
# "had a stress fracture two years ago, fully healed": an old injury is history, not a sign.
INJURY_HISTORY = frozenset({"possible bone injury", "a twist, sprain or tear"})
_HEALED_RE = re.compile(
    r"\b(?:healed|recovered|all good now|fine now|signed (?:me )?off|cleared by|long gone"
    r"|pain free|no pain now|(?:years?|months?|ages) ago|last (?:year|spring|summer|autumn|winter)"
    r"|(?:been|felt|it's been|its been) (?:\S+ )?(?:fine|great|good|solid) (?:for|since)"
    r"|no (?:problems|issues|trouble) since)\b"
)
# "hold 7/10 effort", "squats at rpe 8": a score of how hard, not of pain.
_EFFORT_RE = re.compile(r"\b(?:effort|efforts|rpe|exertion|perceived|intensity|hard|harder)\b")
# A pounding heart at the end of hard reps is the effort, not a sign; at rest, on an easy run or
# when it will not settle it is one.
_HARD_EFFORT_RE = re.compile(
    r"\b(?:hard|harder|sprint\w*|reps?|intervals?|efforts?|hills?|track|by the end|race|racing"
    r"|vo2|\d00s?|max)\b"
)
_HEART_CALM_RE = re.compile(
    r"\b(?:rest|resting|easy|slow|slowly|sitting|lying|bed|night|settle\w*|hours?|won't|wont"
    r"|irregular|skipp\w*|flutter\w*|missed|dizzy|faint\w*|chest|jogging)\b"
)
# "heart pounding on the start line from nerves", "dizzy with excitement": a feeling, not a sign.
EMOTION_OK = frozenset({"an irregular or racing heartbeat", "fainting or dizziness"})
_EMOTION_RE = re.compile(
    r"\b(?:nerves|nervous|nervy|excite\w*|adrenaline|anticipation|anxious|anxiety|butterflies"
    r"|joy|happiness|pride|relief)\b"
)
_HEART_INTENSITY_RE = re.compile(r"\b(?:pounding|racing|thump\w*|hammer\w*)\b")
# "what are the warning signs of heat stroke", "what is a stress fracture", "how would someone
# tell a stress fracture apart...": asking about a condition, not describing one.
_ABOUT_RE = re.compile(
    r"\b(?:what|which) (?:\S+ ){0,3}(?:signs?|symptoms?) (?:of|for)\b"
    r"|\bwhat (?:is|are) (?:an? )?$"
    r"|\bhow (?:would|do|does|can|could) (?:you|someone|one|people|a runner|runners) "
    r"(?:tell|know|spot|recogni[sz]e)\b"
)
# "it won't go away", "couldn't get my words out", "wasn't making sense", "even when I'm not
# running": the negation inside the phrase is the warning sign itself.
NEGATION_IS_THE_SIGN = frozenset(
    {
        "pain that won't settle",
        "signs of a stroke",
        "signs of heat illness",
        "pain at night or at rest",
    }
)
# "been running for 6 weeks and my calves are sore": the weeks are the training's, not the pain's.
_TRAINING_WEEKS_RE = re.compile(
    r"\b(?:running|run|lifting|lift|training|train|doing|plan|block|program|programme|gym|c25k"
    r"|couch to 5k|started) (?:\S+ ){0,2}(?:for|over|in) (?:the )?(?:last |past )?(?:\S+ )?"
    r"(?:\S+ )?(?:weeks?|months?)\b"
)


# Strong on the member's side, but a guide names them as advice ("stop if pain is 5 out of 10").
MEMBER_SIDE = frozenset(
    {
        "pain of 5 out of 10 or more",
        "painkillers taken so you can train",
        "arm, jaw or neck pain or a cold sweat while exercising",
        "a weak or dragging foot or leg",
    }
)


# A message framed as ordinary talk: how to prevent something, what causes it, an injury that
# has healed, effort slang. The learned head alone may not overrule it (a rule still can).
_ORDINARY_FRAME_RE = re.compile(
    r"\bhow (?:do|can|should|would) (?:i|you|we|runners|people) (?:\S+ )?(?:stop|prevent|avoid)\b"
    r"|\bhow to (?:stop|prevent|avoid)\b|\bwhat causes\b"
    r"|\b(?:stop|keep|prevent) (?:it|them|that) (?:from )?(?:coming back|happening|returning)\b"
    r"|\b(?:plan|tips?|ways?) to (?:avoid|prevent)\b"
    r"|\bpain (?:cave|train)\b|\bhurts? so good\b|\bhurt locker\b|\ball sorted\b"
    # Asking in general: "when is pain a sign you should stop?"
    r"|\bwhen (?:is|does|should) (?:\S+ ){0,3}(?:a sign|a warning|worry)\b"
)


# Stiffness that is gone once warm ("fine once I got going", "gone after ten minutes"), unless
# that was how it used to be ("used to go once I warmed up, now it's there the whole run").
_GONE_ONCE_WARM_RE = re.compile(
    r"\b(?:fine|gone|goes|went|go|eases|eased|loosens?|loosened|disappear\w*) (?:away |off |up )?"
    r"(?:once|after|within|by) (?:i |it |i've |ive )?(?:\S+ )?(?:get|got|getting|warm\w*|going"
    r"|\d+|a few|five|ten|a couple|the first)\b"
)
_NOT_ANY_MORE_RE = re.compile(r"\b(?:used to|not any ?more|no longer|but now|now it)\b")
# It came and went within the session or by the next day ("achy in the warm-up then fine for the
# rest", "a niggle yesterday, gone today"): settled, not a sign (unless it 'used to').
_SETTLED_RE = re.compile(
    r"\bthen fine\b|\bfine for the rest\b|\b(?:warmed|loosened|eased) (?:up |off )?fine\b"
    r"|\bfine (?:a minute|a few minutes|ten minutes) later\b"
    r"|\b(?:gone|fine) (?:today|the next day|next day|by the next day|by morning"
    r"|(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
)
# What the head alone needs at its lower bar: a body part or a symptom named in the message
# ("my feet", "a throbbing", "threw up"). Without one, or when the member laughs it off ("sore
# abs lol", "lungs burning but i made it 💪"), only a clearly higher score flags it: on dev the
# head's false alarms were tiredness, colds and effort slang ("was dying on the last interval").
# "Back in", "back into", "back to" is coming back to running, not the back.
_BODY_RE = re.compile(
    rf"\b(?:{JOINTS}|{MUSCLES}|calf|hamstrings?|quads?|thighs?|legs?|back(?! (?:in|into|to)\b)"
    r"|neck|chest|heart"
    r"|lungs?|breath\w*|head|headache|stomach|tummy|tiptoe|vision|eyes?|face|jaw|arms?|hands?"
    r"|fingers?|skin|pee|urine|wee|pulse)\b"
)
_SYMPTOM_RE = re.compile(
    rf"\b(?:{ANY_PAIN}|sick|nause\w*|wobbl\w*|shak\w*|collaps\w*|blood|bleed\w*|shiver\w*"
    r"|threw up|throwing up|vomit\w*|puk\w*|swole|swollen|twice the size|faint\w*|dizzy|numb"
    r"|wakes?|woke|waking|limp\w*|confus\w*|pale|clammy|froth\w*|cough\w*|stiff\w*|tight\w*"
    r"|pop\w*|snap\w*|click\w*|weak|can't|cant|cannot|couldn't|couldnt|barely|hardly)\b"
)
_LAUGHING_RE = re.compile(r"\b(?:lol|lmao|haha\w*)\b|😂|🤣|💪")


def corroborated(text: str) -> bool:
    """The message names a body part or a symptom, does not laugh it off, and the rules did not
    put its sign's words down to a feeling or hard effort (pure)."""
    normalised = normalise(text)
    return bool(
        (_BODY_RE.search(normalised) or _SYMPTOM_RE.search(normalised))
        and not _LAUGHING_RE.search(text.lower())
        and not explained_away(text)
    )


def ordinary_frame(text: str) -> bool:
    """Prevention or cause questions, a healed injury, stiffness gone once warm or settled by the
    next day, effort slang."""
    normalised = normalise(text)
    return bool(
        _ORDINARY_FRAME_RE.search(normalised)
        or _HEALED_RE.search(normalised)
        or (
            (_GONE_ONCE_WARM_RE.search(normalised) or _SETTLED_RE.search(normalised))
            and not _NOT_ANY_MORE_RE.search(normalised)
        )
    )


def detect_answer_red_flags(text: str) -> list[RedFlag]:
    """Red flags an answer talks about (sharp pain, chest pain...), topics aside."""
    return [f for f in detect_red_flags(text) if f.label not in QUESTION_ONLY | MEMBER_SIDE]


# Advice no reply may give a member in pain: carry on regardless.
CONTINUE_THROUGH_PAIN_RE = re.compile(
    r"\b(?:run|running|push|pushing|train|training|work|working|power|powering|grit|gritting"
    r"|carry on|keep going|keep running|keep training)"
    r" (?:\S+ ){0,2}(?:through|past|despite|with) (?:the |any |your |this |that |it |a )?"
    r"(?:\S+ )?(?:pain|discomfort|hurt|hurting|ache|aching|niggle|it)\b"
    r"|\bignore (?:the |any |your )?(?:\S+ )?(?:pain|discomfort|ache)\b"
    r"|\bno pain,? no gain\b|\b(?:run|walk) it off\b|\bshake it off\b"
    r"|\bkeep (?:going|running|training)\b"
)
# "rather than pushing through them", "don't run through pain": warnings, not advice.
_ADVICE_NEGATIONS = NEGATIONS | {"rather", "instead", "avoid", "stop", "never", "than"}


def advises_continuing(sentence: str) -> bool:
    """Does this sentence tell someone to carry on through pain? ('run through the pain')."""
    normalised = normalise(sentence)
    for match in CONTINUE_THROUGH_PAIN_RE.finditer(normalised):
        before = normalised[: match.start()].split()[-3:]
        if not any(w in _ADVICE_NEGATIONS for w in before):
            return True
    return False


def describe(flags: list[RedFlag]) -> str:
    """'sharp pain and swelling' for the reply template."""
    labels = [f.label for f in flags]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces, apostrophes kept, light typo repair."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    tokens = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)
    return " ".join(_repair(t) for t in tokens)


_MUSCLES_RE = re.compile(rf"\b(?:{MUSCLES})\b")
_JOINTS_RE = re.compile(
    r"\b(?:knees?|hips?|shins?|foot|feet|heels?|achilles|ankles?|back|groin|toes?|bones?"
    r"|joints?|tendons?|arch|ribs?|calf|leg|chest|neck|wrist|elbow|it band|itb|kneecap)\b"
)


_EXERCISE_RE = re.compile(rf"\b{JOINTS} {EXERCISES}\b")


def _muscle_soreness(normalised: str, start: int, end: int) -> bool:
    """An ache in muscle groups ('sore legs', 'quads ache') and no joint, bone or tendon, in
    the matched phrase and the few words around it ('my calves feel a bit tender')."""
    before = normalised[:start].split()[-4:]
    after = normalised[end:].split()[:3]
    near = " ".join([*before, normalised[start:end], *after])
    near = _EXERCISE_RE.sub("", near)  # "hip thrusts", "calf raises": exercises, not places
    return bool(_MUSCLES_RE.search(near)) and not _JOINTS_RE.search(near)


def _hard_effort_heart(normalised: str) -> bool:
    """'my heart was pounding by the end of the 200s': hard work, nothing calm around it."""
    return bool(
        _HEART_INTENSITY_RE.search(normalised)
        and _HARD_EFFORT_RE.search(normalised)
        and not _HEART_CALM_RE.search(normalised)
    )


def _emotion(normalised: str, start: int, end: int) -> bool:
    """A racing heart or dizziness put down to a feeling in the words around it, nothing calm."""
    around = " ".join([*normalised[:start].split()[-4:], *normalised[end:].split()[:6]])
    return bool(_EMOTION_RE.search(around)) and not _HEART_CALM_RE.search(around)


def _about_a_condition(normalised: str, start: int) -> bool:
    """'what are the signs of heat stroke': a question about a condition, just before the match."""
    before = " ".join(normalised[:start].split()[-6:])
    return bool(_ABOUT_RE.search(before + " " if before else ""))


def _negated(normalised: str, start: int, phrase: str = "") -> bool:
    """'no sharp pain', 'sharp but not painful', or a prevention question ('how do I avoid...')."""
    before = normalised[:start].split()
    return (
        any(w in NEGATIONS for w in before[-3:])
        or any(w in PREVENTION for w in before[-4:])
        or any(w in NEGATIONS for w in phrase.split())
    )


# Chat spellings of words the phrase table needs ("evry run", "at nite").
TEXT_SPEAK = {"evry": "every", "evrey": "every", "nite": "night", "rly": "really", "cnt": "cant"}


@lru_cache(maxsize=4096)
def _repair(token: str) -> str:
    if token in TEXT_SPEAK:
        return TEXT_SPEAK[token]
    if len(token) < 4 or token in REAL_WORDS or token in VOCABULARY:
        return token
    for word in VOCABULARY:
        if abs(len(word) - len(token)) <= 1 and _one_typo(token, word):
            return word
    return token


def _one_typo(token: str, word: str) -> bool:
    """One swap of neighbours (any length), or one edit for words of five letters and more."""
    if len(token) == len(word):
        diffs = [i for i, (a, b) in enumerate(zip(token, word, strict=True)) if a != b]
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
            i, j = diffs
            return token[i] == word[j] and token[j] == word[i]
        return len(diffs) == 1 and len(word) >= 5
    if len(word) < 5:
        return False
    shorter, longer = sorted((token, word), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((label, re.compile(pattern)) for label, pattern in RED_FLAGS)
