"""Regenerate the sample data shipped for the offline local platform (deterministic: seeded).

    .venv/bin/python ingestion/sample_data/generate.py

landing/orders/*.csv: ~200 orders over 3 daily export files (the "file drop" of pipeline orders_files).
jsonplaceholder/*.json: 10 users, 30 posts, 90 comments, shaped like jsonplaceholder.typicode.com.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATUSES = ["placed", "shipped", "delivered", "cancelled", "returned"]
STATUS_WEIGHTS = [20, 25, 45, 6, 4]
WORDS = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
    "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip"
).split()
FIRST = ["Leanne", "Ervin", "Clementine", "Patricia", "Chelsey", "Dennis", "Kurtis", "Nicholas", "Glenna", "Clementina"]
LAST = ["Graham", "Howell", "Bauch", "Lebsack", "Dietrich", "Schulist", "Weissnat", "Runolfsdottir", "Reichert", "DuBuque"]
CITIES = ["Gwenborough", "Wisokyburgh", "McKenziehaven", "South Elvis", "Roscoeview", "South Christy", "Howemouth", "Aliyaview", "Bartholomebury", "Lebsackbury"]


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def orders(rng: random.Random) -> None:
    folder = HERE / "landing" / "orders"
    folder.mkdir(parents=True, exist_ok=True)
    order_id = 1000
    day0 = datetime(2024, 3, 1)
    for day, count in enumerate([64, 71, 67]):
        rows = []
        for _ in range(count):
            order_id += 1
            ordered_at = day0 + timedelta(days=day, seconds=rng.randrange(0, 86400))
            rows.append(
                {
                    "order_id": order_id,
                    "customer_id": rng.randint(1, 40),
                    "product_id": rng.randint(1, 25),
                    "quantity": rng.choice([1, 1, 1, 2, 2, 3, 5]),
                    "unit_price": f"{rng.choice([4.99, 9.5, 12.0, 19.99, 24.9, 49.0, 89.95, 129.0]):.2f}",
                    "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
                    "ordered_at": ordered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
        rows.sort(key=lambda r: r["ordered_at"])
        path = folder / f"orders_{(day0 + timedelta(days=day)):%Y-%m-%d}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def jsonplaceholder(rng: random.Random) -> None:
    folder = HERE / "jsonplaceholder"
    folder.mkdir(parents=True, exist_ok=True)
    users = []
    for i in range(10):
        first, last = FIRST[i], LAST[i]
        users.append(
            {
                "id": i + 1,
                "name": f"{first} {last}",
                "username": f"{first[0]}{last}".replace(" ", ""),
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "address": {
                    "street": f"{rng.randint(1, 999)} {rng.choice(['Kulas', 'Victor', 'Douglas', 'Hoeger', 'Skiles'])} Street",
                    "suite": f"Apt. {rng.randint(100, 999)}",
                    "city": CITIES[i],
                    "zipcode": f"{rng.randint(10000, 99999)}",
                    "geo": {"lat": f"{rng.uniform(-80, 80):.4f}", "lng": f"{rng.uniform(-170, 170):.4f}"},
                },
                "phone": f"1-{rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                "website": f"{last.lower()}.example.org",
                "company": {"name": f"{last}-{rng.choice(FIRST)}", "catchPhrase": words(rng, 4), "bs": words(rng, 3)},
            }
        )
    posts = [{"userId": (i // 3) + 1, "id": i + 1, "title": words(rng, rng.randint(3, 7)), "body": words(rng, rng.randint(15, 30))} for i in range(30)]
    comments = []
    for i in range(90):
        user = rng.choice(users)
        comments.append({"postId": (i // 3) + 1, "id": i + 1, "name": words(rng, 4), "email": user["email"], "body": words(rng, rng.randint(10, 25))})
    for name, data in (("users", users), ("posts", posts), ("comments", comments)):
        (folder / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    orders(random.Random(7))
    jsonplaceholder(random.Random(11))
