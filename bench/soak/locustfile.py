"""Locust users of the soak (bench/soak/run.py starts Locust with this file).

Three kinds of visitor, in the proportions of a comparison site: readers (home page,
comparison pages, the community card polled with ETag/304, threads), voters (sign in
through /login, then vote, change and withdraw votes, weigh pros and cons) and posters
(sign in, read threads, post in them). The site's content and accounts are read from the
JSON file named by SOAK_DATA, written by run.py.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
from pathlib import Path

from locust import FastHttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: tests.helpers
from tests.helpers import CSRF_TOKEN as _CSRF  # noqa: E402

DATA = json.loads(open(os.environ["SOAK_DATA"]).read())  # noqa: SIM115 - read once
COMPARISONS = DATA["comparisons"]
THREADS = DATA["threads"]
VOTERS = itertools.cycle(DATA["voters"])
POSTERS = itertools.cycle(DATA["posters"])
JSON = {"Accept": "application/json"}


class Reader(FastHttpUser):
    weight = 6
    wait_time = between(0.5, 2)

    def on_start(self):
        self.etags: dict[str, str] = {}

    @task(1)
    def home(self):
        self.client.get("/", name="/")

    @task(3)
    def comparison_page(self):
        self.client.get(f"/compare/{random.choice(COMPARISONS)['slug']}", name="/compare/[slug]")

    @task(6)
    def poll_card(self):
        # What an open comparison page does every few seconds: usually a 304.
        slug = random.choice(COMPARISONS)["slug"]
        headers = {"If-None-Match": self.etags[slug]} if slug in self.etags else {}
        with self.client.get(
            f"/compare/{slug}/community",
            headers=headers,
            name="/compare/[slug]/community",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 304):
                self.etags[slug] = response.headers.get("ETag", "")
                response.success()

    @task(1)
    def thread(self):
        self.client.get(f"/threads/{random.choice(THREADS)}", name="/threads/[id]")


class Member(FastHttpUser):
    abstract = True
    accounts = VOTERS

    def on_start(self):
        self.username = next(self.accounts)
        page = self.client.get("/login", name="/login")
        form = {
            "login": self.username,
            "password": DATA["password"],
            "csrf_token": _CSRF.search(page.text).group(1),
        }
        self.client.post("/login", data=form, name="/login [POST]", allow_redirects=False)
        self.refresh_token()

    def refresh_token(self):
        comp = random.choice(COMPARISONS)
        page = self.client.get(f"/compare/{comp['slug']}", name="/compare/[slug]")
        self.headers = {**JSON, "X-CSRFToken": _CSRF.search(page.text).group(1)}


class Voter(Member):
    weight = 3
    wait_time = between(1, 3)
    accounts = VOTERS

    @task(4)
    def vote(self):
        comp = random.choice(COMPARISONS)
        self.client.post(
            f"/compare/{comp['slug']}/vote",
            json={"option": random.choice(comp["options"])},
            headers=self.headers,
            name="/compare/[slug]/vote",
        )

    @task(1)
    def withdraw(self):
        comp = random.choice(COMPARISONS)
        self.client.post(
            f"/compare/{comp['slug']}/vote/withdraw",
            json={},
            headers=self.headers,
            name="/compare/[slug]/vote/withdraw",
        )

    @task(3)
    def rate_claim(self):
        comp = random.choice(COMPARISONS)
        self.client.post(
            f"/compare/{comp['slug']}/claims/{random.choice(comp['claims'])}/rating",
            json={"importance": random.randint(0, 4)},
            headers=self.headers,
            name="/compare/[slug]/claims/[id]/rating",
        )

    @task(2)
    def read_page(self):
        self.refresh_token()


class Poster(Member):
    weight = 1
    wait_time = between(2, 5)
    accounts = POSTERS

    @task(2)
    def read_thread(self):
        self.client.get(f"/threads/{random.choice(THREADS)}", name="/threads/[id]")

    @task(3)
    def post(self):
        body = f"Soak post by {self.username}: {random.randint(0, 10**9)} reasons to differ."
        self.client.post(
            f"/threads/{random.choice(THREADS)}/posts",
            data={"body": body},
            headers=self.headers,
            name="/threads/[id]/posts",
        )
