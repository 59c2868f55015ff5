"""The point-label search shared by the Kano map and the IPMA figure
(:mod:`sem_csat.rendering.labels`)."""

from __future__ import annotations

import pytest

from sem_csat.rendering.labels import DIRECTIONS, overlap_area, overlaps, place

INSIDE = (0.0, 0.0, 100.0, 100.0)


def test_a_free_label_goes_to_the_right_of_its_point_and_becomes_an_obstacle() -> None:
    obstacles: list[tuple[float, float, float, float]] = []
    spot = place((50.0, 50.0), (5.0, 2.0), clearance=3.0, step=4.0, rings=3, inside=INSIDE,
                 obstacles=obstacles, gap=1.0)  # fmt: skip
    assert (spot.ux, spot.uy) == DIRECTIONS[0]
    assert spot.box == pytest.approx((53.0, 48.0, 63.0, 52.0))
    assert obstacles == [spot.box]


def test_a_taken_place_sends_the_label_to_the_next_direction_or_ring() -> None:
    obstacles = [(52.0, 45.0, 70.0, 55.0)]  # the right-hand side is taken
    spot = place((50.0, 50.0), (5.0, 2.0), clearance=3.0, step=4.0, rings=3, inside=INSIDE,
                 obstacles=obstacles, gap=1.0)  # fmt: skip
    assert not overlaps(spot.box, obstacles[0], 1.0)
    assert (spot.ux, spot.uy) != (1, 0)


def test_without_a_free_place_the_least_overlap_inside_the_axes_wins() -> None:
    everywhere = [(0.0, 0.0, 100.0, 100.0)]  # every candidate overlaps it
    spot = place((50.0, 50.0), (5.0, 2.0), clearance=3.0, step=4.0, rings=2, inside=INSIDE,
                 obstacles=everywhere, gap=1.0)  # fmt: skip
    assert INSIDE[0] <= spot.box[0]
    assert spot.box[2] <= INSIDE[2]
    assert overlap_area(spot.box, everywhere[0]) == pytest.approx(40.0)


def test_a_charge_per_overlap_prefers_fewer_overlaps_to_less_area() -> None:
    """Every candidate of the ring is taken: the right-hand one by one large obstacle (area
    40), each other one by two tiny ones (0.25 each).  By area alone a tiny pair wins (the
    first in ring order, upper right); with a charge per overlap the single obstacle does."""
    obstacles = [(53.0, 47.0, 63.0, 53.0)]
    for ux, uy in DIRECTIONS[1:]:
        cx, cy = 50.0 + ux * 8.0, 50.0 + uy * 5.0
        obstacles += [(cx - 0.25, cy - 0.25, cx + 0.25, cy + 0.25),
                      (cx + 1.0, cy - 0.25, cx + 1.5, cy + 0.25)]  # fmt: skip
    kwargs = {"clearance": 3.0, "step": 4.0, "rings": 1, "inside": INSIDE, "gap": 0.0}
    by_area = place((50.0, 50.0), (5.0, 2.0), obstacles=list(obstacles), **kwargs)
    by_count = place((50.0, 50.0), (5.0, 2.0), obstacles=list(obstacles), per_overlap=100.0,
                     **kwargs)  # fmt: skip
    assert (by_area.ux, by_area.uy) == (1, 1)
    assert (by_count.ux, by_count.uy) == (1, 0)
