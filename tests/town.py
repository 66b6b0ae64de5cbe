"""The demo town's places the incident and dispute tests work in, and how to find them."""
from sqlalchemy import select

from service.extensions import db
from service.models import Grid, Village

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"

# Two villages with different level-2 workers (l2-04 is stationed in 201, l2-08 in 205).
VILLAGE_A = "441403116201"
VILLAGE_B = "441403116205"
GRID_A1, GRID_A2 = VILLAGE_A + "001", VILLAGE_A + "002"
GRID_B1, GRID_B2 = VILLAGE_B + "001", VILLAGE_B + "002"


def grid(code) -> Grid:
    return db.session.scalar(select(Grid).where(Grid.code == code))


def village(code) -> Village:
    return db.session.scalar(select(Village).where(Village.code == code))
