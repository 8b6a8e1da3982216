"""IPTC Media Topics tagging: invented wire snippets per desk, hostile negatives, output shape,
and the shipped rules' coverage of the IPTC vocabulary.

A failing case prints the ranked topics with their evidence. After editing
`src/ingest/tag/data/topic_rules.toml`, rebuild the shipped labels with
`.venv/bin/python -m ingest.tag.build_topics` and rerun `.venv/bin/pytest tests/test_tag_topics.py -q`.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.errors import ConfigError
from ingest.tag.build_topics import build, table_text
from ingest.tag.topics import (
    TABLE,
    Concept,
    TopicMatcher,
    _fold,
    compile_rules,
    load_concepts,
    load_rules,
    load_topic_matcher,
    primary_topics,
    tag_topics,
)

SCHEMA = Path(__file__).resolve().parents[1] / "src/ingest/schema/story.schema.json"

POLITICS = "medtop:11000000"
ECONOMY = "medtop:04000000"
SPORT = "medtop:15000000"
DISASTER = "medtop:03000000"
CRIME = "medtop:02000000"
CONFLICT = "medtop:16000000"
HEALTH = "medtop:07000000"
SCIENCE = "medtop:13000000"
LABOUR = "medtop:09000000"
EDUCATION = "medtop:05000000"
ENVIRONMENT = "medtop:06000000"
WEATHER = "medtop:17000000"
HUMAN_INTEREST = "medtop:08000000"
LIFESTYLE = "medtop:10000000"
RELIGION = "medtop:12000000"
SOCIETY = "medtop:14000000"
ARTS = "medtop:01000000"


def _explain(topics: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {t['rank']:>2} {t['code']} {t['label']!r} {t['score']} "
        f"{'inferred' if t['inferred'] else ''} {t['evidence'][:4]}"
        for t in topics
    )


# (case id, headline, body, codes that must be present, codes that must be absent, primary top level)
CASES = [
    (
        "election-carries-politics",
        "Ruling party wins snap election in Veloria",
        [
            "Veloria's ruling Unity Party won a snap parliamentary election on Sunday, official results "
            "showed, with turnout at 61%.",
            "Opposition leader Tomas Brel conceded defeat and said his party would review its campaign.",
        ],
        ["medtop:20000574"],
        [],
        POLITICS,
    ),
    (
        "central-bank-rate-decision",
        "Arvenian central bank raises interest rates to 5.25%",
        [
            "The Central Bank of Arvenia raised its benchmark interest rate by 25 basis points on Thursday, "
            "saying inflation remained too high.",
            "Governor Lena Vosk told a news conference that policymakers were ready to act again.",
        ],
        ["medtop:20000350", "medtop:20000371", "medtop:20000370"],
        [],
        ECONOMY,
    ),
    (
        "oil-prices",
        "Oil climbs as OPEC+ extends output cuts",
        [
            "Oil prices rose on Monday after OPEC+ agreed to extend production cuts into next year.",
            "Brent crude futures gained 1.4% to $81.20 a barrel, while U.S. West Texas Intermediate crude "
            "rose 1.2%.",
        ],
        ["medtop:20001243", "medtop:20000387"],
        [],
        ECONOMY,
    ),
    (
        "wheat-grains",
        "Wheat futures jump as drought hits U.S. Plains crop",
        [
            "Chicago wheat futures rose 3% on Tuesday as dry weather in Kansas threatened the winter crop.",
            "Corn and soybeans also gained, traders said.",
        ],
        ["medtop:20000210", "medtop:20000386"],
        [],
        ECONOMY,
    ),
    (
        "cocoa-softs",
        "Cocoa prices hit record as West African harvest shrinks",
        [
            "New York cocoa futures hit a record high on Wednesday after exporters in Ivory Coast cut "
            "their forecasts for the main crop.",
        ],
        ["medtop:20000210", "medtop:20000386"],
        [],
        ECONOMY,
    ),
    (
        "copper-metals",
        "Copper hits two-month high on LME as Chinese demand picks up",
        [
            "Benchmark copper on the London Metal Exchange rose 1.8% to $9,650 a tonne, while aluminium "
            "and zinc also gained.",
        ],
        ["medtop:20000388"],
        [],
        ECONOMY,
    ),
    (
        "currency-markets",
        "Dollar slips against yen as traders trim bets",
        [
            "The dollar fell 0.6% against the yen on Friday, while the euro rose to $1.09 and sterling "
            "held steady, currency traders said.",
        ],
        ["medtop:20000391"],
        [],
        ECONOMY,
    ),
    (
        "equity-markets",
        "Stocks rally as tech shares lift Nasdaq to record",
        [
            "Wall Street stocks rallied on Tuesday, with the Nasdaq closing at a record high as shares of "
            "chipmakers climbed.",
            "The S&P 500 rose 1.1% and the Dow Jones Industrial Average added 0.8%.",
        ],
        ["medtop:20000396"],
        [],
        ECONOMY,
    ),
    (
        "merger-acquisition",
        "Harbourline Foods agrees to buy rival Cresta Snacks for $2 billion",
        [
            "Harbourline Foods Inc agreed to buy Cresta Snacks in an all-cash deal valued at $2 billion, "
            "the companies said on Monday.",
        ],
        ["medtop:20000204"],
        [],
        ECONOMY,
    ),
    (
        "earnings",
        "Kestrel Motors quarterly profit beats forecasts",
        [
            "Kestrel Motors reported a 12% rise in third-quarter net profit on Tuesday, beating analysts' "
            "forecasts, and raised its full-year outlook.",
        ],
        ["medtop:20000178"],
        [],
        ECONOMY,
    ),
    (
        "bankruptcy",
        "Retailer Bellmont files for bankruptcy protection",
        [
            "Bellmont Stores filed for Chapter 11 bankruptcy protection on Sunday, listing debts of "
            "$1.4 billion, and said its 210 shops would stay open.",
        ],
        ["medtop:20000174"],
        [],
        ECONOMY,
    ),
    (
        "tariffs-trade",
        "Washington to impose 25% tariffs on imported steel",
        [
            "The United States will impose tariffs of 25% on steel imports from next month, the trade "
            "representative's office said, raising fears of a trade war with its partners.",
        ],
        ["medtop:20000384", "medtop:20000373"],
        ["medtop:20000062"],
        ECONOMY,
    ),
    (
        "football",
        "Northgate United beat Riverside 3-1 to go top of the league",
        [
            "Northgate United beat Riverside 3-1 on Saturday to go top of the Premier League, with striker "
            "Dario Quinn scoring twice before half-time.",
        ],
        ["medtop:20001065"],
        ["medtop:20000355"],
        SPORT,
    ),
    (
        "tennis",
        "Veskova beats Morel to reach Wimbledon final",
        ["Second seed Anya Veskova beat Clara Morel 6-4 7-6 on Thursday to reach the Wimbledon final."],
        ["medtop:20001085"],
        [],
        SPORT,
    ),
    (
        "cricket",
        "Hosts win first test by 120 runs",
        [
            "The hosts bowled out the visitors for 214 on the final day to win the first test by 120 runs, "
            "with fast bowler Sam Rudd taking five wickets.",
        ],
        ["medtop:20000888"],
        [],
        SPORT,
    ),
    (
        "formula-one",
        "Alvarez wins Belgian Grand Prix from pole position",
        [
            "Marco Alvarez won the Belgian Grand Prix on Sunday after starting from pole position, "
            "his third Formula One win of the season.",
        ],
        ["medtop:20000991"],
        [],
        SPORT,
    ),
    (
        "earthquake",
        "Magnitude 6.8 earthquake strikes off coast, buildings damaged",
        [
            "A magnitude 6.8 earthquake struck off the coast early on Tuesday, damaging buildings and "
            "cutting power to thousands of homes, the geological survey said.",
            "Rescuers were searching collapsed houses for survivors.",
        ],
        ["medtop:20000153"],
        ["medtop:20000056"],
        DISASTER,
    ),
    (
        "flood",
        "Floods kill nine after days of torrential rain",
        [
            "Floods killed at least nine people and forced thousands from their homes after rivers burst "
            "their banks, disaster officials said on Sunday.",
        ],
        ["medtop:20000154"],
        [],
        DISASTER,
    ),
    (
        "rail-accident",
        "Passenger train derails, killing eight",
        [
            "A passenger train derailed on Monday, killing eight people and injuring 40, after a collision "
            "with a freight train, railway officials said.",
        ],
        ["medtop:20000146"],
        [],
        DISASTER,
    ),
    (
        "court-ruling",
        "Supreme court upholds ruling against Corvane in patent case",
        [
            "The Supreme Court on Wednesday upheld a lower court ruling that Corvane Ltd had infringed "
            "patents held by a rival, ordering it to pay damages.",
            "Judge Elena Marsh said the appeal had no merit.",
        ],
        ["medtop:20000107", "medtop:20001287"],
        [],
        CRIME,
    ),
    (
        "arrest",
        "Police arrest three over jewellery heist",
        [
            "Police arrested three men on Friday suspected of stealing jewellery worth $3 million in a "
            "robbery at a department store, a police spokeswoman said.",
        ],
        ["medtop:20000130", "medtop:20000104"],
        [],
        CRIME,
    ),
    (
        "armed-conflict",
        "Rebels seize border town after clashes with army",
        [
            "Rebel fighters seized a town near the border on Saturday after two days of clashes with "
            "government troops, residents said.",
            "Artillery shelling killed at least 15 civilians, a local official said.",
        ],
        ["medtop:20000056"],
        [],
        CONFLICT,
    ),
    (
        "terrorism",
        "Suicide bomber kills 12 at crowded market",
        [
            "A suicide bomber killed at least 12 people at a crowded market on Friday, police said. "
            "An Islamic State affiliate claimed responsibility for the attack.",
        ],
        ["medtop:20000103"],
        [],
        CONFLICT,
    ),
    (
        "diplomacy",
        "Foreign ministers of Arvenia and Veloria hold talks on border",
        [
            "The foreign ministers of Arvenia and Veloria held talks in Geneva on Monday, their first "
            "meeting since the two countries restored diplomatic ties.",
            "Arvenia, which shares a border with Veloria, said the talks were constructive.",
        ],
        ["medtop:20000639"],
        ["medtop:20000396"],
        POLITICS,
    ),
    (
        "epidemic",
        "Cholera outbreak spreads in flood-hit region",
        [
            "A cholera outbreak has infected more than 3,000 people, health officials said on Monday, "
            "urging residents to boil drinking water.",
        ],
        ["medtop:20000448", "medtop:20000449"],
        [],
        HEALTH,
    ),
    (
        "science-astronomy",
        "Astronomers spot water vapour on distant exoplanet",
        [
            "Astronomers using a space telescope have detected water vapour in the atmosphere of an "
            "exoplanet 120 light years away, according to a study published on Wednesday.",
        ],
        ["medtop:20000718"],
        [],
        SCIENCE,
    ),
    (
        "technology-ai",
        "Startup Lumora unveils artificial intelligence model for doctors",
        [
            "Lumora, a Berlin start-up, unveiled an artificial intelligence model on Tuesday that it said "
            "could draft clinical notes, and said it had raised $40 million from investors.",
        ],
        ["medtop:20001298"],
        [],
        None,
    ),
    (
        "weather",
        "Heatwave to push temperatures above 40C, forecasters say",
        [
            "Forecasters warned on Monday that a heatwave would push temperatures above 40 degrees "
            "Celsius this week, and issued a red warning for the south.",
        ],
        ["medtop:20001129"],
        [],
        WEATHER,
    ),
    (
        "labour-strike",
        "Dock workers go on strike over pay",
        [
            "Thousands of dock workers went on strike on Monday after pay talks between their union and "
            "port operators broke down, halting cargo at the country's main ports.",
        ],
        ["medtop:20000530", "medtop:20000524"],
        ["medtop:20000056"],
        LABOUR,
    ),
    (
        "education",
        "Teachers protest over school funding cuts",
        [
            "Teachers and parents rallied outside the education ministry on Wednesday against plans to "
            "cut funding for state schools, saying pupils would suffer.",
        ],
        ["medtop:20000416", "medtop:20000400"],
        [],
        EDUCATION,
    ),
    (
        "climate",
        "Climate summit agrees to triple renewable energy capacity",
        [
            "Nearly 200 countries at the U.N. climate summit agreed on Wednesday to triple renewable "
            "energy capacity by 2030 to curb greenhouse gas emissions.",
        ],
        ["medtop:20000418"],
        [],
        ENVIRONMENT,
    ),
    (
        "negative-landslide-victory-political-storm",
        "Mayor wins re-election in landslide victory despite political storm",
        [
            "Mayor Ines Taveira won re-election by a landslide victory on Sunday, weeks after a political "
            "storm over city contracts.",
        ],
        ["medtop:20000574"],
        ["medtop:20000155", "medtop:20000157", "medtop:20001280"],
        POLITICS,
    ),
    (
        "negative-trade-war-tax-cuts-struck-a-deal",
        "Finance minister promises tax cuts as trade war weighs",
        [
            "Finance Minister Pavel Orel promised tax cuts for small businesses on Monday, saying the "
            "government had struck a deal with coalition partners as the trade war with its neighbour "
            "dragged on.",
        ],
        ["medtop:20000620"],
        ["medtop:20000062", "medtop:20000056", "medtop:20000371"],
        None,
    ),
    (
        "negative-clinical-trial-not-court",
        "Drugmaker says heart drug cut deaths in late-stage trial",
        [
            "Pharmaceutical company Altavia said on Monday its experimental heart drug cut deaths by a "
            "quarter in a late-stage clinical trial, sending its shares up 9%.",
        ],
        ["medtop:20000737"],
        ["medtop:20000111", "medtop:20000107", "medtop:20000095"],
        None,
    ),
    (
        "negative-real-madrid-won-not-currency",
        "Real Madrid won 2-0 at Valencia",
        ["Real Madrid won 2-0 at Valencia on Saturday to stay top of La Liga."],
        ["medtop:20001065"],
        ["medtop:20000355", "medtop:20000391"],
        SPORT,
    ),
    (
        "negative-crude-stocks-not-equities",
        "U.S. crude stocks rise more than expected",
        [
            "U.S. crude oil stocks rose by 3.1 million barrels last week, the Energy Information "
            "Administration said, more than analysts had expected.",
        ],
        ["medtop:20001243"],
        ["medtop:20000396", "medtop:20000174"],
        ECONOMY,
    ),
]


@pytest.mark.parametrize(
    ("headline", "body", "present", "absent", "primary"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_topics_for_invented_snippets(
    headline: str, body: list[str], present: list[str], absent: list[str], primary: str | None
) -> None:
    topics = tag_topics(headline, body)
    codes = {t["code"] for t in topics}
    explain = _explain(topics)
    for code in present:
        assert code in codes, f"missing {code}; got:\n{explain}"
        found = next(t for t in topics if t["code"] == code)
        own = [e for e in found["evidence"] if not e.startswith("ancestor of ")]
        assert own, f"{code} should fire on terms of its own, not only as an ancestor:\n{explain}"
    for code in absent:
        assert code not in codes, f"{code} should not fire; got:\n{explain}"
    if primary is not None:
        assert primary_topics(topics)[:1] == [primary], f"primary should be {primary}; got:\n{explain}"


# (case id, primary top level, headline, lead): one invented story per line, across all desks;
# ambiguous stories (a court ruling on tariffs) are left out on purpose.
PRIMARY_CASES = [
    (
        "prime-minister-survives-noconfidence-vote",
        POLITICS,
        "Prime minister survives no-confidence vote",
        "Prime Minister Anton Kral survived a no-confidence vote in parliament on Wednesday after coalition partners backed him.",
    ),
    (
        "president-signs-decree-dissolving-parliament",
        POLITICS,
        "President signs decree dissolving parliament, calls early election",
        "President Mira Dalen dissolved parliament on Monday and called an early election for June, deepening a political crisis.",
    ),
    (
        "eu-leaders-agree-new-sanctions",
        POLITICS,
        "EU leaders agree new sanctions on Russia at summit",
        "European Union leaders agreed a new package of sanctions against Russia at a summit in Brussels on Thursday, diplomats said.",
    ),
    (
        "veloria-expels-diplomats-after-spying",
        POLITICS,
        "Veloria expels diplomats after spying row",
        "Veloria expelled four Arvenian diplomats on Tuesday, accusing them of espionage, the foreign ministry said.",
    ),
    (
        "senate-confirms-new-defence-secretary",
        POLITICS,
        "Senate confirms new defence secretary",
        "The Senate voted 54-46 on Tuesday to confirm Ruth Okafor as defence secretary.",
    ),
    (
        "euro-zone-inflation-falls-to",
        ECONOMY,
        "Euro zone inflation falls to 2.1% in May",
        "Euro zone inflation eased to 2.1% in May from 2.4% in April, Eurostat data showed, bolstering the case for an ECB rate cut.",
    ),
    (
        "us-economy-adds-180000-jobs",
        ECONOMY,
        "U.S. economy adds 180,000 jobs; unemployment rate steady",
        "The U.S. economy added 180,000 jobs in April and the unemployment rate held at 4.1%, the Labor Department said.",
    ),
    (
        "japans-economy-shrinks-in-first",
        ECONOMY,
        "Japan's economy shrinks in first quarter",
        "Japan's economy contracted at an annualised 1.8% in the first quarter, government data showed, raising the risk of recession.",
    ),
    (
        "treasury-yields-climb-as-investors",
        ECONOMY,
        "Treasury yields climb as investors price fewer Fed cuts",
        "U.S. Treasury yields rose on Monday, with the 10-year yield hitting 4.6%, as investors scaled back bets on Federal Reserve rate cuts.",
    ),
    (
        "brightwell-bank-to-cut-2000",
        ECONOMY,
        "Brightwell Bank to cut 2,000 jobs in cost drive",
        "Brightwell Bank said on Tuesday it would cut 2,000 jobs over three years as it seeks to reduce costs.",
    ),
    (
        "orvane-air-shares-slump-after",
        ECONOMY,
        "Orvane Air shares slump after profit warning",
        "Shares in Orvane Air fell 14% on Thursday after the airline warned that full-year profit would miss forecasts because of higher fuel costs.",
    ),
    (
        "lendora-files-for-ipo-in",
        ECONOMY,
        "Lendora files for IPO in New York",
        "Online lender Lendora filed on Monday for an initial public offering in New York that could value it at $5 billion.",
    ),
    (
        "soybeans-fall-as-brazil-harvest",
        ECONOMY,
        "Soybeans fall as Brazil harvest progresses",
        "Chicago soybean futures fell 1% on Wednesday as harvesting in Brazil advanced and export demand slowed.",
    ),
    (
        "coffee-prices-jump-on-brazil",
        ECONOMY,
        "Coffee prices jump on Brazil frost fears",
        "Arabica coffee futures rose 5% on Monday on worries that frost could damage crops in Brazil.",
    ),
    (
        "natural-gas-prices-surge-in",
        ECONOMY,
        "Natural gas prices surge in Europe as cold snap lifts demand",
        "Benchmark Dutch gas prices rose 9% on Tuesday as colder weather increased heating demand.",
    ),
    (
        "sugar-hits-oneyear-low-as",
        ECONOMY,
        "Sugar hits one-year low as India output rises",
        "Raw sugar futures fell to a one-year low on Friday as production in India beat expectations.",
    ),
    (
        "kestrel-mining-shares-soar-after",
        ECONOMY,
        "Kestrel Mining shares soar after gold discovery",
        "Shares in Kestrel Mining rose 30% after the company said drilling found a large gold deposit in Western Australia.",
    ),
    (
        "bitcoin-tops-100000-for-first",
        ECONOMY,
        "Bitcoin tops $100,000 for first time",
        "Bitcoin rose above $100,000 for the first time on Thursday as investors poured money into cryptocurrency funds.",
    ),
    (
        "former-minister-jailed-for-seven",
        CRIME,
        "Former minister jailed for seven years for corruption",
        "A court on Monday sentenced former transport minister Ivo Rask to seven years in prison for taking bribes.",
    ),
    (
        "gunman-kills-four-in-shooting",
        CRIME,
        "Gunman kills four in shooting at shopping centre",
        "A gunman killed four people at a shopping centre on Saturday before being shot by police, officials said.",
    ),
    (
        "jury-finds-former-banker-guilty",
        CRIME,
        "Jury finds former banker guilty of fraud",
        "A jury in London found former banker Peter Lowe guilty of fraud on Friday over a scheme that cost investors 40 million pounds.",
    ),
    (
        "regulator-sues-brightwell-bank-over",
        CRIME,
        "Regulator sues Brightwell Bank over misleading fees",
        "The financial regulator sued Brightwell Bank on Tuesday, alleging it misled customers about fees.",
    ),
    (
        "ceasefire-collapses-as-fighting-resumes",
        CONFLICT,
        "Ceasefire collapses as fighting resumes in north",
        "A ceasefire between government forces and rebels collapsed on Sunday as heavy fighting resumed around the northern city, residents said.",
    ),
    (
        "missile-strike-kills-20-in",
        CONFLICT,
        "Missile strike kills 20 in eastern city",
        "A Russian missile strike killed 20 people in an eastern Ukrainian city on Monday, regional officials said.",
    ),
    (
        "military-seizes-power-in-coup",
        CONFLICT,
        "Military seizes power in coup, detains president",
        "Soldiers seized power in a coup on Wednesday and detained the president, state television said.",
    ),
    (
        "police-fire-tear-gas-at",
        CONFLICT,
        "Police fire tear gas at protesters in capital",
        "Police fired tear gas at thousands of protesters in the capital on Friday as demonstrations against fuel price rises turned violent.",
    ),
    (
        "plane-crash-kills-62-in",
        DISASTER,
        "Plane crash kills 62 in Nepal",
        "A passenger plane crashed on approach to Pokhara airport on Sunday, killing all 62 people on board, officials said.",
    ),
    (
        "ferry-capsizes-off-coast-dozens",
        DISASTER,
        "Ferry capsizes off coast, dozens missing",
        "A ferry carrying 150 people capsized off the coast on Tuesday and dozens are missing, the coast guard said.",
    ),
    (
        "volcano-erupts-forcing-evacuation-of",
        DISASTER,
        "Volcano erupts, forcing evacuation of villages",
        "A volcano erupted on Saturday, spewing ash 5 km into the sky and forcing the evacuation of nearby villages.",
    ),
    (
        "factory-fire-kills-11-workers",
        DISASTER,
        "Factory fire kills 11 workers",
        "A fire at a garment factory killed 11 workers on Monday, the fire service said.",
    ),
    (
        "who-declares-mpox-outbreak-a",
        HEALTH,
        "WHO declares mpox outbreak a global health emergency",
        "The World Health Organization declared the mpox outbreak a public health emergency of international concern on Wednesday.",
    ),
    (
        "study-links-ultraprocessed-foods-to",
        HEALTH,
        "Study links ultra-processed foods to heart disease",
        "People who eat more ultra-processed food have a higher risk of heart disease, according to a study published in a medical journal.",
    ),
    (
        "hospital-doctors-begin-fiveday-walkout",
        HEALTH,
        "Hospital doctors begin five-day walkout",
        "Junior doctors in England began a five-day strike on Monday over pay, forcing hospitals to cancel thousands of appointments.",
    ),
    (
        "scientists-find-fossil-of-new",
        SCIENCE,
        "Scientists find fossil of new dinosaur species",
        "Scientists have discovered the fossil of a previously unknown dinosaur species in Patagonia, a study published on Wednesday said.",
    ),
    (
        "space-agency-launches-probe-to",
        SCIENCE,
        "Space agency launches probe to Jupiter moon",
        "The space agency launched a probe to Jupiter's icy moon Europa on Monday aboard a heavy-lift rocket.",
    ),
    (
        "lakers-beat-celtics-in-overtime",
        SPORT,
        "Lakers beat Celtics in overtime",
        "LeBron James scored 38 points as the Los Angeles Lakers beat the Boston Celtics 118-112 in overtime in the NBA on Sunday.",
    ),
    (
        "yankees-rally-past-red-sox",
        SPORT,
        "Yankees rally past Red Sox with ninth-inning home run",
        "Aaron Judge hit a two-run home run in the ninth inning as the New York Yankees beat the Boston Red Sox 5-4.",
    ),
    (
        "all-blacks-beat-springboks-in",
        SPORT,
        "All Blacks beat Springboks in Rugby Championship",
        "New Zealand beat South Africa 24-17 in the Rugby Championship on Saturday.",
    ),
    (
        "kenyan-runner-breaks-marathon-world",
        SPORT,
        "Kenyan runner breaks marathon world record",
        "Kenya's Ruth Chepkoech broke the women's marathon world record in Chicago on Sunday.",
    ),
    (
        "swimmer-wins-third-gold-at",
        SPORT,
        "Swimmer wins third gold at Olympics",
        "American swimmer Katie Moore won her third gold medal of the Olympic Games on Tuesday in the 800 metres freestyle.",
    ),
    (
        "oilers-beat-panthers-to-force",
        SPORT,
        "Oilers beat Panthers to force Stanley Cup game seven",
        "The Edmonton Oilers beat the Florida Panthers 5-1 to force a seventh game in the Stanley Cup final.",
    ),
    (
        "tour-de-france-pogacar-wins",
        SPORT,
        "Tour de France: Pogacar wins mountain stage",
        "Tadej Pogacar won the 15th stage of the Tour de France on Sunday to extend his lead in the yellow jersey.",
    ),
    (
        "chiefs-beat-eagles-to-win",
        SPORT,
        "Chiefs beat Eagles to win Super Bowl",
        "The Kansas City Chiefs beat the Philadelphia Eagles 31-28 to win the Super Bowl, with quarterback Patrick Mahomes throwing three touchdowns.",
    ),
    (
        "unions-call-general-strike-over",
        LABOUR,
        "Unions call general strike over pension reform",
        "The country's biggest unions called a general strike for next Thursday to protest against the government's plan to raise the retirement age.",
    ),
    (
        "minimum-wage-to-rise-6",
        LABOUR,
        "Minimum wage to rise 6% next year",
        "The national minimum wage will rise by 6% next year, the labour ministry said on Monday, benefiting 2 million workers.",
    ),
    (
        "universities-face-funding-crisis-as",
        EDUCATION,
        "Universities face funding crisis as student numbers fall",
        "Universities warned on Tuesday of a funding crisis as the number of international students fell by 20%.",
    ),
    (
        "amazon-deforestation-falls-to-10year",
        ENVIRONMENT,
        "Amazon deforestation falls to 10-year low",
        "Deforestation in the Brazilian Amazon fell to its lowest level in a decade, government data showed on Wednesday.",
    ),
    (
        "oil-spill-blackens-beaches-threatens",
        ENVIRONMENT,
        "Oil spill blackens beaches, threatens wildlife",
        "An oil spill from a damaged tanker has polluted 40 km of beaches and threatens seabirds, environmental officials said.",
    ),
    (
        "snowstorm-to-bring-blizzard-conditions",
        WEATHER,
        "Snowstorm to bring blizzard conditions to Midwest, forecasters say",
        "Forecasters warned of blizzard conditions across the Midwest on Thursday, with up to 30 cm of snow expected.",
    ),
    (
        "pope-calls-for-peace-in",
        RELIGION,
        "Pope calls for peace in Christmas message",
        "Pope Leo called for peace in the Middle East and Ukraine in his Christmas message at the Vatican on Thursday.",
    ),
    (
        "film-wins-top-prize-at",
        ARTS,
        "Film wins top prize at Cannes festival",
        "French director Claire Mott's film won the Palme d'Or at the Cannes film festival on Saturday.",
    ),
    (
        "census-shows-population-falls-for",
        SOCIETY,
        "Census shows population falls for fifth year",
        "The country's population fell for the fifth year in a row, census data showed, as the birth rate hit a record low.",
    ),
    (
        "couple-married-80-years-set",
        HUMAN_INTEREST,
        "Couple married 80 years set world record",
        "A British couple married for 80 years have been recognised by Guinness World Records as the longest married living couple.",
    ),
    (
        "theme-park-attendance-hits-record",
        LIFESTYLE,
        "Theme park attendance hits record as holidaymakers return",
        "Attendance at the country's theme parks hit a record this summer as holidaymakers returned after the pandemic.",
    ),
    (
        "drugmaker-altavias-quarterly-profit-jumps",
        ECONOMY,
        "Drugmaker Altavia's quarterly profit jumps on obesity drug sales",
        "Altavia reported a 40% jump in second-quarter profit on Thursday as sales of its weight-loss drug soared, and raised its full-year revenue forecast.",
    ),
    (
        "insurers-face-30-billion-bill",
        ECONOMY,
        "Insurers face $30 billion bill from hurricane, modellers say",
        "Insured losses from Hurricane Delia could reach $30 billion, catastrophe modelling firm Verisk said on Monday, hitting reinsurers' shares.",
    ),
    (
        "former-chief-executive-goes-on",
        CRIME,
        "Former chief executive goes on trial for accounting fraud",
        "The former chief executive of Corvane went on trial in Frankfurt on Monday accused of accounting fraud that wiped out 20 billion euros of shareholder value.",
    ),
    (
        "finance-minister-unveils-budget-with",
        POLITICS,
        "Finance minister unveils budget with tax cuts, higher defence spending",
        "Finance Minister Sara Lind presented a budget to parliament on Wednesday that cuts income tax and raises defence spending, widening the deficit to 3.2% of GDP.",
    ),
    (
        "investor-group-completes-takeover-of",
        SPORT,
        "Investor group completes takeover of Premier League club",
        "A U.S. investor group completed its takeover of Premier League club Northgate United on Friday, the club said, ending months of uncertainty for fans.",
    ),
    (
        "airline-cancels-1200-flights-as",
        ECONOMY,
        "Airline cancels 1,200 flights as pilots strike",
        "Orvane Air cancelled 1,200 flights on Monday as pilots began a three-day strike over pay, stranding tens of thousands of passengers.",
    ),
    (
        "opposition-leader-arrested-ahead-of",
        POLITICS,
        "Opposition leader arrested ahead of election, party says",
        "Police detained opposition leader Samir Haddad on Sunday, his party said, weeks before a presidential election that he was expected to contest.",
    ),
    (
        "measles-cases-surge-in-us",
        HEALTH,
        "Measles cases surge in U.S. as vaccination rates fall",
        "Measles cases in the United States have reached their highest level in 30 years, health officials said, blaming falling childhood vaccination rates.",
    ),
    (
        "quantum-computer-solves-problem-beyond",
        SCIENCE,
        "Quantum computer solves problem beyond supercomputers, researchers say",
        "Researchers at a university lab said on Wednesday their quantum computer had solved a problem in minutes that would take a supercomputer thousands of years, according to a paper in Nature.",
    ),
    (
        "chipmaker-to-build-20-billion",
        ECONOMY,
        "Chipmaker to build $20 billion plant in Ohio",
        "Chipmaker Solvane said on Tuesday it would build a $20 billion semiconductor factory in Ohio, creating 3,000 jobs.",
    ),
    (
        "record-heat-bleaches-great-barrier",
        ENVIRONMENT,
        "Record heat bleaches Great Barrier Reef corals",
        "Record ocean temperatures have caused mass bleaching across two-thirds of the Great Barrier Reef, scientists said, warning that climate change threatens the ecosystem.",
    ),
    (
        "tornadoes-kill-23-across-us",
        DISASTER,
        "Tornadoes kill 23 across U.S. South",
        "A series of tornadoes tore through Mississippi and Alabama overnight, killing at least 23 people and destroying hundreds of homes, emergency officials said.",
    ),
    (
        "europe-swelters-in-early-heatwave",
        WEATHER,
        "Europe swelters in early heatwave, temperatures top 40C",
        "Temperatures topped 40 degrees Celsius in Spain and Portugal on Tuesday as an early summer heatwave gripped southern Europe, weather services said.",
    ),
    (
        "police-seize-3-tonnes-of",
        CRIME,
        "Police seize 3 tonnes of cocaine in port raid",
        "Police seized three tonnes of cocaine hidden in banana shipments at the port of Antwerp, prosecutors said on Friday, and arrested six suspects.",
    ),
    (
        "houthi-militants-attack-ship-in",
        CONFLICT,
        "Houthi militants attack ship in Red Sea",
        "Yemen's Houthi militants fired missiles at a cargo ship in the Red Sea on Monday, the U.S. military said, the latest attack on shipping in the area.",
    ),
    (
        "central-bank-cuts-rates-for",
        ECONOMY,
        "Central bank cuts rates for third time this year",
        "The Reserve Bank of Arvenia cut its cash rate by 25 basis points to 3.60% on Tuesday, citing slowing inflation.",
    ),
    (
        "auto-workers-union-reaches-deal",
        LABOUR,
        "Auto workers union reaches deal to end six-week strike",
        "The United Auto Workers union reached a tentative agreement with carmakers on Wednesday to end a six-week strike, with a 25% pay rise over four years.",
    ),
    (
        "doping-ban-for-olympic-champion",
        SPORT,
        "Doping ban for Olympic champion upheld",
        "The Court of Arbitration for Sport upheld a four-year doping ban on Olympic 400 metres champion Mia Korte on Monday.",
    ),
    (
        "thousands-of-pilgrims-gather-in",
        RELIGION,
        "Thousands of pilgrims gather in Mecca for haj",
        "More than 1.5 million Muslim pilgrims gathered in Mecca on Friday for the annual haj, Saudi authorities said.",
    ),
    (
        "homelessness-rises-12-as-rents",
        SOCIETY,
        "Homelessness rises 12% as rents soar",
        "The number of homeless people rose 12% last year, a government report showed, as rents and the cost of living climbed.",
    ),
    (
        "voters-head-to-polls-in",
        POLITICS,
        "Voters head to polls in tight presidential runoff",
        "Voters in Veloria went to the polls on Sunday in a presidential runoff between incumbent Mira Dalen and challenger Joao Serra.",
    ),
    (
        "wall-street-falls-as-tariff",
        ECONOMY,
        "Wall Street falls as tariff fears hit tech stocks",
        "U.S. stocks fell on Thursday as fears of new tariffs hit technology shares, with the Nasdaq down 2%.",
    ),
    (
        "peace-talks-resume-in-doha",
        CONFLICT,
        "Peace talks resume in Doha as mediators push truce",
        "Negotiators resumed peace talks in Doha on Monday as Qatari and Egyptian mediators pushed for a truce, officials said.",
    ),
    (
        "singer-mara-vell-cancels-world",
        ARTS,
        "Singer Mara Vell cancels world tour over health",
        "Pop singer Mara Vell cancelled the rest of her world tour on Monday, her record label said, disappointing fans in 20 cities.",
    ),
    (
        "novelist-wins-booker-prize-for",
        ARTS,
        "Novelist wins Booker Prize for debut",
        "First-time novelist Ada Quell won the Booker Prize on Tuesday for a novel about three generations of a fishing family.",
    ),
    (
        "museum-returns-looted-bronzes-to",
        ARTS,
        "Museum returns looted bronzes to Nigeria",
        "A London museum returned 30 looted Benin Bronzes to Nigeria on Wednesday, ending a decades-long campaign for their restitution.",
    ),
    (
        "archbishop-resigns-over-abuse-scandal",
        RELIGION,
        "Archbishop resigns over abuse scandal",
        "The archbishop resigned on Tuesday after a report found the church had covered up abuse by clergy for decades.",
    ),
    (
        "parliament-legalises-samesex-marriage",
        SOCIETY,
        "Parliament legalises same-sex marriage",
        "Lawmakers voted on Thursday to legalise same-sex marriage, making the country the first in the region to do so, as LGBT activists celebrated outside parliament.",
    ),
    (
        "royal-baby-named-after-greatgrandmother",
        HUMAN_INTEREST,
        "Royal baby named after great-grandmother",
        "The prince and princess named their newborn daughter after the late queen, the palace said on Monday.",
    ),
    (
        "record-crowds-flock-to-beaches",
        LIFESTYLE,
        "Record crowds flock to beaches in holiday weekend",
        "Record numbers of holidaymakers flocked to beaches over the long holiday weekend, tourism officials said.",
    ),
    (
        "amazon-to-open-20-new",
        ECONOMY,
        "Amazon to open 20 new warehouses, hire 10,000",
        "Amazon.com Inc said on Tuesday it would open 20 new warehouses in Europe and hire 10,000 staff to speed up deliveries.",
    ),
    (
        "turkeys-parliament-approves-swedens-nato",
        POLITICS,
        "Turkey's parliament approves Sweden's NATO bid",
        "Turkey's parliament approved Sweden's bid to join NATO on Tuesday, removing a major obstacle to the alliance's expansion.",
    ),
    (
        "apple-shares-fall-after-iphone",
        ECONOMY,
        "Apple shares fall after iPhone sales miss estimates",
        "Shares of Apple Inc fell 4% after the company reported iPhone sales below analysts' estimates for the holiday quarter.",
    ),
    (
        "mercury-probe-sends-first-closeup",
        SCIENCE,
        "Mercury probe sends first close-up images",
        "A European-Japanese spacecraft sent back its first close-up images of Mercury on Sunday, the space agencies said.",
    ),
    (
        "cancer-drug-shortage-forces-hospitals",
        HEALTH,
        "Cancer drug shortage forces hospitals to ration treatment",
        "Hospitals are rationing chemotherapy drugs because of a shortage, cancer doctors said on Wednesday, delaying treatment for thousands of patients.",
    ),
    (
        "police-chief-charged-with-corruption",
        CRIME,
        "Police chief charged with corruption",
        "The city's police chief was charged with corruption on Friday, prosecutors said, accused of taking bribes from construction companies.",
    ),
    (
        "thousands-flee-as-militia-advances",
        CONFLICT,
        "Thousands flee as militia advances on city",
        "Thousands of civilians fled the city on Tuesday as militia fighters advanced from the south, aid agencies said.",
    ),
    (
        "gas-explosion-destroys-apartment-block",
        DISASTER,
        "Gas explosion destroys apartment block, killing six",
        "A gas explosion destroyed an apartment block in the capital on Saturday, killing six people and injuring 20, the emergency services said.",
    ),
    (
        "unemployment-falls-to-record-low",
        LABOUR,
        "Unemployment falls to record low of 3.4%",
        "The unemployment rate fell to a record low of 3.4% in March as employers kept hiring despite higher interest rates, official data showed.",
    ),
    (
        "government-scraps-university-tuition-fees",
        EDUCATION,
        "Government scraps university tuition fees",
        "The government said on Monday it would scrap tuition fees for university students from next year, at a cost of 2 billion euros a year.",
    ),
    (
        "monsoon-rains-to-arrive-early",
        WEATHER,
        "Monsoon rains to arrive early, weather office says",
        "Monsoon rains are expected to reach the southern coast four days earlier than usual, the national weather office said on Tuesday, forecasting above-average rainfall.",
    ),
    (
        "cold-snap-brings-snow-and",
        WEATHER,
        "Cold snap brings snow and ice to Britain",
        "Heavy snow and freezing temperatures swept across Britain on Monday, with the Met Office issuing amber warnings for ice in Scotland.",
    ),
    (
        "exam-results-show-record-number",
        EDUCATION,
        "Exam results show record number of top grades",
        "A record 28% of students received top grades in this year's school exams, official figures showed, as the education minister praised teachers.",
    ),
    (
        "rare-snow-leopard-cubs-spotted",
        ENVIRONMENT,
        "Rare snow leopard cubs spotted in Himalayas",
        "Conservationists have photographed three snow leopard cubs in the Himalayas, a sign that the endangered species is recovering, the wildlife group said.",
    ),
    (
        "carbon-emissions-hit-record-high",
        ENVIRONMENT,
        "Carbon emissions hit record high despite pledges",
        "Global carbon emissions from fossil fuels rose to a record this year, scientists said on Tuesday, as the world falls short of climate goals.",
    ),
    (
        "physicists-create-new-state-of",
        SCIENCE,
        "Physicists create new state of matter in lab",
        "Physicists at a Swiss laboratory said they had created a new state of matter by cooling atoms to near absolute zero, in experiments published on Thursday.",
    ),
    (
        "bomb-blast-at-checkpoint-kills",
        CONFLICT,
        "Bomb blast at checkpoint kills seven soldiers",
        "A roadside bomb exploded at an army checkpoint on Sunday, killing seven soldiers, the military said. No group claimed responsibility.",
    ),
    (
        "prime-minister-reshuffles-cabinet-after",
        POLITICS,
        "Prime minister reshuffles cabinet after poll losses",
        "The prime minister reshuffled her cabinet on Monday, replacing the finance and interior ministers after her party suffered heavy losses in regional elections.",
    ),
    (
        "lawmakers-impeach-president-over-bribery",
        POLITICS,
        "Lawmakers impeach president over bribery allegations",
        "Lawmakers voted to impeach the president on Thursday over allegations that he accepted bribes, sending the case to the Senate for trial.",
    ),
    (
        "toll-road-operator-wins-3",
        ECONOMY,
        "Toll road operator wins $3 billion motorway contract",
        "Infrastructure group Calder Roads won a $3 billion contract to build and operate a new motorway, the transport ministry said on Tuesday.",
    ),
    (
        "consumer-prices-rise-more-than",
        ECONOMY,
        "Consumer prices rise more than expected in March",
        "Consumer prices rose 3.5% in March from a year earlier, the statistics office said, more than economists had forecast, driven by food and energy costs.",
    ),
    (
        "hedge-fund-takes-stake-in",
        ECONOMY,
        "Hedge fund takes stake in Orvane, pushes for breakup",
        "Activist hedge fund Ridgeline Capital has built a 5% stake in Orvane Group and is pushing the board to split the company in two, it said in a letter to shareholders.",
    ),
    (
        "supreme-court-strikes-down-state",
        CRIME,
        "Supreme Court strikes down state gun law",
        "The Supreme Court on Thursday struck down a state law restricting the carrying of handguns in public, in a 6-3 ruling.",
    ),
    (
        "obesity-drug-cuts-heart-attack",
        HEALTH,
        "Obesity drug cuts heart attack risk by 20%, trial shows",
        "A weight-loss drug cut the risk of heart attacks and strokes by 20% in a large clinical trial, the drugmaker said, results that could widen its use.",
    ),
    (
        "injured-captain-ruled-out-of",
        SPORT,
        "Injured captain ruled out of World Cup",
        "England captain Harry Kane has been ruled out of the World Cup with an ankle injury, the Football Association said on Monday.",
    ),
    (
        "boxer-retains-heavyweight-title-with",
        SPORT,
        "Boxer retains heavyweight title with knockout",
        "Oleksandr Vel retained his world heavyweight title with a ninth-round knockout of his challenger in Riyadh on Saturday.",
    ),
    (
        "avalanche-kills-four-skiers-in",
        DISASTER,
        "Avalanche kills four skiers in Alps",
        "An avalanche killed four off-piste skiers in the French Alps on Tuesday, local authorities said, as rescuers searched for a fifth person.",
    ),
    (
        "gig-workers-win-right-to",
        LABOUR,
        "Gig workers win right to minimum wage in landmark ruling",
        "Ride-hailing drivers are workers entitled to the minimum wage and holiday pay, the country's top court ruled on Wednesday in a landmark case for the gig economy.",
    ),
    (
        "chip-designer-arlo-semiconductor-raises",
        ECONOMY,
        "Chip designer Arlo Semiconductor raises $300 million",
        "Arlo Semiconductor, a California chip designer, said on Thursday it had raised $300 million in a funding round led by sovereign wealth funds, valuing it at $4 billion.",
    ),
    (
        "streaming-firm-vidora-to-cut",
        ECONOMY,
        "Streaming firm Vidora to cut prices as subscriber growth stalls",
        "Vidora said on Wednesday it would cut subscription prices in 12 markets after adding fewer subscribers than expected in the third quarter.",
    ),
    (
        "tessaro-telecom-agrees-6-billion",
        ECONOMY,
        "Tessaro Telecom agrees $6 billion merger with rival",
        "Tessaro Telecom agreed on Monday to merge with rival Brenmoor Mobile in a $6 billion deal that would create the country's largest mobile operator, subject to regulatory approval.",
    ),
    (
        "software-maker-quillo-misses-revenue",
        ECONOMY,
        "Software maker Quillo misses revenue forecast, shares drop",
        "Quillo Inc reported quarterly revenue below Wall Street estimates on Tuesday, sending its shares down 11% in extended trading.",
    ),
    (
        "electric-carmaker-to-build-battery",
        ECONOMY,
        "Electric carmaker to build battery plant in Hungary",
        "Electric vehicle maker Voltara said it would invest 2 billion euros in a battery factory in Hungary, creating 2,500 jobs by 2028.",
    ),
    (
        "airline-orders-50-jets-from",
        ECONOMY,
        "Airline orders 50 jets from Airbus",
        "Low-cost airline SkyNord ordered 50 Airbus A321neo jets on Tuesday in a deal worth about $7 billion at list prices.",
    ),
    (
        "foreign-ministers-meet-to-ease",
        POLITICS,
        "Foreign ministers meet to ease tensions over disputed islands",
        "The foreign ministers of Japan and South Korea met in Tokyo on Friday to ease tensions over a group of disputed islands, agreeing to set up a hotline.",
    ),
    (
        "president-visits-beijing-signs-20",
        POLITICS,
        "President visits Beijing, signs 20 agreements",
        "Brazil's president signed 20 agreements on trade, energy and technology during a state visit to Beijing on Tuesday, the foreign ministry said.",
    ),
    (
        "ambassador-recalled-after-row-over",
        POLITICS,
        "Ambassador recalled after row over election interference",
        "The government recalled its ambassador from Moscow on Wednesday in protest at what it called Russian interference in last month's election.",
    ),
    (
        "nato-allies-pledge-to-raise",
        POLITICS,
        "NATO allies pledge to raise defence spending to 3.5% of GDP",
        "NATO leaders agreed at a summit in The Hague on Wednesday to raise defence spending to 3.5% of economic output by 2035.",
    ),
    (
        "israeli-troops-raid-west-bank",
        CONFLICT,
        "Israeli troops raid West Bank camp, killing three",
        "Israeli troops killed three Palestinians in a raid on a refugee camp in the occupied West Bank on Tuesday, the Palestinian health ministry said.",
    ),
    (
        "rebels-shoot-down-army-helicopter",
        CONFLICT,
        "Rebels shoot down army helicopter in north",
        "Rebels shot down an army helicopter in the north of the country on Sunday, killing all eight soldiers on board, the military said.",
    ),
    (
        "copper-price-hits-record-on",
        ECONOMY,
        "Copper price hits record on supply fears",
        "Copper prices hit a record high on the London Metal Exchange on Monday as a strike at a major Chilean mine threatened supply.",
    ),
    (
        "brent-crude-falls-below-70",
        ECONOMY,
        "Brent crude falls below $70 for first time since 2021",
        "Brent crude futures fell below $70 a barrel on Tuesday as concerns about weak Chinese demand outweighed supply cuts by OPEC+.",
    ),
    (
        "cholera-vaccine-stocks-run-low",
        HEALTH,
        "Cholera vaccine stocks run low, WHO warns",
        "Global stocks of cholera vaccine have run out as outbreaks spread across Africa and Asia, the World Health Organization said on Thursday.",
    ),
    (
        "search-resumes-for-30-missing",
        DISASTER,
        "Search resumes for 30 missing after mine collapse",
        "Rescuers resumed the search on Tuesday for 30 miners trapped after a collapse at a gold mine in the east of the country, officials said.",
    ),
    (
        "house-prices-fall-for-third-month",
        ECONOMY,
        "House prices fall for third month as mortgage rates bite",
        "House prices fell 0.6% in March, a third monthly drop, as higher mortgage rates deterred buyers, the lender Halcrow said.",
    ),
]


@pytest.mark.parametrize(
    ("primary", "headline", "lead"), [pytest.param(*c[1:], id=c[0]) for c in PRIMARY_CASES]
)
def test_primary_topic_by_desk(primary: str, headline: str, lead: str) -> None:
    topics = tag_topics(headline, [lead])
    assert primary_topics(topics)[:1] == [primary], f"primary should be {primary}; got:\n{_explain(topics)}"


def test_ancestors_are_materialised_as_inferred() -> None:
    topics = tag_topics(
        "Veloria votes in snap election", ["Turnout was 58% by noon, the election commission said."]
    )
    by_code = {t["code"]: t for t in topics}
    assert "election*" in by_code["medtop:20000574"]["evidence"]
    assert by_code[POLITICS]["inferred"] is True
    assert "ancestor of medtop:20000574" in by_code[POLITICS]["evidence"]
    # a topic is explicit only when nothing more specific below it was found
    explicit = [t["code"] for t in topics if not t["inferred"]]
    concepts = load_concepts()
    for code in explicit:
        assert not any(code in concepts[other].ancestors for other in explicit), code
    # every topic's parent chain is present
    concepts = load_concepts()
    for t in topics:
        for ancestor in concepts[t["code"]].ancestors:
            assert ancestor in by_code, f"{t['code']} lacks ancestor {ancestor}"


def test_output_validates_against_the_story_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    topic_schema = {"$defs": schema["$defs"], **schema["$defs"]["topic"]}
    topics = tag_topics(CASES[1][1], CASES[1][2])
    assert topics
    for t in topics:
        jsonschema.validate(t, topic_schema)
        assert 0.0 <= t["score"] <= 1.0
        assert t["evidence"], t
    assert [t["rank"] for t in topics] == list(range(1, len(topics) + 1))
    scores = [t["score"] for t in topics]
    assert scores == sorted(scores, reverse=True)


def test_headline_hits_outweigh_late_paragraph_hits() -> None:
    filler = ["The statement gave no further details."] * 4
    early = tag_topics("Earthquake shakes coastal towns", filler)
    late = tag_topics("Coastal towns shaken", [*filler, "An earthquake shook the towns."])
    score = {t["code"]: t["score"] for t in early}.get("medtop:20000153", 0.0)
    late_score = {t["code"]: t["score"] for t in late}.get("medtop:20000153", 0.0)
    assert score > late_score


def test_no_text_no_topics_and_same_input_same_output() -> None:
    assert tag_topics("", []) == []
    assert tag_topics("Weekly schedule", ["Nothing to see here."]) == []
    case = CASES[0]
    assert tag_topics(case[1], case[2]) == tag_topics(case[1], case[2])


def test_exclusion_is_per_rule_and_word_boundaries_hold() -> None:
    # "said" contains "ai"; "official" contains "cia": neither may fire AI or espionage
    topics = tag_topics("Minister said officials met", ["The official said the talks went well."])
    codes = {t["code"] for t in topics}
    assert "medtop:20001298" not in codes
    assert "medtop:20000605" not in codes


# ---------------------------------------------------------------- the shipped rules and vocabulary


def _shipped() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    data = resources.files("ingest.tag").joinpath("data")
    doc = json.loads(data.joinpath("mediatopics.json").read_text(encoding="utf-8"))
    rules = tomllib.loads(data.joinpath("topic_rules.toml").read_text(encoding="utf-8"))["topics"]
    return doc, rules


def test_shipped_table_is_the_compiled_shipped_rules() -> None:
    # the process loads data/topic_table.json, never the TOML: an edit to the rules that was not
    # compiled would be silently ignored
    doc, rules = _shipped()
    shipped = resources.files("ingest.tag").joinpath("data", TABLE).read_text(encoding="utf-8")
    assert shipped == table_text(doc["concepts"], rules), (
        "data/topic_table.json is stale: run `.venv/bin/python -m ingest.tag.build_topics`"
    )
    assert json.loads(shipped)["keys"] == compile_rules(doc["concepts"], rules)["keys"]
    # and the matcher built from the table is the one built from the rules
    concepts = load_concepts()
    from_rules, from_table = TopicMatcher(concepts, rules), load_topic_matcher()
    for _, headline, body, *_ in CASES[:40]:
        assert from_table.tag(headline, body) == from_rules.tag(headline, body)


def test_shipped_rules_use_only_shipped_codes_and_cover_the_vocabulary() -> None:
    doc, rules = _shipped()
    concepts = doc["concepts"]
    assert "IPTC" in doc["attribution"] and "CC BY 4.0" in doc["attribution"]
    unknown = sorted(set(rules) - set(concepts))
    assert not unknown, f"rules use codes missing from mediatopics.json: {unknown} (run build_topics)"
    top_level = {c for c, v in concepts.items() if v["level"] == 1}
    assert len(top_level) == 17
    assert top_level <= set(rules), f"top-level topics without rules: {sorted(top_level - set(rules))}"
    narrower = [c for c in rules if concepts[c]["level"] > 1]
    assert len(narrower) >= 150, len(narrower)
    for code, rule in rules.items():
        assert rule["label"] == concepts[code]["label"], code
        assert any(rule.get(k) for k in ("strong", "terms", "weak", "headline", "cased")), code
    for code, concept in concepts.items():
        chain = concept["ancestors"]
        assert (concept["parent"] is None) == (not chain), code
        assert not chain or chain[0] == concept["parent"], code
        assert all(a in concepts for a in chain), code
        assert concept["level"] == len(chain) + 1, code


@pytest.mark.parametrize(
    ("wire_need", "codes"),
    [
        ("elections", ["medtop:20000574"]),
        ("government", ["medtop:20000593"]),
        ("diplomacy", ["medtop:20000639"]),
        ("armed conflict", ["medtop:20000056"]),
        ("terrorism", ["medtop:20000103"]),
        ("central banks and interest rates", ["medtop:20000350", "medtop:20000371"]),
        ("inflation", ["medtop:20000370"]),
        ("currency markets", ["medtop:20000391"]),
        ("equity markets", ["medtop:20000396"]),
        ("mergers and acquisitions", ["medtop:20000204"]),
        ("earnings", ["medtop:20000178"]),
        ("bankruptcy", ["medtop:20000174"]),
        ("oil and gas", ["medtop:20001243", "medtop:20000387"]),
        ("grains and softs", ["medtop:20000210", "medtop:20000386"]),
        ("metals", ["medtop:20000388"]),
        ("trade and tariffs", ["medtop:20000373", "medtop:20000384"]),
        ("disasters", ["medtop:20000151"]),
        ("accidents", ["medtop:20000143"]),
        ("crime", ["medtop:20000082"]),
        ("courts", ["medtop:20000107"]),
        ("health and epidemics", ["medtop:20000449"]),
        ("science", ["medtop:20000735"]),
        ("technology", ["medtop:20000756"]),
        ("major sports", ["medtop:20001065", "medtop:20001085", "medtop:20000888", "medtop:20000940"]),
        ("weather", ["medtop:17000000"]),
        ("labour", ["medtop:20000529"]),
        ("education", ["medtop:05000000"]),
        ("environment and climate", ["medtop:20000418"]),
    ],
)
def test_every_wire_need_has_a_rule(wire_need: str, codes: list[str]) -> None:
    _, rules = _shipped()
    assert all(code in rules for code in codes), wire_need


# ---------------------------------------------------------------- the matcher and the build script

TINY_REFERENCE = {
    "vocabulary": "IPTC Media Topics",
    "version": "test",
    "concepts": [
        {"qcode": "medtop:90000000", "label": "top", "level": 1, "parent": None, "retired": None},
        {
            "qcode": "medtop:90000001",
            "label": "middle",
            "level": 2,
            "parent": "medtop:90000000",
            "retired": None,
        },
        {
            "qcode": "medtop:90000002",
            "label": "leaf",
            "level": 3,
            "parent": "medtop:90000001",
            "retired": None,
        },
        {
            "qcode": "medtop:90000003",
            "label": "old",
            "level": 2,
            "parent": "medtop:90000000",
            "retired": "2020-01-01",
        },
    ],
}


def test_build_writes_parent_chains_and_attribution() -> None:
    doc = build(TINY_REFERENCE, {"medtop:90000002": {"label": "leaf", "strong": ["leafy"]}})
    assert "CC BY 4.0" in doc["attribution"]
    assert doc["concepts"]["medtop:90000002"]["ancestors"] == ["medtop:90000001", "medtop:90000000"]
    assert doc["concepts"]["medtop:90000001"]["ancestors"] == ["medtop:90000000"]
    assert doc["concepts"]["medtop:90000000"]["ancestors"] == []


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        pytest.param({"medtop:90000003": {"label": "old", "strong": ["x"]}}, "retired", id="retired-code"),
        pytest.param(
            {"medtop:99999999": {"label": "nope", "strong": ["x"]}}, "not in the IPTC", id="unknown-code"
        ),
        pytest.param({"medtop:90000002": {"label": "leaves", "strong": ["x"]}}, "label", id="label-mismatch"),
        pytest.param(
            {"medtop:90000002": {"label": "leaf", "strong": ["a*b"]}}, "bad term", id="star-mid-term"
        ),
        pytest.param(
            {"medtop:90000002": {"label": "leaf", "strong": ["Leaf"]}}, "lower-case", id="upper-case"
        ),
        pytest.param({"medtop:90000002": {"label": "leaf", "strnog": ["x"]}}, "unknown key", id="typo-key"),
    ],
)
def test_build_refuses_bad_rules(rules: dict[str, dict[str, Any]], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build(TINY_REFERENCE, rules)


def _tiny_matcher(rules: dict[str, dict[str, Any]]) -> TopicMatcher:
    concepts = {
        "medtop:90000000": Concept(code="medtop:90000000", label="top", level=1, ancestors=()),
        "medtop:90000002": Concept(
            code="medtop:90000002", label="leaf", level=3, ancestors=("medtop:90000001", "medtop:90000000")
        ),
        "medtop:90000001": Concept(
            code="medtop:90000001", label="middle", level=2, ancestors=("medtop:90000000",)
        ),
    }
    return TopicMatcher(concepts, rules)


def test_matcher_prefix_cased_headline_and_exclude_terms() -> None:
    m = _tiny_matcher(
        {
            "medtop:90000002": {
                "strong": ["evacuat*"],
                "cased": ["Fed"],
                "headline": ["storm"],
                "exclude": ["evacuation of embassy staff"],
                "min": 1.0,
            }
        }
    )
    found = m.tag("", ["Officials ordered an evacuation."])
    assert [t["code"] for t in found if not t["inferred"]] == ["medtop:90000002"]
    assert [t["code"] for t in found] == ["medtop:90000002", "medtop:90000001", "medtop:90000000"]
    assert [t["inferred"] for t in found] == [False, True, True]
    assert m.tag("", ["He was fed up."]) == []
    assert m.tag("", ["The Fed met."])[0]["evidence"] == ["Fed"]
    assert m.tag("", ["A storm hit."]) == []
    assert m.tag("Storm hits coast", [])
    assert m.tag("", ["They began the evacuation of embassy staff."]) == []


def test_matcher_refuses_unknown_codes_and_bad_terms() -> None:
    with pytest.raises(ConfigError):
        _tiny_matcher({"medtop:12345678": {"strong": ["x"]}})
    with pytest.raises(ConfigError):
        _tiny_matcher({"medtop:90000002": {"strong": ["*"]}})


def test_shipped_rules_load() -> None:
    assert len(load_rules()) >= 167


def test_typographic_apostrophes_and_dotted_abbreviations_match() -> None:
    topics = tag_topics(
        "People\u2019s Bank of China cuts reserve requirement",
        ["The U.S. Federal Reserve\u2019s decision was also in focus, traders said."],
    )
    evidence = {term for t in topics for term in t["evidence"]}
    assert "people's bank of china" in evidence, _explain(topics)
    assert "federal reserve" in evidence, _explain(topics)


def test_ascii_fold_is_the_general_fold() -> None:
    # ASCII text takes a bytes.translate shortcut; one non-ASCII character sends the same
    # characters through str.lower + str.translate
    ascii_chars = "".join(map(chr, range(128)))
    assert _fold(ascii_chars) == _fold(ascii_chars + "\u00e9")[:-1]
    assert _fold("U.S. Fed\tRATES\n") == "u s  fed rates "


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.lists(st.text(max_size=200), max_size=4))
def test_any_text_gives_well_formed_topics(headline: str, body: list[str]) -> None:
    assert len(_fold(headline)) == len(headline)
    topics = tag_topics(headline, body)
    assert [t["rank"] for t in topics] == list(range(1, len(topics) + 1))
    concepts = load_concepts()
    for t in topics:
        assert 0.0 <= t["score"] <= 1.0 and t["evidence"], t
        assert t["label"] == concepts[t["code"]].label


# (case id, headline, lead, codes that must not fire): words that mean something else in context
HOSTILE = [
    (
        "couple-is-not-coup",
        "Couple married 80 years set world record",
        "The couple met in 1944.",
        ["medtop:20000070"],
    ),
    (
        "sports-rally-is-not-protest",
        "Yankees rally past Red Sox with ninth-inning home run",
        "Aaron Judge hit a two-run home run in the ninth inning.",
        ["medtop:20000066", "medtop:20000065"],
    ),
    (
        "bond-yields-are-not-crops",
        "Treasury yields climb",
        "Ten-year Treasury yields rose to 4.6% as bond investors sold.",
        ["medtop:20000210"],
    ),
    (
        "insurance-bill-is-not-legislation",
        "Insurers face $30 billion bill from hurricane",
        "Insured losses from the hurricane could reach $30 billion, modellers said.",
        ["medtop:20000615", "medtop:20000121"],
    ),
    (
        "criminal-trial-is-not-medical-research",
        "Former chief executive goes on trial for fraud",
        "The former chief executive of Corvane went on trial on Monday accused of accounting fraud.",
        ["medtop:20000737"],
    ),
    (
        "olympic-gold-is-not-precious-metal",
        "Swimmer wins third gold at Olympics",
        "Katie Moore won her third gold medal of the Olympic Games in the 800 metres freestyle.",
        ["medtop:20000318", "medtop:20000388"],
    ),
    (
        "vaccination-rates-are-not-interest-rates",
        "Measles cases surge as vaccination rates fall",
        "Measles cases reached their highest level in 30 years as vaccination rates fell.",
        ["medtop:20000371"],
    ),
    (
        "casualty-figures-from-health-ministry-are-not-health",
        "Strikes kill 12 in southern town",
        "Air strikes killed 12 people in the town on Monday, the health ministry said.",
        ["medtop:07000000"],
    ),
    (
        "regional-governor-is-not-a-central-bank",
        "Drones hit refinery, regional governor says",
        "Drones struck an oil refinery overnight, starting a fire, the regional governor said.",
        ["medtop:20000350"],
    ),
    (
        "cutting-pollution-or-rates-is-not-layoffs",
        "Central bank cuts rates, government bans plastic bags",
        "The central bank cut its key rate on Monday, and the government said it would ban plastic bags to cut pollution.",
        ["medtop:20000189"],
    ),
    (
        "court-strikes-down-is-not-a-labour-strike",
        "Supreme Court strikes down state gun law",
        "The Supreme Court on Thursday struck down a state law restricting handguns in public.",
        ["medtop:20000529", "medtop:20000530"],
    ),
    (
        "climate-goals-are-not-football-goals",
        "Carbon emissions hit record high despite climate goals",
        "Global carbon emissions rose to a record this year as the world falls short of climate goals.",
        ["medtop:20001065"],
    ),
    (
        "exam-results-are-not-earnings",
        "Exam results show record number of top grades",
        "A record 28% of students received top grades in this year's school exam results.",
        ["medtop:20000178"],
    ),
    (
        "battery-is-not-a-batter",
        "Carmaker to build battery plant",
        "Voltara will invest 2 billion euros in a battery factory in Hungary.",
        ["medtop:20000888"],
    ),
    (
        "recalled-ambassador-is-not-a-product-recall",
        "Ambassador recalled after row over election interference",
        "The government recalled its ambassador from Moscow on Wednesday.",
        ["medtop:20000207"],
    ),
    (
        "vaccine-stocks-are-not-equities",
        "Cholera vaccine stocks run low, WHO warns",
        "Global stocks of cholera vaccine have run out as outbreaks spread, the WHO said.",
        ["medtop:20000396"],
    ),
    (
        "protestant-is-not-a-protest",
        "Protestant church leaders meet in Geneva",
        "Protestant bishops met in Geneva on Monday.",
        ["medtop:20000066", "medtop:20000648"],
    ),
    (
        "derailed-talks-are-not-a-rail-accident",
        "Row could derail the peace talks",
        "The dispute could derail the talks, diplomats said.",
        ["medtop:20000146", "medtop:20000139"],
    ),
    (
        "surname-prefixes-are-not-terms",
        "Imamoglu jailed; Jabalia camp shelled",
        "Istanbul mayor Ekrem Imamoglu was jailed, and shells hit Jabalia in Gaza.",
        ["medtop:20000677", "medtop:20000477"],
    ),
    (
        "real-and-won-as-words-are-not-currencies",
        "Party won the vote; the threat is real, leader says",
        "The party won the vote on Sunday and its leader said the threat from abroad was real.",
        ["medtop:20000355", "medtop:20000391"],
    ),
    (
        "ai-weiwei-and-aids-to-recovery-are-not-topics",
        "Artist Ai Weiwei opens show; stimulus aids recovery",
        "Ai Weiwei opened an exhibition in Berlin, while new stimulus aids the recovery.",
        ["medtop:20001298", "medtop:20000452"],
    ),
    (
        "holds-lead-is-not-a-rate-decision",
        "Scheffler holds two-shot lead at Masters",
        "Scottie Scheffler holds a two-shot lead after the second round.",
        ["medtop:20000371"],
    ),
    (
        "funding-round-is-not-golf-seed-is-not-tennis",
        "Startup raises seed funding in round led by Northbridge",
        "Kaamos raised $8 million in a seed funding round that sets it up for expansion.",
        ["medtop:20000940", "medtop:20001085"],
    ),
    (
        "visa-rules-and-lunar-new-year-are-not-payments-or-space",
        "Travellers face new visa rules ahead of Lunar New Year",
        "Travellers will need a visa to enter the country during the Lunar New Year holiday.",
        ["medtop:20001164", "medtop:20000739"],
    ),
    (
        "final-quarter-of-last-year-is-not-a-final-game",
        "Lender raises 2027 profit target",
        "Ostrava Bank raised its profit target after mortgage lending grew faster than expected in the "
        "final quarter of last year.",
        ["medtop:20001343", "medtop:20001108", "medtop:15000000"],
    ),
    (
        "final-dividend-results-and-approval-are-not-sport",
        "Miner proposes final dividend as final results beat forecasts",
        "The board proposed a final dividend and said the deal still needed final approval from "
        "regulators before it could make a final offer.",
        ["medtop:20001343", "medtop:20001108", "medtop:15000000"],
    ),
    (
        "profit-goal-is-not-a-football-goal",
        "Lender raises profit goal as mortgage lending picks up",
        "Mortgage lending grew 9% and the bank now aims for net profit of 1.1 billion euros.",
        ["medtop:20001065", "medtop:15000000"],
    ),
    (
        "summer-season-of-an-airline-is-not-sport",
        "Airline cuts summer capacity growth as jet fuel costs bite",
        "The carrier cut its planned capacity growth for the summer season on Tuesday, saying fuel "
        "prices had made some routes unprofitable.",
        ["medtop:15000000"],
    ),
    (
        "lyon-the-city-is-not-a-football-club",
        "Lyon transit operator orders 40 hydrogen buses",
        "The public transport operator of France's third-largest city has ordered 40 hydrogen buses.",
        ["medtop:20001065", "medtop:15000000"],
    ),
    (
        "pledged-aid-and-welcomed-plan-are-not-diplomacy",
        "Regional government pledges aid for chip plant",
        "The regional government has pledged 900 million euros in aid, and the metalworkers' union said "
        "it welcomed the plan.",
        ["medtop:20000639"],
    ),
    (
        "hydrogen-fuel-cell-buses-are-not-petrol",
        "Transit operator orders 40 hydrogen fuel-cell buses",
        "The city's transit operator ordered 40 hydrogen fuel-cell buses, the manufacturer said.",
        ["medtop:20000268"],
    ),
]


@pytest.mark.parametrize(("headline", "lead", "absent"), [pytest.param(*c[1:], id=c[0]) for c in HOSTILE])
def test_hostile_words_do_not_fire(headline: str, lead: str, absent: list[str]) -> None:
    topics = tag_topics(headline, [lead])
    fired = {t["code"] for t in topics} & set(absent)
    assert not fired, f"{sorted(fired)} should not fire; got:\n{_explain(topics)}"


def test_cased_acronyms_fire_only_in_capitals() -> None:
    who = {t["code"] for t in tag_topics("WHO said measles cases rose in Europe", [])}
    assert "medtop:20000463" in who
    said = {t["code"] for t in tag_topics("Officials who said measles cases rose", [])}
    assert "medtop:20000463" not in said


def test_gold_topic_labels_cover_every_story_with_shipped_codes() -> None:
    gold_dir = Path(__file__).resolve().parent / "gold/tagging"
    stories = [
        json.loads(line) for line in (gold_dir / "stories.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    labels = [
        json.loads(line) for line in (gold_dir / "topics.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [d["id"] for d in labels] == [s["id"] for s in stories]
    concepts = load_concepts()
    for d in labels:
        assert concepts[d["primary_topic"]].level == 1, d["id"]
        assert d["topics"] and all(code in concepts for code in d["topics"]), d["id"]
        tops = {concepts[c].ancestors[-1] if concepts[c].ancestors else c for c in d["topics"]}
        assert d["primary_topic"] in tops, f"{d['id']}: primary topic has no labelled code under it"
