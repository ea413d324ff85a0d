"""The product-catalogue eval set: `python -m benchmarks.catalogue.generate` rewrites docs/.

An entity- and code-heavy knowledge base, where keyword search is strong and a small
embedding model is weak: 240 product pages of one fictional tool maker that all read alike
(the same sections, the same kinds of faults), told apart only by model numbers, error
codes, firmware versions, part numbers and the names of the people behind them. The 360
questions name one of those and ask about the page it is on, in the words of a customer.

Deterministic (one seeded `random.Random`), so the shipped files are reproducible; all
names, codes and companies are made up. Licence: CC0 1.0, like the support corpus.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
PRODUCTS = 240
SEED = 20261203

KINDS = [
    ("cordless drill", "drilling", "chuck"),
    ("impact driver", "driving screws", "bit holder"),
    ("angle grinder", "grinding", "guard"),
    ("circular saw", "cutting", "blade"),
    ("jigsaw", "curved cuts", "blade clamp"),
    ("rotary hammer", "masonry drilling", "SDS holder"),
    ("orbital sander", "sanding", "pad"),
    ("heat gun", "paint stripping", "nozzle"),
    ("wet-dry vacuum", "cleaning up", "filter"),
    ("pressure washer", "washing", "lance"),
    ("laser level", "levelling", "tripod mount"),
    ("work light", "lighting", "stand"),
]
SERIES = ["Kestrel", "Osprey", "Harrier", "Merlin", "Falcon", "Condor", "Petrel", "Swift"]
FIRST = [
    "Ana",
    "Bruno",
    "Carmen",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Luca",
    "Marta",
    "Nils",
    "Olga",
    "Pablo",
    "Rosa",
    "Sven",
    "Tomas",
    "Ursula",
    "Viktor",
    "Wanda",
    "Yusuf",
    "Zofia",
]
LAST = [
    "Albarran",
    "Brenner",
    "Castellanos",
    "Dvorak",
    "Eriksen",
    "Fonseca",
    "Grabowski",
    "Halvorsen",
    "Iglesias",
    "Jankowski",
    "Kowalczyk",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Oyelaran",
    "Pietrzak",
    "Quintana",
    "Rasmussen",
    "Szabo",
    "Tanaka",
    "Urquhart",
    "Valdivia",
    "Wojcik",
    "Zamora",
]
CITIES = [
    "Tarragona",
    "Lodz",
    "Aarhus",
    "Brno",
    "Porto",
    "Graz",
    "Tampere",
    "Ghent",
    "Bilbao",
    "Poznan",
    "Malmo",
    "Linz",
    "Cluj",
    "Bergen",
    "Leipzig",
    "Utrecht",
]
FAULTS = [
    ("the battery pack is too hot to charge", "let the pack cool for 30 minutes"),
    ("the motor is overloaded", "release the trigger and reduce the feed pressure"),
    ("the brushless controller lost contact with the motor", "send the tool for service"),
    ("the charger cannot identify the battery", "clean the battery contacts"),
    ("the voltage is too low", "charge the battery pack fully"),
    ("the accessory is jammed", "unplug the tool and free the accessory"),
    ("the temperature sensor failed", "send the tool for service"),
    ("the firmware update was interrupted", "repeat the update with the app"),
]


@dataclass(frozen=True)
class Product:
    title: str
    model: str
    name: str
    kind: str
    use: str
    part: str
    designer: str
    tester: str
    city: str
    firmware: str
    part_number: str
    errors: list[tuple[str, str, str]]
    weight: float
    warranty: int
    battery: str


def part_number(rng: random.Random) -> str:
    return f"{rng.randint(10, 99)}{rng.choice('ABCDEFGHJK')}{rng.randint(1000, 9999)}"


def products(rng: random.Random) -> list[Product]:
    out: list[Product] = []
    models: set[str] = set()
    codes: set[str] = set()
    while len(out) < PRODUCTS:
        kind, use, part = rng.choice(KINDS)
        series = rng.choice(SERIES)
        model = f"{series[:2].upper()}-{rng.randint(100, 9999)}"
        if model in models:
            continue
        models.add(model)
        errors = []
        for fault, fix in rng.sample(FAULTS, 3):
            code = f"E-{rng.randint(1000, 9999)}"
            while code in codes:
                code = f"E-{rng.randint(1000, 9999)}"
            codes.add(code)
            errors.append((code, fault, fix))
        out.append(
            Product(
                title=f"{model.lower()}-{kind.replace(' ', '-')}",
                model=model,
                name=f"{series} {model} {kind}",
                kind=kind,
                use=use,
                part=part,
                designer=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                tester=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                city=rng.choice(CITIES),
                firmware=f"{rng.randint(1, 6)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                part_number=part_number(rng),
                errors=errors,
                weight=round(rng.uniform(0.8, 9.5), 1),
                warranty=rng.choice([2, 3, 5]),
                battery=rng.choice(["18 V 2.0 Ah", "18 V 4.0 Ah", "18 V 5.0 Ah", "36 V 4.0 Ah"]),
            )
        )
    return out


def page(p: Product) -> str:
    errors = "\n".join(
        f"- **{code}**: {fault}. What to do: {fix}." for code, fault, fix in p.errors
    )
    return f"""# {p.name}

The {p.model} is a {p.kind} from the {p.name.split()[0]} range for {p.use}. It was designed by
{p.designer} at our workshop in {p.city} and field-tested by {p.tester}. The {p.model} weighs
{p.weight} kg and runs on the {p.battery} battery pack.

## Firmware

The {p.model} needs controller firmware {p.firmware} or later. Update it with the
Workshop app while the battery is charged.

## Error codes

When the indicator on the {p.model} blinks red, read the code in the app:

{errors}

## Spare parts and warranty

The replacement {p.part} for the {p.model} has part number {p.part_number}. The
{p.model} carries a {p.warranty}-year warranty when registered within 30 days of purchase.
"""


def questions(rng: random.Random, items: list[Product]) -> list[dict[str, str]]:
    asked: list[dict[str, str]] = []
    for p in items:
        code, _fault, _fix = rng.choice(p.errors)
        options = [
            f"my tool shows {code}, what's wrong with it?",
            f"what should I do about error {code}",
            f"who designed the {p.model}?",
            f"which firmware does the {p.model} need",
            f"part number for a new {p.part} on the {p.model}",
            f"how heavy is the {p.model}",
            f"how long is the warranty on my {p.model}?",
            f"is {p.tester} the person who tested the {p.kind}?",
            f"the display says {code}",
        ]
        for text in rng.sample(options, 2 if rng.random() < 0.5 else 1):
            asked.append({"question": text, "document": p.title})
    return asked[:360]


def main() -> None:
    rng = random.Random(SEED)
    items = products(rng)
    docs = HERE / "docs"
    docs.mkdir(exist_ok=True)
    for old in docs.glob("*.md"):
        old.unlink()
    for p in items:
        (docs / f"{p.title}.md").write_text(page(p))
    lines = [json.dumps(q) for q in questions(rng, items)]
    (HERE / "questions.jsonl").write_text("\n".join(lines) + "\n")
    print(f"{len(items)} pages, {len(lines)} questions in {HERE}")


if __name__ == "__main__":
    main()
